"""What a GraphQL request knows: who acts, in which tenant, and the tenant's services and views."""

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from functools import reduce
from typing import Any, Generic, TypeVar
from uuid import UUID

import anyio.to_thread
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from partyledger.domain.provenance import Provenance
from partyledger.domain.working_days import WorkingCalendar
from partyledger.projections.org_tree_queries import OrgTreeQueries
from partyledger.projections.progress import Reached
from partyledger.projections.roster_queries import OrganizationRow, RosterQueries
from partyledger.services.access import Actor
from partyledger.services.register import Held, PageKey
from partyledger.services.tenant_register import TenantRegister

T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class _Read(Generic[T]):
    """A service read waiting for its batch, with what it may find without asking the database."""

    held: Held
    read: Callable[[TenantRegister, Actor], T]


@dataclass
class Ledger:
    actor: Actor
    tenant_name: str
    provenance: Provenance
    register: TenantRegister
    roster: RosterQueries
    wait_for_position: Callable[[int], Awaitable[Reached]]
    org_tree: OrgTreeQueries
    waits: list[Reached] = field(init=False, default_factory=list)  # this request's, answered
    organizations: DataLoader[UUID, OrganizationRow | None] = field(init=False)
    held: DataLoader[UUID | PageKey, Held] = field(init=False)
    reads: DataLoader[_Read[Any], Any] = field(init=False)
    calendars: DataLoader[None, WorkingCalendar] = field(init=False)

    def __post_init__(self) -> None:
        async def load(ids: list[UUID]) -> list[OrganizationRow | None]:
            rows = await anyio.to_thread.run_sync(self.roster.organizations, ids)
            return [rows.get(i) for i in ids]

        self.organizations = DataLoader(load_fn=load)
        # Aggregates and streams are not cached past their batch: a mutation later in the same
        # request must be seen. A batch is what a page's resolvers ask for at the same moment;
        # their reads then run together too, so that the next level's loads batch as well.
        self.held = DataLoader(load_fn=self._load_held, cache=False)
        self.reads = DataLoader(load_fn=self._run_reads, cache=False)
        self.calendars = DataLoader(load_fn=self._calendars, cache=False)

    async def read(self, read: Callable[[TenantRegister, Actor], T], *, ids: Collection[UUID] = (),
                   pages: Collection[PageKey] = ()) -> T:
        """A service read with the aggregates of ``ids`` (and what reading them consults) and the
        stream ``pages`` loaded beforehand, together with every other read of the page: the
        service checks the actor as for a single read, without asking the database again."""
        loaded = await asyncio.gather(*(self.held.load(k) for k in (*ids, *pages)))
        found: T = await self.reads.load(_Read(reduce(lambda a, b: a | b, loaded, Held()), read))
        return found

    async def working_calendar(self) -> WorkingCalendar:
        """The tenant's working calendar, read once for all the resolvers asking at once."""
        return await self.calendars.load(None)

    async def _load_held(self, keys: list[UUID | PageKey]) -> list[Held]:
        register, lineages = self.register, not self.actor.reads_whole_tenant

        def load() -> Held:
            by_page: dict[tuple[int, int | None], list[UUID]] = defaultdict(list)
            for originator, after, first in (k for k in keys if isinstance(k, tuple)):
                by_page[after, first].append(originator)
            pages = {(i, after, first): events for (after, first), ids in by_page.items()
                     for i, events in register.stream_pages(ids, after=after, first=first).items()}
            ids = [k for k in keys if isinstance(k, UUID)]
            return register.reading_set(ids, lineages=lineages) | Held(pages=pages)

        held = await anyio.to_thread.run_sync(load)
        return [held] * len(keys)

    async def _run_reads(self, reads: list[_Read[Any]]) -> list[Any]:
        register, actor = self.register, self.actor

        def run(job: _Read[Any]) -> Any:
            try:
                with register.holding(job.held):
                    return job.read(register, actor)
            except Exception as error:  # noqa: BLE001 - each resolver gets its own error back
                return error

        return await anyio.to_thread.run_sync(lambda: [run(j) for j in reads])

    async def _calendars(self, keys: list[None]) -> list[WorkingCalendar]:
        calendar = await anyio.to_thread.run_sync(self.register.working_calendar)
        return [calendar] * len(keys)


def ledger(info: Info[Any, Any]) -> Ledger:
    context: Ledger = info.context["ledger"]
    return context

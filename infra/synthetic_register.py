"""The register a generator records into: aggregates held in memory, changed one command at a
time exactly as the services change them, their events streamed out as each command ends.

A command here is what a service command does between loading and saving: the domain's command
methods, then the same bookkeeping (``Workset.settle``: cells' rosters, parents' children), under
a provenance of its own (recorder, correlation id). Nothing is loaded, so nothing is re-read:
what one command changed is what the next one sees, as if each had been saved.

Aggregate and correlation ids come from a seeded source, so one seed gives the same events.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from random import Random
from typing import TYPE_CHECKING, Any, TypeVar, cast

from eventsourcing.domain import Aggregate

from partyledger.domain.aggregate import RegisterAggregate
from partyledger.domain.errors import MemberNotFoundError, OrganizationNotFoundError
from partyledger.domain.member import Member
from partyledger.domain.organization import Organization
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.services.cell_rosters import Workset

if TYPE_CHECKING:
    from partyledger.services.members import MemberRegister

A = TypeVar("A")
EventSink = Callable[[Sequence[Any]], None]

_ids: ContextVar[Random | None] = ContextVar("partyledger_generated_ids", default=None)


def _next_id(*_: Any, **__: Any) -> uuid.UUID:
    source = _ids.get()
    return uuid.UUID(int=source.getrandbits(128), version=4) if source else uuid.uuid4()


@contextmanager
def seeded_ids(seed: object) -> Iterator[None]:
    """New aggregates created in this context (this thread or task only) draw their ids from a
    source seeded with ``seed``; elsewhere ids stay random.

    The library asks ``create_id`` of the aggregate's class when a command method creates an
    aggregate without an id; the domain's methods never pass one, so the hook sits there.
    """
    token = _ids.set(Random(f"ids/{seed}"))
    installed = "create_id" in vars(RegisterAggregate)
    if not installed:
        RegisterAggregate.create_id = staticmethod(_next_id)  # type: ignore[assignment]
    try:
        yield
    finally:
        _ids.reset(token)
        if not installed:
            del RegisterAggregate.create_id


class SyntheticRegister:
    """Organisations are held for the whole generation; members only until ``forget_members``
    (an area's members never meet another area's)."""

    def __init__(self, sink: EventSink, *, recorded_by: str, seed: object) -> None:
        self._sink = sink
        self._recorder = recorded_by
        self._correlations = Random(f"correlations/{seed}")
        self._organizations: dict[uuid.UUID, Organization] = {}
        self._members: dict[uuid.UUID, Member] = {}
        self.commands = 0
        self.events = 0

    def record(self, command: Callable[[], Sequence[A]]) -> A:
        """Run one command (it returns the aggregates it changed, its subject first) with the
        services' bookkeeping; stream the events; return the subject."""
        correlation = uuid.UUID(int=self._correlations.getrandbits(128), version=4)
        with recorded_by(Provenance(recorded_by=self._recorder, correlation_id=str(correlation))):
            changed = command()
            work = Workset(cast("MemberRegister", self), changed)  # asks only for the reads below
            work.settle()
            saved = work.changed()
        events: list[Any] = []
        for aggregate in saved:
            self._hold(aggregate)
            events.extend(aggregate.collect_events())
        self.commands += 1
        self.events += len(events)
        self._sink(events)
        return changed[0]

    @property
    def organizations(self) -> int:
        return len(self._organizations)

    def forget_members(self) -> list[Member]:
        """Stop holding the members; return them (their final state)."""
        members, self._members = list(self._members.values()), {}
        return members

    # -- the reads a Workset makes of its register ---------------------------------------------

    def organization(self, organization_id: uuid.UUID, *,
                     field: str = "organizationId") -> Organization:
        found = self._organizations.get(organization_id)
        if found is None:
            raise OrganizationNotFoundError(f"no organisation {organization_id}", field=field)
        return found

    def member(self, member_id: uuid.UUID) -> Member:
        found = self._members.get(member_id)
        if found is None:
            raise MemberNotFoundError(f"no member {member_id} in this area", field="memberId")
        return found

    def get_or_none(self, aggregate_id: uuid.UUID, kind: type[Aggregate]) -> Any:
        found = self._organizations.get(aggregate_id) or self._members.get(aggregate_id)
        return found if isinstance(found, kind) else None

    def _hold(self, aggregate: Any) -> None:
        if isinstance(aggregate, Organization):
            self._organizations[aggregate.id] = aggregate
        elif isinstance(aggregate, Member):
            self._members[aggregate.id] = aggregate

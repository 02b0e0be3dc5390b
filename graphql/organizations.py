"""Organisations in GraphQL: the Organization node, the tree as of a date, founding an organisation.

The tree is read from the organisation-tree view (valid time ``asOf``, transaction time
``knownAt``); lists of related organisations and member counts go through per-request loaders.
"""

import asyncio
import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any
from uuid import UUID

import anyio.to_thread
import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from partyledger.domain.organization import OrganizationKind as DomainKind
from partyledger.domain.organization_kinds import GrassrootsOrgType as DomainSector
from partyledger.graphql.commands import DecisionInput, run_command
from partyledger.graphql.context import ledger
from partyledger.graphql.contracts import IdempotencyKeyText, checked_input
from partyledger.graphql.errors import UserError
from partyledger.graphql.ids import uuid_of
from partyledger.graphql.org_committee import CommitteeFields
from partyledger.graphql.org_meetings import MeetingFields
from partyledger.graphql.published import (
    check_count_reader,
    published_table,
    reads_published_only,
)
from partyledger.graphql.security import PartnersRefused, guard_fields
from partyledger.graphql.waiting import WaitForPosition, await_position
from partyledger.projections.org_tree_queries import OrgTreeQueries, OrgTreeRow
from partyledger.projections.published_figures import latest_reference_date
from partyledger.projections.roster_queries import OrganizationRow

OrganizationKind = strawberry.enum(
    Enum("OrganizationKind", {k.name: k.name for k in DomainKind}),  # type: ignore[misc]
    description="Kinds of party organisation (Vietnamese label in `kindLabel`).",
)
GrassrootsOrgType = strawberry.enum(
    Enum("GrassrootsOrgType", {t.name: t.name for t in DomainSector}),  # type: ignore[misc]
    description="The sector of a grassroots organisation (Vietnamese label in `sectorLabel`).",
)

OrgKey = tuple[UUID, datetime.date, datetime.datetime | None]
ChildrenKey = tuple[UUID, datetime.date, datetime.datetime | None, str | None]


@dataclass
class TreeLoaders:
    """One request's loaders: organisations, children and member counts, batched per date."""

    tree: OrgTreeQueries

    def __post_init__(self) -> None:
        self.organizations: DataLoader[OrgKey, OrgTreeRow | None] = DataLoader(self._organizations)
        self.children: DataLoader[ChildrenKey, list[OrgTreeRow]] = DataLoader(self._children)
        self.member_counts: DataLoader[UUID, int] = DataLoader(self._member_counts)

    async def _organizations(self, keys: list[OrgKey]) -> list[OrgTreeRow | None]:
        found: dict[OrgKey, OrgTreeRow] = {}
        for (as_of, known_at), ids in _grouped(keys, lambda k: (k[1], k[2])).items():
            rows = await anyio.to_thread.run_sync(self.tree.organizations, ids, as_of, known_at)
            found.update({(i, as_of, known_at): rows[i] for i in ids if i in rows})
        return [found.get(k) for k in keys]

    async def _children(self, keys: list[ChildrenKey]) -> list[list[OrgTreeRow]]:
        found: dict[ChildrenKey, list[OrgTreeRow]] = {}
        for (as_of, known_at, kind), ids in _grouped(keys, lambda k: k[1:]).items():
            rows = await anyio.to_thread.run_sync(
                self.tree.children_of, ids, as_of, known_at, DomainKind[kind] if kind else None)
            found.update({(i, as_of, known_at, kind): rows.get(i, []) for i in ids})
        return [found[k] for k in keys]

    async def _member_counts(self, ids: list[UUID]) -> list[int]:
        counts = await anyio.to_thread.run_sync(self.tree.member_counts, ids, datetime.date.today())
        return [counts.get(i, 0) for i in ids]


def _grouped(keys: Iterable[Any], by: Any) -> dict[Any, list[UUID]]:
    groups: dict[Any, list[UUID]] = defaultdict(list)
    for key in keys:
        groups[by(key)].append(key[0])
    return groups


@strawberry.type(description="A count of members as the caller may see it: staff the exact count "
                 "today; partner keys the published count on the latest reference date, small "
                 "counts and their complements withheld (`partnerPolicy`).")
class MemberTally:
    count: int | None = strawberry.field(description="Null when withheld.")
    suppressed: bool
    as_of: datetime.date = strawberry.field(description="The day counted: today for staff, the "
                                            "latest quarter's end for partner keys.")


def tree_loaders(info: Info[Any, Any]) -> TreeLoaders:
    """The request's loaders, made on first use (the context lives for one request)."""
    loaders: TreeLoaders | None = info.context.get("org_tree_loaders")
    if loaders is None:
        loaders = info.context["org_tree_loaders"] = TreeLoaders(ledger(info).org_tree)
    return loaders


@strawberry.type(description="A party organisation: a committee, a cell (chi bộ) or a party group, "
                 "as it stood on a date.")
class Organization(relay.Node, CommitteeFields, MeetingFields):
    organization_id: relay.NodeID[str]
    name: str
    kind: OrganizationKind  # type: ignore[valid-type]
    kind_label: str = strawberry.field(description="The kind's Vietnamese name.")
    founded_on: datetime.date
    sector: GrassrootsOrgType | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="The sector of a grassroots organisation, where recorded.")
    sector_label: str | None = strawberry.field(default=None, description="The sector in Vietnamese.")
    valid_from: datetime.date | None = strawberry.field(
        default=None, description="Since when its name, kind and superior have been as shown.")
    valid_to: datetime.date | None = strawberry.field(
        default=None, description="When that ended (a later change, or the organisation's end); "
        "null while it holds.")
    parent_uuid: strawberry.Private[UUID | None] = None
    as_of: strawberry.Private[datetime.date | None] = None
    known_at: strawberry.Private[datetime.datetime | None] = None

    @strawberry.field(description="The superior organisation on the same date; null at the top.")
    async def parent(self, info: Info[Any, Any]) -> "Organization | None":
        if self.parent_uuid is None:
            return None
        as_of = self.as_of or datetime.date.today()
        row = await tree_loaders(info).organizations.load((self.parent_uuid, as_of, self.known_at))
        return Organization.of(row, as_of, self.known_at) if row else None

    @strawberry.field(description="The organisations directly under this one on `asOf` "
                      "(by default the date this organisation is shown for), by name.")
    async def children(
        self, info: Info[Any, Any], as_of: datetime.date | None = None,
        kind: OrganizationKind | None = None,  # type: ignore[valid-type]
    ) -> list["Organization"]:
        day = as_of or self.as_of or datetime.date.today()
        key = (UUID(self.organization_id), day, self.known_at, kind.name if kind else None)
        rows = await tree_loaders(info).children.load(key)
        return [Organization.of(r, day, self.known_at) for r in rows]

    @strawberry.field(description="Probationary and official members in this organisation and "
                      "every organisation under it, today (officers: of their subtrees).")
    async def member_count(self, info: Info[Any, Any]) -> int:
        await check_count_reader(info, UUID(self.organization_id))
        return await tree_loaders(info).member_counts.load(UUID(self.organization_id))

    @strawberry.field(description="Probationary and official members in this organisation and "
                      "every organisation under it, as the caller may see the count: staff today "
                      "(officers: of their subtrees), partner keys as published.")
    async def member_tally(self, info: Info[Any, Any]) -> MemberTally:
        organization = UUID(self.organization_id)
        if reads_published_only(info):
            table = await published_table(info, latest_reference_date(datetime.date.today()))
            shown = table.members(organization)
            return MemberTally(count=shown, suppressed=shown is None, as_of=table.on)
        await check_count_reader(info, organization)
        count = await tree_loaders(info).member_counts.load(organization)
        return MemberTally(count=count, suppressed=False, as_of=datetime.date.today())

    @classmethod
    def of(
        cls, row: OrganizationRow | OrgTreeRow, as_of: datetime.date | None = None,
        known_at: datetime.datetime | None = None,
    ) -> "Organization":
        sector = DomainSector[row.sector] if isinstance(row, OrgTreeRow) and row.sector else None
        version = row if isinstance(row, OrgTreeRow) else None
        return cls(organization_id=str(row.organization_id), name=row.name,
                   kind=OrganizationKind[row.kind], kind_label=DomainKind[row.kind].label,
                   founded_on=row.founded_on, parent_uuid=row.parent_id,
                   sector=GrassrootsOrgType[sector.name] if sector else None,
                   sector_label=sector.label if sector else None,
                   valid_from=version.valid_from if version else None,
                   valid_to=version.valid_to if version else None,
                   as_of=as_of, known_at=known_at)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Any, Any], node_ids: Iterable[str], required: bool = False
    ) -> list["Organization | None"]:
        """As it stands today; an organisation that has ended shows as it was last recorded.
        The tree is the tenant's own (re-checked here); no object of another tenant is found."""
        context = ledger(info)
        context.register.check_tenant(context.actor)
        today = datetime.date.today()

        async def one(node_id: str) -> "Organization | None":
            try:
                org_id = UUID(node_id)
            except ValueError:
                return None
            row = await tree_loaders(info).organizations.load((org_id, today, None))
            ended = None if row else await context.organizations.load(org_id)
            return cls.of(row, today) if row else cls.of(ended) if ended else None

        # Together, so that the loaders read all the ids at once, not one query per id.
        return list(await asyncio.gather(*(one(i) for i in node_ids)))


# Partner keys read the tree and published counts; every other field (those added later too)
# refuses them: its data is personal (seats) or small counts by another name (thresholds).
PARTNER_FIELDS = frozenset({"id", "name", "kind", "kindLabel", "foundedOn", "sector", "sectorLabel",
                            "validFrom", "validTo", "parent", "children", "memberTally"})
guard_fields(Organization, PartnersRefused, except_=PARTNER_FIELDS)


@checked_input
class FoundOrganizationInput:
    name: str
    kind: OrganizationKind  # type: ignore[valid-type]
    parent_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The superior organisation; omit for the tenant's top."
    )
    effective_on: datetime.date
    decision: DecisionInput | None = None
    idempotency_key: IdempotencyKeyText | None = None


@strawberry.type
class FoundOrganizationPayload:
    organization: Organization | None
    user_errors: list[UserError]
    position: str | None = strawberry.field(description="Log position to wait for in queries.")


@strawberry.type
class OrganizationsQuery:
    @strawberry.field(description="One organisation as it stood on `asOf` (today by default), as "
                      "recorded at `knownAt` (now by default); null when it did not exist then.")
    async def organization(
        self, info: Info[Any, Any], id: relay.GlobalID, as_of: datetime.date | None = None,
        known_at: datetime.datetime | None = None, wait_for_position: WaitForPosition = None,
    ) -> Organization | None:
        await await_position(ledger(info), wait_for_position)
        day = as_of or datetime.date.today()
        key = (uuid_of(id, "Organization", "id"), day, known_at)
        row = await tree_loaders(info).organizations.load(key)
        return Organization.of(row, day, known_at) if row else None

    @strawberry.field(description="The organisations directly under `parentId` (the tenant's top "
                      "when omitted) on `asOf`, as recorded at `knownAt`, optionally of one kind.")
    async def organizations(
        self, info: Info[Any, Any], parent_id: relay.GlobalID | None = None,
        kind: OrganizationKind | None = None,  # type: ignore[valid-type]
        as_of: datetime.date | None = None, known_at: datetime.datetime | None = None,
        wait_for_position: WaitForPosition = None,
    ) -> list[Organization]:
        await await_position(ledger(info), wait_for_position)
        parent = uuid_of(parent_id, "Organization", "parentId") if parent_id else None
        day = as_of or datetime.date.today()
        rows = await anyio.to_thread.run_sync(
            ledger(info).org_tree.children, parent, day, known_at,
            DomainKind[kind.name] if kind else None)
        return [Organization.of(r, day, known_at) for r in rows]


@strawberry.type
class OrganizationsMutation:
    @strawberry.mutation(description="Found an organisation (tenant administrators).")
    async def found_organization(
        self, info: Info[Any, Any], input: FoundOrganizationInput
    ) -> FoundOrganizationPayload:
        parent = uuid_of(input.parent_id, "Organization", "parentId") if input.parent_id else None
        decision = input.decision.to_domain() if input.decision else None
        outcome, errors = await run_command(info, input.idempotency_key, lambda c: c.register.found_organization(
            c.actor, name=input.name, kind=DomainKind[input.kind.name], parent_id=parent,
            effective_on=input.effective_on, decision=decision,
        ))
        if outcome is None:
            return FoundOrganizationPayload(organization=None, user_errors=errors, position=None)
        organization = await anyio.to_thread.run_sync(
            ledger(info).register.organization, outcome.subject_id
        )
        row = OrganizationRow(outcome.subject_id, organization.name, organization.kind.name,
                              organization.parent_id, organization.founded_on)
        return FoundOrganizationPayload(organization=Organization.of(row), user_errors=[],
                                        position=str(outcome.position))

"""Members in GraphQL: the Member node, the roster connection, and the payload commands return."""

import datetime
from collections.abc import Iterable
from enum import Enum
from typing import Any
from uuid import UUID

import anyio.to_thread
import strawberry
from strawberry import relay
from strawberry.types import Info

from partyledger.domain.member import Member as MemberAggregate
from partyledger.domain.member_state import MemberStatus as DomainStatus
from partyledger.graphql.badges import PartyAgeFields
from partyledger.graphql.commands import run_command
from partyledger.graphql.contracts import OptionalLabelText, checked_input
from partyledger.graphql.discipline import DisciplineFields
from partyledger.graphql.org_committee import QualificationFields
from partyledger.graphql.context import Ledger, ledger
from partyledger.graphql.errors import BadInputError, UserError
from partyledger.graphql.history import HistoryConnection, HistoryEntryEdge, history_entry
from partyledger.graphql.ids import cursor_number, decode_cursor, encode_cursor, uuid_of
from partyledger.graphql.organizations import Organization
from partyledger.graphql.screening import ScreeningFields
from partyledger.graphql.security import ReadAudited, guard_fields
from partyledger.graphql.transfers import TransferFields
from partyledger.graphql.ratings import RatingGrade
from partyledger.graphql.waiting import WaitForPosition, await_position
from partyledger.projections.roster_queries import MemberPage, MemberRow, Order, RosterFilter
from partyledger.services.access import Actor

MAX_PAGE = 100

MemberStatus = strawberry.enum(
    Enum("MemberStatus", {s.name: s.name for s in DomainStatus}),  # type: ignore[misc]
    description="A member's standing (Vietnamese label in `statusLabel`).",
)


@strawberry.type(description="A member's record as it stood on a date.")
class Standing:
    as_of: datetime.date
    status: MemberStatus  # type: ignore[valid-type]
    status_label: str
    cell_id: relay.GlobalID
    full_name: str

    @classmethod
    def of(cls, record: MemberAggregate, as_of: datetime.date) -> "Standing":
        return cls(as_of=as_of, status=MemberStatus[record.status.name], status_label=record.status.label,
                   cell_id=relay.GlobalID("Organization", str(record.cell_id)), full_name=record.full_name)


@strawberry.type(description="A party member (đảng viên) of the viewer's tenant.")
class Member(relay.Node, PartyAgeFields, TransferFields, DisciplineFields, QualificationFields,
             ScreeningFields):
    member_id: relay.NodeID[str]
    full_name: str
    birth_date: datetime.date
    status: MemberStatus  # type: ignore[valid-type]
    status_label: str = strawberry.field(description="The status in Vietnamese.")
    admitted_on: datetime.date | None = strawberry.field(description="Date of the admission decision.")
    ceremony_on: datetime.date | None = strawberry.field(description="Admission ceremony; probation starts.")
    recognized_on: datetime.date | None = strawberry.field(description="Recognised as official.")
    cell_uuid: strawberry.Private[UUID]

    @strawberry.field(description="The cell the member belongs to.")
    async def organization(self, info: Info[Any, Any]) -> Organization | None:
        row = await ledger(info).organizations.load(self.cell_uuid)
        return Organization.of(row) if row else None

    @strawberry.field(description="The member's own events in order, read from the event store.")
    async def history(
        self, info: Info[Any, Any], first: int = 20, after: str | None = None
    ) -> HistoryConnection:
        member_id, start, size = UUID(self.member_id), _version_cursor(after), _page_size(first)
        page = await ledger(info).read(
            lambda r, a: r.member_history_page(a, member_id, after=start, first=size),
            ids=[member_id], pages=[(member_id, start, size + 1)])
        edges = [HistoryEntryEdge(cursor=encode_cursor(e.originator_version), node=history_entry(e))
                 for e in page.events]
        return HistoryConnection(
            edges=edges, has_next_page=page.has_next, total_count=page.total_count,
            page_info=PageInfo(has_next_page=page.has_next, has_previous_page=start > 0,
                               start_cursor=edges[0].cursor if edges else None,
                               end_cursor=edges[-1].cursor if edges else None))

    @strawberry.field(description="The member's standing on a date (by effective dates), "
                      "optionally as it was known at a moment (by recorded time).")
    async def standing(
        self, info: Info[Any, Any], as_of: datetime.date,
        known_at: datetime.datetime | None = None,
    ) -> Standing | None:
        member_id = UUID(self.member_id)
        record = await ledger(info).read(lambda r, a: r.member_as_of(a, member_id, as_of, known_at),
                                         ids=[member_id], pages=[(member_id, 0, None)])
        return Standing.of(record, as_of) if record else None

    @classmethod
    def of_row(cls, row: MemberRow) -> "Member":
        return cls._make(row.member_id, row.full_name, row.birth_date, row.status,
                         row.admitted_on, row.ceremony_on, row.recognized_on, row.organization_id)

    @classmethod
    def of_aggregate(cls, member: MemberAggregate) -> "Member":
        return cls._make(member.id, member.full_name, member.birth_date, member.status.name,
                         member.admitted_on, member.ceremony_on, member.recognized_on, member.cell_id)

    @classmethod
    def _make(cls, member_id: UUID, full_name: str, birth_date: datetime.date, status: str,  # noqa: PLR0913
              admitted_on: datetime.date | None, ceremony_on: datetime.date | None,
              recognized_on: datetime.date | None, cell: UUID) -> "Member":
        return cls(member_id=str(member_id), full_name=full_name, birth_date=birth_date,
                   status=MemberStatus[status], status_label=DomainStatus[status].label,
                   admitted_on=admitted_on, ceremony_on=ceremony_on, recognized_on=recognized_on,
                   cell_uuid=cell)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Any, Any], node_ids: Iterable[str], required: bool = False
    ) -> list["Member | None"]:
        """Each node re-checked: in the caller's tenant and, for an officer, in its subtrees;
        null otherwise, as for an id that names no one."""
        context, scope = _reader(info)
        rows = [await anyio.to_thread.run_sync(context.roster.member, member_id, scope)
                if (member_id := _uuid_or_none(i)) else None for i in node_ids]
        return [cls.of_row(r) if r else None for r in rows]


# Every field but the id is personal data: officers' and inspectors' reads of it are audited.
guard_fields(Member, ReadAudited, except_={"id"})


@strawberry.type
class MemberEdge:
    cursor: str
    node: Member


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class MemberConnection:
    edges: list[MemberEdge]
    page_info: PageInfo
    total_count: int = strawberry.field(description="Members matching the filter, all pages.")


@checked_input
class MemberFilter:
    organization_id: relay.GlobalID | None = None
    include_subtree: bool = True
    status: list[MemberStatus] | None = None  # type: ignore[valid-type]
    search: OptionalLabelText | None = strawberry.field(
        default=None, description="Part of the name; diacritics and case are ignored."
    )
    rated_in: int | None = strawberry.field(
        default=None, description="Only members rated in this year (the rating in force now).")
    rating: list[RatingGrade] | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="With `ratedIn`: only members rated one of these grades.")


@strawberry.enum(description="What a roster is ordered by; the member id breaks ties.")
class MemberOrderField(Enum):
    NAME = "NAME"
    BIRTH_DATE = "BIRTH_DATE"
    ADMITTED_ON = "ADMITTED_ON"


@strawberry.enum
class OrderDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


@checked_input
class MemberOrder:
    field: MemberOrderField = MemberOrderField.NAME
    direction: OrderDirection = OrderDirection.ASC


@strawberry.type
class MembersQuery:
    @strawberry.field(description="The roster with keyset cursors: now, or on `asOf` (by "
                      "effective dates) as recorded at `knownAt`.")
    async def members(  # noqa: PLR0913
        self, info: Info[Any, Any], filter: MemberFilter | None = None, first: int = 20,
        after: str | None = None,
        wait_for_position: WaitForPosition = None,
        as_of: datetime.date | None = None, known_at: datetime.datetime | None = None,
        order_by: MemberOrder | None = None,
    ) -> MemberConnection:
        context, scope = _reader(info)
        await await_position(context, wait_for_position)
        where = _roster_filter(filter or MemberFilter(), scope, as_of, known_at)
        order = Order(field=(order_by or MemberOrder()).field.value,
                      descending=(order_by or MemberOrder()).direction is OrderDirection.DESC)
        keyset = decode_cursor(after, 3) if after else None
        if keyset and keyset[0] != order.field:
            raise BadInputError("after: a cursor of a list in another order")
        after_key = (keyset[1], _uuid(keyset[2], "after")) if keyset else None
        if after_key and order.field != "NAME":
            _date_cursor(after_key[0])
        page = await anyio.to_thread.run_sync(
            lambda: _page(context, where, _page_size(first), after_key, order))
        edges = [MemberEdge(cursor=encode_cursor(order.field, order.value(r), r.member_id),
                            node=Member.of_row(r)) for r in page.rows]
        info_ = PageInfo(has_next_page=page.has_next, has_previous_page=after is not None,
                         start_cursor=edges[0].cursor if edges else None,
                         end_cursor=edges[-1].cursor if edges else None)
        return MemberConnection(edges=edges, page_info=info_, total_count=page.total_count)

    @strawberry.field(description="One member, as projected; null when not in this tenant or, for "
                      "an officer, not in its subtrees.")
    async def member(
        self, info: Info[Any, Any], id: relay.GlobalID, wait_for_position: WaitForPosition = None
    ) -> Member | None:
        context, scope = _reader(info)
        await await_position(context, wait_for_position)
        row = await anyio.to_thread.run_sync(context.roster.member, uuid_of(id, "Member", "id"), scope)
        return Member.of_row(row) if row else None


@strawberry.type
class MemberPayload:
    member: Member | None
    user_errors: list[UserError]
    position: str | None = strawberry.field(description="Log position to wait for in queries.")


async def member_payload(info: Info[Any, Any], key: str | None, command: Any) -> MemberPayload:
    outcome, errors = await run_command(info, key, command)
    if outcome is None:
        return MemberPayload(member=None, user_errors=errors, position=None)
    context = ledger(info)  # read back as the actor may read it (a replayed key included)
    member = await anyio.to_thread.run_sync(context.register.readable_member, context.actor,
                                            outcome.subject_id)
    return MemberPayload(member=Member.of_aggregate(member), user_errors=[],
                         position=str(outcome.position))


def _reader(info: Info[Any, Any]) -> tuple[Ledger, frozenset[UUID] | None]:
    """The request's ledger and whose members the actor reads (the register decides; partner
    keys are refused)."""
    context = ledger(info)
    actor: Actor = context.actor
    return context, context.register.member_scope(actor)


def _roster_filter(given: MemberFilter, scope: frozenset[UUID] | None,
                   as_of: datetime.date | None, known_at: datetime.datetime | None) -> RosterFilter:
    organization = uuid_of(given.organization_id, "Organization", "filter.organizationId") if given.organization_id else None
    statuses = tuple(s.name for s in given.status or ())
    if given.rating and given.rated_in is None:
        raise BadInputError("filter.rating: give the year in filter.ratedIn")
    if known_at is not None and known_at.tzinfo is None:
        raise BadInputError("knownAt: a date-time with its offset, e.g. 2025-01-01T00:00:00+07:00")
    return RosterFilter(organization, given.include_subtree, statuses, given.search, scope,
                        given.rated_in, tuple(g.name for g in given.rating or ()), as_of, known_at)


def _page(context: Ledger, where: RosterFilter, first: int, after: tuple[str, UUID] | None,
          order: Order) -> MemberPage:
    """A roster page; on a date, the filter's and the scope's subtrees are taken as the tree
    stood then."""
    subtree = scope_subtree = None
    if where.as_of is not None or where.known_at is not None:
        day = where.as_of or datetime.date.today()
        if where.organization_id and where.include_subtree:
            subtree = context.org_tree.subtree([where.organization_id], day, where.known_at)
        if where.scope is not None:
            scope_subtree = context.org_tree.subtree(where.scope, day, where.known_at)
    return context.roster.members(where, first=first, after=after, order=order, subtree=subtree,
                                  scope_subtree=scope_subtree)


def _date_cursor(value: str) -> None:
    if value != "infinity":
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            raise BadInputError("after: not a cursor this list gave out") from None


def _page_size(first: int) -> int:
    if not 0 <= first <= MAX_PAGE:
        raise BadInputError(f"first: between 0 and {MAX_PAGE}")
    return first


def _version_cursor(after: str | None) -> int:
    """A history cursor: the version of the last event the client has (0: from the start)."""
    if after is None:
        return 0
    return cursor_number(decode_cursor(after, 1)[0])


def _uuid(value: str, field: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise BadInputError(f"{field}: not a cursor this list gave out") from None


def _uuid_or_none(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None

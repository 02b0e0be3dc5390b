"""Reads of the member tables: keyset-paginated rosters now or on any date, single members,
organisations. See ``roster`` for how the tables are kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.postgres import PostgresDatastore
from psycopg.sql import SQL, Composable, Composed, Identifier

from partyledger.domain.names import fold_name

_MEMBER_COLUMNS = (
    "member_id, full_name, folded_name, birth_date, organization_id, status, admitted_on,"
    " ceremony_on, recognized_on"
)
ORDERS = {"NAME": "folded_name", "BIRTH_DATE": "birth_date",
          "ADMITTED_ON": "coalesce(admitted_on, 'infinity'::date)"}
"""What a roster can be ordered by; members without an admission date come last (first
descending). Every order ends with the member id, so the keyset is unique."""


@dataclass(frozen=True)
class MemberRow:
    member_id: UUID
    full_name: str
    folded_name: str
    birth_date: date
    organization_id: UUID
    status: str
    admitted_on: date | None
    ceremony_on: date | None
    recognized_on: date | None


@dataclass(frozen=True)
class OrganizationRow:
    organization_id: UUID
    name: str
    kind: str
    parent_id: UUID | None
    founded_on: date


@dataclass(frozen=True)
class RosterFilter:
    """``scope`` restricts every answer, the total included, to members whose cell lies under
    one of its organisations (an officer's subtrees); ``None`` is the whole tenant, empty none.

    ``as_of``/``known_at`` ask for the roster on a date (by effective dates) as recorded at a
    moment; both ``None`` is the roster now. ``rated_in`` keeps members rated in that year (with
    one of ``ratings`` when given)."""

    organization_id: UUID | None = None
    include_subtree: bool = True
    statuses: tuple[str, ...] = ()
    search: str | None = None
    scope: frozenset[UUID] | None = None
    rated_in: int | None = None
    ratings: tuple[str, ...] = ()
    as_of: date | None = None
    known_at: datetime | None = None


@dataclass(frozen=True)
class Order:
    field: str = "NAME"
    descending: bool = False

    def value(self, row: MemberRow) -> str:
        if self.field == "NAME":
            return row.folded_name
        if self.field == "BIRTH_DATE":
            return row.birth_date.isoformat()
        return row.admitted_on.isoformat() if row.admitted_on else "infinity"


@dataclass(frozen=True)
class MemberPage:
    rows: list[MemberRow]
    has_next: bool
    total_count: int


class RosterQueries:
    def __init__(self, datastore: PostgresDatastore) -> None:
        self.datastore = datastore
        self._schema = Identifier(datastore.schema)

    def _sql(self, text: str) -> Composed:
        return SQL(text).format(s=self._schema)  # type: ignore[arg-type]

    def members(
        self, where: RosterFilter, *, first: int, after: tuple[str, UUID] | None = None,
        order: Order = Order(), subtree: list[UUID] | None = None, scope_subtree: list[UUID] | None = None,
    ) -> MemberPage:
        """One page in ``order`` after the keyset ``after``; plus the total. For a roster on a
        date, ``subtree`` and ``scope_subtree`` are the organisations under the filter's and the
        scope's organisations as the tree stood then (``OrgTreeQueries.subtree``)."""
        historical = where.as_of is not None or where.known_at is not None
        source, source_params = self._source(where) if historical else (self._sql("{s}.roster_members"), [])
        conditions, params = self._conditions(where, historical, subtree, scope_subtree)
        sort = SQL(ORDERS[order.field])
        direction = SQL("DESC" if order.descending else "ASC")
        keyset: list[Composable] = []
        keyset_params: list[Any] = []
        if after:
            cast = SQL("%s::text") if order.field == "NAME" else SQL("%s::date")
            keyset = [SQL("({}, member_id) {} ({}, %s)").format(
                sort, SQL("<" if order.descending else ">"), cast)]
            keyset_params = [after[0], after[1]]
        page = SQL("SELECT {} FROM {} AS m WHERE {} ORDER BY {} {}, member_id {} LIMIT %s").format(
            SQL(_MEMBER_COLUMNS), source, _all(conditions + keyset), sort, direction, direction)
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(page, [*source_params, *params, *keyset_params, first + 1])
            rows = [MemberRow(**r) for r in curs.fetchall()]
            total = self._total(curs, where, historical, source, source_params, conditions, params)
        return MemberPage(rows=rows[:first], has_next=len(rows) > first, total_count=total)

    def _source(self, where: RosterFilter) -> tuple[Composed, list[Any]]:
        """Each member's version on ``as_of`` as known at ``known_at``: of the latest change
        recorded by then and effective by then, its stretch starting last (``member_versions``)."""
        known = SQL("AND recorded_at <= %s") if where.known_at is not None else SQL("")
        params = [where.as_of or date.max, *([where.known_at] if where.known_at else [])]
        return SQL(
            "(SELECT DISTINCT ON (member_id) {cols} FROM {s}.member_versions"
            " WHERE valid_from <= %s {known} ORDER BY member_id, position DESC, valid_from DESC)"
        ).format(cols=SQL(_MEMBER_COLUMNS), s=self._schema, known=known), params

    def _total(self, curs: Any, where: RosterFilter, historical: bool, source: Composed,  # noqa: PLR0913
               source_params: list[Any], conditions: list[Composable], params: list[Any]) -> int:
        if not historical and not where.search and where.rated_in is None:
            return self._counted(curs, where)
        curs.execute(SQL("SELECT count(*) AS n FROM {} AS m WHERE {}").format(source, _all(conditions)),
                     [*source_params, *params])
        return int(curs.fetchone()["n"])

    def _counted(self, curs: Any, where: RosterFilter) -> int:
        """The total from the counts by status (the whole tenant) or by cell (a subtree, a
        scope): at most a few thousand rows, never every member."""
        if where.scope is None and not where.organization_id:
            status = SQL("status = ANY(%s)") if where.statuses else SQL("true")
            curs.execute(self._sql("SELECT coalesce(sum(n), 0) AS n FROM {s}.roster_totals WHERE ")
                         + status, [list(where.statuses)] if where.statuses else [])
            return int(curs.fetchone()["n"])
        conditions: list[Composable] = []
        params: list[Any] = []
        if where.scope is not None:
            conditions.append(SQL("o.path && %s::uuid[]"))
            params.append(list(where.scope))
        if where.organization_id and where.include_subtree:
            conditions.append(SQL("o.path @> ARRAY[%s]::uuid[]"))
            params.append(where.organization_id)
        elif where.organization_id:
            conditions.append(SQL("c.organization_id = %s"))
            params.append(where.organization_id)
        if where.statuses:
            conditions.append(SQL("c.status = ANY(%s)"))
            params.append(list(where.statuses))
        curs.execute(self._sql(
            "SELECT coalesce(sum(c.n), 0) AS n FROM {s}.roster_counts c JOIN {s}.roster_organizations o"
            " USING (organization_id) WHERE ") + _all(conditions), params)
        return int(curs.fetchone()["n"])

    def _conditions(
        self, where: RosterFilter, historical: bool, subtree: list[UUID] | None,
        scope_subtree: list[UUID] | None,
    ) -> tuple[list[Composable], list[Any]]:
        conditions: list[Composable] = []
        params: list[Any] = []
        if where.scope is not None:
            if historical:
                conditions.append(SQL("organization_id = ANY(%s)"))
                params.append(scope_subtree or [])
            else:
                conditions.append(SQL("organization_path && %s::uuid[]"))
                params.append(list(where.scope))
        if where.organization_id and where.include_subtree:
            if historical:
                conditions.append(SQL("organization_id = ANY(%s)"))
                params.append(subtree or [])
            else:
                conditions.append(SQL("organization_path @> ARRAY[%s]::uuid[]"))
                params.append(where.organization_id)
        elif where.organization_id:
            conditions.append(SQL("organization_id = %s"))
            params.append(where.organization_id)
        if where.statuses:
            conditions.append(SQL("status = ANY(%s)"))
            params.append(list(where.statuses))
        if where.search and (folded := fold_name(where.search)):
            conditions.append(SQL("folded_name LIKE %s"))
            params.append("%" + folded.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%")
        if where.rated_in is not None:
            conditions.append(self._sql(
                "EXISTS (SELECT 1 FROM {s}.stat_ratings r WHERE r.subject_id = m.member_id"
                " AND r.year = %s AND r.current AND (cardinality(%s::text[]) = 0 OR r.grade = ANY(%s)))"))
            params += [where.rated_in, list(where.ratings), list(where.ratings)]
        return conditions, params

    def member(self, member_id: UUID, scope: frozenset[UUID] | None = None) -> MemberRow | None:
        """The member, or ``None`` when absent or outside ``scope`` (see ``RosterFilter``)."""
        where, params = SQL("member_id = %s"), [member_id]
        if scope is not None:
            where, params = SQL("member_id = %s AND organization_path && %s::uuid[]"), [member_id, list(scope)]
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                self._sql(f"SELECT {_MEMBER_COLUMNS} FROM {{s}}.roster_members WHERE ") + where,
                params,
            )
            row = curs.fetchone()
        return MemberRow(**row) if row else None

    def organizations(self, ids: list[UUID]) -> dict[UUID, OrganizationRow]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._sql(
                "SELECT organization_id, name, kind, parent_id, founded_on"
                " FROM {s}.roster_organizations WHERE organization_id = ANY(%s)"
            ), (ids,))
            return {r["organization_id"]: OrganizationRow(**r) for r in curs.fetchall()}

    def lineage(self, organization_id: UUID) -> list[UUID] | None:
        """The organisation and its ancestors (root first); ``None`` when not in this tenant."""
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._sql(
                "SELECT path FROM {s}.roster_organizations WHERE organization_id = %s"), (organization_id,))
            row = curs.fetchone()
        return list(row["path"]) if row else None

    def children(self, parent_id: UUID | None) -> list[OrganizationRow]:
        """The organisations directly under ``parent_id`` (the top ones for ``None``), by name."""
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._sql(
                "SELECT organization_id, name, kind, parent_id, founded_on"
                " FROM {s}.roster_organizations WHERE parent_id IS NOT DISTINCT FROM %s"
                " ORDER BY name, organization_id"
            ), (parent_id,))
            return [OrganizationRow(**r) for r in curs.fetchall()]


def _all(conditions: list[Composable]) -> Composable:
    return SQL(" AND ").join(conditions) if conditions else SQL("true")


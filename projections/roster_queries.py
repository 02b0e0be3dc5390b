"""Reads of the roster tables: keyset-paginated member lists, single members, organisations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.postgres import PostgresDatastore
from psycopg.sql import SQL, Composed, Identifier

from partyledger.domain.names import fold_name

_MEMBER_COLUMNS = (
    "member_id, full_name, folded_name, birth_date, organization_id, status, admitted_on,"
    " ceremony_on, recognized_on, recorded_at, position"
)


_IN_SCOPE = SQL("organization_path && %s::uuid[]")


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
    recorded_at: datetime
    position: int


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
    one of its organisations (an officer's subtrees); ``None`` is the whole tenant, empty none."""

    organization_id: UUID | None = None
    include_subtree: bool = True
    statuses: tuple[str, ...] = ()
    search: str | None = None
    scope: frozenset[UUID] | None = None


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
        self, where: RosterFilter, *, first: int, after: tuple[str, UUID] | None = None
    ) -> MemberPage:
        """One page in (folded name, id) order, after the keyset ``after``; plus the total."""
        conditions, params = self._conditions(where)
        keyset, keyset_params = ([SQL("(folded_name, member_id) > (%s, %s)")], list(after)) if after else ([], [])
        sql_where = SQL(" AND ").join(conditions + keyset) if conditions + keyset else SQL("true")
        page = self._sql(f"SELECT {_MEMBER_COLUMNS} FROM {{s}}.roster_members WHERE ") + sql_where
        page += SQL(" ORDER BY folded_name, member_id LIMIT %s")
        count_where = SQL(" AND ").join(conditions) if conditions else SQL("true")
        count = self._sql("SELECT count(*) AS n FROM {s}.roster_members WHERE ") + count_where
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(page, [*params, *keyset_params, first + 1])
            rows = [MemberRow(**r) for r in curs.fetchall()]
            curs.execute(count, params)
            total = curs.fetchone()["n"]  # type: ignore[index]
        return MemberPage(rows=rows[:first], has_next=len(rows) > first, total_count=total)

    def _conditions(self, where: RosterFilter) -> tuple[list[Any], list[Any]]:
        conditions: list[Any] = []
        params: list[Any] = []
        if where.scope is not None:
            conditions.append(_IN_SCOPE)
            params.append(list(where.scope))
        if where.organization_id and where.include_subtree:
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
        return conditions, params

    def member(self, member_id: UUID, scope: frozenset[UUID] | None = None) -> MemberRow | None:
        """The member, or ``None`` when absent or outside ``scope`` (see ``RosterFilter``)."""
        where, params = SQL("member_id = %s"), [member_id]
        if scope is not None:
            where, params = SQL(" AND ").join([where, _IN_SCOPE]), [member_id, list(scope)]
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

    def children(self, parent_id: UUID | None) -> list[OrganizationRow]:
        """The organisations directly under ``parent_id`` (the top ones for ``None``), by name."""
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._sql(
                "SELECT organization_id, name, kind, parent_id, founded_on"
                " FROM {s}.roster_organizations WHERE parent_id IS NOT DISTINCT FROM %s"
                " ORDER BY name, organization_id"
            ), (parent_id,))
            return [OrganizationRow(**r) for r in curs.fetchall()]

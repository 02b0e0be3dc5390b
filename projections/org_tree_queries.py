"""Reads of the organisation tree as of a date (valid time) and as known at a moment (transaction
time): children, single organisations, counts under a parent and the flows that explain them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.postgres import PostgresDatastore
from psycopg.sql import SQL, Identifier

from partyledger.domain.member_state import MemberStatus
from partyledger.domain.organization_kinds import OrganizationKind
from partyledger.projections.org_tree import DISSOLVED

_COLUMNS = (
    "organization_id, name, kind, parent_id, founded_on, sector, valid_from, valid_to, ended_by"
)
_VALID = "valid_from <= %(as_of)s AND (valid_to IS NULL OR valid_to > %(as_of)s)"
MEMBER_STATUSES = [s.name for s in MemberStatus if s.is_member]


@dataclass(frozen=True)
class OrgTreeRow:
    """One organisation as it stood on a date: the version valid then."""

    organization_id: UUID
    name: str
    kind: str
    parent_id: UUID | None
    founded_on: date
    sector: str | None
    valid_from: date
    valid_to: date | None
    ended_by: str | None


@dataclass(frozen=True)
class OrgFlows:
    """How the count of organisations directly under a parent went from ``start`` to ``end``.

    Changes on a day after ``start`` up to and including ``end`` are counted. ``merged`` counts
    organisations ended by a merger, a consolidation or a split they do not survive.
    """

    start_count: int
    received: int
    handed_over: int
    founded: int
    merged: int
    dissolved: int
    kind_changed_in: int
    kind_changed_out: int
    end_count: int

    @property
    def explained(self) -> bool:
        """start + received − handed over + founded − merged − dissolved ± kind changes = end."""
        return self.start_count + self.received - self.handed_over + self.founded - self.merged \
            - self.dissolved + self.kind_changed_in - self.kind_changed_out == self.end_count


class OrgTreeQueries:
    def __init__(self, datastore: PostgresDatastore) -> None:
        self.datastore = datastore
        self._schema = Identifier(datastore.schema)

    def _rows(self, text: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        known = _KNOWN_NOW if params["known_at"] is None else _KNOWN_AT
        under = _AT_TOP if params.get("parent") is None else _UNDER  # keeps the index usable
        query = SQL(text).format(s=self._schema, known=known, under=under)  # type: ignore[arg-type]
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(query, params)
            return curs.fetchall()

    def children(
        self, parent_id: UUID | None, as_of: date, known_at: datetime | None = None,
        kind: OrganizationKind | None = None,
    ) -> list[OrgTreeRow]:
        """The organisations directly under ``parent_id`` (the top for ``None``) on ``as_of``,
        as recorded at ``known_at`` (now when ``None``), by name."""
        params = _params(as_of, known_at, parent=parent_id, kind=kind.name if kind else None)
        return [OrgTreeRow(**r) for r in self._rows((
            f"SELECT {_COLUMNS} FROM {{s}}.org_tree_versions WHERE {{known}} AND {_VALID}"
            " AND {under}"
            " AND (%(kind)s::text IS NULL OR kind = %(kind)s) ORDER BY name, organization_id"
        ), params)]

    def children_of(
        self, parent_ids: Iterable[UUID], as_of: date, known_at: datetime | None = None,
        kind: OrganizationKind | None = None,
    ) -> dict[UUID, list[OrgTreeRow]]:
        """``children`` of several parents in one query."""
        params = _params(as_of, known_at, parents=list(parent_ids), kind=kind.name if kind else None)
        found: dict[UUID, list[OrgTreeRow]] = defaultdict(list)
        for r in self._rows((
            f"SELECT {_COLUMNS} FROM {{s}}.org_tree_versions WHERE {{known}} AND {_VALID}"
            " AND parent_id = ANY(%(parents)s)"
            " AND (%(kind)s::text IS NULL OR kind = %(kind)s) ORDER BY name, organization_id"
        ), params):
            found[r["parent_id"]].append(OrgTreeRow(**r))
        return found

    def organization(
        self, organization_id: UUID, as_of: date, known_at: datetime | None = None
    ) -> OrgTreeRow | None:
        """The organisation on ``as_of`` as recorded at ``known_at``; ``None`` when it did not
        exist then (not yet founded, already ended, or not in this tenant)."""
        return self.organizations([organization_id], as_of, known_at).get(organization_id)

    def organizations(
        self, ids: Iterable[UUID], as_of: date, known_at: datetime | None = None
    ) -> dict[UUID, OrgTreeRow]:
        params = _params(as_of, known_at, ids=list(ids))
        return {r["organization_id"]: OrgTreeRow(**r) for r in self._rows((
            f"SELECT {_COLUMNS} FROM {{s}}.org_tree_versions WHERE {{known}} AND {_VALID}"
            " AND organization_id = ANY(%(ids)s)"
        ), params)}

    def count_under(
        self, parent_id: UUID | None, as_of: date, known_at: datetime | None = None,
        kind: OrganizationKind | None = None,
    ) -> int:
        """How many organisations stood directly under ``parent_id`` on ``as_of``."""
        params = _params(as_of, known_at, parent=parent_id, kind=kind.name if kind else None)
        return int(self._rows((
            f"SELECT count(*) AS n FROM {{s}}.org_tree_versions WHERE {{known}} AND {_VALID}"
            " AND {under}"
            " AND (%(kind)s::text IS NULL OR kind = %(kind)s)"
        ), params)[0]["n"])

    def flows(
        self, parent_id: UUID | None, start: date, end: date,
        kind: OrganizationKind | None = None, known_at: datetime | None = None,
    ) -> OrgFlows:
        """The count under ``parent_id`` (of ``kind`` when given) on ``start`` and ``end``, and
        the changes between them, each classified once by what made it."""
        params = _params(start, known_at, parent=parent_id, kind=kind.name if kind else None,
                         end=end, dissolved=DISSOLVED)
        row = self._rows(_FLOWS, params)[0]
        return OrgFlows(**{k: int(v) for k, v in row.items()})

    def subtree(
        self, root_ids: Iterable[UUID], as_of: date, known_at: datetime | None = None
    ) -> list[UUID]:
        """The organisations under (and including) ``root_ids`` as the tree stood on ``as_of``,
        as recorded at ``known_at`` (now when ``None``)."""
        params = _params(as_of, known_at, ids=list(root_ids))
        return [r["id"] for r in self._rows((
            "WITH RECURSIVE subtree(id) AS ("
            " SELECT organization_id FROM {s}.org_tree_versions"
            f"  WHERE organization_id = ANY(%(ids)s) AND {{known}} AND {_VALID}"
            " UNION SELECT v.organization_id FROM {s}.org_tree_versions v"
            f"  JOIN subtree ON v.parent_id = subtree.id WHERE {{known}} AND {_VALID})"
            " SELECT id FROM subtree"
        ), params)]

    def member_counts(self, ids: Iterable[UUID], as_of: date) -> dict[UUID, int]:
        """Members (probationary and official) in each organisation's subtree as it stands on
        ``as_of``, counted from the roster's current cells."""
        params = _params(as_of, None, ids=list(ids), statuses=MEMBER_STATUSES)
        return {r["root"]: int(r["n"]) for r in self._rows((
            "WITH RECURSIVE subtree(root, id) AS ("
            " SELECT r, r FROM unnest(%(ids)s::uuid[]) AS r"
            " UNION SELECT subtree.root, v.organization_id FROM {s}.org_tree_versions v"
            f"  JOIN subtree ON v.parent_id = subtree.id WHERE {{known}} AND {_VALID})"
            " SELECT root, count(m.member_id) AS n FROM subtree"
            " LEFT JOIN {s}.roster_members m ON m.organization_id = subtree.id"
            "  AND m.status = ANY(%(statuses)s) GROUP BY root"
        ), params)}


_AT_TOP, _UNDER = SQL("parent_id IS NULL"), SQL("parent_id = %(parent)s")
_KNOWN_NOW = SQL("recorded_to IS NULL")
_KNOWN_AT = SQL(
    "recorded_from <= %(known_at)s AND (recorded_to IS NULL OR recorded_to > %(known_at)s)")

_FLOWS = (
    "WITH marked AS ("
    " SELECT organization_id, valid_from, valid_to, ended_by,"
    "  parent_id IS NOT DISTINCT FROM %(parent)s AS at_parent,"
    "  parent_id IS NOT DISTINCT FROM %(parent)s"
    "   AND (%(kind)s::text IS NULL OR kind = %(kind)s) AS inside"
    " FROM {s}.org_tree_versions WHERE {known} AND organization_id IN ("
    "  SELECT organization_id FROM {s}.org_tree_versions"
    "  WHERE {known} AND {under})),"
    " v AS ("
    " SELECT *, lag(inside) OVER w AS prev_inside, lag(at_parent) OVER w AS prev_at_parent,"
    "  lead(inside) OVER w AS next_inside, lead(at_parent) OVER w AS next_at_parent"
    " FROM marked WINDOW w AS (PARTITION BY organization_id ORDER BY valid_from)),"
    " entered AS (SELECT * FROM v WHERE inside AND prev_inside IS NOT TRUE"
    "  AND valid_from > %(as_of)s AND valid_from <= %(end)s),"
    " left_ AS (SELECT * FROM v WHERE inside AND next_inside IS NOT TRUE"
    "  AND valid_to > %(as_of)s AND valid_to <= %(end)s)"
    " SELECT"
    " (SELECT count(*) FROM v WHERE inside AND valid_from <= %(as_of)s"
    "  AND (valid_to IS NULL OR valid_to > %(as_of)s)) AS start_count,"
    " (SELECT count(*) FROM entered WHERE NOT prev_at_parent) AS received,"
    " (SELECT count(*) FROM left_ WHERE NOT next_at_parent) AS handed_over,"
    " (SELECT count(*) FROM entered WHERE prev_inside IS NULL) AS founded,"
    " (SELECT count(*) FROM left_ WHERE next_inside IS NULL"
    "  AND ended_by IS DISTINCT FROM %(dissolved)s) AS merged,"
    " (SELECT count(*) FROM left_ WHERE next_inside IS NULL AND ended_by = %(dissolved)s)"
    "  AS dissolved,"
    " (SELECT count(*) FROM entered WHERE prev_at_parent) AS kind_changed_in,"
    " (SELECT count(*) FROM left_ WHERE next_at_parent) AS kind_changed_out,"
    " (SELECT count(*) FROM v WHERE inside AND valid_from <= %(end)s"
    "  AND (valid_to IS NULL OR valid_to > %(end)s)) AS end_count"
)


def _params(as_of: date, known_at: datetime | None, **more: Any) -> dict[str, Any]:
    return {"as_of": as_of, "known_at": known_at, **more}

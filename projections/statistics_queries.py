"""The figures committees publish: ratings by year and subject kind, members counted on a date,
admissions, exits, organisations counted on a date — each over the whole tenant or a subtree
(taken as the tree stood on the date the figure is about), now or as recorded at a moment.

Shares are percentages rounded half up to two decimals, always with their denominator; a share
of nothing is ``None``, never zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

from eventsourcing.postgres import PostgresDatastore
from psycopg.sql import SQL, Composable, Composed, Identifier

from partyledger.projections.member_changes import ACTIVE_STATUSES

SUBJECT_KINDS = {
    "MEMBER": ("MEMBER",),
    "CELL": ("GRASSROOTS_CELL", "SUBORDINATE_CELL"),
    "GRASSROOTS_ORGANIZATION": ("GRASSROOTS_COMMITTEE", "GRASSROOTS_CELL"),
}
"""Who a rating distribution is about: members, cells (chi bộ, grassroots or subordinate), or
grassroots organisations (tổ chức cơ sở đảng: grassroots committees and grassroots cells)."""

AT_LEAST_GOOD = ("EXCELLENT", "GOOD", "CLEAN_STRONG")
"""Grades of "at least GOOD"; CLEAN_STRONG is the 2014 scheme's top grade for organisations."""


def share(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` in per cent, rounded half up to two decimals; ``None`` of nothing."""
    if whole == 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class RatingDistribution:
    """``rated`` counts the subjects rated in the year; ``eligible`` all that could be: members
    probationary or official, or organisations of the kind, that stood on 31 December."""

    year: int
    subject: str
    grades: dict[str, int]
    rated: int
    eligible: int


class StatisticsQueries:
    def __init__(self, datastore: PostgresDatastore) -> None:
        self.datastore = datastore
        self._schema = Identifier(datastore.schema)

    def _sql(self, text: str) -> Composed:
        return SQL(text).format(s=self._schema)  # type: ignore[arg-type]

    def _rows(self, query: Composable, params: list[Any]) -> list[dict[str, Any]]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(query, params)
            return curs.fetchall()

    # -- ratings ---------------------------------------------------------------------------

    def rating_distribution(
        self, year: int, subject: str, organizations: list[UUID] | None,
        known_at: datetime | None = None,
    ) -> RatingDistribution:
        """Grades given for ``year`` (the rating in force, corrections applied) to subjects in
        ``organizations`` (members by the cell they were rated in; ``None``: the tenant)."""
        kinds = list(SUBJECT_KINDS[subject])
        where, params = _within(organizations)
        if known_at is None:
            rows = self._rows(self._sql(
                "SELECT grade, sum(n)::int AS n FROM {s}.stat_rating_counts"
                " WHERE year = %s AND subject_kind = ANY(%s) AND ") + where
                + SQL(" GROUP BY grade"), [year, kinds, *params])
        else:
            rows = self._rows(self._sql(
                "SELECT grade, count(*)::int AS n FROM (SELECT DISTINCT ON (subject_id) grade,"
                " organization_id FROM {s}.stat_ratings WHERE year = %s AND subject_kind = ANY(%s)"
                " AND recorded_at <= %s ORDER BY subject_id, position DESC) AS r WHERE ")
                + where + SQL(" GROUP BY grade"), [year, kinds, known_at, *params])
        grades = {r["grade"]: r["n"] for r in rows if r["n"]}
        year_end = date(year, 12, 31)
        if subject == "MEMBER":
            eligible = self.member_count(year_end, ACTIVE_STATUSES, organizations, known_at)
        else:
            eligible = sum(self.organization_counts(year_end, organizations, known_at).get(k, 0)
                           for k in kinds)
        return RatingDistribution(year, subject, grades, sum(grades.values()), eligible)

    # -- members ---------------------------------------------------------------------------

    def member_count(
        self, as_of: date, statuses: tuple[str, ...] | list[str], organizations: list[UUID] | None,
        known_at: datetime | None = None,
    ) -> int:
        """Members with one of ``statuses`` on ``as_of`` in ``organizations`` (their cells).

        Now: the current counts less what changed after ``as_of`` (recent dates read few
        rows); as recorded at a moment: the deltas effective and recorded by then."""
        where, params = _within(organizations)
        if known_at is None:
            counts = SQL("roster_totals") if organizations is None else SQL("roster_counts")
            now = self._rows(SQL("SELECT coalesce(sum(n), 0)::int AS n FROM {s}.{t}"
                                 " WHERE status = ANY(%s) AND ").format(s=self._schema, t=counts)
                             + where, [list(statuses), *params])[0]["n"]
            later = self._rows(self._sql(
                "SELECT coalesce(sum(delta), 0)::int AS n FROM {s}.member_count_deltas"
                " WHERE effective_on > %s AND status = ANY(%s) AND ") + where,
                [as_of, list(statuses), *params])[0]["n"]
            return int(now - later)
        return int(self._rows(self._sql(
            "SELECT coalesce(sum(delta), 0)::int AS n FROM {s}.member_count_deltas"
            " WHERE effective_on <= %s AND recorded_at <= %s AND status = ANY(%s) AND ") + where,
            [as_of, known_at, list(statuses), *params])[0]["n"])

    def member_counts_by_cell(self, as_of: date) -> dict[UUID, int]:
        """Members probationary or official on ``as_of``, by the organisation holding them."""
        rows = self._rows(self._sql(
            "SELECT organization_id, sum(n)::int AS n FROM ("
            " SELECT organization_id, n FROM {s}.roster_counts WHERE status = ANY(%s)"
            " UNION ALL SELECT organization_id, -delta FROM {s}.member_count_deltas"
            "  WHERE effective_on > %s AND status = ANY(%s)) AS c GROUP BY organization_id"),
            [list(ACTIVE_STATUSES), as_of, list(ACTIVE_STATUSES)])
        return {r["organization_id"]: r["n"] for r in rows if r["n"]}

    def tree_on(self, as_of: date) -> dict[UUID, UUID | None]:
        """The organisations standing on ``as_of``, each with its superior then."""
        rows = self._rows(self._sql(
            "SELECT organization_id, parent_id FROM {s}.org_tree_versions WHERE recorded_to IS NULL"
            " AND valid_from <= %s AND (valid_to IS NULL OR valid_to > %s)"), [as_of, as_of])
        return {r["organization_id"]: r["parent_id"] for r in rows}

    def admissions(
        self, start: date, end: date, organizations: list[UUID] | None,
        known_at: datetime | None = None,
    ) -> int:
        """Admission decisions dated from ``start`` to ``end`` (both included), by the cell the
        member was admitted into."""
        where, params = _within(organizations)
        known, known_params = _known(known_at)
        return int(self._rows(self._sql(
            "SELECT count(*)::int AS n FROM {s}.stat_admissions WHERE decided_on BETWEEN %s AND %s"
            " AND ") + where + known, [start, end, *params, *known_params])[0]["n"])

    def exits(
        self, start: date, end: date, organizations: list[UUID] | None,
        known_at: datetime | None = None,
    ) -> dict[str, int]:
        """Exits effective from ``start`` to ``end`` by kind (STRUCK_OFF, EXPELLED, WITHDRAWN,
        DECEASED), by the cell the member left."""
        where, params = _within(organizations)
        known, known_params = _known(known_at)
        rows = self._rows(self._sql(
            "SELECT kind, count(*)::int AS n FROM {s}.stat_exits WHERE effective_on BETWEEN %s AND %s"
            " AND ") + where + known + SQL(" GROUP BY kind"), [start, end, *params, *known_params])
        return {r["kind"]: r["n"] for r in rows}

    def screenings(
        self, start: date, end: date, organizations: list[UUID] | None,
        known_at: datetime | None = None, campaign: str | None = None,
    ) -> dict[str, int]:
        """Members reviewed in a screening from ``start`` to ``end`` (``REVIEWED``), and the
        outcomes of cases concluded then (``REMOVED``, ``CONTINUE_MONITORING``, ``CLEARED``),
        by the member's cell; of one campaign when given."""
        where, params = _within(organizations)
        known, known_params = _known(known_at)
        rows = self._rows(self._sql(
            "SELECT coalesce(outcome, step) AS what, count(*)::int AS n FROM {s}.stat_screenings"
            " WHERE effective_on BETWEEN %s AND %s AND (%s::text IS NULL OR campaign = %s) AND ")
            + where + known + SQL(" GROUP BY 1"),
            [start, end, campaign, campaign, *params, *known_params])
        return {r["what"]: r["n"] for r in rows}

    # -- organisations ---------------------------------------------------------------------

    def organization_counts(
        self, as_of: date, organizations: list[UUID] | None, known_at: datetime | None = None,
    ) -> dict[str, int]:
        """Organisations standing on ``as_of`` by kind, among ``organizations``."""
        where, params = _within(organizations)
        known = SQL("recorded_to IS NULL") if known_at is None else SQL(
            "recorded_from <= %s AND (recorded_to IS NULL OR recorded_to > %s)")
        known_params = [] if known_at is None else [known_at, known_at]
        rows = self._rows(self._sql(
            "SELECT kind, count(*)::int AS n FROM {s}.org_tree_versions WHERE ") + known
            + SQL(" AND valid_from <= %s AND (valid_to IS NULL OR valid_to > %s) AND ") + where
            + SQL(" GROUP BY kind"), [*known_params, as_of, as_of, *params])
        return {r["kind"]: r["n"] for r in rows}


def _within(organizations: list[UUID] | None) -> tuple[Composable, list[Any]]:
    if organizations is None:
        return SQL("true"), []
    return SQL("organization_id = ANY(%s)"), [organizations]


def _known(known_at: datetime | None) -> tuple[Composable, list[Any]]:
    if known_at is None:
        return SQL(""), []
    return SQL(" AND recorded_at <= %s"), [known_at]

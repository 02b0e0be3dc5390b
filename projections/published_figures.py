"""The figures partner keys read: one finite, published table per reference date.

Partners do not choose what is counted. On each **reference date** — a quarter's end, before
today — the table holds the members (probationary and official) of the tenant and of every
organisation's subtree as the tree stood that day; a year's end adds that year's member ratings
(rated, each grade, EXCELLENT and GOOD together). Those cells are tied by the relations a reader
knows: a parent is the sum of its children (and of any members it holds directly, a cell never
shown), the tenant is the sum of its top organisations, its members on 31 December are those
rated plus those not rated (never shown), the rated are the sum of their grades. Cells are
withheld by complementary suppression (``cell_suppression``) over all of them at once, so every
figure of one date comes from one pattern, whichever query asks for it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from partyledger.domain.rating_schemes import Grade
from partyledger.projections.cell_suppression import Cell, Relation, withheld
from partyledger.projections.statistics_queries import AT_LEAST_GOOD, StatisticsQueries

QUARTER_ENDS = ((3, 31), (6, 30), (9, 30), (12, 31))
REFERENCE_DATES = "quarter ends (31 March, 30 June, 30 September, 31 December) before today"
TENANT = ("members", None)
GRADES = tuple(g.name for g in Grade)
RATED, AT_LEAST, NOT_RATED = ("rated",), ("atLeastGood",), ("notRated",)


def is_reference_date(day: date, today: date) -> bool:
    return (day.month, day.day) in QUARTER_ENDS and day < today


def latest_reference_date(today: date) -> date:
    """The last quarter's end before ``today``."""
    ends = [date(today.year - back, m, d) for back in (0, 1) for m, d in QUARTER_ENDS]
    return max(day for day in ends if day < today)


@dataclass(frozen=True)
class PublishedTable:
    """The released cells of one reference date: a count, or ``None`` where withheld."""

    on: date
    released: Mapping[Cell, int]

    def members(self, organization: UUID | None) -> int | None:
        return self.released.get(("members", organization))

    def rated(self) -> int | None:
        return self.released.get(RATED)

    def grade(self, grade: str) -> int | None:
        return self.released.get(("grade", grade))

    def at_least_good(self) -> int | None:
        return self.released.get(AT_LEAST)


class PublishedFigures:
    def __init__(self, queries: StatisticsQueries) -> None:
        self.queries = queries

    def table(self, on: date, minimum: int) -> PublishedTable:
        """The table of reference date ``on`` with cells below ``minimum`` protected."""
        values: dict[Cell, int] = {}
        relations: list[Relation] = []
        hidden: set[Cell] = set()
        self._members(on, values, relations, hidden)
        if (on.month, on.day) == (12, 31):
            self._ratings(on.year, values, relations, hidden)
        out = withheld(values, relations, minimum, hidden=hidden, signed={NOT_RATED})
        return PublishedTable(on, {c: n for c, n in values.items() if c not in out})

    def _members(self, on: date, values: dict[Cell, int], relations: list[Relation],
                 hidden: set[Cell]) -> None:
        tree = self.queries.tree_on(on)
        direct = self.queries.member_counts_by_cell(on)
        children: dict[UUID | None, list[UUID]] = defaultdict(list)
        for organization, parent in tree.items():
            children[parent if parent in tree else None].append(organization)

        def count(organization: UUID) -> int:
            below = children.get(organization, [])
            values[("members", organization)] = sum(count(c) for c in below) + direct.get(
                organization, 0)
            if below:
                parts: list[Cell] = [("members", c) for c in below]
                if direct.get(organization):  # members held by a parent: never shown alone
                    values[("direct", organization)] = direct[organization]
                    hidden.add(("direct", organization))
                    parts.append(("direct", organization))
                relations.append(Relation(("members", organization), tuple(parts)))
            return values[("members", organization)]

        top = sum(count(o) for o in children[None])
        values[TENANT] = sum(direct.values())
        parts: list[Cell] = [("members", o) for o in children[None]]
        if values[TENANT] != top:  # members of organisations not standing that day
            values[("direct", None)] = values[TENANT] - top
            hidden.add(("direct", None))
            parts.append(("direct", None))
        relations.append(Relation(TENANT, tuple(parts)))

    def _ratings(self, year: int, values: dict[Cell, int], relations: list[Relation],
                 hidden: set[Cell]) -> None:
        found = self.queries.rating_distribution(year, "MEMBER", None)
        for grade in GRADES:
            values[("grade", grade)] = found.grades.get(grade, 0)
        good = [("grade", g) for g in GRADES if g in AT_LEAST_GOOD]
        values[AT_LEAST] = sum(values[g] for g in good)
        values[RATED] = sum(values[("grade", g)] for g in GRADES)
        values[NOT_RATED] = values[TENANT] - found.rated  # negative if some left before 31 Dec
        hidden.add(NOT_RATED)
        relations += [Relation(AT_LEAST, tuple(good)),
                      Relation(RATED, (AT_LEAST, *(("grade", g) for g in GRADES
                                                   if g not in AT_LEAST_GOOD))),
                      Relation(TENANT, (RATED, NOT_RATED))]

"""What a generated area is made of, when its history runs, and how often things happen in it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from partyledger.domain.organization import Organization
from partyledger.domain.rating_schemes import RatingSchemeBook
from partyledger.domain.rules import RuleBook
from partyledger.domain.working_days import WorkingCalendar

OPENS = date(2018, 1, 1)
"""The register opens with QĐ 132's reviews; earlier members are entered from the paper records."""
HORIZON = date(2025, 12, 31)
TWO_TIER = date(2025, 7, 1)


@dataclass(frozen=True)
class Rates:
    """Chances per member and year (one incident at most), and per probationer."""

    transfer: float = 0.025
    reprimand_or_warning: float = 0.005
    struck_off: float = 0.0025
    withdrawal: float = 0.0012
    expulsion: float = 0.0015
    probation_not_met: float = 0.03

    def mortality(self, age: int) -> float:
        return next(p for limit, p in ((50, 0.002), (60, 0.004), (70, 0.009), (80, 0.025),
                                       (90, 0.06), (999, 0.15)) if age < limit)


@dataclass(frozen=True)
class GrassrootsPlan:
    name: str
    committee: bool  # a grassroots committee with subordinate cells, else a grassroots cell
    cells: tuple[tuple[str, int], ...]  # (name, member records over the history)
    committee_size: int


@dataclass(frozen=True)
class AreaPlan:
    commune: str  # the commune-level committee the area comes under on 1 July 2025
    grassroots: tuple[GrassrootsPlan, ...]

    @property
    def members(self) -> int:
        return sum(size for g in self.grassroots for _, size in g.cells)


@dataclass(frozen=True)
class Policies:
    """The tenant's own rule book, rating schemes and working calendar."""

    rules: RuleBook
    schemes: RatingSchemeBook
    calendar: WorkingCalendar


@dataclass(frozen=True)
class Above:
    """The organisations above an area, and who decides for it before the two-tier reform."""

    province: Organization
    district: Organization
    authority: str

"""The rules in force on a date: each regulation's figures, versioned by effective date (§0).

A 2015 event is judged by the 2015 regulation, a 2026 event by today's. Figures the domain brief
marks UNVERIFIED are parameters a tenant can override, never constants in code.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction
from typing import Any

from partyledger.domain.errors import DomainError


class NoRegulationInForceError(DomainError, LookupError):
    """The register judges events from the 2011 Charter's first implementing regulation on."""

    code = "NO_REGULATION_IN_FORCE"


@dataclass(frozen=True)
class Rules:
    """The figures of one implementing regulation (Quy định thi hành Điều lệ) and its guidance."""

    regulation: str
    in_force_from: date
    # Admission (§2.2)
    min_age_months: int = 18 * 12
    max_age_months: int = 60 * 12  # older applicants need the province's authority
    introducer_overlap_months: int = 12
    cell_vote: Fraction = Fraction(2, 3)
    grassroots_vote: Fraction = Fraction(2, 3)
    admission_decision_wd: int = 60
    decision_extension_wd: int = 30
    ceremony_wd: int = 30
    # Probation and recognition (§2.3)
    probation_months: int = 12
    recognition_decision_wd: int = 30
    # Transfers (§2.5)
    transfer_presentation_wd: int = 30
    temporary_min_months: int = 3
    temporary_max_months: int = 12  # exclusive: "3 months to under a year"
    temporary_study_max_months: int = 24
    # Discipline (§2.9)
    appeal_wd: int = 30  # "within one month", read as 30 working days (UNVERIFIED reading)
    discipline_lapse_months: int = 12
    limitation_years: dict[str, int | None] = field(default_factory=lambda: {
        "REPRIMAND": 5, "WARNING": 10, "DISMISSAL_FROM_POST": 10, "EXPULSION": None})
    suspension_days: int = 90
    suspension_max_days: int = 180
    # Readmission (§2.10)
    readmission_wait_months: int = 36
    # Ratings (§2.12)
    min_months_admitted_to_be_rated: int = 6


def _rules(regulation: str, in_force_from: date, **figures: Any) -> Rules:
    return Rules(regulation=regulation, in_force_from=in_force_from, **figures)


@dataclass(frozen=True)
class RuleBook:
    """Successive regulations; ``in_force(day)`` is the one in force on that day."""

    versions: tuple[Rules, ...]

    def in_force(self, day: date) -> Rules:
        applicable = [r for r in self.versions if r.in_force_from <= day]
        if not applicable:
            msg = f"no regulation in this rule book was in force on {day}"
            raise NoRegulationInForceError(msg)
        return max(applicable, key=lambda r: r.in_force_from)

    def with_overrides(self, **figures: Any) -> RuleBook:
        """The same book with UNVERIFIED figures set by a tenant, in every version."""
        return RuleBook(tuple(replace(r, **figures) for r in self.versions))


CHARTER_RULES = RuleBook((
    _rules("QĐ 45-QĐ/TW", date(2011, 11, 1)),
    _rules("QĐ 29-QĐ/TW", date(2016, 7, 25)),
    _rules("QĐ 24-QĐ/TW", date(2021, 7, 30)),
    _rules("QĐ 232-QĐ/TW", date(2025, 1, 20)),
    _rules("QĐ 294-QĐ/TW", date(2025, 7, 1)),
))
"""The 2011 Charter's implementing regulations. Their figures for the procedures here are the
same across versions as far as the brief confirms; what differs is recorded per version."""

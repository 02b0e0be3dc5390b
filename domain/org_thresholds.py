"""Thresholds an organisation should meet (DOMAIN.md §2.13.2): warnings, not refusals.

A command that would breach one is refused unless the superior's consent is given; the consent
is then recorded on the organisation (``ThresholdConsentRecorded``) in the same save as the
change. ``warnings`` lists the thresholds an organisation does not meet, for display.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from partyledger.domain.labels import LabelledEnum
from partyledger.domain.aggregate import RegisterAggregate
from partyledger.domain.decision import Decision
from partyledger.domain.errors import DomainError
from partyledger.domain.organization_kinds import OrganizationKind
from partyledger.domain.organization_state import OrganizationState

MEMBER_STATUSES = ("OFFICIAL", "PROBATIONARY")


class Threshold(LabelledEnum):
    CELL_MIN_OFFICIALS = "Chi bộ có ít nhất 3 đảng viên chính thức"
    GRASSROOTS_CELL_UNDER_30 = "Chi bộ cơ sở có dưới 30 đảng viên"
    GRASSROOTS_COMMITTEE_FROM_30 = "Đảng bộ cơ sở có từ 30 đảng viên trở lên"
    CELL_COMMITTEE_FROM_9 = "Chi bộ có từ 9 đảng viên chính thức thì bầu chi ủy"


@dataclass(frozen=True)
class ThresholdFigures:
    """The figures of §2.13.2 in force from a date (Charter Arts. 21 and 24 and their rules)."""

    regulation: str
    in_force_from: date
    cell_min_officials: int = 3
    grassroots_committee_min_members: int = 30  # a grassroots cell has fewer
    cell_committee_min_officials: int = 9


THRESHOLD_FIGURES = (ThresholdFigures("Điều lệ Đảng 2011 (Điều 21, 24)", date(2011, 1, 19)),)
"""Successive figures; the 2011 Charter's have not changed as far as the brief confirms."""


def figures_in_force(day: date, book: tuple[ThresholdFigures, ...] = THRESHOLD_FIGURES) -> ThresholdFigures:
    """The figures in force on ``day``; before the first version, the first version's."""
    applicable = [f for f in book if f.in_force_from <= day] or [min(book, key=lambda f: f.in_force_from)]
    return max(applicable, key=lambda f: f.in_force_from)


def thresholds_not_met(
    kind: OrganizationKind, official_count: int, member_count: int, *,
    cell_committee: bool | None = None, figures: ThresholdFigures = THRESHOLD_FIGURES[-1],
) -> list[Threshold]:
    """The thresholds an organisation of ``kind`` with these counts does not meet.

    ``cell_committee`` is whether a cell has committee members seated: ``None`` when the register
    holds no seat of the cell, so nothing is known of its executive.
    """
    missing = []
    cell = kind.holds_members
    if cell and official_count < figures.cell_min_officials:
        missing.append(Threshold.CELL_MIN_OFFICIALS)
    if kind is OrganizationKind.GRASSROOTS_CELL and member_count >= figures.grassroots_committee_min_members:
        missing.append(Threshold.GRASSROOTS_CELL_UNDER_30)
    if kind is OrganizationKind.GRASSROOTS_COMMITTEE and member_count < figures.grassroots_committee_min_members:
        missing.append(Threshold.GRASSROOTS_COMMITTEE_FROM_30)
    if cell and cell_committee is not None \
            and cell_committee != (official_count >= figures.cell_committee_min_officials):
        missing.append(Threshold.CELL_COMMITTEE_FROM_9)
    return missing


class ThresholdSubject(Protocol):
    @property
    def kind(self) -> OrganizationKind: ...

    def cell_committee_on(self, day: date) -> bool | None: ...


def warnings(org: ThresholdSubject, official_count: int, member_count: int, *,
             on: date | None = None) -> list[Threshold]:
    """The thresholds ``org`` does not meet on ``on`` (today by default) with these counts."""
    day = on or date.today()
    return thresholds_not_met(org.kind, official_count, member_count,
                              cell_committee=org.cell_committee_on(day), figures=figures_in_force(day))


def roster_counts(org: Any) -> tuple[int, int]:
    """Official members and members (official and probationary) on a cell's roster, read from
    the organisation's ``roster`` (member id → status name); 0 and 0 where it keeps none."""
    statuses = list((getattr(org, "roster", None) or {}).values())
    return statuses.count("OFFICIAL"), sum(statuses.count(s) for s in MEMBER_STATUSES)


class ThresholdConsentRequiredError(DomainError):
    """The change breaches a threshold; it stands only on the superior's written consent."""

    code = "THRESHOLD_CONSENT_REQUIRED"

    def __init__(self, threshold: Threshold, message: str, *, field: str | None = "consent") -> None:
        super().__init__(f"{threshold.name}: {message}; the superior's consent is required", field=field)
        self.threshold = threshold


@dataclass(frozen=True)
class ThresholdConsent:
    threshold: Threshold
    decision: Decision
    effective_on: date


class ThresholdConsents(OrganizationState):
    """Part of the Organization aggregate: the exceptions its superior consented to."""

    threshold_consents: tuple[ThresholdConsent, ...] = ()

    class ThresholdConsentRecorded(RegisterAggregate.Event):
        threshold: Threshold
        decision: Decision
        effective_on: date

        def apply(self, org: ThresholdConsents) -> None:
            consent = ThresholdConsent(self.threshold, self.decision, self.effective_on)
            org.threshold_consents = (*org.threshold_consents, consent)

    def consent_for(self, threshold: Threshold, day: date) -> ThresholdConsent | None:
        """The latest consent to an exception from ``threshold`` given by ``day``."""
        given = [c for c in self.threshold_consents if c.threshold is threshold and c.effective_on <= day]
        return given[-1] if given else None

    def require_threshold(self, threshold: Threshold, *, met: bool, consent: Decision | None,
                          effective_on: date, message: str) -> None:
        """Nothing when ``met``; otherwise refused without ``consent``, which is recorded."""
        if met:
            return
        if consent is None:
            raise ThresholdConsentRequiredError(threshold, message)
        self.trigger_event(self.ThresholdConsentRecorded, threshold=threshold,  # type: ignore[attr-defined]
                           decision=consent, effective_on=effective_on)

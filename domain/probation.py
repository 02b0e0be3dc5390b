"""Probation and recognition as an official member (§2.3), and the party card."""

from __future__ import annotations

from datetime import date

from partyledger.domain.aggregate import RegisterAggregate
from partyledger.domain.calendar_months import add_months
from partyledger.domain.decision import Decision
from partyledger.domain.errors import (
    CellVoteBelowTwoThirdsError,
    DateOrderError,
    GrassrootsResolutionRequiredError,
    GrassrootsVoteBelowTwoThirdsError,
    MemberNotProbationaryError,
    ProbationNotElapsedError,
    RecognitionDecisionLateError,
    StatusDoesNotAllowError,
)
from partyledger.domain.member_state import MemberState, MemberStatus, Resolution
from partyledger.domain.rules import Rules
from partyledger.domain.working_days import WorkingCalendar

PROBATION_MONTHS = 12
"""Charter Art. 5.1 (2011 text, kept by the 12th and 13th Congresses)."""


def probation_end(ceremony_on: date, months: int = PROBATION_MONTHS) -> date:
    return add_months(ceremony_on, months)


class Probation(MemberState):
    class RecognizedAsOfficial(RegisterAggregate.Event):
        """Version 2 adds the votes and the regulation; version 1 events load with them empty."""

        class_version = 2
        cell_resolution_on: date
        cell_vote: Resolution | None
        grassroots_vote: Resolution | None
        decision: Decision
        extended: bool
        regulation: str | None
        effective_on: date

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            state.update(cell_vote=None, grassroots_vote=None, extended=False, regulation=None)

        def apply(self, member: Probation) -> None:
            member.status = MemberStatus.OFFICIAL
            member.recognized_on = self.effective_on

    class PartyCardIssued(RegisterAggregate.Event):
        card_number: str
        replaces: str | None
        decision: Decision | None
        effective_on: date

        def apply(self, member: Probation) -> None:
            member.party_card_number = self.card_number

    @property
    def probation_ends_on(self) -> date | None:
        return probation_end(self.ceremony_on) if self.ceremony_on else None

    def recognize_as_official(  # noqa: PLR0913
        self, *, cell_resolution: Resolution, grassroots_resolution: Resolution | None,
        needs_grassroots: bool, decision: Decision, effective_on: date, extended: bool,
        rules: Rules, calendar: WorkingCalendar,
    ) -> None:
        """The cell votes after the twelve months have run (≥ 2/3), the grassroots committee
        where the cell is not grassroots (≥ 2/3); the committee decides within 30 working days
        (+30 on extension)."""
        if self.status is not MemberStatus.PROBATIONARY or self.ceremony_on is None:
            msg = f"the member is {self.status.name}, not probationary"
            raise MemberNotProbationaryError(msg, field="memberId")
        check_probation(self.ceremony_on, cell_resolution.on, rules.probation_months)
        if not cell_resolution.vote.reaches(rules.cell_vote):
            raise CellVoteBelowTwoThirdsError("the cell's vote is below two thirds", field="cellResolution")
        if needs_grassroots and grassroots_resolution is None:
            raise GrassrootsResolutionRequiredError("the grassroots committee must resolve", field="grassrootsResolution")
        if grassroots_resolution and not grassroots_resolution.vote.reaches(rules.grassroots_vote):
            raise GrassrootsVoteBelowTwoThirdsError("the committee's vote is below two thirds", field="grassrootsResolution")
        _order(cell_resolution.on, decision.date, "decision.date", "the committee's decision")
        _order(decision.date, effective_on, "effectiveOn", "the decision's effect")
        limit = rules.recognition_decision_wd + (rules.decision_extension_wd if extended else 0)
        deadline = calendar.add_working_days(cell_resolution.on, limit)
        if decision.date > deadline:
            msg = f"decided {decision.date}, after {limit} working days from the cell's resolution (deadline {deadline})"
            raise RecognitionDecisionLateError(msg, field="decision.date")
        self.trigger_event(  # type: ignore[attr-defined]
            self.RecognizedAsOfficial, cell_resolution_on=cell_resolution.on, cell_vote=cell_resolution,
            grassroots_vote=grassroots_resolution, decision=decision, extended=extended,
            regulation=rules.regulation, effective_on=effective_on)

    def issue_party_card(self, *, card_number: str, decision: Decision | None, effective_on: date) -> None:
        """Official members only (§1.2); a new card (e.g. the 2025 chip-card exchange) replaces the old."""
        if self.status is not MemberStatus.OFFICIAL:
            raise StatusDoesNotAllowError(f"a party card goes to official members; the member is {self.status.name}")
        number = card_number.strip()
        if not number:
            raise StatusDoesNotAllowError("a party card needs its number", field="cardNumber")
        self.trigger_event(self.PartyCardIssued, card_number=number,  # type: ignore[attr-defined]
                           replaces=self.party_card_number, decision=decision, effective_on=effective_on)


def check_probation(ceremony_on: date, resolution_on: date, months: int = PROBATION_MONTHS) -> None:
    ends_on = probation_end(ceremony_on, months)
    if resolution_on < ends_on:
        msg = (f"probation runs {months} months from the ceremony of {ceremony_on} to {ends_on};"
               f" the cell's resolution of {resolution_on} comes before that")
        raise ProbationNotElapsedError(msg, field="cellResolution")


_order = DateOrderError.check

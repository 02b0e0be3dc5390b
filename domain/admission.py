"""Admission (kết nạp, DOMAIN.md §2.2): candidacy → cell → grassroots → decision → ceremony."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from partyledger.domain.aggregate import RegisterAggregate
from partyledger.domain.calendar_months import whole_months_between
from partyledger.domain.decision import Decision
from partyledger.domain.errors import (
    AdmissionDecisionLateError,
    ApplicantAgeOutOfRangeError,
    CeremonyLateError,
    CellVoteBelowTwoThirdsError,
    DateOrderError,
    GrassrootsResolutionRequiredError,
    GrassrootsVoteBelowTwoThirdsError,
    IntroducerNotOfficialError,
    IntroducerOverlapTooShortError,
    IntroducersInvalidError,
    ProvincialAuthorityRequiredError,
    StatusDoesNotAllowError,
)
from partyledger.domain.member_state import (
    Introducer,
    IntroducerKind,
    MemberState,
    MemberStatus,
    Resolution,
)
from partyledger.domain.rules import Rules
from partyledger.domain.working_days import WorkingCalendar


@dataclass(frozen=True)
class IntroducerStanding:
    """What the register knows of an introducer: since when they have been an official member."""

    member_id: UUID
    official_since: date | None


def check_introducers(
    introducers: tuple[Introducer, ...], standings: dict[UUID, IntroducerStanding],
    on: date, rules: Rules,
) -> None:
    """Two introducers: two official members, or one committee and one official member; each
    member official on ``on`` and in the same unit as the applicant for the required months."""
    members = [i for i in introducers if i.kind is IntroducerKind.OFFICIAL_MEMBER]
    committees = [i for i in introducers if i.kind is not IntroducerKind.OFFICIAL_MEMBER]
    if len(introducers) != 2 or len(committees) > 1 or len({i.member_id for i in members}) != len(members):
        msg = "an admission needs two introducers: two official members, or a committee and one"
        raise IntroducersInvalidError(msg, field="introducers")
    if any(not (c.committee_name or "").strip() for c in committees):
        raise IntroducersInvalidError("a committee introducer needs its name", field="introducers")
    for introducer in members:
        standing = standings.get(introducer.member_id) if introducer.member_id else None
        if standing is None or standing.official_since is None or standing.official_since > on:
            msg = f"introducer {introducer.member_id} was not an official member on {on}"
            raise IntroducerNotOfficialError(msg, field="introducers")
        together = whole_months_between(introducer.together_since, on) if introducer.together_since else 0
        if together < rules.introducer_overlap_months:
            msg = (f"introducer {introducer.member_id} has {together} months in the same unit as the"
                   f" applicant by {on}; {rules.introducer_overlap_months} are required")
            raise IntroducerOverlapTooShortError(msg, field="introducers")


def check_age(birth_date: date, on: date, rules: Rules, provincial_authority: Decision | None) -> None:
    """18 to 60 inclusive, counted in months, on the day the cell considers the application."""
    months = whole_months_between(birth_date, on)
    if months < rules.min_age_months:
        msg = f"the applicant is {months // 12} years {months % 12} months old on {on}; at least 18 years"
        raise ApplicantAgeOutOfRangeError(msg, field="birthDate")
    if months > rules.max_age_months and provincial_authority is None:
        msg = (f"the applicant is {months // 12} years {months % 12} months old on {on}; over 60 the"
               " provincial committee's decision is needed")
        raise ProvincialAuthorityRequiredError(msg, field="provincialAuthority")


class AdmissionPipeline(MemberState):
    """The admission steps, each an event; probation starts at the ceremony (Charter Art. 5.1)."""

    class CellResolutionPassed(RegisterAggregate.Event):
        resolution: Resolution
        provincial_authority: Decision | None
        regulation: str
        effective_on: date

        def apply(self, member: AdmissionPipeline) -> None:
            member.cell_resolution = self.resolution

    class GrassrootsResolutionPassed(RegisterAggregate.Event):
        resolution: Resolution
        regulation: str
        effective_on: date

        def apply(self, member: AdmissionPipeline) -> None:
            member.grassroots_resolution = self.resolution

    class AdmissionDecided(RegisterAggregate.Event):
        decision: Decision
        received_on: date
        extended: bool
        regulation: str
        effective_on: date

        def apply(self, member: AdmissionPipeline) -> None:
            member.status = MemberStatus.ADMITTED_PENDING_CEREMONY
            member.admitted_on = self.decision.date
            member.decision_received_on = self.received_on

    class AdmissionCeremonyHeld(RegisterAggregate.Event):
        late_consent: Decision | None
        regulation: str
        effective_on: date

        def apply(self, member: AdmissionPipeline) -> None:
            member.status = MemberStatus.PROBATIONARY
            member.ceremony_on = self.effective_on

    def _require(self, *statuses: MemberStatus) -> None:
        if self.status not in statuses:
            allowed = " or ".join(s.name for s in statuses)
            msg = f"the record is {self.status.name}; this step needs {allowed}"
            raise StatusDoesNotAllowError(msg)

    def pass_cell_resolution(  # noqa: PLR0913
        self, resolution: Resolution, *, standings: dict[UUID, IntroducerStanding],
        provincial_authority: Decision | None, rules: Rules,
    ) -> None:
        """The cell resolves to admit: ≥ 2/3 of its official members, applicant of age,
        introducers qualified, all on the day of the vote."""
        self._require(MemberStatus.CANDIDATE)
        _order(self.applied_on, resolution.on, "cellResolution.on", "the cell's resolution")
        if not resolution.vote.reaches(rules.cell_vote):
            msg = f"{resolution.vote.in_favour} of {resolution.vote.eligible} official members is below two thirds"
            raise CellVoteBelowTwoThirdsError(msg, field="cellResolution")
        check_age(self.birth_date, resolution.on, rules, provincial_authority)
        check_introducers(self.introducers, standings, resolution.on, rules)
        self.trigger_event(self.CellResolutionPassed, resolution=resolution,  # type: ignore[attr-defined]
                           provincial_authority=provincial_authority, regulation=rules.regulation,
                           effective_on=resolution.on)

    def pass_grassroots_resolution(self, resolution: Resolution, *, rules: Rules) -> None:
        self._require(MemberStatus.CANDIDATE)
        if self.cell_resolution is None:
            raise StatusDoesNotAllowError("the cell has not resolved yet", field="grassrootsResolution")
        _order(self.cell_resolution.on, resolution.on, "grassrootsResolution.on", "the grassroots resolution")
        if not resolution.vote.reaches(rules.grassroots_vote):
            msg = f"{resolution.vote.in_favour} of {resolution.vote.eligible} committee members is below two thirds"
            raise GrassrootsVoteBelowTwoThirdsError(msg, field="grassrootsResolution")
        self.trigger_event(self.GrassrootsResolutionPassed, resolution=resolution,  # type: ignore[attr-defined]
                           regulation=rules.regulation, effective_on=resolution.on)

    def decide_admission(  # noqa: PLR0913
        self, decision: Decision, *, received_on: date, extended: bool, needs_grassroots: bool,
        rules: Rules, calendar: WorkingCalendar,
    ) -> None:
        """The competent committee decides within 60 working days of the cell's resolution
        (+30 on extension)."""
        self._require(MemberStatus.CANDIDATE)
        if self.cell_resolution is None:
            raise StatusDoesNotAllowError("the cell has not resolved yet", field="decision")
        if needs_grassroots and self.grassroots_resolution is None:
            raise GrassrootsResolutionRequiredError(
                "the cell is not a grassroots cell: the grassroots committee must resolve first",
                field="grassrootsResolution")
        _order(self.cell_resolution.on, decision.date, "decision.date", "the admission decision")
        _order(decision.date, received_on, "decisionReceivedOn", "the receipt of the decision")
        limit = rules.admission_decision_wd + (rules.decision_extension_wd if extended else 0)
        deadline = calendar.add_working_days(self.cell_resolution.on, limit)
        if decision.date > deadline:
            msg = (f"decided {decision.date}, after {limit} working days from the cell's resolution"
                   f" of {self.cell_resolution.on} (deadline {deadline})")
            raise AdmissionDecisionLateError(msg, field="decision.date")
        self.trigger_event(self.AdmissionDecided, decision=decision, received_on=received_on,  # type: ignore[attr-defined]
                           extended=extended, regulation=rules.regulation, effective_on=decision.date)

    def hold_ceremony(
        self, on: date, *, late_consent: Decision | None, rules: Rules, calendar: WorkingCalendar,
    ) -> None:
        """The ceremony within 30 working days of receiving the decision, or later with the
        direct superior's consent; probation starts that day."""
        self._require(MemberStatus.ADMITTED_PENDING_CEREMONY)
        assert self.decision_received_on is not None
        _order(self.decision_received_on, on, "ceremonyOn", "the ceremony")
        deadline = calendar.add_working_days(self.decision_received_on, rules.ceremony_wd)
        if on > deadline and late_consent is None:
            msg = (f"ceremony on {on}, after {rules.ceremony_wd} working days from receiving the"
                   f" decision ({deadline}); the superior's consent is needed")
            raise CeremonyLateError(msg, field="ceremonyOn")
        self.trigger_event(self.AdmissionCeremonyHeld, late_consent=late_consent,  # type: ignore[attr-defined]
                           regulation=rules.regulation, effective_on=on)


_order = DateOrderError.check

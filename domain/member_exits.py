"""Leaving the Party and coming back (§2.3, §2.8–2.11): strike-off, withdrawal, death,
readmission, restoration after a wrongful exit, and exemption for age or health.

Every exit opens an interval of ``member.excluded`` (party age stops); readmission closes it at
its decision, restoration removes it (party age continuous). Expulsion is imposed by the
discipline part, which opens an ``EXPELLED`` interval: it is read here as an exit as well.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import Enum
from uuid import UUID

from partyledger.domain.labels import LabelledEnum
from partyledger.domain.aggregate import RegisterAggregate
from partyledger.domain.calendar_months import add_months
from partyledger.domain.decision import Decision
from partyledger.domain.errors import (
    CellVoteBelowTwoThirdsError,
    DateOrderError,
    DomainError,
    GrassrootsResolutionRequiredError,
    GrassrootsVoteBelowTwoThirdsError,
    StatusDoesNotAllowError,
)
from partyledger.domain.member_state import ExcludedInterval, MemberState, MemberStatus, Resolution
from partyledger.domain.rules import NoRegulationInForceError, RuleBook, Rules

EXPUNGEMENT_WAIT_MONTHS = 60
"""QĐ 232/294 3.5: after a conviction for a less serious offence, 60 months from expungement."""


class StrikeOffGround(LabelledEnum):
    """Grounds for striking a name off the rolls (xóa tên): §2.3 for probationary members,
    §2.8 (Charter Art. 8.1, QĐ 24 8.1) for official ones."""

    PROBATION_NOT_MET = "Không đủ tiêu chuẩn công nhận đảng viên chính thức"
    LOST_STANDING = "Không còn đủ tư cách đảng viên dự bị"
    ABANDONED_ACTIVITY = "Bỏ sinh hoạt chi bộ hoặc không đóng đảng phí ba tháng trong năm"
    CARD_RETURNED_OR_DESTROYED = "Tự ý trả thẻ đảng viên hoặc hủy thẻ đảng viên"
    DECLINED_AFTER_EDUCATION = "Không tiến bộ sau 12 tháng chi bộ giáo dục"
    STANDARDS_VIOLATED_TWO_YEARS = "Vi phạm tư cách đảng viên hai năm liền"
    POLITICAL_STANDARDS_NOT_MET = "Không bảo đảm tiêu chuẩn chính trị theo quy định của Bộ Chính trị"

    @property
    def status(self) -> MemberStatus:
        """The status of the members this ground applies to."""
        probationary = (StrikeOffGround.PROBATION_NOT_MET, StrikeOffGround.LOST_STANDING)
        return MemberStatus.PROBATIONARY if self in probationary else MemberStatus.OFFICIAL


class ExitKind(LabelledEnum):
    STRUCK_OFF = "Xóa tên"
    EXPELLED = "Khai trừ"
    WITHDRAWN = "Xin ra khỏi Đảng"


class ReadmissionBar(Enum):
    """§2.10 grounds, besides the way of leaving, on which a person is never readmitted."""

    SERIOUS_INTERNAL_DISUNITY = "Gây mất đoàn kết nội bộ nghiêm trọng"
    CORRUPTION_CONVICTION = "Bị kết án về tội tham nhũng"
    SERIOUS_CRIME_CONVICTION = "Bị kết án về tội nghiêm trọng trở lên"


class ExemptionGround(LabelledEnum):
    AGE = "Tuổi cao"
    HEALTH = "Sức khỏe yếu"


@dataclass(frozen=True)
class ExitRecord:
    """One way out of the Party: when, how, on which ground, and the status it ended."""

    on: date
    kind: ExitKind
    ground: StrikeOffGround | None
    left_as: MemberStatus


@dataclass(frozen=True)
class Exemption:
    """Exempt from work and party activity (Charter Art. 7) from ``from_on`` until ``ended_on``."""

    ground: ExemptionGround
    from_on: date
    ended_on: date | None

    def covers(self, day: date) -> bool:
        return self.from_on <= day and (self.ended_on is None or day < self.ended_on)


RegulationNotInForceError = NoRegulationInForceError


class StrikeOffGroundNotApplicableError(DomainError):
    code = "STRIKE_OFF_GROUND_NOT_APPLICABLE"


class StrikeOffVoteRequiredError(DomainError):
    code = "STRIKE_OFF_CELL_VOTE_REQUIRED"


class WithdrawalBlockedByViolationError(DomainError):
    code = "WITHDRAWAL_BLOCKED_BY_VIOLATION"


class MemberDeceasedError(StatusDoesNotAllowError):
    code = "MEMBER_DECEASED"


class ReadmissionOnlyOnceError(DomainError):
    code = "READMISSION_ONLY_ONCE"


class ReadmissionForbiddenGroundError(DomainError):
    code = "READMISSION_FORBIDDEN_GROUND"


class ReadmissionNeedsProvincialConsentError(DomainError):
    code = "READMISSION_NEEDS_PROVINCIAL_CONSENT"


class ReadmissionTooEarlyError(DomainError):
    code = "READMISSION_TOO_EARLY"


class ExemptionAlreadyGrantedError(DomainError):
    code = "EXEMPTION_ALREADY_GRANTED"


class MemberNotExemptError(DomainError):
    code = "MEMBER_NOT_EXEMPT"


EXIT_CAUSES = frozenset(k.name for k in ExitKind)
"""The ``cause`` of an excluded interval that an exit opened."""


class Exits(MemberState):
    """The exits, readmission, restoration and exemptions of one member."""

    exits: tuple[ExitRecord, ...] = ()
    readmissions: int = 0
    readmitted_on: date | None = None
    restored_on: date | None = None
    died_on: date | None = None
    exemptions: tuple[Exemption, ...] = ()

    class StruckOff(RegisterAggregate.Event):
        ground: StrikeOffGround
        left_as: MemberStatus
        cell_resolution: Resolution | None
        decision: Decision
        effective_on: date

        def apply(self, member: Exits) -> None:
            member.leave(ExitRecord(self.effective_on, ExitKind.STRUCK_OFF, self.ground, self.left_as))

    class VoluntaryWithdrawalApproved(RegisterAggregate.Event):
        left_as: MemberStatus
        decision: Decision
        effective_on: date

        def apply(self, member: Exits) -> None:
            member.leave(ExitRecord(self.effective_on, ExitKind.WITHDRAWN, None, self.left_as))

    class Deceased(RegisterAggregate.Event):
        effective_on: date

        def apply(self, member: Exits) -> None:
            member.status, member.died_on = MemberStatus.DECEASED, self.effective_on

    class Readmitted(RegisterAggregate.Event):
        """A new membership episode: probation again from ``ceremony_on``; the exit's interval
        closes at the decision."""

        exit_on: date
        cell_id: UUID  # the new episode's cell
        cell_resolution: Resolution
        grassroots_resolution: Resolution | None
        provincial_consent: Decision
        decision: Decision
        ceremony_on: date
        extreme_family_hardship: bool
        conviction_expunged_on: date | None
        regulation: str
        effective_on: date

        def apply(self, member: Exits) -> None:
            member.excluded = [replace(i, end=self.decision.date) if _opened_by_exit(i, self.exit_on) else i
                               for i in member.excluded]
            member.exemptions = tuple(replace(x, ended_on=x.ended_on or self.decision.date)
                                      for x in member.exemptions)
            member.status, member.cell_id = MemberStatus.PROBATIONARY, self.cell_id
            member.ceremony_on, member.recognized_on = self.ceremony_on, None
            member.readmitted_on, member.readmissions = self.decision.date, member.readmissions + 1

    class MembershipRestored(RegisterAggregate.Event):
        """QĐ 117: the exit was wrongful; the member is what they were and party age continuous."""

        exit_on: date
        restored_as: MemberStatus
        decision: Decision
        apology: bool
        effective_on: date

        def apply(self, member: Exits) -> None:
            member.excluded = [i for i in member.excluded if not _opened_by_exit(i, self.exit_on)]
            member.exits = tuple(e for e in member.exits if e.on != self.exit_on)
            member.status, member.restored_on = self.restored_as, self.effective_on

    class ExemptionGranted(RegisterAggregate.Event):
        ground: ExemptionGround
        decision: Decision | None
        effective_on: date

        def apply(self, member: Exits) -> None:
            member.exemptions = (*member.exemptions, Exemption(self.ground, self.effective_on, None))

    class ExemptionEnded(RegisterAggregate.Event):
        effective_on: date

        def apply(self, member: Exits) -> None:
            *earlier, current = member.exemptions
            member.exemptions = (*earlier, replace(current, ended_on=self.effective_on))

    # -- reads other parts may use ---------------------------------------------------------

    @property
    def current_exit(self) -> ExitRecord | None:
        """The exit the member is out by, while EXITED (an expulsion included); else None."""
        if self.status is not MemberStatus.EXITED:
            return None
        gap = next((i for i in reversed(self.excluded) if i.end is None and i.cause in EXIT_CAUSES), None)
        if gap is None:
            return None
        recorded = [e for e in self.exits if e.on == gap.start and e.kind.name == gap.cause]
        # Expulsion is for official members only (§2.9).
        return recorded[-1] if recorded else ExitRecord(gap.start, ExitKind[gap.cause], None,
                                                        MemberStatus.OFFICIAL)

    def exempt_on(self, day: date) -> bool:
        """Exempt from work and activity that day: such members are not rated (§2.11)."""
        return any(x.covers(day) for x in self.exemptions)

    # -- commands ----------------------------------------------------------------------------

    def strike_off(
        self, *, ground: StrikeOffGround, decision: Decision, effective_on: date,
        cell_resolution: Resolution | None, rules: Rules | None,
    ) -> None:
        """Strike the name off the rolls on a ground for the member's status; a probationary
        member's cell must vote it by ≥ 2/3 (§2.3). ``rules`` may be None for a date before the
        rule book: only the probationary vote needs them."""
        self._living()
        self._member_now()
        if self.status is not ground.status:
            msg = f"{ground.name} is a ground for {ground.status.name} members; the member is {self.status.name}"
            raise StrikeOffGroundNotApplicableError(msg, field="ground")
        check_strike_off_vote(self.status, cell_resolution, decision, rules)
        self._after_recorded_facts(decision.date, effective_on)
        self.trigger_event(self.StruckOff, ground=ground, left_as=self.status,  # type: ignore[attr-defined]
                           cell_resolution=cell_resolution, decision=decision, effective_on=effective_on)

    def approve_withdrawal(self, *, decision: Decision, effective_on: date, open_violation: bool) -> None:
        """Allow a member to leave at their request (xin ra khỏi Đảng); never while a violation
        case is open: discipline comes first (§2.8)."""
        self._living()
        self._member_now()
        if open_violation:
            msg = "a violation case is open: it is dealt with before a request to leave"
            raise WithdrawalBlockedByViolationError(msg, field="openViolation")
        self._after_recorded_facts(decision.date, effective_on)
        self.trigger_event(self.VoluntaryWithdrawalApproved, left_as=self.status,  # type: ignore[attr-defined]
                           decision=decision, effective_on=effective_on)

    def record_death(self, *, on: date) -> None:
        """Death (từ trần) ends the record: nothing changes it afterwards."""
        self._living()
        self._after_recorded_facts(on, on, field="on")
        self.trigger_event(self.Deceased, effective_on=on)  # type: ignore[attr-defined]

    def readmit(  # noqa: PLR0913
        self, *, cell_resolution: Resolution, grassroots_resolution: Resolution | None,
        needs_grassroots: bool, decision: Decision, provincial_consent: Decision | None,
        ceremony_on: date, rules: Rules, cell_id: UUID | None = None,
        extreme_family_hardship: bool = False, conviction_expunged_on: date | None = None,
        barred_by: tuple[ReadmissionBar, ...] = (), effective_on: date | None = None,
    ) -> None:
        """Readmit (kết nạp lại, §2.10): once in a lifetime, never on the forbidden grounds,
        36 months after leaving (60 after expungement), with the province's written consent.
        Takes effect on the decision unless ``effective_on`` says later."""
        self._living()
        if self.readmissions:
            raise ReadmissionOnlyOnceError(f"readmitted already on {self.readmitted_on}; only once in a lifetime")
        out = self._out("readmitted")
        check_readmission_ground(out, extreme_family_hardship, barred_by)
        check_provincial_consent(provincial_consent, decision)
        check_readmission_wait(out.on, cell_resolution.on, rules, conviction_expunged_on)
        check_votes(cell_resolution, grassroots_resolution, needs_grassroots, rules)
        _order(cell_resolution.on, decision.date, "decision.date", "the readmission decision")
        _order(decision.date, ceremony_on, "ceremonyOn", "the ceremony")
        _order(decision.date, effective_on or decision.date, "effectiveOn", "the readmission")
        self.trigger_event(  # type: ignore[attr-defined]
            self.Readmitted, exit_on=out.on, cell_id=cell_id or self.cell_id,
            cell_resolution=cell_resolution, grassroots_resolution=grassroots_resolution,
            provincial_consent=provincial_consent, decision=decision, ceremony_on=ceremony_on,
            extreme_family_hardship=extreme_family_hardship,
            conviction_expunged_on=conviction_expunged_on, regulation=rules.regulation,
            effective_on=effective_on or decision.date)

    def restore_membership(self, *, decision: Decision, effective_on: date, apology: bool) -> None:
        """Restore party standing after a wrongful exit (QĐ 117): back to the status before it,
        with the exit's gap no longer excluded from party age."""
        self._living()
        out = self._out("restored")
        _order(out.on, decision.date, "decision.date", "the restoration decision")
        _order(decision.date, effective_on, "effectiveOn", "the restoration")
        self.trigger_event(self.MembershipRestored, exit_on=out.on,  # type: ignore[attr-defined]
                           restored_as=out.left_as, decision=decision, apology=apology,
                           effective_on=effective_on)

    def grant_exemption(self, *, ground: ExemptionGround, from_on: date, decision: Decision | None) -> None:
        """The cell exempts a member from work and activity for age or health (Charter Art. 7)."""
        self._living()
        self._member_now()
        if self.exemptions and self.exemptions[-1].ended_on is None:
            msg = f"exempt already since {self.exemptions[-1].from_on}"
            raise ExemptionAlreadyGrantedError(msg, field="effectiveOn")
        starts = [self.ceremony_on, self.readmitted_on, self.restored_on,
                  *(x.ended_on for x in self.exemptions)]
        _order(max(d for d in (*starts, self.applied_on) if d), from_on, "effectiveOn", "the exemption")
        self.trigger_event(self.ExemptionGranted, ground=ground, decision=decision,  # type: ignore[attr-defined]
                           effective_on=from_on)

    def end_exemption(self, *, on: date) -> None:
        self._living()
        if not self.exemptions or self.exemptions[-1].ended_on is not None:
            raise MemberNotExemptError("the member is not exempt", field="effectiveOn")
        _order(self.exemptions[-1].from_on, on, "effectiveOn", "the end of the exemption")
        self.trigger_event(self.ExemptionEnded, effective_on=on)  # type: ignore[attr-defined]

    # -- shared by the commands and events ---------------------------------------------------

    def leave(self, record: ExitRecord) -> None:
        """Out from ``record.on``: any gap still open (a lapsed transfer) ends there, so the
        excluded intervals never overlap."""
        self.excluded = [replace(i, end=record.on) if i.end is None else i for i in self.excluded]
        self.excluded.append(ExcludedInterval(start=record.on, end=None, cause=record.kind.name))
        self.exits = (*self.exits, record)
        self.status = MemberStatus.EXITED

    def _living(self) -> None:
        if self.status is MemberStatus.DECEASED:
            raise MemberDeceasedError(f"the member died on {self.died_on}; the record is closed")

    def _member_now(self) -> None:
        if not self.status.is_member:
            raise StatusDoesNotAllowError(f"the record is {self.status.name}; this needs a member")

    def _out(self, what: str) -> ExitRecord:
        out = self.current_exit
        if out is None:
            raise StatusDoesNotAllowError(f"the record is {self.status.name}; only someone who has"
                                          f" left the Party can be {what}")
        return out

    def _after_recorded_facts(self, decided_on: date, effective_on: date, field: str = "effectiveOn") -> None:
        """Exits come in date order: after everything already recorded of the membership."""
        facts = [self.applied_on, self.admitted_on, self.ceremony_on, self.recognized_on,
                 self.readmitted_on, self.restored_on, *(e.on for e in self.exits),
                 *(i.start for i in self.excluded), *(i.end for i in self.excluded),
                 *(x.from_on for x in self.exemptions), *(x.ended_on for x in self.exemptions)]
        _order(max(d for d in facts if d), effective_on, field, "the change")
        _order(decided_on, effective_on, field, "the change's effect")


def rules_in_force(book: RuleBook, day: date) -> Rules | None:
    """The regulation in force on ``day``; None before the first one the book holds."""
    try:
        return book.in_force(day)
    except LookupError:
        return None


def check_strike_off_vote(status: MemberStatus, cell_resolution: Resolution | None,
                          decision: Decision, rules: Rules | None) -> None:
    """A probationary member is struck off by ≥ 2/3 of the cell's official members (§2.3); an
    official member's cell vote, where given, is stored as it is."""
    if cell_resolution is not None:
        _order(cell_resolution.on, decision.date, "decision.date", "the strike-off decision")
    if status is not MemberStatus.PROBATIONARY:
        return
    if cell_resolution is None:
        msg = "striking off a probationary member needs the cell's vote (≥ 2/3 of its official members)"
        raise StrikeOffVoteRequiredError(msg, field="cellResolution")
    if rules is None:
        msg = f"the register holds no regulation in force on {decision.date} to judge the cell's vote"
        raise RegulationNotInForceError(msg, field="decision.date")
    if not cell_resolution.vote.reaches(rules.cell_vote):
        msg = f"{cell_resolution.vote.in_favour} of {cell_resolution.vote.eligible} official members is below two thirds"
        raise CellVoteBelowTwoThirdsError(msg, field="cellResolution")


def check_readmission_ground(out: ExitRecord, hardship: bool, barred_by: tuple[ReadmissionBar, ...]) -> None:
    """Never readmitted: those who abandoned activity, who withdrew (unless in extreme family
    hardship), and those barred by disunity, a corruption conviction or a serious crime."""
    if out.ground is StrikeOffGround.ABANDONED_ACTIVITY:
        reason = "struck off for abandoning party activity"
    elif out.kind is ExitKind.WITHDRAWN and not hardship:
        reason = "left at their own request, without extreme family hardship"
    elif barred_by:
        reason = ", ".join(b.name for b in barred_by)
    else:
        return
    raise ReadmissionForbiddenGroundError(f"never readmitted: {reason}", field="exit")


def check_provincial_consent(consent: Decision | None, decision: Decision) -> None:
    if consent is None or consent.date > decision.date:
        msg = "the provincial standing committee's written consent must precede the decision"
        raise ReadmissionNeedsProvincialConsentError(msg, field="provincialConsent")


def readmission_allowed_from(exit_on: date, rules: Rules, conviction_expunged_on: date | None = None) -> date:
    """The first day the cell may vote on readmission."""
    earliest = add_months(exit_on, rules.readmission_wait_months)
    if conviction_expunged_on is not None:
        earliest = max(earliest, add_months(conviction_expunged_on, EXPUNGEMENT_WAIT_MONTHS))
    return earliest


def check_readmission_wait(exit_on: date, voted_on: date, rules: Rules, expunged_on: date | None) -> None:
    earliest = readmission_allowed_from(exit_on, rules, expunged_on)
    if voted_on < earliest:
        msg = f"left on {exit_on}: the cell may consider readmission from {earliest}, not {voted_on}"
        raise ReadmissionTooEarlyError(msg, field="cellResolution.on")


def check_votes(cell: Resolution, grassroots: Resolution | None, needs_grassroots: bool, rules: Rules) -> None:
    """The admission votes (§2.2): ≥ 2/3 at the cell and, under a grassroots committee, there."""
    if not cell.vote.reaches(rules.cell_vote):
        raise CellVoteBelowTwoThirdsError("the cell's vote is below two thirds", field="cellResolution")
    if needs_grassroots and grassroots is None:
        raise GrassrootsResolutionRequiredError("the grassroots committee must resolve", field="grassrootsResolution")
    if grassroots is not None and not grassroots.vote.reaches(rules.grassroots_vote):
        raise GrassrootsVoteBelowTwoThirdsError("the committee's vote is below two thirds", field="grassrootsResolution")


def _opened_by_exit(interval: ExcludedInterval, exit_on: date) -> bool:
    return interval.end is None and interval.start == exit_on and interval.cause in EXIT_CAUSES


_order = DateOrderError.check

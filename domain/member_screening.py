"""Screening campaigns (rà soát, sàng lọc) as a member's case (DOMAIN.md §2.8).

Screening is not a legal form of its own: a committee's campaign reviews members and each case
ends in a strike-off or an expulsion (recorded by the exit and discipline commands), in continued
monitoring and education, or in the member being cleared. The rules, each with its code:

- a case is opened (``review_in_screening``) only for a member with a member status, probationary
  or official (``SCREENING_SUBJECT_NOT_MEMBER``), on or after the admission decision
  (``DATES_OUT_OF_ORDER``);
- a campaign reviews a member once: one case per member and campaign, open
  (``SCREENING_CASE_ALREADY_OPEN``) or concluded (``SCREENING_CASE_ALREADY_CONCLUDED``);
- only an open case is concluded (``SCREENING_CASE_NOT_OPEN``), on or after its review;
- ``REMOVED`` only when the member is out by a strike-off or an expulsion dated on or after the
  review (``SCREENING_REMOVAL_NOT_RECORDED``); the conclusion names that exit and comes on or after
  it. A withdrawal or a death is not a screening removal;
- ``CONTINUE_MONITORING`` and ``CLEARED`` only while the person is still a member
  (``SCREENING_MEMBER_HAS_LEFT``);
- a decision, where one is given, is not dated after the day it takes effect
  (``DATES_OUT_OF_ORDER``).

Statistics read the events alone: both carry the campaign and the member's cell; the conclusion
carries the outcome and, for ``REMOVED``, the kind and date of the exit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID

from partyledger.domain.aggregate import RegisterAggregate
from partyledger.domain.decision import Decision
from partyledger.domain.errors import DateOrderError, DomainError
from partyledger.domain.labels import LabelledEnum
from partyledger.domain.member_exits import ExitKind
from partyledger.domain.member_state import MemberState, MemberStatus

REMOVAL_KINDS = (ExitKind.STRUCK_OFF, ExitKind.EXPELLED)
"""The exits a screening puts members out by; their names are the excluded intervals' causes."""


class ScreeningOutcome(LabelledEnum):
    REMOVED = "Đưa ra khỏi Đảng (xóa tên, khai trừ)"
    CONTINUE_MONITORING = "Tiếp tục theo dõi, giáo dục, giúp đỡ"
    CLEARED = "Đủ tư cách đảng viên, kết thúc xem xét"


class ScreeningSubjectNotMemberError(DomainError):
    code = "SCREENING_SUBJECT_NOT_MEMBER"


class ScreeningCaseAlreadyOpenError(DomainError):
    code = "SCREENING_CASE_ALREADY_OPEN"


class ScreeningCaseAlreadyConcludedError(DomainError):
    code = "SCREENING_CASE_ALREADY_CONCLUDED"


class ScreeningCaseNotOpenError(DomainError):
    code = "SCREENING_CASE_NOT_OPEN"


class ScreeningRemovalNotRecordedError(DomainError):
    code = "SCREENING_REMOVAL_NOT_RECORDED"


class ScreeningMemberHasLeftError(DomainError):
    code = "SCREENING_MEMBER_HAS_LEFT"


@dataclass(frozen=True)
class ScreeningCase:
    """One member's case in one campaign; ``outcome`` None while it is open."""

    campaign: str
    campaign_name: str
    reviewed_on: date
    cell_id: UUID
    decision: Decision | None
    outcome: ScreeningOutcome | None = None
    concluded_on: date | None = None
    exit_kind: ExitKind | None = None
    exit_on: date | None = None

    @property
    def open(self) -> bool:
        return self.outcome is None


class Screening(MemberState):
    """The member's screening cases, in the order they were opened."""

    screenings: tuple[ScreeningCase, ...] = ()  # replaced, never mutated: the default is shared

    class ScreeningReviewed(RegisterAggregate.Event):
        """A campaign opened a case on the member (reviewed on ``effective_on``)."""

        campaign: str
        campaign_name: str
        cell_id: UUID
        status_at_review: MemberStatus
        decision: Decision | None
        effective_on: date

        def apply(self, member: Screening) -> None:
            member.screenings = (*member.screenings, ScreeningCase(
                self.campaign, self.campaign_name, self.effective_on, self.cell_id, self.decision))

    class ScreeningConcluded(RegisterAggregate.Event):
        """The case ended; ``exit_kind``/``exit_on`` name the exit when the outcome is REMOVED."""

        campaign: str
        outcome: ScreeningOutcome
        cell_id: UUID
        exit_kind: ExitKind | None
        exit_on: date | None
        decision: Decision | None
        effective_on: date

        def apply(self, member: Screening) -> None:
            member.screenings = tuple(
                replace(c, outcome=self.outcome, concluded_on=self.effective_on,
                        exit_kind=self.exit_kind, exit_on=self.exit_on)
                if c.campaign == self.campaign and c.open else c for c in member.screenings)

    def screening_case(self, campaign: str) -> ScreeningCase | None:
        return next((c for c in self.screenings if c.campaign == campaign.strip()), None)

    def review_in_screening(
        self, *, campaign: str, campaign_name: str, reviewed_on: date, decision: Decision | None,
    ) -> None:
        """Open the member's case in a campaign: a member, once per campaign."""
        if not self.status.is_member:
            msg = f"the record is {self.status.name}; a screening reviews members only"
            raise ScreeningSubjectNotMemberError(msg, field="memberId")
        earlier = self.screening_case(campaign)
        if earlier is not None and earlier.open:
            msg = f"reviewed in {earlier.campaign} on {earlier.reviewed_on}; the case is open"
            raise ScreeningCaseAlreadyOpenError(msg, field="campaign")
        if earlier is not None:
            msg = f"the case in {earlier.campaign} was concluded on {earlier.concluded_on}"
            raise ScreeningCaseAlreadyConcludedError(msg, field="campaign")
        _order(self.admitted_on or self.applied_on, reviewed_on, "effectiveOn", "the review")
        _decided_by(decision, reviewed_on)
        reference = campaign.strip()
        self.trigger_event(  # type: ignore[attr-defined]
            self.ScreeningReviewed, campaign=reference, campaign_name=campaign_name.strip() or reference,
            cell_id=self.cell_id, status_at_review=self.status, decision=decision,
            effective_on=reviewed_on)

    def conclude_screening(
        self, *, campaign: str, outcome: ScreeningOutcome, effective_on: date,
        decision: Decision | None,
    ) -> None:
        """Conclude the open case of a campaign with its outcome (see the module's rules)."""
        case = self.screening_case(campaign)
        if case is None or not case.open:
            msg = f"no open screening case in {campaign.strip()}"
            raise ScreeningCaseNotOpenError(msg, field="campaign")
        _order(case.reviewed_on, effective_on, "effectiveOn", "the conclusion")
        exit_kind, exit_on = self._screening_exit(case, outcome)
        _order(exit_on or case.reviewed_on, effective_on, "effectiveOn", "the conclusion")
        _decided_by(decision, effective_on)
        self.trigger_event(  # type: ignore[attr-defined]
            self.ScreeningConcluded, campaign=case.campaign, outcome=outcome, cell_id=self.cell_id,
            exit_kind=exit_kind, exit_on=exit_on, decision=decision, effective_on=effective_on)

    def _screening_exit(
        self, case: ScreeningCase, outcome: ScreeningOutcome,
    ) -> tuple[ExitKind | None, date | None]:
        """The strike-off or expulsion a REMOVED outcome rests on; none for the other outcomes."""
        out = next((i for i in reversed(self.excluded) if i.end is None
                    and i.cause in {k.name for k in REMOVAL_KINDS}), None)
        if outcome is not ScreeningOutcome.REMOVED:
            if not self.status.is_member:
                msg = (f"the record is {self.status.name}: only REMOVED concludes the case of"
                       " someone who has left")
                raise ScreeningMemberHasLeftError(msg, field="outcome")
            return None, None
        if self.status is not MemberStatus.EXITED or out is None or out.start < case.reviewed_on:
            msg = (f"REMOVED needs a strike-off or an expulsion on or after the review"
                   f" ({case.reviewed_on}); the record is {self.status.name}")
            raise ScreeningRemovalNotRecordedError(msg, field="outcome")
        return ExitKind[out.cause], out.start


def _decided_by(decision: Decision | None, effective_on: date) -> None:
    if decision is not None:
        _order(decision.date, effective_on, "effectiveOn", "the screening step's effect")


_order = DateOrderError.check

"""The rules of discipline (§2.9), apart from the member's record: forms and who may impose
them, the votes, the limitation period, appeals' outcomes, suspension grounds, and the errors
that name each broken rule. ``member_discipline`` applies them to a member."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from fractions import Fraction

from partyledger.domain.calendar_months import add_months
from partyledger.domain.decision import Decision
from partyledger.domain.errors import DomainError
from partyledger.domain.labels import LabelledEnum
from partyledger.domain.member_state import MemberStatus
from partyledger.domain.votes import VoteTally

EXPELLED = "EXPELLED"
"""The ``cause`` of the excluded interval an expulsion opens."""

# QĐ 69-QĐ/TW Art. 15 (= QĐ 22 Art. 15.3): fractions of the body's official members.
DISCIPLINE_VOTE = Fraction(1, 2)  # more than
EXPULSION_PROPOSING_VOTE = Fraction(2, 3)  # at least
EXPULSION_SUPERIOR_VOTE = Fraction(1, 2)  # more than


class DisciplineForm(LabelledEnum):
    REPRIMAND = "Khiển trách"
    WARNING = "Cảnh cáo"
    DISMISSAL_FROM_POST = "Cách chức"
    EXPULSION = "Khai trừ"


LIGHT_FORMS = frozenset({DisciplineForm.REPRIMAND, DisciplineForm.WARNING})
"""The only forms for a probationary member, and the only ones a cell decides itself."""


class DisciplineAuthority(Enum):
    CELL = "Chi bộ"
    GRASSROOTS_COMMITTEE = "Đảng ủy cơ sở"
    SUPERIOR_COMMITTEE = "Cấp ủy cấp trên"
    INSPECTION_COMMISSION = "Ủy ban kiểm tra"


class DisciplineAppealOutcome(Enum):
    UPHELD = "Giữ nguyên hình thức kỷ luật"
    CHANGED = "Thay đổi hình thức kỷ luật"
    ANNULLED = "Xóa bỏ quyết định kỷ luật"


class SuspensionGround(Enum):
    OBSTRUCTION = "Cố ý cản trở việc kiểm tra, xem xét"
    PROSECUTED = "Bị truy tố"
    IN_CUSTODY = "Bị tạm giữ, tạm giam"

    @property
    def judicial(self) -> bool:
        """Judicial grounds follow the procedural periods of the law, not the 90/180 days."""
        return self is not SuspensionGround.OBSTRUCTION


class DisciplineFormNotAllowedForProbationaryError(DomainError):
    code = "DISCIPLINE_FORM_NOT_ALLOWED_FOR_PROBATIONARY"


class DismissalRequiresPostError(DomainError):
    code = "DISMISSAL_REQUIRES_POST"


class DisciplineAuthorityInsufficientError(DomainError):
    code = "DISCIPLINE_AUTHORITY_INSUFFICIENT"


class DisciplineVoteBelowHalfError(DomainError):
    code = "DISCIPLINE_VOTE_BELOW_HALF"


class ExpulsionVoteInsufficientError(DomainError):
    code = "EXPULSION_VOTE_INSUFFICIENT"


class DisciplineLimitationExpiredError(DomainError):
    code = "DISCIPLINE_LIMITATION_EXPIRED"


class DisciplineNotFoundError(DomainError):
    code = "DISCIPLINE_NOT_FOUND"


class DisciplineNotActiveError(DomainError):
    code = "DISCIPLINE_NOT_ACTIVE"


class AppealOutOfTimeError(DomainError):
    code = "APPEAL_OUT_OF_TIME"


class AppealAlreadyPendingError(DomainError):
    code = "APPEAL_ALREADY_PENDING"


class NoAppealPendingError(DomainError):
    code = "NO_APPEAL_PENDING"


class AppealNewFormInvalidError(DomainError):
    code = "APPEAL_NEW_FORM_INVALID"


class DisciplineCannotLapseYetError(DomainError):
    code = "DISCIPLINE_CANNOT_LAPSE_YET"


class ExpulsionDoesNotLapseError(DomainError):
    code = "EXPULSION_DOES_NOT_LAPSE"


class DisciplineAppealPendingError(DomainError):
    code = "DISCIPLINE_APPEAL_PENDING"


class DisciplineNewViolationInYearError(DomainError):
    code = "DISCIPLINE_NEW_VIOLATION_IN_YEAR"


class SuspensionTooLongError(DomainError):
    code = "SUSPENSION_TOO_LONG"


class SuspensionPeriodRequiredError(DomainError):
    code = "SUSPENSION_PERIOD_REQUIRED"


class MemberAlreadySuspendedError(DomainError):
    code = "MEMBER_ALREADY_SUSPENDED"


class MemberNotSuspendedError(DomainError):
    code = "MEMBER_NOT_SUSPENDED"


@dataclass(frozen=True)
class DisciplineRecord:
    """One discipline as it now stands. ``ref`` is the version of the event that imposed it."""

    ref: int
    form: DisciplineForm
    original_form: DisciplineForm
    violation_on: date
    decision: Decision
    announced_on: date
    status_before: MemberStatus
    holds_post: bool
    expelled_on: date | None = None  # start of the EXPELLED interval while the form is expulsion
    changed_on: date | None = None
    appeal_filed_on: date | None = None
    appeal_pending: bool = False
    appeal_decided_on: date | None = None
    annulled_on: date | None = None
    formal_apology: bool = False
    lapsed_on: date | None = None

    @property
    def closed(self) -> bool:
        """Annulled or lapsed: nothing more can happen to it."""
        return self.annulled_on is not None or self.lapsed_on is not None

    @property
    def clock_from(self) -> date:
        """Lapse and appeal periods run from the announcement, or from the appeal decision."""
        return self.appeal_decided_on or self.announced_on

    def active_on(self, day: date) -> bool:
        """In effect on ``day``; an annulled discipline never was (QĐ 117)."""
        return (self.annulled_on is None and self.announced_on <= day
                and (self.lapsed_on is None or day < self.lapsed_on))

    def form_on(self, day: date) -> DisciplineForm:
        return self.original_form if self.changed_on and day < self.changed_on else self.form


@dataclass(frozen=True)
class ActivitySuspension:
    """Suspension from party activity (đình chỉ sinh hoạt đảng): ``until`` is the last day."""

    start: date
    until: date | None  # None: a judicial ground, until ended
    ground: SuspensionGround
    ended_on: date | None = None  # ended early: no longer suspended from this day

    @property
    def days(self) -> int | None:
        return (self.until - self.start).days + 1 if self.until else None

    def in_force_on(self, day: date) -> bool:
        return (self.start <= day and (self.until is None or day <= self.until)
                and (self.ended_on is None or day < self.ended_on))

    def overlaps(self, first: date, last: date) -> bool:
        end = self.until or date.max
        if self.ended_on is not None:
            end = min(end, self.ended_on - timedelta(days=1))
        return self.start <= min(last, end) and end >= first


def limitation_deadline(violation_on: date, years: int, later_violations: list[date],
                        paused_days: int = 0) -> date:
    """The last day a violation can be disciplined: ``years`` from it, the clock restarting at
    each new violation within the running period (QĐ 102 Art. 3); deferral days do not count."""
    start = violation_on
    for other in sorted(v for v in later_violations if v > violation_on):
        if other > add_months(start, 12 * years):
            break
        start = other
    return add_months(start, 12 * years) + timedelta(days=paused_days)


def check_form(form: DisciplineForm, status: MemberStatus, *, holds_post: bool,
               authority: DisciplineAuthority | None) -> None:
    """Probationary members: reprimand or warning only; dismissal needs a post; expulsion is for
    official members; a cell reprimands or warns, heavier forms are decided above it."""
    if status is not MemberStatus.OFFICIAL and form not in LIGHT_FORMS:
        msg = f"a {status.name.lower()} member can be reprimanded or warned, not given {form.name}"
        raise DisciplineFormNotAllowedForProbationaryError(msg, field="form")
    if form is DisciplineForm.DISMISSAL_FROM_POST and not holds_post:
        raise DismissalRequiresPostError("dismissal applies only to a member who holds a post",
                                         field="holdsPost")
    if authority is DisciplineAuthority.CELL and form not in LIGHT_FORMS:
        msg = f"a cell reprimands or warns its members; {form.name} is decided by the superior"
        raise DisciplineAuthorityInsufficientError(msg, field="authorityKind")


def check_votes(form: DisciplineForm, vote: VoteTally, superior_vote: VoteTally | None) -> None:
    if form is not DisciplineForm.EXPULSION:
        if not vote.exceeds(DISCIPLINE_VOTE):
            msg = f"{vote.in_favour} of {vote.eligible} is not more than half of the body"
            raise DisciplineVoteBelowHalfError(msg, field="vote")
        return
    if not vote.reaches(EXPULSION_PROPOSING_VOTE):
        msg = f"expulsion: {vote.in_favour} of {vote.eligible} of the proposing body is below two thirds"
        raise ExpulsionVoteInsufficientError(msg, field="vote")
    if superior_vote is None or not superior_vote.exceeds(EXPULSION_SUPERIOR_VOTE):
        msg = "expulsion needs more than half of the competent superior body as well"
        raise ExpulsionVoteInsufficientError(msg, field="superiorVote")

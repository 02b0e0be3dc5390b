"""Annual ratings of a member (§2.12), and the book that counts a scope's grades for the cap.

Who is not rated, and who must be NOT_COMPLETED, is asked of the member's other parts:
``exempt_on(day)`` (§2.11), ``suspended_on(day)`` on the day of the review ("đang bị đình chỉ
sinh hoạt"), ``disciplined_in(year)`` (§2.9); a part the aggregate lacks answers no. The service
may pass the answers itself as a ``RatingStanding``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from partyledger.domain.labels import LabelledEnum
from partyledger.domain.aggregate import RegisterAggregate
from partyledger.domain.calendar_months import whole_months_between
from partyledger.domain.decision import Decision
from partyledger.domain.errors import DateOrderError, DomainError
from partyledger.domain.member_state import MemberState
from partyledger.domain.rating_schemes import CapPolicy, Grade, RatingScheme, check_excellent_cap
from partyledger.domain.rules import Rules


class ForcedReason(LabelledEnum):
    """Why a member can only be rated NOT_COMPLETED (HD 16/2018, HD 21/2019, QĐ 124)."""

    DISCIPLINED_IN_YEAR = "Bị xử lý kỷ luật trong năm"
    DEGRADATION_CONCLUDED = "Bị cấp có thẩm quyền kết luận suy thoái, \"tự diễn biến\", \"tự chuyển hóa\""
    TARGETS_BELOW_HALF = "Thực hiện dưới 50% chỉ tiêu, nhiệm vụ trong năm"
    CIVIL_SERVICE_NOT_COMPLETED = "Công chức, viên chức xếp loại không hoàn thành nhiệm vụ"


class AlreadyRatedError(DomainError):
    code = "ALREADY_RATED"


class NoRatingToCorrectError(DomainError):
    code = "NO_RATING_TO_CORRECT"


class MemberNotRatedNotAMemberError(DomainError):
    code = "MEMBER_NOT_RATED_NOT_A_MEMBER"


class MemberNotRatedRecentlyAdmittedError(DomainError):
    code = "MEMBER_NOT_RATED_RECENTLY_ADMITTED"


class MemberNotRatedSuspendedError(DomainError):
    code = "MEMBER_NOT_RATED_SUSPENDED"


class MemberNotRatedExemptError(DomainError):
    code = "MEMBER_NOT_RATED_EXEMPT"


class RatingMustBeNotCompletedError(DomainError):
    code = "RATING_MUST_BE_NOT_COMPLETED"


class RatingPointsRequiredError(DomainError):
    code = "RATING_POINTS_REQUIRED"


class RatingPointsNotInSchemeError(DomainError):
    code = "RATING_POINTS_NOT_IN_SCHEME"


class RatingPointsOutOfRangeError(DomainError):
    code = "RATING_POINTS_OUT_OF_RANGE"


class RatingPointsDisagreeError(DomainError):
    code = "RATING_POINTS_DISAGREE_WITH_GRADE"


@dataclass(frozen=True)
class RatingStanding:
    """What the review needs to know of the member on the day of the review."""

    exempt: bool = False
    suspended: bool = False
    disciplined_in_year: bool = False

    @classmethod
    def of(cls, member: object, year: int, on: date) -> RatingStanding:
        return cls(exempt=_asks(member, "exempt_on", on),
                   suspended=_asks(member, "suspended_on", on),
                   disciplined_in_year=_asks(member, "disciplined_in", year))


@dataclass(frozen=True)
class Rating:
    year: int
    grade: Grade
    points: float | None
    scheme: str
    decided_on: date
    forced_by: tuple[ForcedReason, ...]
    counted_in: UUID | None


class Ratings(MemberState):
    class Rated(RegisterAggregate.Event):
        """``scheme`` names the rating scheme that judged it, ``corrects`` the grade a correction
        replaces, ``counted_in`` the scope whose book counted it for the cap."""

        year: int
        grade: Grade
        points: float | None
        scheme: str
        forced_by: list[ForcedReason]
        corrects: Grade | None
        correction_reason: str | None
        counted_in: UUID | None
        cap_policy: str | None
        decision: Decision | None
        effective_on: date

        def apply(self, member: Ratings) -> None:
            member.ratings[self.year] = Rating(
                self.year, self.grade, self.points, self.scheme, self.effective_on,
                tuple(self.forced_by), self.counted_in)

    @property
    def ratings(self) -> dict[int, Rating]:
        """The rating in force for each year (the latest correction wins)."""
        found: dict[int, Rating] = self.__dict__.setdefault("_ratings", {})
        return found

    def rate(  # noqa: PLR0913
        self, *, year: int, grade: Grade, decided_on: date, scheme: RatingScheme, rules: Rules,
        points: float | None = None, decision: Decision | None = None,
        forced_reason: ForcedReason | None = None, correction_reason: str | None = None,
        counted_in: UUID | None = None, standing: RatingStanding | None = None,
    ) -> None:
        """Rate the member for ``year`` under ``scheme``; a second rating must be a correction."""
        standing = standing or RatingStanding.of(self, year, decided_on)
        _check_dates(year, decided_on, decision)
        self._check_rateable(decided_on, rules, standing)
        previous = self._check_once(year, correction_reason)
        forced = [ForcedReason.DISCIPLINED_IN_YEAR] if standing.disciplined_in_year else []
        forced += [forced_reason] if forced_reason and forced_reason not in forced else []
        check_grade(scheme, grade, points, forced)
        self.trigger_event(  # type: ignore[attr-defined]
            self.Rated, year=year, grade=grade, points=points, scheme=scheme.key, forced_by=forced,
            corrects=previous.grade if previous else None,
            correction_reason=correction_reason.strip() if correction_reason else None,
            counted_in=counted_in, cap_policy=scheme.member_cap.describe() if scheme.member_cap else None,
            decision=decision, effective_on=decided_on)

    def _check_rateable(self, on: date, rules: Rules, standing: RatingStanding) -> None:
        if not self.status.is_member or self.ceremony_on is None:
            raise MemberNotRatedNotAMemberError(f"the record is {self.status.name}, not a member's", field="memberId")
        months = whole_months_between(self.ceremony_on, on)
        if months < rules.min_months_admitted_to_be_rated:
            msg = (f"admitted at the ceremony of {self.ceremony_on}, {months} months before the review"
                   f" of {on}; members admitted less than {rules.min_months_admitted_to_be_rated} months are not rated")
            raise MemberNotRatedRecentlyAdmittedError(msg, field="effectiveOn")
        if standing.suspended:
            raise MemberNotRatedSuspendedError(f"the member is suspended from activity on {on}", field="memberId")
        if standing.exempt:
            raise MemberNotRatedExemptError(f"the member is exempt from party activity on {on}", field="memberId")

    def _check_once(self, year: int, correction_reason: str | None) -> Rating | None:
        previous = self.ratings.get(year)
        correcting = bool(correction_reason and correction_reason.strip())
        if previous and not correcting:
            msg = f"already rated {previous.grade.name} for {year}; a change is a correction with its reason"
            raise AlreadyRatedError(msg, field="year")
        if correcting and previous is None:
            raise NoRatingToCorrectError(f"there is no rating for {year} to correct", field="correctionReason")
        return previous


def check_grade(scheme: RatingScheme, grade: Grade, points: float | None, forced: list[ForcedReason]) -> None:
    """The grade must be NOT_COMPLETED when forced; under a point scale it must match the points."""
    if forced and grade is not Grade.NOT_COMPLETED:
        reasons = ", ".join(r.name for r in forced)
        raise RatingMustBeNotCompletedError(f"{reasons}: the member can only be NOT_COMPLETED", field="grade")
    if scheme.points is None:
        if points is not None:
            raise RatingPointsNotInSchemeError(f"{scheme.key} rates without points", field="points")
        return
    if points is None:
        raise RatingPointsRequiredError(f"{scheme.key} rates on a 100-point scale", field="points")
    exact = Fraction(str(points))
    if not scheme.points.within(exact):
        raise RatingPointsOutOfRangeError(f"{points} is outside 0–{scheme.points.maximum}", field="points")
    if (scored := scheme.points.grade_for(exact)) is not grade and not forced:
        raise RatingPointsDisagreeError(f"{points} points is {scored.name}, not {grade.name}", field="grade")


def _check_dates(year: int, decided_on: date, decision: Decision | None) -> None:
    if decided_on < date(year, 1, 1):
        raise DateOrderError(f"a review of {year} cannot be decided on {decided_on}", field="effectiveOn")
    if decision and decision.date > decided_on:
        raise DateOrderError(f"the decision of {decision.date} comes after {decided_on}", field="decision.date")


def _asks(member: object, name: str, *args: object) -> bool:
    """Ask another part of the member; a part that does not exist answers no."""
    probe = getattr(member, name, None)
    return bool(probe(*args)) if callable(probe) else False


_BOOK_NAMESPACE = uuid5(NAMESPACE_URL, "urn:partyledger:annual-rating-book")


class AnnualRatingBook(RegisterAggregate):
    """The members' grades of one year within one cap scope (a grassroots organisation).

    Saved with each Rated event, so concurrent ratings in one scope are serialised by the
    book's version and the cap holds whatever the order of writers.
    """

    class Opened(RegisterAggregate.Created):
        scope_id: UUID
        year: int

    class GradeCounted(RegisterAggregate.Event):
        member_id: UUID
        grade: Grade
        effective_on: date

        def apply(self, book: AnnualRatingBook) -> None:
            book.grades[self.member_id] = self.grade

    @event(Opened)
    def __init__(self, *, scope_id: UUID, year: int) -> None:
        self.scope_id = scope_id
        self.year = year
        self.grades: dict[UUID, Grade] = {}

    @staticmethod
    def id_for(scope_id: UUID, year: int) -> UUID:
        return uuid5(_BOOK_NAMESPACE, f"{scope_id}/{year}")

    @classmethod
    def open(cls, scope_id: UUID, year: int) -> AnnualRatingBook:
        return cls._create(cls.Opened, id=cls.id_for(scope_id, year), scope_id=scope_id, year=year)  # type: ignore[no-any-return]

    def count(self, grades: Mapping[UUID, Grade], policy: CapPolicy | None, effective_on: date) -> None:
        """Count members' grades; refused when the change adds an EXCELLENT or takes a GOOD away
        and the scope then breaks the cap."""
        after = {**self.grades, **grades}
        if _tally(after, Grade.EXCELLENT) > _tally(self.grades, Grade.EXCELLENT) or (
                _tally(after, Grade.GOOD) < _tally(self.grades, Grade.GOOD)):
            check_excellent_cap(after.values(), policy)
        for member_id, grade in grades.items():
            if self.grades.get(member_id) is not grade:
                self.trigger_event(self.GradeCounted, member_id=member_id, grade=grade, effective_on=effective_on)


def _tally(grades: Mapping[Any, Grade], grade: Grade) -> int:
    return sum(1 for g in grades.values() if g is grade)

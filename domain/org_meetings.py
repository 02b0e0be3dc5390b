"""Part of the Organization aggregate: monthly meeting scores (§2.13.3) and annual ratings (§2.12).

A rating names the scheme that judged it; before 2018 organisations were graded with the older
names (``LegacyOrgGrade``). A collective is NOT_COMPLETED when its leadership collective was
disciplined in the year or more than 20 % of its subordinate units were (§2.9, QĐ 124); that
knowledge lives in other records, so the rating is given it as a ``CollectiveStanding``.
The EXCELLENT cap is counted per peer group by the register (an ``AnnualRatingBook``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from uuid import NAMESPACE_URL, UUID, uuid5

from partyledger.domain.labels import LabelledEnum
from partyledger.domain.aggregate import RegisterAggregate
from partyledger.domain.decision import Decision
from partyledger.domain.errors import DateOrderError, DomainError
from partyledger.domain.meeting_frames import (
    AnnualMeetingGrade,
    FrameVersion,
    MeetingGrade,
    MissingMonths,
    annual_meeting_grade,
    month_of,
    month_start,
    months_between,
)
from partyledger.domain.member_ratings import (
    RatingPointsDisagreeError,
    RatingPointsNotInSchemeError,
    RatingPointsOutOfRangeError,
    RatingPointsRequiredError,
)
from partyledger.domain.organization_kinds import OrganizationKind
from partyledger.domain.organization_state import OrganizationState
from partyledger.domain.rating_schemes import LEGACY_TO_CURRENT, Grade, LegacyOrgGrade, RatingScheme
from partyledger.domain.values import Year


class MeetingBody(LabelledEnum):
    """Cells and their committees each meet monthly (Charter Art 24)."""

    CELL = "Chi bộ"
    CELL_COMMITTEE = "Chi ủy"


class CollectiveForcedReason(LabelledEnum):
    LEADERSHIP_DISCIPLINED = "Tập thể lãnh đạo bị xử lý kỷ luật trong năm"
    SUBORDINATES_DISCIPLINED = "Trên 20% tổ chức đảng trực thuộc bị xử lý kỷ luật trong năm"
    LEADERSHIP_MEMBER_WARNED = "Có thành viên tập thể lãnh đạo bị kỷ luật từ cảnh cáo trở lên"


class MeetingNotHeldHereError(DomainError):
    code = "MEETING_NOT_HELD_BY_ORGANIZATION"


class MeetingAlreadyScoredError(DomainError):
    code = "MEETING_ALREADY_SCORED"


class NoMeetingScoreToCorrectError(DomainError):
    code = "NO_MEETING_SCORE_TO_CORRECT"


class OrganizationNotInExistenceError(DomainError):
    code = "ORGANIZATION_NOT_IN_EXISTENCE"


class OrgAlreadyRatedError(DomainError):
    code = "ORG_ALREADY_RATED"


class NoOrgRatingToCorrectError(DomainError):
    code = "NO_ORG_RATING_TO_CORRECT"


class OrgGradeNotInSchemeError(DomainError):
    code = "ORG_GRADE_NOT_IN_SCHEME"


class OrgRatingMustBeNotCompletedError(DomainError):
    code = "ORG_RATING_MUST_BE_NOT_COMPLETED"


class SubordinateCountsInvalidError(DomainError):
    code = "ORG_SUBORDINATE_COUNTS_INVALID"


@dataclass(frozen=True)
class CollectiveForcing:
    """Which facts force a collective to NOT_COMPLETED under a scheme."""

    subordinate_share: Fraction | None = Fraction(1, 5)
    """More than this share of subordinate units disciplined in the year; None: no such rule."""
    leadership_member_warned: bool = False
    basis: str = ""
    verified: bool = True


COLLECTIVE_FORCING: Mapping[str, CollectiveForcing] = {
    "LEGACY_HD27": CollectiveForcing(basis="applied as under QĐ 124; UNVERIFIED before 2018", verified=False),
    "QD132": CollectiveForcing(
        leadership_member_warned=True, verified=False,
        basis="HD 21-HD/BTCTW (2019) for a leadership member warned; the 20 % share as under QĐ 124, UNVERIFIED"),
    "QD124": CollectiveForcing(basis="QĐ 124-QĐ/TW"),
    "QD366": CollectiveForcing(basis="carried over from QĐ 124; UNVERIFIED under QĐ 366", verified=False),
}


@dataclass(frozen=True)
class CollectiveStanding:
    """What the review must know of the collective's year, from the discipline records."""

    collective_disciplined: bool = False
    disciplined_subordinates: int = 0
    subordinate_count: int = 0
    leadership_member_warned: bool = False

    def forced_by(self, forcing: CollectiveForcing) -> list[CollectiveForcedReason]:
        if not 0 <= self.disciplined_subordinates <= self.subordinate_count:
            msg = (f"{self.disciplined_subordinates} disciplined of {self.subordinate_count} subordinate units:"
                   " the disciplined are counted among the subordinate units")
            raise SubordinateCountsInvalidError(msg, field="disciplinedSubordinates")
        share = forcing.subordinate_share
        return [reason for reason, applies in (
            (CollectiveForcedReason.LEADERSHIP_DISCIPLINED, self.collective_disciplined),
            (CollectiveForcedReason.SUBORDINATES_DISCIPLINED, share is not None and self.subordinate_count > 0
             and Fraction(self.disciplined_subordinates, self.subordinate_count) > share),
            (CollectiveForcedReason.LEADERSHIP_MEMBER_WARNED,
             forcing.leadership_member_warned and self.leadership_member_warned),
        ) if applies]


class PeerGrouping(Enum):
    """Which organisations an EXCELLENT is counted among ("cùng vai trò, chức năng", QĐ 124)."""

    KIND_UNDER_SUPERIOR = "organisations of the same kind under the same superior (the default)"
    KIND_AND_SECTOR_UNDER_SUPERIOR = "of the same kind and sector under the same superior"
    SUPERIOR = "every organisation under the same superior"


_PEER_NAMESPACE = uuid5(NAMESPACE_URL, "urn:partyledger:organisation-peer-group")


@dataclass(frozen=True)
class PeerGroup:
    superior_id: UUID | None
    kind: OrganizationKind | None = None
    sector: str | None = None

    @property
    def id(self) -> UUID:
        """The scope of the group's rating book; never an organisation's own id."""
        kind = self.kind.name if self.kind else "*"
        return uuid5(_PEER_NAMESPACE, f"{self.superior_id}/{kind}/{self.sector or '*'}")

    def describe(self) -> str:
        kind = self.kind.name if self.kind else "every kind"
        sector = f", sector {self.sector}" if self.sector else ""
        return f"{kind}{sector} under {self.superior_id or 'the top of the tree'}"

    @classmethod
    def of(cls, kind: OrganizationKind, superior_id: UUID | None, sector: str | None,
           grouping: PeerGrouping) -> PeerGroup:
        if grouping is PeerGrouping.SUPERIOR:
            return cls(superior_id)
        return cls(superior_id, kind, sector if grouping is PeerGrouping.KIND_AND_SECTOR_UNDER_SUPERIOR else None)


@dataclass(frozen=True)
class MeetingScore:
    month: str
    body: MeetingBody
    scores: Mapping[str, Decimal]
    total: Decimal
    out_of: Decimal
    grade: MeetingGrade
    frame_version: int
    scored_on: date
    correction_reason: str | None = None

    @property
    def percent(self) -> Fraction:
        return Fraction(self.total) * 100 / Fraction(self.out_of)


@dataclass(frozen=True)
class OrganizationRating:
    year: int
    grade: Grade | LegacyOrgGrade
    points: float | None
    scheme: str
    decided_on: date
    forced_by: tuple[CollectiveForcedReason, ...] = ()
    counted_in: UUID | None = None
    peer_group: str | None = None
    decision: Decision | None = None
    correction_reason: str | None = None

    @property
    def current_grade(self) -> Grade:
        """The grade in today's names (a legacy grade through the dated mapping)."""
        return LEGACY_TO_CURRENT.current(self.grade) if isinstance(self.grade, LegacyOrgGrade) else self.grade


class MeetingsAndRatings(OrganizationState):
    class MeetingScored(RegisterAggregate.Event):
        month: str
        body: MeetingBody
        scores: dict[str, Decimal]
        total: Decimal
        out_of: Decimal
        grade: MeetingGrade
        frame_version: int
        corrects: MeetingGrade | None
        correction_reason: str | None
        effective_on: date

        def apply(self, organization: MeetingsAndRatings) -> None:
            organization.meeting_scores[(self.body, self.month)] = MeetingScore(
                self.month, self.body, dict(self.scores), self.total, self.out_of, self.grade,
                self.frame_version, self.effective_on, self.correction_reason)

    class Rated(RegisterAggregate.Event):
        """``counted_in`` is the rating book of the peer group (``peer_group`` says which)."""

        year: int
        grade: Grade | LegacyOrgGrade
        points: float | None
        scheme: str
        forced_by: list[CollectiveForcedReason]
        corrects: Grade | LegacyOrgGrade | None
        correction_reason: str | None
        counted_in: UUID | None
        peer_group: str | None
        cap_policy: str | None
        decision: Decision | None
        effective_on: date

        def apply(self, organization: MeetingsAndRatings) -> None:
            organization.ratings[self.year] = OrganizationRating(
                self.year, self.grade, self.points, self.scheme, self.effective_on, tuple(self.forced_by),
                self.counted_in, self.peer_group, self.decision, self.correction_reason)

    @property
    def meeting_scores(self) -> dict[tuple[MeetingBody, str], MeetingScore]:
        """The score in force for each body's month (the latest correction wins)."""
        found: dict[tuple[MeetingBody, str], MeetingScore] = self.__dict__.setdefault("_meeting_scores", {})
        return found

    @property
    def ratings(self) -> dict[int, OrganizationRating]:
        found: dict[int, OrganizationRating] = self.__dict__.setdefault("_org_ratings", {})
        return found

    # -- meetings ------------------------------------------------------------------------------

    def record_meeting_score(  # noqa: PLR0913
        self, *, month: str, scores: Mapping[str, object], frame: FrameVersion, effective_on: date,
        body: MeetingBody = MeetingBody.CELL, correction_reason: str | None = None,
    ) -> None:
        """Score the month's meeting on the frame in force that month; once, unless corrected."""
        self._check_meets(month_start(month), effective_on)
        previous = self._check_month_once(body, month, correction_reason)
        exact = frame.frame.check(scores)
        self.trigger_event(  # type: ignore[attr-defined]
            self.MeetingScored, month=month, body=body, scores=exact, total=sum(exact.values(), Decimal(0)),
            out_of=frame.frame.total, grade=frame.frame.grade(exact), frame_version=frame.version,
            corrects=previous.grade if previous else None,
            correction_reason=correction_reason.strip() if correction_reason else None, effective_on=effective_on)

    def annual_meeting_grade(
        self, year: int, *, body: MeetingBody = MeetingBody.CELL,
        missing: MissingMonths = MissingMonths.COUNT_AS_ZERO, through: date | None = None,
    ) -> AnnualMeetingGrade:
        """The year's grade over the months the organisation existed, up to ``through``."""
        year = Year.parse(year, field="year")
        ended_on: date | None = getattr(self, "ended_on", None)
        last = min(d for d in (date(year, 12, 31), ended_on, through) if d is not None)
        first = max(date(year, 1, 1), self.founded_on.replace(day=1))
        months = months_between(first, last) if first <= last else ()
        monthly = {m: s.percent for (b, m), s in self.meeting_scores.items() if b is body and m in months}
        return annual_meeting_grade(year, monthly, months, missing)

    def _check_meets(self, first_day: date, effective_on: date) -> None:
        if not self.kind.holds_members:
            raise MeetingNotHeldHereError(f"a {self.kind.name} holds no cell meetings", field="organizationId")
        ended_on: date | None = getattr(self, "ended_on", None)
        if first_day < self.founded_on.replace(day=1) or (ended_on and first_day > ended_on):
            msg = f"{self.name} did not exist in {month_of(first_day)}"
            raise OrganizationNotInExistenceError(msg, field="month")
        if effective_on < first_day:
            raise DateOrderError(f"the meeting of {month_of(first_day)} cannot be scored on {effective_on}",
                                 field="effectiveOn")

    def _check_month_once(self, body: MeetingBody, month: str, correction_reason: str | None) -> MeetingScore | None:
        previous = self.meeting_scores.get((body, month))
        correcting = bool(correction_reason and correction_reason.strip())
        if previous and not correcting:
            msg = f"the {body.name} meeting of {month} is already scored {previous.grade.name}; a change is a correction"
            raise MeetingAlreadyScoredError(msg, field="month")
        if correcting and previous is None:
            raise NoMeetingScoreToCorrectError(f"no {body.name} meeting of {month} to correct", field="correctionReason")
        return previous

    # -- the annual rating ---------------------------------------------------------------------

    def rate(  # noqa: PLR0913
        self, *, year: int, grade: Grade | LegacyOrgGrade, decided_on: date, scheme: RatingScheme,
        standing: CollectiveStanding, forcing: CollectiveForcing, points: float | None = None,
        decision: Decision | None = None, correction_reason: str | None = None,
        peer_group: PeerGroup | None = None,
    ) -> None:
        """Rate the organisation for ``year`` under ``scheme``; a second rating is a correction."""
        self._check_rating_dates(year, decided_on, decision)
        previous = self._check_year_once(year, correction_reason)
        forced = standing.forced_by(forcing)
        current = _current(grade, scheme)
        if forced and current is not Grade.NOT_COMPLETED:
            reasons = ", ".join(r.name for r in forced)
            raise OrgRatingMustBeNotCompletedError(f"{reasons}: the organisation can only be NOT_COMPLETED",
                                                   field="grade")
        _check_points(scheme, current, points, forced=bool(forced))
        counted_in = previous.counted_in if previous else peer_group.id if peer_group else None
        described = previous.peer_group if previous else peer_group.describe() if peer_group else None
        self.trigger_event(  # type: ignore[attr-defined]
            self.Rated, year=year, grade=grade, points=points, scheme=scheme.key, forced_by=forced,
            corrects=previous.grade if previous else None,
            correction_reason=correction_reason.strip() if correction_reason else None,
            counted_in=counted_in, peer_group=described,
            cap_policy=scheme.collective_cap.describe() if scheme.collective_cap else None,
            decision=decision, effective_on=decided_on)

    def _check_rating_dates(self, year: int, decided_on: date, decision: Decision | None) -> None:
        ended_on: date | None = getattr(self, "ended_on", None)
        if self.founded_on > date(year, 12, 31) or (ended_on and ended_on < date(year, 1, 1)):
            raise OrganizationNotInExistenceError(f"{self.name} did not exist in {year}", field="year")
        if decided_on < date(year, 1, 1):
            raise DateOrderError(f"a review of {year} cannot be decided on {decided_on}", field="effectiveOn")
        if decision and decision.date > decided_on:
            raise DateOrderError(f"the decision of {decision.date} comes after {decided_on}", field="decision.date")

    def _check_year_once(self, year: int, correction_reason: str | None) -> OrganizationRating | None:
        previous = self.ratings.get(year)
        correcting = bool(correction_reason and correction_reason.strip())
        if previous and not correcting:
            msg = f"already rated {previous.grade.name} for {year}; a change is a correction with its reason"
            raise OrgAlreadyRatedError(msg, field="year")
        if correcting and previous is None:
            raise NoOrgRatingToCorrectError(f"there is no rating for {year} to correct", field="correctionReason")
        return previous


def _current(grade: Grade | LegacyOrgGrade, scheme: RatingScheme) -> Grade:
    """The grade in today's names, once it is one of the scheme's organisation grades."""
    if not isinstance(grade, scheme.organization_grades):
        names = ", ".join(g.name for g in scheme.organization_grades)
        raise OrgGradeNotInSchemeError(f"{scheme.key} grades organisations {names}", field="grade")
    return LEGACY_TO_CURRENT.current(grade) if isinstance(grade, LegacyOrgGrade) else grade


def _check_points(scheme: RatingScheme, grade: Grade, points: float | None, *, forced: bool) -> None:
    """Under a point scale the points are required, within it, and agree with the grade unless
    the grade is forced (the rule the members' ratings follow)."""
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


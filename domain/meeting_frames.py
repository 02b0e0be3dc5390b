"""The frame that scores a cell's monthly meeting (DOMAIN.md §2.13.3), as tenant configuration.

A meeting scores up to the frame's total (100 points) over its criteria. GOOD needs 90 % of the
total and every criterion marked ``required_for_good`` at its maximum; FAIR is 70 % to < 90 %,
or ≥ 90 % without those maxima; AVERAGE 50 % to < 70 %; POOR below. Frames are province-specific
and change: each configuration applies from a month, and a month is scored with the frame in
force in it. The year's meeting grade is judged on the monthly average (Hòa Bình, QĐ 31-QĐi/TU).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import Enum
from fractions import Fraction
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from partyledger.domain.labels import LabelledEnum
from partyledger.domain.aggregate import RegisterAggregate
from partyledger.domain.decision import Decision
from partyledger.domain.errors import DateOrderError, DomainError

HUNDRED = Decimal(100)
BANDS = (Fraction(90), Fraction(70), Fraction(50))
"""Floors of GOOD, FAIR and AVERAGE, in percent of the frame's total."""


class MeetingGrade(LabelledEnum):
    GOOD = "Tốt"
    FAIR = "Khá"
    AVERAGE = "Trung bình"
    POOR = "Kém"


class MissingMonths(Enum):
    """How a month without a recorded score counts in the year's average."""

    COUNT_AS_ZERO = "a month without a score counts as 0 points (the stricter reading, the default)"
    EXCLUDED = "the average is taken over the months scored only"


class MeetingFrameInvalidError(DomainError):
    code = "MEETING_FRAME_INVALID"


class MeetingMonthInvalidError(DomainError):
    code = "MEETING_MONTH_INVALID"


class MeetingScoreInvalidError(DomainError):
    code = "MEETING_SCORE_INVALID"


_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])", re.ASCII)


def month_start(month: str, *, field: str = "month") -> date:
    """The first day of a ``YYYY-MM`` month."""
    found = _MONTH.fullmatch(month)
    if not found or found[1] == "0000":  # there is no year 0
        raise MeetingMonthInvalidError(f"{month!r} is not a month written YYYY-MM", field=field)
    return date(int(found[1]), int(found[2]), 1)


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def points(value: object, *, field: str, error: type[DomainError] = MeetingScoreInvalidError) -> Decimal:
    """A number of points, exactly as written (floats are read through their shortest text)."""
    try:
        exact = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise error(f"{value!r} is not a number of points", field=field) from None
    if not exact.is_finite():
        raise error(f"{value!r} is not a number of points", field=field)
    return exact


@dataclass(frozen=True)
class Criterion:
    """One line of the frame; ``name`` is the key scores are given under."""

    name: str
    max_points: Decimal
    required_for_good: bool = False
    label: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "max_points", points(self.max_points, field="criteria", error=MeetingFrameInvalidError))


@dataclass(frozen=True)
class MeetingFrame:
    criteria: tuple[Criterion, ...]
    total: Decimal = HUNDRED
    basis: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "criteria", tuple(self.criteria))  # JSON gives back a list
        object.__setattr__(self, "total", points(self.total, field="criteria", error=MeetingFrameInvalidError))
        names = [c.name for c in self.criteria]
        problem = (
            "a frame needs at least one criterion" if not names
            else "every criterion needs a name" if any(not n.strip() for n in names)
            else "criterion names must differ" if len(set(names)) != len(names)
            else "every criterion's maximum must be above 0" if any(c.max_points <= 0 for c in self.criteria)
            else f"the maxima add up to {sum(c.max_points for c in self.criteria)}, not {self.total}"
            if sum(c.max_points for c in self.criteria) != self.total else None)
        if problem:
            raise MeetingFrameInvalidError(problem, field="criteria")

    def check(self, scores: Mapping[str, object]) -> dict[str, Decimal]:
        """The scores, exact, once each criterion has one within 0..its maximum and no other."""
        given, wanted = set(scores), {c.name for c in self.criteria}
        if given != wanted:
            missing, unknown = ", ".join(sorted(wanted - given)), ", ".join(sorted(given - wanted))
            msg = "; ".join(part for part in (missing and f"no score for {missing}",
                                              unknown and f"not in the frame: {unknown}") if part)
            raise MeetingScoreInvalidError(msg, field="scores")
        exact = {c.name: points(scores[c.name], field="scores") for c in self.criteria}
        for criterion in self.criteria:
            if not 0 <= exact[criterion.name] <= criterion.max_points:
                msg = f"{criterion.name}: {exact[criterion.name]} is outside 0–{criterion.max_points}"
                raise MeetingScoreInvalidError(msg, field="scores")
        return exact

    def grade(self, scores: Mapping[str, Decimal]) -> MeetingGrade:
        required = all(scores[c.name] == c.max_points for c in self.criteria if c.required_for_good)
        return meeting_grade(self.percent(sum(scores.values(), Decimal(0))), required_at_max=required)

    def percent(self, total: Decimal) -> Fraction:
        """Points in percent of the frame's total, exactly."""
        return Fraction(total) * 100 / Fraction(self.total)


def meeting_grade(percent_of_total: Fraction, *, required_at_max: bool) -> MeetingGrade:
    """A month's grade from its points in percent of the frame's total (§2.13.3)."""
    good, fair, average = BANDS
    if percent_of_total >= good and required_at_max:
        return MeetingGrade.GOOD
    if percent_of_total >= fair:
        return MeetingGrade.FAIR
    return MeetingGrade.AVERAGE if percent_of_total >= average else MeetingGrade.POOR


DEFAULT_MEETING_FRAME = MeetingFrame(
    criteria=(
        Criterion("ATTENDANCE_RATE", Decimal(10), True, "Tỷ lệ đảng viên dự sinh hoạt"),
        Criterion("PREPARATION", Decimal(20), False, "Công tác chuẩn bị sinh hoạt"),
        Criterion("ORDER_AND_CONTENT", Decimal(20), False, "Đúng thời điểm, trình tự; đủ nội dung"),
        Criterion("MEETING_DURATION", Decimal(10), True, "Thời gian sinh hoạt (từ 90 phút)"),
        Criterion("MEMBERS_SPEAKING", Decimal(10), True, "Đảng viên tham gia ý kiến"),
        Criterion("MINUTES", Decimal(10), True, "Ghi chép biên bản sinh hoạt"),
        Criterion("PARTY_PRINCIPLES", Decimal(10), False, "Thực hiện nguyên tắc tổ chức, sinh hoạt đảng"),
        Criterion("RESOLUTION_CARRIED_OUT", Decimal(10), False, "Kết luận, nghị quyết được thực hiện"),
    ),
    basis="criteria of HD 12-HD/BTCTW (2018); the points per criterion are UNVERIFIED, set the "
          "province's own frame",
)


@dataclass(frozen=True)
class FrameVersion:
    """A frame and the month it applies from; version 0 is the default, never configured."""

    version: int
    applies_from: str
    frame: MeetingFrame


DEFAULT_FRAME_VERSION = FrameVersion(0, "0001-01", DEFAULT_MEETING_FRAME)


def frame_in_force(versions: Iterable[FrameVersion], month: str) -> FrameVersion:
    """The frame a month is scored with: the latest configured to apply from that month or
    before (a later configuration for the same month replaces the earlier)."""
    applicable = [v for v in versions if v.applies_from <= month]
    return max(applicable, key=lambda v: (v.applies_from, v.version), default=DEFAULT_FRAME_VERSION)


_SCHEDULE_NAMESPACE = uuid5(NAMESPACE_URL, "urn:partyledger:meeting-frame-schedule")


class MeetingFrameSchedule(RegisterAggregate):
    """The tenant's meeting frames, each applying from a month. One per tenant."""

    class Opened(RegisterAggregate.Created):
        tenant: str

    class MeetingFrameConfigured(RegisterAggregate.Event):
        frame: MeetingFrame
        applies_from: str
        version: int
        decision: Decision | None
        effective_on: date

        def apply(self, schedule: MeetingFrameSchedule) -> None:
            schedule.versions.append(FrameVersion(self.version, self.applies_from, self.frame))

    @event(Opened)
    def __init__(self, *, tenant: str) -> None:
        self.tenant = tenant
        self.versions: list[FrameVersion] = []

    @staticmethod
    def id_for(tenant: str) -> UUID:
        return uuid5(_SCHEDULE_NAMESPACE, tenant)

    @classmethod
    def open(cls, tenant: str) -> MeetingFrameSchedule:
        return cls._create(cls.Opened, id=cls.id_for(tenant), tenant=tenant)  # type: ignore[no-any-return]

    def configure(
        self, frame: MeetingFrame, *, applies_from: str, effective_on: date, decision: Decision | None,
    ) -> None:
        """Apply ``frame`` from the month ``applies_from``; months already scored keep their scores."""
        month_start(applies_from, field="appliesFrom")
        if decision and decision.date > effective_on:
            raise DateOrderError(f"the decision of {decision.date} comes after {effective_on}", field="decision.date")
        self.trigger_event(self.MeetingFrameConfigured, frame=frame, applies_from=applies_from,
                           version=len(self.versions) + 1, decision=decision, effective_on=effective_on)

    def in_force(self, month: str) -> FrameVersion:
        return frame_in_force(self.versions, month)


@dataclass(frozen=True)
class AnnualMeetingGrade:
    """The year's meeting grade from the monthly average; ``grade`` is None when no month counts."""

    year: int
    grade: MeetingGrade | None
    average: Decimal | None
    months_counted: tuple[str, ...]
    months_missing: tuple[str, ...]
    missing: MissingMonths


def annual_meeting_grade(
    year: int, monthly: Mapping[str, Fraction], months: Sequence[str],
    missing: MissingMonths = MissingMonths.COUNT_AS_ZERO,
) -> AnnualMeetingGrade:
    """Grade a year on the average of ``monthly`` (percent of each month's frame) over ``months``,
    the months the organisation was expected to meet. By the bands of a month, without the
    required maxima (the average is what Hòa Bình's rule judges)."""
    absent = tuple(m for m in months if m not in monthly)
    counted = tuple(m for m in months if m in monthly or missing is MissingMonths.COUNT_AS_ZERO)
    if not counted:
        return AnnualMeetingGrade(year, None, None, counted, absent, missing)
    average = sum((monthly.get(m, Fraction(0)) for m in counted), Fraction(0)) / len(counted)
    shown = (Decimal(average.numerator) / Decimal(average.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP)  # only the average shown is rounded, never the one graded
    return AnnualMeetingGrade(year, meeting_grade(average, required_at_max=True), shown, counted, absent, missing)


def months_between(first: date, last: date) -> tuple[str, ...]:
    """The months from ``first``'s to ``last``'s, both included."""
    found, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(found)

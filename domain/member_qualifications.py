"""Part of the Member aggregate: qualifications, dated, and the committee seats the member holds.

Each qualification (general education, professional, political theory: glossary §1.2) is
recorded from a date, so a target such as "85 % of the committee at least elementary political
theory" is checked as of any date. A level never goes down unless the record is a correction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from uuid import UUID

from partyledger.domain.labels import LabelledEnum
from partyledger.domain.aggregate import RegisterAggregate
from partyledger.domain.errors import DomainError
from partyledger.domain.member_state import MemberState
from partyledger.domain.org_committee import Position, SeatEndCause


class QualificationKind(LabelledEnum):
    GENERAL_EDUCATION = "Trình độ giáo dục phổ thông"
    PROFESSIONAL = "Trình độ chuyên môn"
    POLITICAL_THEORY = "Trình độ lý luận chính trị"


class GeneralEducation(Enum):
    PRIMARY = "Tiểu học"
    LOWER_SECONDARY = "Trung học cơ sở"
    UPPER_SECONDARY = "Trung học phổ thông"


class ProfessionalQualification(Enum):
    NONE = "Chưa qua đào tạo"
    VOCATIONAL = "Trung cấp"
    COLLEGE = "Cao đẳng"
    BACHELOR = "Đại học"
    MASTER = "Thạc sĩ"
    DOCTOR = "Tiến sĩ"


class PoliticalTheoryLevel(Enum):
    ELEMENTARY = "Sơ cấp"
    INTERMEDIATE = "Trung cấp"
    ADVANCED = "Cao cấp"
    BACHELOR = "Cử nhân"


Level = GeneralEducation | ProfessionalQualification | PoliticalTheoryLevel
LEVELS: dict[QualificationKind, type[Enum]] = {
    QualificationKind.GENERAL_EDUCATION: GeneralEducation,
    QualificationKind.PROFESSIONAL: ProfessionalQualification,
    QualificationKind.POLITICAL_THEORY: PoliticalTheoryLevel,
}


def rank(level: Level) -> int:
    """A level's place in its scale. A bachelor's degree in political theory stands with the
    advanced level (cao cấp), not above it [K]."""
    if level is PoliticalTheoryLevel.BACHELOR:
        return rank(PoliticalTheoryLevel.ADVANCED)
    return list(type(level)).index(level)


class QualificationLevelUnknownError(DomainError):
    code = "QUALIFICATION_LEVEL_UNKNOWN"


class QualificationLevelDecreasedError(DomainError):
    code = "QUALIFICATION_LEVEL_DECREASED"


def parse_level(kind: QualificationKind, name: str) -> Level:
    """The level called ``name`` in ``kind``'s scale."""
    scale = LEVELS[kind]
    if name not in scale.__members__:
        msg = f"{name!r} is not a {kind.name} level; one of {', '.join(scale.__members__)}"
        raise QualificationLevelUnknownError(msg, field="level")
    return scale[name]  # type: ignore[return-value]


@dataclass(frozen=True)
class QualificationRecord:
    kind: QualificationKind
    level: Level
    since: date
    evidence: str | None = None
    correction_reason: str | None = None


@dataclass(frozen=True)
class SeatReference:
    organization_id: UUID
    seat_ref: UUID


@dataclass(frozen=True)
class QualificationShare:
    """How many of ``holders`` meet a level; ``percent`` rounded half-up to 2 decimals (§5)."""

    meeting: int
    holders: int

    @property
    def percent(self) -> Decimal | None:
        if self.holders == 0:
            return None
        cents, _ = divmod(2 * 10_000 * self.meeting + self.holders, 2 * self.holders)
        return Decimal(cents).scaleb(-2)


def qualification_share(levels: Iterable[Level | None], at_least: Level) -> QualificationShare:
    """The share of holders (one level each, None when none is recorded) at ``at_least`` or above."""
    given = list(levels)
    meeting = sum(1 for lv in given if type(lv) is type(at_least) and rank(lv) >= rank(at_least))
    return QualificationShare(meeting=meeting, holders=len(given))


class Qualifications(MemberState):
    qualifications: tuple[QualificationRecord, ...] = ()
    seats: tuple[SeatReference, ...] = ()  # the committee seats held, not yet ended

    class QualificationRecorded(RegisterAggregate.Event):
        kind: QualificationKind
        level: Level
        evidence: str | None
        correction_reason: str | None
        effective_on: date

        def apply(self, member: Qualifications) -> None:
            record = QualificationRecord(self.kind, self.level, self.effective_on, self.evidence,
                                         self.correction_reason)
            member.qualifications = (*member.qualifications, record)

    class SeatTaken(RegisterAggregate.Event):
        organization_id: UUID
        seat_ref: UUID
        position: Position
        effective_on: date

        def apply(self, member: Qualifications) -> None:
            member.seats = (*member.seats, SeatReference(self.organization_id, self.seat_ref))

    class SeatEnded(RegisterAggregate.Event):
        organization_id: UUID
        seat_ref: UUID
        cause: SeatEndCause
        effective_on: date

        def apply(self, member: Qualifications) -> None:
            ended = SeatReference(self.organization_id, self.seat_ref)
            member.seats = tuple(s for s in member.seats if s != ended)

    def qualification_as_of(self, kind: QualificationKind, day: date) -> Level | None:
        """The level of ``kind`` in force on ``day``: the latest recorded from that day or before."""
        record = self._record_as_of(kind, day)
        return record.level if record else None

    def qualifications_as_of(self, day: date) -> list[QualificationRecord]:
        return [r for k in QualificationKind if (r := self._record_as_of(k, day))]

    def record_qualification(
        self, *, kind: QualificationKind, level: Level, effective_on: date,
        evidence: str | None = None, correction_reason: str | None = None,
    ) -> None:
        """Record a level from ``effective_on``; a lower level than the one before it (or a
        higher one than recorded after it) is accepted only as a correction, with its reason."""
        if not isinstance(level, LEVELS[kind]):
            raise QualificationLevelUnknownError(f"{level.name} is not a {kind.name} level", field="level")
        reason = (correction_reason or "").strip() or None
        before = self.qualification_as_of(kind, effective_on)
        after = [r.level for r in self.qualifications if r.kind is kind and r.since > effective_on]
        if reason is None and (before and rank(level) < rank(before) or any(rank(level) > rank(a) for a in after)):
            msg = f"{kind.name} would go down to {level.name}; a correction must state its reason"
            raise QualificationLevelDecreasedError(msg, field="correctionReason")
        self.trigger_event(self.QualificationRecorded, kind=kind, level=level,  # type: ignore[attr-defined]
                           evidence=(evidence or "").strip() or None, correction_reason=reason,
                           effective_on=effective_on)

    def take_seat(self, *, organization_id: UUID, seat_ref: UUID, position: Position, effective_on: date) -> None:
        self.trigger_event(self.SeatTaken, organization_id=organization_id, seat_ref=seat_ref,  # type: ignore[attr-defined]
                           position=position, effective_on=effective_on)

    def end_seat(self, *, organization_id: UUID, seat_ref: UUID, cause: SeatEndCause, effective_on: date) -> None:
        if SeatReference(organization_id, seat_ref) in self.seats:
            self.trigger_event(self.SeatEnded, organization_id=organization_id, seat_ref=seat_ref,  # type: ignore[attr-defined]
                               cause=cause, effective_on=effective_on)

    def _record_as_of(self, kind: QualificationKind, day: date) -> QualificationRecord | None:
        found = [r for r in self.qualifications if r.kind is kind and r.since <= day]
        return max(reversed(found), key=lambda r: r.since) if found else None

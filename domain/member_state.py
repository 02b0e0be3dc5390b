"""The state a member's record keeps, shared by the parts of the Member aggregate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum
from uuid import UUID

from partyledger.domain.labels import LabelledEnum
from partyledger.domain.decision import Decision
from partyledger.domain.votes import VoteTally


class MemberStatus(LabelledEnum):
    CANDIDATE = "Quần chúng ưu tú đang xem xét kết nạp"
    CANDIDACY_CLOSED = "Không kết nạp / rút đơn"
    ADMITTED_PENDING_CEREMONY = "Đã có quyết định kết nạp, chờ lễ kết nạp"
    PROBATIONARY = "Đảng viên dự bị"
    OFFICIAL = "Đảng viên chính thức"
    EXITED = "Đã ra khỏi Đảng"
    DECEASED = "Từ trần"

    @property
    def is_member(self) -> bool:
        return self in (MemberStatus.PROBATIONARY, MemberStatus.OFFICIAL)


class IntroducerKind(Enum):
    OFFICIAL_MEMBER = "Đảng viên chính thức"
    YOUTH_UNION_COMMITTEE = "Ban Chấp hành Đoàn cơ sở"
    TRADE_UNION_COMMITTEE = "Ban Chấp hành Công đoàn cơ sở"


@dataclass(frozen=True)
class Introducer:
    """Who introduces an applicant: an official member (with the date from which they have
    worked, studied or lived in the same unit as the applicant), or a Youth Union / trade-union
    committee."""

    kind: IntroducerKind
    member_id: UUID | None = None
    committee_name: str | None = None
    together_since: date | None = None


@dataclass(frozen=True)
class Resolution:
    """A body's resolution (nghị quyết): when it was passed and the full tally."""

    on: date
    vote: VoteTally


@dataclass(frozen=True)
class ExcludedInterval:
    """A period that does not count towards party age (§2.4); ``end`` None while it lasts."""

    start: date
    end: date | None
    cause: str


class MemberState:
    """Attributes every part of the aggregate reads. Set by the creating event."""

    full_name: str
    birth_date: date
    cell_id: UUID
    status: MemberStatus
    introducers: tuple[Introducer, ...]
    applied_on: date
    cell_resolution: Resolution | None
    grassroots_resolution: Resolution | None
    admitted_on: date | None  # the admission decision's date: anchors party age
    decision_received_on: date | None
    ceremony_on: date | None  # anchors probation
    recognized_on: date | None
    party_card_number: str | None
    citizen_id: str | None
    excluded: list[ExcludedInterval]

    def init_state(self, *, full_name: str, birth_date: date, cell_id: UUID, applied_on: date,
                   introducers: tuple[Introducer, ...]) -> None:
        self.full_name, self.birth_date, self.cell_id = full_name, birth_date, cell_id
        self.applied_on, self.introducers = applied_on, tuple(introducers)
        self.status = MemberStatus.CANDIDATE
        self.cell_resolution = self.grassroots_resolution = None
        self.admitted_on = self.decision_received_on = self.ceremony_on = None
        self.recognized_on = None
        self.party_card_number = None
        self.excluded = []

"""The party member: admission, probation and recognition as an official member (DOMAIN.md §2.1–2.3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum
from uuid import UUID

from eventsourcing.domain import event

from partyledger.domain.aggregate import RegisterAggregate
from partyledger.domain.calendar_months import add_months
from partyledger.domain.decision import Decision
from partyledger.domain.errors import (
    DateOrderError,
    IntroducerNotOfficialError,
    IntroducersInvalidError,
    MemberNotProbationaryError,
    ProbationNotElapsedError,
)

PROBATION_MONTHS = 12
"""Charter Art. 5.1 (2011 text, kept by the 12th and 13th Congresses): twelve months from the ceremony."""


class MemberStatus(Enum):
    PROBATIONARY = "Đảng viên dự bị"
    OFFICIAL = "Đảng viên chính thức"

    @property
    def label(self) -> str:
        return self.value


class IntroducerKind(Enum):
    OFFICIAL_MEMBER = "Đảng viên chính thức"
    YOUTH_UNION_COMMITTEE = "Ban Chấp hành Đoàn cơ sở"
    TRADE_UNION_COMMITTEE = "Ban Chấp hành Công đoàn cơ sở"


@dataclass(frozen=True)
class Introducer:
    """Who introduces an applicant: an official member, or a Youth Union / trade-union committee."""

    kind: IntroducerKind
    member_id: UUID | None = None
    committee_name: str | None = None


def check_introducers(introducers: tuple[Introducer, ...], officials: frozenset[UUID]) -> None:
    """Two introducers: two official members, or one committee and one official member (§2.2).

    ``officials`` is the set of introducer ids that are official members of the register.
    """
    members = [i.member_id for i in introducers if i.kind is IntroducerKind.OFFICIAL_MEMBER]
    committees = [i for i in introducers if i.kind is not IntroducerKind.OFFICIAL_MEMBER]
    if len(introducers) != 2 or len(committees) > 1 or len(set(members)) != len(members):
        msg = "an admission needs two introducers: two official members, or a committee and one"
        raise IntroducersInvalidError(msg, field="introducers")
    if any(not (c.committee_name or "").strip() for c in committees):
        raise IntroducersInvalidError("a committee introducer needs its name", field="introducers")
    for member_id in members:
        if member_id is None or member_id not in officials:
            msg = f"introducer {member_id} is not an official member"
            raise IntroducerNotOfficialError(msg, field="introducers")


class Member(RegisterAggregate):
    """A party member's record in one register: the member's own event stream is its history."""

    class RecognizedAsOfficial(RegisterAggregate.Event):
        cell_resolution_on: date
        decision: Decision
        effective_on: date

    class Admitted(RegisterAggregate.Created):
        full_name: str
        birth_date: date
        cell_id: UUID
        introducers: list[Introducer]  # a list: JSON, and so the stored event, has no tuples
        decision: Decision
        effective_on: date
        ceremony_on: date

        def apply(self, member: Member) -> None:
            member.start(self.full_name, self.birth_date, self.cell_id, self.decision.date,
                         self.ceremony_on, None)

    class Enrolled(RegisterAggregate.Created):
        """A member admitted before this register existed, entered from earlier records."""

        full_name: str
        birth_date: date
        cell_id: UUID
        admitted_on: date
        ceremony_on: date
        recognized_on: date | None
        effective_on: date

        def apply(self, member: Member) -> None:
            member.start(self.full_name, self.birth_date, self.cell_id, self.admitted_on,
                         self.ceremony_on, self.recognized_on)

    def start(  # noqa: PLR0913
        self, full_name: str, birth_date: date, cell_id: UUID, admitted_on: date,
        ceremony_on: date, recognized_on: date | None,
    ) -> None:
        self.full_name = full_name
        self.birth_date = birth_date
        self.cell_id = cell_id
        self.admitted_on = admitted_on
        self.ceremony_on = ceremony_on
        self.recognized_on = recognized_on
        self.status = MemberStatus.OFFICIAL if recognized_on else MemberStatus.PROBATIONARY

    @classmethod
    def admit(  # noqa: PLR0913
        cls,
        *,
        full_name: str,
        birth_date: date,
        cell_id: UUID,
        introducers: tuple[Introducer, ...],
        officials: frozenset[UUID],
        decision: Decision,
        effective_on: date,
        ceremony_on: date,
    ) -> Member:
        """Admit an applicant by the decision; probation starts at the ceremony (Charter Art. 5.1)."""
        check_introducers(introducers, officials)
        _check_order(birth_date, decision.date, "birthDate", "the admission decision")
        _check_order(decision.date, effective_on, "effectiveOn", "the decision's effect")
        _check_order(effective_on, ceremony_on, "ceremonyOn", "the admission ceremony")
        return cls._create(
            cls.Admitted, full_name=full_name.strip(), birth_date=birth_date, cell_id=cell_id,
            introducers=list(introducers), decision=decision, effective_on=effective_on,
            ceremony_on=ceremony_on,
        )

    @classmethod
    def enroll(  # noqa: PLR0913
        cls, *, full_name: str, birth_date: date, cell_id: UUID, admitted_on: date,
        ceremony_on: date, recognized_on: date | None,
    ) -> Member:
        _check_order(birth_date, admitted_on, "birthDate", "the admission")
        _check_order(admitted_on, ceremony_on, "ceremonyOn", "the admission ceremony")
        if recognized_on is not None:
            _check_probation(ceremony_on, recognized_on)
        return cls._create(
            cls.Enrolled, full_name=full_name.strip(), birth_date=birth_date, cell_id=cell_id,
            admitted_on=admitted_on, ceremony_on=ceremony_on, recognized_on=recognized_on,
            effective_on=recognized_on or ceremony_on,
        )

    @property
    def probation_ends_on(self) -> date:
        return add_months(self.ceremony_on, PROBATION_MONTHS)

    def recognize_as_official(
        self, *, cell_resolution_on: date, decision: Decision, effective_on: date
    ) -> None:
        """The cell votes after the twelve months have run; the committee then decides (§2.3)."""
        if self.status is not MemberStatus.PROBATIONARY:
            msg = f"member {self.id} is {self.status.name}, not probationary"
            raise MemberNotProbationaryError(msg, field="memberId")
        _check_probation(self.ceremony_on, cell_resolution_on)
        _check_order(cell_resolution_on, decision.date, "decision", "the committee's decision")
        _check_order(decision.date, effective_on, "effectiveOn", "the decision's effect")
        self._recognize(
            cell_resolution_on=cell_resolution_on, decision=decision, effective_on=effective_on
        )

    @event(RecognizedAsOfficial)
    def _recognize(self, *, cell_resolution_on: date, decision: Decision, effective_on: date) -> None:
        self.status = MemberStatus.OFFICIAL
        self.recognized_on = effective_on


def _check_probation(ceremony_on: date, resolution_on: date) -> None:
    ends_on = add_months(ceremony_on, PROBATION_MONTHS)
    if resolution_on < ends_on:
        msg = (
            f"probation runs {PROBATION_MONTHS} months from the ceremony of {ceremony_on} "
            f"to {ends_on}; the cell's resolution of {resolution_on} comes before that"
        )
        raise ProbationNotElapsedError(msg, field="cellResolutionOn")


def _check_order(earlier: date, later: date, field: str, what: str) -> None:
    if later < earlier:
        raise DateOrderError(f"{what} ({later}) comes before {earlier}", field=field)

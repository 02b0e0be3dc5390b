"""The party member: one aggregate whose stream is the member's whole history in this register.

Its parts live in their own modules (admission, probation, transfers, discipline, exits,
ratings, badges); this module composes them and holds the events that open a record.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from partyledger.domain.admission import AdmissionPipeline, IntroducerStanding
from partyledger.domain.aggregate import RegisterAggregate
from partyledger.domain.decision import Decision
from partyledger.domain.errors import DateOrderError, StatusDoesNotAllowError
from partyledger.domain.member_badges import Badges
from partyledger.domain.member_discipline import Discipline
from partyledger.domain.member_exits import Exits
from partyledger.domain.member_qualifications import Qualifications
from partyledger.domain.member_ratings import Ratings
from partyledger.domain.member_reorganised import Reorganised
from partyledger.domain.member_screening import Screening
from partyledger.domain.member_state import (
    Introducer,
    IntroducerKind,
    MemberStatus,
    Resolution,
)
from partyledger.domain.member_transfers import Transfers
from partyledger.domain.probation import Probation, check_probation
from partyledger.domain.values import FreeText, Identifier, PersonName

__all__ = ["Introducer", "IntroducerKind", "IntroducerStanding", "Member", "MemberStatus", "Resolution"]


class Member(  # type: ignore[misc]
    AdmissionPipeline, Probation, Transfers, Discipline, Exits, Ratings, Badges, Qualifications,
    Reorganised, Screening, RegisterAggregate,
):
    class CandidacyOpened(RegisterAggregate.Created):
        """An outstanding non-member's application reaches the cell (đối tượng kết nạp)."""

        full_name: str
        birth_date: date
        cell_id: UUID
        introducers: list[Introducer]  # a list: JSON, and so the stored event, has no tuples
        citizen_id: str | None
        effective_on: date

        def apply(self, member: Member) -> None:
            member.init_state(full_name=self.full_name, birth_date=self.birth_date,
                              cell_id=self.cell_id, applied_on=self.effective_on,
                              introducers=tuple(self.introducers))
            member.citizen_id = self.citizen_id

    class Admitted(RegisterAggregate.Created):
        """The first release recorded a whole admission as one event; such events still load."""

        full_name: str
        birth_date: date
        cell_id: UUID
        introducers: list[Introducer]
        decision: Decision
        effective_on: date
        ceremony_on: date

        def apply(self, member: Member) -> None:
            member.init_state(full_name=self.full_name, birth_date=self.birth_date,
                              cell_id=self.cell_id, applied_on=self.decision.date,
                              introducers=tuple(self.introducers))
            member.citizen_id = None
            member.admitted_on = member.decision_received_on = self.decision.date
            member.ceremony_on, member.status = self.ceremony_on, MemberStatus.PROBATIONARY

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
            member.init_state(full_name=self.full_name, birth_date=self.birth_date,
                              cell_id=self.cell_id, applied_on=self.admitted_on, introducers=())
            member.citizen_id = None
            member.admitted_on = member.decision_received_on = self.admitted_on
            member.ceremony_on, member.recognized_on = self.ceremony_on, self.recognized_on
            member.status = MemberStatus.OFFICIAL if self.recognized_on else MemberStatus.PROBATIONARY

    class RecordCorrected(RegisterAggregate.Event):
        """A correction names the event it amends; the amended event itself stays as it was."""

        amends_version: int
        full_name: str | None
        birth_date: date | None
        reason: str
        effective_on: date

        def apply(self, member: Member) -> None:
            member.full_name = self.full_name or member.full_name
            member.birth_date = self.birth_date or member.birth_date

    @classmethod
    def open_candidacy(  # noqa: PLR0913
        cls, *, full_name: str, birth_date: date, cell_id: UUID, introducers: tuple[Introducer, ...],
        applied_on: date, citizen_id: str | None = None,
    ) -> Member:
        _order(birth_date, applied_on, "appliedOn", "the application")
        return cls._create(  # type: ignore[no-any-return]
            cls.CandidacyOpened, full_name=PersonName.parse(full_name, field="fullName"),
            birth_date=birth_date, cell_id=cell_id, introducers=list(introducers),
            citizen_id=Identifier.parse_optional(citizen_id, field="citizenId"),
            effective_on=applied_on)

    @classmethod
    def enroll(  # noqa: PLR0913
        cls, *, full_name: str, birth_date: date, cell_id: UUID, admitted_on: date,
        ceremony_on: date, recognized_on: date | None,
    ) -> Member:
        _order(birth_date, admitted_on, "birthDate", "the admission")
        _order(admitted_on, ceremony_on, "ceremonyOn", "the admission ceremony")
        if recognized_on is not None:
            check_probation(ceremony_on, recognized_on)
        return cls._create(  # type: ignore[no-any-return]
            cls.Enrolled, full_name=PersonName.parse(full_name, field="fullName"),
            birth_date=birth_date, cell_id=cell_id,
            admitted_on=admitted_on, ceremony_on=ceremony_on, recognized_on=recognized_on,
            effective_on=recognized_on or ceremony_on)

    def correct_record(  # noqa: PLR0913
        self, *, amends_version: int, full_name: str | None, birth_date: date | None,
        reason: str, effective_on: date,
    ) -> None:
        if not 1 <= amends_version <= self.version:
            raise StatusDoesNotAllowError(f"there is no event {amends_version} to amend", field="amendsVersion")
        if not reason.strip() or (full_name is None and birth_date is None):
            raise StatusDoesNotAllowError("a correction needs a reason and a corrected value", field="reason")
        self.trigger_event(self.RecordCorrected, amends_version=amends_version,
                           full_name=PersonName.parse_optional(full_name, field="fullName"),
                           birth_date=birth_date, reason=FreeText.parse(reason, field="reason"),
                           effective_on=effective_on)


_order = DateOrderError.check

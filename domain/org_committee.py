"""Part of the Organization aggregate: committee seats, each bound to a term (DOMAIN.md §2.13.4).

A seat (``PositionHeld`` in the brief) is held by an official member whose cell is the
organisation or lies under it. The member's record keeps a reference to each seat it holds
(``Member.SeatTaken``), saved with the organisation's event, so a member who leaves can have
their seats ended in the same save.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from uuid import UUID, uuid5

from partyledger.domain.labels import LabelledEnum
from partyledger.domain.aggregate import RegisterAggregate
from partyledger.domain.calendar_months import add_months
from partyledger.domain.decision import Decision
from partyledger.domain.errors import DateOrderError, DomainError
from partyledger.domain.member_state import MemberStatus
from partyledger.domain.org_thresholds import Threshold, ThresholdConsents, figures_in_force
from partyledger.domain.organization_kinds import OrganizationKind as K


class Position(LabelledEnum):
    SECRETARY = "Bí thư"
    DEPUTY_SECRETARY = "Phó Bí thư"
    COMMITTEE_MEMBER = "Cấp ủy viên"
    STANDING_COMMITTEE_MEMBER = "Ủy viên Ban Thường vụ"
    GROUP_LEADER = "Tổ trưởng tổ đảng"
    DEPUTY_GROUP_LEADER = "Tổ phó tổ đảng"
    INSPECTION_COMMISSION_CHAIR = "Chủ nhiệm Ủy ban kiểm tra"

    @property
    def on_committee(self) -> bool:
        """Party-group leaders lead a subdivision of a cell; they are not its committee."""
        return self not in (Position.GROUP_LEADER, Position.DEPUTY_GROUP_LEADER)


SINGLE_HOLDER = frozenset({Position.SECRETARY, Position.INSPECTION_COMMISSION_CHAIR})
_CELL = frozenset({Position.SECRETARY, Position.DEPUTY_SECRETARY, Position.COMMITTEE_MEMBER,
                   Position.GROUP_LEADER, Position.DEPUTY_GROUP_LEADER})
_GROUP = frozenset({Position.GROUP_LEADER, Position.DEPUTY_GROUP_LEADER})
_SECTIONAL = frozenset({Position.SECRETARY, Position.DEPUTY_SECRETARY, Position.COMMITTEE_MEMBER})
# An inspection commission and a standing committee exist from the grassroots committee upward.
_COMMITTEE = _SECTIONAL | {Position.STANDING_COMMITTEE_MEMBER, Position.INSPECTION_COMMISSION_CHAIR}


def positions_for(kind: K) -> frozenset[Position]:
    if kind.holds_members:
        return _CELL  # a register may record group leaders on the cell without founding the groups
    if kind is K.PARTY_GROUP:
        return _GROUP
    return _SECTIONAL if kind is K.SECTIONAL_COMMITTEE else _COMMITTEE


def seat_home(organization_id: UUID, parent_id: UUID | None, kind: K) -> UUID | None:
    """The organisation a holder's cell must be or lie under: a party group divides its cell's
    members without holding them, so its leaders come from that cell."""
    return parent_id if kind is K.PARTY_GROUP else organization_id


class SeatBasis(LabelledEnum):
    ELECTED = "Bầu"
    APPOINTED = "Chỉ định"


class SeatEndCause(LabelledEnum):
    UNSEATED = "Thôi giữ chức vụ"
    HOLDER_LEFT = "Chuyển ra khỏi tổ chức đảng"
    HOLDER_EXITED = "Ra khỏi Đảng"
    HOLDER_DECEASED = "Từ trần"
    HOLDER_NOT_OFFICIAL = "Không còn là đảng viên chính thức"
    ORGANIZATION_ENDED = "Tổ chức đảng kết thúc hoạt động"


@dataclass(frozen=True)
class TermPolicy:
    """Months of a congress term by kind, for terms starting from ``in_force_from``; a congress
    may be advanced or postponed by up to ``postponement_months`` (Charter Art. 24.3)."""

    regulation: str
    in_force_from: date
    months: dict[K, int] = field(default_factory=dict)
    postponement_months: int = 6

    def longest_term_end(self, kind: K, term_start: date) -> date:
        return add_months(term_start, self.months.get(kind, 60) + self.postponement_months)


def _term_months(below_grassroots: int) -> dict[K, int]:
    # Grassroots organisations and above: 5 years. Subordinate cells: two congresses in 5 years,
    # QĐ 294 pilots one. The sectional committee is taken like the subordinate cell (UNVERIFIED).
    return {k: 60 for k in K} | {K.SUBORDINATE_CELL: below_grassroots, K.SECTIONAL_COMMITTEE: below_grassroots}


TERM_POLICIES = (
    TermPolicy("Điều lệ Đảng 2011", date(2011, 1, 19), _term_months(30)),
    TermPolicy("QĐ 294-QĐ/TW", date(2025, 7, 1), _term_months(60)),
)


def term_policy_in_force(day: date, book: tuple[TermPolicy, ...] = TERM_POLICIES) -> TermPolicy:
    applicable = [p for p in book if p.in_force_from <= day] or [min(book, key=lambda p: p.in_force_from)]
    return max(applicable, key=lambda p: p.in_force_from)


@dataclass(frozen=True)
class SeatHolder:
    """What the organisation needs to know of a would-be holder: standing and where their cell is."""

    member_id: UUID
    status: MemberStatus
    cell_lineage: tuple[UUID, ...]  # the member's cell, then its superiors up to the root


@dataclass(frozen=True)
class Seat:
    ref: UUID
    member_id: UUID
    position: Position
    basis: SeatBasis
    term_start: date
    term_end: date
    decision: Decision | None
    taken_on: date
    ended_on: date | None = None
    end_cause: SeatEndCause | None = None
    end_reason: str | None = None

    def held_on(self, day: date) -> bool:
        """Held from the day taken through the term's last day, unless ended before."""
        return self.taken_on <= day <= self.term_end and (self.ended_on is None or day < self.ended_on)

    def overlaps(self, start: date, end: date) -> bool:
        """Whether the seat is held on some day from ``start`` to ``end`` (both included)."""
        last = self.term_end if self.ended_on is None else min(self.term_end, self.ended_on - timedelta(days=1))
        return max(start, self.taken_on) <= min(end, last)


class SeatHolderNotOfficialError(DomainError):
    code = "SEAT_HOLDER_NOT_OFFICIAL"


class SeatHolderNotInOrganizationError(DomainError):
    code = "SEAT_HOLDER_NOT_IN_ORGANIZATION"


class SeatAlreadyHeldError(DomainError):
    code = "SEAT_ALREADY_HELD"


class PositionNotInOrganizationError(DomainError):
    code = "POSITION_NOT_IN_ORGANIZATION_KIND"


class SeatOutsideTermError(DomainError):
    code = "SEAT_OUTSIDE_TERM"


class TermTooLongError(DomainError):
    code = "TERM_TOO_LONG"


class SeatNotFoundError(DomainError):
    code = "SEAT_NOT_FOUND"


class SeatAlreadyEndedError(DomainError):
    code = "SEAT_ALREADY_ENDED"


class SeatEndReasonRequiredError(DomainError):
    code = "SEAT_END_REASON_REQUIRED"


class OrganizationEndedError(DomainError):
    code = "ORGANIZATION_ENDED"


class CommitteeSeats(ThresholdConsents):
    seats: tuple[Seat, ...] = ()

    class SeatFilled(RegisterAggregate.Event):
        seat_ref: UUID
        member_id: UUID
        position: Position
        basis: SeatBasis
        term_start: date
        term_end: date
        decision: Decision | None
        regulation: str
        effective_on: date

        def apply(self, org: CommitteeSeats) -> None:
            seat = Seat(self.seat_ref, self.member_id, self.position, self.basis, self.term_start,
                        self.term_end, self.decision, self.effective_on)
            org.seats = (*org.seats, seat)

    class SeatVacated(RegisterAggregate.Event):
        seat_ref: UUID
        member_id: UUID
        cause: SeatEndCause
        reason: str | None
        decision: Decision | None
        effective_on: date

        def apply(self, org: CommitteeSeats) -> None:
            org.seats = tuple(replace(s, ended_on=self.effective_on, end_cause=self.cause,
                                      end_reason=self.reason) if s.ref == self.seat_ref else s
                              for s in org.seats)

    def seats_on(self, day: date) -> list[Seat]:
        return [s for s in self.seats if s.held_on(day)]

    def cell_committee_on(self, day: date) -> bool | None:
        """Whether committee members sit on the cell on ``day``; None when no seat is held."""
        held = self.seats_on(day)
        return any(s.position is Position.COMMITTEE_MEMBER for s in held) if held else None

    def seat(self, seat_ref: UUID) -> Seat:
        for seat in self.seats:
            if seat.ref == seat_ref:
                return seat
        raise SeatNotFoundError(f"no seat {seat_ref} in this organisation", field="seatRef")

    def seat_member(  # noqa: PLR0913
        self, *, holder: SeatHolder, position: Position, basis: SeatBasis, term_start: date,
        term_end: date, decision: Decision | None, effective_on: date, official_count: int,
        consent: Decision | None, terms: TermPolicy,
    ) -> Seat:
        """Seat an official member of this organisation for a term; a cell under 9 officials
        seats a committee member only on the superior's consent, which is recorded."""
        self._check_open(effective_on)
        self._check_holder(holder, position)
        self._check_term(term_start, term_end, effective_on, decision, terms)
        self._check_free(holder.member_id, position, effective_on, term_end)
        figures = figures_in_force(effective_on)
        self.require_threshold(  # a cell of fewer than 9 officials elects no cell committee
            Threshold.CELL_COMMITTEE_FROM_9, consent=consent, effective_on=effective_on,
            met=not (self.kind.holds_members and position is Position.COMMITTEE_MEMBER
                     and official_count < figures.cell_committee_min_officials),
            message=f"the cell has {official_count} official members; with fewer than "
                    f"{figures.cell_committee_min_officials} it elects a secretary and a deputy only")
        ref = uuid5(self.id, f"seat-{len(self.seats) + 1}")  # type: ignore[attr-defined]
        self.trigger_event(self.SeatFilled, seat_ref=ref, member_id=holder.member_id,  # type: ignore[attr-defined]
                           position=position, basis=basis, term_start=term_start, term_end=term_end,
                           decision=decision, regulation=terms.regulation, effective_on=effective_on)
        return self.seat(ref)

    def unseat_member(self, *, seat_ref: UUID, reason: str, effective_on: date,
                      decision: Decision | None = None) -> Seat:
        """End a seat before its term (resignation, dismissal, reassignment) with the reason."""
        if not reason.strip():
            raise SeatEndReasonRequiredError("ending a seat needs the reason", field="reason")
        return self.end_seat(seat_ref=seat_ref, cause=SeatEndCause.UNSEATED, effective_on=effective_on,
                             reason=reason.strip(), decision=decision)

    def end_seat(self, *, seat_ref: UUID, cause: SeatEndCause, effective_on: date,
                 reason: str | None = None, decision: Decision | None = None) -> Seat:
        seat = self.seat(seat_ref)
        if seat.ended_on is not None or effective_on > seat.term_end:
            ended = seat.ended_on or seat.term_end
            raise SeatAlreadyEndedError(f"the seat ended on {ended}", field="seatRef")
        if effective_on < seat.taken_on:
            raise DateOrderError(f"the seat was taken on {seat.taken_on}, after {effective_on}",
                                 field="effectiveOn")
        self.trigger_event(self.SeatVacated, seat_ref=seat_ref, member_id=seat.member_id,  # type: ignore[attr-defined]
                           cause=cause, reason=reason, decision=decision, effective_on=effective_on)
        return self.seat(seat_ref)

    def _check_open(self, day: date) -> None:
        ended_on = getattr(self, "ended_on", None)
        if ended_on is not None and day >= ended_on:
            raise OrganizationEndedError(f"{self.name} ended on {ended_on}", field="organizationId")

    def _check_holder(self, holder: SeatHolder, position: Position) -> None:
        if position not in positions_for(self.kind):
            msg = f"a {self.kind.name} has no {position.name} seat"
            raise PositionNotInOrganizationError(msg, field="position")
        if holder.status is not MemberStatus.OFFICIAL:
            msg = f"a seat is held by an official member; the member is {holder.status.name}"
            raise SeatHolderNotOfficialError(msg, field="memberId")
        if seat_home(self.id, self.parent_id, self.kind) not in holder.cell_lineage:  # type: ignore[attr-defined]
            msg = f"the member's cell is not {self.name} nor under it"
            raise SeatHolderNotInOrganizationError(msg, field="memberId")

    def _check_term(self, start: date, end: date, effective_on: date, decision: Decision | None,
                    terms: TermPolicy) -> None:
        if end <= start:
            raise DateOrderError(f"the term ends ({end}) before it starts ({start})", field="termEnd")
        if not start <= effective_on <= end:
            raise SeatOutsideTermError(f"{effective_on} is outside the term {start}–{end}",
                                       field="effectiveOn")
        if decision is not None and decision.date > effective_on:
            raise DateOrderError(f"the seat ({effective_on}) comes before its decision ({decision.date})",
                                 field="effectiveOn")
        longest = terms.longest_term_end(self.kind, start)
        if end > longest:
            msg = (f"a {self.kind.name} term from {start} ends by {longest} under {terms.regulation}"
                   f" (congress postponed {terms.postponement_months} months at most)")
            raise TermTooLongError(msg, field="termEnd")

    def _check_free(self, member_id: UUID, position: Position, start: date, end: date) -> None:
        for seat in self.seats:
            if seat.position is not position or not seat.overlaps(start, end):
                continue
            if seat.member_id == member_id or position in SINGLE_HOLDER:
                msg = f"the {position.name} seat is held from {seat.taken_on} in that period"
                raise SeatAlreadyHeldError(msg, field="position")

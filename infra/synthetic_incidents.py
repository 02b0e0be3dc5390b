"""Part of an area's generated history: what happens to members during the year — transfers
between the area's cells, reprimands and warnings that lapse after a year, expulsions,
strike-offs, withdrawals and deaths — and the votes and decisions every command of the area
carries."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from random import Random
from uuid import UUID

from partyledger.domain.calendar_months import add_months
from partyledger.domain.decision import Decision
from partyledger.domain.member import Member
from partyledger.domain.discipline_rules import DisciplineAuthority, DisciplineForm
from partyledger.domain.member_exits import StrikeOffGround, rules_in_force
from partyledger.domain.member_state import MemberStatus
from partyledger.domain.organization import Organization
from partyledger.domain.votes import VoteTally
from partyledger.infra.synthetic_plan import HORIZON, TWO_TIER, Policies
from partyledger.infra.synthetic_register import SyntheticRegister

LATE_REASON = "Đảng viên ốm đau, điều trị dài ngày"


class AreaRecords:
    """The state an area's history keeps, its agenda, and the votes and decisions it records."""

    _register: SyntheticRegister
    _policies: Policies
    _rnd: Random
    _authority: str
    _agenda: list[tuple[date, int, Callable[[], None]]]
    _order: Iterator[int]
    _numbers: Iterator[int]
    _committee_size: dict[UUID, int]  # cell id -> its grassroots committee's size
    grassroots: list[tuple[Organization, list[Organization]]]
    members: dict[UUID, Member]

    def _at(self, day: date, action: Callable[[], None]) -> None:
        if day <= HORIZON:
            heapq.heappush(self._agenda, (day, next(self._order), action))

    def _officials(self, cell: Organization) -> list[Member]:
        return [self.members[i] for i, status in cell.roster.items() if status == "OFFICIAL"]

    def _official_count(self, cell: Organization) -> int:
        return sum(1 for status in cell.roster.values() if status == "OFFICIAL")

    def _cell_vote(self, cell: Organization) -> VoteTally:
        """At least two thirds of the cell's official members in favour."""
        return _vote(self._rnd, max(1, self._official_count(cell)), _two_thirds)

    def _committee_vote(self, cell: Organization) -> VoteTally:
        """At least two thirds of the grassroots committee, for a subordinate cell's member."""
        return _vote(self._rnd, self._committee_size[cell.id], _two_thirds)

    def _decision(self, on: date) -> Decision:
        issuer = "HU" if on < TWO_TIER else "ĐU"
        return Decision(f"{next(self._numbers)}-QĐ/{issuer}", on, self._authority)


class Incidents(AreaRecords):
    """Drawn at the start of the year, each is looked at again on its day: by then the member
    may have moved, left or died, and then nothing is recorded."""

    # -- moves ----------------------------------------------------------------------------------

    def _transfer(self, member: Member, day: date) -> None:
        if not member.status.is_member or member.in_a_move():
            return
        rnd, rules = self._rnd, self._policies.rules.in_force(day)
        cells = [c for _, cs in self.grassroots for c in cs if c.id != member.cell_id]
        if not cells:
            return
        destination = rnd.choice(cells)
        number = f"{next(self._numbers)}/GGT"
        self._register.record(lambda: changed(member, member.issue_transfer_letter(
            to_cell_id=destination.id, letter_number=number, decision=None, issued_on=day,
            rules=rules)))
        late = rnd.random() < 0.03
        deadline = self._policies.calendar.add_working_days(day, rules.transfer_presentation_wd)
        presented = deadline + timedelta(days=rnd.randint(3, 60)) if late else day + timedelta(
            days=rnd.randint(2, 35))
        received = presented + timedelta(days=rnd.randint(0, 10))
        self._at(presented, lambda: self._present(member, presented, LATE_REASON if late else None))
        self._at(received, lambda: self._receive(member, received))

    def _present(self, member: Member, day: date, reason: str | None) -> None:
        if member.status.is_member and member.open_letter is not None:
            self._register.record(lambda: changed(member, member.present_transfer_letter(
                presented_on=day, reason_if_late=reason, calendar=self._policies.calendar)))

    def _receive(self, member: Member, day: date) -> None:
        letter = member.open_letter
        if member.status.is_member and letter is not None and letter.presented_on is not None:
            self._register.record(lambda: changed(member, member.receive_transfer(received_on=day)))

    # -- discipline and exits -------------------------------------------------------------------

    def _discipline(self, member: Member, day: date) -> None:
        if not member.status.is_member or any(not d.closed for d in member.disciplines):
            return
        rnd, rules = self._rnd, self._policies.rules.in_force(day)
        cell = self._register.organization(member.cell_id)
        self._register.record(lambda: changed(member, member.impose_discipline(
            form=DisciplineForm.REPRIMAND if rnd.random() < 0.7 else DisciplineForm.WARNING,
            violation_on=day - timedelta(days=rnd.randint(20, 150)), decision=Decision(
                f"{next(self._numbers)}-QĐ/CB", day, cell.name), announced_on=day,
            vote=_vote(rnd, max(1, self._official_count(cell)), _majority),
            authority_kind=DisciplineAuthority.CELL,
            rules=rules)))
        ref = member.disciplines[-1].ref
        lapses = add_months(day, 12) + timedelta(days=rnd.randint(1, 20))
        self._at(lapses, lambda: self._lapse(member, ref, lapses))

    def _lapse(self, member: Member, ref: int, day: date) -> None:
        if member.status.is_member:
            self._register.record(lambda: changed(member, member.lapse_discipline(
                discipline_ref=ref, on=day, rules=self._policies.rules.in_force(day))))

    def _expel(self, member: Member, day: date) -> None:
        if member.status is not MemberStatus.OFFICIAL:
            return
        rnd, cell = self._rnd, self._register.organization(member.cell_id)
        self._register.record(lambda: changed(member, member.impose_discipline(
            form=DisciplineForm.EXPULSION, violation_on=day - timedelta(days=rnd.randint(30, 300)),
            decision=self._decision(day), announced_on=day, vote=self._cell_vote(cell),
            superior_vote=_vote(rnd, rnd.randint(9, 15), _majority),
            authority_kind=DisciplineAuthority.SUPERIOR_COMMITTEE,
            rules=self._policies.rules.in_force(day))))

    def _strike_off(self, member: Member, day: date) -> None:
        if member.status is MemberStatus.OFFICIAL:
            ground = self._rnd.choices(
                (StrikeOffGround.ABANDONED_ACTIVITY, StrikeOffGround.DECLINED_AFTER_EDUCATION,
                 StrikeOffGround.STANDARDS_VIOLATED_TWO_YEARS,
                 StrikeOffGround.CARD_RETURNED_OR_DESTROYED),
                weights=(60, 25, 10, 5))[0]
            self._register.record(lambda: changed(member, member.strike_off(
                ground=ground, decision=self._decision(day), effective_on=day, cell_resolution=None,
                rules=rules_in_force(self._policies.rules, day))))

    def _withdraw(self, member: Member, day: date) -> None:
        if member.status.is_member:
            self._register.record(lambda: changed(member, member.approve_withdrawal(
                decision=self._decision(day), effective_on=day, open_violation=False)))

    def _die(self, member: Member, day: date) -> None:
        if member.status.is_member:
            self._register.record(lambda: changed(member, member.record_death(on=day)))


def _two_thirds(eligible: int) -> int:
    return -(-2 * eligible // 3)


def _majority(eligible: int) -> int:
    return eligible // 2 + 1


def _vote(rnd: Random, eligible: int, least: Callable[[int], int]) -> VoteTally:
    """A tally of ``eligible`` with at least ``least(eligible)`` in favour."""
    in_favour = rnd.randint(least(eligible), eligible)
    against = rnd.randint(0, eligible - in_favour)
    return VoteTally(in_favour, against, eligible, in_favour + against)


def day_in(year: int, rnd: Random, *, last: date | None = None) -> date:
    first = date(year, 1, 2)
    return first + timedelta(days=rnd.randint(0, ((last or date(year, 12, 20)) - first).days))


def changed(aggregate: object, _: None) -> list[object]:
    """A command method returns nothing: the command's change is the aggregate itself."""
    return [aggregate]

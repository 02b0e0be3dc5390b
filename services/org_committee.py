"""Committee seats, members' qualifications and organisation thresholds (DOMAIN.md §2.13)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from partyledger.domain.decision import Decision
from partyledger.domain.member import Member
from partyledger.domain.member_qualifications import (
    Level,
    QualificationKind,
    QualificationShare,
    qualification_share,
)
from partyledger.domain.member_state import MemberStatus
from partyledger.domain.org_committee import (
    TERM_POLICIES,
    Position,
    Seat,
    SeatBasis,
    SeatEndCause,
    SeatHolder,
    TermPolicy,
    seat_home,
    term_policy_in_force,
)
from partyledger.domain.org_thresholds import Threshold, ThresholdConsent, roster_counts, warnings
from partyledger.domain.organization import Organization, OrganizationKind
from partyledger.services.access import AccessDeniedError, Actor, Role
from partyledger.services.members import MemberRegister
from partyledger.services.register import Outcome


class CommitteeRegister(MemberRegister):
    term_policies: tuple[TermPolicy, ...] = TERM_POLICIES

    def seat_member(  # noqa: PLR0913
        self, actor: Actor, *, organization_id: UUID, member_id: UUID, position: Position,
        basis: SeatBasis, term_start: date, term_end: date, effective_on: date,
        decision: Decision | None = None, consent: Decision | None = None,
    ) -> Outcome:
        """Seat an official member of the organisation on its committee for a term."""
        arguments = {k: v for k, v in locals().items() if k not in ("self", "actor")}

        def run() -> list[Aggregate]:
            organization, member = self.writable_organization(actor, organization_id), self.member(member_id)
            seat = organization.seat_member(
                holder=self.seat_holder(member), position=position, basis=basis, term_start=term_start,
                term_end=term_end, decision=decision, effective_on=effective_on,
                official_count=roster_counts(organization)[0], consent=consent,
                terms=term_policy_in_force(term_start, self.term_policies))
            member.take_seat(organization_id=organization.id, seat_ref=seat.ref, position=position,
                             effective_on=effective_on)
            return [organization, member]

        return self.execute("seat_member", arguments, run)

    def unseat_member(  # noqa: PLR0913
        self, actor: Actor, *, organization_id: UUID, seat_ref: UUID, reason: str, effective_on: date,
        decision: Decision | None = None,
    ) -> Outcome:
        """End a seat before its term, with the reason (and the decision where there is one)."""
        arguments = {k: v for k, v in locals().items() if k not in ("self", "actor")}

        def run() -> list[Aggregate]:
            organization = self.writable_organization(actor, organization_id)
            seat = organization.unseat_member(seat_ref=seat_ref, reason=reason,
                                              effective_on=effective_on, decision=decision)
            member = self.member(seat.member_id)
            member.end_seat(organization_id=organization.id, seat_ref=seat_ref, cause=SeatEndCause.UNSEATED,
                            effective_on=effective_on)
            return [organization, member]

        return self.execute("unseat_member", arguments, run)

    def record_qualification(  # noqa: PLR0913
        self, actor: Actor, *, member_id: UUID, kind: QualificationKind, level: Level,
        effective_on: date, evidence: str | None = None, correction_reason: str | None = None,
    ) -> Outcome:
        """Record a member's level of education, profession or political theory from a date."""
        return self._step("record_qualification", actor, member_id, locals(), lambda m: m.record_qualification(
            kind=kind, level=level, effective_on=effective_on, evidence=evidence,
            correction_reason=correction_reason))

    def with_consequences(self, changed: list[Aggregate]) -> list[Aggregate]:
        return end_seats_of_leavers(self, super().with_consequences(changed))

    # -- reads --------------------------------------------------------------------------------

    def seats(self, actor: Actor, organization_id: UUID, as_of: date) -> list[Seat]:
        """The seats held on ``as_of``, in the order they were filled."""
        return self.readable_organization(actor, organization_id).seats_on(as_of)

    def threshold_warnings(
        self, actor: Actor, organization_id: UUID, *, as_of: date,
        official_count: int | None = None, member_count: int | None = None,
    ) -> list[tuple[Threshold, ThresholdConsent | None]]:
        """Thresholds not met on ``as_of``, each with the superior's consent if one is recorded.
        The counts default to those the organisations' rosters give (``member_counts``)."""
        self.check_tenant(actor)
        organization = self.organization(organization_id, field="organizationId")
        officials, members = self.member_counts(organization)
        found = warnings(organization, officials if official_count is None else official_count,
                         members if member_count is None else member_count, on=as_of)
        return [(t, organization.consent_for(t, as_of)) for t in found]

    def member_counts(self, organization: Organization) -> tuple[int, int]:
        """Official members and members counted by the thresholds: a cell's roster, or a
        grassroots committee's cells' rosters; no other kind has a threshold on them."""
        if organization.kind is not OrganizationKind.GRASSROOTS_COMMITTEE:
            return roster_counts(organization) if organization.kind.holds_members else (0, 0)
        officials = members = 0
        below = list(getattr(organization, "children", ()))
        while below:
            child = self.organization(below.pop())
            counts = roster_counts(child)
            officials, members = officials + counts[0], members + counts[1]
            below.extend(getattr(child, "children", ()))
        return officials, members

    def committee_qualification_share(
        self, actor: Actor, organization_id: UUID, *, as_of: date, kind: QualificationKind,
        at_least: Level,
    ) -> QualificationShare:
        """Of the members on the organisation's committee on ``as_of``, how many had at least
        ``at_least`` then (each holder counted once)."""
        self.check_tenant(actor)
        organization = self.organization(organization_id, field="organizationId")
        holders = {s.member_id for s in organization.seats_on(as_of) if s.position.on_committee}
        return qualification_share((self.member(m).qualification_as_of(kind, as_of) for m in holders), at_least)

    # -- shared -------------------------------------------------------------------------------

    def writable_organization(self, actor: Actor, organization_id: UUID) -> Organization:
        self.check_tenant(actor)
        actor.require(Role.TENANT_ADMIN, Role.OFFICER)
        organization = self.organization(organization_id, field="organizationId")
        self.check_covers(actor, organization)
        return organization

    def readable_organization(self, actor: Actor, organization_id: UUID) -> Organization:
        """Seats name their holders: personal data, read within the actor's scope."""
        self.check_tenant(actor)
        if not actor.reads_personal_data:
            raise AccessDeniedError("this key reads statistics only, not committee members")
        organization = self.organization(organization_id, field="organizationId")
        if not actor.roles & {Role.TENANT_ADMIN, Role.INSPECTOR}:
            self.check_covers(actor, organization)
        return organization

    def seat_holder(self, member: Member) -> SeatHolder:
        cell = self.organization(member.cell_id, field="memberId")
        return SeatHolder(member.id, member.status, tuple(self.lineage(cell)))


def end_seats_of_leavers(register: CommitteeRegister, changed: list[Aggregate]) -> list[Aggregate]:
    """End, in the same save, the seats of holders who are no longer official members of the
    seat's organisation after a command: exit, death, a move out of its subtree (transfer or
    reorganisation), or the organisation's own end. Running it twice ends nothing more."""
    return _Leavers(register, changed).run()


class _Leavers:
    def __init__(self, register: CommitteeRegister, changed: list[Aggregate]) -> None:
        self.register, self.changed = register, list(changed)
        self.known: dict[UUID, Any] = {a.id: a for a in changed}
        self.saved = set(self.known)

    def run(self) -> list[Aggregate]:
        given = [a for a in self.changed if a.pending_events]
        for organization in (a for a in given if isinstance(a, Organization)):  # its end first
            self._organization_changed(organization)
        for member in (a for a in given if isinstance(a, Member) and a.seats):
            self._member_changed(member)
        return self.changed

    def _member_changed(self, member: Member) -> None:
        on = max((e.effective_on for e in member.pending_events if hasattr(e, "effective_on")),  # type: ignore[attr-defined]
                 default=None)
        if on is None:
            return
        cause = _cause_for(member.status)
        moved = any(hasattr(e, "to_cell_id") for e in member.pending_events)
        if cause is None and not moved:
            return
        lineage = self._lineage(member.cell_id)
        for reference in list(member.seats):
            if cause is not None or not self._within(reference.organization_id, lineage):
                self._end(reference.organization_id, reference.seat_ref, cause or SeatEndCause.HOLDER_LEFT, on)

    def _organization_changed(self, organization: Organization) -> None:
        ended_on = getattr(organization, "ended_on", None)
        if ended_on is not None:
            for seat in organization.seats:
                if seat.ended_on is None and seat.term_end >= ended_on:
                    self._end(organization.id, seat.ref, SeatEndCause.ORGANIZATION_ENDED, ended_on)
        for move in (e for e in organization.pending_events if hasattr(e, "from_parent_id")):
            for ancestor_id in self._lineage(move.from_parent_id) if move.from_parent_id else []:  # type: ignore[attr-defined]
                self._holders_left(self._get(ancestor_id, Organization), move.effective_on)  # type: ignore[attr-defined]

    def _holders_left(self, organization: Organization | None, on: date) -> None:
        """A unit moved out from under ``organization``: its members holding seats there leave."""
        for seat in organization.seats if organization else ():
            if seat.ended_on is None and seat.term_end >= on:
                holder = self._get(seat.member_id, Member)
                if holder is not None and not self._within(organization.id, self._lineage(holder.cell_id)):  # type: ignore[union-attr]
                    self._end(organization.id, seat.ref, SeatEndCause.HOLDER_LEFT, on)  # type: ignore[union-attr]

    def _end(self, organization_id: UUID, seat_ref: UUID, cause: SeatEndCause, on: date) -> None:
        organization = self._get(organization_id, Organization)
        seat = next((s for s in organization.seats if s.ref == seat_ref), None) if organization else None
        if seat is None or seat.ended_on is not None or seat.term_end < on:
            return
        day = max(on, seat.taken_on)
        organization.end_seat(seat_ref=seat_ref, cause=cause, effective_on=day)  # type: ignore[union-attr]
        self._save(organization)
        holder = self._get(seat.member_id, Member)
        if holder is not None:
            holder.end_seat(organization_id=organization_id, seat_ref=seat_ref, cause=cause, effective_on=day)
            self._save(holder)

    def _within(self, organization_id: UUID, lineage: list[UUID]) -> bool:
        organization = self._get(organization_id, Organization)
        return organization is not None and \
            seat_home(organization.id, organization.parent_id, organization.kind) in lineage

    def _lineage(self, organization_id: UUID) -> list[UUID]:
        """Ids from the organisation up to the root, as this command leaves the tree."""
        ids: list[UUID] = []
        current = self._get(organization_id, Organization)
        while current is not None and current.id not in ids:
            ids.append(current.id)
            current = self._get(current.parent_id, Organization) if current.parent_id else None
        return ids

    def _get(self, aggregate_id: UUID, kind: type[Aggregate]) -> Any:
        if aggregate_id not in self.known:
            self.known[aggregate_id] = self.register.get_or_none(aggregate_id, kind)
        found = self.known[aggregate_id]
        return found if isinstance(found, kind) else None

    def _save(self, aggregate: Any) -> None:
        if aggregate.id not in self.saved:
            self.saved.add(aggregate.id)
            self.changed.append(aggregate)


def _cause_for(status: MemberStatus) -> SeatEndCause | None:
    return {MemberStatus.OFFICIAL: None, MemberStatus.EXITED: SeatEndCause.HOLDER_EXITED,
            MemberStatus.DECEASED: SeatEndCause.HOLDER_DECEASED}.get(status, SeatEndCause.HOLDER_NOT_OFFICIAL)

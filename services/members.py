"""The member register: admissions, recognition and each member's own history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from partyledger.domain.decision import Decision
from partyledger.domain.errors import MemberNotFoundError, OrganizationNotCellError
from partyledger.domain.member import Introducer, Member, MemberStatus
from partyledger.domain.organization import Organization
from partyledger.services.access import AccessDeniedError, Actor, Role
from partyledger.services.organizations import OrganizationTree
from partyledger.services.register import Outcome


class MemberRegister(OrganizationTree):
    def admit_member(  # noqa: PLR0913
        self, actor: Actor, *, full_name: str, birth_date: date, cell_id: UUID,
        introducers: tuple[Introducer, ...], decision: Decision, effective_on: date,
        ceremony_on: date,
    ) -> Outcome:
        """Admit an applicant into a cell on the competent authority's decision."""
        arguments = {"full_name": full_name, "birth_date": birth_date, "cell_id": cell_id,
                     "introducers": introducers, "decision": decision,
                     "effective_on": effective_on, "ceremony_on": ceremony_on}

        def run() -> list[Member]:
            self._writable_cell(actor, cell_id)
            return [Member.admit(
                full_name=full_name, birth_date=birth_date, cell_id=cell_id,
                introducers=introducers, officials=self._officials(introducers),
                decision=decision, effective_on=effective_on, ceremony_on=ceremony_on,
            )]

        return self.execute("admit_member", arguments, run)

    def enroll_member(  # noqa: PLR0913
        self, actor: Actor, *, full_name: str, birth_date: date, cell_id: UUID,
        admitted_on: date, ceremony_on: date, recognized_on: date | None,
    ) -> Outcome:
        """Enter a member admitted before this register existed (tenant administrators only)."""
        actor.require(Role.TENANT_ADMIN)
        arguments = {"full_name": full_name, "birth_date": birth_date, "cell_id": cell_id,
                     "admitted_on": admitted_on, "ceremony_on": ceremony_on,
                     "recognized_on": recognized_on}

        def run() -> list[Member]:
            self._writable_cell(actor, cell_id)
            return [Member.enroll(full_name=full_name, birth_date=birth_date, cell_id=cell_id,
                                  admitted_on=admitted_on, ceremony_on=ceremony_on,
                                  recognized_on=recognized_on)]

        return self.execute("enroll_member", arguments, run)

    def recognize_official(  # noqa: PLR0913
        self, actor: Actor, *, member_id: UUID, cell_resolution_on: date, decision: Decision,
        effective_on: date,
    ) -> Outcome:
        """Recognise a probationary member as official once probation has run (§2.3)."""
        arguments = {"member_id": member_id, "cell_resolution_on": cell_resolution_on,
                     "decision": decision, "effective_on": effective_on}

        def run() -> list[Member]:
            member = self.member(member_id)
            self._writable_cell(actor, member.cell_id)
            member.recognize_as_official(
                cell_resolution_on=cell_resolution_on, decision=decision, effective_on=effective_on
            )
            return [member]

        return self.execute("recognize_official", arguments, run)

    def member(self, member_id: UUID) -> Member:
        member = self.get_or_none(member_id, Member)
        if member is None:
            raise MemberNotFoundError(f"no member {member_id} in this register", field="memberId")
        return member  # type: ignore[no-any-return]

    def member_history(self, actor: Actor, member_id: UUID) -> Sequence[Any]:
        """The member's own events in order: the history an inspector reconstructs."""
        if not actor.reads_personal_data:
            raise AccessDeniedError("this key reads statistics only, not members' histories")
        self.member(member_id)
        return list(self.events.get(member_id))

    def _writable_cell(self, actor: Actor, cell_id: UUID) -> Organization:
        actor.require(Role.TENANT_ADMIN, Role.OFFICER)
        cell = self.organization(cell_id, field="cellId")
        if not cell.kind.holds_members:
            msg = f"{cell.name} is a {cell.kind.name}; members belong to cells"
            raise OrganizationNotCellError(msg, field="cellId")
        self.check_covers(actor, cell)
        return cell

    def _officials(self, introducers: tuple[Introducer, ...]) -> frozenset[UUID]:
        ids = {i.member_id for i in introducers if i.member_id is not None}
        members = (self.get_or_none(i, Member) for i in ids)
        return frozenset(m.id for m in members if m and m.status is MemberStatus.OFFICIAL)


class TenantRegister(MemberRegister):
    """Everything a tenant records, in one application and one notification log."""

    name = "register"  # table names: register_events; eventsourcing would take the class name

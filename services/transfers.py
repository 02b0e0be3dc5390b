"""The transfer register: official transfers and temporary attachments between the cells of one
tenant, and the working member's liaison with the cell where they live.

Who may record what: the sending side (scope over the member's cell) issues letters, attaches
temporarily and keeps the residence liaison; the receiving side (scope over the destination
cell) records the letter's presentation and the receipt. Destinations are cells of this tenant;
a transfer to another tenant is a separate pair of commands, one in each register.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

from partyledger.domain.decision import Decision
from partyledger.domain.errors import OrganizationNotCellError
from partyledger.domain.member import Member
from partyledger.domain.member_attachment import AttachmentPurpose
from partyledger.domain.member_residence import ResidenceExemption, ResidenceOutcome
from partyledger.domain.member_transfers import TransferProgress
from partyledger.domain.organization import Organization
from partyledger.services.access import Actor
from partyledger.services.members import MemberRegister
from partyledger.services.register import Outcome


class TransferRegister(MemberRegister):
    # -- official transfer ------------------------------------------------------------------

    def issue_transfer_letter(  # noqa: PLR0913
        self, actor: Actor, *, member_id: UUID, to_cell_id: UUID, letter_number: str,
        issued_on: date, decision: Decision | None = None,
    ) -> Outcome:
        """Issue a letter moving the member to another cell of this tenant (§2.5)."""
        return self._step("issue_transfer_letter", actor, member_id, locals(), lambda m: m.issue_transfer_letter(
            to_cell_id=self.destination_cell(to_cell_id).id, letter_number=letter_number,
            decision=decision, issued_on=issued_on, rules=self.rule_book.in_force(issued_on)))

    def present_transfer_letter(
        self, actor: Actor, *, member_id: UUID, presented_on: date, reason_if_late: str | None = None,
    ) -> Outcome:
        """The member hands the letter to the receiving cell: within 30 working days, or late
        with a reason (the gap is then excluded from party age)."""
        return self._receiving_step("present_transfer_letter", actor, member_id, locals(),
                                    lambda m: m.present_transfer_letter(
                                        presented_on=presented_on, reason_if_late=reason_if_late,
                                        calendar=self.working_calendar()))

    def receive_transfer(self, actor: Actor, *, member_id: UUID, received_on: date) -> Outcome:
        """The receiving cell takes the member onto its roster."""
        return self._receiving_step("receive_transfer", actor, member_id, locals(),
                                    lambda m: m.receive_transfer(received_on=received_on))

    # -- temporary attachment ---------------------------------------------------------------

    def attach_temporarily(  # noqa: PLR0913
        self, actor: Actor, *, member_id: UUID, to_cell_id: UUID, from_on: date, until_on: date,
        purpose: AttachmentPurpose,
    ) -> Outcome:
        """Attach the member to another cell for a while; the home cell keeps them on its roster."""
        return self._step("attach_temporarily", actor, member_id, locals(), lambda m: m.attach_temporarily(
            to_cell_id=self.destination_cell(to_cell_id).id, from_on=from_on, until_on=until_on,
            purpose=purpose, rules=self.rule_book.in_force(from_on)))

    def extend_temporary_attachment(
        self, actor: Actor, *, member_id: UUID, until_on: date, effective_on: date,
    ) -> Outcome:
        """Extend the stay, within the same limit counted from its start (recorded at home)."""
        return self._step("extend_temporary_attachment", actor, member_id, locals(),
                          lambda m: m.extend_temporary_attachment(until_on=until_on, on=effective_on))

    def return_from_attachment(self, actor: Actor, *, member_id: UUID, returned_on: date) -> Outcome:
        """The member is back at the home cell."""
        return self._step("return_from_attachment", actor, member_id, locals(),
                          lambda m: m.return_from_attachment(returned_on=returned_on))

    # -- residence liaison --------------------------------------------------------------------

    def introduce_to_residence(  # noqa: PLR0913
        self, actor: Actor, *, member_id: UUID, effective_on: date,
        residence_cell_id: UUID | None = None, residence_organization_name: str | None = None,
    ) -> Outcome:
        """Introduce a working member to the cell where they live (QĐ 213)."""
        return self._step("introduce_to_residence", actor, member_id, locals(), lambda m: m.introduce_to_residence(
            residence_cell_id=self.destination_cell(residence_cell_id, field="residenceCellId").id
            if residence_cell_id else None,
            residence_organization_name=residence_organization_name, on=effective_on))

    def record_residence_feedback(
        self, actor: Actor, *, member_id: UUID, year: int, outcome: ResidenceOutcome, effective_on: date,
    ) -> Outcome:
        """Record the residence cell's yearly comment on the member."""
        return self._step("record_residence_feedback", actor, member_id, locals(),
                          lambda m: m.record_residence_feedback(year=year, outcome=outcome, on=effective_on))

    def set_residence_exemption(
        self, actor: Actor, *, member_id: UUID, category: ResidenceExemption | None, effective_on: date,
    ) -> Outcome:
        """Put the member in one of HD 33's exempt categories, or (None) take them out."""
        return self._step("set_residence_exemption", actor, member_id, locals(),
                          lambda m: m.set_residence_exemption(category=category, on=effective_on))

    # -- reads ------------------------------------------------------------------------------

    def transfer_progress(self, actor: Actor, *, member_id: UUID, as_of: date) -> TransferProgress | None:
        """Where the member's latest transfer letter stood on ``as_of`` (LAPSED once 30 working
        days passed without presentation); None when no letter had been issued by then."""
        return self.readable_member(actor, member_id).transfer_state(as_of, self.working_calendar())

    # -- shared -------------------------------------------------------------------------------

    def destination_cell(self, cell_id: UUID, *, field: str = "toCellId") -> Organization:
        """A cell of this tenant that holds members; no scope is needed to send someone there."""
        cell = self.organization(cell_id, field=field)
        if not cell.kind.holds_members:
            msg = f"{cell.name} is a {cell.kind.name}; members go to cells"
            raise OrganizationNotCellError(msg, field=field)
        return cell

    def _receiving_step(self, command: str, actor: Actor, member_id: UUID, given: dict[str, Any],
                        change: Callable[[Member], None]) -> Outcome:
        """Like ``_step``, with authority on the cell the outstanding letter is addressed to."""
        self.authorise_writer(actor)
        arguments = {k: v for k, v in given.items() if k not in ("self", "actor")}

        def run() -> list[Member]:
            member = self.member(member_id)
            self.writable_cell(actor, member.receiving_cell_id or member.cell_id)
            change(member)
            return [member]

        return self.execute(command, arguments, run)

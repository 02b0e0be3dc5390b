"""Exits from the Party and returns: strike-off, withdrawal, death, readmission, restoration,
and exemption for age or health (DOMAIN.md §2.3, §2.8–2.11)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from partyledger.domain.decision import Decision
from partyledger.domain.member_exits import (
    ExemptionGround,
    ReadmissionBar,
    RegulationNotInForceError,
    StrikeOffGround,
    rules_in_force,
)
from partyledger.domain.member_state import Resolution
from partyledger.domain.rules import Rules
from partyledger.services.access import Actor
from partyledger.services.members import MemberRegister
from partyledger.services.register import Outcome


class ExitRegister(MemberRegister):
    def strike_off(  # noqa: PLR0913
        self, actor: Actor, *, member_id: UUID, ground: StrikeOffGround, decision: Decision,
        effective_on: date, cell_resolution: Resolution | None = None,
    ) -> Outcome:
        """Strike a member off the rolls (xóa tên) on a ground for their status; a probationary
        member's cell votes it by ≥ 2/3."""
        return self._step("strike_off", actor, member_id, locals(), lambda m: m.strike_off(
            ground=ground, decision=decision, effective_on=effective_on,
            cell_resolution=cell_resolution, rules=rules_in_force(self.rule_book, decision.date)))

    def approve_withdrawal(
        self, actor: Actor, *, member_id: UUID, decision: Decision, effective_on: date,
        open_violation: bool,
    ) -> Outcome:
        """Let a member leave at their request; refused while a violation case is open."""
        return self._step("approve_withdrawal", actor, member_id, locals(), lambda m: m.approve_withdrawal(
            decision=decision, effective_on=effective_on, open_violation=open_violation))

    def record_death(self, actor: Actor, *, member_id: UUID, on: date) -> Outcome:
        """Record a death (từ trần); the record is closed afterwards."""
        return self._step("record_death", actor, member_id, locals(), lambda m: m.record_death(on=on))

    def readmit_member(  # noqa: PLR0913
        self, actor: Actor, *, member_id: UUID, cell_resolution: Resolution, decision: Decision,
        provincial_consent: Decision | None, ceremony_on: date,
        grassroots_resolution: Resolution | None = None, cell_id: UUID | None = None,
        extreme_family_hardship: bool = False, conviction_expunged_on: date | None = None,
        barred_by: tuple[ReadmissionBar, ...] = (), effective_on: date | None = None,
    ) -> Outcome:
        """Readmit someone who left (kết nạp lại), into ``cell_id`` or their last cell; the
        officer needs authority over that cell. Judged by the rules in force on the decision."""
        self.authorise_writer(actor)
        arguments = {k: v for k, v in locals().items() if k not in ("self", "actor")}

        def run() -> list[Any]:
            member = self.member(member_id)
            cell = self.writable_cell(actor, cell_id or member.cell_id)
            member.readmit(
                cell_resolution=cell_resolution, grassroots_resolution=grassroots_resolution,
                needs_grassroots=self.needs_grassroots(cell.id), decision=decision,
                provincial_consent=provincial_consent, ceremony_on=ceremony_on,
                rules=self._regulation_on(decision.date), cell_id=cell.id,
                extreme_family_hardship=extreme_family_hardship,
                conviction_expunged_on=conviction_expunged_on, barred_by=barred_by,
                effective_on=effective_on)
            return [member]

        return self.execute("readmit_member", arguments, run)

    def restore_membership(
        self, actor: Actor, *, member_id: UUID, decision: Decision, effective_on: date, apology: bool,
    ) -> Outcome:
        """Restore party standing after a wrongful exit (QĐ 117); party age is continuous."""
        return self._step("restore_membership", actor, member_id, locals(), lambda m: m.restore_membership(
            decision=decision, effective_on=effective_on, apology=apology))

    def grant_exemption(
        self, actor: Actor, *, member_id: UUID, ground: ExemptionGround, from_on: date,
        decision: Decision | None = None,
    ) -> Outcome:
        """Exempt a member from work and party activity for age or health (Charter Art. 7)."""
        return self._step("grant_exemption", actor, member_id, locals(), lambda m: m.grant_exemption(
            ground=ground, from_on=from_on, decision=decision))

    def end_exemption(self, actor: Actor, *, member_id: UUID, on: date) -> Outcome:
        """End a member's exemption; they are rated again from then on."""
        return self._step("end_exemption", actor, member_id, locals(), lambda m: m.end_exemption(on=on))

    def _regulation_on(self, day: date) -> Rules:
        rules = rules_in_force(self.rule_book, day)
        if rules is None:
            raise RegulationNotInForceError(f"the register holds no regulation in force on {day}",
                                            field="decision.date")
        return rules

"""Discipline, appeals, lapse and suspension of members: recorded by inspectors and tenant admins."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from partyledger.domain.decision import Decision
from partyledger.domain.member import Member
from partyledger.domain.discipline_rules import (
    DisciplineAppealOutcome,
    DisciplineAuthority,
    DisciplineForm,
    DisciplineRecord,
    SuspensionGround,
)
from partyledger.domain.votes import VoteTally
from partyledger.services.access import Actor, Role
from partyledger.services.members import MemberRegister
from partyledger.services.register import Outcome


class DisciplineRegister(MemberRegister):
    """The discipline ledger of each member (§2.9). Officers read it; they do not write it."""

    def impose_discipline(  # noqa: PLR0913
        self, actor: Actor, *, member_id: UUID, form: DisciplineForm, violation_on: date,
        decision: Decision, announced_on: date, vote: VoteTally,
        superior_vote: VoteTally | None = None, holds_post: bool = False,
        authority_kind: DisciplineAuthority | None = None, deferral_days: int = 0,
    ) -> Outcome:
        """Discipline a member; in effect from the announcement. Expulsion needs the superior's vote."""
        rules = self.rule_book.in_force(decision.date)
        return self._discipline_step("impose_discipline", actor, member_id, locals(), lambda m: (
            m.impose_discipline(form=form, violation_on=violation_on, decision=decision,
                                announced_on=announced_on, vote=vote, superior_vote=superior_vote,
                                holds_post=holds_post, authority_kind=authority_kind,
                                deferral_days=deferral_days, rules=rules)))

    def file_discipline_appeal(
        self, actor: Actor, *, member_id: UUID, discipline_ref: int, filed_on: date,
    ) -> Outcome:
        """Record the member's appeal (within 30 working days of the announcement)."""
        rules, calendar = self.rule_book.in_force(filed_on), self.working_calendar()
        return self._discipline_step("file_discipline_appeal", actor, member_id, locals(), lambda m: (
            m.file_discipline_appeal(discipline_ref=discipline_ref, filed_on=filed_on, rules=rules,
                                     calendar=calendar)))

    def resolve_discipline_appeal(  # noqa: PLR0913
        self, actor: Actor, *, member_id: UUID, discipline_ref: int,
        outcome: DisciplineAppealOutcome, decision: Decision, new_form: DisciplineForm | None = None,
    ) -> Outcome:
        """Uphold, change or annul a discipline on appeal; annulment restores and apologises."""
        return self._discipline_step("resolve_discipline_appeal", actor, member_id, locals(), lambda m: (
            m.resolve_discipline_appeal(discipline_ref=discipline_ref, outcome=outcome,
                                        decision=decision, new_form=new_form)))

    def lapse_discipline(self, actor: Actor, *, member_id: UUID, discipline_ref: int, on: date) -> Outcome:
        """Record that a discipline expired a year after its announcement."""
        rules = self.rule_book.in_force(on)
        return self._discipline_step("lapse_discipline", actor, member_id, locals(), lambda m: (
            m.lapse_discipline(discipline_ref=discipline_ref, on=on, rules=rules)))

    def suspend_activity(  # noqa: PLR0913
        self, actor: Actor, *, member_id: UUID, from_on: date, days: int | None,
        ground: SuspensionGround, decision: Decision | None = None,
    ) -> Outcome:
        """Suspend a member from party activity (đình chỉ sinh hoạt đảng)."""
        rules = self.rule_book.in_force(from_on)
        return self._discipline_step("suspend_activity", actor, member_id, locals(), lambda m: (
            m.suspend_activity(from_on=from_on, days=days, ground=ground, decision=decision, rules=rules)))

    def extend_suspension(
        self, actor: Actor, *, member_id: UUID, on: date, days: int, decision: Decision | None = None,
    ) -> Outcome:
        """Extend the suspension in force on ``on`` (180 days in all at most)."""
        rules = self.rule_book.in_force(on)
        return self._discipline_step("extend_suspension", actor, member_id, locals(), lambda m: (
            m.extend_suspension(on=on, days=days, decision=decision, rules=rules)))

    def end_suspension(
        self, actor: Actor, *, member_id: UUID, on: date, decision: Decision | None = None,
    ) -> Outcome:
        """End a suspension before its term; the member takes part again from ``on``."""
        return self._discipline_step("end_suspension", actor, member_id, locals(), lambda m: (
            m.end_suspension(on=on, decision=decision)))

    def member_disciplines(self, actor: Actor, member_id: UUID) -> list[DisciplineRecord]:
        """Every discipline of the member as it now stands, from the member's own events."""
        return list(self.readable_member(actor, member_id).disciplines)

    def _discipline_step(self, command: str, actor: Actor, member_id: UUID, given: dict[str, Any],
                         change: Any) -> Outcome:
        """Inspectors and tenant administrators record discipline anywhere in their tenant."""
        self.check_tenant(actor)
        actor.require(Role.INSPECTOR, Role.TENANT_ADMIN)
        arguments = {k: v for k, v in given.items() if k not in ("self", "actor", "rules", "calendar")}

        def run() -> list[Member]:
            member = self.member(member_id)
            change(member)
            return [member]

        return self.execute(command, arguments, run)

"""Screening campaigns (rà soát, sàng lọc): members' cases reviewed and concluded (DOMAIN.md §2.8).

Recorded by officers for members in their subtrees, and by inspectors and tenant administrators
anywhere in their tenant. Removals themselves are recorded by the exit and discipline commands.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from partyledger.domain.decision import Decision
from partyledger.domain.member import Member
from partyledger.domain.member_screening import ScreeningCase, ScreeningOutcome
from partyledger.services.access import Actor, Role
from partyledger.services.members import MemberRegister
from partyledger.services.register import Outcome


class ScreeningRegister(MemberRegister):
    def review_in_screening(  # noqa: PLR0913
        self, actor: Actor, *, member_id: UUID, campaign: str, campaign_name: str, reviewed_on: date,
        decision: Decision | None = None,
    ) -> Outcome:
        """Open a member's case in a screening campaign (once per campaign)."""
        return self._screening_step("review_in_screening", actor, member_id, locals(), lambda m: (
            m.review_in_screening(campaign=campaign, campaign_name=campaign_name,
                                  reviewed_on=reviewed_on, decision=decision)))

    def conclude_screening(  # noqa: PLR0913
        self, actor: Actor, *, member_id: UUID, campaign: str, outcome: ScreeningOutcome,
        effective_on: date, decision: Decision | None = None,
    ) -> Outcome:
        """Conclude a member's open case: REMOVED once struck off or expelled, else kept under
        monitoring or cleared."""
        return self._screening_step("conclude_screening", actor, member_id, locals(), lambda m: (
            m.conclude_screening(campaign=campaign, outcome=outcome, effective_on=effective_on,
                                 decision=decision)))

    def member_screenings(self, actor: Actor, member_id: UUID) -> list[ScreeningCase]:
        """The member's screening cases, from the member's own events."""
        return list(self.readable_member(actor, member_id).screenings)

    def _screening_step(self, command: str, actor: Actor, member_id: UUID, given: dict[str, Any],
                        change: Any) -> Outcome:
        """Inspectors and administrators anywhere in the tenant; officers in their subtrees."""
        self.check_tenant(actor)
        actor.require(Role.TENANT_ADMIN, Role.OFFICER, Role.INSPECTOR)
        arguments = {k: v for k, v in given.items() if k not in ("self", "actor")}

        def run() -> list[Member]:
            whole = actor.reads_whole_tenant
            member = self.member(member_id) if whole else self.writable_member(actor, member_id)
            change(member)
            return [member]

        return self.execute(command, arguments, run)

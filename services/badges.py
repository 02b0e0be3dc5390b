"""Party badges: awarding and handing back, and the reads of party age and badges due."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from partyledger.domain.decision import Decision
from partyledger.domain.member import Member
from partyledger.domain.party_age import BADGE_POLICY, BadgeDue, BadgePolicy, PartyAge
from partyledger.services.access import Actor
from partyledger.services.members import MemberRegister
from partyledger.services.register import Outcome


class BadgeRegister(MemberRegister):
    badge_policy: BadgePolicy = BADGE_POLICY

    def award_badge(  # noqa: PLR0913
        self, actor: Actor, *, member_id: UUID, level: int, awarded_on: date, decision: Decision,
        early_for_illness: bool = False, posthumous: bool = False,
    ) -> Outcome:
        """Award the party badge of ``level`` years (Huy hiệu Đảng), early for grave illness or
        posthumously where the rules allow."""
        return self._step("award_badge", actor, member_id, locals(), lambda m: m.award_badge(
            level=level, awarded_on=awarded_on, decision=decision,
            early_for_illness=early_for_illness, posthumous=posthumous, policy=self.badge_policy))

    def return_badge(
        self, actor: Actor, *, member_id: UUID, level: int, returned_on: date, reason: str,
    ) -> Outcome:
        """Record that a member who has left handed a badge back."""
        return self._step("return_badge", actor, member_id, locals(), lambda m: m.return_badge(
            level=level, returned_on=returned_on, reason=reason))

    def party_age(self, actor: Actor, *, member_id: UUID, as_of: date) -> PartyAge | None:
        """The member's party age on ``as_of``; None while it has not started (probation)."""
        return self._badge_holder(actor, member_id).party_age(as_of)

    def badges_due(
        self, actor: Actor, *, member_id: UUID, as_of: date, include_early: bool = False,
    ) -> list[BadgeDue]:
        """Badge levels reached by ``as_of`` and not awarded; with ``include_early``, also those
        open to an early award for grave illness."""
        member = self._badge_holder(actor, member_id)
        return member.badges_due(as_of, include_early=include_early, policy=self.badge_policy)

    def _badge_holder(self, actor: Actor, member_id: UUID) -> Member:
        return self.readable_member(actor, member_id)

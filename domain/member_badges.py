"""Party badges (Huy hiệu Đảng, §2.4): awarding a badge once its party age is reached, and
handing it back when the member leaves.

Part of the Member aggregate (see domain/member.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from partyledger.domain import party_age as age
from partyledger.domain.aggregate import RegisterAggregate
from partyledger.domain.decision import Decision
from partyledger.domain.errors import DateOrderError, DomainError, StatusDoesNotAllowError
from partyledger.domain.member_state import MemberState, MemberStatus


class BadgeLevelUnknownError(DomainError):
    code = "BADGE_LEVEL_UNKNOWN"


class BadgeNotYetDueError(DomainError):
    code = "BADGE_NOT_YET_DUE"


class BadgeAlreadyAwardedError(DomainError):
    code = "BADGE_ALREADY_AWARDED"


class BadgeLowerThanAwardedError(DomainError):
    code = "BADGE_LOWER_THAN_AWARDED"


class BadgeMemberExitedError(DomainError):
    code = "BADGE_MEMBER_EXITED"


class BadgePosthumousOnlyForDeceasedError(DomainError):
    code = "BADGE_POSTHUMOUS_ONLY_FOR_DECEASED"


class BadgeNotHeldError(DomainError):
    code = "BADGE_NOT_HELD"


@dataclass(frozen=True)
class AwardedBadge:
    level: int
    awarded_on: date
    early_for_illness: bool
    posthumous: bool
    returned_on: date | None = None


class Badges(MemberState):
    badges: tuple[AwardedBadge, ...] = ()

    class BadgeAwarded(RegisterAggregate.Event):
        level: int
        decision: Decision
        early_for_illness: bool
        posthumous: bool
        guidance: str
        effective_on: date

        def apply(self, member: Badges) -> None:
            member.badges = (*member.badges, AwardedBadge(
                self.level, self.effective_on, self.early_for_illness, self.posthumous))

    class BadgeReturned(RegisterAggregate.Event):
        level: int
        reason: str
        effective_on: date

        def apply(self, member: Badges) -> None:
            member.badges = tuple(replace(b, returned_on=self.effective_on)
                                  if b.level == self.level and b.returned_on is None else b
                                  for b in member.badges)

    @property
    def held_badges(self) -> tuple[int, ...]:
        """Levels awarded and not handed back."""
        return tuple(b.level for b in self.badges if b.returned_on is None)

    def party_age(self, as_of: date) -> age.PartyAge | None:
        return age.party_age(self, as_of)

    def badges_due(self, as_of: date, *, include_early: bool = False,
                   policy: age.BadgePolicy = age.BADGE_POLICY) -> list[age.BadgeDue]:
        return age.badges_due(self, as_of, held=self.held_badges, include_early=include_early,
                              policy=policy)

    def award_badge(  # noqa: PLR0913
        self, *, level: int, awarded_on: date, decision: Decision, early_for_illness: bool = False,
        posthumous: bool = False, policy: age.BadgePolicy = age.BADGE_POLICY,
    ) -> None:
        """Award the badge of ``level`` years once that party age is reached (up to 12/24 months
        earlier for a gravely ill member); never twice, never below a badge held, never to a
        member who has left; posthumously only to a deceased member."""
        check_award(self, level, awarded_on, early_for_illness, posthumous, policy)
        if awarded_on < decision.date:
            msg = f"the badge is awarded on {awarded_on}, before its decision of {decision.date}"
            raise DateOrderError(msg, field="effectiveOn")
        self.trigger_event(self.BadgeAwarded, level=level, decision=decision,  # type: ignore[attr-defined]
                           early_for_illness=early_for_illness, posthumous=posthumous,
                           guidance=policy.guidance, effective_on=awarded_on)

    def return_badge(self, *, level: int, returned_on: date, reason: str) -> None:
        """A member who leaves or is put out of the Party hands the badge back (§2.4)."""
        if self.status is not MemberStatus.EXITED:
            raise StatusDoesNotAllowError(f"the member is {self.status.name}; badges are handed back on leaving")
        if level not in self.held_badges:
            raise BadgeNotHeldError(f"the member holds no {level}-year badge", field="level")
        if not reason.strip():
            raise StatusDoesNotAllowError("handing a badge back needs a reason", field="reason")
        self.trigger_event(self.BadgeReturned, level=level, reason=reason.strip(),  # type: ignore[attr-defined]
                           effective_on=returned_on)


def check_award(  # noqa: PLR0913
    member: Badges, level: int, on: date, early: bool, posthumous: bool, policy: age.BadgePolicy,
) -> None:
    if level not in policy.levels:
        levels = ", ".join(str(lv) for lv in policy.levels)
        raise BadgeLevelUnknownError(f"there is no {level}-year badge; the levels are {levels}", field="level")
    if member.status is MemberStatus.EXITED:
        raise BadgeMemberExitedError("the member has left the Party", field="memberId")
    if posthumous and member.status is not MemberStatus.DECEASED:
        raise BadgePosthumousOnlyForDeceasedError("a posthumous award is for a deceased member", field="posthumous")
    if level in member.held_badges:
        raise BadgeAlreadyAwardedError(f"the {level}-year badge was already awarded", field="level")
    if level < max(member.held_badges, default=0):
        msg = f"the member holds the {max(member.held_badges)}-year badge; a lower one is not awarded"
        raise BadgeLowerThanAwardedError(msg, field="level")
    due = {d.level: d for d in age.badges_due(member, on, include_early=early, policy=policy)}
    if level not in due:
        party_age = age.party_age(member, on)
        counted = f"{party_age.years} years {party_age.months} months" if party_age else "no party age yet"
        window = f" (or {policy.early_months(level)} months less, early)" if early else ""
        msg = f"on {on} the member has {counted}; the badge needs {level} years{window}"
        raise BadgeNotYetDueError(msg, field="level")

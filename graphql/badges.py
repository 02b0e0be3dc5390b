"""Party badges in GraphQL: award and hand back, and the Member fields partyAge and badgesDue.

``PartyAgeFields`` is a mixin for the Member type (it reads ``self.member_id``); the resolver
functions serve the same fields to any type that knows a member's id. The mutations' payload
type is imported lazily because the Member type imports this module.
"""

import datetime
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from partyledger.domain.member_badges import Badges
from partyledger.graphql.commands import DecisionInput
from partyledger.graphql.context import ledger
from partyledger.graphql.contracts import FreeText, IdempotencyKeyText, checked_input
from partyledger.graphql.history import HistoryEntry, history_entry_for
from partyledger.graphql.ids import uuid_of

if TYPE_CHECKING:
    from partyledger.graphql.members import MemberPayload

Payload = Annotated["MemberPayload", strawberry.lazy("partyledger.graphql.members")]


@strawberry.type(description="Party age (tuổi đảng): from the first admission decision, without "
                 "the excluded periods (expelled, struck off, out of contact, transfer gaps).")
class PartyAge:
    days: int = strawberry.field(description="Days counted.")
    years: int = strawberry.field(description="Whole years: each anniversary moves later by the "
                                  "excluded days before it.")
    months: int = strawberry.field(description="Whole months beyond the years (0–11).")


@strawberry.type(description="A party badge (Huy hiệu Đảng) the member may be awarded.")
class BadgeDue:
    level: int = strawberry.field(description="Years of party age: 30, 40, 45, ... 90.")
    reached_on: datetime.date | None = strawberry.field(
        description="The day the level is reached; null while an open excluded period stops the count.")
    early_from: datetime.date | None = strawberry.field(
        description="From this day the badge may be awarded early to a gravely ill member.")
    round_on: datetime.date = strawberry.field(
        description="The first award round (3/2, 19/5, 2/9, 7/11) on or after the day it may be awarded.")
    early: bool = strawberry.field(description="Not reached yet: only as an early award for grave illness.")
    posthumous: bool = strawberry.field(description="The member has died: a posthumous award (truy tặng).")


async def resolve_party_age(info: Info[Any, Any], member_id: UUID, as_of: datetime.date | None) -> PartyAge | None:
    """The member's party age on ``as_of`` (today by default); null while still probationary."""
    day = as_of or datetime.date.today()
    found = await ledger(info).read(lambda r, a: r.party_age(a, member_id=member_id, as_of=day),
                                    ids=[member_id])
    return PartyAge(days=found.days, years=found.years, months=found.months) if found else None


async def resolve_badges_due(
    info: Info[Any, Any], member_id: UUID, as_of: datetime.date | None, include_early: bool = False,
) -> list[BadgeDue]:
    """Badge levels reached by ``as_of`` (today by default) and not yet awarded."""
    day = as_of or datetime.date.today()
    due = await ledger(info).read(lambda r, a: r.badges_due(
        a, member_id=member_id, as_of=day, include_early=include_early), ids=[member_id])
    return [BadgeDue(level=d.level, reached_on=d.reached_on, early_from=d.early_from,
                     round_on=d.round_on, early=d.early, posthumous=d.posthumous) for d in due]


@strawberry.type
class PartyAgeFields:
    """Fields for the Member type; the type provides ``member_id``."""

    @strawberry.field(description="Party age on `asOf` (today by default); null while the member "
                      "has not been recognised as official.")
    async def party_age(self, info: Info[Any, Any], as_of: datetime.date | None = None) -> PartyAge | None:
        return await resolve_party_age(info, UUID(self.member_id), as_of)  # type: ignore[attr-defined]

    @strawberry.field(description="Badges reached by `asOf` (today by default) and not awarded; none "
                      "once the member has left. `includeEarly` adds levels open to an early award.")
    async def badges_due(
        self, info: Info[Any, Any], as_of: datetime.date | None = None, include_early: bool = False,
    ) -> list[BadgeDue]:
        return await resolve_badges_due(info, UUID(self.member_id), as_of, include_early)  # type: ignore[attr-defined]


@checked_input
class AwardBadgeInput:
    member_id: relay.GlobalID
    level: int = strawberry.field(description="Years of party age: 30, 40, 45, ... 90.")
    decision: DecisionInput
    effective_on: datetime.date = strawberry.field(description="The day the badge is awarded.")
    early_for_illness: bool = strawberry.field(
        default=False, description="Early award to a gravely ill member: up to 12 months before the "
        "level is reached (30–65 years), 24 months (70–90).")
    posthumous: bool = strawberry.field(default=False, description="Posthumous award (truy tặng).")
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class ReturnBadgeInput:
    member_id: relay.GlobalID
    level: int
    reason: FreeText
    effective_on: datetime.date = strawberry.field(description="The day the badge was handed back.")
    idempotency_key: IdempotencyKeyText | None = None


async def _member_payload(info: Info[Any, Any], key: str | None, command: Any) -> Any:
    # Imported here, not above: graphql/members.py imports this module for the Member fields.
    from partyledger.graphql.members import member_payload  # noqa: PLC0415

    return await member_payload(info, key, command)


@strawberry.type
class BadgesMutation:
    @strawberry.mutation(description="Award a party badge (Huy hiệu Đảng) once its party age is reached.")
    async def award_badge(self, info: Info[Any, Any], input: AwardBadgeInput) -> Payload:
        member = uuid_of(input.member_id, "Member", "memberId")
        return await _member_payload(info, input.idempotency_key, lambda c: c.register.award_badge(
            c.actor, member_id=member, level=input.level, awarded_on=input.effective_on,
            decision=input.decision.to_domain(), early_for_illness=input.early_for_illness,
            posthumous=input.posthumous))

    @strawberry.mutation(description="Record a badge handed back by a member who has left the Party.")
    async def return_badge(self, info: Info[Any, Any], input: ReturnBadgeInput) -> Payload:
        member = uuid_of(input.member_id, "Member", "memberId")
        return await _member_payload(info, input.idempotency_key, lambda c: c.register.return_badge(
            c.actor, member_id=member, level=input.level, returned_on=input.effective_on,
            reason=input.reason))


@strawberry.type(description="A party badge awarded (Huy hiệu Đảng).")
class BadgeAwardedEntry(HistoryEntry):
    level: int
    early_for_illness: bool
    posthumous: bool
    guidance: str


@strawberry.type(description="A party badge handed back on leaving the Party.")
class BadgeReturnedEntry(HistoryEntry):
    level: int
    reason: str


history_entry_for(Badges.BadgeAwarded, BadgeAwardedEntry, lambda e: {
    "level": e.level, "early_for_illness": e.early_for_illness, "posthumous": e.posthumous,
    "guidance": e.guidance})
history_entry_for(Badges.BadgeReturned, BadgeReturnedEntry,
                  lambda e: {"level": e.level, "reason": e.reason})

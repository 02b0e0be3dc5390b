"""The annual review in GraphQL: rate a member, and the history entry a rating leaves.

The payload type is imported lazily, so that the Member type may later import the enums here.
"""

import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from partyledger.domain.member_ratings import ForcedReason as DomainForcedReason
from partyledger.domain.member_ratings import Ratings
from partyledger.domain.rating_schemes import RATING_SCHEMES, Grade
from partyledger.graphql.commands import DecisionInput
from partyledger.graphql.contracts import FreeText, IdempotencyKeyText, checked_input
from partyledger.graphql.history import HistoryEntry, history_entry_for
from partyledger.graphql.ids import uuid_of

if TYPE_CHECKING:
    from partyledger.graphql.members import MemberPayload

Payload = Annotated["MemberPayload", strawberry.lazy("partyledger.graphql.members")]

RatingGrade = strawberry.enum(
    Enum("RatingGrade", {g.name: strawberry.enum_value(g.name, description=g.label) for g in Grade}),  # type: ignore[misc]
    description="A grade of the annual review; each value's description is its Vietnamese label.",
)
ForcedReason = strawberry.enum(
    Enum("ForcedReason", {r.name: strawberry.enum_value(r.name, description=r.label)  # type: ignore[misc]
                          for r in DomainForcedReason}),
    description="Why a member can only be rated NOT_COMPLETED.",
)


@checked_input(description="A member's rating for one year (kiểm điểm, đánh giá, xếp loại).")
class RateMemberInput:
    member_id: relay.GlobalID
    year: int = strawberry.field(description="The year reviewed; its scheme is the one in force on 31 December.")
    grade: RatingGrade  # type: ignore[valid-type]
    effective_on: datetime.date = strawberry.field(
        description="The day the rating is decided: the review's date for the six-month and suspension rules.")
    points: float | None = strawberry.field(
        default=None, description="On the 100-point scale (QĐ 366, reviews from 2025); null before.")
    decision: DecisionInput | None = None
    forced_reason: ForcedReason | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="A conclusion that forces NOT_COMPLETED (discipline in the year is "
        "taken from the member's record).")
    correction_reason: FreeText | None = strawberry.field(
        default=None, description="Set to correct the year's rating already recorded.")
    idempotency_key: IdempotencyKeyText | None = None


@strawberry.type
class RatingsMutation:
    @strawberry.mutation(description="Rate a member for a year; EXCELLENT is capped within the "
                         "member's grassroots organisation.")
    async def rate_member(self, info: Info[Any, Any], input: RateMemberInput) -> Payload:
        from partyledger.graphql.members import member_payload  # noqa: PLC0415 (see the module's docstring)

        member = uuid_of(input.member_id, "Member", "memberId")
        forced = DomainForcedReason[input.forced_reason.name] if input.forced_reason else None
        return await member_payload(info, input.idempotency_key, lambda c: c.register.rate_member(
            c.actor, member_id=member, year=input.year, grade=Grade[input.grade.name],
            effective_on=input.effective_on, points=input.points,
            decision=input.decision.to_domain() if input.decision else None,
            forced_reason=forced, correction_reason=input.correction_reason))


@strawberry.type(description="A rating of the annual review.")
class RatedEntry(HistoryEntry):
    year: int
    grade: RatingGrade  # type: ignore[valid-type]
    grade_label: str = strawberry.field(description="The grade as the scheme names it, in Vietnamese.")
    points: float | None
    scheme: str = strawberry.field(description="The rating scheme: LEGACY_HD27, QD132, QD124, QD366.")
    forced_by: list[ForcedReason]  # type: ignore[valid-type]
    corrects: RatingGrade | None = strawberry.field(  # type: ignore[valid-type]
        description="The grade this rating replaces, for a correction.")
    correction_reason: str | None


def _rated(event: Ratings.Rated) -> dict[str, Any]:
    label = RATING_SCHEMES.named(event.scheme).member_label(event.grade)
    return {
        "year": event.year, "grade": RatingGrade[event.grade.name], "grade_label": label,
        "points": event.points, "scheme": event.scheme,
        "forced_by": [ForcedReason[r.name] for r in event.forced_by],
        "corrects": RatingGrade[event.corrects.name] if event.corrects else None,
        "correction_reason": event.correction_reason,
    }


history_entry_for(Ratings.Rated, RatedEntry, _rated)

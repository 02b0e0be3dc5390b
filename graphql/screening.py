"""Screening campaigns in GraphQL (rà soát, sàng lọc): review and conclude a member's case, the
history entries, and ``ScreeningFields`` (a Member mixin reading ``self.member_id``).

The payload type is imported lazily so that the Member type can take the mixin.
"""

import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import anyio.to_thread
import strawberry
from strawberry import relay
from strawberry.types import Info

from partyledger.domain import member_screening as domain
from partyledger.domain.member_screening import Screening, ScreeningCase
from partyledger.graphql.commands import DecisionInput, DecisionRecord
from partyledger.graphql.context import ledger
from partyledger.graphql.contracts import IdempotencyKeyText, checked_input
from partyledger.graphql.history import HistoryEntry, global_id, history_entry_for
from partyledger.graphql.ids import uuid_of

if TYPE_CHECKING:
    from partyledger.graphql.members import MemberPayload

Payload = Annotated["MemberPayload", strawberry.lazy("partyledger.graphql.members")]

ScreeningOutcome = strawberry.enum(
    Enum("ScreeningOutcome", {k.name: k.name for k in domain.ScreeningOutcome}),  # type: ignore[misc]
    description="How a screening case ended (Vietnamese label in `outcomeLabel`).")
ScreeningExitKind = strawberry.enum(
    Enum("ScreeningExitKind", {k.name: k.name for k in domain.REMOVAL_KINDS}),  # type: ignore[misc]
    description="The exit a REMOVED case rests on: struck off (xóa tên) or expelled (khai trừ).")

CAMPAIGN = "The campaign's reference, e.g. its plan's number (15-KH/TU 2019); one case per member."


@strawberry.type(description="A member's case in a screening campaign (rà soát, sàng lọc).")
class MemberScreening:
    campaign: str = strawberry.field(description=CAMPAIGN)
    campaign_name: str
    reviewed_on: datetime.date
    decision: DecisionRecord | None
    open: bool = strawberry.field(description="Not concluded yet.")
    outcome: ScreeningOutcome | None  # type: ignore[valid-type]
    outcome_label: str | None
    concluded_on: datetime.date | None
    exit_kind: ScreeningExitKind | None  # type: ignore[valid-type]
    exit_on: datetime.date | None

    @classmethod
    def of(cls, case: ScreeningCase) -> "MemberScreening":
        return cls(campaign=case.campaign, campaign_name=case.campaign_name, reviewed_on=case.reviewed_on,
                   decision=DecisionRecord.of(case.decision), open=case.open,
                   outcome=ScreeningOutcome[case.outcome.name] if case.outcome else None,
                   outcome_label=case.outcome.label if case.outcome else None,
                   concluded_on=case.concluded_on,
                   exit_kind=ScreeningExitKind[case.exit_kind.name] if case.exit_kind else None,
                   exit_on=case.exit_on)


@strawberry.type
class ScreeningFields:
    """Fields for the Member type; the type provides ``member_id``."""

    @strawberry.field(description="The member's screening cases, open and concluded, in order.")
    async def screenings(self, info: Info[Any, Any]) -> list[MemberScreening]:
        context, member_id = ledger(info), UUID(self.member_id)  # type: ignore[attr-defined]
        cases = await anyio.to_thread.run_sync(context.register.member_screenings, context.actor, member_id)
        return [MemberScreening.of(c) for c in cases]


@checked_input
class ReviewInScreeningInput:
    member_id: relay.GlobalID
    campaign: str = strawberry.field(description=CAMPAIGN)
    campaign_name: str = strawberry.field(description="The campaign's name, as the committee titles it.")
    effective_on: datetime.date = strawberry.field(description="The day the member's case was reviewed.")
    decision: DecisionInput | None = strawberry.field(default=None, description="The plan or decision "
                                                      "the review rests on, where there is one.")
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class ConcludeScreeningInput:
    member_id: relay.GlobalID
    campaign: str = strawberry.field(description=CAMPAIGN)
    outcome: ScreeningOutcome = strawberry.field(  # type: ignore[valid-type]
        description="REMOVED only once the member has been struck off or expelled after the review.")
    effective_on: datetime.date = strawberry.field(description="The day the case was concluded.")
    decision: DecisionInput | None = None
    idempotency_key: IdempotencyKeyText | None = None


async def _payload(info: Info[Any, Any], key: str | None, command: Any) -> "MemberPayload":
    from partyledger.graphql.members import member_payload  # noqa: PLC0415 (see the module's docstring)

    return await member_payload(info, key, command)


@strawberry.type
class ScreeningMutation:
    @strawberry.mutation(description="Open a member's case in a screening campaign (rà soát, sàng lọc).")
    async def review_in_screening(self, info: Info[Any, Any], input: ReviewInScreeningInput) -> Payload:
        member = uuid_of(input.member_id, "Member", "memberId")
        decision = input.decision.to_domain() if input.decision else None
        return await _payload(info, input.idempotency_key, lambda c: c.register.review_in_screening(
            c.actor, member_id=member, campaign=input.campaign, campaign_name=input.campaign_name,
            reviewed_on=input.effective_on, decision=decision))

    @strawberry.mutation(description="Conclude a member's screening case: removed, kept under "
                         "monitoring and education, or cleared.")
    async def conclude_screening(self, info: Info[Any, Any], input: ConcludeScreeningInput) -> Payload:
        member = uuid_of(input.member_id, "Member", "memberId")
        decision = input.decision.to_domain() if input.decision else None
        return await _payload(info, input.idempotency_key, lambda c: c.register.conclude_screening(
            c.actor, member_id=member, campaign=input.campaign,
            outcome=domain.ScreeningOutcome[input.outcome.name], effective_on=input.effective_on,
            decision=decision))


@strawberry.type(description="Reviewed in a screening campaign (rà soát, sàng lọc): a case opened.")
class ScreeningReviewedEntry(HistoryEntry):
    campaign: str
    campaign_name: str
    cell_id: strawberry.ID


@strawberry.type(description="A screening case concluded.")
class ScreeningConcludedEntry(HistoryEntry):
    campaign: str
    outcome: ScreeningOutcome  # type: ignore[valid-type]
    outcome_label: str
    exit_kind: ScreeningExitKind | None  # type: ignore[valid-type]
    exit_on: datetime.date | None


history_entry_for(Screening.ScreeningReviewed, ScreeningReviewedEntry, lambda e: {
    "campaign": e.campaign, "campaign_name": e.campaign_name,
    "cell_id": global_id("Organization", e.cell_id)})
history_entry_for(Screening.ScreeningConcluded, ScreeningConcludedEntry, lambda e: {
    "campaign": e.campaign, "outcome": ScreeningOutcome[e.outcome.name], "outcome_label": e.outcome.label,
    "exit_kind": ScreeningExitKind[e.exit_kind.name] if e.exit_kind else None, "exit_on": e.exit_on})

"""Exits and returns in GraphQL: strike-off, withdrawal, death, readmission, restoration and
exemption, with their history entries."""

import datetime
from enum import Enum
from typing import Any, TypeVar

import strawberry
from strawberry import relay
from strawberry.types import Info

from partyledger.domain.member_exits import ExemptionGround as DomainExemptionGround
from partyledger.domain.member_exits import Exits
from partyledger.domain.member_exits import ReadmissionBar as DomainReadmissionBar
from partyledger.domain.member_exits import StrikeOffGround as DomainStrikeOffGround
from partyledger.graphql.commands import DecisionInput, DecisionRecord
from partyledger.graphql.contracts import IdempotencyKeyText, checked_input
from partyledger.graphql.history import HistoryEntry, global_id, history_entry_for
from partyledger.graphql.ids import uuid_of
from partyledger.graphql.inputs import ResolutionInput
from partyledger.graphql.members import MemberPayload, MemberStatus, member_payload

E = TypeVar("E", bound=Enum)


def _enum(domain: type[Enum], description: str) -> Any:
    """The domain's enum by name in the schema, leaving the domain class itself undecorated."""
    mirror = Enum(domain.__name__, {k.name: k.name for k in domain})  # type: ignore[misc]
    return strawberry.enum(mirror, description=description)


def _domain(kind: type[E], given: Any) -> E:
    return kind[given.name]


StrikeOffGround = _enum(DomainStrikeOffGround, "Grounds for striking a name off the rolls (xóa tên).")
ExemptionGround = _enum(DomainExemptionGround, "Why a member is exempted (miễn công tác và sinh hoạt).")
ReadmissionBar = _enum(DomainReadmissionBar, "Facts that bar readmission for ever (§2.10).")


@checked_input
class StrikeOffInput:
    member_id: relay.GlobalID
    ground: StrikeOffGround  # type: ignore[valid-type]
    decision: DecisionInput
    effective_on: datetime.date
    cell_resolution: ResolutionInput | None = strawberry.field(
        default=None, description="The cell's vote; required (≥ 2/3) for a probationary member.")
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class ApproveWithdrawalInput:
    member_id: relay.GlobalID
    decision: DecisionInput
    effective_on: datetime.date
    open_violation: bool = strawberry.field(
        description="Whether a violation case is open against the member: then it is refused.")
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class RecordDeathInput:
    member_id: relay.GlobalID
    effective_on: datetime.date = strawberry.field(description="The day of death.")
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class ReadmitMemberInput:
    member_id: relay.GlobalID
    cell_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The cell of the new membership; defaults to the last one.")
    cell_resolution: ResolutionInput = strawberry.field(
        description="The cell's vote (≥ 2/3); 36 months after leaving at the earliest.")
    grassroots_resolution: ResolutionInput | None = None
    provincial_consent: DecisionInput | None = strawberry.field(
        description="The provincial standing committee's written consent, before the decision.")
    decision: DecisionInput
    effective_on: datetime.date
    ceremony_on: datetime.date = strawberry.field(description="Probation starts again at the ceremony.")
    extreme_family_hardship: bool = strawberry.field(
        default=False, description="Lets someone who left at their own request be readmitted.")
    conviction_expunged_on: datetime.date | None = strawberry.field(
        default=None, description="After a conviction: readmission waits 60 months from expungement.")
    barred_by: list[ReadmissionBar] = strawberry.field(default_factory=list)  # type: ignore[valid-type]
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class RestoreMembershipInput:
    member_id: relay.GlobalID
    decision: DecisionInput
    effective_on: datetime.date
    apology: bool = strawberry.field(default=True, description="A formal apology was made (QĐ 117).")
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class GrantExemptionInput:
    member_id: relay.GlobalID
    ground: ExemptionGround  # type: ignore[valid-type]
    effective_on: datetime.date = strawberry.field(description="Exempt from this day.")
    decision: DecisionInput | None = strawberry.field(default=None, description="The cell's decision.")
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class EndExemptionInput:
    member_id: relay.GlobalID
    effective_on: datetime.date = strawberry.field(description="No longer exempt from this day.")
    idempotency_key: IdempotencyKeyText | None = None


def _member(given: relay.GlobalID) -> Any:
    return uuid_of(given, "Member", "memberId")


@strawberry.type
class ExitsMutation:
    @strawberry.mutation(description="Strike a member off the rolls (xóa tên) on a ground for their status.")
    async def strike_off(self, info: Info[Any, Any], input: StrikeOffInput) -> MemberPayload:
        resolution = input.cell_resolution.to_domain() if input.cell_resolution else None
        return await member_payload(info, input.idempotency_key, lambda c: c.register.strike_off(
            c.actor, member_id=_member(input.member_id), ground=_domain(DomainStrikeOffGround, input.ground),
            decision=input.decision.to_domain(), effective_on=input.effective_on,
            cell_resolution=resolution))

    @strawberry.mutation(description="Let a member leave at their request (xin ra khỏi Đảng).")
    async def approve_withdrawal(self, info: Info[Any, Any], input: ApproveWithdrawalInput) -> MemberPayload:
        return await member_payload(info, input.idempotency_key, lambda c: c.register.approve_withdrawal(
            c.actor, member_id=_member(input.member_id), decision=input.decision.to_domain(),
            effective_on=input.effective_on, open_violation=input.open_violation))

    @strawberry.mutation(description="Record a member's death (từ trần); the record is then closed.")
    async def record_death(self, info: Info[Any, Any], input: RecordDeathInput) -> MemberPayload:
        return await member_payload(info, input.idempotency_key, lambda c: c.register.record_death(
            c.actor, member_id=_member(input.member_id), on=input.effective_on))

    @strawberry.mutation(description="Readmit someone who left (kết nạp lại): once, with probation again.")
    async def readmit_member(self, info: Info[Any, Any], input: ReadmitMemberInput) -> MemberPayload:
        cell = uuid_of(input.cell_id, "Organization", "cellId") if input.cell_id else None
        grassroots = input.grassroots_resolution.to_domain() if input.grassroots_resolution else None
        consent = input.provincial_consent.to_domain() if input.provincial_consent else None
        bars = tuple(_domain(DomainReadmissionBar, b) for b in input.barred_by)
        return await member_payload(info, input.idempotency_key, lambda c: c.register.readmit_member(
            c.actor, member_id=_member(input.member_id), cell_resolution=input.cell_resolution.to_domain(),
            decision=input.decision.to_domain(), provincial_consent=consent, ceremony_on=input.ceremony_on,
            grassroots_resolution=grassroots, cell_id=cell, barred_by=bars,
            extreme_family_hardship=input.extreme_family_hardship,
            conviction_expunged_on=input.conviction_expunged_on, effective_on=input.effective_on))

    @strawberry.mutation(description="Restore party standing after a wrongful exit (QĐ 117).")
    async def restore_membership(self, info: Info[Any, Any], input: RestoreMembershipInput) -> MemberPayload:
        return await member_payload(info, input.idempotency_key, lambda c: c.register.restore_membership(
            c.actor, member_id=_member(input.member_id), decision=input.decision.to_domain(),
            effective_on=input.effective_on, apology=input.apology))

    @strawberry.mutation(description="Exempt a member from work and activity for age or health.")
    async def grant_exemption(self, info: Info[Any, Any], input: GrantExemptionInput) -> MemberPayload:
        decision = input.decision.to_domain() if input.decision else None
        return await member_payload(info, input.idempotency_key, lambda c: c.register.grant_exemption(
            c.actor, member_id=_member(input.member_id), ground=_domain(DomainExemptionGround, input.ground),
            from_on=input.effective_on, decision=decision))

    @strawberry.mutation(description="End a member's exemption.")
    async def end_exemption(self, info: Info[Any, Any], input: EndExemptionInput) -> MemberPayload:
        return await member_payload(info, input.idempotency_key, lambda c: c.register.end_exemption(
            c.actor, member_id=_member(input.member_id), on=input.effective_on))


@strawberry.type(description="Struck off the rolls (xóa tên).")
class StruckOffEntry(HistoryEntry):
    strike_off_ground: StrikeOffGround  # type: ignore[valid-type]
    strike_off_ground_label: str
    left_as: MemberStatus
    cell_votes_in_favour: int | None
    cell_eligible: int | None


@strawberry.type(description="Allowed to leave the Party at their request (xin ra khỏi Đảng).")
class VoluntaryWithdrawalEntry(HistoryEntry):
    left_as: MemberStatus


@strawberry.type(description="Died (từ trần).")
class DeceasedEntry(HistoryEntry):
    pass


@strawberry.type(description="Readmitted (kết nạp lại): a new membership, probation again.")
class ReadmittedEntry(HistoryEntry):
    cell_id: strawberry.ID
    left_on: datetime.date
    ceremony_on: datetime.date
    provincial_consent: DecisionRecord | None
    extreme_family_hardship: bool
    regulation: str


@strawberry.type(description="Party standing restored after a wrongful exit (QĐ 117).")
class MembershipRestoredEntry(HistoryEntry):
    left_on: datetime.date
    restored_as: MemberStatus
    apology: bool


@strawberry.type(description="Exempted from work and activity (miễn công tác và sinh hoạt đảng).")
class ExemptionGrantedEntry(HistoryEntry):
    exemption_ground: ExemptionGround  # type: ignore[valid-type]
    exemption_ground_label: str


@strawberry.type(description="The exemption ended.")
class ExemptionEndedEntry(HistoryEntry):
    pass


history_entry_for(Exits.StruckOff, StruckOffEntry, lambda e: {
    "strike_off_ground": StrikeOffGround[e.ground.name], "strike_off_ground_label": e.ground.label,
    "left_as": MemberStatus[e.left_as.name],
    "cell_votes_in_favour": e.cell_resolution.vote.in_favour if e.cell_resolution else None,
    "cell_eligible": e.cell_resolution.vote.eligible if e.cell_resolution else None})
history_entry_for(Exits.VoluntaryWithdrawalApproved, VoluntaryWithdrawalEntry,
                  lambda e: {"left_as": MemberStatus[e.left_as.name]})
history_entry_for(Exits.Deceased, DeceasedEntry)
history_entry_for(Exits.Readmitted, ReadmittedEntry, lambda e: {
    "cell_id": global_id("Organization", e.cell_id), "left_on": e.exit_on, "ceremony_on": e.ceremony_on,
    "provincial_consent": DecisionRecord.of(e.provincial_consent),
    "extreme_family_hardship": e.extreme_family_hardship, "regulation": e.regulation})
history_entry_for(Exits.MembershipRestored, MembershipRestoredEntry, lambda e: {
    "left_on": e.exit_on, "restored_as": MemberStatus[e.restored_as.name], "apology": e.apology})
history_entry_for(Exits.ExemptionGranted, ExemptionGrantedEntry, lambda e: {
    "exemption_ground": ExemptionGround[e.ground.name], "exemption_ground_label": e.ground.label})
history_entry_for(Exits.ExemptionEnded, ExemptionEndedEntry)

"""Admission and probation mutations: the pipeline step by step or at once, recognition, cards."""

import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from partyledger.domain.admission import AdmissionPipeline
from partyledger.domain.member import Member as MemberAggregate
from partyledger.domain.probation import Probation
from partyledger.graphql.commands import DecisionInput
from partyledger.graphql.contracts import (
    DecisionNumberText, FreeText, IdempotencyKeyText, IdentifierText, PersonNameText,
    checked_input,
)
from partyledger.graphql.history import HistoryEntry, global_id, history_entry_for
from partyledger.graphql.ids import uuid_of
from partyledger.graphql.inputs import IntroducerInput, ResolutionInput
from partyledger.graphql.members import MemberPayload, member_payload


def _decision(given: DecisionInput | None) -> Any:
    return given.to_domain() if given else None


@checked_input
class AdmitMemberInput:
    cell_id: relay.GlobalID
    full_name: PersonNameText
    birth_date: datetime.date
    introducers: list[IntroducerInput]
    cell_resolution: ResolutionInput
    grassroots_resolution: ResolutionInput | None = strawberry.field(
        default=None, description="Required when the cell is not itself a grassroots cell.")
    decision: DecisionInput
    decision_received_on: datetime.date | None = strawberry.field(
        default=None, description="When the cell received the decision; defaults to its date.")
    extended: bool = strawberry.field(default=False, description="The decision's time limit was extended.")
    ceremony_on: datetime.date = strawberry.field(description="Probation starts at the ceremony.")
    provincial_authority: DecisionInput | None = strawberry.field(
        default=None, description="The province's decision for an applicant over 60.")
    late_consent: DecisionInput | None = strawberry.field(
        default=None, description="The superior's consent to a ceremony after 30 working days.")
    citizen_id: IdentifierText | None = None
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class OpenCandidacyInput:
    cell_id: relay.GlobalID
    full_name: PersonNameText
    birth_date: datetime.date
    introducers: list[IntroducerInput]
    effective_on: datetime.date = strawberry.field(description="The date of the application.")
    citizen_id: IdentifierText | None = None
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class ResolutionStepInput:
    member_id: relay.GlobalID
    resolution: ResolutionInput
    provincial_authority: DecisionInput | None = None
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class DecideAdmissionInput:
    member_id: relay.GlobalID
    decision: DecisionInput
    decision_received_on: datetime.date | None = None
    extended: bool = False
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class HoldCeremonyInput:
    member_id: relay.GlobalID
    effective_on: datetime.date = strawberry.field(description="The day of the ceremony.")
    late_consent: DecisionInput | None = None
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class RecognizeOfficialInput:
    member_id: relay.GlobalID
    cell_resolution: ResolutionInput = strawberry.field(
        description="The cell's vote; it must come after the twelve months of probation.")
    grassroots_resolution: ResolutionInput | None = None
    decision: DecisionInput
    effective_on: datetime.date
    extended: bool = False
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class IssuePartyCardInput:
    member_id: relay.GlobalID
    card_number: DecisionNumberText
    effective_on: datetime.date
    decision: DecisionInput | None = None
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class CorrectMemberRecordInput:
    member_id: relay.GlobalID
    amends_version: int = strawberry.field(description="The history entry being corrected.")
    reason: FreeText
    effective_on: datetime.date
    full_name: PersonNameText | None = None
    birth_date: datetime.date | None = None
    idempotency_key: IdempotencyKeyText | None = None


def _member(given: relay.GlobalID) -> Any:
    return uuid_of(given, "Member", "memberId")


@strawberry.type
class AdmissionMutation:
    @strawberry.mutation(description="Record a whole admission (kết nạp): every step is checked.")
    async def admit_member(self, info: Info[Any, Any], input: AdmitMemberInput) -> MemberPayload:
        cell = uuid_of(input.cell_id, "Organization", "cellId")
        introducers = tuple(i.to_domain() for i in input.introducers)
        return await member_payload(info, input.idempotency_key, lambda c: c.register.admit_member(
            c.actor, full_name=input.full_name, birth_date=input.birth_date, cell_id=cell,
            introducers=introducers, cell_resolution=input.cell_resolution.to_domain(),
            grassroots_resolution=input.grassroots_resolution.to_domain() if input.grassroots_resolution else None,
            decision=input.decision.to_domain(), decision_received_on=input.decision_received_on,
            extended=input.extended, ceremony_on=input.ceremony_on,
            provincial_authority=_decision(input.provincial_authority),
            late_consent=_decision(input.late_consent), citizen_id=input.citizen_id))

    @strawberry.mutation(description="Open an applicant's record in a cell.")
    async def open_candidacy(self, info: Info[Any, Any], input: OpenCandidacyInput) -> MemberPayload:
        cell = uuid_of(input.cell_id, "Organization", "cellId")
        introducers = tuple(i.to_domain() for i in input.introducers)
        return await member_payload(info, input.idempotency_key, lambda c: c.register.open_candidacy(
            c.actor, full_name=input.full_name, birth_date=input.birth_date, cell_id=cell,
            introducers=introducers, applied_on=input.effective_on, citizen_id=input.citizen_id))

    @strawberry.mutation(description="The cell's resolution to admit (≥ 2/3 of official members).")
    async def pass_cell_resolution(self, info: Info[Any, Any], input: ResolutionStepInput) -> MemberPayload:
        return await member_payload(info, input.idempotency_key, lambda c: c.register.pass_cell_resolution(
            c.actor, member_id=_member(input.member_id), resolution=input.resolution.to_domain(),
            provincial_authority=_decision(input.provincial_authority)))

    @strawberry.mutation(description="The grassroots committee's resolution to admit.")
    async def pass_grassroots_resolution(self, info: Info[Any, Any], input: ResolutionStepInput) -> MemberPayload:
        return await member_payload(info, input.idempotency_key, lambda c: c.register.pass_grassroots_resolution(
            c.actor, member_id=_member(input.member_id), resolution=input.resolution.to_domain()))

    @strawberry.mutation(description="The competent committee's admission decision.")
    async def decide_admission(self, info: Info[Any, Any], input: DecideAdmissionInput) -> MemberPayload:
        return await member_payload(info, input.idempotency_key, lambda c: c.register.decide_admission(
            c.actor, member_id=_member(input.member_id), decision=input.decision.to_domain(),
            received_on=input.decision_received_on, extended=input.extended))

    @strawberry.mutation(description="The admission ceremony; probation starts.")
    async def hold_admission_ceremony(self, info: Info[Any, Any], input: HoldCeremonyInput) -> MemberPayload:
        return await member_payload(info, input.idempotency_key, lambda c: c.register.hold_ceremony(
            c.actor, member_id=_member(input.member_id), on=input.effective_on,
            late_consent=_decision(input.late_consent)))

    @strawberry.mutation(description="Recognise a probationary member as official.")
    async def recognize_official(self, info: Info[Any, Any], input: RecognizeOfficialInput) -> MemberPayload:
        return await member_payload(info, input.idempotency_key, lambda c: c.register.recognize_official(
            c.actor, member_id=_member(input.member_id), cell_resolution=input.cell_resolution.to_domain(),
            grassroots_resolution=input.grassroots_resolution.to_domain() if input.grassroots_resolution else None,
            decision=input.decision.to_domain(), effective_on=input.effective_on, extended=input.extended))

    @strawberry.mutation(description="Issue a party card (official members; number unique in the tenant).")
    async def issue_party_card(self, info: Info[Any, Any], input: IssuePartyCardInput) -> MemberPayload:
        return await member_payload(info, input.idempotency_key, lambda c: c.register.issue_party_card(
            c.actor, member_id=_member(input.member_id), card_number=input.card_number,
            effective_on=input.effective_on, decision=_decision(input.decision)))

    @strawberry.mutation(description="Correct a recorded fact with a new event naming the one amended.")
    async def correct_member_record(self, info: Info[Any, Any], input: CorrectMemberRecordInput) -> MemberPayload:
        return await member_payload(info, input.idempotency_key, lambda c: c.register.correct_record(
            c.actor, member_id=_member(input.member_id), amends_version=input.amends_version,
            reason=input.reason, effective_on=input.effective_on, full_name=input.full_name,
            birth_date=input.birth_date))


@strawberry.type(description="An applicant's record opened in a cell.")
class CandidacyOpenedEntry(HistoryEntry):
    cell_id: strawberry.ID


@strawberry.type(description="Admitted to the Party in one record (first release).")
class AdmittedEntry(HistoryEntry):
    cell_id: strawberry.ID
    ceremony_on: datetime.date


@strawberry.type(description="Entered from the records kept before this register.")
class EnrolledEntry(HistoryEntry):
    cell_id: strawberry.ID
    admitted_on: datetime.date
    recognized_on: datetime.date | None


@strawberry.type(description="A body's resolution: the cell's or the grassroots committee's.")
class ResolutionEntry(HistoryEntry):
    body: str
    votes_in_favour: int
    eligible: int


@strawberry.type(description="The admission decision.")
class AdmissionDecidedEntry(HistoryEntry):
    received_on: datetime.date
    regulation: str


@strawberry.type(description="The admission ceremony: probation started.")
class AdmissionCeremonyEntry(HistoryEntry):
    regulation: str


@strawberry.type(description="Recognised as an official member (công nhận đảng viên chính thức).")
class RecognizedAsOfficialEntry(HistoryEntry):
    cell_resolution_on: datetime.date
    regulation: str | None


@strawberry.type(description="A party card issued.")
class PartyCardIssuedEntry(HistoryEntry):
    card_number: str
    replaces: str | None


@strawberry.type(description="A correction of an earlier entry.")
class RecordCorrectedEntry(HistoryEntry):
    amends_version: int
    reason: str


history_entry_for(MemberAggregate.CandidacyOpened, CandidacyOpenedEntry,
                  lambda e: {"cell_id": global_id("Organization", e.cell_id)})
history_entry_for(MemberAggregate.Admitted, AdmittedEntry,
                  lambda e: {"cell_id": global_id("Organization", e.cell_id), "ceremony_on": e.ceremony_on})
history_entry_for(MemberAggregate.Enrolled, EnrolledEntry,
                  lambda e: {"cell_id": global_id("Organization", e.cell_id),
                             "admitted_on": e.admitted_on, "recognized_on": e.recognized_on})
history_entry_for(AdmissionPipeline.CellResolutionPassed, ResolutionEntry,
                  lambda e: {"body": "CELL", "votes_in_favour": e.resolution.vote.in_favour,
                             "eligible": e.resolution.vote.eligible})
history_entry_for(AdmissionPipeline.GrassrootsResolutionPassed, ResolutionEntry,
                  lambda e: {"body": "GRASSROOTS_COMMITTEE", "votes_in_favour": e.resolution.vote.in_favour,
                             "eligible": e.resolution.vote.eligible})
history_entry_for(AdmissionPipeline.AdmissionDecided, AdmissionDecidedEntry,
                  lambda e: {"received_on": e.received_on, "regulation": e.regulation})
history_entry_for(AdmissionPipeline.AdmissionCeremonyHeld, AdmissionCeremonyEntry,
                  lambda e: {"regulation": e.regulation})
history_entry_for(Probation.RecognizedAsOfficial, RecognizedAsOfficialEntry,
                  lambda e: {"cell_resolution_on": e.cell_resolution_on, "regulation": e.regulation})
history_entry_for(Probation.PartyCardIssued, PartyCardIssuedEntry,
                  lambda e: {"card_number": e.card_number, "replaces": e.replaces})
history_entry_for(MemberAggregate.RecordCorrected, RecordCorrectedEntry,
                  lambda e: {"amends_version": e.amends_version, "reason": e.reason})

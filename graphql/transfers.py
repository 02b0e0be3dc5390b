"""Transfers in GraphQL: official transfer within the tenant, temporary attachment, the
residence liaison, where a transfer letter stands, and their history entries.

``TransferFields`` is a mixin for the Member type (it reads ``self.member_id``), so the payload
type and its builder are imported lazily: the Member type's module may import this one.
"""

import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from partyledger.domain import member_attachment as attachment
from partyledger.domain import member_residence as residence
from partyledger.domain import member_transfers as transfers
from partyledger.graphql.commands import DecisionInput
from partyledger.graphql.context import ledger
from partyledger.graphql.contracts import (
    DecisionNumberText, FreeText, IdempotencyKeyText, checked_input,
)
from partyledger.graphql.history import HistoryEntry, global_id, history_entry_for
from partyledger.graphql.ids import to_global_id, uuid_of

if TYPE_CHECKING:
    from partyledger.graphql.members import MemberPayload

Payload = Annotated["MemberPayload", strawberry.lazy("partyledger.graphql.members")]


def _enum(name: str, domain: type[Enum], description: str) -> Any:
    return strawberry.enum(Enum(name, {e.name: e.name for e in domain}), description=description)  # type: ignore[misc]


AttachmentPurpose = _enum("AttachmentPurpose", attachment.AttachmentPurpose,
                          "Why a member is attached temporarily: it sets the longest stay.")
ResidenceOutcome = _enum("ResidenceOutcome", residence.ResidenceOutcome,
                         "The residence cell's yearly comment on a working member.")
ResidenceExemption = _enum("ResidenceExemption", residence.ResidenceExemption,
                           "HD 33-HD/BTCTW categories exempt from the yearly comment "
                           "(SPECIAL_DUTY: from the introduction too).")
TransferState = _enum("TransferState", transfers.TransferState,
                      "Where a transfer letter stands; LAPSED once 30 working days pass unpresented.")


@checked_input
class IssueTransferLetterInput:
    member_id: relay.GlobalID
    to_cell_id: relay.GlobalID = strawberry.field(description="Another cell of your tenant.")
    letter_number: DecisionNumberText = strawberry.field(
        description="Number in the transfer-letter register (số GTSHĐ).")
    effective_on: datetime.date = strawberry.field(description="The letter's date.")
    decision: DecisionInput | None = None
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class PresentTransferLetterInput:
    member_id: relay.GlobalID
    effective_on: datetime.date = strawberry.field(description="The day the receiving cell got the letter.")
    reason_if_late: FreeText | None = strawberry.field(
        default=None, description="Required after 30 working days from the letter's date.")
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class DatedMemberInput:
    member_id: relay.GlobalID
    effective_on: datetime.date
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class AttachTemporarilyInput:
    member_id: relay.GlobalID
    to_cell_id: relay.GlobalID = strawberry.field(description="The cell of the temporary stay.")
    effective_on: datetime.date = strawberry.field(description="The first day of the stay.")
    until_on: datetime.date = strawberry.field(
        description="Its last day: 3 months to under a year later (study: up to 24 months).")
    purpose: AttachmentPurpose  # type: ignore[valid-type]
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class ExtendTemporaryAttachmentInput:
    member_id: relay.GlobalID
    until_on: datetime.date = strawberry.field(description="The new last day, within the same limit.")
    effective_on: datetime.date
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class IntroduceToResidenceInput:
    member_id: relay.GlobalID
    residence_cell_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The residence cell, when it is in your tenant.")
    residence_organization_name: str | None = strawberry.field(
        default=None, description="Otherwise the residence organisation's name.")
    effective_on: datetime.date
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class RecordResidenceFeedbackInput:
    member_id: relay.GlobalID
    year: int
    outcome: ResidenceOutcome  # type: ignore[valid-type]
    effective_on: datetime.date
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class SetResidenceExemptionInput:
    member_id: relay.GlobalID
    category: ResidenceExemption | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="Null lifts the exemption.")
    effective_on: datetime.date
    idempotency_key: IdempotencyKeyText | None = None


async def _payload(info: Info[Any, Any], key: str | None, command: Any) -> Any:
    from partyledger.graphql.members import member_payload  # noqa: PLC0415 (see the module's docstring)

    return await member_payload(info, key, command)


def _member(given: relay.GlobalID) -> UUID:
    return uuid_of(given, "Member", "memberId")


def _cell(given: relay.GlobalID, field: str = "toCellId") -> UUID:
    return uuid_of(given, "Organization", field)


@strawberry.type
class TransfersMutation:
    @strawberry.mutation(description="Issue a transfer letter to another cell of the tenant (chuyển sinh hoạt đảng chính thức).")
    async def issue_transfer_letter(self, info: Info[Any, Any], input: IssueTransferLetterInput) -> Payload:
        member, cell = _member(input.member_id), _cell(input.to_cell_id)
        return await _payload(info, input.idempotency_key, lambda c: c.register.issue_transfer_letter(
            c.actor, member_id=member, to_cell_id=cell, letter_number=input.letter_number,
            issued_on=input.effective_on, decision=input.decision.to_domain() if input.decision else None))

    @strawberry.mutation(description="The receiving cell records the letter presented to it.")
    async def present_transfer_letter(self, info: Info[Any, Any], input: PresentTransferLetterInput) -> Payload:
        member = _member(input.member_id)
        return await _payload(info, input.idempotency_key, lambda c: c.register.present_transfer_letter(
            c.actor, member_id=member, presented_on=input.effective_on, reason_if_late=input.reason_if_late))

    @strawberry.mutation(description="The receiving cell takes the member onto its roster.")
    async def receive_transfer(self, info: Info[Any, Any], input: DatedMemberInput) -> Payload:
        member = _member(input.member_id)
        return await _payload(info, input.idempotency_key, lambda c: c.register.receive_transfer(
            c.actor, member_id=member, received_on=input.effective_on))

    @strawberry.mutation(description="Attach the member to another cell for a while (sinh hoạt tạm thời).")
    async def attach_temporarily(self, info: Info[Any, Any], input: AttachTemporarilyInput) -> Payload:
        member, cell = _member(input.member_id), _cell(input.to_cell_id)
        purpose = attachment.AttachmentPurpose[input.purpose.name]
        return await _payload(info, input.idempotency_key, lambda c: c.register.attach_temporarily(
            c.actor, member_id=member, to_cell_id=cell, from_on=input.effective_on,
            until_on=input.until_on, purpose=purpose))

    @strawberry.mutation(description="Extend a temporary stay.")
    async def extend_temporary_attachment(
        self, info: Info[Any, Any], input: ExtendTemporaryAttachmentInput,
    ) -> Payload:
        member = _member(input.member_id)
        return await _payload(info, input.idempotency_key, lambda c: c.register.extend_temporary_attachment(
            c.actor, member_id=member, until_on=input.until_on, effective_on=input.effective_on))

    @strawberry.mutation(description="The member is back at the home cell.")
    async def return_from_attachment(self, info: Info[Any, Any], input: DatedMemberInput) -> Payload:
        member = _member(input.member_id)
        return await _payload(info, input.idempotency_key, lambda c: c.register.return_from_attachment(
            c.actor, member_id=member, returned_on=input.effective_on))

    @strawberry.mutation(description="Introduce a working member to the cell where they live (QĐ 213).")
    async def introduce_to_residence(self, info: Info[Any, Any], input: IntroduceToResidenceInput) -> Payload:
        member = _member(input.member_id)
        cell = _cell(input.residence_cell_id, "residenceCellId") if input.residence_cell_id else None
        return await _payload(info, input.idempotency_key, lambda c: c.register.introduce_to_residence(
            c.actor, member_id=member, residence_cell_id=cell,
            residence_organization_name=input.residence_organization_name, effective_on=input.effective_on))

    @strawberry.mutation(description="Record the residence cell's yearly comment.")
    async def record_residence_feedback(
        self, info: Info[Any, Any], input: RecordResidenceFeedbackInput,
    ) -> Payload:
        member, outcome = _member(input.member_id), residence.ResidenceOutcome[input.outcome.name]
        return await _payload(info, input.idempotency_key, lambda c: c.register.record_residence_feedback(
            c.actor, member_id=member, year=input.year, outcome=outcome, effective_on=input.effective_on))

    @strawberry.mutation(description="Set or lift the member's exemption from residence activities (HD 33).")
    async def set_residence_exemption(self, info: Info[Any, Any], input: SetResidenceExemptionInput) -> Payload:
        member = _member(input.member_id)
        category = residence.ResidenceExemption[input.category.name] if input.category else None
        return await _payload(info, input.idempotency_key, lambda c: c.register.set_residence_exemption(
            c.actor, member_id=member, category=category, effective_on=input.effective_on))


@strawberry.type(description="Where a member's latest transfer letter stood on a date.")
class TransferProgress:
    state: TransferState  # type: ignore[valid-type]
    state_label: str = strawberry.field(description="The state in Vietnamese.")
    presentation_deadline: datetime.date = strawberry.field(
        description="The last day to present the letter: 30 working days after its date.")
    letter_number: str
    to_cell_id: strawberry.ID
    issued_on: datetime.date
    presented_on: datetime.date | None
    received_on: datetime.date | None


async def resolve_transfer(info: Info[Any, Any], member_id: UUID, as_of: datetime.date | None) -> TransferProgress | None:
    """Where the member's latest transfer letter stood on ``as_of`` (today by default)."""
    context, day = ledger(info), as_of or datetime.date.today()
    calendar = await context.working_calendar()  # once for the page, not once per member
    # As the register's transfer_progress, with the calendar read once: the same check of the
    # actor (readable_member), the same rule (transfer_state).
    found = await context.read(
        lambda r, a: r.readable_member(a, member_id).transfer_state(day, calendar), ids=[member_id])
    if found is None:
        return None
    letter = found.letter
    return TransferProgress(
        state=TransferState[found.state.name], state_label=found.state.label,
        presentation_deadline=found.presentation_deadline, letter_number=letter.letter_number,
        to_cell_id=strawberry.ID(str(to_global_id("Organization", letter.to_cell_id))),
        issued_on=letter.issued_on, presented_on=letter.presented_on, received_on=letter.received_on)


TRANSFER_DESCRIPTION = ("Where the member's latest transfer letter stood on `asOf` (today by default); "
                        "null when none had been issued by then.")


@strawberry.type
class TransfersQuery:
    @strawberry.field(description=TRANSFER_DESCRIPTION)
    async def member_transfer(
        self, info: Info[Any, Any], member_id: relay.GlobalID, as_of: datetime.date | None = None,
    ) -> TransferProgress | None:
        return await resolve_transfer(info, _member(member_id), as_of)


@strawberry.type
class TransferFields:
    """A field for the Member type; the type provides ``member_id``."""

    @strawberry.field(description=TRANSFER_DESCRIPTION)
    async def transfer(self, info: Info[Any, Any], as_of: datetime.date | None = None) -> TransferProgress | None:
        return await resolve_transfer(info, UUID(self.member_id), as_of)  # type: ignore[attr-defined]


@strawberry.type(description="A transfer letter issued (giấy giới thiệu sinh hoạt đảng).")
class TransferLetterIssuedEntry(HistoryEntry):
    to_cell_id: strawberry.ID
    letter_number: str
    presentation_working_days: int
    regulation: str


@strawberry.type(description="The transfer letter presented to the receiving cell.")
class TransferLetterPresentedEntry(HistoryEntry):
    deadline: datetime.date
    late: bool = strawberry.field(description="After the deadline: the gap is excluded from party age.")
    reason_if_late: str | None


@strawberry.type(description="Received onto the destination cell's roster.")
class TransferReceivedEntry(HistoryEntry):
    from_cell_id: strawberry.ID
    to_cell_id: strawberry.ID


@strawberry.type(description="Attached temporarily to another cell; the home cell keeps the roster.")
class TemporarilyAttachedEntry(HistoryEntry):
    to_cell_id: strawberry.ID
    purpose: AttachmentPurpose  # type: ignore[valid-type]
    until_on: datetime.date
    regulation: str


@strawberry.type(description="A temporary stay extended.")
class TemporaryAttachmentExtendedEntry(HistoryEntry):
    until_on: datetime.date


@strawberry.type(description="Back at the home cell from a temporary stay.")
class ReturnedFromAttachmentEntry(HistoryEntry):
    pass


@strawberry.type(description="Introduced to the party organisation where the member lives.")
class ResidenceIntroductionSentEntry(HistoryEntry):
    residence_cell_id: strawberry.ID | None
    residence_organization_name: str | None


@strawberry.type(description="The residence cell's yearly comment.")
class ResidenceFeedbackRecordedEntry(HistoryEntry):
    year: int
    outcome: ResidenceOutcome  # type: ignore[valid-type]


@strawberry.type(description="An exemption from residence activities set, or lifted (null).")
class ResidenceExemptionSetEntry(HistoryEntry):
    category: ResidenceExemption | None  # type: ignore[valid-type]


T, A, R = transfers.Transfers, attachment.TemporaryAttachments, residence.ResidenceLiaison
history_entry_for(T.TransferLetterIssued, TransferLetterIssuedEntry, lambda e: {
    "to_cell_id": global_id("Organization", e.to_cell_id), "letter_number": e.letter_number,
    "presentation_working_days": e.presentation_wd, "regulation": e.regulation})
history_entry_for(T.TransferLetterPresented, TransferLetterPresentedEntry, lambda e: {
    "deadline": e.deadline, "late": e.late, "reason_if_late": e.reason_if_late})
history_entry_for(T.TransferReceived, TransferReceivedEntry, lambda e: {
    "from_cell_id": global_id("Organization", e.from_cell_id),
    "to_cell_id": global_id("Organization", e.to_cell_id)})
history_entry_for(A.TemporarilyAttached, TemporarilyAttachedEntry, lambda e: {
    "to_cell_id": global_id("Organization", e.to_cell_id), "purpose": AttachmentPurpose[e.purpose.name],
    "until_on": e.until_on, "regulation": e.regulation})
history_entry_for(A.TemporaryAttachmentExtended, TemporaryAttachmentExtendedEntry,
                  lambda e: {"until_on": e.until_on})
history_entry_for(A.ReturnedFromAttachment, ReturnedFromAttachmentEntry)
history_entry_for(R.ResidenceIntroductionSent, ResidenceIntroductionSentEntry, lambda e: {
    "residence_cell_id": global_id("Organization", e.residence_cell_id),
    "residence_organization_name": e.residence_organization_name})
history_entry_for(R.ResidenceFeedbackRecorded, ResidenceFeedbackRecordedEntry, lambda e: {
    "year": e.year, "outcome": ResidenceOutcome[e.outcome.name]})
history_entry_for(R.ResidenceExemptionSet, ResidenceExemptionSetEntry, lambda e: {
    "category": ResidenceExemption[e.category.name] if e.category else None})

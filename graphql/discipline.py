"""Discipline in GraphQL: impose, appeal, lapse, suspend; the Member field `disciplines`.

``DisciplineFields`` is a mixin for the Member type (it reads ``self.member_id``). The mutations'
payload type is imported lazily because the Member type imports this module.
"""

import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import strawberry
from strawberry import relay
from strawberry.types import Info

from partyledger.domain import discipline_rules as domain
from partyledger.domain.member_discipline import Discipline as DisciplinePart
from partyledger.domain.discipline_rules import DisciplineRecord
from partyledger.graphql.commands import DecisionInput, DecisionRecord
from partyledger.graphql.context import ledger
from partyledger.graphql.contracts import IdempotencyKeyText, checked_input
from partyledger.graphql.history import HistoryEntry, history_entry_for
from partyledger.graphql.ids import uuid_of
from partyledger.graphql.inputs import VoteInput

if TYPE_CHECKING:
    from partyledger.graphql.members import MemberPayload

Payload = Annotated["MemberPayload", strawberry.lazy("partyledger.graphql.members")]


def _mirror(kind: type[Enum], description: str) -> Any:
    return strawberry.enum(Enum(kind.__name__, {k.name: k.name for k in kind}),  # type: ignore[misc]
                           description=description)


DisciplineForm = _mirror(domain.DisciplineForm, "Khiển trách, cảnh cáo, cách chức, khai trừ.")
DisciplineAuthority = _mirror(domain.DisciplineAuthority, "The kind of body that decided.")
DisciplineAppealOutcome = _mirror(domain.DisciplineAppealOutcome, "What the appeal decided.")
SuspensionGround = _mirror(domain.SuspensionGround, "Why the member is suspended from activity.")

REF = "The discipline: `version` of its DisciplineImposedEntry in the member's history."


@strawberry.type(description="A discipline of the member (kỷ luật) as it now stands.")
class MemberDiscipline:
    ref: int = strawberry.field(description=REF)
    form: DisciplineForm  # type: ignore[valid-type]
    form_label: str = strawberry.field(description="The form in effect on `asOf`, in Vietnamese.")
    original_form: DisciplineForm  # type: ignore[valid-type]
    violation_on: datetime.date
    decision: DecisionRecord
    announced_on: datetime.date = strawberry.field(description="In effect from the announcement.")
    active: bool = strawberry.field(description="In effect on `asOf`: announced, not lapsed, not annulled.")
    appeal_pending: bool
    annulled_on: datetime.date | None
    formal_apology: bool = strawberry.field(description="Annulled: a formal apology is owed (QĐ 117).")
    lapsed_on: datetime.date | None

    @classmethod
    def of(cls, record: DisciplineRecord, as_of: datetime.date) -> "MemberDiscipline":
        form, decision = record.form_on(as_of), DecisionRecord.of(record.decision)
        assert decision is not None
        return cls(ref=record.ref, form=DisciplineForm[form.name], form_label=form.label,
                   original_form=DisciplineForm[record.original_form.name],
                   violation_on=record.violation_on, decision=decision,
                   announced_on=record.announced_on, active=record.active_on(as_of),
                   appeal_pending=record.appeal_pending, annulled_on=record.annulled_on,
                   formal_apology=record.formal_apology, lapsed_on=record.lapsed_on)


async def resolve_disciplines(
    info: Info[Any, Any], member_id: UUID, as_of: datetime.date | None, active_only: bool,
) -> list[MemberDiscipline]:
    records = await ledger(info).read(lambda r, a: r.member_disciplines(a, member_id),
                                      ids=[member_id])
    day = as_of or datetime.date.today()
    found = [MemberDiscipline.of(r, day) for r in records if r.announced_on <= day]
    return [d for d in found if d.active or not active_only]


@strawberry.type
class DisciplineFields:
    """Fields for the Member type; the type provides ``member_id``."""

    @strawberry.field(description="Disciplines announced by `asOf` (today by default), with whether "
                      "each was in effect then; `activeOnly` keeps those in effect.")
    async def disciplines(
        self, info: Info[Any, Any], as_of: datetime.date | None = None, active_only: bool = False,
    ) -> list[MemberDiscipline]:
        member_id = UUID(self.member_id)  # type: ignore[attr-defined]
        return await resolve_disciplines(info, member_id, as_of, active_only)


@checked_input
class ImposeDisciplineInput:
    member_id: relay.GlobalID
    form: DisciplineForm  # type: ignore[valid-type]
    violation_on: datetime.date = strawberry.field(description="Starts the limitation period.")
    decision: DecisionInput
    announced_on: datetime.date = strawberry.field(description="The discipline takes effect on it.")
    vote: VoteInput = strawberry.field(description="The deciding body's vote (for an expulsion, the "
                                       "proposing body's: at least two thirds).")
    superior_vote: VoteInput | None = strawberry.field(
        default=None, description="Expulsion: the competent superior body's vote (more than half).")
    holds_post: bool = strawberry.field(default=False, description="Needed for DISMISSAL_FROM_POST.")
    authority_kind: DisciplineAuthority | None = None  # type: ignore[valid-type]
    deferral_days: int = strawberry.field(
        default=0, description="Days of deferral (pregnancy, grave illness) that the limitation "
        "period does not count.")
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class FileDisciplineAppealInput:
    member_id: relay.GlobalID
    discipline_ref: int = strawberry.field(description=REF)
    filed_on: datetime.date = strawberry.field(description="Within 30 working days of the announcement.")
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class ResolveDisciplineAppealInput:
    member_id: relay.GlobalID
    discipline_ref: int = strawberry.field(description=REF)
    outcome: DisciplineAppealOutcome  # type: ignore[valid-type]
    new_form: DisciplineForm | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="For CHANGED only.")
    decision: DecisionInput
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class LapseDisciplineInput:
    member_id: relay.GlobalID
    discipline_ref: int = strawberry.field(description=REF)
    effective_on: datetime.date = strawberry.field(description="From a year after the announcement.")
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class SuspendActivityInput:
    member_id: relay.GlobalID
    from_on: datetime.date
    days: int | None = strawberry.field(description="Up to 90; null only on a judicial ground (until ended).")
    ground: SuspensionGround  # type: ignore[valid-type]
    decision: DecisionInput | None = None
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class ExtendSuspensionInput:
    member_id: relay.GlobalID
    effective_on: datetime.date = strawberry.field(description="A day of the suspension being extended.")
    days: int = strawberry.field(description="Days added: 180 in all at most.")
    decision: DecisionInput | None = None
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class EndSuspensionInput:
    member_id: relay.GlobalID
    effective_on: datetime.date = strawberry.field(description="The member takes part again from this day.")
    decision: DecisionInput | None = None
    idempotency_key: IdempotencyKeyText | None = None


def _member(given: relay.GlobalID) -> UUID:
    return uuid_of(given, "Member", "memberId")


def _domain(kind: type[Enum], value: Any) -> Any:
    return kind[value.name] if value is not None else None


async def _payload(info: Info[Any, Any], key: str | None, command: Any) -> "MemberPayload":
    from partyledger.graphql.members import member_payload  # noqa: PLC0415 (see the module's docstring)

    return await member_payload(info, key, command)


@strawberry.type
class DisciplineMutation:
    @strawberry.mutation(description="Discipline a member (kỷ luật): inspectors and tenant administrators.")
    async def impose_discipline(self, info: Info[Any, Any], input: ImposeDisciplineInput) -> Payload:
        member, decision, vote = _member(input.member_id), input.decision.to_domain(), input.vote.to_domain()
        superior = input.superior_vote.to_domain() if input.superior_vote else None
        return await _payload(info, input.idempotency_key, lambda c: c.register.impose_discipline(
            c.actor, member_id=member, form=_domain(domain.DisciplineForm, input.form),
            violation_on=input.violation_on, decision=decision, announced_on=input.announced_on,
            vote=vote, superior_vote=superior, holds_post=input.holds_post,
            authority_kind=_domain(domain.DisciplineAuthority, input.authority_kind),
            deferral_days=input.deferral_days))

    @strawberry.mutation(description="Record a member's appeal against a discipline (khiếu nại).")
    async def file_discipline_appeal(self, info: Info[Any, Any], input: FileDisciplineAppealInput) -> Payload:
        member = _member(input.member_id)
        return await _payload(info, input.idempotency_key, lambda c: c.register.file_discipline_appeal(
            c.actor, member_id=member, discipline_ref=input.discipline_ref, filed_on=input.filed_on))

    @strawberry.mutation(description="Record the appeal's outcome; annulment restores the member.")
    async def resolve_discipline_appeal(
        self, info: Info[Any, Any], input: ResolveDisciplineAppealInput,
    ) -> Payload:
        member, decision = _member(input.member_id), input.decision.to_domain()
        return await _payload(info, input.idempotency_key, lambda c: c.register.resolve_discipline_appeal(
            c.actor, member_id=member, discipline_ref=input.discipline_ref, decision=decision,
            outcome=_domain(domain.DisciplineAppealOutcome, input.outcome),
            new_form=_domain(domain.DisciplineForm, input.new_form)))

    @strawberry.mutation(description="Record that a discipline expired a year after its announcement.")
    async def lapse_discipline(self, info: Info[Any, Any], input: LapseDisciplineInput) -> Payload:
        member = _member(input.member_id)
        return await _payload(info, input.idempotency_key, lambda c: c.register.lapse_discipline(
            c.actor, member_id=member, discipline_ref=input.discipline_ref, on=input.effective_on))

    @strawberry.mutation(description="Suspend a member from party activity (đình chỉ sinh hoạt đảng).")
    async def suspend_activity(self, info: Info[Any, Any], input: SuspendActivityInput) -> Payload:
        member, decision = _member(input.member_id), input.decision.to_domain() if input.decision else None
        return await _payload(info, input.idempotency_key, lambda c: c.register.suspend_activity(
            c.actor, member_id=member, from_on=input.from_on, days=input.days,
            ground=_domain(domain.SuspensionGround, input.ground), decision=decision))

    @strawberry.mutation(description="Extend a suspension from activity (180 days in all at most).")
    async def extend_suspension(self, info: Info[Any, Any], input: ExtendSuspensionInput) -> Payload:
        member, decision = _member(input.member_id), input.decision.to_domain() if input.decision else None
        return await _payload(info, input.idempotency_key, lambda c: c.register.extend_suspension(
            c.actor, member_id=member, on=input.effective_on, days=input.days, decision=decision))

    @strawberry.mutation(description="End a suspension from activity before its term.")
    async def end_suspension(self, info: Info[Any, Any], input: EndSuspensionInput) -> Payload:
        member, decision = _member(input.member_id), input.decision.to_domain() if input.decision else None
        return await _payload(info, input.idempotency_key, lambda c: c.register.end_suspension(
            c.actor, member_id=member, on=input.effective_on, decision=decision))


@strawberry.type(description="A discipline imposed (kỷ luật); `version` is its reference.")
class DisciplineImposedEntry(HistoryEntry):
    form: DisciplineForm  # type: ignore[valid-type]
    violation_on: datetime.date
    votes_in_favour: int
    eligible: int
    regulation: str


@strawberry.type(description="The member appealed against a discipline.")
class DisciplineAppealFiledEntry(HistoryEntry):
    discipline_ref: int


@strawberry.type(description="An appeal decided: upheld, changed or annulled.")
class DisciplineAppealResolvedEntry(HistoryEntry):
    discipline_ref: int
    outcome: DisciplineAppealOutcome  # type: ignore[valid-type]
    new_form: DisciplineForm | None  # type: ignore[valid-type]
    formal_apology: bool


@strawberry.type(description="A discipline expired a year after its announcement.")
class DisciplineLapsedEntry(HistoryEntry):
    discipline_ref: int


@strawberry.type(description="Suspended from party activity, or a suspension extended or ended.")
class ActivitySuspensionEntry(HistoryEntry):
    change: str = strawberry.field(description="SUSPENDED, EXTENDED or ENDED.")
    ground: SuspensionGround | None  # type: ignore[valid-type]
    until_on: datetime.date | None = strawberry.field(description="Last day; null: until ended.")


history_entry_for(DisciplinePart.DisciplineImposed, DisciplineImposedEntry, lambda e: {
    "form": DisciplineForm[e.form.name], "violation_on": e.violation_on,
    "votes_in_favour": e.vote.in_favour, "eligible": e.vote.eligible, "regulation": e.regulation})
history_entry_for(DisciplinePart.DisciplineAppealFiled, DisciplineAppealFiledEntry,
                  lambda e: {"discipline_ref": e.discipline_ref})
history_entry_for(DisciplinePart.DisciplineAppealResolved, DisciplineAppealResolvedEntry, lambda e: {
    "discipline_ref": e.discipline_ref, "outcome": DisciplineAppealOutcome[e.outcome.name],
    "new_form": _domain(DisciplineForm, e.new_form), "formal_apology": e.formal_apology})
history_entry_for(DisciplinePart.DisciplineLapsed, DisciplineLapsedEntry,
                  lambda e: {"discipline_ref": e.discipline_ref})
history_entry_for(DisciplinePart.ActivitySuspended, ActivitySuspensionEntry, lambda e: {
    "change": "SUSPENDED", "ground": SuspensionGround[e.ground.name], "until_on": e.until_on})
history_entry_for(DisciplinePart.ActivitySuspensionExtended, ActivitySuspensionEntry,
                  lambda e: {"change": "EXTENDED", "ground": None, "until_on": e.until_on})
history_entry_for(DisciplinePart.ActivitySuspensionEnded, ActivitySuspensionEntry,
                  lambda e: {"change": "ENDED", "ground": None, "until_on": None})

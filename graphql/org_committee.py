"""Committee seats, qualifications and thresholds in GraphQL: the mutations `seatMember`,
`unseatMember`, `recordQualification`; fields for the Organization type (`CommitteeFields`:
`seats`, `thresholdWarnings`, `committeeQualificationShare`) and the Member type
(`QualificationFields`: `qualifications`).

The Organization and Member types import this module, so their types are imported lazily here.
"""

import datetime
from collections.abc import Callable
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import anyio.to_thread
import strawberry
from strawberry import relay
from strawberry.types import Info

from partyledger.domain import member_qualifications as quals
from partyledger.domain import org_committee as seats
from partyledger.domain import org_thresholds as thresholds
from partyledger.domain.errors import DomainError
from partyledger.graphql.commands import DecisionInput, DecisionRecord, run_command
from partyledger.graphql.context import ledger
from partyledger.graphql.contracts import (
    FreeText, IdempotencyKeyText, IdentifierText, checked_input,
)
from partyledger.graphql.errors import BadInputError, UserError
from partyledger.graphql.history import HistoryEntry, global_id, history_entry_for
from partyledger.graphql.ids import to_global_id, uuid_of
from partyledger.projections.roster_queries import OrganizationRow

if TYPE_CHECKING:
    from partyledger.graphql.members import Member, MemberPayload
    from partyledger.graphql.organizations import Organization

MemberType = Annotated["Member", strawberry.lazy("partyledger.graphql.members")]
MemberPayloadType = Annotated["MemberPayload", strawberry.lazy("partyledger.graphql.members")]
OrganizationType = Annotated["Organization", strawberry.lazy("partyledger.graphql.organizations")]


def _mirror(kind: type[Enum], description: str) -> Any:
    return strawberry.enum(Enum(kind.__name__, {k.name: k.name for k in kind}),  # type: ignore[misc]
                           description=description)


Position = _mirror(seats.Position, "Committee positions (Vietnamese label in `positionLabel`).")
SeatBasis = _mirror(seats.SeatBasis, "Elected (bầu) or appointed (chỉ định).")
SeatEndCause = _mirror(seats.SeatEndCause, "Why a seat ended before its term.")
Threshold = _mirror(thresholds.Threshold, "Thresholds an organisation should meet (§2.13.2).")
QualificationKind = _mirror(quals.QualificationKind, "General education, profession, political theory.")
LEVELS_DESCRIPTION = "The level's name in the kind's scale: " + "; ".join(
    f"{kind.name}: {', '.join(scale.__members__)}" for kind, scale in quals.LEVELS.items())


@strawberry.type(description="A committee seat (chức vụ trong cấp ủy), bound to a term.")
class Seat:
    seat_ref: str = strawberry.field(description="The seat's reference within its organisation.")
    position: Position  # type: ignore[valid-type]
    position_label: str
    basis: SeatBasis  # type: ignore[valid-type]
    term_start: datetime.date
    term_end: datetime.date
    taken_on: datetime.date
    ended_on: datetime.date | None = strawberry.field(description="Ended before the term's end.")
    end_cause: SeatEndCause | None  # type: ignore[valid-type]
    end_reason: str | None
    decision: DecisionRecord | None
    holder_id: relay.GlobalID
    holder_uuid: strawberry.Private[UUID]

    @strawberry.field(description="The member holding the seat.")
    async def holder(self, info: Info[Any, Any]) -> MemberType | None:
        from partyledger.graphql.members import Member  # noqa: PLC0415 (see the module's docstring)

        holder = self.holder_uuid
        member = await ledger(info).read(lambda r, a: r.readable_member(a, holder), ids=[holder])
        return Member.of_aggregate(member)

    @classmethod
    def of(cls, seat: seats.Seat) -> "Seat":
        cause = seat.end_cause
        return cls(seat_ref=str(seat.ref), position=Position[seat.position.name], position_label=seat.position.label,
                   basis=SeatBasis[seat.basis.name], term_start=seat.term_start, term_end=seat.term_end,
                   taken_on=seat.taken_on, ended_on=seat.ended_on,
                   end_cause=SeatEndCause[cause.name] if cause else None, end_reason=seat.end_reason,
                   decision=DecisionRecord.of(seat.decision),
                   holder_id=to_global_id("Member", seat.member_id), holder_uuid=seat.member_id)


@strawberry.type(description="A threshold the organisation does not meet, with the superior's "
                 "consent to the exception where one is recorded.")
class ThresholdWarning:
    threshold: Threshold  # type: ignore[valid-type]
    label: str
    consent: DecisionRecord | None = strawberry.field(description="Null: no consent is recorded.")


@strawberry.type(description="How many committee members reach a level (rounded half-up).")
class QualificationShare:
    meeting: int
    holders: int = strawberry.field(description="Committee members on the date, each counted once.")
    percent: Decimal | None = strawberry.field(description="Null when the committee has no member.")


@strawberry.type(description="A qualification level in force on a date.")
class Qualification:
    kind: QualificationKind  # type: ignore[valid-type]
    kind_label: str
    level: str
    level_label: str
    since: datetime.date
    evidence: str | None


def _day(value: datetime.date | None, shown_for: Any = None) -> datetime.date:
    return value or getattr(shown_for, "as_of", None) or datetime.date.today()


@strawberry.type
class CommitteeFields:
    """Fields for the Organization type; the type provides ``organization_id`` (and ``as_of``)."""

    @strawberry.field(description="Seats held on `asOf` (by default the date the organisation is "
                      "shown for, or today).")
    async def seats(self, info: Info[Any, Any], as_of: datetime.date | None = None) -> list[Seat]:
        org, day = UUID(self.organization_id), _day(as_of, self)  # type: ignore[attr-defined]
        held = await ledger(info).read(lambda r, a: r.seats(a, org, day), ids=[org])
        return [Seat.of(s) for s in held]

    @strawberry.field(description="Thresholds (§2.13.2) not met, with any consent given by `asOf`: "
                      "members are counted on the rosters as they stand (a cell's own, a grassroots "
                      "committee's cells'), the cell committee from the seats held on `asOf`.")
    async def threshold_warnings(self, info: Info[Any, Any], as_of: datetime.date | None = None) -> list[ThresholdWarning]:
        org, day = UUID(self.organization_id), _day(as_of, self)  # type: ignore[attr-defined]
        found = await ledger(info).read(lambda r, a: r.threshold_warnings(a, org, as_of=day), ids=[org])
        return [ThresholdWarning(threshold=Threshold[t.name], label=t.label,
                                 consent=DecisionRecord.of(c.decision) if c else None) for t, c in found]

    @strawberry.field(description="Of the committee members on `asOf`, how many had at least "
                      "`atLeast` of `kind` then (e.g. POLITICAL_THEORY, ELEMENTARY).")
    async def committee_qualification_share(
        self, info: Info[Any, Any], kind: QualificationKind, at_least: str,  # type: ignore[valid-type]
        as_of: datetime.date | None = None,
    ) -> QualificationShare:
        org, day = UUID(self.organization_id), _day(as_of, self)  # type: ignore[attr-defined]
        domain_kind = quals.QualificationKind[kind.name]
        try:
            level = quals.parse_level(domain_kind, at_least)
        except DomainError as error:
            raise BadInputError(f"atLeast: {error.message}") from None
        share = await ledger(info).read(lambda r, a: r.committee_qualification_share(
            a, org, as_of=day, kind=domain_kind, at_least=level), ids=[org])
        return QualificationShare(meeting=share.meeting, holders=share.holders, percent=share.percent)


@strawberry.type
class QualificationFields:
    """A field for the Member type; the type provides ``member_id``."""

    @strawberry.field(description="The member's qualification of each kind in force on `asOf` "
                      "(today by default).")
    async def qualifications(self, info: Info[Any, Any], as_of: datetime.date | None = None) -> list[Qualification]:
        member_id = UUID(self.member_id)  # type: ignore[attr-defined]
        member = await ledger(info).read(lambda r, a: r.readable_member(a, member_id), ids=[member_id])
        return [Qualification(kind=QualificationKind[r.kind.name], kind_label=r.kind.label, level=r.level.name,
                              level_label=r.level.value, since=r.since, evidence=r.evidence)
                for r in member.qualifications_as_of(_day(as_of))]


@checked_input
class SeatMemberInput:
    organization_id: relay.GlobalID
    member_id: relay.GlobalID = strawberry.field(description="An official member of the organisation "
                                                 "or of an organisation under it.")
    position: Position  # type: ignore[valid-type]
    basis: SeatBasis = strawberry.field(default=SeatBasis.ELECTED)  # type: ignore[valid-type]
    term_start: datetime.date
    term_end: datetime.date
    effective_on: datetime.date = strawberry.field(description="The seat is held from this day.")
    decision: DecisionInput | None = strawberry.field(default=None, description="The election "
                                                      "result or appointment decision.")
    consent: DecisionInput | None = strawberry.field(
        default=None, description="The superior's consent to an exception from a threshold (a "
        "committee member in a cell of fewer than 9 official members); it is recorded.")
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class UnseatMemberInput:
    organization_id: relay.GlobalID
    seat_ref: IdentifierText
    reason: FreeText
    effective_on: datetime.date = strawberry.field(description="The seat is no longer held from this day.")
    decision: DecisionInput | None = None
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class RecordQualificationInput:
    member_id: relay.GlobalID
    kind: QualificationKind  # type: ignore[valid-type]
    level: str = strawberry.field(description=LEVELS_DESCRIPTION)
    effective_on: datetime.date = strawberry.field(description="Held from this day (the diploma's date).")
    evidence: FreeText | None = strawberry.field(
        default=None, description="The diploma or certificate.")
    correction_reason: FreeText | None = strawberry.field(
        default=None, description="Needed to record a lower level than before: a correction.")
    idempotency_key: IdempotencyKeyText | None = None


@strawberry.type
class SeatPayload:
    organization: OrganizationType | None
    seat: Seat | None
    user_errors: list[UserError]
    position: str | None = strawberry.field(description="Log position to wait for in queries.")


@strawberry.type
class CommitteeMutation:
    @strawberry.mutation(description="Seat an official member on a committee for a term (bí thư, "
                         "phó bí thư, cấp ủy viên, ...).")
    async def seat_member(self, info: Info[Any, Any], input: SeatMemberInput) -> SeatPayload:
        org, member = uuid_of(input.organization_id, "Organization", "organizationId"), _member(input.member_id)
        decision, consent = _decision(input.decision), _decision(input.consent)
        position = seats.Position[input.position.name]

        def filled(seat: seats.Seat) -> bool:
            return (seat.member_id, seat.position, seat.taken_on) == (member, position, input.effective_on)

        return await _seat_payload(info, input.idempotency_key, lambda c: c.register.seat_member(
            c.actor, organization_id=org, member_id=member, position=position,
            basis=seats.SeatBasis[input.basis.name], term_start=input.term_start, term_end=input.term_end,
            effective_on=input.effective_on, decision=decision, consent=consent), org, filled)

    @strawberry.mutation(description="End a seat before its term, with the reason.")
    async def unseat_member(self, info: Info[Any, Any], input: UnseatMemberInput) -> SeatPayload:
        org, ref = uuid_of(input.organization_id, "Organization", "organizationId"), _seat_ref(input.seat_ref)
        decision = _decision(input.decision)
        return await _seat_payload(info, input.idempotency_key, lambda c: c.register.unseat_member(
            c.actor, organization_id=org, seat_ref=ref, reason=input.reason, effective_on=input.effective_on,
            decision=decision), org, lambda seat: seat.ref == ref)

    @strawberry.mutation(description="Record a member's qualification from a date; a lower level "
                         "than before is a correction and needs its reason.")
    async def record_qualification(self, info: Info[Any, Any], input: RecordQualificationInput) -> MemberPayloadType:
        from partyledger.graphql.members import member_payload  # noqa: PLC0415 (see the module's docstring)

        member, kind = _member(input.member_id), quals.QualificationKind[input.kind.name]
        return await member_payload(info, input.idempotency_key, lambda c: c.register.record_qualification(
            c.actor, member_id=member, kind=kind, level=quals.parse_level(kind, input.level),
            effective_on=input.effective_on, evidence=input.evidence, correction_reason=input.correction_reason))


async def _seat_payload(info: Info[Any, Any], key: str | None, command: Any, org: UUID,
                        concerned: Callable[[seats.Seat], bool]) -> SeatPayload:
    from partyledger.graphql.organizations import Organization  # noqa: PLC0415 (see the module's docstring)

    outcome, errors = await run_command(info, key, command)
    if outcome is None:
        return SeatPayload(organization=None, seat=None, user_errors=errors, position=None)
    aggregate = await anyio.to_thread.run_sync(ledger(info).register.organization, org)
    row = OrganizationRow(aggregate.id, aggregate.name, aggregate.kind.name, aggregate.parent_id,
                          aggregate.founded_on)
    seat = next((s for s in reversed(aggregate.seats) if concerned(s)), None)
    return SeatPayload(organization=Organization.of(row), seat=Seat.of(seat) if seat else None,
                       user_errors=[], position=str(outcome.position))


def _decision(given: DecisionInput | None) -> Any:
    return given.to_domain() if given else None


def _member(given: relay.GlobalID) -> UUID:
    return uuid_of(given, "Member", "memberId")


def _seat_ref(given: str) -> UUID:
    try:
        return UUID(given)
    except ValueError:
        raise BadInputError("seatRef: not a seat reference this register gave out") from None


@strawberry.type(description="Took a committee seat.")
class SeatTakenEntry(HistoryEntry):
    organization_id: strawberry.ID
    seat_ref: str
    position: Position  # type: ignore[valid-type]


@strawberry.type(description="A committee seat ended.")
class SeatEndedEntry(HistoryEntry):
    organization_id: strawberry.ID
    seat_ref: str
    cause: SeatEndCause  # type: ignore[valid-type]


@strawberry.type(description="A qualification recorded (a correction where a reason is given).")
class QualificationRecordedEntry(HistoryEntry):
    kind: QualificationKind  # type: ignore[valid-type]
    level: str
    evidence: str | None
    correction_reason: str | None


history_entry_for(quals.Qualifications.SeatTaken, SeatTakenEntry, lambda e: {
    "organization_id": global_id("Organization", e.organization_id), "seat_ref": str(e.seat_ref),
    "position": Position[e.position.name]})
history_entry_for(quals.Qualifications.SeatEnded, SeatEndedEntry, lambda e: {
    "organization_id": global_id("Organization", e.organization_id), "seat_ref": str(e.seat_ref),
    "cause": SeatEndCause[e.cause.name]})
history_entry_for(quals.Qualifications.QualificationRecorded, QualificationRecordedEntry, lambda e: {
    "kind": QualificationKind[e.kind.name], "level": e.level.name, "evidence": e.evidence,
    "correction_reason": e.correction_reason})

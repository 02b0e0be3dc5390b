"""A member's history: their own stored events, in order, as typed entries."""

import datetime
from typing import Any

import strawberry

from partyledger.domain.member import Member as MemberAggregate
from partyledger.graphql.commands import DecisionRecord
from partyledger.graphql.ids import to_global_id


@strawberry.interface(description="One event of a member's history, as recorded.")
class HistoryEntry:
    version: int = strawberry.field(description="Position in the member's own stream, from 1.")
    effective_on: datetime.date = strawberry.field(description="The legal date of the change.")
    recorded_at: datetime.datetime = strawberry.field(description="When it was recorded.")
    recorded_by: str = strawberry.field(description="Who recorded it.")
    correlation_id: str
    decision: DecisionRecord | None


@strawberry.type(description="Admitted to the Party (kết nạp) by a decision.")
class AdmittedEntry(HistoryEntry):
    cell_id: strawberry.ID
    ceremony_on: datetime.date


@strawberry.type(description="Entered from the records kept before this register.")
class EnrolledEntry(HistoryEntry):
    cell_id: strawberry.ID
    admitted_on: datetime.date
    recognized_on: datetime.date | None


@strawberry.type(description="Recognised as an official member (công nhận đảng viên chính thức).")
class RecognizedAsOfficialEntry(HistoryEntry):
    cell_resolution_on: datetime.date


@strawberry.type
class HistoryEntryEdge:
    cursor: str
    node: HistoryEntry


@strawberry.type
class HistoryConnection:
    edges: list[HistoryEntryEdge]
    has_next_page: bool
    total_count: int


def _common(event: Any) -> dict[str, Any]:
    return {
        "version": event.originator_version, "effective_on": event.effective_on,
        "recorded_at": event.timestamp, "recorded_by": event.recorded_by,
        "correlation_id": event.correlation_id,
        "decision": DecisionRecord.of(getattr(event, "decision", None)),
    }


def cell(uuid: Any) -> strawberry.ID:
    return strawberry.ID(str(to_global_id("Organization", uuid)))


def history_entry(event: Any) -> HistoryEntry:
    if isinstance(event, MemberAggregate.Admitted):
        return AdmittedEntry(**_common(event), cell_id=cell(event.cell_id), ceremony_on=event.ceremony_on)
    if isinstance(event, MemberAggregate.Enrolled):
        return EnrolledEntry(**_common(event), cell_id=cell(event.cell_id),
                             admitted_on=event.admitted_on, recognized_on=event.recognized_on)
    if isinstance(event, MemberAggregate.RecognizedAsOfficial):
        return RecognizedAsOfficialEntry(**_common(event), cell_resolution_on=event.cell_resolution_on)
    msg = f"no history entry type for {type(event).__qualname__}"
    raise TypeError(msg)


HISTORY_TYPES = [AdmittedEntry, EnrolledEntry, RecognizedAsOfficialEntry]

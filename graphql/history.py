"""A member's history: their own stored events, in order, as typed entries.

Each part of the schema registers the entry type for its events with ``history_entry_for``;
the schema includes every registered type.
"""

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from partyledger.graphql.commands import DecisionRecord
from partyledger.graphql.ids import to_global_id

if TYPE_CHECKING:
    from partyledger.graphql.members import PageInfo


@strawberry.interface(description="One event of a member's history, as recorded.")
class HistoryEntry:
    version: int = strawberry.field(description="Position in the member's own stream, from 1.")
    effective_on: datetime.date = strawberry.field(description="The legal date of the change.")
    recorded_at: datetime.datetime = strawberry.field(description="When it was recorded.")
    recorded_by: str = strawberry.field(description="Who recorded it.")
    correlation_id: str
    decision: DecisionRecord | None


@strawberry.type
class HistoryEntryEdge:
    cursor: str
    node: HistoryEntry


@strawberry.type(description="A page of a member's events, oldest first, with keyset cursors.")
class HistoryConnection:
    edges: list[HistoryEntryEdge]
    page_info: Annotated["PageInfo", strawberry.lazy("partyledger.graphql.members")]
    has_next_page: bool = strawberry.field(description="As `pageInfo.hasNextPage`.")
    total_count: int = strawberry.field(description="The member's events, all pages.")


_BUILDERS: dict[type, Callable[[Any, dict[str, Any]], HistoryEntry]] = {}
HISTORY_TYPES: list[type] = []


def history_entry_for(event_class: type, entry_type: type,
                      fields: Callable[[Any], dict[str, Any]] = lambda _: {}) -> None:
    """Show ``event_class`` events as ``entry_type``; ``fields`` gives its own fields."""
    _BUILDERS[event_class] = lambda event, common: entry_type(**common, **fields(event))
    if entry_type not in HISTORY_TYPES:
        HISTORY_TYPES.append(entry_type)


def common_fields(event: Any) -> dict[str, Any]:
    return {
        "version": event.originator_version, "effective_on": event.effective_on,
        "recorded_at": event.timestamp, "recorded_by": event.recorded_by,
        "correlation_id": event.correlation_id,
        "decision": DecisionRecord.of(getattr(event, "decision", None)),
    }


def history_entry(event: Any) -> HistoryEntry:
    for kind in type(event).__mro__:
        if kind in _BUILDERS:
            return _BUILDERS[kind](event, common_fields(event))
    msg = f"no history entry type for {type(event).__qualname__}"
    raise TypeError(msg)


def global_id(type_name: str, value: Any) -> strawberry.ID:
    return strawberry.ID(str(to_global_id(type_name, value))) if value else None  # type: ignore[return-value]

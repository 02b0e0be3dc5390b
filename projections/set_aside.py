"""Events a view cannot apply, set aside with their reason, so that the view moves on.

A view applies a batch inside a savepoint. Should the batch fail for a reason that lies in its
events (a value the tables refuse, an event this release cannot read), it is tried again in
halves, down to single events, each in a savepoint of its own: every event that can be applied
is, and each one that cannot is recorded in the view's set-aside table, in the transaction that
commits the view's tracking position. A failure that lies elsewhere (the connection, a lock, a
privilege, a missing table) is raised instead: the batch is tried again later, nothing is set
aside. Set-aside rows are part of the view: a rebuild derives them again, so an event set aside
by a release that could not apply it is applied by the first rebuild of a release that can.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import PersistenceError
from eventsourcing.utils import get_topic
from psycopg import Cursor, errors
from psycopg.sql import SQL, Identifier, Literal

REASON_LENGTH = 160


def create_statement(table: str) -> str:
    """The statement that makes a view's set-aside table (``{s}``: the tenant's schema)."""
    return (f"CREATE TABLE IF NOT EXISTS {{s}}.{table} ("
            " position bigint PRIMARY KEY, originator_id uuid, originator_version bigint,"
            " topic text NOT NULL, reason text NOT NULL,"
            " set_aside_at timestamptz NOT NULL DEFAULT now())")


Applied = Callable[[list[tuple[int, Any]]], None]
"""Applies ``(notification id, event)`` pairs in the open transaction, or raises."""


@dataclass(frozen=True)
class Unreadable:
    """A stored event this release cannot decode, handed to the views that may show it."""

    originator_id: UUID
    originator_version: int
    topic: str
    reason: str
    event_class: type[Any] | None
    """The class its topic names; None when the topic names none this release knows."""

    def concerns(self, shows: tuple[type[Any], ...]) -> bool:
        """Whether a view showing ``shows`` would read it (any view, for an unknown topic)."""
        return self.event_class is None or issubclass(self.event_class, shows)


@dataclass(frozen=True)
class SetAside:
    """An event a view could not apply, and why."""

    projection: str
    position: int
    originator_id: UUID | None
    topic: str
    reason: str
    set_aside_at: datetime


def apply_or_set_aside(curs: Cursor[Any], schema: str, table: str,
                       events: Sequence[tuple[int, Any]], apply: Applied) -> list[int]:
    """Apply ``events`` with ``apply``, setting aside into ``schema.table`` those that cannot
    be applied; return the positions set aside."""
    readable = [(p, e) for p, e in events if not isinstance(e, Unreadable)]
    refused = [(p, e, e.reason) for p, e in events if isinstance(e, Unreadable)]
    refused += _isolated(curs, readable, apply)
    if refused:
        curs.executemany(SQL(
            "INSERT INTO {} (position, originator_id, originator_version, topic, reason)"
            " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (position) DO NOTHING").format(
            Identifier(schema, table)),
            [(p, getattr(e, "originator_id", None), _version(e), _topic(e), reason)
             for p, e, reason in refused])
    return sorted(p for p, _, _ in refused)


def _isolated(curs: Cursor[Any], events: list[tuple[int, Any]],
              apply: Applied) -> list[tuple[int, Any, str]]:
    """Apply ``events`` in a savepoint; on a failure that lies in them, halves again and again
    down to the single events that fail, which are returned with their reasons."""
    if not events:
        return []
    curs.execute("SAVEPOINT applying")
    try:
        apply(events)
    except Exception as error:
        curs.execute("ROLLBACK TO SAVEPOINT applying")
        curs.execute("RELEASE SAVEPOINT applying")
        if not lies_in_the_events(error):
            raise
        if len(events) == 1:
            position, event = events[0]
            return [(position, event, reason(error))]
        half = len(events) // 2
        return _isolated(curs, events[:half], apply) + _isolated(curs, events[half:], apply)
    curs.execute("RELEASE SAVEPOINT applying")
    return []


def lies_in_the_events(error: Exception) -> bool:
    """Whether applying the same events again would fail the same way: a value the database
    refuses, or an event the code cannot read. Not the connection, a lock, a time-out, a
    privilege, a missing table, nor the database's own state."""
    if isinstance(error, errors.ProgramLimitExceeded | psycopg.DataError | psycopg.IntegrityError):
        return True
    if isinstance(error, psycopg.Error | PersistenceError):
        return False
    return not isinstance(error, MemoryError | RecursionError)


def reason(error: BaseException) -> str:
    """A short reason without the values involved: the error's kind and its message with
    quoted parts (where messages put values, names among them) and control characters out."""
    sqlstate = getattr(getattr(error, "diag", None), "sqlstate", None)
    message = str(error).splitlines()[0] if str(error) else ""
    message = re.sub(r"\"[^\"]*\"|'[^']*'|\([^()]*\)=\([^()]*\)", "…", message)
    message = re.sub(r"[\x00-\x1f\x7f]", "", message).strip()
    kind = f"{type(error).__name__}" + (f" {sqlstate}" if sqlstate else "")
    text = f"{kind}: {message}" if message else kind
    return text if len(text) <= REASON_LENGTH else text[:REASON_LENGTH - 1] + "…"


def _topic(event: Any) -> str:
    return event.topic if isinstance(event, Unreadable) else get_topic(type(event))


def _version(event: Any) -> int | None:
    version = getattr(event, "originator_version", None)
    return version if isinstance(version, int) else None


def set_aside_in(curs: Cursor[Any], schema: str, tables: dict[str, str], *,
                 limit: int) -> tuple[int, list[SetAside]]:
    """How many events the views set aside (``tables``: each view's set-aside table by the
    view's name), and the first ``limit`` of each view, in one statement."""
    each = SQL(" UNION ALL ").join(
        SQL("(SELECT {} AS projection, position, originator_id, topic, reason, set_aside_at,"
            " count(*) OVER () AS n FROM {} ORDER BY position LIMIT greatest(%(limit)s, 1))")
        .format(Literal(name), Identifier(schema, table)) for name, table in tables.items())
    curs.execute(each, {"limit": limit})
    rows = curs.fetchall()
    counts = {r["projection"]: r["n"] for r in rows}
    return sum(counts.values()), [SetAside(**{k: v for k, v in r.items() if k != "n"})
                                  for r in rows if limit > 0]

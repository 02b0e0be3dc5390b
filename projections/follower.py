"""Bring views up to date with their application's notification log, in batches."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from eventsourcing.application import Application
from psycopg.sql import SQL, Identifier

BATCH_SIZE = 1000


class View(Protocol):
    """A read model that records the log position it reached with its rows."""

    name: str

    def position(self) -> int: ...

    def process(self, events: Iterable[tuple[int, Any]]) -> int: ...


def claim(curs: Any, schema: str, tracking_table: str, application: str) -> int:
    """Serialise a view's writers for the rest of the transaction; return the position the
    view has reached. Two catch-ups of one view (the serving projector, a test, a CLI) then
    never process the same events twice or fail on each other's tracking rows."""
    curs.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"{schema}.{tracking_table}",))
    curs.execute(SQL("SELECT max(notification_id) AS done FROM {} WHERE application_name = %s")
                 .format(Identifier(schema, tracking_table)), (application,))
    row = curs.fetchone()
    return int(row["done"] or 0)


def catch_up(app: Application, view: View, *, batch_size: int = BATCH_SIZE) -> int:  # type: ignore[type-arg]
    """Process every notification after the view's position; return the position reached."""
    return catch_up_all(app, [view], batch_size=batch_size)


def catch_up_all(
    app: Application,  # type: ignore[type-arg]
    views: Sequence[View],
    *,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Process every notification after each view's position; return the lowest position reached.

    Each batch is read and decoded once and handed to every view that has not seen it; each
    view commits its rows with its own tracking position (exactly once, view by view).
    Notification ids can have permanent holes (a failed insert burns sequence values), so the
    views follow the highest id they have seen, never a count. ``progress`` is told the
    position after each batch.
    """
    positions = {id(view): view.position() for view in views}
    position = min(positions.values(), default=0)
    while True:
        notifications = app.recorder.select_notifications(
            start=position, limit=batch_size, inclusive_of_start=False
        )
        if not notifications:
            return position
        events = [(n.id, app.mapper.to_domain_event(n)) for n in notifications]
        for view in views:
            seen = positions[id(view)]
            unseen = [pair for pair in events if pair[0] > seen]
            if unseen:
                positions[id(view)] = view.process(unseen)
        position = events[-1][0]
        if progress is not None:
            progress(position)

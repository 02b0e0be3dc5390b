"""Bring views up to date with their application's notification log, in batches."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from eventsourcing.application import Application
from eventsourcing.utils import resolve_topic
from psycopg.sql import SQL, Identifier

from partyledger.projections.set_aside import Unreadable, reason

BATCH_SIZE = 5000


class View(Protocol):
    """A read model that records the log position it reached with its rows.

    ``shows`` names the event classes it reads: a catch-up decodes no other events for it, and
    tells it with ``through`` how far the batch read. A stored event it may read that cannot be
    decoded is handed over as ``set_aside.Unreadable``, for the view to set aside."""

    name: str
    shows: tuple[type[Any], ...]

    def position(self) -> int: ...

    def process(self, events: Iterable[tuple[int, Any]], through: int = 0,
                after: int | None = None) -> int: ...


class PositionLostError(RuntimeError):
    """The view's position in the database is behind the one its batch follows: a commit the
    database had acknowledged was lost (projection commits do not wait for the WAL, and the
    server crashed). Applying the batch would skip the events in between, so the catch-up
    stops and starts again from the position the database holds."""


def claim(curs: Any, schema: str, tracking_table: str, application: str) -> int:
    """Serialise a view's writers for the rest of the transaction; return the position the
    view has reached. Two catch-ups of one view (the serving projector, a test, a CLI) then
    never process the same events twice or fail on each other's tracking rows."""
    curs.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"{schema}.{tracking_table}",))
    # A view's rows and its position commit together, and both can be derived again from the
    # events: a commit lost in a crash is redone from the older position. No need to wait for
    # the WAL to reach the disk.
    curs.execute("SET LOCAL synchronous_commit TO OFF")
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
    shown = _Shown(views)
    through, events, full = _read(app, position, batch_size, shown)
    if not full:  # the usual case when following the log: one batch, no reader thread
        return _hand_over(views, positions, through, events, progress) if through else position
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="projector-reader") as reader:
        # a long way to go: the next batch is read and decoded while the views write this one
        # (the database's work releases the GIL)
        while through:
            upcoming = reader.submit(_read, app, through, batch_size, shown)
            position = _hand_over(views, positions, through, events, progress)
            through, events, _ = upcoming.result()
    return position


def _hand_over(views: Sequence[View], positions: dict[int, int], through: int,
               events: list[tuple[int, Any]], progress: Callable[[int], None] | None) -> int:
    for view in views:
        seen = positions[id(view)]
        if seen < through:
            mine = [(i, e) for i, e in events if i > seen and _concerns(e, view.shows)]
            positions[id(view)] = view.process(mine, through=through, after=seen)
    if progress is not None:
        progress(through)
    return through


def _concerns(event: Any, shows: tuple[type[Any], ...]) -> bool:
    return isinstance(event, shows) or (isinstance(event, Unreadable) and event.concerns(shows))


class _Shown:
    """Whether a stored event's topic names a class some view reads (decided once per topic);
    a topic that names no class this release knows might be shown."""

    def __init__(self, views: Sequence[View]) -> None:
        self._classes = tuple(c for view in views for c in view.shows)
        self._topics: dict[str, bool] = {}

    def __call__(self, topic: str) -> bool:
        found = self._topics.get(topic)
        if found is None:
            try:
                found = issubclass(resolve_topic(topic), self._classes)
            except Exception:  # noqa: BLE001 - any topic of the log must not stop a view
                found = True
            self._topics[topic] = found
        return found


def _read(app: Application, after: int, batch_size: int,  # type: ignore[type-arg]
          shown: _Shown) -> tuple[int, list[tuple[int, Any]], bool]:
    """The last notification id of the next batch (0: none), its events some view reads, and
    whether the batch was full (more may follow)."""
    notifications = app.recorder.select_notifications(
        start=after, limit=batch_size, inclusive_of_start=False)
    if not notifications:
        return 0, [], False
    return (notifications[-1].id, [(n.id, _decoded(app, n)) for n in notifications
                                   if shown(n.topic)],
            len(notifications) == batch_size)


def _decoded(app: Application, notification: Any) -> Any:  # type: ignore[type-arg]
    """The domain event, or what the views need to set it aside when it cannot be read."""
    try:
        return app.mapper.to_domain_event(notification)
    except Exception as error:  # noqa: BLE001 - an event of the log must not stop a view
        try:
            found = resolve_topic(notification.topic)
        except Exception:  # noqa: BLE001 - a topic this release does not know
            found = None
        event_class = found if isinstance(found, type) else None
        return Unreadable(notification.originator_id, notification.originator_version,
                          notification.topic, reason(error), event_class)

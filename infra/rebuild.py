"""Rebuild a tenant's projections from its first event: in batches, resumable, exactly once.

A rebuild empties each view and marks it in ``projection_rebuilds`` (in the tenant's schema),
then catches the views up in batches of many events per transaction, each batch committed with
the view's tracking position. The mark is what makes a killed rebuild resumable: a view that
carries one is *not* reset again but continues from its tracking position, so every event is
applied exactly once however often the command is interrupted; the mark goes when the view has
reached the log's head. A view is reset before it is marked (two transactions, since a view
owns its reset): interrupted between the two, the next run resets it again, having applied
nothing yet.

Whoever catches a tenant up holds its catch-up lock (``projector.catching_up``): a rebuild waits
for the serving projector's batch in flight, and the projector skips the tenant until the
rebuild is done, which then wakes it (NOTIFY) for what was appended meanwhile.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from psycopg.sql import SQL, Identifier, Literal

from partyledger.infra.eventstore import EVENTS_CHANNEL
from partyledger.infra.projector import ProjectionLag, catching_up, projection_lags
from partyledger.infra.tenants import TenantRuntime
from partyledger.projections.follower import BATCH_SIZE, View, catch_up_all

MARKS = "projection_rebuilds"
_CREATE_MARKS = ("CREATE TABLE IF NOT EXISTS {s}.projection_rebuilds ("
                 " projection text PRIMARY KEY, started_at timestamptz NOT NULL DEFAULT now())")

Progress = Callable[[int, int], None]
"""Told ``(events processed, events to process)`` before the first batch and after each one."""


@dataclass(frozen=True)
class RebuildReport:
    tenant: str
    projections: tuple[str, ...]
    events: int
    """Events processed by this run (a resumed run counts only what was left)."""
    seconds: float
    position: int
    resumed: bool

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class ProjectionStatus(ProjectionLag):
    rebuilding: bool = False


def rebuild(
    runtime: TenantRuntime, *, batch_size: int = BATCH_SIZE,
    projections: Sequence[str] = (), progress: Progress | None = None,
) -> RebuildReport:
    """Rebuild the tenant's views (those named in ``projections``, or all) from the first event,
    or finish the rebuild an earlier run left unfinished."""
    views = _select(runtime, projections)
    datastore = _datastore(runtime)
    with catching_up(runtime, wait=True):
        started = time.monotonic()
        marked = _marked(runtime)
        for view in views:
            if view.name not in marked:
                view.reset()  # type: ignore[attr-defined]
                _mark(runtime, view.name)
        for view in views:  # a view may load faster without the indexes only reads use
            getattr(view, "bulk_load", lambda: None)()
        start = min(view.position() for view in views)
        head = runtime.register.recorder.max_notification_id() or start
        total, counted = _Counter(runtime, start).upto(head), _Counter(runtime, start)
        if progress is not None:
            progress(0, total)

        def advanced(position: int) -> None:
            counted.upto(position)
            if progress is not None:
                progress(counted.events, max(total, counted.events))

        position = catch_up_all(runtime.register, views, batch_size=batch_size, progress=advanced)
        for view in views:
            view.create_table()  # type: ignore[attr-defined]  # the read indexes again
        with datastore.transaction(commit=True) as curs:
            curs.execute(_sql(runtime, "DELETE FROM {s}.projection_rebuilds"
                                       " WHERE projection = ANY(%s)"), ([v.name for v in views],))
        seconds = time.monotonic() - started
    _wake_projectors(runtime)
    return RebuildReport(runtime.tenant.slug, tuple(v.name for v in views), counted.events,
                         seconds, position, resumed=bool(marked & {v.name for v in views}))


def status(runtime: TenantRuntime) -> list[ProjectionStatus]:
    """Each view's position, the log's head and the lag; whether a rebuild of it is unfinished."""
    marked = _marked(runtime)
    return [ProjectionStatus(**vars(lag), rebuilding=lag.projection in marked)
            for lag in projection_lags(runtime)]


def rebuilding(runtime: TenantRuntime) -> frozenset[str]:
    """Names of the views whose rebuild has begun and not finished."""
    return _marked(runtime)


class _Counter:
    """Counts the events between ``start`` and a position (ids have holes: never subtract)."""

    def __init__(self, runtime: TenantRuntime, start: int) -> None:
        self._runtime, self._last, self.events = runtime, start, 0
        recorder = runtime.register.recorder
        self._statement = SQL(
            "SELECT count(*) AS n FROM {}.{} WHERE notification_id > %s AND notification_id <= %s"
        ).format(Identifier(runtime.tenant.schema_name),
                 Identifier(recorder.events_table_name))  # type: ignore[attr-defined]

    def upto(self, position: int) -> int:
        if position > self._last:
            with _datastore(self._runtime).get_connection() as conn:
                row = conn.execute(self._statement, (self._last, position)).fetchone()
            self.events += row["n"]
            self._last = position
        return self.events


def _select(runtime: TenantRuntime, names: Sequence[str]) -> list[View]:
    views: list[View] = list(runtime.views)
    unknown = set(names) - {v.name for v in views}
    if unknown:
        known = ", ".join(v.name for v in views)
        raise LookupError(f"no projection {', '.join(sorted(unknown))}; known: {known}")
    return [v for v in views if not names or v.name in names]


def _marked(runtime: TenantRuntime) -> frozenset[str]:
    with _datastore(runtime).get_connection() as conn:
        table = f"{runtime.tenant.schema_name}.{MARKS}"
        present = conn.execute("SELECT to_regclass(%s) IS NOT NULL AS t", (table,)).fetchone()
        if not present["t"]:  # no rebuild ever ran in this tenant
            return frozenset()
        rows = conn.execute(_sql(runtime, "SELECT projection FROM {s}.projection_rebuilds"))
        return frozenset(r["projection"] for r in rows.fetchall())


def _mark(runtime: TenantRuntime, name: str) -> None:
    with _datastore(runtime).transaction(commit=True) as curs:
        curs.execute(_sql(runtime, _CREATE_MARKS))
        curs.execute(_sql(runtime, "INSERT INTO {s}.projection_rebuilds (projection)"
                                   " VALUES (%s) ON CONFLICT DO NOTHING"), (name,))


def _wake_projectors(runtime: TenantRuntime) -> None:
    """Serving processes skipped this tenant while the rebuild held its lock: an event appended
    after the rebuild's last batch would wait for the next append without this."""
    with _datastore(runtime).get_connection() as conn:
        conn.execute(SQL("SELECT pg_notify({}, %s)").format(Literal(EVENTS_CHANNEL)),
                     (runtime.tenant.schema_name,))


def _sql(runtime: TenantRuntime, text: str) -> Any:
    return SQL(text).format(s=Identifier(runtime.tenant.schema_name))


def _datastore(runtime: TenantRuntime) -> Any:
    return runtime.register.factory.datastore  # type: ignore[attr-defined]

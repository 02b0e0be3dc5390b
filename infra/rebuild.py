"""Rebuild a tenant's projections from its first event, beside the live tables, and swap.

A rebuild fills a copy of each view's tables (``shadow_tables``: the same names with a prefix,
in the tenant's schema) from the first event, in batches of many events per transaction, each
batch committed with the copy's tracking position, while the tenant is served from the live
tables and the projector keeps them current. Once the copy has reached the log's head it
replaces the live tables in one transaction, tracking position included, under the tenant's
catch-up lock (``projector.catching_up``), so no batch of the projector straddles the swap. A
rebuild that fails or is killed before the swap leaves the tenant served exactly as before.

``projection_rebuilds`` (in the tenant's schema) marks the views whose copy is being filled:
that is what makes a killed rebuild resumable. A marked view's copy is kept and continues from
its own tracking position, so every event is applied exactly once however often the command is
interrupted; the mark goes with the swap. An unmarked view's copy is dropped and made anew (a
run killed between making the copy and marking it had applied nothing yet).

One rebuild per tenant at a time: a second one waits for the first (a lock of its own, apart
from the catch-up lock, which the rebuild holds only for its last batch and the swap).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from eventsourcing.utils import retry
from psycopg import errors
from psycopg.sql import SQL, Identifier, Literal

from partyledger.infra.eventstore import EVENTS_CHANNEL
from partyledger.infra.projector import (
    REBUILD_MARKS,
    ProjectionLag,
    catching_up,
    projection_lags,
)
from partyledger.infra.tenants import TenantRuntime
from partyledger.projections.follower import BATCH_SIZE, catch_up_all
from partyledger.projections.shadow_tables import REBUILD_PREFIX, drop, swap
from partyledger.projections.tracked_view import TrackedView

MARKS = REBUILD_MARKS
REBUILD_LOCK = 0x706A_7262  # "pjrb"; with hashtext(schema): one rebuild per tenant at a time
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
    rebuilt_to: int | None = None
    """How far the unfinished rebuild's copy has come (None: no rebuild unfinished)."""
    set_aside: int = 0
    """Events the view could not apply and set aside."""


def rebuild(
    runtime: TenantRuntime, *, batch_size: int = BATCH_SIZE,
    projections: Sequence[str] = (), progress: Progress | None = None,
) -> RebuildReport:
    """Rebuild the tenant's views (those named in ``projections``, or all) from the first event,
    or finish the rebuild an earlier run left unfinished."""
    views = _select(runtime, projections)
    with catching_up(runtime, wait=True, lock=REBUILD_LOCK):
        started = time.monotonic()
        marked = _marked(runtime)
        copies = [view.beside() for view in views]
        for view, copy in zip(views, copies, strict=True):
            fresh = view.name not in marked
            if fresh:  # a copy left by a run killed before marking it: nothing applied yet
                with _datastore(runtime).transaction(commit=True) as curs:
                    drop(curs, runtime.tenant.schema_name,
                         [REBUILD_PREFIX + t for t in view.table_names()])
            copy.create_table()
            if fresh:
                _mark(runtime, view.name)
        for copy in copies:  # a view may load faster without the indexes only reads use
            getattr(copy, "bulk_load", lambda: None)()
        start = min(copy.position() for copy in copies)
        head = runtime.register.recorder.max_notification_id() or start
        total, counted = _Counter(runtime, start).upto(head), _Counter(runtime, start)
        if progress is not None:
            progress(0, total)

        def advanced(position: int) -> None:
            counted.upto(position)
            if progress is not None:
                progress(counted.events, max(total, counted.events))

        catch_up_all(runtime.register, copies, batch_size=batch_size, progress=advanced)
        for copy in copies:
            copy.create_table()  # the read indexes again
        with catching_up(runtime, wait=True):  # the projector's batch in flight ends first
            position = catch_up_all(runtime.register, copies, batch_size=batch_size,
                                    progress=advanced)  # what was appended meanwhile
            _swap(runtime, views)
        seconds = time.monotonic() - started
    _wake_projectors(runtime)
    return RebuildReport(runtime.tenant.slug, tuple(v.name for v in views), counted.events,
                         seconds, position, resumed=bool(marked & {v.name for v in views}))


@retry((errors.DeadlockDetected, errors.LockNotAvailable), max_attempts=5, wait=0.5)
def _swap(runtime: TenantRuntime, views: Sequence[TrackedView]) -> None:
    """The copies become the live tables, and their marks go, in one transaction (tried again
    should a reader's locks deadlock with it: nothing has changed then)."""
    with _datastore(runtime).transaction(commit=True) as curs:
        for view in views:
            swap(curs, runtime.tenant.schema_name, view.table_names())
        curs.execute(_sql(runtime, "DELETE FROM {s}.projection_rebuilds"
                                   " WHERE projection = ANY(%s)"), ([v.name for v in views],))


def status(runtime: TenantRuntime) -> list[ProjectionStatus]:
    """Each view's position, the log's head and the lag, how many events it set aside; how far
    an unfinished rebuild of it has come."""
    marked = _marked(runtime)
    views = {view.name: view for view in runtime.views}
    return [ProjectionStatus(
        **vars(lag), rebuilding=lag.projection in marked,
        rebuilt_to=_rebuilt_to(runtime, views[lag.projection]) if lag.projection in marked
        else None, set_aside=views[lag.projection].set_aside(limit=0)[0])
        for lag in projection_lags(runtime)]


def _rebuilt_to(runtime: TenantRuntime, view: TrackedView) -> int:
    """The position of the view's copy (0 before it is made: a mark of an earlier release,
    which rebuilt the live tables in place)."""
    copy = view.beside()
    with _datastore(runtime).get_connection() as conn:
        table = f"{runtime.tenant.schema_name}.{copy.tracking_table_name}"
        made = conn.execute("SELECT to_regclass(%s) IS NOT NULL AS t", (table,)).fetchone()
    return copy.position() if made["t"] else 0


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


def _select(runtime: TenantRuntime, names: Sequence[str]) -> list[TrackedView]:
    views: list[TrackedView] = list(runtime.views)
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

"""Keeps every tenant's projections current: one listener connection and one worker per process.

Appends NOTIFY ``partyledger_events`` with the tenant's schema; the listener queues that tenant
(and every tenant each time it connects: what was appended before went unheard) and the worker
catches its views up, then announces the position for read-your-writes waits. A catch-up that
fails (on the database: an event never fails one) is tried again, less often while it keeps
failing, without waiting for the next append.

Whoever catches a tenant's views up (this projector, in any serving process, or ``projections
rebuild`` as it swaps its copy in) holds the tenant's catch-up lock, a session advisory lock on
its shard: the worker does not wait for it but skips the tenant and tries again a little later,
so it never stalls the other tenants.

An event a view cannot apply is set aside for that view with its reason while the view moves
on (``projections.set_aside``); the gauge ``partyledger.projection.set_aside`` counts them per
tenant and view, as ``/health`` and ``projections status`` show them.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from opentelemetry import metrics, trace
from psycopg.sql import SQL, Identifier, Literal

from partyledger.infra.eventstore import EVENTS_CHANNEL
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.projections.follower import catch_up_all
from partyledger.projections.progress import ProjectionProgress
from partyledger.projections.set_aside import SetAside, set_aside_in

log = logging.getLogger(__name__)
_tracer = trace.get_tracer("partyledger.projections")

REBUILD_MARKS = "projection_rebuilds"
"""The table in a tenant's schema naming the views whose rebuild has begun (infra/rebuild.py)."""
CATCH_UP_LOCK = 0x706A_6374  # "pjct"; with hashtext(schema): one catch-up per tenant at a time
MAX_RETRY_SECONDS = 30.0


@dataclass(frozen=True)
class ProjectionLag:
    projection: str
    position: int
    head: int

    @property
    def lag(self) -> int:
        return max(0, self.head - self.position)


def projection_lags(runtime: TenantRuntime) -> list[ProjectionLag]:
    """Each view's position against the log's head (read first: a lag is never negative)."""
    head = runtime.register.recorder.max_notification_id() or 0
    return [ProjectionLag(view.name, view.position(), head) for view in runtime.views]


@dataclass(frozen=True)
class TenantProjections:
    """What ``/health`` shows of a tenant's projections."""

    lags: list[ProjectionLag]
    rebuilding: frozenset[str]
    set_aside: int
    first_set_aside: list[SetAside]


def probe(runtime: TenantRuntime, *, limit: int = 20) -> TenantProjections:
    """Each view's position against the log's head, the views being rebuilt and the events
    set aside: two statements in one transaction on one connection (``/health`` reads every
    tenant this way, within its deadline)."""
    schema = runtime.tenant.schema_name
    marks = f"{schema}.{REBUILD_MARKS}"
    positions = SQL(", ").join(
        SQL("(SELECT max(notification_id) FROM {} WHERE application_name = {})").format(
            Identifier(schema, view.tracking_table_name), Literal(view.APPLICATION))
        for view in runtime.views)
    tables = {view.name: view.set_aside_table for view in runtime.views}
    with runtime.roster.datastore.transaction(commit=False) as curs:
        curs.execute(SQL(
            "SELECT (SELECT max(notification_id) FROM {}) AS head, ARRAY[{}] AS positions,"
            " to_regclass(%s) IS NOT NULL AS marked").format(
                Identifier(schema, runtime.register.recorder.events_table_name), positions),
            (marks,))
        row = curs.fetchone()
        rebuilding: frozenset[str] = frozenset()
        if row["marked"]:  # a rebuild ran in this tenant once
            curs.execute(SQL("SELECT projection FROM {}").format(
                Identifier(schema, REBUILD_MARKS)))
            rebuilding = frozenset(r["projection"] for r in curs.fetchall())
        set_aside, first = set_aside_in(curs, schema, tables, limit=limit)
    head = row["head"] or 0
    lags = [ProjectionLag(view.name, position or 0, head)
            for view, position in zip(runtime.views, row["positions"], strict=True)]
    return TenantProjections(lags, rebuilding, set_aside, first)


@contextmanager
def catching_up(runtime: TenantRuntime, *, wait: bool, lock: int = CATCH_UP_LOCK) -> Iterator[bool]:
    """Hold the tenant's catch-up lock (or another ``lock`` of the tenant) while the block
    runs; yields whether it is held.

    ``wait=False`` yields False at once when another session holds it. A session lock, on a
    connection kept for the block: it ends with that session should the process die.
    """
    key = (lock, runtime.tenant.schema_name)
    pool = runtime.register.factory.datastore.pool  # type: ignore[attr-defined]
    with pool.connection() as conn:
        if wait:
            conn.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", key)
            held = True
        else:
            row = conn.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s)) AS held", key)
            held = bool(row.fetchone()["held"])
        try:
            yield held
        finally:
            if held:  # pooled connections outlive the block: the lock must not
                conn.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", key)


class Projector:
    def __init__(
        self, directory: TenantDirectory, progress: ProjectionProgress, *,
        meter: metrics.Meter | None = None, retry_seconds: float = 1.0,
    ) -> None:
        self.directory = directory
        self.progress = progress
        self.retry_seconds = retry_seconds
        self._dirty: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._deferred: set[str] = set()
        self._deferred_lock = threading.Lock()
        self._failures: dict[str, int] = {}
        """Catch-ups of a tenant failed in a row (the worker thread's alone)."""
        meter = meter or metrics.get_meter("partyledger")
        meter.create_observable_gauge(
            "partyledger.projection.lag", callbacks=[self._observe_lag], unit="{event}",
            description="Events in a tenant's log not yet in one of its projections",
        )
        meter.create_observable_gauge(
            "partyledger.projection.set_aside", callbacks=[self._observe_set_aside],
            unit="{event}", description="Events of a tenant's log one of its projections could"
            " not apply and set aside",
        )

    def start(self) -> None:
        for target in (self._work, self._listen):
            thread = threading.Thread(target=target, name=f"projector{target.__name__}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        self._dirty.put(None)
        for thread in self._threads:
            thread.join(timeout=2)

    def kick(self, slug: str) -> None:
        self._dirty.put(slug)

    def catch_up(self, runtime: TenantRuntime) -> int | None:
        """The position the tenant's views reached; None when someone else holds its catch-up
        lock (a rebuild, another process), and the tenant is then tried again later."""
        attributes = {"tenant.id": runtime.tenant.slug}
        with _tracer.start_as_current_span("projections catch-up", attributes=attributes) as span, \
                catching_up(runtime, wait=False) as held:
            if not held:
                span.set_attribute("projections.skipped", True)
                self._defer(runtime.tenant.slug)
                return None
            position = catch_up_all(runtime.register, runtime.views)
        self.progress.advance(runtime.tenant.slug, position)
        return position

    def lag(self, runtime: TenantRuntime) -> int:
        """The largest lag among the tenant's projections."""
        return max((p.lag for p in projection_lags(runtime)), default=0)

    def _defer(self, slug: str, seconds: float | None = None) -> None:
        with self._deferred_lock:
            if slug in self._deferred:
                return
            self._deferred.add(slug)

        def again() -> None:
            with self._deferred_lock:
                self._deferred.discard(slug)
            if not self._stop.is_set():
                self.kick(slug)

        timer = threading.Timer(self.retry_seconds if seconds is None else seconds, again)
        timer.daemon = True
        timer.start()

    def _work(self) -> None:
        while not self._stop.is_set():
            slug = self._dirty.get()
            if slug is None:
                return
            try:
                self.catch_up(self.directory.runtime(slug))
            except Exception:  # a failing tenant must not stop the others
                # not an event (those are set aside) but the database: tried again, less often
                # while it keeps failing, without waiting for an append that may never come
                failures = self._failures[slug] = self._failures.get(slug, 0) + 1
                log.exception("projection catch-up failed for tenant %s (%d times in a row)",
                              slug, failures)
                self._defer(slug, min(self.retry_seconds * 2 ** (failures - 1), MAX_RETRY_SECONDS))
            else:
                self._failures.pop(slug, None)

    def _listen(self) -> None:
        """One connection per process listens for every tenant's appends."""
        dsn = self.directory.shards[self.directory.control_shard]
        schemas: dict[str, str] = {}
        while not self._stop.is_set():
            try:
                with psycopg.connect(dsn, autocommit=True,
                                     application_name=self.directory.application_name) as conn:
                    conn.execute(f"LISTEN {EVENTS_CHANNEL}")
                    # every tenant once listening: appends before (startup, a lost connection)
                    # were announced to nobody
                    schemas = {t.schema_name: t.slug for t in self.directory.list()}
                    for slug in schemas.values():
                        self.kick(slug)
                    while not self._stop.is_set():  # notifies() returns each second to check
                        for note in conn.notifies(timeout=1.0):
                            if note.payload not in schemas:
                                schemas = {t.schema_name: t.slug for t in self.directory.list()}
                            if slug := schemas.get(note.payload):
                                self.kick(slug)
            except psycopg.OperationalError:
                log.exception("projection listener lost its connection; reconnecting")
                self._stop.wait(1.0)

    def _observe_lag(self, _options: Any) -> list[metrics.Observation]:
        """One value per tenant and projection."""
        return self._observe("lag", lambda runtime: [
            (p.projection, p.lag) for p in projection_lags(runtime)])

    def _observe_set_aside(self, _options: Any) -> list[metrics.Observation]:
        """One value per tenant and projection."""
        return self._observe("set-aside events", lambda runtime: [
            (view.name, view.set_aside(limit=0)[0]) for view in runtime.views])

    def _observe(self, what: str, values: Any) -> list[metrics.Observation]:
        observations = []
        for tenant in self.directory.list():
            try:
                found = values(self.directory.runtime(tenant.slug))
            except Exception:  # one tenant's failure must not hide the others' values
                log.exception("projection %s of tenant %s could not be read", what, tenant.slug)
                continue
            observations += [metrics.Observation(value, {"tenant.id": tenant.slug,
                                                         "projection": name})
                             for name, value in found]
        return observations

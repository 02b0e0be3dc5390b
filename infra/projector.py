"""Keeps every tenant's projections current: one listener connection and one worker per process.

Appends NOTIFY ``partyledger_events`` with the tenant's schema; the listener queues that tenant
and the worker catches its views up, then announces the position for read-your-writes waits.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any

import psycopg
from opentelemetry import metrics, trace

from partyledger.infra.eventstore import EVENTS_CHANNEL
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.projections.follower import catch_up
from partyledger.projections.progress import ProjectionProgress

log = logging.getLogger(__name__)
_tracer = trace.get_tracer("partyledger.projections")


class Projector:
    def __init__(self, directory: TenantDirectory, progress: ProjectionProgress) -> None:
        self.directory = directory
        self.progress = progress
        self._dirty: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        metrics.get_meter("partyledger").create_observable_gauge(
            "partyledger.projection.lag", callbacks=[self._observe_lag], unit="{event}",
            description="Events in a tenant's log not yet in its roster projection",
        )

    def start(self) -> None:
        for target in (self._work, self._listen):
            thread = threading.Thread(target=target, name=f"projector{target.__name__}", daemon=True)
            thread.start()
            self._threads.append(thread)
        for tenant in self.directory.list():
            self.kick(tenant.slug)

    def stop(self) -> None:
        self._stop.set()
        self._dirty.put(None)
        for thread in self._threads:
            thread.join(timeout=2)

    def kick(self, slug: str) -> None:
        self._dirty.put(slug)

    def catch_up(self, runtime: TenantRuntime) -> int:
        attributes = {"tenant.id": runtime.tenant.slug}
        with _tracer.start_as_current_span("projections catch-up", attributes=attributes):
            position = min(catch_up(runtime.register, view) for view in runtime.views)
        self.progress.advance(runtime.tenant.slug, position)
        return position

    def lag(self, runtime: TenantRuntime) -> int:
        head = runtime.register.recorder.max_notification_id() or 0
        return max(0, head - runtime.position())

    def _work(self) -> None:
        while not self._stop.is_set():
            slug = self._dirty.get()
            if slug is None:
                return
            try:
                self.catch_up(self.directory.runtime(slug))
            except Exception:  # a failing tenant must not stop the others
                log.exception("projection catch-up failed for tenant %s", slug)

    def _listen(self) -> None:
        """One connection per process listens for every tenant's appends."""
        dsn = self.directory.shards[self.directory.control_shard]
        schemas: dict[str, str] = {}
        while not self._stop.is_set():
            try:
                with psycopg.connect(dsn, autocommit=True,
                                     application_name=self.directory.application_name) as conn:
                    conn.execute(f"LISTEN {EVENTS_CHANNEL}")
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
        observations = []
        for tenant in self.directory.list():
            runtime = self.directory.runtime(tenant.slug)
            observations.append(metrics.Observation(self.lag(runtime), {"tenant.id": tenant.slug}))
        return observations

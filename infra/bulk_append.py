"""Appends many events to a tenant's log at once: encoded with the register's own mapper and
copied with ``COPY … FROM STDIN (FORMAT BINARY)`` in large transactions, on a thread of its own
so that encoding the next batch overlaps writing this one.

Each transaction is the recorder's own append transaction: it runs as the tenant's writer role
(INSERT on events and the ids it is handed back, nothing else), takes the recorder's table lock (so notification
ids are handed out and committed in order: readers never pass over a gap that fills later),
sends the recorder's NOTIFY (so projectors follow) and inserts through the events table's
triggers, none of which is disabled. Rows take their notification ids from the table's sequence
in the order given, so each aggregate's events stay in version order in the log.

Only generated history uses it: commands append through the recorder one save at a time. When
the audit chain arrives (DESIGN.md) the COPY belongs inside ``TenantApplicationRecorder``.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable
from types import TracebackType
from typing import Any, Self

from psycopg.sql import SQL, Identifier

from partyledger.infra.eventstore import TenantApplicationRecorder
from partyledger.services.register import RegisterApplication

ROWS_PER_TRANSACTION = 50_000
"""About 30 MB of event state per COPY; a batch is handed over whole, so the transaction never
sits idle (the shard pool ends sessions idle in a transaction)."""

Row = tuple[Any, int, str, bytes]


class BulkAppender:
    """Use as a context manager: ``append`` domain events (each aggregate's in version order);
    leaving the block writes what is left and waits for the writer, re-raising its error."""

    def __init__(self, register: RegisterApplication, *,
                 rows_per_transaction: int = ROWS_PER_TRANSACTION) -> None:
        recorder = register.recorder
        if not isinstance(recorder, TenantApplicationRecorder):
            raise TypeError("bulk appends go to a tenant's PostgreSQL event store")
        self._recorder = recorder
        self._encode = register.mapper.to_stored_event
        self._limit = rows_per_transaction
        self._rows: list[Row] = []
        self._batches: queue.Queue[list[Row] | None] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._copy = SQL("COPY {}.{} (originator_id, originator_version, topic, state) "
                         "FROM STDIN (FORMAT BINARY)").format(
            Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name))
        self._writer = threading.Thread(target=self._write_batches, name="bulk-append", daemon=True)
        self.appended = 0
        """Events committed so far."""

    def __enter__(self) -> Self:
        self._writer.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if kind is None and self._rows:
            self._batches.put(self._rows)
        self._rows = []
        self._batches.put(None)
        self._writer.join()
        if kind is None and self._error is not None:
            raise self._error

    def append(self, events: Iterable[Any]) -> None:
        for event in events:
            stored = self._encode(event)
            self._rows.append(
                (stored.originator_id, stored.originator_version, stored.topic, stored.state))
        if len(self._rows) >= self._limit:
            if self._error is not None:
                raise self._error
            self._batches.put(self._rows)
            self._rows = []

    def _write_batches(self) -> None:
        while (rows := self._batches.get()) is not None:
            if self._error is None:
                try:
                    self._write(rows)
                except BaseException as error:  # noqa: BLE001 - re-raised in the generating thread
                    self._error = error

    def _write(self, rows: list[Row]) -> None:
        recorder = self._recorder
        # The recorder's own append transaction, table lock and notifications.
        with recorder._writer_transaction() as curs:
            recorder._lock_table(curs)
            recorder._notify_channel(curs)
            with curs.copy(self._copy) as copy:
                copy.set_types(["uuid", "int8", "text", "bytea"])
                for row in rows:
                    copy.write_row(row)
        self.appended += len(rows)

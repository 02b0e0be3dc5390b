"""eventsourcing's PostgreSQL persistence, placed in a tenant's schema on its shard's shared pool.

Every write to stored events goes through ``TenantApplicationRecorder``: the one place where the
audit chain will be maintained, where events are made immutable in the database, and where
appends are traced and counted.
"""

from __future__ import annotations

import weakref
from collections import namedtuple
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import (
    InfrastructureFactory,
    InterfaceError,
    OperationalError,
    StoredEvent,
)
from eventsourcing.postgres import (
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresFactory,
)
from eventsourcing.utils import Environment, retry
from opentelemetry import metrics, trace
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier, Literal
from psycopg.types.composite import register_composite

from partyledger.infra.shards import SharedPool, shard_pool

SHARD_DSN = "PARTYLEDGER_SHARD_DSN"
POOL_SIZE = "PARTYLEDGER_POOL_SIZE"
POOL_APPLICATION_NAME = "PARTYLEDGER_POOL_APPLICATION_NAME"
EVENTS_CHANNEL = "partyledger_events"
"""NOTIFY channel whose payload is the tenant schema that appended: one listener serves a shard."""

_tracer = trace.get_tracer("partyledger.eventstore")
_appended = metrics.get_meter("partyledger").create_counter(
    "partyledger.events.appended", unit="{event}", description="Events appended to tenant logs"
)


class SharedPoolDatastore(PostgresDatastore):
    """A datastore in one tenant's schema that borrows its shard's pool instead of owning one."""

    def __init__(self, pool: SharedPool, *, schema: str) -> None:  # noqa: PLR0913
        # Deliberately not calling super().__init__: it would open a pool of its own.
        self.idle_in_transaction_session_timeout = 5
        self.pre_ping = False
        self.pool_open_timeout = None
        self.single_row_tracking = True
        self.lock_timeout = 0
        self.schema = schema
        self.originator_id_type = "uuid"
        self.enable_db_functions = False
        self.db_type_names = set[str]()
        self.psycopg_type_adapters: dict[str, Any] = {}
        self.psycopg_python_types: dict[str, Any] = {}
        self.pool = pool  # type: ignore[assignment]
        self._adapted: weakref.WeakSet[Any] = weakref.WeakSet()

    def register_type_adapters(self) -> None:
        """Give this schema's composite types Python classes of their own.

        psycopg builds one class per composite *name*, and every tenant schema has a
        ``stored_event_uuid``: on a connection shared by tenants, that one class would dump with
        whichever tenant's type was registered last.
        """
        super().register_type_adapters()
        for name, info in self.psycopg_type_adapters.items():
            own = self.psycopg_python_types.get(name)
            if getattr(own, "schema", None) != self.schema:
                own = namedtuple(f"{name}_in_{self.schema}", info.field_names)  # type: ignore[misc]
                own.schema = self.schema  # type: ignore[attr-defined]
                self.psycopg_python_types[name] = own
        self._adapted = weakref.WeakSet()

    @contextmanager
    def get_connection(self) -> Iterator[Any]:
        with super().get_connection() as conn:
            if conn not in self._adapted:
                for name, info in self.psycopg_type_adapters.items():
                    register_composite(info, conn, factory=self.psycopg_python_types[name])
                self._adapted.add(conn)
            yield conn


class TenantApplicationRecorder(PostgresApplicationRecorder):
    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        schema, table = Identifier(datastore.schema), Identifier(events_table_name)
        guard = Identifier(f"{events_table_name}_immutable")
        self.sql_create_statements += [
            SQL(
                "CREATE OR REPLACE FUNCTION {schema}.{guard}() RETURNS trigger LANGUAGE plpgsql AS "
                "$$BEGIN RAISE EXCEPTION 'stored events are immutable: % refused', TG_OP "
                "USING ERRCODE = 'insufficient_privilege'; END$$"
            ).format(schema=schema, guard=guard),
            SQL(
                "CREATE OR REPLACE TRIGGER {guard} BEFORE UPDATE OR DELETE ON {schema}.{table} "
                "FOR EACH ROW EXECUTE FUNCTION {schema}.{guard}()"
            ).format(schema=schema, table=table, guard=guard),
        ]
        self._notify_tenant = SQL("SELECT pg_notify({channel}, {schema})").format(
            channel=Literal(EVENTS_CHANNEL), schema=Literal(datastore.schema)
        )

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        attributes = {"db.system": "postgresql", "tenant.schema": self.datastore.schema}
        with _tracer.start_as_current_span("eventstore.append", attributes=attributes) as span:
            span.set_attribute("eventstore.events", len(stored_events))
            ids = self._append(stored_events, **kwargs)
        _appended.add(len(stored_events), {"tenant.schema": self.datastore.schema})
        return ids

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def _append(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        """The library's append (table lock, NOTIFY, insert, ids) without psycopg's pipeline mode:
        a save of a few hundred kilobytes never returned from the pipeline over a Unix socket."""
        if not stored_events:
            return None
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            self._insert_events(curs, stored_events, **kwargs)
            self._insert_stored_events(curs, stored_events, **kwargs)
            return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)

    def _notify_channel(self, curs: Cursor[DictRow]) -> None:
        super()._notify_channel(curs)
        curs.execute(self._notify_tenant)


class TenantEventStoreFactory(PostgresFactory):
    """Selected with ``PERSISTENCE_MODULE``; reads the shard DSN and schema from the app's env."""

    application_recorder_class = TenantApplicationRecorder

    def __init__(self, env: Environment | Any) -> None:
        InfrastructureFactory.__init__(self, env)
        dsn = self.env.get(SHARD_DSN)
        schema = self.env.get(self.POSTGRES_SCHEMA)
        if not dsn or not schema:
            msg = f"{SHARD_DSN} and {self.POSTGRES_SCHEMA} must be set for a tenant application"
            raise OSError(msg)
        pool = shard_pool(
            dsn,
            size=int(self.env.get(POOL_SIZE) or 8),
            application_name=self.env.get(POOL_APPLICATION_NAME) or "partyledger",
        )
        self.datastore = SharedPoolDatastore(pool, schema=schema)


def tenant_env(dsn: str, schema: str, **extra: str) -> dict[str, str]:
    """The environment mapping an application or view needs to live in ``schema`` on ``dsn``."""
    return {
        "PERSISTENCE_MODULE": f"{__name__}:TenantEventStoreFactory",
        SHARD_DSN: dsn,
        PostgresFactory.POSTGRES_SCHEMA: schema,
        **extra,
    }

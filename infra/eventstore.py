"""eventsourcing's PostgreSQL persistence, placed in a tenant's schema on its shard's shared pool.

Every write to stored events goes through ``TenantApplicationRecorder``: the one place where the
audit chain will be maintained, where events are made immutable in the database, and where
appends are traced and counted.

With the tenant's roles on (``tenant_env(..., roles=True)``; see ``db_roles``), every checkout of
the tenant's datastore acts as ``pl_<schema>_app``, an append as ``pl_<schema>_writer`` (INSERT
on events and SELECT on their ids only) and the event store's DDL as ``pl_<schema>_owner`` — which
only an administrator's login can act as (``provisioning``): the service's datastores are built
with ``CREATE_TABLE=n``. A
transaction sends ``SET LOCAL ROLE`` with its ``BEGIN`` (no extra round trip; the role ends with
the transaction); a bare checkout (the library's autocommit reads, LISTEN) sends ``SET ROLE`` and
the shard pool sends ``RESET ROLE`` as it takes the connection back (two round trips).
"""

from __future__ import annotations

import weakref
from collections import namedtuple
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    AggregateRecorder,
    InfrastructureFactory,
    InterfaceError,
    OperationalError,
    ProcessRecorder,
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

from partyledger.infra.db_roles import TenantRoles
from partyledger.infra.shards import SharedPool, act_as, shard_pool

SHARD_DSN = "PARTYLEDGER_SHARD_DSN"
TENANT_ROLES = "PARTYLEDGER_TENANT_ROLES"
"""``y``: the tenant's datastore runs as the tenant's roles (``db_roles``), which must exist."""
POOL_SIZE = "PARTYLEDGER_POOL_SIZE"
POOL_APPLICATION_NAME = "PARTYLEDGER_POOL_APPLICATION_NAME"
EVENTS_CHANNEL = "partyledger_events"
"""NOTIFY channel whose payload is the tenant schema that appended: one listener serves a shard."""

_acting_as: ContextVar[tuple[str, str] | None] = ContextVar("partyledger_acting_as", default=None)
"""(schema, role) that checkouts of that schema's datastore use instead of its app role."""

_tracer = trace.get_tracer("partyledger.eventstore")
_appended = metrics.get_meter("partyledger").create_counter(
    "partyledger.events.appended", unit="{event}", description="Events appended to tenant logs"
)


class SharedPoolDatastore(PostgresDatastore):
    """A datastore in one tenant's schema that borrows its shard's pool instead of owning one."""

    def __init__(self, pool: SharedPool, *, schema: str, roles: TenantRoles | None = None) -> None:
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
        self.roles = roles
        self._begin = {r: SQL("BEGIN; SET LOCAL ROLE {}").format(Identifier(r)).as_bytes()
                       for r in (roles.all if roles else ())}

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
    def acting_as_owner(self) -> Iterator[None]:
        """Checkouts of this schema's datastores in this context (thread, task) run as the
        schema's owner: for the event store's DDL. No effect without roles."""
        if self.roles is None:
            yield
            return
        token = _acting_as.set((self.schema, self.roles.owner))
        try:
            yield
        finally:
            _acting_as.reset(token)

    def checkout_role(self) -> str | None:
        if self.roles is None:
            return None
        acting = _acting_as.get()
        return acting[1] if acting is not None and acting[0] == self.schema else self.roles.app

    @contextmanager
    def get_connection(self, *, role: str | None = None) -> Iterator[Any]:
        """A pool connection acting as ``role`` (by default the tenant's app role): ``SET ROLE``
        now, ``RESET ROLE`` when the pool takes it back (``shards.SharedPool.putconn``)."""
        role = role or self.checkout_role()
        with self._checkout() as conn:
            if role is not None:
                act_as(conn, role)
            yield conn

    @contextmanager
    def transaction(self, *, commit: bool = False, role: str | None = None) -> Iterator[Any]:
        """A transaction acting as ``role`` (by default the tenant's app role): ``SET LOCAL
        ROLE`` sent with the ``BEGIN``, so it costs no round trip and ends with the transaction."""
        role = role or self.checkout_role()
        with self._checkout() as conn:
            conn.execute(self._begin[role] if role is not None else b"BEGIN", prepare=False)
            yield conn.cursor()  # on an exception, the pool rolls back before taking it back
            if commit:
                conn.commit()
            else:
                conn.rollback()

    @contextmanager
    def _checkout(self) -> Iterator[Any]:
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
        guard, no_truncate, lock = (Identifier(n) for n in event_store_objects(events_table_name))
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
            SQL(
                "CREATE OR REPLACE TRIGGER {no_truncate} BEFORE TRUNCATE ON {schema}.{table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION {schema}.{guard}()"
            ).format(schema=schema, table=table, guard=guard, no_truncate=no_truncate),
            # LOCK TABLE ... IN EXCLUSIVE MODE needs UPDATE, DELETE or TRUNCATE on the table,
            # which the writer role must not have: it locks through the owner's function.
            SQL(
                "CREATE OR REPLACE FUNCTION {schema}.{lock}() RETURNS void LANGUAGE plpgsql "
                "SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS "
                "$$BEGIN LOCK TABLE {schema}.{table} IN EXCLUSIVE MODE; END$$"
            ).format(schema=schema, table=table, lock=lock),
        ]
        self.lock_table_statements = [
            self.lock_table_statements[0],  # SET LOCAL lock_timeout
            SQL("SELECT {schema}.{lock}()").format(schema=schema, lock=lock),
        ]
        self._select_events_of = SQL(
            "SELECT originator_id, originator_version, topic, state FROM {schema}.{table} "
            "WHERE originator_id = ANY(%s) ORDER BY originator_id, originator_version"
        ).format(schema=schema, table=table)
        self._select_pages_of = SQL(
            "SELECT e.originator_id, e.originator_version, e.topic, e.state "
            "FROM unnest(%s::uuid[]) AS o(id) CROSS JOIN LATERAL ("
            "SELECT * FROM {schema}.{table} "
            "WHERE originator_id = o.id AND originator_version > %s "
            "ORDER BY originator_version LIMIT %s) AS e "
            "ORDER BY e.originator_id, e.originator_version"
        ).format(schema=schema, table=table)
        self._notify_tenant = SQL("SELECT pg_notify({channel}, {schema})").format(
            channel=Literal(EVENTS_CHANNEL), schema=Literal(datastore.schema)
        )

    def create_table(self) -> None:
        """The event store's DDL runs as the tenant's owner role (when roles are on)."""
        with as_owner(self.datastore):
            super().create_table()

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
        with self._writer_transaction() as curs:
            self._insert_events(curs, stored_events, **kwargs)
            self._insert_stored_events(curs, stored_events, **kwargs)
            return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def select_events_of(
        self, originator_ids: Sequence[UUID], *, gt: int | None = None, limit: int | None = None,
    ) -> list[StoredEvent]:
        """The events of many originators in one statement, by originator then version; with
        ``gt``/``limit``, each originator's events after version ``gt``, at most ``limit`` of
        them (a page of each stream, a keyset on the primary key)."""
        if not originator_ids:
            return []
        ids = list(dict.fromkeys(originator_ids))
        if gt is None and limit is None:
            statement, params = self._select_events_of, [ids]
        else:
            statement, params = self._select_pages_of, [ids, gt or 0, limit]
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(statement, params, prepare=True)
            return [StoredEvent(originator_id=row["originator_id"],
                                originator_version=row["originator_version"],
                                topic=row["topic"], state=bytes(row["state"]))
                    for row in curs.fetchall()]

    def _writer_transaction(self) -> Any:
        datastore = self.datastore
        if isinstance(datastore, SharedPoolDatastore):
            writer = datastore.roles.writer if datastore.roles is not None else None
            return datastore.transaction(commit=True, role=writer)
        return datastore.transaction(commit=True)

    def _notify_channel(self, curs: Cursor[DictRow]) -> None:
        super()._notify_channel(curs)
        curs.execute(self._notify_tenant)


def event_store_objects(events_table_name: str) -> tuple[str, str, str]:
    """Names of the immutability guard function, the TRUNCATE trigger (the row trigger has the
    guard's name) and the lock function that ``TenantApplicationRecorder`` creates."""
    names = (f"{events_table_name}_immutable", f"{events_table_name}_no_truncate",
             f"{events_table_name}_lock")
    for name in names:
        PostgresApplicationRecorder.check_identifier_length(name)
    return names


def as_owner(datastore: PostgresDatastore) -> Any:
    """Checkouts of ``datastore`` in this context act as its schema's owner role (DDL, on an
    administrator's connection only: the service's login is not the owner's member)."""
    if isinstance(datastore, SharedPoolDatastore):
        return datastore.acting_as_owner()
    return nullcontext()


class TenantEventStoreFactory(PostgresFactory):
    """Selected with ``PERSISTENCE_MODULE``; reads the shard DSN and schema from the app's env."""

    application_recorder_class = TenantApplicationRecorder
    datastore: SharedPoolDatastore

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
        roles = TenantRoles.for_schema(schema) if self.env.get(TENANT_ROLES) == "y" else None
        self.datastore = SharedPoolDatastore(pool, schema=schema, roles=roles)

    # Recorders of events other than the application's (snapshots, process applications) also
    # create their tables as the owner. (Inserting into them as the app role is refused: the
    # project has neither; they would need their own role, like the writer.)

    def aggregate_recorder(self, purpose: str = "events") -> AggregateRecorder:
        with self.datastore.acting_as_owner():
            return super().aggregate_recorder(purpose)

    def process_recorder(self) -> ProcessRecorder:
        with self.datastore.acting_as_owner():
            return super().process_recorder()


def tenant_env(dsn: str, schema: str, *, roles: bool = False, **extra: str) -> dict[str, str]:
    """The environment mapping an application or view needs to live in ``schema`` on ``dsn``;
    ``roles``: act as the tenant's roles, which ``db_roles.provision`` must have made."""
    return {
        "PERSISTENCE_MODULE": f"{__name__}:TenantEventStoreFactory",
        SHARD_DSN: dsn,
        PostgresFactory.POSTGRES_SCHEMA: schema,
        **({TENANT_ROLES: "y"} if roles else {}),
        **extra,
    }

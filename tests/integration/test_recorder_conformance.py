"""eventsourcing's own recorder conformance cases, run against PartyLedger's persistence.

The library ships reusable ``unittest`` cases (``eventsourcing.tests.persistence``) that every
recorder is meant to pass. Here they run against the recorders exactly as the project builds
them: ``tenant_env(dsn, schema)`` selects ``TenantEventStoreFactory``, which puts a
``SharedPoolDatastore`` on the shard's shared pool (``shard_pool``) in the tenant's schema and
records application events with ``TenantApplicationRecorder`` (immutability trigger, second
NOTIFY). Each test gets a fresh ``conformance_<hex>`` schema, created and dropped through the
shared pool, so notification ids start at 1 and tests don't see each other's rows.

The library's cases are ``unittest.TestCase`` classes; the DSN and schema reach them through an
autouse fixture that sets instance attributes before ``setUp`` runs. The base classes are used
through the module (``conformance.X``) so pytest doesn't collect the abstract cases themselves.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from threading import Event, Thread
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import (
    AggregateRecorder,
    ApplicationRecorder,
    InfrastructureFactory,
    ProcessRecorder,
    StoredEvent,
    TrackingRecorder,
)
from eventsourcing.postgres import (
    PostgresAggregateRecorder,
    PostgresProcessRecorder,
    PostgresTrackingRecorder,
)
from eventsourcing.tests import persistence as conformance
from eventsourcing.utils import Environment
from psycopg.sql import SQL, Identifier

from partyledger.infra.eventstore import (
    EVENTS_CHANNEL,
    SharedPoolDatastore,
    TenantApplicationRecorder,
    TenantEventStoreFactory,
    tenant_env,
)
from partyledger.infra.shards import SharedPool, shard_pool
from partyledger.projections.roster import RosterView


class TenantSchema:
    """Mixin: a fresh tenant schema per test on the shard's shared pool, and the project's
    factory for it."""

    dsn: str
    schema: str

    @pytest.fixture(autouse=True)
    def _tenant_schema(self, database_url: str) -> Iterator[None]:
        self.dsn = database_url
        self.schema = f"conformance_{uuid.uuid4().hex}"
        pool = shard_pool(database_url)
        with pool.connection() as conn:
            conn.execute(SQL("CREATE SCHEMA {}").format(Identifier(self.schema)))
        yield
        with pool.connection() as conn:
            conn.execute(SQL("DROP SCHEMA {} CASCADE").format(Identifier(self.schema)))

    def tenant_environment(self, name: str = "") -> Environment:
        return Environment(name=name, env=tenant_env(self.dsn, self.schema))

    def tenant_factory(self) -> TenantEventStoreFactory:
        factory = InfrastructureFactory.construct(self.tenant_environment())
        assert isinstance(factory, TenantEventStoreFactory)
        assert isinstance(factory.datastore, SharedPoolDatastore)
        assert factory.datastore.schema == self.schema
        # The datastore borrows the shard's pool rather than opening one of its own.
        assert factory.datastore.pool is shard_pool(self.dsn)
        return factory

    def tenant_sql(self, statement: str, *params: Any) -> list[Any]:
        """Run ``statement`` ({schema} is the tenant schema) on a pool connection."""
        query = SQL(statement).format(schema=Identifier(self.schema))  # type: ignore[arg-type]
        with shard_pool(self.dsn).connection() as conn:
            cursor = conn.execute(query, params or None)
            return cursor.fetchall() if cursor.description else []


def _event(originator_id: uuid.UUID | str, version: int, topic: str = "topic") -> StoredEvent:
    return StoredEvent(
        originator_id=originator_id, originator_version=version, topic=topic, state=b"{}"
    )


class TestTenantAggregateRecorder(TenantSchema, conformance.AggregateRecorderTestCase):
    """The aggregate recorder the factory gives an application (used for snapshots)."""

    def create_recorder(self) -> AggregateRecorder:
        recorder = self.tenant_factory().aggregate_recorder(purpose="snapshots")
        self.assertIs(type(recorder), PostgresAggregateRecorder)
        return recorder


class TestTenantApplicationRecorder(
    TenantSchema, conformance.ApplicationRecorderTestCase[TenantApplicationRecorder]
):
    def create_recorder(self) -> TenantApplicationRecorder:
        recorder = self.tenant_factory().application_recorder()
        assert isinstance(recorder, TenantApplicationRecorder)
        return recorder

    def test_insert_subscribe(self) -> None:
        # Opt-in case in the library (its own PostgreSQL tests enable it the same way):
        # LISTEN/NOTIFY subscriptions on a pool connection, with the project's extra NOTIFY.
        self.optional_test_insert_subscribe()

    # Project behaviour on top of the conformance cases.

    def test_stored_events_are_immutable(self) -> None:
        recorder = self.create_recorder()
        originator_id = self.new_originator_id()
        recorder.insert_events([_event(originator_id, 1), _event(originator_id, 2)])
        for statement in (
            "UPDATE {schema}.stored_events SET state = 'forged' WHERE originator_id = %s",
            "DELETE FROM {schema}.stored_events WHERE originator_id = %s",
        ):
            with self.assertRaises(psycopg.errors.InsufficientPrivilege) as cm:
                self.tenant_sql(statement, originator_id)
            self.assertIn("stored events are immutable", str(cm.exception))
        self.assert_events_eq(
            recorder.select_events(originator_id),
            [_event(originator_id, 1), _event(originator_id, 2)],
        )

    def test_append_notifies_shard_channel_with_tenant_schema(self) -> None:
        recorder = self.create_recorder()
        payloads: list[str] = []
        listening, received = Event(), Event()

        def listen() -> None:
            with psycopg.connect(self.dsn, autocommit=True) as conn:
                conn.execute(SQL("LISTEN {}").format(Identifier(EVENTS_CHANNEL)))
                listening.set()
                # Other tenants on the same server may append meanwhile: wait for ours.
                for notify in conn.notifies(timeout=10):
                    payloads.append(notify.payload)
                    if notify.payload == self.schema:
                        received.set()
                        break

        listener = Thread(target=listen, daemon=True)
        listener.start()
        self.assertTrue(listening.wait(10))
        ids = recorder.insert_events([_event(self.new_originator_id(), 1)])
        self.assertEqual(ids, [1])
        self.assertTrue(received.wait(10))
        listener.join(10)
        self.assertIn(self.schema, payloads)


class TestTenantTrackingRecorder(TenantSchema, conformance.TrackingRecorderTestCase):
    def create_recorder(self) -> TrackingRecorder:
        recorder = self.tenant_factory().tracking_recorder()
        self.assertIs(type(recorder), PostgresTrackingRecorder)
        return recorder


class TestRosterViewTrackingRecorder(TenantSchema, conformance.TrackingRecorderTestCase):
    """The project's own tracking recorder: the roster view on the tenant's datastore, as
    ``TenantDirectory`` builds it."""

    def create_recorder(self) -> TrackingRecorder:
        roster = RosterView(self.tenant_factory().datastore)
        roster.create_table()
        return roster


class TestTenantProcessRecorder(TenantSchema, conformance.ProcessRecorderTestCase):
    def create_recorder(self) -> ProcessRecorder:
        recorder = self.tenant_factory().process_recorder()
        self.assertIs(type(recorder), PostgresProcessRecorder)
        return recorder


class TestTenantNonInterleavingNotificationIDs(
    TenantSchema, conformance.NonInterleavingNotificationIDsBaseCase
):
    def create_recorder(self) -> ApplicationRecorder:
        recorder = self.tenant_factory().application_recorder()
        assert isinstance(recorder, TenantApplicationRecorder)
        return recorder


class _TenantTrackingRecorderSubclass(PostgresTrackingRecorder):
    pass


class TestTenantEventStoreFactory(
    TenantSchema, conformance.InfrastructureFactoryTestCase[TenantEventStoreFactory]
):
    def setUp(self) -> None:
        # The autouse fixture has set dsn and schema by now; the base setUp constructs the
        # factory from this environment, as an application would.
        self.env = self.tenant_environment(name="TestCase")
        super().setUp()

    def expected_factory_class(self) -> type[TenantEventStoreFactory]:
        return TenantEventStoreFactory

    def expected_aggregate_recorder_class(self) -> type[AggregateRecorder]:
        return PostgresAggregateRecorder

    def expected_application_recorder_class(self) -> type[ApplicationRecorder]:
        return TenantApplicationRecorder

    def expected_tracking_recorder_class(self) -> type[TrackingRecorder]:
        return PostgresTrackingRecorder

    def tracking_recorder_subclass(self) -> type[TrackingRecorder]:
        return _TenantTrackingRecorderSubclass

    def expected_process_recorder_class(self) -> type[ProcessRecorder]:
        return PostgresProcessRecorder

    # Project behaviour on top of the conformance cases. The library's own factory test
    # (``test_close`` in its repository, not one of the reusable cases) expects close() to
    # close the datastore's pool; here the pool belongs to the shard and must stay open.

    def test_datastore_is_on_shared_shard_pool(self) -> None:
        datastore = self.factory.datastore
        self.assertIsInstance(datastore, SharedPoolDatastore)
        self.assertEqual(datastore.schema, self.schema)
        self.assertIsInstance(datastore.pool, SharedPool)
        self.assertIs(datastore.pool, shard_pool(self.dsn))
        recorder = self.factory.application_recorder()
        self.assertEqual(recorder.events_table_name, "testcase_events")

    def test_close_leaves_shared_pool_open(self) -> None:
        pool = self.factory.datastore.pool
        self.factory.close()
        self.assertFalse(pool.closed)
        with pool.connection() as conn:
            self.assertEqual(conn.execute("SELECT 1 AS one").fetchone(), {"one": 1})

    def test_requires_shard_dsn_and_schema(self) -> None:
        for missing in ("PARTYLEDGER_SHARD_DSN", TenantEventStoreFactory.POSTGRES_SCHEMA):
            env = tenant_env(self.dsn, self.schema)
            del env[missing]
            with self.assertRaises(OSError):
                InfrastructureFactory.construct(Environment(env=env))

"""Each tenant's schema belongs to its own PostgreSQL roles, and a tenant's work runs as them only.

``pl_<schema>_app`` (every checkout of the tenant's datastore) reads events and owns the
projections; ``pl_<schema>_writer`` (the append) may only SELECT and INSERT events;
``pl_<schema>_owner`` owns the event store. Neither the app nor the writer role can UPDATE,
DELETE or TRUNCATE a stored event: the privilege system refuses, not only the trigger. Neither
reaches another tenant's schema or the ``control`` schema. Connections go back to the shard's
pool as the login role. The library's conformance suites pass with the roles on.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import (
    ApplicationRecorder,
    InfrastructureFactory,
    ProgrammingError,
    TrackingRecorder,
)
from eventsourcing.tests import persistence as conformance
from eventsourcing.utils import Environment
from psycopg import errors, sql
from psycopg.rows import tuple_row
from support import admit, enroll_officials, event_count, new_slug

from partyledger.domain.organization import OrganizationKind
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.infra.db_roles import (
    MAX_IDENTIFIER_BYTES,
    TenantRoles,
    drop_roles,
    provision,
    role_name,
)
from partyledger.infra.eventstore import SharedPoolDatastore, TenantApplicationRecorder, tenant_env
from partyledger.infra.logins import SERVICE_LOGIN
from partyledger.infra.provisioning import refresh_memberships
from partyledger.infra.shards import shard_pool
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.projections.follower import catch_up
from partyledger.projections.org_tree import OrgTreeView
from partyledger.projections.roster import RosterView
from partyledger.services.access import Actor
from partyledger.services.register import TENANT
from partyledger.services.tenant_register import TenantRegister

EVENTS = "register_events"


def roles_of(tenant: TenantRuntime) -> TenantRoles:
    return TenantRoles.for_schema(tenant.tenant.schema_name)


def datastore_of(tenant: TenantRuntime) -> SharedPoolDatastore:
    datastore = tenant.register.factory.datastore  # type: ignore[attr-defined]
    assert isinstance(datastore, SharedPoolDatastore)
    return datastore


def table(tenant: TenantRuntime, name: str = EVENTS) -> sql.Identifier:
    return sql.Identifier(tenant.tenant.schema_name, name)


def set_role(conn: psycopg.Connection[Any], role: str, *, local: bool = False) -> None:
    conn.execute(sql.SQL("SET LOCAL ROLE {}" if local else "SET ROLE {}").format(
        sql.Identifier(role)))


def privileges(conn: psycopg.Connection[Any], role: str, relation: str) -> set[str]:
    kinds = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
    with conn.cursor(row_factory=tuple_row) as curs:
        return {k for k in kinds if curs.execute(
            "SELECT has_table_privilege(%s, %s, %s)", (role, relation, k)).fetchone() == (True,)}


@pytest.fixture
def other(directory: TenantDirectory) -> TenantRuntime:
    slug = new_slug()
    directory.create(slug, "Đảng bộ tỉnh khác")
    return directory.runtime(slug)


# -- the Done-when of the issue -------------------------------------------------------------------


def test_neither_the_app_nor_the_writer_role_can_update_or_delete_a_stored_event(
    tenant: TenantRuntime, database_url: str, cell_id: uuid.UUID,
) -> None:
    roles, events = roles_of(tenant), table(tenant)
    qualified = f"{tenant.tenant.schema_name}.{EVENTS}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        assert privileges(conn, roles.app, qualified) == {"SELECT"}
        assert privileges(conn, roles.writer, qualified) == {"INSERT"}  # and its ids
        before = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(events)).fetchone()
    for role in (roles.app, roles.writer):
        for statement in ("UPDATE {} SET topic = 'forged'", "DELETE FROM {}", "TRUNCATE {}"):
            # The immutability trigger is switched off in this transaction (as the login role,
            # which owns nothing here but is a superuser): what refuses is the privilege system.
            with psycopg.connect(database_url) as conn:
                conn.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(events))
                set_role(conn, role, local=True)
                with pytest.raises(errors.InsufficientPrivilege) as refused:
                    conn.execute(sql.SQL(statement).format(events))
                assert "permission denied for table register_events" in str(refused.value)
                conn.rollback()
    with psycopg.connect(database_url, autocommit=True) as conn:
        after = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(events)).fetchone()
        enabled = conn.execute(
            "SELECT bool_and(tgenabled = 'O') FROM pg_trigger WHERE tgrelid = %s::regclass"
            " AND NOT tgisinternal", (qualified,)).fetchone()
    assert before == after and before is not None and before[0] == 3
    assert enabled == (True,)


def test_only_the_writer_appends_and_it_has_nothing_on_projections_or_tracking(
    tenant: TenantRuntime, database_url: str, cell_id: uuid.UUID,
) -> None:
    roles, schema = roles_of(tenant), tenant.tenant.schema_name
    with psycopg.connect(database_url, autocommit=True) as conn:
        for name in ("roster_tracking", "org_tree_tracking", "roster_members", "org_tree_versions"):
            assert privileges(conn, roles.writer, f"{schema}.{name}") == set()
            # the app role owns the projections: single-row tracking is an upsert
            assert {"SELECT", "INSERT", "UPDATE", "DELETE"} <= privileges(
                conn, roles.app, f"{schema}.{name}")
        set_role(conn, roles.app)
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute(sql.SQL(
                "INSERT INTO {} (originator_id, originator_version, topic, state)"
                " VALUES (gen_random_uuid(), 1, 'forged', '')").format(table(tenant)))
        conn.execute("RESET ROLE")
        set_role(conn, roles.writer)
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute(sql.SQL("UPDATE {} SET notification_id = 0").format(
                table(tenant, "roster_tracking")))


def test_a_tenant_s_roles_reach_neither_another_tenant_nor_the_control_schema(
    tenant: TenantRuntime, other: TenantRuntime, database_url: str, cell_id: uuid.UUID,
) -> None:
    theirs = other.tenant.schema_name
    with psycopg.connect(database_url, autocommit=True) as conn:
        for role in roles_of(tenant).all[1:]:  # app, writer
            assert not conn.execute("SELECT has_schema_privilege(%s, %s, 'USAGE')",
                                    (role, theirs)).fetchone()[0]  # type: ignore[index]
            set_role(conn, role)
            for statement in (
                sql.SQL("SELECT * FROM {}").format(table(other)),
                sql.SQL("SELECT * FROM {}").format(table(other, "roster_members")),
                sql.SQL("INSERT INTO {} (originator_id, originator_version, topic, state)"
                        " VALUES (gen_random_uuid(), 1, 'forged', '')").format(table(other)),
                sql.SQL("DELETE FROM {}").format(table(other, "roster_tracking")),
                sql.SQL("SELECT * FROM control.tenants"),
            ):
                with pytest.raises(errors.InsufficientPrivilege):
                    conn.execute(statement)
            conn.execute("RESET ROLE")


# -- the application as its tenant's roles ---------------------------------------------------------


def test_the_application_works_end_to_end_as_its_tenant_s_roles(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID, database_url: str,
) -> None:
    roles, datastore = roles_of(tenant), datastore_of(tenant)
    with datastore.transaction(commit=False) as curs:
        assert curs.execute("SELECT current_user AS u").fetchone() == {"u": roles.app}
    recorder = tenant.register.recorder
    assert isinstance(recorder, TenantApplicationRecorder)
    with recorder._writer_transaction() as curs:
        assert curs.execute("SELECT current_user AS u").fetchone() == {"u": roles.writer}

    with recorded_by(Provenance.system(admin.subject)):
        officials = enroll_officials(tenant, admin, cell_id)
        outcome = admit(tenant, admin, cell_id, officials)
    for view in tenant.views:
        catch_up(tenant.register, view)
    assert tenant.position() == event_count(tenant) == outcome.position
    member = tenant.queries.member(outcome.subject_id)
    assert member is not None and member.full_name == "Nguyễn Thị Lan"
    assert tenant.tree.organization(cell_id, date(2021, 1, 1)) is not None

    # The append runs as the writer: without the writer's INSERT, it is refused.
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("REVOKE INSERT ON {} FROM {}").format(
            table(tenant), sql.Identifier(roles.writer)))
        try:
            with recorded_by(Provenance.system(admin.subject)), \
                    pytest.raises(ProgrammingError) as refused:
                enroll_officials(tenant, admin, cell_id, n=1)
            assert "permission denied for table register_events" in str(refused.value)
        finally:
            conn.execute(sql.SQL("GRANT INSERT ON {} TO {}").format(
                table(tenant), sql.Identifier(roles.writer)))
    with recorded_by(Provenance.system(admin.subject)):
        enroll_officials(tenant, admin, cell_id, n=1)
    assert catch_up(tenant.register, tenant.roster) == event_count(tenant)


def test_a_connection_goes_back_to_the_pool_as_the_login_role(
    tenant: TenantRuntime, service_url: str,
) -> None:
    datastore = datastore_of(tenant)
    with psycopg.connect(service_url) as conn:
        login = conn.execute("SELECT current_user").fetchone()[0]  # type: ignore[index]
    assert login == SERVICE_LOGIN
    with datastore.get_connection() as conn:
        assert conn.execute("SELECT current_user AS u").fetchone() == {"u": roles_of(tenant).app}
    with pytest.raises(Exception, match="division by zero"), \
            datastore.transaction(commit=True) as curs:
        curs.execute("SELECT 1 / 0")
    with pytest.raises(RuntimeError), datastore.get_connection() as conn:
        raise RuntimeError("the borrower fails")
    with pytest.raises(Exception, match="aborted"), datastore.get_connection() as conn:
        conn.execute("BEGIN")  # left in a failed transaction: the pool rolls back, then resets
        with pytest.raises(errors.DivisionByZero):
            conn.execute("SELECT 1 / 0")
        conn.execute("SELECT 1")
    pool = datastore.pool
    held = [pool.getconn(timeout=10) for _ in range(pool.max_size)]  # every connection it has
    try:
        for conn in held:
            assert conn.execute("SELECT current_user AS u").fetchone() == {"u": login}
    finally:
        for conn in held:
            pool.putconn(conn)


# -- provisioning ------------------------------------------------------------------------------


def test_provisioning_again_changes_nothing(tenant: TenantRuntime, database_url: str) -> None:
    with shard_pool(database_url).connection() as conn:
        assert provision(conn, roles_of(tenant), service=SERVICE_LOGIN).statements == []


def test_a_schema_made_before_roles_is_brought_under_them(
    directory: TenantDirectory, database_url: str, admin: Actor,
) -> None:
    """As an earlier release left it: everything owned by the login role, no lock function, no
    TRUNCATE guard. Building the runtime provisions it and the tenant carries on."""
    slug = new_slug()
    schema = "tenant_" + slug.replace("-", "_")
    pool = shard_pool(database_url)
    with pool.connection() as conn:
        conn.execute("INSERT INTO control.tenants (slug, name, shard, schema_name)"
                      " VALUES (%s, 'Cũ', 'main', %s)", (slug, schema))
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    old = TenantRegister(env=tenant_env(database_url, schema, CREATE_TABLE="y", **{TENANT: slug}))
    datastore = old.factory.datastore  # type: ignore[attr-defined]
    for view in (RosterView(datastore), OrgTreeView(datastore)):
        view.create_table()
    actor = Actor(admin.subject, slug, admin.roles)
    with recorded_by(Provenance.system(actor.subject)):
        province = old.found_organization(
            actor, name="Đảng bộ tỉnh", kind=OrganizationKind.PROVINCIAL_ORGANIZATION,
            parent_id=None, effective_on=date(2020, 1, 1), decision=None).subject_id
    with pool.connection() as conn:
        conn.execute(sql.SQL("DROP TRIGGER register_events_no_truncate ON {}").format(
            sql.Identifier(schema, EVENTS)))
        conn.execute(sql.SQL("DROP FUNCTION {}()").format(
            sql.Identifier(schema, "register_events_lock")))
        login = conn.execute("SELECT current_user AS u").fetchone()["u"]  # type: ignore[index]
        owners = {r["relname"]: r["owner"] for r in conn.execute(
            "SELECT relname, pg_get_userbyid(relowner) AS owner FROM pg_class"
            " WHERE relnamespace = %s::regnamespace AND relkind = 'r'", (schema,))}
    assert set(owners.values()) == {login}

    runtime = directory.runtime(slug)
    roles = TenantRoles.for_schema(schema)
    with pool.connection() as conn:
        owners = {r["relname"]: r["owner"] for r in conn.execute(
            "SELECT relname, pg_get_userbyid(relowner) AS owner FROM pg_class"
            " WHERE relnamespace = %s::regnamespace AND relkind IN ('r', 'S', 'c')", (schema,))}
        assert owners.pop(EVENTS) == roles.owner
        assert owners.pop("register_events_notification_id_seq") == roles.owner
        assert owners.pop("stored_event_uuid") == roles.owner
        assert owners.pop("read_audit") == owners.pop("read_audit_id_seq") == roles.owner
        assert set(owners.values()) == {roles.app}  # projections and tracking
        assert privileges(conn, roles.app, f"{schema}.{EVENTS}") == {"SELECT"}
        assert privileges(conn, roles.writer, f"{schema}.{EVENTS}") == {"INSERT"}
        assert privileges(conn, roles.app, f"{schema}.read_audit") == {"SELECT", "INSERT"}
        assert provision(conn, roles, service=SERVICE_LOGIN).statements == []
    with recorded_by(Provenance.system(actor.subject)):
        runtime.register.found_organization(
            actor, name="Chi bộ mới", kind=OrganizationKind.GRASSROOTS_CELL,
            parent_id=province, effective_on=date(2020, 2, 1), decision=None)
    for view in runtime.views:
        catch_up(runtime.register, view)
    assert runtime.position() == 3  # the province, the cell, the cell as its child


def test_role_names_fit_postgres_identifiers() -> None:
    assert role_name("tenant_abc", "owner") == "pl_tenant_abc_owner"
    longest = "tenant_" + "a" * 40  # the longest slug TenantDirectory accepts
    assert role_name(longest, "writer") == f"pl_{longest}_writer"
    base = "x" * 60
    names = {role_name(base + tail, kind)
             for tail in ("1", "2") for kind in ("owner", "app", "writer")}
    assert len(names) == 6 and all(len(n.encode()) <= MAX_IDENTIFIER_BYTES for n in names)
    multibyte = TenantRoles.for_schema("ế" * 40).all
    assert all(len(n.encode()) <= MAX_IDENTIFIER_BYTES for n in multibyte)


# -- the library's conformance suites, with the roles on -------------------------------------------


class RoleSchema:
    """Mixin: a fresh schema with its roles and event store provisioned on the administrator's
    connection; the project's factory on the service's login, acting as the tenant's roles."""

    dsn: str
    schema: str

    @pytest.fixture(autouse=True)
    def _role_schema(self, database_url: str, service_url: str) -> Iterator[None]:
        self.dsn = service_url
        self.schema = f"roles_{uuid.uuid4().hex}"
        roles = TenantRoles.for_schema(self.schema)
        with shard_pool(database_url).connection() as conn:
            provision(conn, roles, create_schema=True, service=SERVICE_LOGIN)
        admin = Environment(env=tenant_env(database_url, self.schema, roles=True))
        InfrastructureFactory.construct(admin).application_recorder()  # the owner's DDL
        with shard_pool(database_url).connection() as conn:
            provision(conn, roles, service=SERVICE_LOGIN)
            refresh_memberships(conn, roles)
        yield
        with shard_pool(database_url).connection() as conn:
            conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(self.schema)))
            drop_roles(conn, roles)

    def factory(self) -> Any:
        env = Environment(env=tenant_env(self.dsn, self.schema, roles=True, CREATE_TABLE="n"))
        factory = InfrastructureFactory.construct(env)
        roles = factory.datastore.roles  # type: ignore[attr-defined]
        assert roles == TenantRoles.for_schema(self.schema)
        return factory


class TestApplicationRecorderAsTenantRoles(
    RoleSchema, conformance.ApplicationRecorderTestCase[TenantApplicationRecorder]
):
    def create_recorder(self) -> TenantApplicationRecorder:
        recorder = self.factory().application_recorder()
        assert isinstance(recorder, TenantApplicationRecorder)
        return recorder

    def test_insert_subscribe(self) -> None:
        self.optional_test_insert_subscribe()


class TestRosterViewAsTenantRoles(RoleSchema, conformance.TrackingRecorderTestCase):
    def create_recorder(self) -> TrackingRecorder:
        roster = RosterView(self.factory().datastore)
        roster.create_table()
        return roster


class TestNonInterleavingNotificationIDsAsTenantRoles(
    RoleSchema, conformance.NonInterleavingNotificationIDsBaseCase
):
    def create_recorder(self) -> ApplicationRecorder:
        recorder: ApplicationRecorder = self.factory().application_recorder()
        return recorder

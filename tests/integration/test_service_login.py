"""The service logs in as a role of its own that owns nothing and is no superuser: whatever SQL
runs on its connections, stored events and the read audit can only be appended to and read.

Every statement here runs on a checkout of the runtime's own pool (the service's login), after
``RESET ROLE`` undid the tenant's role as a hostile statement would, or as the tenant's roles
the login may switch to. Provisioning (the administrator's connection) is the only way tenants,
their roles and their DDL come about.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import errors, sql
from support import new_slug

from partyledger.infra.db_roles import TenantRoles, provision
from partyledger.infra.logins import SERVICE_LOGIN, split_logins
from partyledger.infra.provisioning import Provisioner, ServiceLoginError
from partyledger.infra.read_audit import ReadAuditLog
from partyledger.infra.shards import shard_pool
from partyledger.infra.tenants import ProvisioningUnavailableError, TenantDirectory, TenantRuntime
from partyledger.services.access import Actor, Role

EVENTS = "register_events"
FORGERIES = ("UPDATE {} SET topic = 'forged'", "DELETE FROM {}", "TRUNCATE {}")
ERASURES = ("UPDATE {} SET subject = 'nobody'", "DELETE FROM {}", "TRUNCATE {}")


@pytest.fixture
def service_conn(tenant: TenantRuntime, cell_id: uuid.UUID) -> Iterator[psycopg.Connection[Any]]:
    """A checkout of the tenant's datastore (acting as its app role), role reset: the service's
    login itself. The tenant's log holds three events."""
    datastore = tenant.register.factory.datastore  # type: ignore[attr-defined]
    with datastore.get_connection() as conn:
        conn.execute("RESET ROLE")
        yield conn


def roles_of(tenant: TenantRuntime) -> TenantRoles:
    return TenantRoles.for_schema(tenant.tenant.schema_name)


def table(tenant: TenantRuntime, name: str = EVENTS) -> sql.Identifier:
    return sql.Identifier(tenant.tenant.schema_name, name)


def refused(conn: psycopg.Connection[Any], statement: sql.Composable | str,
            role: str | None = None) -> str:
    """The statement's refusal by the privilege system, in a transaction rolled back after."""
    with pytest.raises(errors.InsufficientPrivilege) as refusal, conn.transaction():
        if role is not None:
            conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
        conn.execute(statement)
    return str(refusal.value)


def count(database_url: str, tenant: TenantRuntime, name: str = EVENTS) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(
            table(tenant, name))).fetchone()
    assert row is not None
    return int(row[0])


# -- observation 5: the service's login ---------------------------------------------------------


def test_the_service_logs_in_as_a_role_without_power_that_owns_nothing(
    service_conn: psycopg.Connection[Any], tenant: TenantRuntime,
) -> None:
    login = service_conn.execute(
        "SELECT current_user AS name, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls,"
        " rolreplication, rolinherit,"
        " (SELECT count(*) FROM pg_class WHERE relowner = r.oid) AS relations,"
        " (SELECT count(*) FROM pg_namespace WHERE nspowner = r.oid) AS schemas"
        " FROM pg_roles r WHERE rolname = current_user").fetchone()
    assert login == {"name": SERVICE_LOGIN, "rolsuper": False, "rolcreaterole": False,
                     "rolcreatedb": False, "rolbypassrls": False, "rolreplication": False,
                     "rolinherit": False, "relations": 0, "schemas": 0}
    roles = roles_of(tenant)
    assert "permission denied to set role" in refused(
        service_conn, sql.SQL("SET ROLE {}").format(sql.Identifier(roles.owner)))
    # Members of the app and writer roles without inheriting them: as itself, it reads nothing.
    refused(service_conn, sql.SQL("SELECT count(*) FROM {}").format(table(tenant)))
    refused(service_conn, sql.SQL("SELECT count(*) FROM {}").format(table(tenant, "read_audit")))


def test_after_reset_role_stored_events_still_cannot_be_changed_or_erased(
    service_conn: psycopg.Connection[Any], tenant: TenantRuntime, database_url: str,
) -> None:
    roles = roles_of(tenant)
    for role in (None, roles.app, roles.writer):
        for forgery in FORGERIES:
            assert "permission denied" in refused(
                service_conn, sql.SQL(forgery).format(table(tenant)), role)
    assert count(database_url, tenant) == 3


def test_provisioning_takes_the_owner_role_back_from_the_service(
    tenant: TenantRuntime, database_url: str,
) -> None:
    owner = sql.Identifier(roles_of(tenant).owner)
    with shard_pool(database_url).connection() as conn:  # the administrator's
        conn.execute(sql.SQL("GRANT {} TO {}").format(owner, sql.Identifier(SERVICE_LOGIN)))
        provision(conn, roles_of(tenant), service=SERVICE_LOGIN)
        member = conn.execute("SELECT pg_has_role(%s, %s, 'MEMBER') AS member",
                              (SERVICE_LOGIN, roles_of(tenant).owner)).fetchone()
    assert member == {"member": False}


def test_replication_role_and_disabled_triggers_are_refused_to_the_service(
    service_conn: psycopg.Connection[Any], tenant: TenantRuntime, database_url: str,
) -> None:
    roles = roles_of(tenant)
    for role in (None, roles.app, roles.writer):
        for statement in ("SET session_replication_role = replica",
                          "SET LOCAL session_replication_role = replica"):
            assert "permission denied to set parameter" in refused(service_conn, statement, role)
        for name in (EVENTS, "read_audit"):
            for switch in ("DISABLE TRIGGER USER", "DISABLE TRIGGER ALL"):
                why = refused(service_conn, sql.SQL(
                    "ALTER TABLE {} " + switch).format(table(tenant, name)), role)
                assert "must be owner" in why or "permission denied for schema" in why
    with psycopg.connect(database_url) as conn:
        disabled = conn.execute(
            "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE c.relnamespace = %s::regnamespace AND t.tgenabled = 'D'",
            (tenant.tenant.schema_name,)).fetchone()
    assert disabled == (0,)


def test_the_writer_only_appends(
    service_conn: psycopg.Connection[Any], tenant: TenantRuntime,
) -> None:
    writer = roles_of(tenant).writer
    for forgery in FORGERIES:
        refused(service_conn, sql.SQL(forgery).format(table(tenant)), writer)
    for statement in ("DROP TABLE {}", "ALTER TABLE {} OWNER TO CURRENT_USER",
                      "DROP TRIGGER register_events_immutable ON {}"):
        with pytest.raises(errors.InsufficientPrivilege), service_conn.transaction():
            service_conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(writer)))
            service_conn.execute(sql.SQL(statement).format(table(tenant)))
    for name in ("read_audit", "roster_members", "roster_tracking"):
        refused(service_conn, sql.SQL("SELECT * FROM {}").format(table(tenant, name)), writer)
    # Of the events it appends, it reads back only the ids the insert returns.
    refused(service_conn, sql.SQL("SELECT topic, state FROM {}").format(table(tenant)), writer)
    with service_conn.transaction(force_rollback=True):
        service_conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(writer)))
        assert service_conn.execute(sql.SQL("SELECT max(notification_id) AS m FROM {}").format(
            table(tenant))).fetchone() is not None


# -- observation 6: the read audit --------------------------------------------------------------


def test_the_app_role_can_only_append_to_and_read_the_read_audit(
    service_conn: psycopg.Connection[Any], tenant: TenantRuntime, database_url: str,
) -> None:
    datastore = tenant.register.factory.datastore  # type: ignore[attr-defined]
    log = ReadAuditLog(datastore, tenant.tenant.slug)
    officer = Actor("officer@" + tenant.tenant.slug, tenant.tenant.slug, frozenset({Role.OFFICER}))
    log.record(officer, None, {uuid.uuid4(): {"fullName"}})
    app, audit = roles_of(tenant).app, table(tenant, "read_audit")
    for erasure in (*ERASURES, "DROP TABLE {}", "ALTER TABLE {} OWNER TO CURRENT_USER",
                    "DROP TRIGGER read_audit_append_only ON {}",
                    "DROP TRIGGER read_audit_no_truncate ON {}",
                    "ALTER TABLE {} DISABLE TRIGGER read_audit_no_truncate"):
        with pytest.raises(errors.InsufficientPrivilege), service_conn.transaction():
            service_conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(app)))
            service_conn.execute(sql.SQL(erasure).format(audit))
    with pytest.raises(errors.InsufficientPrivilege), service_conn.transaction():
        service_conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(app)))
        service_conn.execute(sql.SQL("CREATE OR REPLACE FUNCTION {}() RETURNS trigger"
                                     " LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$").format(
            sql.Identifier(tenant.tenant.schema_name, "read_audit_append_only")))
    assert count(database_url, tenant, "read_audit") == 1


def test_the_read_audit_belongs_to_the_owner_and_refuses_even_the_owner_a_truncate(
    tenant: TenantRuntime, database_url: str,
) -> None:
    roles, audit = roles_of(tenant), table(tenant, "read_audit")
    with psycopg.connect(database_url) as conn:
        owner = conn.execute(
            "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = %s::regclass",
            (f"{tenant.tenant.schema_name}.read_audit",)).fetchone()
        assert owner == (roles.owner,)
        conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(roles.owner)))
        conn.execute(sql.SQL("INSERT INTO {} (subject, roles, member_id, fields)"
                             " VALUES ('officer', '{{OFFICER}}', gen_random_uuid(), '{{}}')")
                     .format(audit))
        for erasure in ERASURES:
            with pytest.raises(errors.InsufficientPrivilege, match="append-only"), \
                    conn.transaction():
                conn.execute(sql.SQL(erasure).format(audit))


def test_an_app_owned_read_audit_of_an_earlier_release_is_taken_back(
    directory: TenantDirectory, database_url: str, service_url: str,
) -> None:
    slug = new_slug()
    directory.create(slug, "Đảng bộ tỉnh cũ")
    roles = TenantRoles.for_schema("tenant_" + slug.replace("-", "_"))
    audit = sql.Identifier(roles.schema, "read_audit")
    with psycopg.connect(database_url, autocommit=True) as conn:  # as an earlier release left it
        conn.execute(sql.SQL("DROP TRIGGER read_audit_no_truncate ON {}").format(audit))
        conn.execute(sql.SQL("ALTER TABLE {} OWNER TO {}").format(audit, sql.Identifier(roles.app)))
    fresh = TenantDirectory({"main": service_url}, admin_shards={"main": database_url},
                            application_name="partyledger-tests")
    fresh.runtime(slug)
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT pg_get_userbyid(relowner) AS owner, array(SELECT tgname::text FROM pg_trigger"
            " WHERE tgrelid = c.oid AND NOT tgisinternal ORDER BY tgname) AS triggers,"
            " (SELECT pg_get_userbyid(proowner) FROM pg_proc"
            "  WHERE proname = 'read_audit_append_only' AND pronamespace = c.relnamespace)"
            " AS function_owner"
            " FROM pg_class c WHERE oid = %s::regclass", (f"{roles.schema}.read_audit",)).fetchone()
    assert row == (roles.owner, ["read_audit_append_only", "read_audit_no_truncate"], roles.owner)


# -- the control schema -------------------------------------------------------------------------


def test_the_service_holds_only_what_it_uses_in_the_control_schema(
    service_conn: psycopg.Connection[Any],
) -> None:
    for statement in (
        "INSERT INTO control.tenants (slug, name, shard, schema_name)"
        " VALUES ('t-forged', 'x', 'main', 'tenant_t_forged')",
        "UPDATE control.tenants SET state = 'GONE'", "DELETE FROM control.tenants",
        "DELETE FROM control.api_keys", "TRUNCATE control.api_keys",
        "DELETE FROM control.partner_policies",
        "UPDATE control.api_key_audit SET actor = 'x'", "DELETE FROM control.api_key_audit",
        "TRUNCATE control.api_key_audit", "CREATE TABLE control.extra (x int)",
        "ALTER TABLE control.api_key_audit DISABLE TRIGGER USER",
    ):
        refused(service_conn, statement)
    assert service_conn.execute("SELECT count(*) AS n FROM control.tenants").fetchone()["n"] >= 1


# -- provisioning through the administrator's connection only -----------------------------------


def test_a_directory_without_an_administrator_serves_but_never_provisions(
    tenant: TenantRuntime, database_url: str, service_url: str,
) -> None:
    served = TenantDirectory({"main": service_url}, admin_shards={},
                             application_name="partyledger-tests")
    served.install()  # checks only
    assert served.runtime(tenant.tenant.slug).tenant == tenant.tenant
    with pytest.raises(ProvisioningUnavailableError, match="PARTYLEDGER_ADMIN_DATABASE_URL"):
        served.create(new_slug(), "Đảng bộ mới")
    slug = new_slug()  # registered, its schema never provisioned for the service
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("INSERT INTO control.tenants (slug, name, shard, schema_name)"
                     " VALUES (%s, 'Chưa cấp', 'main', %s)", (slug, "tenant_" + slug[2:]))
    try:
        with pytest.raises(ProvisioningUnavailableError, match="not owned by"):
            served.runtime(slug)
    finally:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("DELETE FROM control.tenants WHERE slug = %s", (slug,))


def test_a_url_that_may_provision_is_never_the_service_s(
    database_url: str, service_url: str,
) -> None:
    assert split_logins(database_url, None).admin == database_url
    assert split_logins(database_url, None).service == service_url
    assert split_logins(service_url, None).admin is None  # the service's own login
    assert split_logins(None, database_url).service == service_url


def test_a_service_login_with_power_is_refused(database_url: str) -> None:
    mighty = f"pl_test_service_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEROLE").format(sql.Identifier(mighty)))
    try:
        provisioner = Provisioner({"main": database_url}, {"main": mighty})
        with pytest.raises(ServiceLoginError, match="CREATEROLE"):
            provisioner.install()
        with pytest.raises(ServiceLoginError, match="its own role"):
            Provisioner({"main": database_url}, {"main": "postgres"}).install()
    finally:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(mighty)))


def test_the_cli_creates_tenants_through_the_administrator_s_login_only(
    database_url: str, service_url: str, tmp_path: Path,
) -> None:
    def cli(url: str, slug: str) -> subprocess.CompletedProcess[str]:
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("PARTYLEDGER_")},
               "PARTYLEDGER_DATABASE_URL": url, "PARTYLEDGER_HOME": str(tmp_path)}
        return subprocess.run(
            [str(Path(sys.executable).with_name("partyledger")), "tenants", "create", slug,
             "Đảng bộ tỉnh Lào Cai"], env=env, capture_output=True, text=True, timeout=120,
            check=False)

    slug = new_slug()
    created = cli(database_url, slug)
    assert created.returncode == 0, created.stdout + created.stderr
    roles = TenantRoles.for_schema("tenant_" + slug.replace("-", "_"))
    with psycopg.connect(database_url) as conn:
        owners = conn.execute(
            "SELECT relname, pg_get_userbyid(relowner) FROM pg_class WHERE relnamespace ="
            " %s::regnamespace AND relname IN ('register_events', 'read_audit')",
            (roles.schema,)).fetchall()
        assert dict(owners) == {"register_events": roles.owner, "read_audit": roles.owner}
    refused_run = cli(service_url, new_slug())
    assert refused_run.returncode != 0
    assert "PARTYLEDGER_ADMIN_DATABASE_URL" in refused_run.stdout + refused_run.stderr

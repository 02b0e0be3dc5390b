"""What only an administrator's connection does: the ``control`` schema, the service's login, and
each tenant's roles, schema, event store and read audit (``db_roles``).

The service's own login owns nothing: provisioning makes it (LOGIN, NOINHERIT, no other
attribute) if it is missing, refuses one with more power, grants it exactly what it uses in
``control`` and makes it a member of each tenant's app and writer roles, never of the owner.
The event store's and the read audit's DDL run as the tenant's owner role, which only this
connection can act as. ``readiness`` is the read-only check a service runs before it serves a
tenant: what provisioning would still have to do.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

import psycopg
from eventsourcing.utils import Environment
from psycopg import errors
from psycopg.sql import SQL, Composable, Identifier

from partyledger.infra import api_keys
from partyledger.infra.db_roles import (
    PROVISIONING_LOCK,
    Provisioned,
    TenantRoles,
    ensure_grants,
    grants_sql,
    provision,
)
from partyledger.infra.eventstore import (
    POOL_APPLICATION_NAME,
    POOL_SIZE,
    TenantEventStoreFactory,
    event_store_objects,
    tenant_env,
)
from partyledger.infra.read_audit import TRIGGERS as AUDIT_TRIGGERS
from partyledger.infra.read_audit import ReadAuditLog
from partyledger.infra.shards import shard_pool
from partyledger.services.tenant_register import TenantRegister

log = logging.getLogger(__name__)

EVENTS_TABLE = f"{TenantRegister.name}_events"
TENANTS_DDL = (
    "CREATE SCHEMA IF NOT EXISTS control",
    "CREATE TABLE IF NOT EXISTS control.tenants ("
    " slug text PRIMARY KEY, name text NOT NULL, shard text NOT NULL,"
    " schema_name text NOT NULL UNIQUE, state text NOT NULL DEFAULT 'ACTIVE',"
    " created_at timestamptz NOT NULL DEFAULT now())",
)
SERVICE_PRIVILEGES: dict[tuple[str, str], set[str]] = {
    ("SCHEMA", "control"): {"USAGE"},
    ("TABLE", "tenants"): {"SELECT"},  # tenants are created by provisioning only
    **api_keys.SERVICE_PRIVILEGES,
}
"""Everything the service's login holds in ``control``: no CREATE, DELETE or TRUNCATE."""
_TENANT_LOCK = 0x706C_6464  # "pldd": one provisioning of a schema at a time, DDL included
_POWERS = ("rolsuper", "rolcreaterole", "rolcreatedb", "rolreplication", "rolbypassrls")
_BYPASSING = ("pg_write_all_data", "pg_read_all_data")
_SERVICE_ATTRIBUTES = SQL(
    "LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS")


class ServiceLoginError(PermissionError):
    """The service's login has more power than the service may have."""


class Provisioner:
    """An administrator's connection to each shard (``shards``: shard name to DSN) and the
    service's login on each (``services``; None for a shard whose administrator's login is the
    service's too, as benchmarks run)."""

    def __init__(self, shards: Mapping[str, str], services: Mapping[str, str | None], *,
                 control_shard: str = "main", pool_size: int = 2,
                 application_name: str = "partyledger-provisioning") -> None:
        self.shards = dict(shards)
        self.services = dict(services)
        self.control_shard = control_shard
        self.pool_size = pool_size
        self.application_name = application_name
        self._lock = threading.Lock()

    def pool(self, shard: str) -> Any:
        return shard_pool(self.shards[shard], size=self.pool_size,
                          application_name=self.application_name)

    def install(self) -> None:
        """The service's login on every shard; the ``control`` schema and its privileges; then
        every tenant brought up to date (a catalog read each when nothing is to do)."""
        for shard in self.shards:
            with self.pool(shard).connection() as conn, conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (PROVISIONING_LOCK,))
                service = self.services.get(shard)
                if service is not None:
                    ensure_service_login(conn, service)
                if shard == self.control_shard:
                    for statement in (*TENANTS_DDL, *api_keys.CONTROL_DDL):
                        conn.execute(statement)
                    if service is not None:
                        _ensure_control_privileges(conn, service)
        with self.pool(self.control_shard).connection() as conn:
            tenants = conn.execute("SELECT slug, shard, schema_name FROM control.tenants"
                                   " ORDER BY slug").fetchall()
        for t in tenants:
            try:
                if t["shard"] in self.shards and self.unready(t["shard"], t["schema_name"]):
                    self.provision_tenant(t["shard"], t["schema_name"], t["slug"])
            except LookupError:  # one broken tenant must not keep the others from being served
                log.exception("tenant %s could not be provisioned", t["slug"])

    def register(self, slug: str, name: str, shard: str, schema: str) -> bool:
        """The tenant's row in ``control.tenants``; False when the slug is taken."""
        with self.pool(self.control_shard).connection() as conn:
            inserted = conn.execute(
                "INSERT INTO control.tenants (slug, name, shard, schema_name)"
                " VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING slug",
                (slug, name, shard, schema),
            ).fetchone()
        return inserted is not None

    def unready(self, shard: str, schema: str) -> list[str]:
        with self.pool(shard).connection() as conn:
            return readiness(conn, TenantRoles.for_schema(schema), service=self.services.get(shard))

    def provision_tenant(self, shard: str, schema: str, slug: str, *,
                         create_schema: bool = False) -> Provisioned:
        """Roles, schema, privileges, and the event store's and read audit's DDL as the owner
        role; idempotent, so it also upgrades a tenant of an earlier release."""
        roles, service = TenantRoles.for_schema(schema), self.services.get(shard)
        # One thread of this process (two connections), one process per schema, at a time.
        with self._lock, self.pool(shard).connection() as guard:
            guard.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", (_TENANT_LOCK, schema))
            try:
                with self.pool(shard).connection() as conn:
                    provision(conn, roles, create_schema=create_schema, service=service)
                env = tenant_env(self.shards[shard], schema, roles=True, CREATE_TABLE="y",
                                 **{POOL_SIZE: str(self.pool_size),
                                    POOL_APPLICATION_NAME: self.application_name})
                factory = TenantEventStoreFactory(Environment(TenantRegister.name, env))
                factory.application_recorder()  # creates (or completes) the event store
                ReadAuditLog(factory.datastore, slug).create_table()
                with self.pool(shard).connection() as conn:  # privileges on what the DDL made
                    done = provision(conn, roles, service=service)
                    if service is not None:
                        refresh_memberships(conn, roles)
                    return done
            finally:
                guard.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))",
                              (_TENANT_LOCK, schema))


def readiness(conn: psycopg.Connection[Any], roles: TenantRoles, *,
              service: str | None = None) -> list[str]:
    """What keeps the tenant's schema from being served by ``service`` (by default the login of
    ``conn``), read from the catalogs only: empty when it is ready."""
    version = conn.execute("SELECT current_setting('server_version_num')::int AS v").fetchone()
    settable = " AND m.set_option" if version is not None and version["v"] >= 160000 else ""
    row = conn.execute(
        "SELECT (SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = %(s)s)"
        " AS schema,"
        " (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = %(events)s"
        "   AND relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = %(s)s)) AS events,"
        " (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'read_audit'"
        "   AND relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = %(s)s)) AS audit,"
        " array(SELECT t.tgname::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
        "   JOIN pg_namespace n ON n.oid = c.relnamespace"
        "   WHERE n.nspname = %(s)s AND NOT t.tgisinternal AND t.tgenabled <> 'D') AS triggers,"
        " array(SELECT p.proname::text FROM pg_proc p JOIN pg_namespace n"
        "   ON n.oid = p.pronamespace WHERE n.nspname = %(s)s) AS functions,"
        " array(SELECT g.rolname::text FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid"
        "   WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname ="
        "   coalesce(%(service)s, current_user))" + settable + ") AS memberships,"
        " EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        "   JOIN pg_roles w ON w.rolname = %(writer)s"
        "   WHERE n.nspname = %(s)s AND c.relname = %(events)s"
        "   AND has_table_privilege(w.oid, c.oid, 'SELECT')) AS writer_reads",
        {"s": roles.schema, "events": EVENTS_TABLE, "service": service,
         "writer": roles.writer}).fetchone()
    assert row is not None
    guard, no_truncate, lock = event_store_objects(EVENTS_TABLE)
    problems = [f"{what} is not owned by {roles.owner}" for what, owner in (
        (f"schema {roles.schema}", row["schema"]), (EVENTS_TABLE, row["events"]),
        ("read_audit", row["audit"])) if owner != roles.owner]
    problems += [f"no trigger {t}" for t in (guard, no_truncate, *AUDIT_TRIGGERS)
                 if t not in row["triggers"]]
    problems += [f"no function {f}" for f in (guard, lock) if f not in row["functions"]]
    problems += [f"the service's login may not act as {r}" for r in (roles.app, roles.writer)
                 if r not in row["memberships"]]
    if row["writer_reads"]:  # an earlier release let the writer read every event
        problems.append(f"{roles.writer} may read {EVENTS_TABLE}")
    return problems


def ensure_service_login(conn: psycopg.Connection[Any], login: str) -> None:
    """Create the service's login if it is missing; refuse one that could escape the database's
    privileges (a superuser, CREATEROLE, ``pg_write_all_data``...) or is the administrator."""
    me = conn.execute("SELECT current_user AS name").fetchone()
    if me is not None and me["name"] == login:
        raise ServiceLoginError(f"the service must log in as its own role, not as {login}, the"
                                " administrator's login that provisions")
    found = conn.execute(
        "SELECT " + ", ".join(_POWERS) + ", rolcanlogin, rolinherit,"
        " array(SELECT g.rolname::text FROM pg_roles g WHERE g.rolname = ANY(%s)"
        "   AND pg_has_role(r.oid, g.oid, 'MEMBER')) AS bypassing"
        " FROM pg_roles r WHERE r.rolname = %s", (list(_BYPASSING), login)).fetchone()
    name = Identifier(login)
    if found is None:
        try:
            with conn.transaction():  # a savepoint: another database's provisioning may win
                conn.execute(SQL("CREATE ROLE {} ").format(name) + _SERVICE_ATTRIBUTES)
        except (errors.DuplicateObject, errors.UniqueViolation):
            pass
        else:
            return
        found = conn.execute("SELECT " + ", ".join(_POWERS) + ", rolcanlogin, rolinherit,"
                             " '{}'::text[] AS bypassing FROM pg_roles WHERE rolname = %s",
                             (login,)).fetchone()
        assert found is not None
    powers = [p.removeprefix("rol").upper() for p in _POWERS if found[p]] + found["bypassing"]
    if powers:
        raise ServiceLoginError(
            f"the service's login {login} has {', '.join(powers)}: give the service a login"
            f" without them (ALTER ROLE {login} NO…, REVOKE …) or name another one")
    if not found["rolcanlogin"] or found["rolinherit"]:
        conn.execute(SQL("ALTER ROLE {} LOGIN NOINHERIT").format(name))


def refresh_memberships(conn: psycopg.Connection[Any], roles: TenantRoles) -> None:
    """Make every session drop the role memberships it has cached, once the grants above are
    committed. A session of the service's login that was working out its memberships while they
    committed can keep a list without the tenant's roles (seen on PostgreSQL 15: ``SET ROLE``
    refused on one pooled connection only); any change to a role's row makes them all start
    afresh. The tenant's own role is changed (to what it is), so no two databases contend."""
    conn.execute(SQL("ALTER ROLE {} NOLOGIN").format(Identifier(roles.app)))


def _ensure_control_privileges(conn: psycopg.Connection[Any], service: str) -> None:
    def run(statement: Composable) -> None:
        conn.execute(statement, prepare=False)

    for (kind, name), wanted in SERVICE_PRIVILEGES.items():
        if kind == "SCHEMA":
            row = conn.execute(
                "SELECT pg_get_userbyid(nspowner) AS owner, "
                + grants_sql("nspacl", "'n'", "nspowner") + " AS grants"
                " FROM pg_namespace WHERE nspname = %s", (name,)).fetchone()
            target = SQL("SCHEMA {}").format(Identifier(name))
        else:
            row = conn.execute(
                "SELECT pg_get_userbyid(relowner) AS owner, "
                + grants_sql("relacl", "CASE relkind WHEN 'S' THEN 's' ELSE 'r' END", "relowner")
                + " AS grants FROM pg_class WHERE oid = %s::regclass",
                (f"control.{name}",)).fetchone()
            target = SQL(kind + " {}").format(Identifier("control", name))
        assert row is not None
        ensure_grants(run, target, row["grants"], {row["owner"]}, {service: wanted})

"""PostgreSQL roles per tenant schema: who may do what with a tenant's tables, in the database.

Three NOLOGIN roles per tenant schema ``s``:

``pl_<s>_owner``
    Owns the schema, the event store (events tables, their sequences, the composite type, the
    lock and guard functions) and the read audit. Only provisioning acts as it, on an
    administrator's connection (``provisioning``): the service's login is never its member, so
    no SQL the service runs can alter, disable the triggers of, or drop what it owns.
``pl_<s>_app``
    What every checkout of the tenant's datastore runs as (``SET ROLE``): reads the events
    (SELECT only), appends to and reads the read audit (INSERT, SELECT), owns the projection and
    tracking tables (the views create, migrate, write and reset them; single-row tracking is an
    upsert, so it needs UPDATE), may create tables in the schema. No INSERT, UPDATE, DELETE or
    TRUNCATE on events; no UPDATE, DELETE or TRUNCATE on the read audit.
``pl_<s>_writer``
    What the append transaction runs as: INSERT on events tables and SELECT on their
    ``notification_id`` only (what ``INSERT … RETURNING`` hands back), USAGE on their
    sequences, EXECUTE on the owner's functions (the table lock is a SECURITY DEFINER function,
    because ``LOCK TABLE … IN EXCLUSIVE MODE`` needs UPDATE, DELETE or TRUNCATE). Nothing on
    projection, tracking or audit tables.

None of them has any privilege outside its own schema (PUBLIC has nothing on tenant schemas or
on ``control``). The provisioning login is made a member of all three (``SET`` only, no
inheritance on PostgreSQL 16+) so it can ``SET ROLE`` for DDL; the service's login (``service``)
of the app and writer roles only, the same way (on 15, where memberships carry no options, the
service login is NOINHERIT), and never of the owner role: provisioning revokes that membership
if it finds it.

Roles are cluster-wide, databases are not: the same schema in two databases of one cluster
shares its roles, which is harmless (a role's privileges are per database object) and is why
creation tolerates roles that exist already.

``provision`` is idempotent and cheap when nothing is to do (a few catalog queries): it runs on
an administrator's connection when a tenant is created or upgraded, and it brings schemas made
before roles existed (everything owned by the login role) to the same state.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import errors
from psycopg.sql import SQL, Composable, Identifier

MAX_IDENTIFIER_BYTES = 63
EVENT_COLUMNS = frozenset({"originator_id", "originator_version", "topic", "state"})
"""A table with these columns is an event store (events, snapshots): owned by the owner role."""
AUDIT_TABLES = frozenset({"read_audit"})
"""Append-only tables owned by the owner role, to which the app role may only INSERT (and SELECT
what it appended); a trigger on them refuses UPDATE, DELETE and TRUNCATE."""

PROVISIONING_LOCK = 0x706C_726F_6C65  # "plrole": one provisioning at a time per database


def role_name(schema: str, kind: str) -> str:
    """``pl_<schema>_<kind>``, shortened with a digest of the schema if it exceeds 63 bytes."""
    name = f"pl_{schema}_{kind}"
    if len(name.encode()) <= MAX_IDENTIFIER_BYTES:
        return name
    digest = hashlib.sha256(schema.encode()).hexdigest()[:10]
    room = MAX_IDENTIFIER_BYTES - len(f"pl__{digest}_{kind}".encode())
    head = schema.encode()[:room].decode(errors="ignore")
    return f"pl_{head}_{digest}_{kind}"


@dataclass(frozen=True)
class TenantRoles:
    schema: str
    owner: str
    app: str
    writer: str

    @classmethod
    def for_schema(cls, schema: str) -> TenantRoles:
        return cls(schema, role_name(schema, "owner"), role_name(schema, "app"),
                   role_name(schema, "writer"))

    @property
    def all(self) -> tuple[str, str, str]:
        return (self.owner, self.app, self.writer)


@dataclass
class Provisioned:
    """What ``provision`` found and did."""

    statements: list[str] = field(default_factory=list)
    """The DDL it had to run (empty when the schema was already in order)."""
    functions: frozenset[str] = frozenset()
    """Names of the functions in the schema, after provisioning."""
    triggers: frozenset[str] = frozenset()
    """Names of the triggers on the schema's tables."""


def provision(conn: psycopg.Connection[Any], roles: TenantRoles, *,
              create_schema: bool = False, service: str | None = None) -> Provisioned:
    """Create the tenant's roles if missing and bring the schema's ownership and privileges to
    the state described in this module. Runs as an administrator's login (superuser, or one
    with CREATEROLE), in one transaction. ``service``: the service's login, made a member of
    the app and writer roles and of nothing else here; None when the administrator's login is
    the service's too (benchmarks, tools)."""
    done = Provisioned()

    def run(statement: Composable) -> None:
        done.statements.append(statement.as_string(conn))
        conn.execute(statement, prepare=False)

    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (PROVISIONING_LOCK,))
        _ensure_roles(conn, roles, run)
        if service is not None:
            _ensure_service_memberships(conn, roles, run, service)
        schema = Identifier(roles.schema)
        if create_schema:
            run(SQL("CREATE SCHEMA IF NOT EXISTS {} AUTHORIZATION {}").format(
                schema, Identifier(roles.owner)))
        row = conn.execute(
            "SELECT oid, pg_get_userbyid(nspowner) AS owner, "
            + grants_sql("nspacl", "'n'", "nspowner") + " AS grants"
            " FROM pg_namespace WHERE nspname = %s", (roles.schema,)).fetchone()
        if row is None:
            raise LookupError(f"schema {roles.schema!r} does not exist")
        if row["owner"] != roles.owner:
            run(SQL("ALTER SCHEMA {} OWNER TO {}").format(schema, Identifier(roles.owner)))
        ensure_grants(run, SQL("SCHEMA {}").format(schema), row["grants"],
                      {row["owner"], roles.owner}, {
            roles.app: {"USAGE", "CREATE"}, roles.writer: {"USAGE"}})
        _ensure_default_privileges(conn, roles, run, row["oid"])
        _ensure_relations(conn, roles, run, row["oid"])
        done.functions = _ensure_functions(conn, roles, run, row["oid"])
        done.triggers = frozenset(r["tgname"] for r in conn.execute(
            "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE c.relnamespace = %s AND NOT t.tgisinternal", (row["oid"],)).fetchall())
    return done


def drop_roles(conn: psycopg.Connection[Any], roles: TenantRoles) -> None:
    """Drop the tenant's roles once its schema is gone (in every database that had it)."""
    for role in roles.all:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        if exists:
            conn.execute(SQL("DROP OWNED BY {}").format(Identifier(role)))
            conn.execute(SQL("DROP ROLE {}").format(Identifier(role)))


# ---------------------------------------------------------------------------------------------


def grants_sql(acl: str, kind: str, owner: str) -> str:
    """SQL: the privileges in ``acl`` held by anyone but ``owner``, as 'grantee=PRIVILEGE'
    ('PUBLIC' for everyone); a NULL acl stands for the defaults of ``kind`` (acldefault)."""
    return (
        "array(SELECT CASE WHEN e.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(e.grantee) END"
        " || '=' || e.privilege_type"
        f" FROM aclexplode(coalesce({acl}, acldefault(({kind})::\"char\", {owner}))) AS e"
        f" WHERE e.grantee <> {owner})"
    )


def _ensure_roles(conn: psycopg.Connection[Any], roles: TenantRoles, run: Any) -> None:
    login = conn.execute(
        "SELECT current_user AS name, rolsuper, current_setting('server_version_num')::int AS v"
        " FROM pg_roles WHERE rolname = current_user").fetchone()
    assert login is not None
    settable = " AND m.set_option" if login["v"] >= 160000 else ""  # SET ROLE needs it on 16+
    existing = {r["rolname"]: r for r in conn.execute(
        "SELECT rolname, rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls,"
        " rolreplication,"
        " EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.roleid = r.oid"
        "   AND m.member = (SELECT oid FROM pg_roles WHERE rolname = current_user)"
        + settable + ") AS granted"
        " FROM pg_roles r WHERE rolname = ANY(%s)", (list(roles.all),)).fetchall()}
    attributes = SQL("NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS")
    for role in roles.all:
        found = existing.get(role)
        if found is None:
            try:
                with conn.transaction():  # a savepoint: another process may create it first
                    run(SQL("CREATE ROLE {} ").format(Identifier(role)) + attributes)
            except (errors.DuplicateObject, errors.UniqueViolation):
                pass
        elif any(found[a] for a in ("rolcanlogin", "rolsuper", "rolcreaterole", "rolcreatedb",
                                    "rolbypassrls", "rolreplication")):
            # left by someone else with more power than a tenant role may have
            run(SQL("ALTER ROLE {} ").format(Identifier(role)) + attributes)
        if found is None or not found["granted"]:
            grant = SQL("GRANT {} TO {}").format(Identifier(role), Identifier(login["name"]))
            if login["v"] >= 160000:
                grant += SQL(" WITH INHERIT FALSE, SET TRUE")
            run(grant)


def _ensure_service_memberships(conn: psycopg.Connection[Any], roles: TenantRoles, run: Any,
                                service: str) -> None:
    """The service's login may ``SET ROLE`` to the app and writer roles (without inheriting
    their privileges) and is no member of the owner role."""
    row = conn.execute("SELECT current_user AS name,"
                       " current_setting('server_version_num')::int AS v").fetchone()
    assert row is not None
    if service == row["name"]:
        return  # one login for provisioning and service: it keeps the owner role
    options = ", m.set_option, m.inherit_option" if row["v"] >= 160000 else ""
    held = {r["rolname"]: r for r in conn.execute(
        "SELECT g.rolname" + options + " FROM pg_auth_members m"
        " JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles s ON s.oid = m.member"
        " WHERE s.rolname = %s AND g.rolname = ANY(%s)", (service, list(roles.all))).fetchall()}
    login = Identifier(service)
    for role in (roles.app, roles.writer):
        found = held.get(role)
        if found is not None and (row["v"] < 160000
                                  or (found["set_option"] and not found["inherit_option"])):
            continue
        grant = SQL("GRANT {} TO {}").format(Identifier(role), login)
        if row["v"] >= 160000:
            grant += SQL(" WITH INHERIT FALSE, SET TRUE")
        run(grant)
    if roles.owner in held:
        run(SQL("REVOKE {} FROM {}").format(Identifier(roles.owner), login))


def ensure_grants(run: Any, target: Composable, grants: Iterable[str], owners: set[str],
                  wanted: dict[str, set[str]]) -> None:
    """Make the privileges held on ``target`` by anyone but its owner (before and after a change
    of owner) exactly ``wanted``."""
    held: dict[str, set[str]] = {}
    for item in grants:
        grantee, _, privilege = item.rpartition("=")
        held.setdefault(grantee, set()).add(privilege)
    for owner in owners:
        held.pop(owner, None)
    for grantee in sorted(set(held) | set(wanted)):
        want = wanted.get(grantee, set())
        if held.get(grantee, set()) == want:
            continue
        who = SQL("PUBLIC") if grantee == "PUBLIC" else Identifier(grantee)
        if held.get(grantee):
            run(SQL("REVOKE ALL ON {} FROM {}").format(target, who))
        if want:
            privileges = SQL(", ").join(SQL(p) for p in sorted(want))
            run(SQL("GRANT {} ON {} TO {}").format(privileges, target, who))


def _ensure_default_privileges(conn: psycopg.Connection[Any], roles: TenantRoles, run: Any,
                               schema_oid: int) -> None:
    """What the owner creates later (DDL of the event store, as the owner) gets the event
    store's privileges from the start."""
    rows = conn.execute(
        "SELECT d.defaclnamespace <> 0 AS in_schema, d.defaclobjtype AS kind, "
        + grants_sql("d.defaclacl", "'r'", "d.defaclrole") + " AS grants"  # never NULL here
        " FROM pg_default_acl d WHERE d.defaclrole = %s::regrole"
        " AND d.defaclnamespace IN (0, %s)",
        (Identifier(roles.owner).as_string(conn), schema_oid)).fetchall()
    found = {(r["in_schema"], r["kind"]): set(r["grants"]) for r in rows}
    owner, schema = Identifier(roles.owner), Identifier(roles.schema)
    app, writer = Identifier(roles.app), Identifier(roles.writer)
    wanted = (
        ("r", "TABLES", {f"{roles.app}=SELECT", f"{roles.writer}=INSERT"},
         [(SQL("SELECT"), app), (SQL("INSERT"), writer)]),
        ("S", "SEQUENCES", {f"{roles.writer}=USAGE"}, [(SQL("USAGE"), writer)]),
        ("f", "FUNCTIONS", {f"{roles.writer}=EXECUTE"}, [(SQL("EXECUTE"), writer)]),
    )
    prefix = SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA {} ").format(owner, schema)
    for kind, objects, expected, grants in wanted:
        if found.get((True, kind), set()) == expected:
            continue
        run(prefix + SQL("REVOKE ALL ON {} FROM PUBLIC, {}, {}").format(SQL(objects), app, writer))
        for privileges, grantee in grants:
            run(prefix + SQL("GRANT {} ON {} TO {}").format(privileges, SQL(objects), grantee))
    # Functions are executable by PUBLIC unless revoked, and that is revoked globally only.
    if "PUBLIC=EXECUTE" in found.get((False, "f"), {"PUBLIC=EXECUTE"}):
        run(SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC")
            .format(owner))


def _ensure_relations(conn: psycopg.Connection[Any], roles: TenantRoles, run: Any,
                      schema_oid: int) -> None:
    rows = conn.execute(
        "SELECT c.relname AS name, c.relkind AS kind, pg_get_userbyid(c.relowner) AS owner, "
        + grants_sql("c.relacl", "CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END", "c.relowner")
        + " AS grants,"
        " (SELECT count(*) FROM pg_attribute a WHERE a.attrelid = c.oid AND NOT a.attisdropped"
        "   AND a.attname = ANY(%s)) = %s AS is_events,"
        " (SELECT t.relname FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid"
        "   WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid"
        "   AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')) AS of_table"
        " FROM pg_class c WHERE c.relnamespace = %s AND c.relkind IN ('r', 'p', 'v', 'm', 'S')",
        (sorted(EVENT_COLUMNS), len(EVENT_COLUMNS), schema_oid),
    ).fetchall()
    events = {r["name"] for r in rows if r["is_events"] and r["kind"] != "S"}
    audits = {r["name"] for r in rows if r["name"] in AUDIT_TABLES and r["kind"] == "r"}
    for r in sorted(rows, key=lambda r: r["kind"] == "S"):  # tables before their sequences
        name = Identifier(roles.schema, r["name"])
        if r["kind"] == "S":
            if r["of_table"] is None and r["owner"] != roles.app:  # a sequence of its own
                run(SQL("ALTER SEQUENCE {} OWNER TO {}").format(name, Identifier(roles.app)))
            if r["of_table"] in events:
                owner, wanted = roles.owner, {roles.writer: {"USAGE"}}
            elif r["of_table"] in audits:
                owner, wanted = roles.owner, {roles.app: {"USAGE"}}
            else:
                owner, wanted = roles.app, {}
            ensure_grants(run, SQL("SEQUENCE {}").format(name), r["grants"], {r["owner"], owner},
                          wanted)
            continue
        if r["name"] in events:
            owner, wanted = roles.owner, {roles.app: {"SELECT"}, roles.writer: {"INSERT"}}
        elif r["name"] in audits:
            owner, wanted = roles.owner, {roles.app: {"SELECT", "INSERT"}}
        else:
            owner, wanted = roles.app, {}
        if r["owner"] != owner:  # also moves the table's indexes and owned sequences
            run(SQL("ALTER TABLE {} OWNER TO {}").format(name, Identifier(owner)))
        ensure_grants(run, SQL("TABLE {}").format(name), r["grants"], {r["owner"], owner}, wanted)
        if r["name"] in events:
            _ensure_returned_ids(conn, roles, run, name)
    types = conn.execute(
        "SELECT t.typname AS name, pg_get_userbyid(t.typowner) AS owner FROM pg_type t"
        " JOIN pg_class c ON c.oid = t.typrelid AND c.relkind = 'c'"
        " WHERE t.typnamespace = %s", (schema_oid,)).fetchall()
    for t in types:
        if t["owner"] != roles.owner:
            run(SQL("ALTER TYPE {} OWNER TO {}").format(
                Identifier(roles.schema, t["name"]), Identifier(roles.owner)))


def _ensure_returned_ids(conn: psycopg.Connection[Any], roles: TenantRoles, run: Any,
                        table: Identifier) -> None:
    """The writer reads nothing of the events but the ids its own ``INSERT … RETURNING
    notification_id`` hands back: SELECT on that one column (a table without it, a snapshot
    store, needs none)."""
    found = conn.execute(
        "SELECT has_column_privilege(%s, %s::regclass, 'notification_id', 'SELECT') AS granted"
        " FROM pg_attribute WHERE attrelid = %s::regclass AND attname = 'notification_id'"
        " AND NOT attisdropped",
        (roles.writer, table.as_string(conn), table.as_string(conn))).fetchone()
    if found is not None and not found["granted"]:
        run(SQL("GRANT SELECT (notification_id) ON TABLE {} TO {}").format(
            table, Identifier(roles.writer)))


def _ensure_functions(conn: psycopg.Connection[Any], roles: TenantRoles, run: Any,
                      schema_oid: int) -> frozenset[str]:
    rows = conn.execute(
        "SELECT p.proname AS name, p.oid::regprocedure::text AS signature,"
        " pg_get_userbyid(p.proowner) AS owner, "
        + grants_sql("p.proacl", "'f'", "p.proowner") + " AS grants,"
        " EXISTS (SELECT 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
        "   WHERE t.tgfoid = p.oid AND pg_get_userbyid(c.relowner) = %s) AS guards"
        " FROM pg_proc p WHERE p.pronamespace = %s", (roles.owner, schema_oid)).fetchall()
    for r in rows:
        if r["owner"] == roles.app and not r["guards"]:
            continue  # the app's own, if it ever makes one: it could only do what the app may
        signature = SQL(r["signature"])  # regprocedure's text is quoted and schema-qualified
        if r["owner"] != roles.owner:
            run(SQL("ALTER FUNCTION {} OWNER TO {}").format(signature, Identifier(roles.owner)))
        ensure_grants(run, SQL("FUNCTION {}").format(signature), r["grants"],
                      {r["owner"], roles.owner}, {roles.writer: {"EXECUTE"}})
    return frozenset(r["name"] for r in rows)

"""The read audit: every read of a member's personal data by an officer or an inspector.

Kept in the tenant's own schema, owned by the tenant's owner role (``db_roles``; made by
provisioning, never by the service), append-only: the app role may only INSERT and SELECT, and
triggers refuse UPDATE, DELETE and TRUNCATE even to the owner. A row holds when, who (subject and
roles), whom (the member), which fields, and the request's correlation id. A request collects
what it read in a ``ReadTrail``; the trail is written before the response leaves, and a request
whose reads cannot be recorded is answered with an error. Only the tenant's administrators read
the audit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from eventsourcing.postgres import PostgresDatastore
from psycopg.sql import SQL, Composed, Identifier

from partyledger.infra.eventstore import as_owner
from partyledger.services.access import AccessDeniedError, Actor, Role

_CREATE = (
    "CREATE TABLE IF NOT EXISTS {s}.read_audit ("
    " id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp(),"
    " subject text NOT NULL, roles text[] NOT NULL, member_id uuid NOT NULL,"
    " fields text[] NOT NULL, correlation_id text)",
    "CREATE INDEX IF NOT EXISTS read_audit_by_member ON {s}.read_audit (member_id, id)",
    "CREATE OR REPLACE FUNCTION {s}.read_audit_append_only() RETURNS trigger LANGUAGE plpgsql"
    " AS $$BEGIN RAISE EXCEPTION 'the read audit is append-only: % refused', TG_OP"
    " USING ERRCODE = 'insufficient_privilege'; END$$",
    "CREATE OR REPLACE TRIGGER read_audit_append_only BEFORE UPDATE OR DELETE ON {s}.read_audit"
    " FOR EACH ROW EXECUTE FUNCTION {s}.read_audit_append_only()",
    "CREATE OR REPLACE TRIGGER read_audit_no_truncate BEFORE TRUNCATE ON {s}.read_audit"
    " FOR EACH STATEMENT EXECUTE FUNCTION {s}.read_audit_append_only()",
)
TRIGGERS = ("read_audit_append_only", "read_audit_no_truncate")
"""The triggers ``create_table`` puts on the table (provisioning checks they are there)."""
_COLUMNS = "id, at, subject, roles, member_id, fields"


@dataclass(frozen=True)
class ReadAuditEntry:
    id: int
    at: datetime
    subject: str
    roles: tuple[str, ...]
    member_id: UUID
    fields: tuple[str, ...]


@dataclass(frozen=True)
class ReadAuditPage:
    entries: list[ReadAuditEntry]
    has_next: bool
    total_count: int


class ReadAuditLog:
    """One tenant's read audit table."""

    def __init__(self, datastore: PostgresDatastore, tenant: str) -> None:
        self.datastore = datastore
        self.tenant = tenant
        self._schema = Identifier(datastore.schema)

    def _sql(self, text: str) -> Composed:
        return SQL(text).format(s=self._schema)  # type: ignore[arg-type]

    def create_table(self) -> None:
        """Idempotent; also brings the table of an earlier release up to date. Provisioning
        only: it runs as the tenant's owner role, which the service cannot act as."""
        with as_owner(self.datastore), self.datastore.transaction(commit=True) as curs:
            for statement in _CREATE:
                curs.execute(self._sql(statement))

    def ensure_table(self) -> None:
        """Create the table unless it is there, as the owner role: provisioning has made it
        for every tenant the service can build, and the service's login, which cannot act as
        the owner, is refused. (The app role may create tables in the schema, but a read audit
        it owned could be erased, so it never makes one.)"""
        with self.datastore.transaction(commit=False) as curs:
            curs.execute("SELECT to_regclass(%s) AS found",
                         (f"{self.datastore.schema}.read_audit",))
            found = curs.fetchone()["found"]  # type: ignore[index]
        if found is None:
            self.create_table()

    def record(self, actor: Actor, correlation_id: str | None, reads: Mapping[UUID, set[str]]) -> None:
        """One row per member read, with every field read of them, in one transaction."""
        if not reads:
            return
        roles = sorted(r.value for r in actor.roles)
        rows = [(actor.subject, roles, member, sorted(fields), correlation_id)
                for member, fields in sorted(reads.items())]
        with self.datastore.transaction(commit=True) as curs:
            curs.executemany(self._sql(
                "INSERT INTO {s}.read_audit (subject, roles, member_id, fields, correlation_id)"
                " VALUES (%s, %s, %s, %s, %s)"), rows)

    def entries(
        self, actor: Actor, *, member_id: UUID | None = None, first: int = 20,
        before: int | None = None,
    ) -> ReadAuditPage:
        """Newest first, after the keyset ``before`` (an entry's id): tenant administrators only."""
        if actor.tenant != self.tenant:
            raise AccessDeniedError("these credentials belong to another tenant")
        actor.require(Role.TENANT_ADMIN)
        where = [SQL("(%(member)s::uuid IS NULL OR member_id = %(member)s)")]
        params = {"member": member_id, "before": before, "limit": first + 1}
        keyset = SQL(" AND (%(before)s::bigint IS NULL OR id < %(before)s)")
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._sql(f"SELECT {_COLUMNS} FROM {{s}}.read_audit WHERE ") + where[0]
                         + keyset + SQL(" ORDER BY id DESC LIMIT %(limit)s"), params)
            rows = curs.fetchall()
            curs.execute(self._sql("SELECT count(*) AS n FROM {s}.read_audit WHERE ") + where[0],
                         params)
            total = int(curs.fetchone()["n"])  # type: ignore[index]
        entries = [ReadAuditEntry(**{**r, "roles": tuple(r["roles"]), "fields": tuple(r["fields"])})
                   for r in rows[:first]]
        return ReadAuditPage(entries, has_next=len(rows) > first, total_count=total)


class ReadTrail:
    """What one request read of members' personal data, recorded when the request ends."""

    def __init__(self, log: ReadAuditLog, actor: Actor, correlation_id: str | None) -> None:
        self.log = log
        self.actor = actor
        self.correlation_id = correlation_id
        self.reads: dict[UUID, set[str]] = defaultdict(set)

    def saw(self, member_id: UUID, field: str) -> None:
        self.reads[member_id].add(field)

    def flush(self) -> None:
        """Write what was read (once); raises when it cannot, so the response is withheld."""
        reads, self.reads = self.reads, defaultdict(set)
        self.log.record(self.actor, self.correlation_id, reads)

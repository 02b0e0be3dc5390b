"""Partner keys in the ``control`` schema: ``pl_<id>_<secret>``, kept only as a salted HMAC.

The secret (256 random bits) is shown once, when issued; the table holds a per-key salt and
HMAC-SHA256(pepper, salt ‖ secret), the pepper coming from the settings, never from the
database. A request's key is looked up by its id and compared in constant time; a revoked,
unknown or malformed key authenticates nothing and the caller learns no more than that.
Every issue, revocation and policy change is also written to ``control.api_key_audit``, which
the application cannot change afterwards.

The tables belong to the administrator's login that provisioned the database
(``provisioning``); the service's login holds only what this module uses: SELECT, INSERT and
UPDATE on keys and policies, SELECT and INSERT on the key audit (``SERVICE_PRIVILEGES``).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import time
from typing import Any

from partyledger.domain.errors import IdempotencyKeyReusedError
from partyledger.infra.auth import AuthenticationError
from partyledger.services.access import Actor, Role
from partyledger.services.api_keys import IssuedPartnerKey, PartnerKey

KEY_SHAPE = re.compile(r"^pl_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")
SUBJECT_PREFIX = "partner-key:"
TOUCH_EVERY_SECONDS = 60.0

CONTROL_DDL = (
    "CREATE SCHEMA IF NOT EXISTS control",
    "CREATE TABLE IF NOT EXISTS control.api_keys ("
    " key_id text PRIMARY KEY, tenant text NOT NULL REFERENCES control.tenants (slug),"
    " label text NOT NULL, salt bytea NOT NULL, digest bytea NOT NULL, idempotency_key text,"
    " issued_by text NOT NULL, issued_at timestamptz NOT NULL DEFAULT now(),"
    " revoked_by text, revoked_at timestamptz, last_used_at timestamptz)",
    # An idempotency key is its sender's own, as for commands (services/idempotency.py): two
    # administrators may use the same key, and neither learns that the other did.
    "ALTER TABLE control.api_keys DROP CONSTRAINT IF EXISTS api_keys_tenant_idempotency_key_key",
    "CREATE UNIQUE INDEX IF NOT EXISTS api_keys_by_sender_key"
    " ON control.api_keys (tenant, issued_by, idempotency_key)",
    "CREATE INDEX IF NOT EXISTS api_keys_by_tenant ON control.api_keys (tenant, issued_at DESC)",
    "CREATE TABLE IF NOT EXISTS control.partner_policies ("
    " tenant text PRIMARY KEY REFERENCES control.tenants (slug),"
    " minimum_cell_size integer NOT NULL CHECK (minimum_cell_size > 0),"
    " set_by text NOT NULL, set_at timestamptz NOT NULL DEFAULT now())",
    "CREATE TABLE IF NOT EXISTS control.api_key_audit ("
    " id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), tenant text NOT NULL,"
    " action text NOT NULL, key_id text, actor text NOT NULL, detail text)",
    "CREATE OR REPLACE FUNCTION control.api_key_audit_append_only() RETURNS trigger"
    " LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'the key audit is append-only: % refused',"
    " TG_OP USING ERRCODE = 'insufficient_privilege'; END$$",
    "CREATE OR REPLACE TRIGGER api_key_audit_append_only BEFORE UPDATE OR DELETE"
    " ON control.api_key_audit FOR EACH ROW EXECUTE FUNCTION control.api_key_audit_append_only()",
    "CREATE OR REPLACE TRIGGER api_key_audit_no_truncate BEFORE TRUNCATE ON control.api_key_audit"
    " FOR EACH STATEMENT EXECUTE FUNCTION control.api_key_audit_append_only()",
)
SERVICE_PRIVILEGES = {
    ("TABLE", "api_keys"): {"SELECT", "INSERT", "UPDATE"},
    ("TABLE", "partner_policies"): {"SELECT", "INSERT", "UPDATE"},
    ("TABLE", "api_key_audit"): {"SELECT", "INSERT"},
    ("SEQUENCE", "api_key_audit_id_seq"): {"USAGE"},
}
"""What the service's login may do with these objects of ``control``: no DELETE or TRUNCATE."""
_KEY_COLUMNS = ("key_id, tenant, label, issued_by, issued_at, revoked_by, revoked_at,"
                " last_used_at")
_AUDIT = ("INSERT INTO control.api_key_audit (tenant, action, key_id, actor, detail)"
          " VALUES (%s, %s, %s, %s, %s)")


class ApiKeyStore:
    """Keys and partner policies of every tenant, in the control shard's ``control`` schema."""

    def __init__(self, pool: Any, *, pepper: str) -> None:
        self.pool = pool
        self.pepper = pepper.encode()
        self._touched: dict[str, float] = {}

    def install(self) -> None:
        """Create the tables unless they are there. Provisioning has made them (the service's
        login may not create anything in ``control``)."""
        with self.pool.connection() as conn, conn.transaction():
            found = conn.execute("SELECT to_regclass('control.api_key_audit') IS NOT NULL"
                                 " AND to_regclass('control.partner_policies') IS NOT NULL AS ok"
                                 ).fetchone()
            if found is not None and found["ok"]:
                return
            for statement in CONTROL_DDL:
                conn.execute(statement)

    # -- the store the service layer uses (services.api_keys.PartnerKeyStore) ----------------

    def issue(self, tenant: str, *, label: str, issued_by: str,
              idempotency_key: str | None) -> IssuedPartnerKey:
        key_id, secret, salt = secrets.token_hex(8), secrets.token_urlsafe(32), os.urandom(16)
        with self.pool.connection() as conn, conn.transaction():
            row = conn.execute(
                "INSERT INTO control.api_keys (key_id, tenant, label, salt, digest, idempotency_key,"
                f" issued_by) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
                f" RETURNING {_KEY_COLUMNS}",
                (key_id, tenant, label, salt, self._digest(salt, secret), idempotency_key, issued_by),
            ).fetchone()
            if row is not None:
                conn.execute(_AUDIT, (tenant, "ISSUED", key_id, issued_by, label))
                return IssuedPartnerKey(PartnerKey(**row), f"pl_{key_id}_{secret}")
        return self._first_answer(tenant, label, issued_by, idempotency_key)

    def keys(self, tenant: str, *, include_revoked: bool) -> list[PartnerKey]:
        with self.pool.connection() as conn:
            rows = conn.execute(
                f"SELECT {_KEY_COLUMNS} FROM control.api_keys WHERE tenant = %s"
                " AND (%s OR revoked_at IS NULL) ORDER BY issued_at DESC, key_id",
                (tenant, include_revoked),
            ).fetchall()
        return [PartnerKey(**r) for r in rows]

    def revoke(self, tenant: str, key_id: str, *, revoked_by: str) -> PartnerKey | None:
        with self.pool.connection() as conn, conn.transaction():
            row = conn.execute(
                "UPDATE control.api_keys SET revoked_by = %s, revoked_at = now()"
                " WHERE tenant = %s AND key_id = %s AND revoked_at IS NULL"
                f" RETURNING {_KEY_COLUMNS}", (revoked_by, tenant, key_id)).fetchone()
            if row is not None:
                conn.execute(_AUDIT, (tenant, "REVOKED", key_id, revoked_by, None))
                return PartnerKey(**row)
            row = conn.execute(f"SELECT {_KEY_COLUMNS} FROM control.api_keys"
                               " WHERE tenant = %s AND key_id = %s", (tenant, key_id)).fetchone()
        return PartnerKey(**row) if row else None

    def minimum_cell_size(self, tenant: str) -> int | None:
        with self.pool.connection() as conn:
            row = conn.execute("SELECT minimum_cell_size FROM control.partner_policies"
                               " WHERE tenant = %s", (tenant,)).fetchone()
        return int(row["minimum_cell_size"]) if row else None

    def set_minimum_cell_size(self, tenant: str, size: int, *, set_by: str) -> None:
        with self.pool.connection() as conn, conn.transaction():
            conn.execute(
                "INSERT INTO control.partner_policies (tenant, minimum_cell_size, set_by)"
                " VALUES (%s, %s, %s) ON CONFLICT (tenant) DO UPDATE SET"
                " minimum_cell_size = excluded.minimum_cell_size, set_by = excluded.set_by,"
                " set_at = now()", (tenant, size, set_by))
            conn.execute(_AUDIT, (tenant, "MINIMUM_CELL_SIZE_SET", None, set_by, str(size)))

    # -- authentication ------------------------------------------------------------------------

    def actor(self, key: str) -> Actor:
        """The partner a key stands for; ``AuthenticationError`` for anything else."""
        shape = KEY_SHAPE.match(key.strip())
        if shape is None:
            raise AuthenticationError("invalid key")
        key_id, secret = shape.groups()
        with self.pool.connection() as conn:
            row = conn.execute("SELECT tenant, salt, digest, revoked_at FROM control.api_keys"
                               " WHERE key_id = %s", (key_id,)).fetchone()
        salt, digest = (bytes(row["salt"]), bytes(row["digest"])) if row else (b"\0" * 16, b"")
        matches = hmac.compare_digest(self._digest(salt, secret), digest)  # computed either way
        if row is None or not matches or row["revoked_at"] is not None:
            raise AuthenticationError("invalid key")
        self._touch(key_id)
        return Actor(subject=SUBJECT_PREFIX + key_id, tenant=row["tenant"],
                     roles=frozenset({Role.PARTNER}))

    def _digest(self, salt: bytes, secret: str) -> bytes:
        return hmac.new(self.pepper, salt + secret.encode(), hashlib.sha256).digest()

    def _touch(self, key_id: str) -> None:
        """Note when a key was last used (at most once a minute per key and process), so that
        an administrator rotating keys sees whether the old one is still in use."""
        now = time.monotonic()
        if now - self._touched.get(key_id, -TOUCH_EVERY_SECONDS) < TOUCH_EVERY_SECONDS:
            return
        self._touched[key_id] = now
        with self.pool.connection() as conn:
            conn.execute("UPDATE control.api_keys SET last_used_at = now() WHERE key_id = %s",
                         (key_id,))

    def _first_answer(self, tenant: str, label: str, issued_by: str,
                      idempotency_key: str | None) -> IssuedPartnerKey:
        """A retried issue: the key this sender issued the first time, without its secret
        (never stored)."""
        with self.pool.connection() as conn:
            row = conn.execute(
                f"SELECT {_KEY_COLUMNS} FROM control.api_keys WHERE tenant = %s"
                " AND issued_by = %s AND idempotency_key = %s",
                (tenant, issued_by, idempotency_key)).fetchone()
        if row is None:  # a collision of random key ids: vanishingly rare, and safe to report
            raise RuntimeError("a partner key id collided; issue the key again")
        if row["label"] != label:
            msg = f"idempotency key {idempotency_key!r} was first used with a different input"
            raise IdempotencyKeyReusedError(msg, field="idempotencyKey")
        return IssuedPartnerKey(PartnerKey(**row), None)

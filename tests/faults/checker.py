"""What a tenant's log and projections hold, read straight from PostgreSQL (as the cluster's
superuser, beside the service): the admissions stored per idempotency key, and the projection
tables row by row."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql
from strawberry.relay import GlobalID

from faults.writers import Command, Ledger

EVENTS = "register_events"
NOT_PROJECTIONS = (EVENTS, "projection_rebuilds", "read_audit")
"""Tables of a tenant's schema that no projection writes (the log, rebuild marks, the audit)."""
CANDIDACY = ":Member.CandidacyOpened"
RECEIPT = ":CommandReceipt.Issued"

Snapshot = dict[str, list[tuple[Any, ...]]]


@dataclass
class StoredAdmissions:
    """The admissions a log holds, counted by idempotency key and by name."""

    head: int = 0
    receipts_per_key: Counter[str] = field(default_factory=Counter)
    members_per_key: Counter[str] = field(default_factory=Counter)
    members_per_name: Counter[str] = field(default_factory=Counter)
    member_of_key: dict[str, uuid.UUID] = field(default_factory=dict)
    """The member each receipt names (the subject of the command its key was first sent with)."""
    name_of_member: dict[uuid.UUID, str] = field(default_factory=dict)
    last_position_of_member: dict[uuid.UUID, int] = field(default_factory=dict)

    def describe(self, members: set[uuid.UUID]) -> list[tuple[str, str, int]]:
        """Each member's id, name and last position: what a failure shows."""
        return sorted((str(m), self.name_of_member.get(m, "?"),
                       self.last_position_of_member.get(m, 0)) for m in members)


def read_admissions(url: str, schema: str) -> StoredAdmissions:
    """Every admission in the tenant's log: its opening event (name, idempotency key), its
    receipt, and the last position among its member's events."""
    stored = StoredAdmissions()
    events = sql.Identifier(schema, EVENTS)
    with psycopg.connect(url, connect_timeout=10) as conn:
        rows = conn.execute(sql.SQL(
            "SELECT originator_id, topic, convert_from(state, 'UTF8'), notification_id"
            " FROM {} ORDER BY notification_id").format(events)).fetchall()
    for originator, topic, state, position in rows:
        stored.head = max(stored.head, position)
        stored.last_position_of_member[originator] = position
        if topic.endswith(RECEIPT):
            data = json.loads(state)
            stored.receipts_per_key[data["key"]] += 1
            stored.member_of_key[data["key"]] = uuid.UUID(data["subject_id"]["_data_"])
        elif topic.endswith(CANDIDACY):
            data = json.loads(state)
            stored.members_per_key[data["idempotency_key"]] += 1
            stored.members_per_name[data["full_name"]] += 1
            stored.name_of_member[originator] = data["full_name"]
    return stored


def check_exactly_once(stored: StoredAdmissions, ledger: Ledger, sent: dict[str, Command]) -> None:
    """Acknowledged ⊆ stored (once each, as acknowledged); stored ⊆ sent; stored but not
    acknowledged only for keys whose sender retried or gave up."""
    duplicates = {k: n for k, n in stored.receipts_per_key.items() if n != 1}
    assert duplicates == {}, f"keys stored more than once: {duplicates}"
    assert stored.members_per_key == stored.receipts_per_key, "an admission without its receipt"
    assert set(stored.receipts_per_key) <= set(sent), "stored keys that were never sent"
    assert set(ledger.acknowledged) <= set(stored.receipts_per_key), "acknowledged, not stored"
    unacknowledged = set(stored.receipts_per_key) - set(ledger.acknowledged)
    assert unacknowledged <= ledger.retried | ledger.abandoned
    names = {c.name for c in sent.values()}
    assert set(stored.members_per_name) <= names, "members stored that no writer sent"
    twice = {n: k for n, k in stored.members_per_name.items() if k != 1}
    assert twice == {}, f"members stored more than once: {twice}"
    for key, ack in ledger.acknowledged.items():
        member = stored.member_of_key[key]
        assert str(GlobalID("Member", str(member))) == ack.member_id, key
        assert stored.name_of_member[member] == sent[key].name, key
        assert ack.position >= stored.last_position_of_member[member], key


def projection_snapshot(url: str, schema: str) -> Snapshot:
    """Every projection table of the tenant's schema, its rows sorted."""
    taken: Snapshot = {}
    with psycopg.connect(url, connect_timeout=10) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s AND tablename <> ALL(%s)"
            " ORDER BY tablename", (schema, list(NOT_PROJECTIONS))).fetchall()]
        for table in tables:
            rows = conn.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(schema, table)))
            taken[table] = sorted((tuple(row) for row in rows.fetchall()), key=repr)
    return taken


def set_aside(url: str, schema: str) -> dict[str, list[tuple[Any, ...]]]:
    """The events each view of the tenant set aside (its ``*_set_aside`` table), by table."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    with psycopg.connect(url, connect_timeout=10) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s"
            " AND tablename LIKE '%%set_aside' ORDER BY tablename", (schema,)).fetchall()]
        for table in tables:
            rows = conn.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(schema, table)))
            found[table] = [tuple(row) for row in rows.fetchall()]
    return found


def projection_positions(url: str, schema: str) -> dict[str, int]:
    """The position each view's tracking table (``*_tracking``) records for the log."""
    positions: dict[str, int] = {}
    with psycopg.connect(url, connect_timeout=10) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s"
            " AND tablename LIKE '%%tracking' ORDER BY tablename", (schema,)).fetchall()]
        for table in tables:
            row = conn.execute(sql.SQL("SELECT max(notification_id) FROM {}"
                                       " WHERE application_name = 'register'").format(
                sql.Identifier(schema, table))).fetchone()
            positions[table] = row[0] if row else 0
    return positions


def roster_member_ids(url: str, schema: str) -> set[uuid.UUID]:
    with psycopg.connect(url, connect_timeout=10) as conn:
        rows = conn.execute(sql.SQL("SELECT member_id FROM {}").format(
            sql.Identifier(schema, "roster_members"))).fetchall()
    return {r[0] for r in rows}

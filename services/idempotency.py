"""Idempotency keys: a receipt aggregate with a deterministic id, saved with the command's events.

A key is the sender's own: the receipt's id is derived from the sender (the token's subject in
this tenant's register) and the key, so two senders' keys never meet. Nobody learns whether
another sender used a key, and nobody can take a key another sender will use. A retry finds the
sender's receipt and gets the first answer; a racing duplicate collides on the receipt's id and
its whole save is refused by the event store, so it appends nothing.

Receipts stored before keys were the sender's have an id derived from the key alone. They stay
valid for the sender who stored them: a lookup reads both ids in one statement, and a receipt at
the key-only id answers only the sender that issued it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from partyledger.domain.aggregate import RegisterAggregate
from partyledger.domain.errors import IdempotencyKeyReusedError
from partyledger.domain.provenance import current_provenance

_NAMESPACE = uuid5(NAMESPACE_URL, "urn:partyledger:idempotency-key")
_SENDERS_NAMESPACE = uuid5(NAMESPACE_URL, "urn:partyledger:idempotency-key:sender")


def receipt_id(key: str, sender: str) -> UUID:
    """The id of ``sender``'s receipt for ``key``."""
    return uuid5(_SENDERS_NAMESPACE, json.dumps([sender, key], ensure_ascii=False))


def tenant_wide_receipt_id(key: str) -> UUID:
    """Where receipts were stored while keys were shared by the whole tenant (read only)."""
    return uuid5(_NAMESPACE, key)


def fingerprint(command: str, arguments: Mapping[str, Any]) -> str:
    canonical = json.dumps([command, arguments], sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class CommandReceipt(RegisterAggregate):
    """The first outcome of a command sent with an idempotency key."""

    class Issued(RegisterAggregate.Created):
        """Version 2 names who sent the command: only they get its answer replayed."""

        class_version = 2
        key: str
        command: str
        fingerprint: str
        subject_id: UUID
        issued_by: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # every event names who recorded it: the sender of a version 1 receipt
            state["issued_by"] = state.get("recorded_by")

    @event(Issued)
    def __init__(self, *, key: str, command: str, fingerprint: str, subject_id: UUID,
                 issued_by: str | None) -> None:
        self.key = key
        self.command = command
        self.fingerprint = fingerprint
        self.subject_id = subject_id
        self.issued_by = issued_by

    @classmethod
    def issue(cls, *, key: str, command: str, fingerprint: str, subject_id: UUID) -> CommandReceipt:
        sender = current_provenance().recorded_by
        return cls._create(
            cls.Issued, id=receipt_id(key, sender), key=key, command=command,
            fingerprint=fingerprint, subject_id=subject_id, issued_by=sender,
        )

    def sent_by(self, sender: str) -> bool:
        return self.issued_by == sender

    def check_same(self, fingerprint: str) -> None:
        """The same input gets the first answer; a different one under the key is refused."""
        if fingerprint != self.fingerprint:
            msg = f"idempotency key {self.key!r} was first used with a different input"
            raise IdempotencyKeyReusedError(msg, field="idempotencyKey")

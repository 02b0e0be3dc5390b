"""Idempotency keys: a receipt aggregate with a deterministic id, saved with the command's events.

A retry finds the receipt and gets the first answer; a racing duplicate collides on the
receipt's id and its whole save is refused by the event store, so it appends nothing.
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


def receipt_id(key: str) -> UUID:
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
            state["issued_by"] = None

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
        return cls._create(
            cls.Issued, id=receipt_id(key), key=key, command=command, fingerprint=fingerprint,
            subject_id=subject_id, issued_by=current_provenance().recorded_by,
        )

    def check_same(self, fingerprint: str) -> None:
        """The same sender with the same input gets the first answer; anything else is refused
        (another sender learns nothing of the first command)."""
        sender = current_provenance().recorded_by
        if fingerprint != self.fingerprint or self.issued_by not in (None, sender):
            msg = f"idempotency key {self.key!r} was first used with a different input"
            raise IdempotencyKeyReusedError(msg, field="idempotencyKey")

"""The tenant's register: one event-sourced application per tenant, holding its whole log."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder
from opentelemetry import metrics, trace

from partyledger.domain.provenance import current_provenance
from partyledger.services.access import AccessDeniedError, Actor
from partyledger.services.idempotency import CommandReceipt, fingerprint, receipt_id
from partyledger.services.transcodings import register_domain_transcodings

TENANT = "PARTYLEDGER_TENANT"

_tracer = trace.get_tracer("partyledger.services")
_commands = metrics.get_meter("partyledger").create_counter(
    "partyledger.commands", unit="{command}", description="Commands handled, by outcome"
)


@dataclass(frozen=True)
class Outcome:
    """What a command did: the aggregate it created or changed and the log position it reached."""

    subject_id: UUID
    position: int
    replayed: bool = False


class RegisterApplication(Application):  # type: ignore[type-arg]
    name = "register"
    log_section_size = 1000

    @property
    def tenant(self) -> str:
        return self.env.get(TENANT) or self.env.get("POSTGRES_SCHEMA") or "unknown"

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_domain_transcodings(transcoder)

    def execute(
        self, command: str, arguments: Mapping[str, Any], run: Callable[[], list[Aggregate]]
    ) -> Outcome:
        """Run a command once per idempotency key; save everything it changed in one transaction.

        ``run`` checks authority and rules and returns the changed aggregates, the one the
        command is about first. A broken rule raises before anything is saved.
        """
        attributes = {"tenant.id": self.tenant, "command": command}
        with _tracer.start_as_current_span(f"command {command}", attributes=attributes):
            key = current_provenance().idempotency_key
            digest = fingerprint(command, arguments)
            if key and (earlier := self._receipt(key)):
                return self._replay(earlier, digest)
            changed = self.with_consequences(run())
            if key:
                changed.append(CommandReceipt.issue(
                    key=key, command=command, fingerprint=digest, subject_id=changed[0].id
                ))
            try:
                recordings = self.save(*changed)
            except IntegrityError:
                if key and (earlier := self._receipt(key)):
                    return self._replay(earlier, digest)
                raise
            _commands.add(1, {"tenant.id": self.tenant, "command": command})
            position = max(r.notification.id for r in recordings)
            return Outcome(subject_id=changed[0].id, position=position)

    def with_consequences(self, changed: list[Aggregate]) -> list[Aggregate]:
        """What else a command's changes oblige the register to record in the same save (for
        example a cell's roster when a member enters or leaves it). None by default."""
        return changed

    def _receipt(self, key: str) -> CommandReceipt | None:
        try:
            receipt: CommandReceipt = self.repository.get(receipt_id(key))
        except AggregateNotFoundError:
            return None
        return receipt

    def _replay(self, receipt: CommandReceipt, digest: str) -> Outcome:
        receipt.check_same(digest)
        position = self.recorder.max_notification_id() or 0
        return Outcome(subject_id=receipt.subject_id, position=position, replayed=True)

    def check_tenant(self, actor: Actor) -> None:
        """Credentials of another tenant never act on this register (wall in depth: the web layer
        already picks the register from the credentials)."""
        if actor.tenant != self.tenant:
            raise AccessDeniedError("these credentials belong to another tenant")

    def get_or_none(self, aggregate_id: UUID, kind: type[Aggregate]) -> Any:
        try:
            aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return aggregate if isinstance(aggregate, kind) else None

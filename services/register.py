"""The tenant's register: one event-sourced application per tenant, holding its whole log."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, project_aggregate
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder
from opentelemetry import metrics, trace

from partyledger.domain.errors import DomainError
from partyledger.domain.provenance import current_provenance
from partyledger.domain.values import IdempotencyKey
from partyledger.services.access import AccessDeniedError, Actor
from partyledger.services.conflicts import CONFLICT_RETRIES
from partyledger.services.idempotency import (
    CommandReceipt,
    fingerprint,
    receipt_id,
    tenant_wide_receipt_id,
)
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


PageKey = tuple[UUID, int, int | None]
"""(originator, after version, at most): a page of one stream; (id, 0, None) is all of it."""


@runtime_checkable
class ManyStreamsRecorder(Protocol):
    """A recorder that reads the events of many originators in one statement (infra's)."""

    def select_events_of(self, originator_ids: Sequence[UUID], *, gt: int | None = None,
                         limit: int | None = None) -> Sequence[Any]: ...


@dataclass(frozen=True)
class Held:
    """Aggregates (``None``: known not to exist) and stream pages already read for a request."""

    aggregates: Mapping[UUID, Any] = field(default_factory=dict)
    pages: Mapping[PageKey, Sequence[Any]] = field(default_factory=dict)

    def __or__(self, other: Held) -> Held:
        return Held({**self.aggregates, **other.aggregates}, {**self.pages, **other.pages})


_held: ContextVar[Held | None] = ContextVar("partyledger_held", default=None)


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
        command is about first. A broken rule raises before anything is saved. A save refused
        because a concurrent command changed the same aggregates first runs the command again
        (``CONFLICT_RETRIES``).
        """
        attributes = {"tenant.id": self.tenant, "command": command}
        with _tracer.start_as_current_span(f"command {command}", attributes=attributes) as span, \
                self.holding(None):  # a command loads afresh, whatever a read held
            if (key := current_provenance().idempotency_key) is not None:
                IdempotencyKey.parse(key, field="idempotencyKey")  # whoever calls, it is stored
            for pause in CONFLICT_RETRIES.pauses():
                try:
                    return self._attempt(command, arguments, run)
                except IntegrityError:
                    span.add_event("conflict")
                    time.sleep(pause)
            try:
                return self._attempt(command, arguments, run)
            except IntegrityError:
                raise CONFLICT_RETRIES.exhausted(command) from None

    def _attempt(
        self, command: str, arguments: Mapping[str, Any], run: Callable[[], list[Aggregate]]
    ) -> Outcome:
        """Authority first: ``run`` is checked before the sender's receipt is looked up, so a
        refusal (``AccessDeniedError``) never depends on an earlier answer. A broken rule yields
        to the receipt, though: a retried step may already have happened."""
        key = current_provenance().idempotency_key
        digest = fingerprint(command, arguments)
        try:
            changed, broken = run(), None
        except DomainError as error:
            changed, broken = [], error
        if key and (earlier := self._receipt(key)):
            return self._replay(earlier, digest)
        if broken is not None:
            raise broken
        changed = self.with_consequences(changed)
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
        """The current sender's receipt for ``key``: at its own id, or at the tenant-wide id of
        a receipt stored before keys were the sender's, if this sender issued it."""
        sender = current_provenance().recorded_by
        own, shared = receipt_id(key, sender), tenant_wide_receipt_id(key)
        found = self.aggregates([own, shared])
        for receipt in (found[own], found[shared]):
            if isinstance(receipt, CommandReceipt) and receipt.sent_by(sender):
                return receipt
        return None

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
        held = _held.get()
        if held is not None and aggregate_id in held.aggregates:
            aggregate = held.aggregates[aggregate_id]
        else:
            try:
                aggregate = self.repository.get(aggregate_id)
            except AggregateNotFoundError:
                return None
        return aggregate if isinstance(aggregate, kind) else None

    # -- reads in batches: a page of a list costs the same statements whatever its size ----------

    def aggregates(self, aggregate_ids: Sequence[UUID]) -> dict[UUID, Any]:
        """Many aggregates as they now stand, read together (``None`` for an id that names none)."""
        streams = self.stream_pages(aggregate_ids)
        return {i: project_aggregate(None, events) if events else None
                for i, events in streams.items()}

    def stream_pages(
        self, originator_ids: Sequence[UUID], *, after: int = 0, first: int | None = None
    ) -> dict[UUID, list[Any]]:
        """Each originator's events after version ``after`` (at most ``first``), in order: one
        statement for all of them where the recorder can, else one per originator."""
        pages: dict[UUID, list[Any]] = defaultdict(list)
        recorder = self.recorder
        if isinstance(recorder, ManyStreamsRecorder):
            stored = recorder.select_events_of(originator_ids, gt=after or None, limit=first)
        else:
            stored = [e for i in dict.fromkeys(originator_ids)
                      for e in recorder.select_events(i, gt=after or None, limit=first)]
        for event in stored:
            pages[event.originator_id].append(self.mapper.to_domain_event(event))
        return {i: pages[i] for i in originator_ids}

    def stream_page(
        self, originator_id: UUID, *, after: int = 0, first: int | None = None
    ) -> list[Any]:
        """One originator's events after version ``after`` (at most ``first``): as held for this
        read, else one statement."""
        held = _held.get()
        key = (originator_id, after, first)
        if held is not None and key in held.pages:
            return list(held.pages[key])
        return [self.mapper.to_domain_event(e) for e in
                self.recorder.select_events(originator_id, gt=after or None, limit=first)]

    @contextmanager
    def holding(self, held: Held | None) -> Iterator[None]:
        """Within this block (this thread or task), reads find ``held`` instead of asking the
        event store: what a request's loaders have read for the whole page at once. For reads
        only; commands load afresh."""
        token = _held.set(held)
        try:
            yield
        finally:
            _held.reset(token)

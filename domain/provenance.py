"""Who recorded an event, in which request, under which idempotency key.

Set once per request (a context variable) so that every event a command triggers carries it;
no command method can forget it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Provenance:
    recorded_by: str
    correlation_id: str
    causation_id: str | None = None
    idempotency_key: str | None = None

    @classmethod
    def system(cls, name: str = "system") -> Provenance:
        return cls(recorded_by=name, correlation_id=str(uuid.uuid4()))


_current: ContextVar[Provenance | None] = ContextVar("partyledger_provenance", default=None)


def current_provenance() -> Provenance:
    provenance = _current.get()
    if provenance is None:
        msg = "no provenance is set: events are recorded only inside recorded_by(...)"
        raise LookupError(msg)
    return provenance


@contextmanager
def recorded_by(provenance: Provenance) -> Iterator[Provenance]:
    token = _current.set(provenance)
    try:
        yield provenance
    finally:
        _current.reset(token)


@contextmanager
def idempotency_key(key: str | None) -> Iterator[None]:
    """Narrow the current provenance to one command's idempotency key."""
    token = _current.set(replace(current_provenance(), idempotency_key=key))
    try:
        yield
    finally:
        _current.reset(token)

"""Base aggregate and event classes that stamp provenance on every event."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate

from partyledger.domain.provenance import current_provenance


def _provenance_fields() -> dict[str, Any]:
    p = current_provenance()
    return {
        "recorded_by": p.recorded_by,
        "correlation_id": p.correlation_id,
        "causation_id": p.causation_id,
        "idempotency_key": p.idempotency_key,
    }


class RegisterAggregate(Aggregate):
    """An aggregate of the register. The event ``timestamp`` is the recorded time."""

    class Event(Aggregate.Event):
        recorded_by: str
        correlation_id: str
        causation_id: str | None
        idempotency_key: str | None

    class Created(Event, Aggregate.Created):
        pass

    @classmethod
    def _create(cls, event_class: Any, *, id: Any = None, **kwargs: Any) -> Any:  # noqa: A002
        return super()._create(event_class, id=id, **kwargs, **_provenance_fields())

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None:
        super().trigger_event(event_class, **kwargs, **_provenance_fields())

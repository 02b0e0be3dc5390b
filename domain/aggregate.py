"""Base aggregate and event classes that stamp provenance on every event."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate

from partyledger.domain.provenance import current_provenance
from partyledger.domain.values import check_recordable


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
        _check_recordable(kwargs)
        return super()._create(event_class, id=id, **kwargs, **_provenance_fields())

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None:
        _check_recordable(kwargs)
        super().trigger_event(event_class, **kwargs, **_provenance_fields())


def _check_recordable(attributes: dict[str, Any]) -> None:
    """Every new event passes ``check_recordable``; events read back from the store do not (they
    are not created here), so what an older release stored still loads."""
    for name, value in attributes.items():
        head, *rest = name.split("_")
        check_recordable(value, field=head + "".join(part.title() for part in rest))

"""Bring a view up to date with its application's notification log, in batches."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from eventsourcing.application import Application

BATCH_SIZE = 1000


class View(Protocol):
    """A read model that records the log position it reached with its rows."""

    def position(self) -> int: ...

    def process(self, events: Iterable[tuple[int, Any]]) -> int: ...


def catch_up(app: Application, view: View, *, batch_size: int = BATCH_SIZE) -> int:  # type: ignore[type-arg]
    """Process every notification after the view's position; return the position reached.

    Notification ids can have permanent holes (a failed insert burns sequence values), so the
    view follows the highest id it has seen, never a count.
    """
    position = view.position()
    while True:
        notifications = app.recorder.select_notifications(
            start=position, limit=batch_size, inclusive_of_start=False
        )
        if not notifications:
            return position
        events = ((n.id, app.mapper.to_domain_event(n)) for n in notifications)
        position = view.process(events)

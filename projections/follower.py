"""Bring a view up to date with its application's notification log, in batches."""

from __future__ import annotations

from eventsourcing.application import Application

from partyledger.projections.roster import RosterView

BATCH_SIZE = 1000


def catch_up(app: Application, view: RosterView, *, batch_size: int = BATCH_SIZE) -> int:  # type: ignore[type-arg]
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

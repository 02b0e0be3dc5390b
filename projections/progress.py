"""Read-your-writes: wait until a tenant's projections have reached a log position.

The projector announces each committed batch here, so a waiting request wakes within
microseconds of the projection catching up, instead of on eventsourcing's 100 ms poll.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class ProjectionProgress:
    def __init__(self) -> None:
        self._positions: dict[str, int] = {}
        self._changed = threading.Condition()

    def advance(self, tenant: str, position: int) -> None:
        with self._changed:
            if position > self._positions.get(tenant, 0):
                self._positions[tenant] = position
                self._changed.notify_all()

    def position(self, tenant: str) -> int:
        """The last position announced for ``tenant`` (0 before any)."""
        return self._positions.get(tenant, 0)

    def wait_for(
        self, tenant: str, position: int, *, timeout: float, read_position: Callable[[], int]
    ) -> bool:
        """True once ``tenant``'s projections have reached ``position``; False on time-out.

        ``read_position`` asks the database, for progress made by another process; it is
        consulted first and then every 50 ms while waiting.
        """
        self.advance(tenant, read_position())
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._positions.get(tenant, 0) < position:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                if not self._changed.wait(min(left, 0.05)):
                    self.advance(tenant, read_position())  # the condition's lock is re-entrant
        return True

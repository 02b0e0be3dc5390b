"""Read-your-writes: wait until a tenant's projections have reached a log position.

The projector announces each committed batch here from its own thread; a waiting request is an
``asyncio.Event`` on its event loop, set with ``call_soon_threadsafe`` within microseconds of
the projection catching up. A wait holds no worker thread, so waits cannot starve the requests
that need one; the database is asked (in a worker thread, briefly) only to begin and, for
progress made by another process, at most once per ``poll_seconds`` per tenant.

A wait is bounded three ways: a position beyond the log's head is refused before any waiting,
each waiter (a client) may hold ``max_waits`` waits at once, and a wait gives up after its
timeout, answering how far the projections got.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

ReadPosition = Callable[[], Awaitable[int]]


class PositionBeyondLogError(Exception):
    """The position is past the tenant's last event: no write ever returned it."""

    def __init__(self, position: int, head: int) -> None:
        super().__init__(f"position {position} is beyond the log's head {head}")
        self.position, self.head = position, head


class TooManyWaitsError(Exception):
    """The waiter already holds as many waits as it may at once."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"at most {limit} waits for a position at once")
        self.limit = limit


@dataclass(frozen=True)
class Reached:
    """What a wait found: the position asked for, the one the projections had reached when it
    answered, and the seconds spent waiting (0 when no wait was needed)."""

    requested: int
    projected: int
    waited: float = 0.0

    @property
    def stale(self) -> bool:
        return self.projected < self.requested


@dataclass(eq=False)
class _Waiter:
    position: int
    loop: asyncio.AbstractEventLoop
    woken: asyncio.Event = field(default_factory=asyncio.Event)

    def wake(self) -> None:
        try:
            self.loop.call_soon_threadsafe(self.woken.set)
        except RuntimeError:  # its loop has closed: nobody is waiting any more
            pass


class ProjectionProgress:
    def __init__(self, *, max_waits: int = 4, poll_seconds: float = 0.25) -> None:
        self.max_waits, self.poll_seconds = max_waits, poll_seconds
        self._positions: dict[str, int] = {}
        self._waiters: dict[str, set[_Waiter]] = {}
        self._held: Counter[str] = Counter()
        self._polled: dict[str, float] = {}
        self._lock = threading.Lock()

    def advance(self, tenant: str, position: int) -> None:
        """Announce that ``tenant``'s projections reached ``position`` (from any thread)."""
        with self._lock:
            if position <= self._positions.get(tenant, 0):
                return
            self._positions[tenant] = position
            due = [w for w in self._waiters.get(tenant, ()) if w.position <= position]
        for waiter in due:
            waiter.wake()

    def position(self, tenant: str) -> int:
        """The last position announced for ``tenant`` (0 before any)."""
        return self._positions.get(tenant, 0)

    async def wait_for(
        self, tenant: str, position: int, *, waiter: str, timeout: float,
        read_position: ReadPosition, read_head: ReadPosition,
    ) -> Reached:
        """Once ``tenant``'s projections reach ``position``, or after ``timeout`` seconds.

        ``read_position`` asks the database how far the projections are, ``read_head`` where
        the log ends; the head is read only when the position is not reached yet, after the
        write that returned it committed, so such a position is never refused.

        Raises TooManyWaitsError when ``waiter`` already holds ``max_waits`` waits, and
        PositionBeyondLogError for a position past the log's head.
        """
        if self.position(tenant) >= position:
            return Reached(position, self.position(tenant))
        with self._slot(waiter):
            self.advance(tenant, await read_position())
            if self.position(tenant) >= position:
                return Reached(position, self.position(tenant))
            head = await read_head()
            if position > head:
                raise PositionBeyondLogError(position, head)
            started = time.monotonic()
            await self._until(tenant, position, started + timeout, read_position)
            return Reached(position, self.position(tenant), time.monotonic() - started)

    async def _until(self, tenant: str, position: int, deadline: float,
                     read_position: ReadPosition) -> None:
        waiter = _Waiter(position, asyncio.get_running_loop())
        with self._lock:
            self._waiters.setdefault(tenant, set()).add(waiter)
        try:
            while self.position(tenant) < position:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                try:
                    await asyncio.wait_for(waiter.woken.wait(), min(left, self.poll_seconds))
                except TimeoutError:
                    await self._poll(tenant, read_position)
        finally:
            with self._lock:
                waiters = self._waiters.get(tenant, set())
                waiters.discard(waiter)
                if not waiters:
                    self._waiters.pop(tenant, None)

    async def _poll(self, tenant: str, read_position: ReadPosition) -> None:
        """Progress made by another process: one waiter of the tenant asks per interval."""
        now = time.monotonic()
        if now - self._polled.get(tenant, float("-inf")) < self.poll_seconds:
            return
        self._polled[tenant] = now
        self.advance(tenant, await read_position())

    @contextmanager
    def _slot(self, waiter: str) -> Iterator[None]:
        with self._lock:
            if self._held[waiter] >= self.max_waits:
                raise TooManyWaitsError(self.max_waits)
            self._held[waiter] += 1
        try:
            yield
        finally:
            with self._lock:
                self._held[waiter] -= 1
                if not self._held[waiter]:
                    del self._held[waiter]

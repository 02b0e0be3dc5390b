"""Each client's cost budget over time, in this process: a token bucket per subject and tenant.

A bucket holds up to ``capacity`` cost points and refills at ``capacity / per_seconds`` a
second; a query is let through when the bucket holds its whole cost, and only then charged.
A cost known only afterwards (time spent waiting for a position) is charged whatever the bucket
holds: below 0 it is a debt that the refill pays off before the next query is let through.
Behind several processes each keeps its own buckets (a shared store would be the next step).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from partyledger.graphql.limits import Throttle


@dataclass
class _Bucket:
    level: float
    at: float


class CostBudgets:
    """Implements ``partyledger.graphql.limits.CostBudget``."""

    def __init__(self, capacity: int, per_seconds: float, *, max_clients: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity, self.rate = capacity, capacity / per_seconds
        self.max_clients, self.clock = max_clients, clock
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def spend(self, client: str, cost: int) -> Throttle:
        return self._take(client, cost, always=False)

    def charge(self, client: str, cost: int) -> Throttle:
        return self._take(client, cost, always=True)

    def _take(self, client: str, cost: int, *, always: bool) -> Throttle:
        with self._lock:
            now = self.clock()
            bucket = self._buckets.get(client) or self._new_bucket(now)
            bucket.level = min(self.capacity, bucket.level + (now - bucket.at) * self.rate)
            bucket.at = now
            allowed = always or cost <= bucket.level
            if allowed:
                bucket.level -= cost
            self._buckets[client] = bucket
            wait = 0.0 if allowed else (min(cost, self.capacity) - bucket.level) / self.rate
            return Throttle(allowed=allowed, maximum_available=self.capacity,
                            currently_available=math.floor(bucket.level),
                            restore_rate=round(self.rate, 3), retry_after_seconds=wait)

    def _new_bucket(self, now: float) -> _Bucket:
        if len(self._buckets) >= self.max_clients:
            self._forget_full(now)
        return _Bucket(self.capacity, now)

    def _forget_full(self, now: float) -> None:
        """A full bucket is the same as none: drop those (or, failing that, the oldest half)."""
        full = [c for c, b in self._buckets.items()
                if b.level + (now - b.at) * self.rate >= self.capacity]
        if not full:
            full = sorted(self._buckets, key=lambda c: self._buckets[c].at)[: self.max_clients // 2]
        for client in full:
            del self._buckets[client]

"""Blocking work awaited with a deadline, one run at a time.

``/health`` must answer within a second even while the database hangs. Its reads block, so
they run in a thread the caller stops waiting for at the deadline; callers that come while a
run is under way wait for that run instead of starting another, so a database that never
answers holds one thread however often the probe asks.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Generic, TypeVar

T = TypeVar("T")


class SharedRun(Generic[T]):
    def __init__(self, work: Callable[[], T], *, name: str) -> None:
        self._work = work
        self._name = name
        self._lock = threading.Lock()
        self._running: Future[T] | None = None

    async def within(self, seconds: float) -> T | None:
        """The result of the run under way or of a new one; None if it takes longer than
        ``seconds`` (it goes on, and a caller after it ends starts afresh)."""
        future = asyncio.wrap_future(self._run())
        done, _ = await asyncio.wait({future}, timeout=seconds)
        if not done:
            future.add_done_callback(lambda late: late.cancelled() or late.exception())
            return None
        return future.result()

    def _run(self) -> Future[T]:
        with self._lock:
            if self._running is None or self._running.done():
                self._running = Future()
                threading.Thread(target=self._complete, args=(self._running,), name=self._name,
                                 daemon=True).start()
            return self._running

    def _complete(self, future: Future[T]) -> None:
        try:
            future.set_result(self._work())
        except BaseException as error:  # noqa: BLE001 - handed to whoever awaits the run
            future.set_exception(error)

"""Read-your-writes waits: woken on the event loop by the projector's announcement (from its own
thread), bounded per waiter, refused past the log's head, and honest when they time out."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable

import pytest

from partyledger.projections.progress import (
    PositionBeyondLogError,
    ProjectionProgress,
    Reached,
    TooManyWaitsError,
)


def constant(value: int, asked: list[int] | None = None) -> Callable[[], Awaitable[int]]:
    async def read() -> int:
        if asked is not None:
            asked.append(value)
        return value

    return read


def wait(progress: ProjectionProgress, position: int, *, timeout: float = 30.0,
         projected: int = 0, head: int = 100, waiter: str = "hanoi\x1fan") -> Awaitable[Reached]:
    return progress.wait_for("hanoi", position, waiter=waiter, timeout=timeout,
                             read_position=constant(projected), read_head=constant(head))


def test_a_waiting_query_wakes_when_the_projector_announces_the_position() -> None:
    progress = ProjectionProgress(poll_seconds=60.0)  # the database never shows the progress

    async def scenario() -> Reached:
        waiting = asyncio.create_task(wait(progress, 10, projected=3))
        while not progress._waiters:
            await asyncio.sleep(0.001)
        announcer = threading.Thread(target=progress.advance, args=("hanoi", 10))
        announcer.start()
        reached = await asyncio.wait_for(waiting, 30.0)
        announcer.join()
        return reached

    reached = asyncio.run(scenario())
    assert reached.projected == 10 and not reached.stale and reached.waited < 30.0


def test_a_wait_gives_up_after_its_timeout_says_it_is_stale_and_other_tenants_do_not_count() \
        -> None:
    progress = ProjectionProgress(poll_seconds=0.05)
    progress.advance("hue", 50)
    started = time.monotonic()
    reached = asyncio.run(wait(progress, 10, timeout=0.12, projected=4))
    assert time.monotonic() - started >= 0.12
    assert (reached.requested, reached.projected, reached.stale) == (10, 4, True)
    assert reached.waited >= 0.12


def test_a_position_already_projected_answers_at_once_without_waiting() -> None:
    progress = ProjectionProgress()
    assert asyncio.run(wait(progress, 7, timeout=0.0, projected=9)) == Reached(7, 9, 0.0)
    assert asyncio.run(wait(progress, 9, projected=0, head=0)) == Reached(9, 9, 0.0)


def test_a_position_beyond_the_head_is_refused_before_any_wait() -> None:
    progress = ProjectionProgress()
    heads: list[int] = []
    with pytest.raises(PositionBeyondLogError):
        asyncio.run(progress.wait_for("hanoi", 101, waiter="w", timeout=30.0,
                                      read_position=constant(4), read_head=constant(100, heads)))
    assert heads == [100]


def test_the_head_is_not_read_when_the_position_is_projected() -> None:
    progress = ProjectionProgress()
    heads: list[int] = []
    reached = asyncio.run(progress.wait_for("hanoi", 5, waiter="w", timeout=30.0,
                                            read_position=constant(5),
                                            read_head=constant(0, heads)))
    assert not reached.stale and heads == []


def test_a_waiter_holds_at_most_its_limit_of_waits_and_gets_them_back() -> None:
    progress = ProjectionProgress(max_waits=2, poll_seconds=60.0)

    async def scenario() -> None:
        held = [asyncio.create_task(wait(progress, 10 + i)) for i in range(2)]
        while sum(len(w) for w in progress._waiters.values()) < 2:
            await asyncio.sleep(0.001)
        with pytest.raises(TooManyWaitsError):
            await wait(progress, 20)
        other = asyncio.create_task(wait(progress, 20, waiter="hanoi\x1fbinh"))
        progress.advance("hanoi", 20)
        assert all(not r.stale for r in await asyncio.gather(*held, other))
        assert (await wait(progress, 30, timeout=0.0)).stale  # the slots came back

    asyncio.run(scenario())
    assert not progress._held and not progress._waiters

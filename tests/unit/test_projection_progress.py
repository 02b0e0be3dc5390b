"""Read-your-writes waits wake on the projector's announcement, not on polling the database."""

from __future__ import annotations

import threading

from partyledger.projections.progress import ProjectionProgress


def test_a_waiting_query_wakes_when_the_projector_announces_the_position() -> None:
    progress = ProjectionProgress()
    answers: list[bool] = []
    polls: list[int] = []

    def database_position() -> int:  # the database never shows the progress here
        polls.append(1)
        return 3

    waiter = threading.Thread(target=lambda: answers.append(
        progress.wait_for("hanoi", 10, timeout=30.0, read_position=database_position)))
    waiter.start()
    while not polls:
        threading.Event().wait(0.001)
    progress.advance("hanoi", 10)
    waiter.join(timeout=30.0)
    assert answers == [True]


def test_a_wait_gives_up_after_its_timeout_and_other_tenants_do_not_count() -> None:
    progress = ProjectionProgress()
    progress.advance("hue", 50)
    assert progress.wait_for("hanoi", 10, timeout=0.12, read_position=lambda: 0) is False
    assert progress.wait_for("hue", 50, timeout=0.0, read_position=lambda: 0) is True


def test_a_position_already_in_the_database_answers_at_once() -> None:
    progress = ProjectionProgress()
    assert progress.wait_for("hanoi", 7, timeout=0.0, read_position=lambda: 9) is True

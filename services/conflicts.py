"""The command pipeline's one retry policy for optimistic-concurrency conflicts.

Two commands that change one aggregate at once (founding two organisations under one parent,
entering two members on one cell's roster) both load it at the same version; the event store
keeps the first save and refuses the second whole, so nothing of it is written. The refused
command runs again on what is recorded now, its rules checked afresh, after a pause that grows
and is drawn at random so that the racers spread out. A conflict that outlives every attempt is
answered with a code that tells the caller to send the command again.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from partyledger.domain.errors import DomainError


class ConcurrentUpdateError(DomainError):
    """Other commands kept changing what this one changes; nothing of it was written."""

    code = "CONCURRENT_UPDATE"


@dataclass(frozen=True)
class ConflictRetries:
    """``attempts`` runs at most; before each rerun a pause drawn from zero to a ceiling that
    starts at ``first_pause`` seconds and doubles up to ``longest_pause`` (full jitter)."""

    attempts: int = 16
    first_pause: float = 0.005
    longest_pause: float = 0.2

    def pauses(self) -> Iterator[float]:
        """The pause before each rerun: one fewer than the attempts."""
        ceiling = self.first_pause
        for _ in range(self.attempts - 1):
            yield random.uniform(0, ceiling)
            ceiling = min(ceiling * 2, self.longest_pause)

    @staticmethod
    def exhausted(command: str) -> ConcurrentUpdateError:
        return ConcurrentUpdateError(
            f"{command} conflicted with other changes saved at the same time and wrote nothing; "
            "send it again with the same idempotency key"
        )


CONFLICT_RETRIES = ConflictRetries()

"""A member's record as of a date: valid time (effective dates) and transaction time (recorded).

The record is rebuilt from the member's own events: those effective on or before ``as_of`` and,
when ``known_at`` is given, recorded by then. A back-dated event recorded later changes answers
"as of" its date, but not answers "as known" before it was recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any


def record_as_of(events: Iterable[Any], as_of: date, known_at: datetime | None = None) -> Any | None:
    """The aggregate as it stood, or None when the record had not been opened by then."""
    member = None
    for event in events:
        if event.effective_on > as_of or (known_at is not None and event.timestamp > known_at):
            continue
        if member is None:
            member = event.mutate(None)
            continue
        # Skipping later-effective events leaves gaps in versions: apply without the check.
        event.apply(member)
        member._version = event.originator_version  # noqa: SLF001
    return member

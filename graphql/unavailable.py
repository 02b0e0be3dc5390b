"""Which failures mean "the database cannot be reached now, try again": DATABASE_UNAVAILABLE.

A lost or refused connection, a pool with none to lend, a server shutting down or starting up:
the request did nothing wrong and may be retried as it was. psycopg raises these as
``OperationalError`` (eventsourcing's recorders wrap them in their own, the psycopg error as
its cause); a statement cancelled or a lock not granted are operational errors too, but not
an outage, so only connection-level ones count.
"""

from __future__ import annotations

import psycopg

CODE = "DATABASE_UNAVAILABLE"
MESSAGE = "The database is unavailable; nothing was done. Retry shortly."
RETRY_AFTER_SECONDS = 1
RETRY = {"retryAfterSeconds": RETRY_AFTER_SECONDS}
"""Beside the code, as RATE_LIMITED says when to come back."""
_SERVER_GOING = frozenset({"57P01", "57P02", "57P03", "53300"})
"""admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections"""


def database_unavailable(error: BaseException | None) -> bool:
    """Whether ``error``, or anything it was raised from, is a connection-level failure."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, psycopg.OperationalError):
            state = error.sqlstate
            if state is None or state.startswith("08") or state in _SERVER_GOING:
                return True
        error = error.__cause__ or error.__context__
    return False

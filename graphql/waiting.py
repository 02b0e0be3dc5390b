"""Read-your-writes in GraphQL: the ``waitForPosition`` argument of the roster and tree queries.

A query given a mutation's ``position`` answers once the tenant's projections reach it, or when
the wait limit runs out, with what they hold then. Whichever it was, the response says so in
``extensions.freshness``: ``requestedPosition``, ``projectedPosition`` and ``stale`` (true when
the projections had not reached the position). The wait holds no worker thread; its time is
charged to the client's cost budget afterwards (see ``limits``). Refused at once:
a position beyond the tenant's log (BAD_USER_INPUT, ``reason`` POSITION_BEYOND_LOG) and a wait
above the client's limit of waits at once (RATE_LIMITED, ``reason`` TOO_MANY_WAITS).
"""

from collections.abc import Sequence
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError

from partyledger.graphql.context import Ledger
from partyledger.projections.progress import PositionBeyondLogError, Reached, TooManyWaitsError

MAX_DIGITS = 19  # a notification id is a bigint: a longer number is past any log's head

WaitForPosition = Annotated[str | None, strawberry.argument(description=(
    "A mutation's `position`: answer only once it is projected, waiting 5 s at most. The time "
    "waited is charged to the cost budget, 1 point per 10 ms (`extensions.cost.waitCost`); a "
    "client may hold 4 waits at once, more are RATE_LIMITED. A position beyond the tenant's log "
    "is refused at once (BAD_USER_INPUT, `reason` POSITION_BEYOND_LOG). The response's "
    "`extensions.freshness` gives `requestedPosition`, `projectedPosition` and `stale`: true "
    "when the wait ran out first, the answer then older than the write."))]


async def await_position(context: Ledger, position: str | None) -> None:
    """Wait as ``waitForPosition`` asks, and keep what was reached for the response."""
    if position is None:
        return
    if not (position.isascii() and position.isdigit()):
        raise _bad_input("a position a mutation returned, a whole number of 0 or more",
                         "NOT_A_POSITION")
    try:
        reached = await context.wait_for_position(
            int(position) if len(position) <= MAX_DIGITS else 2**63)
    except PositionBeyondLogError:
        raise _bad_input("beyond the end of the tenant's log; pass a `position` a mutation "
                         "returned", "POSITION_BEYOND_LOG") from None
    except TooManyWaitsError as refused:
        raise GraphQLError(
            f"waitForPosition: at most {refused.limit} queries of one client may wait at once; "
            "retry once one has answered",
            extensions={"code": "RATE_LIMITED", "reason": "TOO_MANY_WAITS"}) from None
    context.waits.append(reached)


def _bad_input(message: str, reason: str) -> GraphQLError:
    return GraphQLError(f"waitForPosition: {message}", extensions={
        "code": "BAD_USER_INPUT", "field": ["waitForPosition"], "reason": reason})


def freshness(waits: Sequence[Reached]) -> dict[str, Any] | None:
    """``extensions.freshness`` of a response whose fields waited (None when none did): the
    highest position asked for, the lowest any of them answered at; strings, as mutations
    return positions."""
    if not waits:
        return None
    return {"requestedPosition": str(max(w.requested for w in waits)),
            "projectedPosition": str(min(w.projected for w in waits)),
            "stale": any(w.stale for w in waits)}

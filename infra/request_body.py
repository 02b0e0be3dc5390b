"""The JSON body of a GraphQL request, decoded within bounds or refused as the client's error.

Invalid UTF-8, numbers out of range and nesting deeper than any input of the schema needs are
the client's mistakes (400), never a failure of the server: Python's own JSON decoder raises
``UnicodeDecodeError`` or ``RecursionError`` for them, which would surface as a plain 500.
"""

from __future__ import annotations

from typing import Any

import msgspec

MAX_DEPTH = 32
"""Objects and arrays nested at most this deep: a request for the deepest input nests far less."""
TOO_DEEP = f"The body nests objects or arrays deeper than {MAX_DEPTH} levels."


class BodyRefusedError(ValueError):
    """The body is not JSON this service reads; the message says why, for the client."""


def decode_body(data: bytes | str) -> Any:
    """The body's JSON value; ``BodyRefusedError`` when it is not UTF-8 JSON nested at most
    ``MAX_DEPTH`` deep."""
    try:
        value = msgspec.json.decode(data)
    except msgspec.DecodeError as error:  # malformed, not UTF-8, or a number out of range
        raise BodyRefusedError(f"The body is not JSON in UTF-8: {error}.") from None
    except RecursionError:  # the decoder's own limit, far deeper than ours
        raise BodyRefusedError(TOO_DEEP) from None
    if _deeper_than(value, MAX_DEPTH):
        raise BodyRefusedError(TOO_DEEP)
    return value


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether containers nest deeper than ``limit`` in ``value`` (walked without recursion)."""
    pending = [(value, 1)] if isinstance(value, dict | list) else []
    while pending:
        container, depth = pending.pop()
        if depth > limit:
            return True
        children = container.values() if isinstance(container, dict) else container
        pending.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False

"""Opaque global IDs ("Member:<uuid>" in base64) and keyset cursors."""

import base64
import json
import unicodedata
from typing import Any
from uuid import UUID

from strawberry import relay

from partyledger.graphql.errors import BadInputError


def to_global_id(type_name: str, value: UUID) -> relay.GlobalID:
    return relay.GlobalID(type_name, str(value))


def uuid_of(global_id: relay.GlobalID, type_name: str, field: str) -> UUID:
    if global_id.type_name != type_name:
        raise BadInputError(f"{field}: expected the ID of a {type_name}")
    try:
        return UUID(global_id.node_id)
    except ValueError:
        raise BadInputError(f"{field}: not a valid {type_name} ID") from None


def encode_cursor(*keys: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps([str(k) for k in keys]).encode()).decode()


# A cursor key longer than this, or a number with more digits, was never given out.
_MAX = 1024
_MAX_DIGITS = 18


def decode_cursor(cursor: str, size: int) -> list[str]:
    """The keys of a cursor this register gave out; anything else is BAD_USER_INPUT, before a
    forged key (a NUL, a lone surrogate, a huge number) reaches the database."""
    try:
        keys = json.loads(base64.urlsafe_b64decode(cursor.encode())) if len(cursor) < _MAX else 0
    except ValueError:
        keys = None
    if not isinstance(keys, list) or len(keys) != size or not all(map(_storable, keys)):
        raise _not_a_cursor("after")
    return [str(k) for k in keys]


def cursor_number(key: str, field: str = "after") -> int:
    """A whole-number key of a cursor (a version, an entry id), within PostgreSQL's bigint."""
    if not (key.isascii() and key.isdigit()) or len(key) > _MAX_DIGITS:
        raise _not_a_cursor(field)
    return int(key)


def _storable(key: object) -> bool:
    """A text PostgreSQL can compare: no NUL, no lone surrogate."""
    return isinstance(key, str) and len(key) <= _MAX and not any(
        c == "\x00" or unicodedata.category(c) == "Cs" for c in key)


def _not_a_cursor(field: str) -> BadInputError:
    return BadInputError(f"{field}: not a cursor this list gave out", field=[field],
                         reason="NOT_A_CURSOR")

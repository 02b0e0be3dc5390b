"""Opaque global IDs ("Member:<uuid>" in base64) and keyset cursors."""

import base64
import json
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


def decode_cursor(cursor: str, size: int) -> list[str]:
    try:
        keys = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except ValueError:
        keys = None
    if not isinstance(keys, list) or len(keys) != size:
        raise BadInputError("after: not a cursor this list gave out")
    return [str(k) for k in keys]

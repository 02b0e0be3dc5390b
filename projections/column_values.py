"""Text from events as the read tables can hold it.

The log keeps whatever was recorded, including values recorded before the input contracts
refused them: a NUL character (PostgreSQL text cannot hold one) or a name of a megabyte (an
index entry holds about 2.7 kB). The views store such a name without its NULs and index only a
bounded prefix of its folded form, rather than set the event aside: the roster still shows the
member, and every name a person can have is far shorter than the bound.
"""

from __future__ import annotations

from partyledger.domain.names import fold_name

FOLDED_NAME_LENGTH = 200
"""Characters of a folded name that the roster keeps for searching and ordering (at most four
bytes each: well inside an index entry, with the cell and member ids beside it)."""


def text(value: str) -> str:
    """``value`` without NUL characters."""
    return value.replace("\x00", "") if "\x00" in value else value


def folded(full_name: str) -> str:
    """The folded name the roster searches and orders by."""
    return fold_name(text(full_name))[:FOLDED_NAME_LENGTH]

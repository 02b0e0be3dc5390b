"""Where a view's tables are: the live ones, or those a rebuild builds beside them.

A rebuild fills tables named like the live ones with ``REBUILD_PREFIX`` in front (their indexes
too), in the same schema, while the tenant is served from the live tables and the projector
keeps those current. ``swap`` then replaces the live tables by the rebuilt ones in one
transaction, tracking table included: readers see the old tables or the new, never a mix, and
a rebuild that fails or is killed before the swap leaves the live tables as they were.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from psycopg import Cursor
from psycopg.sql import SQL, Identifier

REBUILD_PREFIX = "rebuild_"
SWAP_LOCK_TIMEOUT = "3s"
_CREATED = re.compile(r"CREATE (?:UNLOGGED )?TABLE IF NOT EXISTS \{s\}\.(\w+)")


@dataclass(frozen=True)
class Tables:
    """Names of a view's tables and indexes: as they are (``prefix`` empty), or a rebuild's."""

    prefix: str = ""

    def name(self, table: str) -> str:
        return self.prefix + table

    def text(self, statement: str) -> str:
        """``statement`` (tables written ``{s}.table``) on these tables."""
        return _prefixed(statement, self.prefix) if self.prefix else statement


@cache
def _prefixed(statement: str, prefix: str) -> str:
    statement = re.sub(r"\{s\}\.(\w+)", rf"{{s}}.{prefix}\1", statement)
    return re.sub(r"(INDEX IF NOT EXISTS )(\w+)", rf"\1{prefix}\2", statement)


def created_tables(statements: Sequence[str]) -> tuple[str, ...]:
    """The tables ``statements`` create (their names as written, without a prefix)."""
    return tuple(m.group(1) for s in statements if (m := _CREATED.search(s)))


def drop(curs: Cursor[Any], schema: str, tables: Sequence[str]) -> None:
    curs.execute(SQL("DROP TABLE IF EXISTS {}").format(
        SQL(", ").join(Identifier(schema, t) for t in tables)))


def swap(curs: Cursor[Any], schema: str, tables: Sequence[str]) -> None:
    """In the open transaction: drop the live ``tables`` and give the rebuilt ones (and their
    indexes) the live names. The rebuilt tables must all exist."""
    live = _existing(curs, schema, tables)
    # every lock in one statement before any change: readers wait for the swap as a whole, and
    # not long behind a long read it would wait for (it fails instead, to be tried again)
    curs.execute(f"SET LOCAL lock_timeout = '{SWAP_LOCK_TIMEOUT}'")
    curs.execute(SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(SQL(", ").join(
        Identifier(schema, t) for t in [*(REBUILD_PREFIX + t for t in tables), *live])))
    drop(curs, schema, tables)
    for table in tables:
        curs.execute(SQL("ALTER TABLE {} RENAME TO {}").format(
            Identifier(schema, REBUILD_PREFIX + table), Identifier(table)))
    curs.execute(
        "SELECT i.relname AS index FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
        " JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace"
        " WHERE n.nspname = %s AND t.relname = ANY(%s) AND starts_with(i.relname, %s)",
        (schema, list(tables), REBUILD_PREFIX))
    for row in curs.fetchall():
        curs.execute(SQL("ALTER INDEX {} RENAME TO {}").format(
            Identifier(schema, row["index"]), Identifier(row["index"][len(REBUILD_PREFIX):])))


def _existing(curs: Cursor[Any], schema: str, tables: Sequence[str]) -> set[str]:
    """Which of ``tables`` exist in ``schema``."""
    curs.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s AND tablename = ANY(%s)",
                 (schema, list(tables)))
    return {r["tablename"] for r in curs.fetchall()}

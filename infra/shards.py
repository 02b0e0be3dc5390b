"""One connection pool per database shard, shared by every tenant placed on it.

eventsourcing opens a pool per application (six connections each); with one application per
tenant that exhausts PostgreSQL after a few dozen tenants. The pools here are process-wide so
the persistence factory, which eventsourcing builds from an environment mapping, can find them
by DSN; they ignore ``close()`` because the library closes its datastore's pool whenever any one
application object is collected. Connections are autocommit, and are lent acting as the login
role, whatever role their last borrower acted as (``act_as``).
"""

from __future__ import annotations

import threading
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row
from psycopg.sql import SQL, Identifier
from psycopg_pool import ConnectionPool


def _configure(conn: psycopg.Connection[Any]) -> None:
    conn.autocommit = True
    conn.execute("SET idle_in_transaction_session_timeout = '5s'")


_ACTING_AS = "_partyledger_acting_as"
_set_role: dict[str, bytes] = {}


def act_as(conn: psycopg.Connection[Any], role: str) -> None:
    """``SET ROLE`` on a connection borrowed from a ``SharedPool``, until it goes back."""
    statement = _set_role.get(role)
    if statement is None:
        statement = SQL("SET ROLE {}").format(Identifier(role)).as_bytes()
        _set_role[role] = statement
    setattr(conn, _ACTING_AS, role)  # first: should SET ROLE half-fail, the reset still runs
    conn.execute(statement, prepare=False)


class SharedPool(ConnectionPool[psycopg.Connection[Any]]):
    """A pool that outlives the applications using it; ``shutdown()`` really closes it.

    A connection comes back acting as the login role: one that ``act_as`` gave another role is
    ``RESET ROLE`` on its way back (after any transaction it was left in is rolled back), or
    closed, and so replaced, if that fails. In the borrower's thread, not the pool's workers:
    a ``reset`` callback would hand every return to a worker, which measured slower.
    """

    def putconn(self, conn: psycopg.Connection[Any]) -> None:
        if getattr(conn, _ACTING_AS, None) is not None and not conn.closed:
            try:
                if conn.info.transaction_status != TransactionStatus.IDLE:
                    conn.rollback()
                conn.execute(b"RESET ROLE", prepare=False)
                setattr(conn, _ACTING_AS, None)
            except Exception:  # noqa: BLE001 - whatever went wrong, the role must not stay
                conn.close()
        super().putconn(conn)

    def close(self, timeout: float = 5.0) -> None:
        """Ignored: the pool belongs to the shard, not to whoever calls this."""

    def shutdown(self, timeout: float = 5.0) -> None:
        super().close(timeout)


_pools: dict[str, SharedPool] = {}
_lock = threading.Lock()


def shard_pool(dsn: str, *, size: int = 8, application_name: str = "partyledger") -> SharedPool:
    """The process's pool for ``dsn``, opened on first use with at most ``size`` connections."""
    with _lock:
        pool = _pools.get(dsn)
        if pool is None or pool.closed:
            pool = SharedPool(
                dsn,
                kwargs={"row_factory": dict_row, "application_name": application_name},
                min_size=1,
                max_size=size,
                configure=_configure,
                open=False,
                name=f"shard:{application_name}",
                timeout=30.0,
            )
            pool.open(wait=True, timeout=30.0)
            _pools[dsn] = pool
        return pool


def shutdown_pools() -> None:
    with _lock:
        for pool in _pools.values():
            pool.shutdown()
        _pools.clear()

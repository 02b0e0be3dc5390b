"""One connection pool per database shard, shared by every tenant placed on it.

eventsourcing opens a pool per application (six connections each); with one application per
tenant that exhausts PostgreSQL after a few dozen tenants. The pools here are process-wide so
the persistence factory, which eventsourcing builds from an environment mapping, can find them
by DSN; they ignore ``close()`` because the library closes its datastore's pool whenever any one
application object is collected.
"""

from __future__ import annotations

import threading
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool


def _configure(conn: psycopg.Connection[Any]) -> None:
    conn.autocommit = True
    conn.execute("SET idle_in_transaction_session_timeout = '5s'")


class SharedPool(ConnectionPool[psycopg.Connection[Any]]):
    """A pool that outlives the applications using it; ``shutdown()`` really closes it."""

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

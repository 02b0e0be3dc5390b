"""One connection pool per database shard, shared by every tenant placed on it.

eventsourcing opens a pool per application (six connections each); with one application per
tenant that exhausts PostgreSQL after a few dozen tenants. The pools here are process-wide so
the persistence factory, which eventsourcing builds from an environment mapping, can find them
by DSN; they ignore ``close()`` because the library closes its datastore's pool whenever any one
application object is collected. Connections are autocommit, and are lent acting as the login
role, whatever role their last borrower acted as (``act_as``).

A database that is down is answered fast: a connection is waited for at most the checkout
timeout; when none came, one direct attempt tells a busy pool from an unreachable server, and
for the next second every checkout fails at once with the reason (``DatabaseUnavailableError``)
instead of queueing, so requests and ``/health`` report the outage instead of hanging. A pool
gives up reconnecting a slot after a few seconds (not psycopg_pool's five minutes of growing
back-off) and grows again on demand, so it is whole again as soon as the server is back; a
connection idle for a second or more is tried before it is lent, so one that a restart cut
reaches no request.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from time import monotonic
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus
from psycopg.rows import dict_row
from psycopg.sql import SQL, Identifier
from psycopg_pool import ConnectionPool, PoolTimeout

from partyledger.infra.reachability import DatabaseUnavailableError, probe


@dataclass(frozen=True)
class PoolTimeouts:
    """``checkout``: seconds a borrower waits for a connection; ``connect``: seconds a new
    connection may take (libpq counts at least 2)."""

    checkout: float = 5.0
    connect: int = 3


_timeouts = PoolTimeouts()
RECHECK_SECONDS = 1.0
"""While a shard is known down, checkouts fail at once; one of them tries again this often."""
IDLE_CHECK_SECONDS = 1.0
"""A connection idle longer than this is tried before it is lent."""
_IDLE_SINCE = "_partyledger_idle_since"


def configure_pools(timeouts: PoolTimeouts) -> None:
    """Timeouts for every shard pool, those open already included."""
    global _timeouts  # noqa: PLW0603 - the pools are process-wide, so are their timeouts
    with _lock:
        _timeouts = timeouts
        for pool in _pools.values():
            pool.timeout = timeouts.checkout
            pool.reconnect_timeout = 2.0 * timeouts.connect
            pool.kwargs["connect_timeout"] = timeouts.connect


def _configure(conn: psycopg.Connection[Any]) -> None:
    conn.autocommit = True
    conn.execute("SET idle_in_transaction_session_timeout = '5s'")
    setattr(conn, _IDLE_SINCE, monotonic())


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

    def __init__(self, conninfo: str, **kwargs: Any) -> None:
        super().__init__(conninfo, **kwargs)
        self._outage_lock = threading.Lock()
        self._outage: str | None = None  # why the server could not be reached, when it could not
        self._outage_checked_at = 0.0

    @property
    def outage(self) -> str | None:
        """Why the server could not be reached at the last attempt; None while it answers."""
        return self._outage

    def getconn(self, timeout: float | None = None) -> psycopg.Connection[Any]:
        """A connection, or ``DatabaseUnavailableError`` (at once while the server is known
        down); ``PoolTimeout`` only when the server answers but every connection is busy.

        One that was idle a while is tried first (an empty statement): a server restarted
        meanwhile has cut it, and the borrower gets a fresh one instead of the error.
        """
        for _ in range(self.max_size):
            conn = self._lend(timeout)
            if monotonic() - getattr(conn, _IDLE_SINCE, 0.0) < IDLE_CHECK_SECONDS:
                return conn
            try:
                self.check_connection(conn)
            except psycopg.OperationalError:
                self.putconn(conn)  # broken: the server is tried, dead connections dropped
                continue
            return conn
        return self._lend(timeout)

    def _lend(self, timeout: float | None) -> psycopg.Connection[Any]:
        self._refuse_while_down()
        try:
            return super().getconn(timeout)
        except PoolTimeout:
            if self._recheck() is None:
                raise
            raise DatabaseUnavailableError(self._outage) from None

    def _refuse_while_down(self) -> None:
        if self._outage is None:
            return
        if not self._claim_recheck():
            raise DatabaseUnavailableError(self._outage)
        if self._recheck() is not None:
            raise DatabaseUnavailableError(self._outage)
        self.check()  # back: drop connections the outage broke before anyone borrows them

    def _claim_recheck(self) -> bool:
        """Whether this caller is the one to try the server now (once a second at most)."""
        with self._outage_lock:
            if monotonic() - self._outage_checked_at < RECHECK_SECONDS:
                return False
            self._outage_checked_at = monotonic()
            return True

    def _recheck(self) -> str | None:
        outage = probe(str(self.conninfo), connect_timeout=_timeouts.connect)
        with self._outage_lock:
            self._outage, self._outage_checked_at = outage, monotonic()
        return outage

    def putconn(self, conn: psycopg.Connection[Any]) -> None:
        if getattr(conn, _ACTING_AS, None) is not None and not conn.closed:
            try:
                if conn.info.transaction_status != TransactionStatus.IDLE:
                    conn.rollback()
                conn.execute(b"RESET ROLE", prepare=False)
                setattr(conn, _ACTING_AS, None)
            except Exception:  # noqa: BLE001 - whatever went wrong, the role must not stay
                conn.close()
        broken = conn.closed or conn.info.transaction_status == TransactionStatus.UNKNOWN
        setattr(conn, _IDLE_SINCE, monotonic())
        super().putconn(conn)
        if broken and not self.closed and self._claim_recheck() and self._recheck() is None:
            self.check()  # the server restarted: drop its other dead connections now

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
            # a server that cannot be reached is reported at once, with its reason
            outage = probe(dsn, connect_timeout=_timeouts.connect)
            if outage is not None:
                raise DatabaseUnavailableError(outage)
            pool = SharedPool(
                dsn,
                kwargs={"row_factory": dict_row, "application_name": application_name,
                        "connect_timeout": _timeouts.connect},
                min_size=1,
                max_size=size,
                configure=_configure,
                open=False,
                name=f"shard:{application_name}",
                timeout=_timeouts.checkout,
                reconnect_timeout=2.0 * _timeouts.connect,
            )
            try:
                pool.open(wait=True, timeout=_timeouts.checkout)
            except PoolTimeout:
                pool.shutdown()
                msg = f"no connection within {_timeouts.checkout:g} s"
                raise DatabaseUnavailableError(msg) from None
            _pools[dsn] = pool
        return pool


def shutdown_pools() -> None:
    with _lock:
        for pool in _pools.values():
            pool.shutdown()
        _pools.clear()


def drain_pools() -> None:
    """Replace every pool's connections with new ones (one checked out, once it is returned):
    what is set up as a connection opens (statement tracing) then holds for all of them."""
    with _lock:
        for pool in _pools.values():
            pool.drain()

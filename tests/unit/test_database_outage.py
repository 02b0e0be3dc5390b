"""Which database failures are an outage (DATABASE_UNAVAILABLE, retry) and how their cause is
told in one line."""

from __future__ import annotations

import psycopg
import pytest
from eventsourcing.persistence import OperationalError as PersistenceOperationalError
from psycopg import errors
from psycopg_pool import PoolTimeout

from partyledger.graphql.unavailable import database_unavailable
from partyledger.infra.reachability import DatabaseUnavailableError, reason, where


def wrapped(error: Exception) -> PersistenceOperationalError:
    """As eventsourcing's recorders raise it."""
    try:
        raise PersistenceOperationalError(str(error)) from error
    except PersistenceOperationalError as outer:
        return outer


@pytest.mark.parametrize("error", [
    psycopg.OperationalError("consuming input failed: server closed the connection unexpectedly"),
    PoolTimeout("couldn't get a connection after 5.00 sec"),
    DatabaseUnavailableError("connection refused"),
    errors.AdminShutdown("terminating connection due to administrator command"),
    errors.CannotConnectNow("the database system is starting up"),
    wrapped(DatabaseUnavailableError("connection refused")),
])
def test_lost_refused_or_starting_connections_are_an_outage(error: Exception) -> None:
    assert database_unavailable(error)


@pytest.mark.parametrize("error", [
    errors.QueryCanceled("canceling statement due to statement timeout"),
    errors.LockNotAvailable("could not obtain lock"),
    errors.UniqueViolation("duplicate key"),
    wrapped(errors.QueryCanceled("canceling statement due to statement timeout")),
    ValueError("not a database error"),
    None,
])
def test_other_failures_are_not_an_outage(error: Exception | None) -> None:
    assert not database_unavailable(error)


@pytest.mark.parametrize("message, cause", [
    ('connection failed: connection to server at "127.0.0.1", port 1 failed: Connection refused'
     "\n\tIs the server running on that host and accepting TCP/IP connections?",
     "connection refused"),
    ('connection failed: connection to server at "127.0.0.1", port 5432 failed: FATAL:  database'
     ' "so_dang_vien" does not exist', 'database "so_dang_vien" does not exist'),
    ("couldn't get a connection after 5.00 sec", "couldn't get a connection after 5.00 sec"),
])
def test_the_cause_of_a_connection_failure_is_one_line(message: str, cause: str) -> None:
    assert reason(psycopg.OperationalError(message)) == cause


def test_where_names_the_server_and_never_the_password() -> None:
    assert where("postgresql://an:bi-mat@db.example:6432/so_dang_vien") == "db.example:6432"
    assert where("postgresql://postgres@/x?host=/run/pg") == "the socket in /run/pg"
    assert where("dbname=x") == "localhost:5432"

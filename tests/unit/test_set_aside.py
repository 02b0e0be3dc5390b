"""Which failures set an event aside, and the reason recorded: short, without the values."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors
from psycopg_pool import PoolTimeout

from partyledger.projections.column_values import FOLDED_NAME_LENGTH, folded, text
from partyledger.projections.set_aside import REASON_LENGTH, lies_in_the_events, reason


@pytest.mark.parametrize("error", [
    psycopg.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes"),
    errors.ProgramLimitExceeded("index row requires 11480 bytes, maximum size is 8191"),
    errors.NumericValueOutOfRange("integer out of range"),
    errors.NotNullViolation("null value in column"),
    KeyError("cell_id"), TypeError("unsupported operand"), ValueError("not a date"),
])
def test_a_failure_caused_by_the_events_sets_them_aside(error: Exception) -> None:
    assert lies_in_the_events(error)


@pytest.mark.parametrize("error", [
    psycopg.OperationalError("server closed the connection unexpectedly"),
    PoolTimeout("couldn't get a connection after 30.00 sec"),
    errors.QueryCanceled("canceling statement due to statement timeout"),
    errors.LockNotAvailable("could not obtain lock"),
    errors.SerializationFailure("could not serialize access"),
    errors.InsufficientPrivilege("permission denied for table roster_members"),
    errors.UndefinedTable("relation does not exist"),
    psycopg.InterfaceError("the connection is closed"),
    MemoryError(),
])
def test_a_failure_elsewhere_is_raised_and_sets_nothing_aside(error: Exception) -> None:
    assert not lies_in_the_events(error)


def test_a_reason_names_the_failure_without_the_values_involved() -> None:
    said = reason(errors.InvalidTextRepresentation(
        'invalid input syntax for type uuid: "Nguyễn Văn An"\nCONTEXT: COPY roster_members'))
    assert said == "InvalidTextRepresentation: invalid input syntax for type uuid: …"
    assert "Nguyễn" not in reason(ValueError("name 'Nguyễn\x00Văn' refused"))
    assert "\x00" not in reason(ValueError("Nguyễn\x00Văn"))
    assert len(reason(ValueError("x" * 10_000))) == REASON_LENGTH


def test_names_are_stored_without_nul_and_indexed_by_a_bounded_prefix() -> None:
    assert text("Nguyễn\x00Văn An") == "NguyễnVăn An"
    assert folded("Nguyễn\x00 Văn An") == "nguyen van an"
    assert len(folded("Lê Thị " + "a" * (1 << 20))) == FOLDED_NAME_LENGTH

"""Whether a PostgreSQL server answers, and why not, in one line an operator can act on.

libpq's messages run over several lines and start with the library's framing
(``connection failed: connection to server at "127.0.0.1", port 1 failed: Connection
refused`` and a hint); what an operator needs is where and the cause: ``127.0.0.1:1:
connection refused``.
"""

from __future__ import annotations

import psycopg
from psycopg.conninfo import conninfo_to_dict


class DatabaseUnavailableError(psycopg.OperationalError):
    """The database cannot be reached now; the message is the reason, in one line.

    A psycopg ``OperationalError``, so whatever already treats a lost connection as transient
    (eventsourcing's recorders, the projector) treats this the same way.
    """


def where(conninfo: str) -> str:
    """``host:port`` (or the socket directory) of a connection string, never its password."""
    try:
        params = conninfo_to_dict(conninfo)
    except psycopg.ProgrammingError:
        return "an unreadable address"
    host = str(params.get("host") or "localhost")
    port = str(params.get("port") or "5432")
    return f"the socket in {host}" if host.startswith("/") else f"{host}:{port}"


def reason(error: BaseException) -> str:
    """The cause of a connection failure in one line: ``connection refused``,
    ``database "x" does not exist``, ``timeout expired``..."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = lines[0] if lines else type(error).__name__
    for prefix in ("connection failed: ", "connection is bad: "):
        text = text.removeprefix(prefix)
    text = text.rpartition(" failed: ")[2] or text
    text = text.removeprefix("FATAL:").strip()
    return text[:1].lower() + text[1:]


def probe(conninfo: str, *, connect_timeout: int) -> str | None:
    """Open and close one connection: None when the server answers, else why it does not."""
    try:
        with psycopg.connect(conninfo, connect_timeout=connect_timeout, autocommit=True) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as error:
        return reason(error)
    return None

"""Opening the configured database, checked first: a wrong ``PARTYLEDGER_DATABASE_URL`` (another
scheme, a refused port, a missing database) ends a command within seconds with its cause in one
line, instead of a pool waiting out its timeout and a traceback that hides why."""

from __future__ import annotations

import psycopg
from psycopg.conninfo import conninfo_to_dict

from partyledger.infra.database import resolve_database
from partyledger.infra.reachability import probe, where
from partyledger.infra.settings import Settings
from partyledger.infra.shards import PoolTimeouts, configure_pools
from partyledger.infra.tenants import TenantDirectory

SCHEMES = ("postgresql", "postgres")


class StartupError(Exception):
    """The service or a command cannot start; the message says why, in one line."""


def check_database_url(url: str, *, connect_timeout: int,
                       setting: str = "PARTYLEDGER_DATABASE_URL") -> None:
    """A PostgreSQL URL (or ``key=value`` connection string) whose server answers."""
    scheme, separator, _ = url.partition("://")
    if separator and scheme.lower() not in SCHEMES:
        raise StartupError(f"{setting} must be a postgresql:// URL, got {scheme}://…")
    try:
        conninfo_to_dict(url)
    except psycopg.ProgrammingError:  # its message quotes the URL, password included
        raise StartupError(f"{setting} is not a valid connection string") from None
    outage = probe(url, connect_timeout=connect_timeout)
    if outage is not None:
        raise StartupError(f"cannot connect to PostgreSQL at {where(url)}: {outage}")


def open_database(settings: Settings) -> TenantDirectory:
    """The tenant directory on the configured (or embedded) database, its URL checked first."""
    database = settings.database
    configure_pools(PoolTimeouts(database.checkout_timeout, database.connect_timeout))
    if database.url:
        check_database_url(database.url, connect_timeout=database.connect_timeout)
    if database.admin_url:
        check_database_url(database.admin_url, connect_timeout=database.connect_timeout,
                           setting="PARTYLEDGER_ADMIN_DATABASE_URL")
    return resolve_database(settings)

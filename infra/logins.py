"""The two logins the process may hold: an administrator's, for provisioning only, and the
service's own, for everything else (docs/SECURITY.md, "The database wall").

``PARTYLEDGER_ADMIN_DATABASE_URL`` names the administrator's login, ``PARTYLEDGER_DATABASE_URL``
the service's. Zero setup still works: without either, the embedded server's superuser
provisions and the service logs in as ``SERVICE_LOGIN``; with only a URL whose login may create
roles (a superuser, as ``make run`` and CI give), that URL provisions and the service logs in as
``SERVICE_LOGIN`` on the same server and database, without a password (trust or peer
authentication, or a line of its own in ``~/.pgpass``). A URL whose login may not create roles is
the service's own: that process then cannot create or upgrade tenants.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

SERVICE_LOGIN = "partyledger_service"
"""The service's login when it is derived from an administrator's URL."""


@dataclass(frozen=True)
class Logins:
    """``service``: the DSN the service's pools use; ``admin``: the DSN provisioning uses, or
    None when this process may not provision."""

    service: str
    admin: str | None


def as_login(dsn: str, login: str) -> str:
    """``dsn`` with ``login`` as its user and no password of its own."""
    params = conninfo_to_dict(dsn)
    params.pop("password", None)
    params["user"] = login
    return make_conninfo(**params)


def login_of(dsn: str) -> str:
    """The user ``dsn`` logs in as: the one it names, else libpq's default."""
    user = conninfo_to_dict(dsn).get("user") or os.environ.get("PGUSER") or getpass.getuser()
    return str(user)


def may_provision(dsn: str, *, connect_timeout: int = 5) -> bool:
    """Whether ``dsn`` logs in as a role that may create roles (a superuser, or CREATEROLE)."""
    with psycopg.connect(dsn, connect_timeout=connect_timeout, autocommit=True) as conn:
        row = conn.execute("SELECT rolsuper OR rolcreaterole FROM pg_roles"
                           " WHERE rolname = current_user").fetchone()
    return bool(row and row[0])


def split_logins(url: str | None, admin_url: str | None, *, connect_timeout: int = 5) -> Logins:
    """The service's and the administrator's DSNs for the given URLs (the embedded server's URL
    comes in as ``admin_url``)."""
    if admin_url:
        return Logins(url or as_login(admin_url, SERVICE_LOGIN), admin_url)
    if url is None:
        raise ValueError("a database URL is needed")
    if may_provision(url, connect_timeout=connect_timeout):
        return Logins(as_login(url, SERVICE_LOGIN), url)
    return Logins(url, None)

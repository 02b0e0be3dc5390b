"""Which PostgreSQL the process uses, and as whom: PARTYLEDGER_DATABASE_URL and
PARTYLEDGER_ADMIN_DATABASE_URL, or the embedded server (``logins`` tells the two logins apart)."""

from __future__ import annotations

from typing import Any

from partyledger.infra.embedded_postgres import start_embedded_postgres
from partyledger.infra.logins import Logins, split_logins
from partyledger.infra.settings import Settings
from partyledger.infra.tenants import TenantDirectory

_embedded: list[Any] = []  # keeps the embedded server's handle alive for the process


def database_logins(settings: Settings) -> Logins:
    """The service's DSN and, when this process may provision, the administrator's: the
    embedded server's superuser when no URL is configured."""
    database = settings.database
    url, admin_url = database.url, database.admin_url
    if not url and not admin_url:
        admin_url, server = start_embedded_postgres(database.data_dir)
        _embedded.append(server)
    return split_logins(url, admin_url, connect_timeout=database.connect_timeout)


def resolve_database(settings: Settings) -> TenantDirectory:
    """The tenant directory on the configured database (one shard, ``main``), installed: the
    service's pools log in as the service's login, provisioning as the administrator's."""
    logins = database_logins(settings)
    directory = TenantDirectory(
        {"main": logins.service}, pool_size=settings.database.pool_size,
        application_name=settings.database.application_name,
        admin_shards={"main": logins.admin} if logins.admin else {},
    )
    directory.install()
    return directory

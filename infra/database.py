"""Which PostgreSQL the process uses: PARTYLEDGER_DATABASE_URL, or the embedded server."""

from __future__ import annotations

from typing import Any

from partyledger.infra.embedded_postgres import start_embedded_postgres
from partyledger.infra.settings import Settings
from partyledger.infra.tenants import TenantDirectory

_embedded: list[Any] = []  # keeps the embedded server's handle alive for the process


def database_url(settings: Settings) -> str:
    if settings.database.url:
        return settings.database.url
    url, server = start_embedded_postgres(settings.database.data_dir)
    _embedded.append(server)
    return url


def resolve_database(settings: Settings) -> TenantDirectory:
    """The tenant directory on the configured database (one shard, ``main``), installed."""
    directory = TenantDirectory(
        {"main": database_url(settings)}, pool_size=settings.database.pool_size,
        application_name=settings.database.application_name,
    )
    directory.install()
    return directory

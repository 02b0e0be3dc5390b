"""Settings as frozen dataclasses, read from the environment only when the app is built."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class DatabaseSettings:
    """``url`` names an external PostgreSQL; without it an embedded one runs in ``data_dir``."""

    url: str | None
    data_dir: Path
    pool_size: int = 8
    application_name: str = "partyledger"
    checkout_timeout: float = 5.0
    """Seconds a request waits for a pooled connection before it is refused."""
    connect_timeout: int = 3
    """Seconds a new connection may take (PostgreSQL's client counts at least 2)."""
    admin_url: str | None = None
    """An administrator's login that provisions (tenants, their roles and schemas, upgrades);
    ``url`` is then the service's own login (``infra/logins.py``)."""


@dataclass(frozen=True)
class AuthSettings:
    issuer: str
    audience: str
    public_keys_pem: tuple[str, ...]
    dev_key_path: Path
    token_ttl_seconds: int = 8 * 3600


@dataclass(frozen=True)
class GraphQLSettings:
    """Production turns off the IDE, introspection, suggestions and GET; the limits apply always.

    A connection costs ``first`` (``default_page_size`` when not given) times its children; a
    request above ``max_cost`` is refused, and each client (token subject in its tenant) may
    spend ``cost_budget`` per ``cost_budget_seconds``, restored continuously.
    """

    production: bool
    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 2000
    max_directives: int = 4
    max_field_repeats: int = 3
    max_cost: int = 5000
    default_page_size: int = 20
    cost_budget: int = 50_000
    cost_budget_seconds: float = 60.0
    projection_wait_seconds: float = 5.0


@dataclass(frozen=True)
class PartnerSettings:
    """Partner keys: their secrets are stored as HMAC-SHA256 under ``key_pepper`` (changing it
    invalidates every key issued before); counts below ``minimum_cell_size`` are suppressed for
    partners in every tenant that has not set its own."""

    key_pepper: str = field(default="", repr=False)
    minimum_cell_size: int = 5


@dataclass(frozen=True)
class Settings:
    database: DatabaseSettings
    auth: AuthSettings
    graphql: GraphQLSettings
    host: str = "127.0.0.1"
    port: int = 8000
    extra: Mapping[str, str] = field(default_factory=dict)
    partners: PartnerSettings = field(default_factory=PartnerSettings)


class SettingsError(ValueError):
    """A setting the service refuses to start with; the message names it and what it accepts."""


ENVIRONMENTS = ("development", "production")


def is_production(env: Mapping[str, str]) -> bool:
    """``PARTYLEDGER_ENV``, in any case and spacing; anything but the two names is refused, so
    a misspelt production never quietly runs with development's trust and tools."""
    raw = env.get("PARTYLEDGER_ENV", "development")
    name = raw.strip().lower()
    if name not in ENVIRONMENTS:
        raise SettingsError(f"PARTYLEDGER_ENV must be 'development' or 'production', got {raw!r}")
    return name == "production"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    home = Path(env.get("PARTYLEDGER_HOME", Path.cwd() / ".partyledger"))
    keys = tuple(
        Path(p).read_text() for p in env.get("PARTYLEDGER_JWT_PUBLIC_KEYS", "").split(os.pathsep) if p
    )
    return Settings(
        database=DatabaseSettings(
            url=env.get("PARTYLEDGER_DATABASE_URL") or None,
            admin_url=env.get("PARTYLEDGER_ADMIN_DATABASE_URL") or None,
            data_dir=Path(env.get("PARTYLEDGER_DATA_DIR", home / "pgdata")),
            pool_size=int(env.get("PARTYLEDGER_POOL_SIZE", "8")),
            checkout_timeout=float(env.get("PARTYLEDGER_POOL_TIMEOUT", "5")),
            connect_timeout=int(env.get("PARTYLEDGER_CONNECT_TIMEOUT", "3")),
        ),
        auth=AuthSettings(
            issuer=env.get("PARTYLEDGER_JWT_ISSUER", "partyledger"),
            audience=env.get("PARTYLEDGER_JWT_AUDIENCE", "partyledger-api"),
            public_keys_pem=keys,
            dev_key_path=Path(env.get("PARTYLEDGER_DEV_KEY", home / "dev-signing-key.pem")),
        ),
        graphql=_graphql_settings(env),
        host=env.get("PARTYLEDGER_HOST", "127.0.0.1"),
        port=int(env.get("PARTYLEDGER_PORT", "8000")),
        partners=_partner_settings(env),
    )


def _partner_settings(env: Mapping[str, str]) -> PartnerSettings:
    """``PARTYLEDGER_API_KEY_PEPPER`` (or a file named by ``PARTYLEDGER_API_KEY_PEPPER_FILE``)
    and ``PARTYLEDGER_MINIMUM_CELL_SIZE``."""
    pepper_file = env.get("PARTYLEDGER_API_KEY_PEPPER_FILE")
    pepper = Path(pepper_file).read_text().strip() if pepper_file else env.get("PARTYLEDGER_API_KEY_PEPPER", "")
    return PartnerSettings(key_pepper=pepper,
                           minimum_cell_size=int(env.get("PARTYLEDGER_MINIMUM_CELL_SIZE", "5")))


def _graphql_settings(env: Mapping[str, str]) -> GraphQLSettings:
    """``PARTYLEDGER_GRAPHQL_<FIELD>`` overrides a limit, e.g. ``PARTYLEDGER_GRAPHQL_MAX_COST``."""
    defaults = GraphQLSettings(production=is_production(env))
    overrides: dict[str, Any] = {}
    for item in fields(GraphQLSettings):
        raw = env.get(f"PARTYLEDGER_GRAPHQL_{item.name.upper()}")
        if item.name != "production" and raw:
            overrides[item.name] = type(getattr(defaults, item.name))(raw)
    return replace(defaults, **overrides)

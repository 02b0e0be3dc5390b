"""Settings as frozen dataclasses, read from the environment only when the app is built."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class DatabaseSettings:
    """``url`` names an external PostgreSQL; without it an embedded one runs in ``data_dir``."""

    url: str | None
    data_dir: Path
    pool_size: int = 8
    application_name: str = "partyledger"


@dataclass(frozen=True)
class AuthSettings:
    issuer: str
    audience: str
    public_keys_pem: tuple[str, ...]
    dev_key_path: Path
    token_ttl_seconds: int = 8 * 3600


@dataclass(frozen=True)
class GraphQLSettings:
    production: bool
    max_depth: int = 12
    projection_wait_seconds: float = 5.0


@dataclass(frozen=True)
class Settings:
    database: DatabaseSettings
    auth: AuthSettings
    graphql: GraphQLSettings
    host: str = "127.0.0.1"
    port: int = 8000
    extra: Mapping[str, str] = field(default_factory=dict)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    home = Path(env.get("PARTYLEDGER_HOME", Path.cwd() / ".partyledger"))
    keys = tuple(
        Path(p).read_text() for p in env.get("PARTYLEDGER_JWT_PUBLIC_KEYS", "").split(os.pathsep) if p
    )
    return Settings(
        database=DatabaseSettings(
            url=env.get("PARTYLEDGER_DATABASE_URL") or None,
            data_dir=Path(env.get("PARTYLEDGER_DATA_DIR", home / "pgdata")),
            pool_size=int(env.get("PARTYLEDGER_POOL_SIZE", "8")),
        ),
        auth=AuthSettings(
            issuer=env.get("PARTYLEDGER_JWT_ISSUER", "partyledger"),
            audience=env.get("PARTYLEDGER_JWT_AUDIENCE", "partyledger-api"),
            public_keys_pem=keys,
            dev_key_path=Path(env.get("PARTYLEDGER_DEV_KEY", home / "dev-signing-key.pem")),
        ),
        graphql=GraphQLSettings(production=env.get("PARTYLEDGER_ENV", "development") == "production"),
        host=env.get("PARTYLEDGER_HOST", "127.0.0.1"),
        port=int(env.get("PARTYLEDGER_PORT", "8000")),
    )

"""HTTP → GraphQL fixtures: the Litestar app on the test database, tokens, spans in memory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from partyledger.infra.app import create_app
from partyledger.infra.auth import load_or_create_dev_key, mint_token
from partyledger.infra.settings import Settings, load_settings
from partyledger.infra.tenants import TenantDirectory
from partyledger.services.access import Role

GraphQL = Callable[..., dict[str, Any]]


@pytest.fixture(scope="session")
def spans() -> InMemorySpanExporter:
    """Installed before any app is built; the app then keeps this provider."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return exporter


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    home = tmp_path_factory.mktemp("home")
    return load_settings({"PARTYLEDGER_HOME": str(home), "PARTYLEDGER_ENV": "development"})


@pytest.fixture
def client(
    settings: Settings, directory: TenantDirectory, spans: InMemorySpanExporter
) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(settings, directory=directory)) as test_client:
        yield test_client


@pytest.fixture
def token_for(settings: Settings) -> Callable[..., str]:
    key = load_or_create_dev_key(Path(settings.auth.dev_key_path))

    def mint(tenant: str, *roles: Role, scope: list[Any] | None = None) -> str:
        return mint_token(key, settings.auth, tenant=tenant, subject=f"user@{tenant}",
                          roles=list(roles) or [Role.TENANT_ADMIN], organization_scope=scope)

    return mint


@pytest.fixture
def graphql(client: TestClient[Any]) -> GraphQL:
    def post(document: str, token: str | None, variables: dict[str, Any] | None = None,
             status: int = 200) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = client.post("/graphql", json={"query": document, "variables": variables or {}},
                               headers=headers)
        assert response.status_code == status, response.text
        body: dict[str, Any] = response.json()
        return body

    return post

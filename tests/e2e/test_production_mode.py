"""Production is unmistakable: PARTYLEDGER_ENV in any case is honoured, anything else refused at
start; production serves no OpenAPI pages, no IDE, no introspection, and `serve` makes no demo
tenant and prints no development token."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from litestar.testing import TestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from private_postgres import postgres_processes, scratch_dir
from serve_process import CLI, cli_environment, start_serve, stop, wait_until_serving

from partyledger.infra.app import create_app
from partyledger.infra.auth import load_or_create_dev_key, mint_token
from partyledger.infra.settings import Settings, SettingsError, load_settings
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.services.access import Role

INTROSPECTION = "query { __schema { queryType { name } } }"


@pytest.mark.parametrize("value", ["production", "Production", "PRODUCTION", " production\n"])
def test_production_is_recognised_in_any_case_and_spacing(value: str) -> None:
    assert load_settings({"PARTYLEDGER_ENV": value}).graphql.production


@pytest.mark.parametrize("value", ["development", "Development", " development "])
def test_development_is_recognised_in_any_case_and_spacing(value: str) -> None:
    assert not load_settings({"PARTYLEDGER_ENV": value}).graphql.production


@pytest.mark.parametrize("value", ["prod", "staging", "", "production-eu"])
def test_an_unknown_environment_is_refused(value: str) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings({"PARTYLEDGER_ENV": value})
    assert str(refused.value) == (
        f"PARTYLEDGER_ENV must be 'development' or 'production', got {value!r}")


def run_cli(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CLI), *args], env=cli_environment(home, **env),
                          capture_output=True, text=True, timeout=60, check=False)


def test_the_cli_refuses_an_unknown_environment_in_one_line(tmp_path: Path) -> None:
    done = run_cli(tmp_path, "serve", PARTYLEDGER_ENV="prod")

    assert done.returncode == 1
    assert done.stderr == (
        "error: PARTYLEDGER_ENV must be 'development' or 'production', got 'prod'\n")


def test_serve_refuses_the_demo_in_production(tmp_path: Path) -> None:
    done = run_cli(tmp_path, "serve", "--demo", PARTYLEDGER_ENV="Production")

    assert done.returncode == 1 and done.stderr.startswith("error: --demo is for development")
    assert "eyJ" not in done.stdout and not (tmp_path / "pgdata").exists()


def test_no_development_token_is_minted_in_production(tmp_path: Path) -> None:
    done = run_cli(tmp_path, "token", PARTYLEDGER_ENV="production")

    assert done.returncode == 1 and done.stderr.startswith("error: development tokens are not")
    assert done.stdout == "" and not (tmp_path / "dev-signing-key.pem").exists()


def public_key_file(directory: Path) -> Path:
    """A token-signing public key of an identity provider, as production requires one."""
    path = directory / "issuer.pem"
    path.write_bytes(Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return path


def test_serve_in_production_refuses_to_start_without_a_public_key(tmp_path: Path) -> None:
    done = run_cli(tmp_path, "serve", PARTYLEDGER_ENV="production")

    assert done.returncode == 1 and done.stderr == (
        "error: production verifies tokens with PARTYLEDGER_JWT_PUBLIC_KEYS, and none is set\n")


@pytest.fixture
def production_client(tmp_path: Path, directory: TenantDirectory,
                      spans: InMemorySpanExporter) -> Iterator[TestClient[Any]]:
    settings = load_settings({"PARTYLEDGER_HOME": str(tmp_path), "PARTYLEDGER_ENV": "Production",
                              "PARTYLEDGER_JWT_PUBLIC_KEYS": str(public_key_file(tmp_path))})
    with TestClient(create_app(settings, directory=directory, run_projector=False)) as client:
        yield client


def test_production_serves_no_openapi_pages(production_client: TestClient[Any]) -> None:
    for path in ("/schema", "/schema/openapi.json", "/schema/swagger", "/schema/redoc"):
        assert production_client.get(path).status_code == 404, path


def test_development_keeps_the_openapi_pages(settings: Settings, directory: TenantDirectory,
                                             spans: InMemorySpanExporter) -> None:
    with TestClient(create_app(settings, directory=directory, run_projector=False)) as client:
        assert client.get("/schema/openapi.json").status_code == 200


def test_production_in_capitals_trusts_no_dev_key_and_has_no_ide_or_introspection(
    production_client: TestClient[Any], tenant: TenantRuntime, tmp_path: Path,
) -> None:
    settings = load_settings({"PARTYLEDGER_HOME": str(tmp_path)})
    dev_token = mint_token(load_or_create_dev_key(settings.auth.dev_key_path), settings.auth,
                           tenant=tenant.tenant.slug, subject="dev-admin",
                           roles=[Role.TENANT_ADMIN])

    refused = production_client.post("/graphql", json={"query": INTROSPECTION},
                                     headers={"Authorization": f"Bearer {dev_token}"})
    ide = production_client.get("/graphql", headers={"Accept": "text/html"})

    assert refused.status_code == 401
    assert ide.status_code == 405 and "GraphiQL" not in ide.text


def eventually(check: Callable[[], bool], *, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_serve_in_production_makes_no_demo_tenant_and_prints_no_token() -> None:
    """On its embedded database, stopped with SIGTERM at the end."""
    home = scratch_dir("production-home-")
    process, port = start_serve(home, PARTYLEDGER_ENV="Production",
                                PARTYLEDGER_JWT_PUBLIC_KEYS=str(public_key_file(home)))
    try:
        wait_until_serving(process, port)
        tenants = run_cli(home, "tenants", "list", PARTYLEDGER_ENV="production")
        schema = httpx.get(f"http://127.0.0.1:{port}/schema", timeout=5)
        stdout, stderr = stop(process, signal.SIGTERM)
    finally:
        if process.poll() is None:
            process.kill()
    try:
        assert tenants.returncode == 0 and "demo" not in tenants.stdout, tenants.stderr
        assert schema.status_code == 404
        assert "Development token" not in stdout and "eyJ" not in stdout + stderr
        assert process.returncode == 0, stderr
        assert eventually(lambda: not postgres_processes(home / "pgdata"), seconds=15)
    finally:
        for server in postgres_processes(home / "pgdata"):
            server.kill()
        shutil.rmtree(home, ignore_errors=True)

"""Failing fast and honestly: while the database is down, /health answers 503 with the reason
within a second and GraphQL answers DATABASE_UNAVAILABLE within seconds, and both recover when
it is back; a wrong database URL ends the CLI within seconds with its cause in one line.

The outage is a crash (``pg_ctl stop -m immediate``) of a PostgreSQL of this module's own.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from private_postgres import PrivatePostgres, postgres_processes, scratch_dir
from serve_process import CLI, cli_environment, start_serve, stop, wait_until_serving
from support import new_slug

from partyledger.infra.app import create_app
from partyledger.infra.logins import SERVICE_LOGIN, as_login
from partyledger.infra.reachability import probe
from partyledger.infra.settings import Settings
from partyledger.infra.tenants import TenantDirectory

ROSTER = "query { members(first: 1) { totalCount } }"
FOUND = """mutation { foundOrganization(input: {name: "Đảng bộ tỉnh Mẫu",
  kind: PROVINCIAL_ORGANIZATION, effectiveOn: "2020-01-01"}) { position } }"""
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="module")
def private() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    yield server
    server.remove()


def tenants_on(private: PrivatePostgres) -> TenantDirectory:
    """Served as the service's own login, provisioned as the server's superuser."""
    return TenantDirectory({"main": as_login(private.url, SERVICE_LOGIN)},
                           admin_shards={"main": private.url},
                           application_name="partyledger-outage")


@pytest.fixture(scope="module")
def private_directory(private: PrivatePostgres) -> TenantDirectory:
    directory = tenants_on(private)
    directory.install()
    return directory


@pytest.fixture
def outage_client(settings: Settings, private_directory: TenantDirectory,
                  private: PrivatePostgres, spans: InMemorySpanExporter,
                  ) -> Iterator[TestClient[Any]]:
    """The app on the private database (``spans``: the tracer provider is installed first)."""
    with TestClient(create_app(settings, directory=private_directory,
                               run_projector=False)) as client:
        yield client
    private.start()  # whatever the test left it in


def post_roster(client: TestClient[Any], token: str, document: str = ROSTER) -> tuple[float, Any]:
    began = time.monotonic()
    response = client.post("/graphql", json={"query": document},
                           headers={"Authorization": f"Bearer {token}"})
    return time.monotonic() - began, response


def eventually(check: Callable[[], bool], *, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_health_is_503_with_the_reason_while_the_database_is_down_and_ok_after(
    outage_client: TestClient[Any], private: PrivatePostgres,
) -> None:
    assert outage_client.get("/health").json()["status"] == "ok"
    private.crash()

    for _ in range(3):
        began = time.monotonic()
        response = outage_client.get("/health")
        took = time.monotonic() - began
        assert took < 1.0, took
        assert response.status_code == 503, response.text
        assert response.json() == {"status": "unavailable", "database": "no such file or directory"}

    private.start()
    assert eventually(lambda: outage_client.get("/health").status_code == 200, seconds=15)
    assert outage_client.get("/health").json()["status"] == "ok"


def test_health_answers_within_a_second_while_the_database_hangs(
    outage_client: TestClient[Any], private: PrivatePostgres,
) -> None:
    """Every server process stopped (SIGSTOP): connections neither fail nor answer."""
    assert outage_client.get("/health").status_code == 200
    [postmaster] = postgres_processes(private.data_dir)
    frozen = [postmaster, *postmaster.children(recursive=True)]
    for process in frozen:
        process.send_signal(signal.SIGSTOP)
    try:
        for _ in range(3):
            began = time.monotonic()
            response = outage_client.get("/health")
            took = time.monotonic() - began
            assert took < 1.0, took
            assert response.status_code == 503
            assert response.json() == {"status": "unavailable",
                                       "database": "no answer within 0.8 s"}
    finally:
        for process in frozen:
            process.send_signal(signal.SIGCONT)
    assert eventually(lambda: outage_client.get("/health").status_code == 200, seconds=15)


def test_graphql_answers_database_unavailable_within_seconds_and_serves_again_after(
    outage_client: TestClient[Any], private: PrivatePostgres,
    private_directory: TenantDirectory, token_for: Callable[..., str],
) -> None:
    slug = new_slug()
    private_directory.create(slug, f"Đảng bộ thử nghiệm {slug}")
    token = token_for(slug)
    took, response = post_roster(outage_client, token)
    assert response.json()["data"] == {"members": {"totalCount": 0}}, response.text
    private.crash()

    # the first meets the broken connections, the next ones the known outage
    for document in (ROSTER, ROSTER, FOUND):
        took, response = post_roster(outage_client, token, document)
        assert took < 5.0, took
        assert response.status_code == 200, response.text
        error = response.json()["errors"][0]
        assert error["extensions"] == {"code": "DATABASE_UNAVAILABLE", "retryAfterSeconds": 1}
        assert "Traceback" not in response.text and "psycopg" not in response.text

    private.start()
    assert eventually(lambda: "errors" not in post_roster(outage_client, token)[1].json(),
                      seconds=15)
    assert post_roster(outage_client, token)[1].json()["data"] == {"members": {"totalCount": 0}}


def test_a_request_that_needs_the_database_before_graphql_runs_answers_503(
    outage_client: TestClient[Any], private: PrivatePostgres,
    private_directory: TenantDirectory, token_for: Callable[..., str],
) -> None:
    """A tenant not yet loaded in the process is read from the directory first."""
    slug = new_slug()
    tenants_on(private).create(slug, f"Đảng bộ thử nghiệm {slug}")
    assert private_directory.loaded(slug) is None
    private.crash()

    took, response = post_roster(outage_client, token_for(slug))

    assert took < 5.0, took
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "1"
    assert response.json()["errors"][0]["extensions"]["code"] == "DATABASE_UNAVAILABLE"


# -- a wrong PARTYLEDGER_DATABASE_URL ---------------------------------------------------------


def run_cli(*args: str, tmp_path: Path, **env: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    began = time.monotonic()
    done = subprocess.run([str(CLI), *args], env=cli_environment(tmp_path, **env),
                          capture_output=True, text=True, timeout=60, check=False)
    return time.monotonic() - began, done


def assert_one_line_error(done: subprocess.CompletedProcess[str], cause: str) -> None:
    assert done.returncode != 0
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: "), done.stderr
    assert cause in done.stderr, done.stderr
    assert "Traceback" not in done.stdout + done.stderr


@pytest.mark.parametrize("url, cause", [
    ("postgresql://127.0.0.1:1/x",
     "error: cannot connect to PostgreSQL at 127.0.0.1:1: connection refused"),
    ("mysql://root@127.0.0.1:3306/partyledger",
     "error: PARTYLEDGER_DATABASE_URL must be a postgresql:// URL, got mysql://"),
])
def test_serve_with_a_wrong_database_url_fails_within_seconds_in_one_line(
    url: str, cause: str, tmp_path: Path,
) -> None:
    took, done = run_cli("serve", tmp_path=tmp_path, PARTYLEDGER_DATABASE_URL=url)

    assert took < 5.0, took
    assert_one_line_error(done, cause)


def test_tenants_create_with_a_refused_port_fails_within_seconds_in_one_line(
    tmp_path: Path,
) -> None:
    took, done = run_cli("tenants", "create", "ha-noi", "Đảng bộ Hà Nội", tmp_path=tmp_path,
                         PARTYLEDGER_DATABASE_URL="postgresql://127.0.0.1:1/x")

    assert took < 5.0, took
    assert_one_line_error(done, "connection refused")


@pytest.mark.skipif(probe(LOCAL_POSTGRES, connect_timeout=2) is not None,
                    reason="no PostgreSQL on 127.0.0.1:5432")
def test_serve_with_a_missing_database_names_it_within_seconds(tmp_path: Path) -> None:
    missing = f"partyledger_missing_{new_slug().replace('-', '_')}"
    took, done = run_cli("serve", tmp_path=tmp_path,
                         PARTYLEDGER_DATABASE_URL=f"postgresql://postgres@127.0.0.1:5432/{missing}")

    assert took < 5.0, took
    assert_one_line_error(
        done, f'cannot connect to PostgreSQL at 127.0.0.1:5432: database "{missing}" does not exist')


# -- stopping serve --------------------------------------------------------------------------


@pytest.mark.parametrize("signum, status", [(signal.SIGTERM, 0), (signal.SIGINT, 130)])
def test_a_signal_stops_serve_and_its_embedded_postgresql(signum: int, status: int) -> None:
    """SIGTERM is what systemd and containers send; SIGINT is Ctrl-C."""
    home = scratch_dir("signal-home-")
    data_dir = home / "pgdata"
    process, port = start_serve(home, "--no-demo")
    try:
        wait_until_serving(process, port)
        assert postgres_processes(data_dir)
        _, stderr = stop(process, signum)
        assert process.returncode == status, stderr
        assert eventually(lambda: not postgres_processes(data_dir), seconds=15)
    finally:
        if process.poll() is None:
            process.kill()
        for server in postgres_processes(data_dir):
            server.kill()
        shutil.rmtree(home, ignore_errors=True)

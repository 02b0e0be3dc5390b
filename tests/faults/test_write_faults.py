"""Writes under faults: concurrent writers with their own idempotency keys, while the database
crashes and restarts (``pg_ctl stop -m immediate``) and the service is killed with SIGKILL.

Afterwards a checker reads the tenant's event store directly and proves that every acknowledged
admission is stored exactly once, that nothing is stored that was never sent, that what is stored
but unacknowledged was retried or abandoned by its sender, and that the projections the service
kept while it all happened equal a rebuild from the log.

Everything runs on a PostgreSQL cluster of the test's own (``private_postgres``) and a service
process of its own (``service_process``); both are ended whatever happens. The tenant is
provisioned by the cluster's superuser; the service, and the rebuild, log in as the service's own
login, which is no superuser (asserted from the server's side).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from strawberry import relay

from faults.checker import (
    check_exactly_once,
    projection_positions,
    projection_snapshot,
    read_admissions,
    roster_member_ids,
    set_aside,
)
from faults.injector import Fault, FaultInjector
from faults.private_postgres import PrivatePostgres, binaries_for
from faults.service_process import ServiceProcess
from faults.writers import REQUEST_TIMEOUT, Command, Writers, synthetic_name
from partyledger.infra.auth import load_or_create_dev_key, mint_token
from partyledger.infra.logins import SERVICE_LOGIN, as_login
from partyledger.infra.settings import load_settings
from partyledger.services.access import Role
from support import new_slug

WRITERS = 8
ADMISSIONS = 640
PLAN = (Fault("database", outage=0.5), Fault("database", outage=5.0), Fault("service"),
        Fault("database"), Fault("database", outage=1.0), Fault("service"))
"""In this order, evenly spread over the admissions; ``outage``: seconds the database is down."""
VOTE = {"inFavour": 8, "against": 2, "eligible": 10, "present": 10}
WRITING_TIMEOUT = 180.0
CATCH_UP_TIMEOUT = 60.0


@pytest.fixture(scope="module")
def postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres(binaries_for(os.environ.get("PARTYLEDGER_DATABASE_URL")))
    try:
        server.start()
        yield server
    finally:
        server.close()


@pytest.fixture
def service(postgres: PrivatePostgres, tmp_path: Path) -> Iterator[ServiceProcess]:
    """The service logs in as its own login only: it holds no administrator's connection."""
    process = ServiceProcess(tmp_path, {"PARTYLEDGER_DATABASE_URL": service_url(postgres)})
    try:
        yield process
    finally:
        process.kill()


@pytest.fixture
def world(postgres: PrivatePostgres, tmp_path: Path) -> dict[str, Any]:
    """The tenant, provisioned by the administrator and recorded by ``seed_tenant``."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("seed_tenant.py")), postgres.url,
         service_url(postgres), new_slug(), str(WRITERS)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    seeded: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return seeded


def service_url(postgres: PrivatePostgres) -> str:
    return as_login(postgres.url, SERVICE_LOGIN)


def admissions(world: dict[str, Any], run: str) -> list[Command]:
    """One admission per key, writer ``i`` always in cell ``i`` (so writers never contend for
    one cell's roster), each a different synthetic person."""
    introducer = str(relay.GlobalID("Member", world["introducer"]))
    commands = []
    for n in range(ADMISSIONS):
        key, name = f"fault-{run}-{n:04d}", synthetic_name(n)
        cell = world["cells"][n % WRITERS]
        commands.append(Command(key, name, {"input": {
            "cellId": str(relay.GlobalID("Organization", cell)), "fullName": name,
            "birthDate": "1994-02-11",
            "introducers": [
                {"kind": "OFFICIAL_MEMBER", "memberId": introducer, "togetherSince": "2012-01-01"},
                {"kind": "YOUTH_UNION_COMMITTEE", "committeeName": "Ban Chấp hành Đoàn xã"},
            ],
            "cellResolution": {"on": "2015-05-20", "vote": VOTE},
            "decision": {"number": "215-QĐ/ĐU", "date": "2015-07-24", "authority": "Đảng ủy xã"},
            "ceremonyOn": "2015-08-10",
            "idempotencyKey": key,
        }}))
    return commands


def test_acknowledged_writes_survive_database_crashes_and_a_killed_service_exactly_once(
    postgres: PrivatePostgres, service: ServiceProcess, world: dict[str, Any],
) -> None:
    service.start()
    commands = admissions(world, uuid.uuid4().hex[:8])
    deadline = time.monotonic() + WRITING_TIMEOUT
    writers = Writers(service.url, _token(service.home, world["slug"]), commands, threads=WRITERS,
                      deadline=deadline)
    faults = FaultInjector(PLAN, postgres, service, ledger=writers.ledger, total=ADMISSIONS,
                           deadline=deadline)
    writers.start()
    try:
        faults.run()
        if not faults.errors:  # else the service may be down for good: no use waiting
            writers.join(deadline - time.monotonic() + 2 * REQUEST_TIMEOUT)
    finally:
        writers.stop.set()
        writers.join(2 * REQUEST_TIMEOUT)
    ledger = writers.ledger
    seen = f"failures seen: {dict(ledger.failures)}\n{service.log_tail()}"
    assert not writers.errors and not faults.errors, (writers.errors, faults.errors)
    assert faults.done == list(PLAN), f"faults done: {faults.done}; {seen}"
    assert ledger.refused == {}, ledger.refused
    assert len(ledger.acknowledged) == ADMISSIONS, seen
    assert ledger.retried, "no write had to be sent again: the faults were not felt"

    stored = read_admissions(postgres.url, world["schema"])
    check_exactly_once(stored, ledger, {c.key: c for c in commands})
    again = Writers(service.url, writers.token, commands[::10], threads=1,
                    deadline=time.monotonic() + WRITING_TIMEOUT)
    again.start()
    assert again.join(WRITING_TIMEOUT) and not again.errors, again.errors
    replayed = {k: a.member_id for k, a in again.ledger.acknowledged.items()}
    assert replayed == {k: ledger.acknowledged[k].member_id for k in again.ledger.sent}
    assert read_admissions(postgres.url, world["schema"]).head == stored.head

    _wait_for_projections(service, world["slug"], stored.head)
    assert _logins_of_the_service(postgres) == {SERVICE_LOGIN: False}
    service.stop()
    aside = set_aside(postgres.url, world["schema"])
    assert not any(aside.values()), f"faults of the database made views set events aside: {aside}"
    members = set(stored.name_of_member) | {uuid.UUID(world["introducer"])}
    on_roster = roster_member_ids(postgres.url, world["schema"])
    assert not members - on_roster, (
        f"not on the roster: {stored.describe(members - on_roster)}; projections at"
        f" {projection_positions(postgres.url, world['schema'])}, log at {stored.head};"
        f"\n{service.log_problems()}")
    assert on_roster == members
    live = projection_snapshot(postgres.url, world["schema"])
    _rebuild(postgres, service.home, world["slug"])
    assert projection_snapshot(postgres.url, world["schema"]) == live


def _logins_of_the_service(postgres: PrivatePostgres) -> dict[str, bool]:
    """Each login the service's connections use, and whether it is a superuser; the service's
    own URL must name a login with no power over roles either."""
    with psycopg.connect(service_url(postgres), connect_timeout=10) as conn:
        row = conn.execute("SELECT rolsuper OR rolcreaterole OR rolbypassrls FROM pg_roles"
                           " WHERE rolname = current_user").fetchone()
        assert row == (False,), row
    with psycopg.connect(postgres.url, connect_timeout=10) as conn:
        rows = conn.execute(
            "SELECT DISTINCT a.usename, r.rolsuper FROM pg_stat_activity a"
            " JOIN pg_roles r ON r.oid = a.usesysid"
            " WHERE a.application_name LIKE 'partyledger%' AND a.pid <> pg_backend_pid()"
        ).fetchall()
    return dict(rows)


def _token(home: Path, slug: str) -> str:
    settings = load_settings({"PARTYLEDGER_HOME": str(home)})
    key = load_or_create_dev_key(settings.auth.dev_key_path)
    return mint_token(key, settings.auth, tenant=slug, subject=f"fault-writer@{slug}",
                      roles=[Role.TENANT_ADMIN])


def _wait_for_projections(service: ServiceProcess, slug: str, head: int) -> None:
    """Until ``/health`` shows every projection of the tenant at the log's head."""
    deadline, seen = time.monotonic() + CATCH_UP_TIMEOUT, None
    while time.monotonic() < deadline:
        try:
            seen = httpx.get(service.url + "/health", timeout=5.0).json()
            views = seen["tenants"][slug]["projections"]
            if all(v["position"] >= head for v in views.values()):
                return
        except (httpx.HTTPError, ValueError, KeyError):
            pass
        time.sleep(0.2)
    pytest.fail(f"projections not at {head} within {CATCH_UP_TIMEOUT:.0f} s: {seen}")


def _rebuild(postgres: PrivatePostgres, home: Path, slug: str) -> None:
    """``partyledger projections rebuild``, as the service's login."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PARTYLEDGER_")},
           "PARTYLEDGER_DATABASE_URL": service_url(postgres), "PARTYLEDGER_HOME": str(home),
           "COLUMNS": "200"}
    done = subprocess.run(
        [str(Path(sys.executable).with_name("partyledger")), "projections", "rebuild",
         "--tenant", slug], cwd=home, env=env, capture_output=True, text=True, timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

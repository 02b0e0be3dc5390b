"""``waitForPosition`` is bounded: refused past the log's head, capped per client, paid for by
the time waited, holding no worker thread, and a timed-out answer says it is stale.

The service runs under uvicorn here, so requests really are concurrent. The projector is held
back from a tenant by holding that tenant's catch-up lock, as a rebuild would.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests
import uvicorn
from litestar import Litestar
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from partyledger.domain.organization import OrganizationKind
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.infra.app import Services, create_app
from partyledger.infra.auth import load_or_create_dev_key, mint_token
from partyledger.infra.projector import catching_up
from partyledger.infra.settings import Settings
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.services.access import Actor, Role
from support import new_slug

WAIT_SECONDS = 4.0
ROSTER = """query($wait: String) { members(first: 1, waitForPosition: $wait) { totalCount } }"""
TREE = """query($wait: String) { organizations(waitForPosition: $wait) { name } }"""
ADMIT = """mutation($input: FoundOrganizationInput!) {
  foundOrganization(input: $input) { organization { id } userErrors { code } position } }"""


@dataclass
class Server:
    url: str
    app: Litestar
    settings: Settings

    @property
    def services(self) -> Services:
        services: Services = self.app.state.services
        return services

    def token(self, tenant: str, subject: str | None = None) -> str:
        key = load_or_create_dev_key(Path(self.settings.auth.dev_key_path))
        return mint_token(key, self.settings.auth, tenant=tenant,
                          subject=subject or f"admin@{tenant}", roles=[Role.TENANT_ADMIN])

    def post(self, document: str, token: str, variables: dict[str, Any] | None = None,
             ) -> tuple[dict[str, Any], float]:
        """The answer's body and the seconds it took."""
        started = time.monotonic()
        response = requests.post(self.url, json={"query": document, "variables": variables or {}},
                                 headers={"Authorization": f"Bearer {token}"}, timeout=60,
                                 proxies={"http": "", "https": ""})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body, time.monotonic() - started


@pytest.fixture(scope="module")
def server(settings: Settings, directory: TenantDirectory,
           spans: InMemorySpanExporter) -> Iterator[Server]:
    waiting = dataclasses.replace(settings, graphql=dataclasses.replace(
        settings.graphql, projection_wait_seconds=WAIT_SECONDS, cost_budget_seconds=3600.0))
    app = create_app(waiting, directory=directory)
    running = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                            lifespan="on"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    port = running.servers[0].sockets[0].getsockname()[1]
    started = Server(f"http://127.0.0.1:{port}/graphql", app, waiting)
    # the projector first goes through every tenant of the database; then it follows appends
    sentinel = directory.runtime(new_tenant(directory))
    found(sentinel)
    caught_up(started, sentinel)
    yield started
    running.should_exit = True
    thread.join(timeout=10)


def found(tenant: TenantRuntime, name: str = "Đảng bộ tỉnh Hà Giang") -> int:
    """An organisation founded straight through the register; its log position."""
    admin = Actor("admin@" + tenant.tenant.slug, tenant.tenant.slug,
                  frozenset({Role.TENANT_ADMIN}))
    with recorded_by(Provenance.system(admin.subject)):
        return tenant.register.found_organization(
            admin, name=name, kind=OrganizationKind.PROVINCIAL_ORGANIZATION, parent_id=None,
            effective_on=date(2020, 1, 1), decision=None).position


def projector_held_back(tenant: TenantRuntime) -> AbstractContextManager[bool]:
    return catching_up(tenant, wait=True)


def in_parallel(calls: list[Callable[[], Any]]) -> list[Future[Any]]:
    pool = ThreadPoolExecutor(max_workers=len(calls))
    futures = [pool.submit(call) for call in calls]
    pool.shutdown(wait=False)
    return futures


def caught_up(server: Server, tenant: TenantRuntime) -> None:
    """Once the projector here has announced the tenant's whole log."""
    head, deadline = tenant.register.recorder.max_notification_id() or 0, time.monotonic() + 120
    while server.services.progress.position(tenant.tenant.slug) < head:
        assert time.monotonic() < deadline, "the projector did not catch the tenant up"
        time.sleep(0.02)


def code(body: dict[str, Any]) -> tuple[str, str | None]:
    extensions = body["errors"][0]["extensions"]
    return extensions["code"], extensions.get("reason")


def test_a_position_beyond_the_log_is_refused_at_once_with_its_code(
    server: Server, tenant: TenantRuntime,
) -> None:
    head = found(tenant)
    token = server.token(tenant.tenant.slug)
    for document in (ROSTER, TREE):
        for far in (str(head + 1000), "9" * 30):
            body, took = server.post(document, token, {"wait": far})
            assert code(body) == ("BAD_USER_INPUT", "POSITION_BEYOND_LOG"), body
            assert body["errors"][0]["extensions"]["field"] == ["waitForPosition"]
            assert "freshness" not in body["extensions"]
            assert took < WAIT_SECONDS / 2
    for bad in ("-1", "²", "12a", ""):
        body, took = server.post(ROSTER, token, {"wait": bad})
        assert code(body)[0] == "BAD_USER_INPUT" and took < WAIT_SECONDS / 2, body


def test_a_just_committed_write_is_never_refused_and_answers_fresh(
    server: Server, tenant: TenantRuntime,
) -> None:
    token = server.token(tenant.tenant.slug)
    founded, _ = server.post(ADMIT, token, {"input": {
        "name": "Đảng bộ tỉnh Cao Bằng", "kind": "PROVINCIAL_ORGANIZATION",
        "effectiveOn": "2020-01-01"}})
    position = founded["data"]["foundOrganization"]["position"]
    body, _ = server.post(TREE, token, {"wait": position})
    assert [o["name"] for o in body["data"]["organizations"]] == ["Đảng bộ tỉnh Cao Bằng"]
    freshness = body["extensions"]["freshness"]
    assert freshness["requestedPosition"] == position and freshness["stale"] is False
    assert int(freshness["projectedPosition"]) >= int(position)


def test_a_position_reached_while_waiting_answers_fresh(
    server: Server, tenant: TenantRuntime,
) -> None:
    token = server.token(tenant.tenant.slug)
    with projector_held_back(tenant):
        position = found(tenant, "Đảng bộ tỉnh Lào Cai")
        [waiting] = in_parallel([lambda: server.post(TREE, token, {"wait": str(position)})])
        time.sleep(0.3)
        assert not waiting.done()
    server.services.projector.kick(tenant.tenant.slug)
    body, took = waiting.result(timeout=30)
    assert [o["name"] for o in body["data"]["organizations"]] == ["Đảng bộ tỉnh Lào Cai"]
    assert body["extensions"]["freshness"] == {
        "requestedPosition": str(position), "projectedPosition": str(position), "stale": False}
    assert took < WAIT_SECONDS


def test_a_timed_out_wait_answers_what_is_projected_and_says_it_is_stale(
    server: Server, tenant: TenantRuntime,
) -> None:
    before = found(tenant, "Đảng bộ tỉnh Lai Châu")
    caught_up(server, tenant)
    token = server.token(tenant.tenant.slug)
    with projector_held_back(tenant):
        position = found(tenant, "Đảng bộ tỉnh Điện Biên")
        body, took = server.post(TREE, token, {"wait": str(position)})
    assert [o["name"] for o in body["data"]["organizations"]] == ["Đảng bộ tỉnh Lai Châu"]
    assert "errors" not in body
    assert body["extensions"]["freshness"] == {
        "requestedPosition": str(position), "projectedPosition": str(before), "stale": True}
    assert took >= WAIT_SECONDS


def test_the_time_waited_is_charged_to_the_budget_in_proportion(
    server: Server, tenant: TenantRuntime,
) -> None:
    head = found(tenant)
    caught_up(server, tenant)
    token = server.token(tenant.tenant.slug)
    fresh, _ = server.post(ROSTER, token, {"wait": str(head)})
    assert fresh["extensions"]["cost"]["waitCost"] == 0
    with projector_held_back(tenant):
        position = found(tenant, "Đảng bộ tỉnh Sơn La")
        stale, took = server.post(ROSTER, token, {"wait": str(position)})
    cost = stale["extensions"]["cost"]
    assert stale["extensions"]["freshness"]["stale"] is True
    assert WAIT_SECONDS * 100 <= cost["waitCost"] <= took * 100 + 1  # 1 point per 10 ms
    spent = (fresh["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"]
             - cost["throttleStatus"]["currentlyAvailable"])
    restored = cost["throttleStatus"]["restoreRate"] * (took + 1)
    assert cost["requestedQueryCost"] + cost["waitCost"] - restored <= spent
    assert spent <= cost["requestedQueryCost"] + cost["waitCost"]


def test_waits_above_a_clients_cap_are_rate_limited_and_another_tenant_is_served_meanwhile(
    server: Server, tenant: TenantRuntime, directory: TenantDirectory,
) -> None:
    other = directory.runtime(new_tenant(directory))
    found(other, "Đảng bộ tỉnh Hà Tĩnh")
    caught_up(server, other)
    token = server.token(tenant.tenant.slug)
    with projector_held_back(tenant):
        position = found(tenant)
        barrier = threading.Barrier(12)

        def wait() -> tuple[dict[str, Any], float]:
            barrier.wait()
            return server.post(ROSTER, token, {"wait": str(position)})

        waits = in_parallel([wait] * 12)
        deadline = time.monotonic() + WAIT_SECONDS / 2
        while sum(w.done() for w in waits) < 8 and time.monotonic() < deadline:
            time.sleep(0.01)
        body, took = server.post(TREE, server.token(other.tenant.slug))
        answered = [w for w in waits if w.done()]
        assert [o["name"] for o in body["data"]["organizations"]] == ["Đảng bộ tỉnh Hà Tĩnh"]
        assert len(answered) == 8  # the refused ones: the four waiting have not answered yet
        refused = [w.result() for w in answered]
        assert all(code(b) == ("RATE_LIMITED", "TOO_MANY_WAITS") for b, _ in refused)
        assert all(t < WAIT_SECONDS / 2 for _, t in refused)
        stale = [w.result(timeout=30)[0] for w in waits if w not in answered]
    assert [b["extensions"]["freshness"]["stale"] for b in stale] == [True] * 4


def test_waiting_holds_no_worker_thread_so_another_tenant_is_served_meanwhile(
    server: Server, tenant: TenantRuntime, directory: TenantDirectory,
) -> None:
    """More clients wait than there are worker threads (40); each within its own cap."""
    other = directory.runtime(new_tenant(directory))
    found(other, "Đảng bộ tỉnh Quảng Bình")
    caught_up(server, other)
    slug = tenant.tenant.slug
    tokens = [server.token(slug, f"can-bo-{i}@{slug}") for i in range(45)]
    with projector_held_back(tenant):
        position = found(tenant)
        sent = time.monotonic()
        waits = in_parallel([lambda t=t: server.post(ROSTER, t, {"wait": str(position)})
                             for t in tokens])
        time.sleep(1.0)
        body, _ = server.post(TREE, server.token(other.tenant.slug))
        assert time.monotonic() < sent + WAIT_SECONDS  # answered before any wait could end
        assert [o["name"] for o in body["data"]["organizations"]] == ["Đảng bộ tỉnh Quảng Bình"]
        stale = [w.result(timeout=60)[0] for w in waits]
    assert all(b["extensions"]["freshness"]["stale"] for b in stale)


def new_tenant(directory: TenantDirectory) -> str:
    slug = new_slug()
    directory.create(slug, f"Đảng bộ thử nghiệm {slug}")
    return slug

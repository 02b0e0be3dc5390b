"""/health: each tenant's projections with their position, the log's head and the lag; counts
and positions only; ``degraded`` while a lag exceeds the configured threshold."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient
from support import enroll_officials

from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.infra.app import HealthSettings, create_app
from partyledger.infra.settings import Settings
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.projections.follower import catch_up_all
from partyledger.services.access import Actor

NAME = "Trần Văn Bảo"  # the name enroll_officials gives, which /health must never show


def health_client(settings: Settings, directory: TenantDirectory,
                  max_lag: int) -> TestClient[Any]:
    app = create_app(settings, directory=directory, run_projector=False,
                     health_settings=HealthSettings(max_projection_lag=max_lag))
    return TestClient(app)


def full_report(client: TestClient[Any]) -> Any:
    """The report once it covers every tenant. On a database of hundreds of tenants (this
    suite's, by the time it runs here) a report may be ``degraded`` and ``incomplete`` within
    the deadline (200, never 503: the database answers); the next one comes from a run that
    started afresh."""
    deadline = time.monotonic() + 30
    while True:
        response = client.get("/health")
        assert response.status_code == 200, response.text
        if "tenants" in response.json() or time.monotonic() > deadline:
            return response


@pytest.fixture
def lagging(tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID) -> Iterator[TenantRuntime]:
    """A tenant whose events no projection has processed yet."""
    with recorded_by(Provenance.system(admin.subject)):
        enroll_officials(tenant, admin, cell_id, n=3)
    yield tenant


def test_health_reports_every_projection_of_a_tenant_with_its_lag(
    settings: Settings, directory: TenantDirectory, lagging: TenantRuntime,
) -> None:
    head = lagging.register.recorder.max_notification_id()
    with health_client(settings, directory, max_lag=10**9) as client:
        response = full_report(client)

    assert response.status_code == 200
    body = response.json()
    tenant = body["tenants"][lagging.tenant.slug]
    assert tenant["head"] == head
    assert tenant["projections"] == {
        view.name: {"position": 0, "head": head, "lag": head, "rebuilding": False}
        for view in lagging.views
    }
    assert body["projectionLag"][lagging.tenant.slug] == head  # the field of the first release
    # no lag exceeds the threshold: only events another test's tenant set aside may degrade it
    set_aside = any("setAside" in t for t in body["tenants"].values())
    assert body["status"] == ("degraded" if set_aside else "ok")
    assert body["maxProjectionLag"] == 10**9 and "setAside" not in tenant
    assert NAME not in response.text and str(lagging.roster.datastore.schema) not in response.text


def test_health_is_degraded_while_a_lag_exceeds_the_threshold(
    settings: Settings, directory: TenantDirectory, lagging: TenantRuntime,
) -> None:
    head = lagging.register.recorder.max_notification_id() or 0
    with health_client(settings, directory, max_lag=head - 1) as client:
        assert full_report(client).json()["status"] == "degraded"
        catch_up_all(lagging.register, lagging.views)
        caught_up = full_report(client).json()

    assert {p["lag"] for p in caught_up["tenants"][lagging.tenant.slug]["projections"].values()} == {0}
    assert caught_up["projectionLag"][lagging.tenant.slug] == 0

"""Events written straight into a tenant's log, past every check of the service (as an older
release or a hand at the database could): a NUL in a name, a name of a megabyte, an event that
cannot be decoded, a value the tables refuse. None of them stops a projection: what can be
applied is, what cannot is set aside for its view, named by /health, `projections status` and a
metric, and a rebuild completes."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from eventsourcing.persistence import StoredEvent
from litestar.testing import TestClient
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from support import admit, enroll_officials

from partyledger.domain.organization import OrganizationKind
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.infra.app import HealthSettings, create_app
from partyledger.infra.projector import Projector
from partyledger.infra.rebuild import rebuild
from partyledger.infra.settings import Settings
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.projections.column_values import FOLDED_NAME_LENGTH
from partyledger.projections.progress import ProjectionProgress
from partyledger.services.access import Actor

NUL_NAME = "Nguyễn\u0000Văn An"
UNKNOWN_TOPIC = "partyledger.domain.member:Member.Vanished"
TODAY = date(2026, 1, 1)


def stored_copy(tenant: TenantRuntime, template: uuid.UUID, *, state: bytes | None = None,
                **fields: Any) -> StoredEvent:
    """The first stored event of ``template``, for a new aggregate, with ``fields`` changed in
    its stored state (or with ``state`` instead): what a careless writer could have stored."""
    first = tenant.register.recorder.select_events(template, limit=1)[0]
    decoded = json.loads(first.state)
    decoded.update(fields)
    return StoredEvent(uuid.uuid4(), 1, first.topic,
                       state if state is not None else json.dumps(decoded).encode())


def append_as_writer(tenant: TenantRuntime, stored: StoredEvent) -> int:
    """Straight into the log, through the recorder's append transaction (the writer role)."""
    ids = tenant.register.recorder.insert_events([stored])
    assert ids
    return ids[0]


def rows(tenant: TenantRuntime, query: str) -> list[dict[str, Any]]:
    with tenant.roster.datastore.transaction(commit=False) as curs:
        curs.execute(tenant.roster.sql(query))
        return list(curs.fetchall())


def roster_names(tenant: TenantRuntime) -> dict[str, int]:
    """Full names in the roster, with the length of the folded name each is searched by."""
    found = rows(tenant, "SELECT full_name, length(folded_name) AS n FROM {s}.roster_members")
    return {r["full_name"]: r["n"] for r in found}


def tree_names(tenant: TenantRuntime) -> set[str]:
    return {r["name"] for r in rows(tenant, "SELECT name FROM {s}.org_tree_versions")}


def set_aside_gauge(reader: InMemoryMetricReader, slug: str) -> dict[str, int]:
    data = reader.get_metrics_data()
    assert data is not None
    return {str(p.attributes["projection"]): int(p.value)
            for rm in data.resource_metrics for sm in rm.scope_metrics for metric in sm.metrics
            if metric.name == "partyledger.projection.set_aside"
            for p in metric.data.data_points
            if p.attributes is not None and p.attributes["tenant.id"] == slug}


def health(client: TestClient[Any]) -> Any:
    """/health, once it answers in time (its first run in a process reads every tenant of the
    database, those of earlier tests included)."""
    deadline = time.monotonic() + 60
    while (response := client.get("/health")).status_code == 503 and time.monotonic() < deadline:
        time.sleep(0.5)
    return response


def projections_status(database_url: str, home: Path, slug: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", "from partyledger.infra.cli import main; main()",
         "projections", "status", "--tenant", slug],
        cwd=home, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PARTYLEDGER_DATABASE_URL": database_url,
             "PARTYLEDGER_HOME": str(home), "COLUMNS": "250"})
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def table_rows(printed: str, slug: str) -> list[list[str]]:
    """The cells of a printed table's rows for ``slug``, those after the tenant's own."""
    return [[cell.strip() for cell in line.split("│")[2:-1]]
            for line in printed.splitlines() if f"│ {slug} " in line]


def test_poisoned_events_leave_the_projections_moving_and_are_named_where_operators_look(
    settings: Settings, directory: TenantDirectory, tenant: TenantRuntime, admin: Actor,
    cell_id: uuid.UUID, database_url: str, tmp_path: Path,
) -> None:
    slug = tenant.tenant.slug
    with recorded_by(Provenance.system(admin.subject)):
        officials = enroll_officials(tenant, admin, cell_id, n=2)
        root = tenant.register.organization(cell_id).parent_id
    rnd = random.Random(10)
    huge = "Lê Thị " + "".join(rnd.choice("abcdeghiklmnopqrstuvxyăâêôơư ") for _ in range(1 << 20))
    for name in (NUL_NAME, huge):
        append_as_writer(tenant, stored_copy(tenant, officials[0], full_name=name))
    append_as_writer(tenant, stored_copy(tenant, cell_id, name="Chi bộ\u0000 Thôn Nam"))
    unreadable = append_as_writer(tenant, stored_copy(tenant, officials[0], state=b"\x00{not json"))
    refused = append_as_writer(tenant, stored_copy(tenant, officials[0], cell_id="not-a-uuid"))
    no_date = append_as_writer(tenant, stored_copy(tenant, officials[0], birth_date="31/02/1990"))
    unknown = append_as_writer(tenant, StoredEvent(uuid.uuid4(), 1, UNKNOWN_TOPIC, b"{}"))
    with recorded_by(Provenance.system(admin.subject)):  # afterwards, through the service
        north = tenant.register.found_organization(
            admin, name="Chi bộ Thôn Bắc", kind=OrganizationKind.GRASSROOTS_CELL,
            parent_id=root, effective_on=date(2021, 1, 1), decision=None).subject_id
        admit(tenant, admin, cell_id, officials, name="Phạm Thị Mai")
    head = tenant.register.recorder.max_notification_id()
    reader = InMemoryMetricReader()
    projector = Projector(directory, ProjectionProgress(),
                          meter=MeterProvider(metric_readers=[reader]).get_meter("partyledger"))

    assert projector.catch_up(tenant) == head

    names = roster_names(tenant)
    assert {"Phạm Thị Mai", "NguyễnVăn An", "Trần Văn Bảo 0"} <= names.keys()
    assert names[huge] == FOLDED_NAME_LENGTH  # shown whole, searched by a bounded prefix
    assert {"Chi bộ Thôn Bắc", "Chi bộ Thôn Nam"} <= tree_names(tenant)
    assert tenant.tree.organization(north, TODAY) is not None
    count, events = tenant.roster.set_aside()
    assert count == 4 and [e.position for e in events] == [unreadable, refused, no_date, unknown]
    assert all(e.reason and "not-a-uuid" not in e.reason for e in events)
    assert "DatetimeFieldOverflow" in events[2].reason
    count, events = tenant.org_tree.set_aside()  # a topic it might show
    assert count == 1 and events[0].position == unknown and events[0].topic == UNKNOWN_TOPIC
    assert set_aside_gauge(reader, slug) == {"roster": 4, "org_tree": 1}

    with TestClient(create_app(settings, directory=directory, run_projector=False,
                               health_settings=HealthSettings(max_projection_lag=10**9))) as client:
        response = health(client)
    body = response.json()
    assert response.status_code == 200 and body["status"] == "degraded", body
    named = body["tenants"][slug]["setAside"]
    assert named["events"] == 5
    assert [(e["projection"], e["position"]) for e in named["first"]] == [
        ("roster", unreadable), ("roster", refused), ("roster", no_date), ("roster", unknown),
        ("org_tree", unknown)]
    assert body["projectionLag"][slug] == 0
    assert "Phạm" not in response.text and "not-a-uuid" not in response.text

    shown = projections_status(database_url, tmp_path, slug)
    counts, aside = (table_rows(part, slug) for part in shown.split("Events set aside"))
    assert {(r[0], r[4]) for r in counts} == {("roster", "4"), ("org_tree", "1")}
    assert [(r[0], r[1], r[2]) for r in aside] == [
        *(("roster", str(p), "Member.Enrolled") for p in (unreadable, refused, no_date)),
        ("roster", str(unknown), "Member.Vanished"), ("org_tree", str(unknown), "Member.Vanished")]

    before = roster_names(tenant)
    report = rebuild(tenant, batch_size=4)

    assert report.position == head and tenant.roster.position() == head
    assert roster_names(tenant) == before
    assert [e.position for e in tenant.roster.set_aside()[1]] == [
        unreadable, refused, no_date, unknown]
    with recorded_by(Provenance.system(admin.subject)):
        admit(tenant, admin, north, officials, name="Đỗ Văn Hùng")
    projector.catch_up(tenant)
    assert "Đỗ Văn Hùng" in roster_names(tenant)
    projector.stop()

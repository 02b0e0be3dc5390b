"""Operating projections: rebuilds that equal the live views and resume after kill -9, the
catch-up lock between a rebuild and the projector, lag per projection, and gaps in the log."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from psycopg import sql
from support import admit, enroll_officials, new_slug

from partyledger.domain.organization import OrganizationKind
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.infra.db_roles import TenantRoles
from partyledger.infra.projector import Projector, catching_up
from partyledger.infra.rebuild import MARKS, rebuild, rebuilding, status
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.projections.follower import catch_up_all
from partyledger.projections.progress import ProjectionProgress
from partyledger.projections.shadow_tables import REBUILD_PREFIX
from partyledger.services.access import Actor, Role

Snapshot = dict[str, list[tuple[Any, ...]]]


def snapshot(tenant: TenantRuntime, *, with_xmin: bool = False) -> Snapshot:
    """Every table of the tenant's schema but its event log, the rebuild marks and the tables a
    rebuild fills, row by row; ``with_xmin``: with the transaction that wrote each row, to tell
    untouched from rewritten."""
    schema = tenant.tenant.schema_name
    events = tenant.register.recorder.events_table_name  # type: ignore[attr-defined]
    with tenant.register.factory.datastore.transaction(commit=False) as curs:  # type: ignore[attr-defined]
        curs.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s"
                     " AND tablename <> ALL(%s) AND NOT starts_with(tablename, %s)",
                     (schema, [events, MARKS, "read_audit"], REBUILD_PREFIX))
        tables = sorted(r["tablename"] for r in curs.fetchall())
        taken: Snapshot = {}
        for table in tables:
            xmin = sql.SQL(", xmin::text AS written_by" if with_xmin else "")
            curs.execute(sql.SQL("SELECT *{} FROM {}").format(xmin, sql.Identifier(schema, table)))
            taken[table] = sorted((tuple(row.values()) for row in curs.fetchall()), key=repr)
    return taken


def relation_names(tenant: TenantRuntime) -> set[str]:
    """The names of the tables and indexes in the tenant's schema, but the rebuild marks'."""
    with tenant.register.factory.datastore.transaction(commit=False) as curs:  # type: ignore[attr-defined]
        curs.execute("SELECT relname FROM pg_class WHERE relkind IN ('r', 'i')"
                     " AND relnamespace = %s::regnamespace AND NOT starts_with(relname, %s)",
                     (tenant.tenant.schema_name, MARKS))
        return {r["relname"] for r in curs.fetchall()}


def head(tenant: TenantRuntime) -> int:
    return tenant.register.recorder.max_notification_id() or 0


def positions(tenant: TenantRuntime) -> dict[str, int]:
    return {view.name: view.position() for view in tenant.views}


def rebuilt_positions(tenant: TenantRuntime) -> dict[str, int]:
    """How far an unfinished rebuild has filled each view's copy."""
    return {s.projection: s.rebuilt_to or 0 for s in status(tenant)}


def record_history(tenant: TenantRuntime, admin: Actor, cell: uuid.UUID, *, members: int = 6,
                   live: bool = True) -> None:
    """Organisations, enrolments and admissions; with ``live``, projected as they arrive."""
    with recorded_by(Provenance.system(admin.subject)):
        parent = tenant.register.organization(cell).parent_id
        second = tenant.register.found_organization(
            admin, name="Chi bộ Thôn Tây", kind=OrganizationKind.GRASSROOTS_CELL,
            parent_id=parent, effective_on=date(2021, 3, 1), decision=None).subject_id
        officials = enroll_officials(tenant, admin, cell, n=max(2, members - 2))
        if live:
            catch_up_all(tenant.register, tenant.views)
        for i in range(2):
            admit(tenant, admin, second if i else cell, officials[:2], name=f"Lê Thị Hoa {i}")
            if live:
                catch_up_all(tenant.register, tenant.views)


def test_a_rebuild_equals_the_live_projection_row_by_row(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID,
) -> None:
    record_history(tenant, admin, cell_id)
    catch_up_all(tenant.register, tenant.views)
    live, relations = snapshot(tenant), relation_names(tenant)
    assert live["roster_members"] and live["org_tree_versions"]
    seen: list[tuple[int, int]] = []

    report = rebuild(tenant, batch_size=3, progress=lambda done, total: seen.append((done, total)))

    assert snapshot(tenant) == live
    assert relation_names(tenant) == relations  # the same tables and indexes, by their names
    assert set(positions(tenant).values()) == {head(tenant)} and report.position == head(tenant)
    assert report.events == head(tenant) and not report.resumed
    assert seen[0] == (0, head(tenant)) and seen[-1] == (head(tenant), head(tenant))
    assert len(seen) > 2 and not rebuilding(tenant)


def test_a_killed_rebuild_resumes_and_ends_exactly_once(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID, database_url: str, tmp_path: Path,
) -> None:
    record_history(tenant, admin, cell_id, members=400, live=False)
    catch_up_all(tenant.register, tenant.views)
    live, end = snapshot(tenant), head(tenant)
    slug = tenant.tenant.slug

    first = cli(database_url, tmp_path, "rebuild", "--tenant", slug, "--batch-size", "1", wait=False)
    try:  # kill -9 once a good part, not all, of the log is rebuilt
        deadline = time.monotonic() + 60
        while not (rebuilding(tenant) and end // 4 < min(rebuilt_positions(tenant).values())):
            assert first.poll() is None, "the rebuild ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        first.send_signal(signal.SIGKILL)
    finally:
        first.wait(30)
    midway = rebuilt_positions(tenant)
    assert rebuilding(tenant) == {v.name for v in tenant.views} and min(midway.values()) < end
    assert snapshot(tenant) == live and positions(tenant) == {v.name: end for v in tenant.views}

    resumed = cli(database_url, tmp_path, "rebuild", "--tenant", slug, "--batch-size", "50")

    assert "resumed" in resumed.stdout, resumed.stdout
    assert snapshot(tenant) == live
    assert positions(tenant) == {view.name: end for view in tenant.views}
    assert not rebuilding(tenant)
    shown = cli(database_url, tmp_path, "status", "--tenant", slug).stdout
    assert "roster" in shown and str(end) in shown and "unfinished" not in shown


def test_a_rebuild_that_fails_midway_leaves_the_tenant_served_as_before(
    directory: TenantDirectory, tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID,
) -> None:
    record_history(tenant, admin, cell_id, members=30)
    live, end = snapshot(tenant), head(tenant)

    def fail_midway(done: int, total: int) -> None:
        if 0 < done < total:
            raise RuntimeError("the rebuild stops here")

    with pytest.raises(RuntimeError, match="stops here"):
        rebuild(tenant, batch_size=5, progress=fail_midway)

    assert snapshot(tenant) == live and positions(tenant) == {v.name: end for v in tenant.views}
    assert rebuilding(tenant) == {v.name for v in tenant.views}
    assert 0 < min(rebuilt_positions(tenant).values()) < end
    projector = Projector(directory, ProjectionProgress(), meter=_meter()[0])
    with recorded_by(Provenance.system(admin.subject)):
        enroll_officials(tenant, admin, cell_id, n=1)
    assert projector.catch_up(tenant) == head(tenant) > end  # the live views follow the log
    moved = snapshot(tenant)
    assert len(moved["roster_members"]) == len(live["roster_members"]) + 1

    assert rebuild(tenant, batch_size=50).resumed
    assert snapshot(tenant) == moved and not rebuilding(tenant)
    projector.stop()


def test_rebuilding_one_tenant_leaves_another_untouched(
    directory: TenantDirectory, database_url: str, tmp_path: Path,
) -> None:
    a, b = (make_tenant(directory) for _ in range(2))
    for runtime in (a, b):
        admin = Actor("admin", runtime.tenant.slug, frozenset({Role.TENANT_ADMIN}))
        record_history(runtime, admin, found_cell(runtime, admin), members=4)
    before_b, positions_b = snapshot(b, with_xmin=True), positions(b)
    before_a = snapshot(a, with_xmin=True)

    done = cli(database_url, tmp_path, "rebuild", "--tenant", a.tenant.slug, "--batch-size", "5")

    assert a.tenant.slug in done.stdout and b.tenant.slug not in done.stdout
    assert snapshot(b, with_xmin=True) == before_b and positions(b) == positions_b
    assert snapshot(a, with_xmin=True) != before_a  # rewritten...
    assert snapshot(a) == {t: [r[:-1] for r in rows] for t, rows in before_a.items()}  # ...equal


def test_the_projector_skips_a_tenant_while_a_rebuild_holds_its_lock(
    directory: TenantDirectory, tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID,
) -> None:
    projector = Projector(directory, ProjectionProgress(), meter=_meter()[0], retry_seconds=60)
    with catching_up(tenant, wait=True):
        record_history(tenant, admin, cell_id, live=False)
        assert projector.catch_up(tenant) is None
        assert set(positions(tenant).values()) == {0}
    assert projector.catch_up(tenant) == head(tenant)
    projector.stop()  # and its retry, due in a minute


def test_a_rebuild_alongside_the_projector_and_new_appends_ends_exactly_once(
    directory: TenantDirectory, tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID,
) -> None:
    record_history(tenant, admin, cell_id, members=30)
    projector = Projector(directory, ProjectionProgress(), meter=_meter()[0])
    done = threading.Event()
    failures: list[BaseException] = []

    def keep_projecting() -> None:
        try:
            while not done.is_set():
                projector.catch_up(tenant)
                time.sleep(0.005)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            failures.append(error)

    def append() -> None:
        try:
            with recorded_by(Provenance.system(admin.subject)):
                for _ in range(20):
                    enroll_officials(tenant, admin, cell_id, n=1)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            failures.append(error)

    threads = [threading.Thread(target=t) for t in (keep_projecting, append)]
    for thread in threads:
        thread.start()
    try:
        rebuild(tenant, batch_size=2)
    finally:
        done.set()
        for thread in threads:
            thread.join(30)
    assert not failures
    projector.catch_up(tenant)
    assert set(positions(tenant).values()) == {head(tenant)}
    after = snapshot(tenant)
    rebuild(tenant, batch_size=1000)
    assert snapshot(tenant) == after


def test_a_catch_up_that_failed_on_the_database_is_tried_again_without_a_new_append(
    directory: TenantDirectory, tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID,
) -> None:
    record_history(tenant, admin, cell_id, members=3, live=False)
    tracking = sql.Identifier(tenant.tenant.schema_name, "roster_tracking")
    as_app = sql.SQL("SET LOCAL ROLE {}").format(
        sql.Identifier(TenantRoles.for_schema(tenant.tenant.schema_name).app))
    with directory.pool(tenant.tenant.shard).connection() as conn, conn.transaction():
        conn.execute(as_app)  # the tracking table goes missing: every catch-up fails
        conn.execute(sql.SQL("ALTER TABLE {} RENAME TO roster_tracking_away").format(tracking))
    projector = Projector(OnlyTenant(directory, tenant), ProjectionProgress(), meter=_meter()[0],
                          retry_seconds=0.2)
    projector.start()
    try:
        time.sleep(1.5)  # a few failed attempts
        with directory.pool(tenant.tenant.shard).connection() as conn, conn.transaction():
            conn.execute(as_app)
            conn.execute(sql.SQL("ALTER TABLE {} RENAME TO roster_tracking").format(
                sql.Identifier(tenant.tenant.schema_name, "roster_tracking_away")))
        deadline = time.monotonic() + 20
        while set(positions(tenant).values()) != {head(tenant)}:
            assert time.monotonic() < deadline, positions(tenant)
            time.sleep(0.1)
    finally:
        projector.stop()


class OnlyTenant:
    """The directory as far as a projector asks, with one tenant in it: the projector then
    leaves the test database's other tenants alone."""

    def __init__(self, directory: TenantDirectory, tenant: TenantRuntime) -> None:
        self._directory, self._tenant = directory, tenant

    def __getattr__(self, name: str) -> Any:
        return getattr(self._directory, name)

    def list(self) -> list[Any]:
        return [self._tenant.tenant]


def test_the_lag_gauge_reports_each_projection_of_each_tenant(
    directory: TenantDirectory, tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID,
) -> None:
    meter, reader = _meter()
    Projector(directory, ProjectionProgress(), meter=meter)
    record_history(tenant, admin, cell_id, live=False)
    catch_up_all(tenant.register, [tenant.roster])

    lags = observed_lags(reader, tenant.tenant.slug)

    assert lags["roster"] == 0
    assert lags["org_tree"] == head(tenant) > 0
    assert set(lags) == {view.name for view in tenant.views}
    assert {s.projection: s.lag for s in status(tenant)} == lags


def test_burnt_notification_ids_neither_stall_nor_skip(
    directory: TenantDirectory, tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID,
) -> None:
    record_history(tenant, admin, cell_id, members=2)
    schema, table = tenant.tenant.schema_name, "register_events"
    as_writer = sql.SQL("SET LOCAL ROLE {}").format(
        sql.Identifier(TenantRoles.for_schema(schema).writer))  # may draw ids and INSERT
    with directory.pool(tenant.tenant.shard).connection() as conn:
        with conn.transaction():
            conn.execute(as_writer)
            conn.execute("SELECT nextval(pg_get_serial_sequence(%s, 'notification_id'))"
                         " FROM generate_series(1, 5)", (f"{schema}.{table}",))
        with pytest.raises(RuntimeError), conn.transaction():  # an append that rolled back
            conn.execute(as_writer)
            conn.execute(sql.SQL("INSERT INTO {} (originator_id, originator_version, topic, state)"
                                 " VALUES (%s, 1, 'x', 'x')").format(sql.Identifier(schema, table)),
                         (uuid.uuid4(),))
            raise RuntimeError("rolled back")
    hole = head(tenant)
    record_history(tenant, admin, cell_id, members=2)

    reached = catch_up_all(tenant.register, tenant.views, batch_size=2)

    assert reached == head(tenant) > hole + 6
    assert set(positions(tenant).values()) == {head(tenant)}
    assert len(snapshot(tenant)["roster_members"]) == 8


def test_a_lower_id_committed_later_is_never_skipped(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID,
) -> None:
    """An append holds the event table's lock from before its ids are drawn until it commits:
    a later append waits, so no higher id can be visible while a lower one is uncommitted."""
    record_history(tenant, admin, cell_id, members=2)
    before = head(tenant)
    recorder = tenant.register.recorder
    inserted, release = threading.Event(), threading.Event()
    fetch_ids = recorder._fetch_ids_after_insert_events  # type: ignore[attr-defined]

    def paused(*args: Any, **kwargs: Any) -> Any:  # ids drawn, the transaction still open
        ids = fetch_ids(*args, **kwargs)
        if threading.current_thread().name == "slow":
            inserted.set()
            assert release.wait(30)
        return ids

    recorder._fetch_ids_after_insert_events = paused  # type: ignore[attr-defined]

    def append() -> None:
        with recorded_by(Provenance.system(admin.subject)):
            enroll_officials(tenant, admin, cell_id, n=1)

    slow, fast = (threading.Thread(target=append, name=n) for n in ("slow", "fast"))
    try:
        slow.start()
        assert inserted.wait(30)
        fast.start()
        time.sleep(0.5)
        assert fast.is_alive(), "a second append drew ids while the first was uncommitted"
        assert catch_up_all(tenant.register, tenant.views) == before  # nothing visible yet
    finally:
        release.set()
        slow.join(30)
        fast.join(30)
        del recorder._fetch_ids_after_insert_events  # type: ignore[attr-defined]
    assert catch_up_all(tenant.register, tenant.views) == head(tenant) > before
    assert len(snapshot(tenant)["roster_members"]) == 4 + 2


# -- helpers ---------------------------------------------------------------------------------


def cli(database_url: str, home: Path, *args: str, wait: bool = True) -> Any:
    command = [sys.executable, "-c", "from partyledger.infra.cli import main; main()",
               "projections", *args]
    env = {**os.environ, "PARTYLEDGER_DATABASE_URL": database_url,
           "PARTYLEDGER_HOME": str(home), "COLUMNS": "200"}
    if not wait:
        return subprocess.Popen(command, cwd=home, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    done = subprocess.run(command, cwd=home, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
    return done


def make_tenant(directory: TenantDirectory) -> TenantRuntime:
    slug = new_slug()
    directory.create(slug, f"Đảng bộ {slug}")
    return directory.runtime(slug)


def found_cell(tenant: TenantRuntime, admin: Actor) -> uuid.UUID:
    with recorded_by(Provenance.system(admin.subject)):
        root = tenant.register.found_organization(
            admin, name="Đảng bộ tỉnh", kind=OrganizationKind.PROVINCIAL_ORGANIZATION,
            parent_id=None, effective_on=date(2020, 1, 1), decision=None)
        return tenant.register.found_organization(
            admin, name="Chi bộ Thôn Đông", kind=OrganizationKind.GRASSROOTS_CELL,
            parent_id=root.subject_id, effective_on=date(2020, 1, 1), decision=None).subject_id


def _meter() -> tuple[Any, InMemoryMetricReader]:
    reader = InMemoryMetricReader()
    return MeterProvider(metric_readers=[reader]).get_meter("partyledger"), reader


def observed_lags(reader: InMemoryMetricReader, slug: str) -> dict[str, int]:
    data = reader.get_metrics_data()
    assert data is not None
    points = [point for rm in data.resource_metrics for sm in rm.scope_metrics
              for metric in sm.metrics if metric.name == "partyledger.projection.lag"
              for point in metric.data.data_points]
    return {str(p.attributes["projection"]): int(p.value) for p in points
            if p.attributes is not None and p.attributes["tenant.id"] == slug}

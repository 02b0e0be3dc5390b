"""The read side at provincial scale: rebuild, roster pages, statistics, GraphQL over HTTP.

    .venv/bin/python bench/read_side.py [--members 10000,500000] [--tenant SLUG ...]
                                        [--runs N] [--http-seconds S] [--no-rebuild]

For each size a tenant is generated (``partyledger demo --members N``; 500,000 takes about
15 minutes) unless ``--tenant`` names tenants that exist already. Each figure is printed beside
a baseline measured in the same run:

1. rebuilding every projection from the first event, against reading and decoding the same
   notification log (the same batches, eventsourcing's mapper);
2. a 50-row roster page (``RosterQueries.members``, with its total), first pages and pages at
   random keysets, against the hand-written SELECT of the same rows;
3. each statistics query over the whole tenant, against ``SELECT count(*)`` of its members;
4. the same roster page through GraphQL over HTTP (uvicorn, one worker, wrk with 16
   connections), against a plain Litestar route returning the same rows on the same server
   stack; answered fresh (an inspector: read-audited, never kept) and as kept for an
   administrator (``infra/answer_cache``).

The database is the one ``partyledger`` uses (PARTYLEDGER_DATABASE_URL, or the embedded one in
.partyledger/); generated tenants are left in place for the next run (``--tenant``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
from run import Report, Row, finish, machine_facts, pct

from partyledger.infra.auth import load_or_create_dev_key, mint_token
from partyledger.infra.cli import resolve_database
from partyledger.infra.province_generator import generate_bulk_province
from partyledger.infra.rebuild import rebuild
from partyledger.infra.settings import load_settings
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.projections.member_changes import ACTIVE_STATUSES
from partyledger.projections.roster_queries import RosterFilter
from partyledger.projections.statistics_queries import StatisticsQueries
from partyledger.services.access import Role

PAGE = 50
QUERY = ("query { members(first: 50) { totalCount edges { cursor node { id fullName status "
         "birthDate organization { name } } } } }")
PLAIN_APP = '''
from litestar import Litestar, post
from partyledger.infra.cli import resolve_database
from partyledger.infra.settings import load_settings
from partyledger.projections.roster_queries import RosterFilter

directory = resolve_database(load_settings())
runtime = directory.runtime({slug!r})

@post("/graphql", sync_to_thread=True)
def members(data: dict) -> dict:
    page = runtime.queries.members(RosterFilter(), first=50)
    return {{"data": {{"members": {{"totalCount": page.total_count, "edges": [
        {{"cursor": r.folded_name, "node": {{"id": str(r.member_id), "fullName": r.full_name,
          "status": r.status, "birthDate": r.birth_date.isoformat()}}}} for r in page.rows]}}}}}}

app = Litestar([members])
'''


def read_and_decode(runtime: TenantRuntime, batch_size: int = 5000) -> tuple[int, float]:
    app, position, events = runtime.register, 0, 0
    start = time.perf_counter()
    while True:
        notifications = app.recorder.select_notifications(
            start=position, limit=batch_size, inclusive_of_start=False)
        if not notifications:
            return events, time.perf_counter() - start
        events += len([app.mapper.to_domain_event(n) for n in notifications])
        position = notifications[-1].id


def bench_rebuild(runtime: TenantRuntime, report: Report, label: str) -> None:
    print(f"[{label}] read + decode, then rebuild ...", flush=True)
    events, decoding = read_and_decode(runtime)
    rebuilt = rebuild(runtime)
    rows = report.section(f"{label}: rebuild of all projections ({events:,} events)")
    rows.append(Row("rebuild (events/s)", events / rebuilt.seconds, events / decoding, "/s",
                    "reading and decoding the same log in batches of 5,000, nothing else"))


def timings(call: Any, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples


def bench_roster(runtime: TenantRuntime, report: Report, label: str, runs: int) -> None:
    print(f"[{label}] roster pages ...", flush=True)
    queries, schema = runtime.queries, runtime.tenant.schema_name
    datastore = runtime.roster.datastore
    with datastore.transaction(commit=False) as curs:
        curs.execute(f"SELECT folded_name, member_id FROM {schema}.roster_members"
                     " TABLESAMPLE SYSTEM (5) LIMIT 500")
        keys = [(r["folded_name"], r["member_id"]) for r in curs.fetchall()]
        curs.execute(f"SELECT organization_id FROM {schema}.roster_organizations"
                     " WHERE kind = 'COMMUNE_COMMITTEE' LIMIT 1")
        commune = curs.fetchone()
    rnd = random.Random(7)
    raw = (f"SELECT member_id, full_name, folded_name, birth_date, organization_id, status,"
           f" admitted_on, ceremony_on, recognized_on FROM {schema}.roster_members"
           " WHERE (folded_name, member_id) > (%s, %s) ORDER BY folded_name, member_id LIMIT 51")

    def raw_page() -> None:
        with datastore.transaction(commit=False) as curs:
            curs.execute(raw, rnd.choice(keys) if keys else ("", "00000000-0000-0000-0000-000000000000"))
            curs.fetchall()

    cases = [
        ("first page", lambda: queries.members(RosterFilter(), first=PAGE)),
        ("page at a random keyset", lambda: queries.members(RosterFilter(), first=PAGE,
                                                            after=rnd.choice(keys))),
        ("official members, a commune's subtree", lambda: queries.members(RosterFilter(
            organization_id=commune["organization_id"] if commune else None,
            statuses=("OFFICIAL",)), first=PAGE)),
        ("search 'nguyen van'", lambda: queries.members(RosterFilter(search="nguyen van"), first=PAGE)),
        ("rated GOOD in 2024", lambda: queries.members(RosterFilter(rated_in=2024, ratings=("GOOD",)),
                                                       first=PAGE)),
    ]
    base = timings(raw_page, runs)
    rows = compared(report, f"{label}: a {PAGE}-row roster page, in-process ({runs} runs each)",
                    "the hand-written SELECT ... ORDER BY folded_name LIMIT 51 at a random keyset "
                    "(no total)", cases, base, runs)
    note = rows[0].note
    slow = timings(lambda: queries.members(RosterFilter(as_of=date(2020, 1, 1)), first=PAGE),
                   max(3, runs // 50))
    rows.append(Row("roster as of 2020-01-01 p50", pct(slow, 50) * 1e3, pct(base, 50) * 1e3, "ms",
                    note))


def bench_statistics(runtime: TenantRuntime, report: Report, label: str, runs: int) -> None:
    print(f"[{label}] statistics ...", flush=True)
    stats = StatisticsQueries(runtime.roster.datastore)
    schema = runtime.tenant.schema_name

    def count_all() -> None:
        with runtime.roster.datastore.transaction(commit=False) as curs:
            curs.execute(f"SELECT count(*) FROM {schema}.roster_members")
            curs.fetchone()

    cases = [
        ("member ratings 2024 (both denominators)",
         lambda: stats.rating_distribution(2024, "MEMBER", None)),
        ("cell ratings 2024", lambda: stats.rating_distribution(2024, "CELL", None)),
        ("members on 2024-12-31", lambda: stats.member_count(date(2024, 12, 31), ACTIVE_STATUSES, None)),
        ("members on 2019-06-30", lambda: stats.member_count(date(2019, 6, 30), ACTIVE_STATUSES, None)),
        ("admissions in 2024", lambda: stats.admissions(date(2024, 1, 1), date(2024, 12, 31), None)),
        ("exits by kind 2018-2025", lambda: stats.exits(date(2018, 1, 1), date(2025, 12, 31), None)),
        ("screenings 2024", lambda: stats.screenings(date(2024, 1, 1), date(2024, 12, 31), None)),
        ("organisations on 2025-07-01", lambda: stats.organization_counts(date(2025, 7, 1), None)),
        ("member ratings 2024 as known at a moment",
         lambda: stats.rating_distribution(2024, "MEMBER", None, known_at=_now())),
    ]
    compared(report, f"{label}: statistics over the whole tenant ({runs} runs each)",
             "SELECT count(*) of the tenant's roster (every member counted once)", cases,
             timings(count_all, runs), runs)


def compared(report: Report, title: str, note: str, cases: list[tuple[str, Any]],
             base: list[float], runs: int) -> list[Row]:
    """Each case's p50 and p99 beside the baseline's, in one section of the report."""
    rows = report.section(title)
    for name, call in cases:
        samples = timings(call, runs)
        rows.append(Row(f"{name} p50", pct(samples, 50) * 1e3, pct(base, 50) * 1e3, "ms", note))
        rows.append(Row(f"{name} p99", pct(samples, 99) * 1e3, pct(base, 99) * 1e3, "ms", note))
    return rows


def _now() -> Any:
    from datetime import UTC, datetime
    return datetime.now(UTC)


def wrk(url: str, script: Path, seconds: int) -> float:
    out = subprocess.run(["wrk", "-t1", "-c16", f"-d{seconds}s", "-s", str(script), url],
                         capture_output=True, text=True, check=True).stdout
    return float(next(line.split()[1] for line in out.splitlines() if line.startswith("Requests/sec")))


def bench_http(runtime: TenantRuntime, report: Report, label: str, seconds: int) -> None:
    if shutil.which("wrk") is None:
        report.info.append((f"{label}: HTTP", "skipped: wrk is not installed (apt install wrk)"))
        return
    print(f"[{label}] GraphQL over HTTP ...", flush=True)
    settings = load_settings()
    key = load_or_create_dev_key(settings.auth.dev_key_path)
    slug = runtime.tenant.slug
    tokens = {role: mint_token(key, settings.auth, tenant=slug, subject=f"bench-{role.value}",
                               roles=[role]) for role in (Role.TENANT_ADMIN, Role.INSPECTOR)}
    work = Path(tempfile.mkdtemp(prefix="bench-http-"))
    (work / "plain.py").write_text(PLAIN_APP.format(slug=slug))
    env = {**os.environ, "PARTYLEDGER_GRAPHQL_COST_BUDGET": str(10**12),
           "PYTHONPATH": str(work)}
    servers = [
        subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory",
                          "partyledger.infra.app:create_app", "--port", "8911", "--no-access-log",
                          "--log-level", "warning"], env=env),
        subprocess.Popen([sys.executable, "-m", "uvicorn", "plain:app", "--port", "8912",
                          "--no-access-log", "--log-level", "warning"], env=env),
    ]
    try:
        time.sleep(12)
        scripts = {}
        for name, token in [("admin", tokens[Role.TENANT_ADMIN]), ("inspector", tokens[Role.INSPECTOR]),
                            ("plain", "")]:
            path = work / f"{name}.lua"
            path.write_text('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                            f'wrk.headers["Authorization"] = "Bearer {token}"\n'
                            f"wrk.body = {json.dumps(json.dumps({'query': QUERY}))}\n")
            scripts[name] = path
        graphql, plain = "http://127.0.0.1:8911/graphql", "http://127.0.0.1:8912/graphql"
        for url, script in ((graphql, scripts["admin"]), (graphql, scripts["inspector"]),
                            (plain, scripts["plain"])):
            wrk(url, script, 3)  # warm: pools, caches
        results: dict[str, list[float]] = {"admin": [], "inspector": [], "plain": []}
        for _ in range(2):  # interleaved: drift hits each alike
            results["admin"].append(wrk(graphql, scripts["admin"], seconds))
            results["inspector"].append(wrk(graphql, scripts["inspector"], seconds))
            results["plain"].append(wrk(plain, scripts["plain"], seconds))
    finally:
        for server in servers:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    best = {name: max(values) for name, values in results.items()}
    rows = report.section(f"{label}: the {PAGE}-row page over HTTP (uvicorn, one worker; "
                          f"wrk -t1 -c16, {seconds} s, best of 2)")
    note = ("a plain Litestar POST route on the same uvicorn, returning the same 50 rows and total "
            "from the same RosterQueries.members call; no auth, no GraphQL")
    rows.append(Row("GraphQL, administrator (answer kept) req/s", best["admin"], best["plain"], "/s", note))
    rows.append(Row("GraphQL, inspector (fresh, read-audited) req/s", best["inspector"], best["plain"],
                    "/s", note))
    report.info.append((f"{label}: GraphQL query", QUERY))


def member_records(runtime: TenantRuntime) -> int:
    with runtime.roster.datastore.transaction(commit=False) as curs:
        curs.execute(f"SELECT coalesce(sum(n), 0) AS n FROM {runtime.tenant.schema_name}.roster_totals")
        return int(curs.fetchone()["n"])


def tenant_for(directory: TenantDirectory, members: int) -> TenantRuntime:
    slug = f"bench-{members}"
    if slug not in {t.slug for t in directory.list()}:
        print(f"generating {members:,} members into tenant {slug} ...", flush=True)
        directory.create(slug, f"Đảng bộ tỉnh (bench {members:,})")
        runtime = directory.runtime(slug)
        generate_bulk_province(runtime.register, tenant=slug, members=members)
    return directory.runtime(slug)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", default="10000,500000")
    parser.add_argument("--tenant", action="append", default=[])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--http-seconds", type=int, default=8)
    parser.add_argument("--no-rebuild", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    began = time.perf_counter()
    directory = resolve_database(load_settings())
    runtimes = ([directory.runtime(slug) for slug in args.tenant] if args.tenant else
                [tenant_for(directory, int(n)) for n in args.members.split(",")])
    report = Report()
    with psycopg.connect(directory.shards[directory.control_shard]) as conn:
        report.facts = machine_facts(conn, "the partyledger database")
    for runtime in runtimes:
        if not args.no_rebuild or not member_records(runtime):
            bench_rebuild(runtime, report, runtime.tenant.slug)
        label = f"{runtime.tenant.slug} ({member_records(runtime):,} member records)"
        bench_roster(runtime, report, label, args.runs)
        bench_statistics(runtime, report, label, max(10, args.runs // 15))
        bench_http(runtime, report, label, args.http_seconds)
    finish(report, began, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())

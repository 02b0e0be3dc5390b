"""The bulk province generator (``partyledger demo --members N``) beside a raw COPY of the same
rows, measured in the same run.

    .venv/bin/python bench/generator.py [--members N] [--seed S] [--json FILE] [--timeout SECONDS]

Figure: ``generate_bulk_province`` filling a new tenant with N member records (default 20,000):
the domain records every command in memory, the register's mapper encodes each event, and the
rows are copied into the tenant's log (writer role, table lock, NOTIFY, triggers) in
transactions of 50,000 rows. Baseline: the rows it wrote, already encoded, read back (not timed)
and copied with ``COPY … FROM STDIN (FORMAT BINARY)`` into an events-shaped scratch table (same
primary key and notification index) in transactions of the same size, each with ``LOCK TABLE …
IN EXCLUSIVE MODE`` and ``NOTIFY`` — what writing alone costs.

The database is the one bench/run.py uses (embedded PostgreSQL, or PARTYLEDGER_DATABASE_URL).
"""

from __future__ import annotations

import argparse
import faulthandler
import logging
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import psycopg
from psycopg import sql
from run import (
    ROOT,
    Report,
    Row,
    Scratch,
    database,
    drop_bench_tenants,
    finish,
    machine_facts,
    tenant,
)

from partyledger.infra.bulk_append import ROWS_PER_TRANSACTION
from partyledger.infra.province_generator import generate_bulk_province
from partyledger.infra.shards import shutdown_pools
from partyledger.infra.tenants import TenantDirectory, TenantRuntime


def bench_generator(directory: TenantDirectory, report: Report, members: int,
                    seed: int) -> TenantRuntime:
    print(f"generating {members:,} members ...", flush=True)
    runtime, _ = tenant(directory, "bench-province")
    began = time.perf_counter()
    done = generate_bulk_province(runtime.register, tenant=runtime.tenant.slug, members=members,
                                  seed=seed)
    took = time.perf_counter() - began
    report.facts["generation"] = f"{took:.1f} s"
    report.info += [
        ("member records", f"{done.members:,} ({_counts(done.statuses)})"),
        ("exits", _counts(done.exits)),
        ("organisations", f"{done.organizations:,}"),
        ("commands / events", (f"{done.commands:,} / {done.events:,}"
                               f" ({done.events / done.members:.1f} events per member)")),
        ("generation wall time", f"{took:.1f} s"),
    ]
    report.section("Bulk province generator").append(
        Row("events/s", done.events / took, 0.0, "/s", ""))
    return runtime


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in counter.most_common())


def bench_copy(url: str, runtime: TenantRuntime, report: Report) -> None:
    """COPY the tenant's rows, batch by batch, into a scratch table; only the COPYs are timed."""
    print("copying the same rows into a scratch table ...", flush=True)
    schema = runtime.tenant.schema_name
    events = sql.Identifier(schema, runtime.register.recorder.events_table_name)
    scratch = Scratch(url, 0, "")
    scratch.create()
    copy = sql.SQL("COPY {} (originator_id, originator_version, topic, state)"
                   " FROM STDIN (FORMAT BINARY)").format(scratch.table)
    lock = sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(scratch.table)
    copied, took = 0, 0.0
    try:
        with (psycopg.connect(url) as reader, reader.cursor("rows") as rows,
              psycopg.connect(url) as writer):
            rows.execute(sql.SQL("SELECT originator_id, originator_version, topic, state FROM {}"
                                 " ORDER BY notification_id").format(events))
            while batch := rows.fetchmany(ROWS_PER_TRANSACTION):
                began = time.perf_counter()
                with writer.transaction(), writer.cursor() as curs:
                    curs.execute(lock)
                    curs.execute("NOTIFY bench_scratch_events")
                    with curs.copy(copy) as out:
                        out.set_types(["uuid", "int8", "text", "bytea"])
                        for row in batch:
                            out.write_row(row)
                took += time.perf_counter() - began
                copied += len(batch)
        row = report.sections[-1][1][-1]
        row.baseline = copied / took
        row.note = (f"raw COPY of the same {copied:,} encoded rows into an events-shaped scratch"
                    f" table, {ROWS_PER_TRANSACTION:,} per transaction with LOCK TABLE + NOTIFY")
        with psycopg.connect(url) as conn:
            sizes = conn.execute(
                "SELECT pg_total_relation_size(%s), pg_total_relation_size(%s),"
                " pg_database_size(current_database())",
                (events.as_string(conn), scratch.table.as_string(conn))).fetchone()
        log_size, scratch_size, database_size = (size / 2**20 for size in sizes)
        report.info += [
            ("raw COPY time", f"{took:.1f} s"),
            ("log size (events table, indexes)",
             f"{log_size:,.0f} MiB ({sizes[0] / copied:,.0f} bytes per event)"),
            ("database size", f"{database_size:,.0f} MiB (scratch copy: {scratch_size:,.0f} MiB)"),
        ]
    finally:
        scratch.drop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=20_000,
                        help="member records (default 20,000)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--timeout", type=float, default=3600,
                        help="abort with a traceback after this many seconds (default 3600)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()

    faulthandler.dump_traceback_later(args.timeout, exit=True)
    logging.basicConfig(level=logging.WARNING)
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
                runtime = bench_generator(directory, report, args.members, args.seed)
                bench_copy(url, runtime, report)
            finally:
                drop_bench_tenants(directory)
                shutdown_pools()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    finish(report, began, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""One reorganisation merging 100 cells into 20, inside a tenant of 30,000 cells, as one command —
beside the raw SQL that writes the same event rows in one transaction.

    .venv/bin/python bench/reorganisation.py [--cells N] [--communes N] [--members-per-cell N]
                                             [--runs N] [--timeout SECONDS]

Setup (not timed as the figure): a province, ``--communes`` commune committees and ``--cells``
grassroots cells spread over them, saved as Organization aggregates about 1,000 per save through
the real event store (each batch with its bookkeeping: the parents' children entries). In the
cells of each run's merge, ``--members-per-cell`` members entered from earlier records, likewise
saved with their cells' roster entries.

Each run: ``register.merge_organizations`` with 20 mergers of 5 sources into 1 target (120 cells
of two communes, 1,000 members moved by default) — one command, one save. Baseline: the rows that
command appended, copied by one ``INSERT … SELECT`` into an events-shaped scratch table inside
one transaction with the event store's ``LOCK TABLE … IN EXCLUSIVE MODE`` and ``NOTIFY``.

The database is the one bench/run.py uses (embedded PostgreSQL, or PARTYLEDGER_DATABASE_URL).
"""

from __future__ import annotations

import argparse
import faulthandler
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from run import ROOT, Scratch, cpu_calibration, database, drop_bench_tenants, machine_facts, tenant

from partyledger.domain.decision import Decision
from partyledger.domain.member import Member
from partyledger.domain.org_reorganisation import Merger
from partyledger.domain.organization import Organization, OrganizationKind as Kind
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.infra.shards import shutdown_pools
from partyledger.infra.tenants import TenantDirectory, TenantRuntime

FOUNDED = date(2025, 7, 1)
MERGED_ON = date(2025, 9, 1)
BATCH = 1_000
TARGETS, SOURCES_PER_TARGET = 20, 5


def save_in_batches(runtime: TenantRuntime, aggregates: list[Any]) -> int:
    """Save ~1,000 aggregates per transaction with their bookkeeping; the events written."""
    register, events = runtime.register, 0
    for i in range(0, len(aggregates), BATCH):
        recordings = register.save(*register.with_consequences(aggregates[i:i + BATCH]))
        events += len(recordings)
    return events


def build_tree(runtime: TenantRuntime, cells: int, communes: int) -> list[list[uuid.UUID]]:
    """The province, its communes and cells; the cell ids grouped by commune."""
    register = runtime.register
    province = Organization.found(name="Đảng bộ tỉnh (bench)", kind=Kind.PROVINCIAL_ORGANIZATION,
                                  parent=None, effective_on=FOUNDED, decision=None)
    register.save(province)
    made = [Organization.found(name=f"Đảng bộ xã {i}", kind=Kind.COMMUNE_COMMITTEE, parent=province,
                               effective_on=FOUNDED, decision=None) for i in range(communes)]
    save_in_batches(runtime, made)
    by_commune: list[list[uuid.UUID]] = [[] for _ in made]
    batch: list[Organization] = []
    for i in range(cells):
        commune = made[i * communes // cells]
        batch.append(Organization.found(name=f"Chi bộ {i}", kind=Kind.GRASSROOTS_CELL, parent=commune,
                                        effective_on=FOUNDED, decision=None))
        by_commune[i * communes // cells].append(batch[-1].id)
    save_in_batches(runtime, batch)
    return by_commune


def populate(runtime: TenantRuntime, cells: list[uuid.UUID], per_cell: int) -> None:
    members = [Member.enroll(full_name=f"Nguyễn Văn Bình {i}", birth_date=date(1975, 3, 8), cell_id=cell,
                             admitted_on=date(2001, 5, 19), ceremony_on=date(2001, 6, 2),
                             recognized_on=date(2002, 6, 3))
               for cell in cells for i in range(per_cell)]
    save_in_batches(runtime, members)


def one_run(url: str, runtime: TenantRuntime, admin: Any, cells: list[uuid.UUID], per_cell: int) -> dict[str, Any]:
    """Populate ``cells`` (120 of them), merge them 100 → 20 in one command, then the baseline."""
    populate(runtime, cells, per_cell)
    mergers = [Merger(tuple(cells[i * 6 + 1:i * 6 + 6]), cells[i * 6]) for i in range(TARGETS)]
    register = runtime.register
    counts = {"reads": 0, "save": 0.0}
    select_events, insert_events = register.recorder.select_events, register.recorder.insert_events

    def counted(*args: Any, **kwargs: Any) -> Any:
        counts["reads"] += 1
        return select_events(*args, **kwargs)

    def timed_insert(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return insert_events(*args, **kwargs)
        finally:
            counts["save"] += time.perf_counter() - start

    before = register.recorder.max_notification_id() or 0
    register.recorder.select_events = counted  # type: ignore[method-assign]
    register.recorder.insert_events = timed_insert  # type: ignore[method-assign]
    try:
        start = time.perf_counter()
        outcome = register.merge_organizations(admin, mergers=mergers, effective_on=MERGED_ON,
                                               decision=Decision("1-QĐ/TU", MERGED_ON, "Ban Thường vụ Tỉnh ủy"))
        seconds = time.perf_counter() - start
    finally:
        del register.recorder.select_events, register.recorder.insert_events
    moved = sum(len(register.organization(m.target_id).roster) for m in mergers) - TARGETS * per_cell
    assert moved == TARGETS * SOURCES_PER_TARGET * per_cell, moved
    assert all(register.organization(s).ended_on == MERGED_ON for m in mergers for s in m.source_ids)
    return {"seconds": seconds, "save": counts["save"], "reads": counts["reads"], "moved": moved,
            "first": before + 1, "last": outcome.position,
            "baseline": baseline(url, runtime, before + 1, outcome.position)}


def baseline(url: str, runtime: TenantRuntime, first: int, last: int) -> float:
    """The same rows, copied in one INSERT … SELECT under the event store's lock and NOTIFY."""
    events = sql.Identifier(runtime.tenant.schema_name, "register_events")
    scratch = Scratch(url, 0, "bench")
    scratch.create()
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            start = time.perf_counter()
            with conn.transaction():
                conn.execute(sql.SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(scratch.table))
                conn.execute("NOTIFY bench_scratch_events")
                conn.execute(sql.SQL(
                    "INSERT INTO {} (originator_id, originator_version, topic, state)"
                    " SELECT originator_id, originator_version, topic, state FROM {}"
                    " WHERE notification_id BETWEEN %s AND %s ORDER BY notification_id"
                ).format(scratch.table, events), (first, last))
            return time.perf_counter() - start
    finally:
        scratch.drop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", type=int, default=30_000, help="cells in the tenant (default 30,000)")
    parser.add_argument("--communes", type=int, default=300, help="commune committees (default 300)")
    parser.add_argument("--members-per-cell", type=int, default=10,
                        help="members in each merged cell (default 10: 1,000 members moved)")
    parser.add_argument("--runs", type=int, default=3, help="merges, each on fresh cells (default 3)")
    parser.add_argument("--timeout", type=float, default=1800, help="abort after this many seconds")
    args = parser.parse_args()
    cells_per_run = TARGETS * (SOURCES_PER_TARGET + 1)
    if args.cells // args.communes * 2 < cells_per_run or args.communes < 2 * args.runs:
        parser.error(f"each run needs two communes of at least {cells_per_run // 2} cells")
    faulthandler.dump_traceback_later(args.timeout, exit=True)
    logging.basicConfig(level=logging.WARNING)
    (ROOT / ".partyledger").mkdir(exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="bench-reorg-", dir=ROOT / ".partyledger"))
    workdir.chmod(0o755)  # the embedded server runs as its own OS user when started as root
    began = time.perf_counter()
    try:
        with database(workdir) as (url, where):
            directory = TenantDirectory({"main": url}, application_name="partyledger-bench")
            directory.install()
            with psycopg.connect(url, autocommit=True) as conn:
                facts = machine_facts(conn, where)
            try:
                runtime, admin = tenant(directory, "bench-reorg")
                with recorded_by(Provenance.system(admin.subject)):
                    start = time.perf_counter()
                    by_commune = build_tree(runtime, args.cells, args.communes)
                    setup = time.perf_counter() - start
                    results = [one_run(url, runtime, admin, (by_commune[2 * r] + by_commune[2 * r + 1])[:cells_per_run],
                                       args.members_per_cell) for r in range(args.runs)]
                total_events = runtime.register.recorder.max_notification_id()
            finally:
                drop_bench_tenants(directory)
                shutdown_pools()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    facts["load average (end)"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    facts["cpu calibration (end)"] = cpu_calibration()
    report(facts, args, setup, total_events, results, time.perf_counter() - began)
    return 0


def report(facts: dict[str, Any], args: argparse.Namespace, setup: float, total_events: int | None,
           results: list[dict[str, Any]], wall: float) -> None:
    print("\nMachine")
    for key, value in facts.items():
        print(f"  {key:<24} {value}")
    print(f"\nTenant: {args.cells:,} cells under {args.communes} communes, recorded in {setup:.1f} s "
          f"({total_events:,} events in the tenant's log at the end)")
    first = results[0]
    print(f"One merge: {TARGETS} mergers of {SOURCES_PER_TARGET} cells, {first['moved']:,} members moved, "
          f"{first['last'] - first['first'] + 1:,} events in one transaction, "
          f"{first['reads']:,} aggregate loads before the save")
    print(f"\n  {'run':<5} {'merge_organizations':>20} {'of which the save':>18} {'raw INSERT…SELECT':>18} {'cost ×':>7}")
    for i, r in enumerate(results, 1):
        print(f"  {i:<5} {r['seconds'] * 1e3:>17.0f} ms {r['save'] * 1e3:>15.0f} ms "
              f"{r['baseline'] * 1e3:>15.1f} ms {r['seconds'] / r['baseline']:>6.0f}×")
    ours, raw = statistics.median(r["seconds"] for r in results), statistics.median(r["baseline"] for r in results)
    print(f"  {'median':<5} {ours * 1e3:>17.0f} ms {statistics.median(r['save'] for r in results) * 1e3:>15.0f} ms "
          f"{raw * 1e3:>15.1f} ms {ours / raw:>6.0f}×")
    print(f"\ncommand: {' '.join([Path(sys.executable).name, *sys.argv])}; wall time {wall:.0f} s")


if __name__ == "__main__":
    sys.exit(main())

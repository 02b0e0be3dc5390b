"""The roster on a date and as recorded at a moment, against replaying the member's own events.

Random histories (transfers, corrections, strike-offs, restorations, deaths; any order of
effective dates the rules accept, so some are back-dated) are recorded through the services;
then for dates around every effective date and moments between the recordings, the roster's
answer equals ``record_as_of`` over the member's events. The tables rebuilt from zero equal
the ones kept live.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql

from partyledger.domain.decision import Decision
from partyledger.domain.errors import DomainError
from partyledger.domain.member_exits import StrikeOffGround
from partyledger.domain.organization import OrganizationKind
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.infra.tenants import TenantRuntime
from partyledger.projections.follower import catch_up_all
from partyledger.projections.roster import ROSTER_TABLES
from partyledger.projections.roster_queries import RosterFilter
from partyledger.services.access import Actor

START = date(2016, 9, 1)
day = st.integers(min_value=1, max_value=100).map(lambda n: START + timedelta(days=30 * n))
step = st.one_of(
    st.tuples(st.just("transfer"), day, st.integers(0, 1)),
    st.tuples(st.just("correct"), day, st.integers(0, 9)),
    st.tuples(st.just("strike_off"), day, st.just(0)),
    st.tuples(st.just("restore"), day, st.just(0)),
    st.tuples(st.just("death"), day, st.just(0)),
)


def found(tenant: TenantRuntime, admin: Actor, name: str, kind: OrganizationKind,
          parent: uuid.UUID | None) -> uuid.UUID:
    return tenant.register.found_organization(admin, name=name, kind=kind, parent_id=parent,
                                              effective_on=date(2010, 1, 1), decision=None).subject_id


def record(tenant: TenantRuntime, admin: Actor, member: uuid.UUID, cells: list[uuid.UUID],
           what: str, on: date, n: int) -> None:
    register = tenant.register
    decision = Decision(f"{n}-QĐ/ĐU", on, "Ban Thường vụ Huyện ủy")
    if what == "transfer":
        register.issue_transfer_letter(admin, member_id=member, to_cell_id=cells[n],
                                       letter_number=f"GT-{on:%Y%m%d}", issued_on=on)
        register.present_transfer_letter(admin, member_id=member, presented_on=on + timedelta(days=3))
        register.receive_transfer(admin, member_id=member, received_on=on + timedelta(days=5))
    elif what == "correct":
        register.correct_record(admin, member_id=member, amends_version=1, effective_on=on,
                                reason="Sai chính tả họ tên", full_name=f"Hà Thị Mai {n}")
    elif what == "strike_off":
        register.strike_off(admin, member_id=member, ground=StrikeOffGround.ABANDONED_ACTIVITY,
                            decision=decision, effective_on=on)
    elif what == "restore":
        register.restore_membership(admin, member_id=member, decision=decision, effective_on=on,
                                    apology=True)
    else:
        register.record_death(admin, member_id=member, on=on)


def roster_row(tenant: TenantRuntime, member: uuid.UUID, as_of: date, known_at: datetime | None) -> Any:
    page = tenant.queries.members(RosterFilter(as_of=as_of, known_at=known_at), first=100)
    assert not page.has_next
    return next((r for r in page.rows if r.member_id == member), None)


def snapshot(tenant: TenantRuntime) -> dict[str, list[Any]]:
    with tenant.roster.datastore.transaction(commit=False) as curs:
        tables = {}
        for table in ROSTER_TABLES:
            name = sql.Identifier(tenant.tenant.schema_name, table)
            curs.execute(sql.SQL("SELECT t::text AS row FROM {} AS t ORDER BY 1").format(name))
            tables[table] = [r["row"] for r in curs.fetchall()]
    return tables


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=6))
def test_the_roster_on_any_date_as_known_at_any_moment_equals_replaying_the_members_events(
    tenant: TenantRuntime, admin: Actor, steps: list[tuple[str, date, int]],
) -> None:
    with recorded_by(Provenance.system(admin.subject)):
        root = found(tenant, admin, "Đảng bộ tỉnh Lai Châu", OrganizationKind.PROVINCIAL_ORGANIZATION, None)
        cells = [found(tenant, admin, f"Chi bộ bản Nà {i}", OrganizationKind.GRASSROOTS_CELL, root)
                 for i in range(2)]
        member = tenant.register.enroll_member(
            admin, full_name="Hà Thị Mai", birth_date=date(1985, 4, 4), cell_id=cells[0],
            admitted_on=date(2015, 8, 10), ceremony_on=date(2015, 8, 10),
            recognized_on=START).subject_id
        moments = [datetime.now(UTC)]
        for what, on, n in steps:
            try:
                record(tenant, admin, member, cells, what, on, n)
            except DomainError:
                pass  # a refused step writes nothing; the history goes on without it
            moments.append(datetime.now(UTC))
    catch_up_all(tenant.register, tenant.views)
    events = tenant.register.member_history(admin, member)
    days = sorted({e.effective_on + timedelta(days=d) for e in events for d in (-1, 0, 1)})
    for known_at in [None, *moments]:
        for as_of in days:
            replayed = tenant.register.member_as_of(admin, member, as_of, known_at)
            row = roster_row(tenant, member, as_of, known_at)
            if replayed is None:
                assert row is None, (as_of, known_at)
                continue
            assert row is not None, (as_of, known_at)
            assert (row.status, row.organization_id, row.full_name) == (
                replayed.status.name, replayed.cell_id, replayed.full_name), (as_of, known_at)
    live = snapshot(tenant)
    tenant.roster.reset()
    catch_up_all(tenant.register, tenant.views, batch_size=7)
    assert snapshot(tenant) == live


def test_a_back_dated_event_changes_the_roster_as_of_its_date_but_not_as_known_before_it(
    tenant: TenantRuntime, admin: Actor,
) -> None:
    with recorded_by(Provenance.system(admin.subject)):
        root = found(tenant, admin, "Đảng bộ tỉnh Điện Biên", OrganizationKind.PROVINCIAL_ORGANIZATION, None)
        cell = found(tenant, admin, "Chi bộ bản Him Lam", OrganizationKind.GRASSROOTS_CELL, root)
        member = tenant.register.enroll_member(
            admin, full_name="Lò Văn Páo", birth_date=date(1975, 1, 1), cell_id=cell,
            admitted_on=date(2000, 5, 19), ceremony_on=date(2000, 5, 19),
            recognized_on=date(2001, 5, 19)).subject_id
        catch_up_all(tenant.register, tenant.views)
        before = datetime.now(UTC)
        # recorded today, effective three years ago
        tenant.register.record_death(admin, member_id=member, on=date(2022, 3, 3))
    catch_up_all(tenant.register, tenant.views)

    def status(as_of: date, known_at: datetime | None = None) -> str | None:
        row = roster_row(tenant, member, as_of, known_at)
        return row.status if row else None

    assert status(date(2023, 1, 1)) == "DECEASED"  # as of a later date, as known now
    assert status(date(2022, 3, 2)) == "OFFICIAL"  # the day before it took effect
    assert status(date(2023, 1, 1), known_at=before) == "OFFICIAL"  # as known before it was recorded
    assert status(date(2023, 1, 1), known_at=datetime.now(UTC)) == "DECEASED"
    counted = tenant.queries.members(RosterFilter(as_of=date(2023, 1, 1), known_at=before,
                                                  statuses=("OFFICIAL",)), first=10)
    assert counted.total_count == 1 and counted.rows[0].member_id == member
    assert tenant.queries.members(RosterFilter(as_of=date(2023, 1, 1), statuses=("OFFICIAL",)),
                                  first=10).total_count == 0

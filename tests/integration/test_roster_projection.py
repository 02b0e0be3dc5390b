"""The roster projection: exactly-once catch-up, and a rebuild from zero equals the live one."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from psycopg import sql
from support import admit, enroll_officials, recognition_vote

from partyledger.domain.decision import Decision
from partyledger.domain.organization import OrganizationKind
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.infra.tenants import TenantRuntime
from partyledger.projections.follower import PositionLostError, catch_up, catch_up_all
from partyledger.projections.roster import ROSTER_TABLES
from partyledger.projections.roster_queries import RosterFilter
from partyledger.services.access import Actor


def snapshot(tenant: TenantRuntime) -> dict[str, list[Any]]:
    with tenant.roster.datastore.transaction(commit=False) as curs:
        tables = {}
        for table in ROSTER_TABLES:
            curs.execute(sql.SQL("SELECT * FROM {} ORDER BY 1").format(
                sql.Identifier(tenant.tenant.schema_name, table)))
            tables[table] = curs.fetchall()
    return tables


def test_the_roster_rebuilt_from_zero_equals_the_live_one(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID,
) -> None:
    rnd = random.Random(7)
    with recorded_by(Provenance.system(admin.subject)):
        officials = enroll_officials(tenant, admin, cell_id, n=3)
        for i in range(12):
            ceremony = date(2015, 7, 24) + timedelta(days=rnd.randint(0, 3000))
            member = admit(tenant, admin, cell_id, rnd.sample(officials, 2),
                           name=f"Hoàng Minh Đức {i}", ceremony_on=ceremony)
            catch_up(tenant.register, tenant.roster)  # live: projected as the events arrive
            if rnd.random() < 0.6:
                resolution = ceremony + timedelta(days=366 + rnd.randint(0, 90))
                when = resolution + timedelta(days=10)
                tenant.register.recognize_official(
                    admin, member_id=member.subject_id, cell_resolution=recognition_vote(resolution),
                    decision=Decision("9-QĐ/ĐU", when, "Đảng ủy xã"), effective_on=when)
    catch_up(tenant.register, tenant.roster)
    live = snapshot(tenant)
    assert len(live["roster_members"]) == 15
    tenant.roster.reset()
    assert tenant.roster.position() == 0 and not snapshot(tenant)["roster_members"]
    catch_up(tenant.register, tenant.roster, batch_size=4)
    assert snapshot(tenant) == live


def test_catch_up_processes_each_event_once(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID,
) -> None:
    with recorded_by(Provenance.system(admin.subject)):
        officials = enroll_officials(tenant, admin, cell_id)
        admit(tenant, admin, cell_id, officials)
    first = catch_up(tenant.register, tenant.roster)
    assert catch_up(tenant.register, tenant.roster) == first
    assert tenant.queries.members(RosterFilter(), first=10).total_count == 3


def test_search_ignores_diacritics_and_subtree_filters(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID,
) -> None:
    with recorded_by(Provenance.system(admin.subject)):
        officials = enroll_officials(tenant, admin, cell_id)
        admit(tenant, admin, cell_id, officials, name="Nguyễn Văn Ân")
    catch_up(tenant.register, tenant.roster)
    found = tenant.queries.members(RosterFilter(search="nguyen van an"), first=10)
    assert [r.full_name for r in found.rows] == ["Nguyễn Văn Ân"]
    elsewhere = tenant.queries.members(RosterFilter(organization_id=uuid.uuid4()), first=10)
    assert elsewhere.total_count == 0
    here = tenant.queries.members(RosterFilter(organization_id=cell_id), first=2)
    assert here.total_count == 3 and here.has_next and len(here.rows) == 2
    last = here.rows[-1]
    rest = tenant.queries.members(RosterFilter(organization_id=cell_id), first=2,
                                  after=(last.folded_name, last.member_id))
    assert len(rest.rows) == 1 and not rest.has_next
    assert rest.rows[0].member_id not in {r.member_id for r in here.rows}


def test_moving_a_committee_moves_its_cells_members_in_subtree_searches(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID,
) -> None:
    register = tenant.register
    root = register.organization(cell_id).parent_id
    with recorded_by(Provenance.system(admin.subject)):
        district = register.found_organization(
            admin, name="Đảng bộ huyện Đông Anh", kind=OrganizationKind.DISTRICT_COMMITTEE,
            parent_id=root, effective_on=date(2012, 1, 1), decision=None).subject_id
        cell = register.found_organization(
            admin, name="Chi bộ Thôn Bắc", kind=OrganizationKind.GRASSROOTS_CELL,
            parent_id=district, effective_on=date(2012, 1, 1), decision=None).subject_id
        enroll_officials(tenant, admin, cell, n=3)
        commune = register.found_organization(
            admin, name="Đảng bộ xã Đông Anh", kind=OrganizationKind.COMMUNE_COMMITTEE,
            parent_id=root, effective_on=date(2025, 7, 1), decision=None).subject_id
        catch_up(register, tenant.roster)
        assert tenant.queries.members(RosterFilter(organization_id=district), first=10).total_count == 3
        register.move_organization(admin, organization_id=cell, new_parent_id=commune,
                                   effective_on=date(2025, 7, 1))
    catch_up(register, tenant.roster)
    assert tenant.queries.members(RosterFilter(organization_id=district), first=10).total_count == 0
    assert tenant.queries.members(RosterFilter(organization_id=commune), first=10).total_count == 3
    live = snapshot(tenant)
    tenant.roster.reset()
    catch_up(register, tenant.roster)
    assert snapshot(tenant) == live


class _Remembering:
    """A view as a catch-up that read its position before the database lost a commit sees it:
    further on than the database holds."""

    def __init__(self, view: Any, believed: int) -> None:
        self.view, self.believed = view, believed
        self.name, self.shows = view.name, view.shows

    def position(self) -> int:
        return self.believed

    def process(self, events: Any, through: int = 0, after: int | None = None) -> int:
        return int(self.view.process(events, through=through, after=after))


def test_a_batch_after_a_position_the_database_lost_is_refused_not_applied_over_a_gap(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID,
) -> None:
    """Projection commits do not wait for the WAL: a crash can lose one the database had
    acknowledged. A catch-up that goes on from the position it remembers would then skip the
    events of the lost commit for good."""
    with recorded_by(Provenance.system(admin.subject)):
        officials = enroll_officials(tenant, admin, cell_id, n=2)
    before = catch_up(tenant.register, tenant.roster)
    with recorded_by(Provenance.system(admin.subject)):
        admitted = admit(tenant, admin, cell_id, officials, "Trần Thị Lan").subject_id
        later = admit(tenant, admin, cell_id, officials, "Lê Văn Hùng").subject_id
    head = tenant.register.recorder.max_notification_id() or 0
    lost = (before + head) // 2  # the database holds `before`; the catch-up believes `lost`
    with pytest.raises(PositionLostError):
        catch_up_all(tenant.register, [_Remembering(tenant.roster, lost)])
    assert tenant.roster.position() == before  # nothing applied over the gap
    assert catch_up(tenant.register, tenant.roster) == head
    found = {r.member_id for r in tenant.queries.members(RosterFilter(), first=50).rows}
    assert {admitted, later} <= found

"""Tenants are walls: another tenant's register and roster neither see nor change a member."""

from __future__ import annotations

import uuid
from datetime import date

import psycopg
import pytest
from support import admit, enroll_officials, event_count, new_slug, recognition_vote

from partyledger.domain.decision import Decision
from partyledger.domain.errors import MemberNotFoundError, OrganizationNotFoundError
from partyledger.domain.organization import OrganizationKind
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.projections.follower import catch_up
from partyledger.projections.roster_queries import RosterFilter
from partyledger.services.access import AccessDeniedError, Actor, Role


@pytest.fixture
def other(directory: TenantDirectory) -> tuple[TenantRuntime, Actor]:
    slug = new_slug()
    directory.create(slug, "Đảng bộ tỉnh khác")
    return directory.runtime(slug), Actor("admin-b", slug, frozenset({Role.TENANT_ADMIN}))


@pytest.fixture
def member_id(tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID) -> uuid.UUID:
    with recorded_by(Provenance.system(admin.subject)):
        member = admit(tenant, admin, cell_id, enroll_officials(tenant, admin, cell_id)).subject_id
    catch_up(tenant.register, tenant.roster)
    return member


def test_another_tenant_cannot_read_a_member(
    tenant: TenantRuntime, member_id: uuid.UUID, other: tuple[TenantRuntime, Actor],
) -> None:
    b, admin_b = other
    catch_up(b.register, b.roster)
    assert tenant.queries.member(member_id) is not None
    assert b.queries.member(member_id) is None
    assert b.queries.members(RosterFilter(), first=100).total_count == 0
    with pytest.raises(MemberNotFoundError):
        b.register.member_history(admin_b, member_id)


def test_another_tenant_cannot_change_a_member_or_use_its_cells(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID, member_id: uuid.UUID,
    other: tuple[TenantRuntime, Actor],
) -> None:
    b, admin_b = other
    before_a, before_b = event_count(tenant), event_count(b)
    with recorded_by(Provenance.system(admin_b.subject)):
        with pytest.raises(MemberNotFoundError):
            b.register.recognize_official(
                admin_b, member_id=member_id, cell_resolution=recognition_vote(date(2016, 9, 1)),
                decision=Decision("1", date(2016, 9, 2), "x"), effective_on=date(2016, 9, 2))
        with pytest.raises(OrganizationNotFoundError):
            admit(b, admin_b, cell_id, [])
        with pytest.raises(OrganizationNotFoundError):
            b.register.found_organization(admin_b, name="x", kind=OrganizationKind.GRASSROOTS_CELL,
                                          parent_id=cell_id, effective_on=date(2020, 1, 1),
                                          decision=None)
    assert (event_count(tenant), event_count(b)) == (before_a, before_b)


def test_each_tenant_keeps_its_events_in_its_own_schema(
    tenant: TenantRuntime, member_id: uuid.UUID, other: tuple[TenantRuntime, Actor],
    database_url: str,
) -> None:
    b, _ = other
    with psycopg.connect(database_url) as conn:
        def count(schema: str) -> int:
            row = conn.execute(
                f'SELECT count(*) FROM "{schema}".register_events WHERE originator_id = %s',  # noqa: S608
                (member_id,)).fetchone()
            return int(row[0]) if row else -1

        assert count(tenant.tenant.schema_name) == 4  # candidacy, cell vote, decision, ceremony
        assert count(b.tenant.schema_name) == 0


def test_fifty_tenants_in_one_process_share_at_most_ten_connections(
    directory: TenantDirectory, database_url: str,
) -> None:
    slugs = [new_slug() for _ in range(50)]
    for slug in slugs:
        directory.create(slug, f"Đảng bộ {slug}")
        runtime = directory.runtime(slug)
        actor = Actor("admin", slug, frozenset({Role.TENANT_ADMIN}))
        with recorded_by(Provenance.system("admin")):
            runtime.register.found_organization(
                actor, name="Đảng bộ tỉnh", kind=OrganizationKind.PROVINCIAL_ORGANIZATION,
                parent_id=None, effective_on=date(2025, 7, 1), decision=None)
        catch_up(runtime.register, runtime.roster)
    assert all(directory.runtime(s).queries.children(None) for s in slugs)
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s"
            " AND datname = current_database()",
            (directory.application_name,)).fetchone()
    assert row is not None and 1 <= row[0] <= 10


def test_credentials_of_another_tenant_cannot_act_on_this_register(
    tenant: TenantRuntime, cell_id: uuid.UUID, member_id: uuid.UUID, other: tuple[TenantRuntime, Actor],
) -> None:
    _, admin_b = other
    before = event_count(tenant)
    with recorded_by(Provenance.system(admin_b.subject)):
        with pytest.raises(AccessDeniedError):
            admit(tenant, admin_b, cell_id, [])
        with pytest.raises(AccessDeniedError):
            tenant.register.member_history(admin_b, member_id)
        with pytest.raises(AccessDeniedError):
            tenant.register.found_organization(admin_b, name="x", kind=OrganizationKind.GRASSROOTS_CELL,
                                               parent_id=cell_id, effective_on=date(2020, 1, 1),
                                               decision=None)
    assert event_count(tenant) == before

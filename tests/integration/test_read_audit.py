"""The read audit in the tenant's schema: one row per member read (who, whom, when, which
fields), append-only, read by the tenant's administrators only, newest first."""

from __future__ import annotations

import uuid

import pytest
from eventsourcing.persistence import ProgrammingError

from partyledger.infra.read_audit import ReadAuditLog, ReadTrail
from partyledger.infra.tenants import TenantRuntime
from partyledger.services.access import AccessDeniedError, Actor, Role


@pytest.fixture
def audit(tenant: TenantRuntime) -> ReadAuditLog:
    log = ReadAuditLog(tenant.register.factory.datastore, tenant.tenant.slug)  # type: ignore[attr-defined]
    log.ensure_table()
    log.ensure_table()  # idempotent
    return log


def someone(tenant: TenantRuntime, *roles: Role) -> Actor:
    return Actor(f"{roles[0].value.lower()}@{tenant.tenant.slug}", tenant.tenant.slug, frozenset(roles))


def test_a_requests_reads_are_recorded_one_row_per_member_with_the_fields_read(
    tenant: TenantRuntime, audit: ReadAuditLog,
) -> None:
    officer = someone(tenant, Role.OFFICER)
    first, second = uuid.uuid4(), uuid.uuid4()
    trail = ReadTrail(audit, officer, "corr-1")
    for member, field in ((first, "fullName"), (second, "birthDate"), (first, "history"),
                          (first, "fullName")):
        trail.saw(member, field)
    trail.flush()
    trail.flush()  # what was written is not written again
    page = audit.entries(someone(tenant, Role.TENANT_ADMIN))
    assert page.total_count == 2 and not page.has_next
    rows = {e.member_id: e for e in page.entries}
    assert rows[first].fields == ("fullName", "history") and rows[second].fields == ("birthDate",)
    assert {(e.subject, e.roles) for e in page.entries} == {(officer.subject, ("OFFICER",))}


def test_a_trail_that_read_nothing_writes_nothing(tenant: TenantRuntime, audit: ReadAuditLog) -> None:
    ReadTrail(audit, someone(tenant, Role.INSPECTOR), None).flush()
    assert audit.entries(someone(tenant, Role.TENANT_ADMIN)).total_count == 0


def test_entries_come_newest_first_a_page_at_a_time_and_for_one_member(
    tenant: TenantRuntime, audit: ReadAuditLog,
) -> None:
    inspector, member = someone(tenant, Role.INSPECTOR), uuid.uuid4()
    others = [uuid.uuid4() for _ in range(3)]
    for read in [member, *others, member]:
        audit.record(inspector, None, {read: {"fullName"}})
    admin = someone(tenant, Role.TENANT_ADMIN)
    first = audit.entries(admin, first=2)
    assert first.has_next and first.total_count == 5
    assert [e.member_id for e in first.entries] == [member, others[2]]
    rest = audit.entries(admin, first=10, before=first.entries[-1].id)
    assert [e.member_id for e in rest.entries] == [others[1], others[0], member] and not rest.has_next
    theirs = audit.entries(admin, member_id=member)
    assert theirs.total_count == 2 and {e.member_id for e in theirs.entries} == {member}


@pytest.mark.parametrize("roles", [{Role.OFFICER}, {Role.INSPECTOR}, {Role.PARTNER}])
def test_only_the_tenants_administrators_read_the_audit(
    tenant: TenantRuntime, audit: ReadAuditLog, roles: set[Role],
) -> None:
    with pytest.raises(AccessDeniedError):
        audit.entries(someone(tenant, *roles))
    stranger = Actor("admin@elsewhere", "elsewhere", frozenset({Role.TENANT_ADMIN}))
    with pytest.raises(AccessDeniedError):
        audit.entries(stranger)


def test_the_audit_is_append_only(tenant: TenantRuntime, audit: ReadAuditLog) -> None:
    audit.record(someone(tenant, Role.OFFICER), None, {uuid.uuid4(): {"fullName"}})
    schema = tenant.register.factory.datastore.schema  # type: ignore[attr-defined]
    for change in (f"UPDATE {schema}.read_audit SET subject = 'nobody'",
                   f"DELETE FROM {schema}.read_audit"):
        with pytest.raises(ProgrammingError, match="permission denied for table read_audit"), \
                tenant.register.factory.datastore.transaction(commit=True) as curs:  # type: ignore[attr-defined]
            curs.execute(change)
    assert audit.entries(someone(tenant, Role.TENANT_ADMIN)).total_count == 1


def test_who_reads_is_audited_by_role() -> None:
    def reader(*roles: Role) -> Actor:
        return Actor("x", "t", frozenset(roles))

    assert reader(Role.OFFICER).reads_are_audited and reader(Role.INSPECTOR).reads_are_audited
    assert not reader(Role.TENANT_ADMIN).reads_are_audited
    assert not reader(Role.PARTNER).reads_are_audited
    assert reader(Role.TENANT_ADMIN, Role.INSPECTOR).reads_are_audited

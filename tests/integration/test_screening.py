"""Screening campaigns through the register, on a real event store: who may record a case, and
refusals that write nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from support import event_count, new_slug

from partyledger.domain.decision import Decision
from partyledger.domain.errors import DomainError, MemberNotFoundError
from partyledger.domain.member import Member, MemberStatus
from partyledger.domain.member_exits import ExitKind, StrikeOffGround
from partyledger.domain.member_screening import ScreeningOutcome
from partyledger.domain.organization import OrganizationKind
from partyledger.domain.provenance import Provenance, idempotency_key, recorded_by
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.services.access import AccessDeniedError, Actor, Role

CAMPAIGN = "15-KH/TU (2019)"
PLAN = Decision("15-KH/TU", date(2019, 3, 1), "Ban Thường vụ Thành ủy")


@pytest.fixture(autouse=True)
def provenance(admin: Actor) -> Iterator[None]:
    with recorded_by(Provenance.system(admin.subject)):
        yield


@pytest.fixture
def member_id(tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID) -> uuid.UUID:
    return tenant.register.enroll_member(
        admin, full_name="Phan Thị Thu", birth_date=date(1970, 3, 3), cell_id=cell_id,
        admitted_on=date(1999, 4, 2), ceremony_on=date(1999, 4, 20), recognized_on=date(2000, 5, 2),
    ).subject_id


def review(tenant: TenantRuntime, actor: Actor, member: uuid.UUID, **changes: Any) -> Any:
    arguments: dict[str, Any] = {"member_id": member, "campaign": CAMPAIGN,
                                 "campaign_name": "Rà soát, sàng lọc 2019", "reviewed_on": date(2019, 6, 3),
                                 "decision": PLAN}
    arguments.update(changes)
    return tenant.register.review_in_screening(actor, **arguments)


def conclude(tenant: TenantRuntime, actor: Actor, member: uuid.UUID, outcome: ScreeningOutcome,
             on: date = date(2019, 10, 1)) -> Any:
    return tenant.register.conclude_screening(actor, member_id=member, campaign=CAMPAIGN, outcome=outcome,
                                              effective_on=on)


def writes_nothing(tenant: TenantRuntime, command: Callable[[], object], code: str) -> None:
    before = event_count(tenant)
    with pytest.raises(DomainError) as refused:
        command()
    assert refused.value.code == code, refused.value.message
    assert event_count(tenant) == before


def forbidden(tenant: TenantRuntime, command: Callable[[], object]) -> None:
    before = event_count(tenant)
    with pytest.raises(AccessDeniedError):
        command()
    assert event_count(tenant) == before


def test_a_case_is_stored_reviewed_and_concluded_and_read_back(
    tenant: TenantRuntime, admin: Actor, member_id: uuid.UUID, cell_id: uuid.UUID,
) -> None:
    before = event_count(tenant)
    outcome = review(tenant, admin, member_id)
    assert outcome.subject_id == member_id and event_count(tenant) == before + 1
    writes_nothing(tenant, lambda: review(tenant, admin, member_id), "SCREENING_CASE_ALREADY_OPEN")
    conclude(tenant, admin, member_id, ScreeningOutcome.CONTINUE_MONITORING)
    (case,) = tenant.register.member_screenings(admin, member_id)
    assert (case.campaign, case.outcome, case.decision) == (CAMPAIGN, ScreeningOutcome.CONTINUE_MONITORING, PLAN)
    reviewed, concluded = list(tenant.register.member_history(admin, member_id))[-2:]
    assert isinstance(reviewed, Member.ScreeningReviewed) and reviewed.cell_id == cell_id
    assert isinstance(concluded, Member.ScreeningConcluded) and concluded.cell_id == cell_id


def test_removed_is_concluded_once_the_strike_off_is_recorded(
    tenant: TenantRuntime, admin: Actor, member_id: uuid.UUID,
) -> None:
    review(tenant, admin, member_id)
    writes_nothing(tenant, lambda: conclude(tenant, admin, member_id, ScreeningOutcome.REMOVED),
                   "SCREENING_REMOVAL_NOT_RECORDED")
    tenant.register.strike_off(admin, member_id=member_id, ground=StrikeOffGround.DECLINED_AFTER_EDUCATION,
                               decision=Decision("88-QĐ/QU", date(2019, 8, 15), "Ban Thường vụ Quận ủy"),
                               effective_on=date(2019, 8, 15))
    writes_nothing(tenant, lambda: conclude(tenant, admin, member_id, ScreeningOutcome.CONTINUE_MONITORING),
                   "SCREENING_MEMBER_HAS_LEFT")
    conclude(tenant, admin, member_id, ScreeningOutcome.REMOVED)
    member = tenant.register.member(member_id)
    assert member.status is MemberStatus.EXITED
    assert member.screenings[0].exit_kind is ExitKind.STRUCK_OFF and member.screenings[0].exit_on == date(2019, 8, 15)


def test_an_officer_of_the_subtree_and_an_inspector_record_cases_an_officer_elsewhere_and_a_partner_cannot(
    tenant: TenantRuntime, admin: Actor, member_id: uuid.UUID, cell_id: uuid.UUID,
) -> None:
    slug = tenant.tenant.slug
    province = tenant.register.organization(cell_id).parent_id
    elsewhere_cell = tenant.register.found_organization(
        admin, name="Chi bộ Khu phố 9", kind=OrganizationKind.GRASSROOTS_CELL, parent_id=province,
        effective_on=date(2020, 1, 1), decision=None).subject_id
    elsewhere = Actor("officer-kp9", slug, frozenset({Role.OFFICER}), frozenset({elsewhere_cell}))
    partner = Actor("partner", slug, frozenset({Role.PARTNER}))
    forbidden(tenant, lambda: review(tenant, elsewhere, member_id))
    forbidden(tenant, lambda: review(tenant, partner, member_id))
    with pytest.raises(AccessDeniedError):
        tenant.register.member_screenings(elsewhere, member_id)
    officer = Actor("officer-tinh", slug, frozenset({Role.OFFICER}), frozenset({province}))  # type: ignore[arg-type]
    review(tenant, officer, member_id)
    forbidden(tenant, lambda: conclude(tenant, elsewhere, member_id, ScreeningOutcome.CLEARED))
    inspector = Actor("ubkt", slug, frozenset({Role.INSPECTOR}))
    conclude(tenant, inspector, member_id, ScreeningOutcome.CLEARED)
    assert [c.outcome for c in tenant.register.member_screenings(officer, member_id)] == [ScreeningOutcome.CLEARED]


def test_a_retried_review_with_the_same_key_appends_nothing_and_a_changed_one_is_refused(
    tenant: TenantRuntime, admin: Actor, member_id: uuid.UUID,
) -> None:
    with idempotency_key("ra-soat-2019-thu"):
        first = review(tenant, admin, member_id)
        appended = event_count(tenant)
        again = review(tenant, admin, member_id)
        assert again.replayed and again.subject_id == first.subject_id and event_count(tenant) == appended
        writes_nothing(tenant, lambda: review(tenant, admin, member_id, reviewed_on=date(2019, 6, 4)),
                       "IDEMPOTENCY_KEY_REUSED")


def test_another_tenant_can_neither_review_nor_read_this_tenants_member(
    tenant: TenantRuntime, admin: Actor, member_id: uuid.UUID, directory: TenantDirectory,
) -> None:
    review(tenant, admin, member_id)
    slug = new_slug()
    directory.create(slug, "Đảng bộ tỉnh bên cạnh")
    other = directory.runtime(slug)
    admin_b = Actor("admin-b", slug, frozenset({Role.TENANT_ADMIN}))
    inspector_b = Actor("ubkt-b", slug, frozenset({Role.INSPECTOR}))
    before = (event_count(tenant), event_count(other))
    for actor in (admin_b, inspector_b):
        with pytest.raises(MemberNotFoundError):  # in their own register, the id names no one
            review(other, actor, member_id, campaign="Đợt khác")
        with pytest.raises(MemberNotFoundError):
            conclude(other, actor, member_id, ScreeningOutcome.CLEARED)
        with pytest.raises(MemberNotFoundError):
            other.register.member_screenings(actor, member_id)
        with pytest.raises(AccessDeniedError):  # and this register refuses their credentials
            review(tenant, actor, member_id, campaign="Đợt khác")
        with pytest.raises(AccessDeniedError):
            tenant.register.member_screenings(actor, member_id)
    assert (event_count(tenant), event_count(other)) == before
    assert tenant.register.member(member_id).screenings[0].open

"""Exits and returns through the register, on a real event store: refusals write nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from support import admit, enroll_officials, event_count, new_slug

from partyledger.domain.decision import Decision
from partyledger.domain.errors import DomainError, MemberNotFoundError
from partyledger.domain.member import Member, MemberStatus
from partyledger.domain.member_exits import ExemptionGround, StrikeOffGround
from partyledger.domain.member_state import Resolution
from partyledger.domain.organization import OrganizationKind
from partyledger.domain.party_age import months_reached_on
from partyledger.domain.provenance import Provenance, idempotency_key, recorded_by
from partyledger.domain.votes import VoteTally
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.services.access import AccessDeniedError, Actor, Role

VOTE = VoteTally(in_favour=7, against=2, eligible=9, present=9)
CONSENT = Decision("112-CV/TU", date(2023, 2, 1), "Ban Thường vụ Tỉnh ủy")


@pytest.fixture(autouse=True)
def provenance(admin: Actor) -> Iterator[None]:
    with recorded_by(Provenance.system(admin.subject)):
        yield


@pytest.fixture
def official_id(tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID) -> uuid.UUID:
    """Admitted 1996-02-03 (scenario H), official since 1997."""
    return tenant.register.enroll_member(
        admin, full_name="Đinh Văn Sơn", birth_date=date(1968, 9, 9), cell_id=cell_id,
        admitted_on=date(1996, 2, 3), ceremony_on=date(1996, 2, 20), recognized_on=date(1997, 3, 1),
    ).subject_id


@pytest.fixture
def probationary_id(tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID) -> uuid.UUID:
    """Scenario F's admission: ceremony 2015-08-10, still probationary."""
    return admit(tenant, admin, cell_id, enroll_officials(tenant, admin, cell_id)).subject_id


def decision(on: date, number: str = "27-QĐ/ĐU") -> Decision:
    return Decision(number, on, "Ban Thường vụ Đảng ủy")


def writes_nothing(tenant: TenantRuntime, command: Callable[[], object], code: str) -> None:
    before = event_count(tenant)
    with pytest.raises(DomainError) as refused:
        command()
    assert refused.value.code == code, refused.value.message
    assert event_count(tenant) == before


def strike_off_probationary(tenant: TenantRuntime, admin: Actor, member: uuid.UUID, on: date) -> None:
    tenant.register.strike_off(admin, member_id=member, ground=StrikeOffGround.PROBATION_NOT_MET,
                               decision=decision(on), effective_on=on,
                               cell_resolution=Resolution(date(2019, 12, 20), VOTE))


def readmit(tenant: TenantRuntime, actor: Actor, member: uuid.UUID, voted_on: date, **changes: Any) -> Any:
    arguments: dict[str, Any] = {
        "member_id": member, "cell_resolution": Resolution(voted_on, VOTE),
        "decision": decision(date(2023, 3, 1), "40-QĐ/ĐU"), "provincial_consent": CONSENT,
        "ceremony_on": date(2023, 3, 20),
    }
    arguments.update(changes)
    return tenant.register.readmit_member(actor, **arguments)


def test_a_strike_off_is_stored_with_its_ground_and_decision(
    tenant: TenantRuntime, admin: Actor, official_id: uuid.UUID,
) -> None:
    before = event_count(tenant)
    outcome = tenant.register.strike_off(
        admin, member_id=official_id, ground=StrikeOffGround.DECLINED_AFTER_EDUCATION,
        decision=decision(date(2021, 5, 4)), effective_on=date(2021, 5, 4))
    assert outcome.subject_id == official_id and event_count(tenant) == before + 2  # and the cell's roster
    member = tenant.register.member(official_id)
    assert member.status is MemberStatus.EXITED
    assert member.current_exit is not None and member.current_exit.ground is StrikeOffGround.DECLINED_AFTER_EDUCATION
    struck = list(tenant.register.member_history(admin, official_id))[-1]
    assert isinstance(struck, Member.StruckOff) and struck.decision == decision(date(2021, 5, 4))


def test_a_ground_for_official_members_is_refused_for_a_probationary_one_and_writes_nothing(
    tenant: TenantRuntime, admin: Actor, probationary_id: uuid.UUID,
) -> None:
    writes_nothing(tenant, lambda: tenant.register.strike_off(
        admin, member_id=probationary_id, ground=StrikeOffGround.ABANDONED_ACTIVITY,
        decision=decision(date(2016, 3, 1)), effective_on=date(2016, 3, 1),
        cell_resolution=Resolution(date(2016, 2, 1), VOTE)), "STRIKE_OFF_GROUND_NOT_APPLICABLE")
    assert tenant.register.member(probationary_id).status is MemberStatus.PROBATIONARY


def test_withdrawal_waits_for_an_open_violation_case(
    tenant: TenantRuntime, admin: Actor, official_id: uuid.UUID,
) -> None:
    def withdraw(open_violation: bool) -> object:
        return tenant.register.approve_withdrawal(
            admin, member_id=official_id, decision=decision(date(2022, 8, 1)),
            effective_on=date(2022, 8, 1), open_violation=open_violation)

    writes_nothing(tenant, lambda: withdraw(True), "WITHDRAWAL_BLOCKED_BY_VIOLATION")
    withdraw(False)
    assert tenant.register.member(official_id).status is MemberStatus.EXITED


def test_after_death_the_register_refuses_every_change(
    tenant: TenantRuntime, admin: Actor, official_id: uuid.UUID,
) -> None:
    tenant.register.record_death(admin, member_id=official_id, on=date(2024, 2, 14))
    assert tenant.register.member(official_id).status is MemberStatus.DECEASED
    writes_nothing(tenant, lambda: tenant.register.strike_off(
        admin, member_id=official_id, ground=StrikeOffGround.ABANDONED_ACTIVITY,
        decision=decision(date(2024, 5, 1)), effective_on=date(2024, 5, 1)), "MEMBER_DECEASED")
    writes_nothing(tenant, lambda: tenant.register.grant_exemption(
        admin, member_id=official_id, ground=ExemptionGround.HEALTH, from_on=date(2024, 5, 1)),
        "MEMBER_DECEASED")


def test_scenario_i_readmission_from_36_months_with_consent_and_only_once(
    tenant: TenantRuntime, admin: Actor, probationary_id: uuid.UUID,
) -> None:
    strike_off_probationary(tenant, admin, probationary_id, date(2020, 1, 10))
    writes_nothing(tenant, lambda: readmit(tenant, admin, probationary_id, date(2023, 1, 9)),
                   "READMISSION_TOO_EARLY")
    writes_nothing(tenant, lambda: readmit(tenant, admin, probationary_id, date(2023, 1, 10),
                                           provincial_consent=None), "READMISSION_NEEDS_PROVINCIAL_CONSENT")
    readmit(tenant, admin, probationary_id, date(2023, 1, 10))
    member = tenant.register.member(probationary_id)
    assert member.status is MemberStatus.PROBATIONARY and member.ceremony_on == date(2023, 3, 20)
    assert member.excluded[-1].end == date(2023, 3, 1)
    readmitted = list(tenant.register.member_history(admin, probationary_id))[-1]
    assert isinstance(readmitted, Member.Readmitted) and readmitted.regulation == "QĐ 24-QĐ/TW"
    tenant.register.strike_off(admin, member_id=probationary_id, ground=StrikeOffGround.LOST_STANDING,
                               decision=decision(date(2023, 9, 1)), effective_on=date(2023, 9, 1),
                               cell_resolution=Resolution(date(2023, 8, 20), VOTE))
    writes_nothing(tenant, lambda: readmit(
        tenant, admin, probationary_id, date(2027, 1, 10), decision=decision(date(2027, 2, 1)),
        ceremony_on=date(2027, 2, 20)), "READMISSION_ONLY_ONCE")


def test_scenario_i_abandoning_activity_is_never_readmitted(
    tenant: TenantRuntime, admin: Actor, official_id: uuid.UUID,
) -> None:
    tenant.register.strike_off(admin, member_id=official_id, ground=StrikeOffGround.ABANDONED_ACTIVITY,
                               decision=decision(date(2020, 1, 10)), effective_on=date(2020, 1, 10))
    writes_nothing(tenant, lambda: readmit(tenant, admin, official_id, date(2023, 1, 10)),
                   "READMISSION_FORBIDDEN_GROUND")


def test_an_officer_readmits_into_a_cell_of_their_own_scope_only(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID, probationary_id: uuid.UUID,
) -> None:
    strike_off_probationary(tenant, admin, probationary_id, date(2020, 1, 10))
    province = tenant.register.organization(cell_id).parent_id
    new_cell = tenant.register.found_organization(
        admin, name="Chi bộ Khu phố 4", kind=OrganizationKind.GRASSROOTS_CELL, parent_id=province,
        effective_on=date(2021, 1, 1), decision=None).subject_id
    officer = Actor("officer-kp4", tenant.tenant.slug, frozenset({Role.OFFICER}), frozenset({new_cell}))
    before = event_count(tenant)
    with pytest.raises(AccessDeniedError):
        readmit(tenant, officer, probationary_id, date(2023, 1, 10))  # into the old cell
    assert event_count(tenant) == before
    readmit(tenant, officer, probationary_id, date(2023, 1, 10), cell_id=new_cell)
    assert tenant.register.member(probationary_id).cell_id == new_cell


def test_an_officer_outside_the_members_subtree_cannot_strike_them_off(
    tenant: TenantRuntime, official_id: uuid.UUID,
) -> None:
    elsewhere = Actor("officer-x", tenant.tenant.slug, frozenset({Role.OFFICER}), frozenset({uuid.uuid4()}))
    before = event_count(tenant)
    with pytest.raises(AccessDeniedError):
        tenant.register.strike_off(elsewhere, member_id=official_id, ground=StrikeOffGround.ABANDONED_ACTIVITY,
                                   decision=decision(date(2021, 1, 4)), effective_on=date(2021, 1, 4))
    assert event_count(tenant) == before


def test_scenario_h_restoration_keeps_party_age_continuous_in_the_stored_record(
    tenant: TenantRuntime, admin: Actor, official_id: uuid.UUID,
) -> None:
    tenant.register.strike_off(admin, member_id=official_id, ground=StrikeOffGround.ABANDONED_ACTIVITY,
                               decision=decision(date(2005, 3, 1)), effective_on=date(2005, 3, 1))
    writes_nothing(tenant, lambda: tenant.register.restore_membership(
        admin, member_id=official_id, decision=decision(date(2005, 2, 1)), effective_on=date(2005, 2, 1),
        apology=True), "DATES_OUT_OF_ORDER")
    tenant.register.restore_membership(admin, member_id=official_id, decision=decision(date(2006, 3, 1)),
                                       effective_on=date(2006, 3, 1), apology=True)
    member = tenant.register.member(official_id)
    assert member.status is MemberStatus.OFFICIAL and member.excluded == []
    assert months_reached_on(member.admitted_on, member.excluded, 30 * 12) == date(2026, 2, 3)


def test_an_exemption_is_read_back_from_the_store(
    tenant: TenantRuntime, admin: Actor, official_id: uuid.UUID,
) -> None:
    tenant.register.grant_exemption(admin, member_id=official_id, ground=ExemptionGround.AGE,
                                    from_on=date(2024, 1, 1), decision=decision(date(2023, 12, 20)))
    writes_nothing(tenant, lambda: tenant.register.grant_exemption(
        admin, member_id=official_id, ground=ExemptionGround.HEALTH, from_on=date(2024, 6, 1)),
        "EXEMPTION_ALREADY_GRANTED")
    tenant.register.end_exemption(admin, member_id=official_id, on=date(2025, 1, 1))
    member = tenant.register.member(official_id)
    assert member.exempt_on(date(2024, 12, 31)) and not member.exempt_on(date(2025, 1, 1))
    writes_nothing(tenant, lambda: tenant.register.end_exemption(admin, member_id=official_id, on=date(2025, 2, 1)),
                   "MEMBER_NOT_EXEMPT")


def test_a_retried_strike_off_with_the_same_key_appends_nothing(
    tenant: TenantRuntime, admin: Actor, official_id: uuid.UUID,
) -> None:
    def send() -> Any:
        with idempotency_key("strike-off-son-2021"):
            return tenant.register.strike_off(
                admin, member_id=official_id, ground=StrikeOffGround.CARD_RETURNED_OR_DESTROYED,
                decision=decision(date(2021, 6, 1)), effective_on=date(2021, 6, 1))

    first = send()
    appended = event_count(tenant)
    again = send()
    assert again.replayed and again.subject_id == first.subject_id and event_count(tenant) == appended


def test_another_tenant_can_neither_strike_off_nor_readmit_this_tenants_member(
    tenant: TenantRuntime, admin: Actor, probationary_id: uuid.UUID, directory: TenantDirectory,
) -> None:
    strike_off_probationary(tenant, admin, probationary_id, date(2020, 1, 10))
    slug = new_slug()
    directory.create(slug, "Đảng bộ tỉnh bên cạnh")
    other, admin_b = directory.runtime(slug), Actor("admin-b", slug, frozenset({Role.TENANT_ADMIN}))
    before = (event_count(tenant), event_count(other))
    with pytest.raises(MemberNotFoundError):
        other.register.strike_off(admin_b, member_id=probationary_id, ground=StrikeOffGround.LOST_STANDING,
                                  decision=decision(date(2020, 2, 1)), effective_on=date(2020, 2, 1),
                                  cell_resolution=Resolution(date(2020, 1, 20), VOTE))
    with pytest.raises(MemberNotFoundError):
        readmit(other, admin_b, probationary_id, date(2023, 1, 10))
    assert (event_count(tenant), event_count(other)) == before
    assert tenant.register.member(probationary_id).status is MemberStatus.EXITED

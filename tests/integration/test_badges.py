"""Badges against a real event store: awards, refusals that write nothing, scope and tenancy."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from partyledger.domain.decision import Decision
from partyledger.domain.errors import DomainError, MemberNotFoundError
from partyledger.domain.party_age import BadgeDue, PartyAge
from partyledger.domain.provenance import Provenance, idempotency_key, recorded_by
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.services.access import AccessDeniedError, Actor, Role

from support import event_count, new_slug

ROUND_2026 = Decision("88-QĐ/TU", date(2026, 1, 20), "Ban Thường vụ Tỉnh ủy")


def decided_before(on: date) -> Decision:
    return Decision("88-QĐ/TU", on - timedelta(days=14), "Ban Thường vụ Tỉnh ủy")


@pytest.fixture
def veteran(tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID) -> uuid.UUID:
    """Admitted (decision) 3 Feb 1996, as in scenario H; official since 1997."""
    with recorded_by(Provenance.system(admin.subject)):
        return tenant.register.enroll_member(
            admin, full_name="Đinh Công Tráng", birth_date=date(1972, 6, 15), cell_id=cell_id,
            admitted_on=date(1996, 2, 3), ceremony_on=date(1996, 2, 24),
            recognized_on=date(1997, 2, 25)).subject_id


def award(tenant: TenantRuntime, actor: Actor, member: uuid.UUID, level: int = 30,
          on: date = date(2026, 2, 3), **kwargs: bool) -> None:
    with recorded_by(Provenance.system(actor.subject)):
        tenant.register.award_badge(actor, member_id=member, level=level, awarded_on=on,
                                    decision=decided_before(on), **kwargs)


def test_the_30_year_badge_is_awarded_at_the_3_february_round_and_is_then_no_longer_due(
    tenant: TenantRuntime, admin: Actor, veteran: uuid.UUID,
) -> None:
    register = tenant.register
    assert register.party_age(admin, member_id=veteran, as_of=date(2026, 2, 3)) == PartyAge(10958, 30, 0)
    assert register.badges_due(admin, member_id=veteran, as_of=date(2026, 2, 3)) == [
        BadgeDue(30, date(2026, 2, 3), date(2025, 2, 3), date(2026, 2, 3), early=False, posthumous=False)]
    award(tenant, admin, veteran)
    assert register.member(veteran).held_badges == (30,)
    assert register.badges_due(admin, member_id=veteran, as_of=date(2026, 6, 1)) == []
    assert type(register.member_history(admin, veteran)[-1]).__name__ == "BadgeAwarded"


@pytest.mark.parametrize(("level", "on", "early", "code"), [
    (40, date(2026, 2, 3), False, "BADGE_NOT_YET_DUE"),
    (30, date(2025, 9, 2), False, "BADGE_NOT_YET_DUE"),
    (30, date(2025, 2, 2), True, "BADGE_NOT_YET_DUE"),
    (35, date(2026, 2, 3), False, "BADGE_LEVEL_UNKNOWN"),
])
def test_a_refused_award_writes_nothing(  # noqa: PLR0913
    tenant: TenantRuntime, admin: Actor, veteran: uuid.UUID, level: int, on: date, early: bool, code: str,
) -> None:
    before = event_count(tenant)
    with pytest.raises(DomainError) as refused:
        award(tenant, admin, veteran, level, on, early_for_illness=early)
    assert refused.value.code == code
    assert event_count(tenant) == before
    assert tenant.register.member(veteran).held_badges == ()


def test_an_early_award_is_recorded_and_a_second_one_is_refused_writing_nothing(
    tenant: TenantRuntime, admin: Actor, veteran: uuid.UUID,
) -> None:
    award(tenant, admin, veteran, 30, date(2025, 9, 2), early_for_illness=True)
    before = event_count(tenant)
    with pytest.raises(DomainError) as refused:
        award(tenant, admin, veteran, 30)
    assert refused.value.code == "BADGE_ALREADY_AWARDED"
    assert event_count(tenant) == before
    assert tenant.register.member(veteran).badges[0].early_for_illness


def test_a_badge_below_one_held_is_refused(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID,
) -> None:
    with recorded_by(Provenance.system(admin.subject)):
        elder = tenant.register.enroll_member(
            admin, full_name="Lý Tự Trọng", birth_date=date(1950, 1, 1), cell_id=cell_id,
            admitted_on=date(1975, 4, 30), ceremony_on=date(1975, 5, 19),
            recognized_on=date(1976, 5, 20)).subject_id
    award(tenant, admin, elder, 50, date(2025, 5, 19))
    before = event_count(tenant)
    with pytest.raises(DomainError) as refused:
        award(tenant, admin, elder, 45, date(2025, 5, 19))
    assert refused.value.code == "BADGE_LOWER_THAN_AWARDED"
    assert event_count(tenant) == before


def test_a_retried_award_with_the_same_key_appends_nothing(
    tenant: TenantRuntime, admin: Actor, veteran: uuid.UUID,
) -> None:
    with recorded_by(Provenance.system(admin.subject)), idempotency_key("badge-30-2026"):
        first = tenant.register.award_badge(admin, member_id=veteran, level=30,
                                            awarded_on=date(2026, 2, 3), decision=ROUND_2026)
        again = tenant.register.award_badge(admin, member_id=veteran, level=30,
                                            awarded_on=date(2026, 2, 3), decision=ROUND_2026)
    assert again.replayed and again.subject_id == first.subject_id == veteran


def test_officers_award_and_read_only_within_their_subtree(
    tenant: TenantRuntime, cell_id: uuid.UUID, veteran: uuid.UUID,
) -> None:
    slug = tenant.tenant.slug
    elsewhere = Actor("officer-x", slug, frozenset({Role.OFFICER}), frozenset({uuid.uuid4()}))
    inside = Actor("officer-y", slug, frozenset({Role.OFFICER}), frozenset({cell_id}))
    partner = Actor("dashboard", slug, frozenset({Role.PARTNER}))
    before = event_count(tenant)
    with pytest.raises(AccessDeniedError):
        award(tenant, elsewhere, veteran)
    for reader in (elsewhere, partner):
        with pytest.raises(AccessDeniedError):
            tenant.register.party_age(reader, member_id=veteran, as_of=date(2026, 2, 3))
    assert event_count(tenant) == before
    assert tenant.register.badges_due(inside, member_id=veteran, as_of=date(2026, 2, 3))[0].level == 30
    award(tenant, inside, veteran)
    assert event_count(tenant) > before


def test_another_tenant_can_neither_award_nor_read(
    tenant: TenantRuntime, veteran: uuid.UUID, directory: TenantDirectory,
) -> None:
    slug = new_slug()
    directory.create(slug, "Đảng bộ tỉnh khác")
    other = directory.runtime(slug)
    intruder = Actor("admin-b", slug, frozenset({Role.TENANT_ADMIN}))
    before = event_count(tenant)
    with pytest.raises(MemberNotFoundError):
        award(other, intruder, veteran)
    with pytest.raises(MemberNotFoundError):
        other.register.party_age(intruder, member_id=veteran, as_of=date(2026, 2, 3))
    assert event_count(tenant) == before and event_count(other) == 0

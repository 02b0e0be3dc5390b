"""Rating members against a real event store: the cap per grassroots organisation, refusals that
write nothing, authority, tenancy, races, retries and replay."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from support import event_count, new_slug

from partyledger.domain.decision import Decision
from partyledger.domain.errors import DomainError, MemberNotFoundError
from partyledger.domain.member_ratings import AnnualRatingBook, ForcedReason
from partyledger.domain.organization import OrganizationKind
from partyledger.domain.provenance import Provenance, idempotency_key, recorded_by
from partyledger.domain.rating_schemes import RATING_SCHEMES, CapDenominator, CapPolicy, CapScope, Grade
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.services.access import AccessDeniedError, Actor, Role
from partyledger.services.ratings import MemberGrade

E, G, C, N = Grade.EXCELLENT, Grade.GOOD, Grade.COMPLETED, Grade.NOT_COMPLETED
REVIEW = date(2021, 12, 15)
DECISION = Decision("88-QĐ/ĐU", REVIEW, "Ban Thường vụ Huyện ủy")
K = OrganizationKind


@dataclass(frozen=True)
class Tree:
    """A province; grassroots committee A with two subordinate cells; grassroots cell B."""

    province: uuid.UUID
    committee_a: uuid.UUID
    cell_a1: uuid.UUID
    cell_a2: uuid.UUID
    cell_b: uuid.UUID


@pytest.fixture
def tree(tenant: TenantRuntime, admin: Actor) -> Tree:
    register = tenant.register

    def found(name: str, kind: OrganizationKind, parent: uuid.UUID | None) -> uuid.UUID:
        return register.found_organization(admin, name=name, kind=kind, parent_id=parent,
                                           effective_on=date(2010, 1, 1), decision=None).subject_id

    with recorded_by(Provenance.system(admin.subject)):
        province = found("Đảng bộ tỉnh Hòa Bình", K.PROVINCIAL_ORGANIZATION, None)
        committee = found("Đảng bộ xã Tân Lạc", K.GRASSROOTS_COMMITTEE, province)
        return Tree(province, committee, found("Chi bộ xóm Bưng", K.SUBORDINATE_CELL, committee),
                    found("Chi bộ xóm Mận", K.SUBORDINATE_CELL, committee),
                    found("Chi bộ Trường THCS Mường Khến", K.GRASSROOTS_CELL, province))


def enroll(tenant: TenantRuntime, admin: Actor, cell: uuid.UUID, n: int,
           ceremony_on: date = date(2015, 8, 10)) -> list[uuid.UUID]:
    with recorded_by(Provenance.system(admin.subject)):
        return [tenant.register.enroll_member(
            admin, full_name=f"Bùi Văn Thắng {i}", birth_date=date(1980, 2, 2), cell_id=cell,
            admitted_on=ceremony_on, ceremony_on=ceremony_on,
            recognized_on=date(2016, 9, 1) if ceremony_on < date(2015, 9, 1) else None,
        ).subject_id for i in range(n)]


def rate(tenant: TenantRuntime, actor: Actor, member: uuid.UUID, grade: Grade, **more: Any) -> Any:
    arguments: dict[str, Any] = {"year": 2021, "effective_on": REVIEW, "decision": DECISION} | more
    with recorded_by(Provenance.system(actor.subject)):
        return tenant.register.rate_member(actor, member_id=member, grade=grade, **arguments)


def refused_code(call: Any) -> str:
    with pytest.raises(DomainError) as refused:
        call()
    return refused.value.code


def book(tenant: TenantRuntime, scope: uuid.UUID, year: int = 2021) -> AnnualRatingBook:
    found: AnnualRatingBook = tenant.register.repository.get(AnnualRatingBook.id_for(scope, year))
    return found


def test_a_rating_is_saved_with_the_book_of_its_grassroots_organisation(
    tenant: TenantRuntime, admin: Actor, tree: Tree,
) -> None:
    (member,) = enroll(tenant, admin, tree.cell_a1, 1)
    before = event_count(tenant)
    outcome = rate(tenant, admin, member, G)
    assert outcome.subject_id == member
    assert event_count(tenant) == before + 3  # Rated, the book opened, the grade counted
    rating = tenant.register.member(member).ratings[2021]
    assert (rating.grade, rating.scheme, rating.counted_in) == (G, "QD132", tree.committee_a)
    assert book(tenant, tree.committee_a).grades == {member: G}


def test_the_cap_counts_every_cell_of_the_grassroots_organisation(
    tenant: TenantRuntime, admin: Actor, tree: Tree,
) -> None:
    good = enroll(tenant, admin, tree.cell_a1, 5)
    first, second = enroll(tenant, admin, tree.cell_a2, 2)
    for member in good:
        rate(tenant, admin, member, G)
    rate(tenant, admin, first, E)  # 1 ≤ 20 % of the 5 GOOD in the two cells of A
    before = event_count(tenant)
    assert refused_code(lambda: rate(tenant, admin, second, E)) == "EXCELLENT_CAP_EXCEEDED"  # 2 > 1
    assert event_count(tenant) == before
    assert 2021 not in tenant.register.member(second).ratings
    rate(tenant, admin, second, G)


def test_the_cap_is_kept_per_grassroots_organisation_never_on_the_tenants_totals(
    tenant: TenantRuntime, admin: Actor, tree: Tree,
) -> None:
    for member in enroll(tenant, admin, tree.cell_a1, 10):
        rate(tenant, admin, member, G)
    b_good, b_excellent = enroll(tenant, admin, tree.cell_b, 2)
    rate(tenant, admin, b_good, G)
    before = event_count(tenant)
    # 1 EXCELLENT would be 1/11 = 9.09 % of the tenant's GOOD, but 1 > 20 % of B's single GOOD.
    assert refused_code(lambda: rate(tenant, admin, b_excellent, E)) == "EXCELLENT_CAP_EXCEEDED"
    assert event_count(tenant) == before


def test_hoa_binh_organisations_within_their_cap_stand_though_the_tenant_ratio_exceeds_20_percent(
    tenant: TenantRuntime, admin: Actor, tree: Tree, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Under the GOOD_PLUS_EXCELLENT reading, 1 EXCELLENT with 4 GOOD is within the cap in each
    organisation; the tenant's 2 EXCELLENT against 8 GOOD (25 %) is no reason to refuse."""
    policy = CapPolicy(denominator=CapDenominator.GOOD_PLUS_EXCELLENT)
    monkeypatch.setattr(tenant.register, "rating_schemes", RATING_SCHEMES.with_member_cap(policy))
    for cell in (tree.cell_a1, tree.cell_b):
        *good, excellent = enroll(tenant, admin, cell, 5)
        for member in good:
            rate(tenant, admin, member, G)
        rate(tenant, admin, excellent, E)
    grades = [*book(tenant, tree.committee_a).grades.values(), *book(tenant, tree.cell_b).grades.values()]
    assert (grades.count(E), grades.count(G)) == (2, 8)


def test_a_tenant_may_count_the_cap_in_the_rating_authoritys_subtree(
    tenant: TenantRuntime, admin: Actor, tree: Tree, monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy = CapPolicy(scope=CapScope.PER_RATING_AUTHORITY)
    monkeypatch.setattr(tenant.register, "rating_schemes", RATING_SCHEMES.with_member_cap(policy))
    for member in enroll(tenant, admin, tree.cell_a1, 5):
        rate(tenant, admin, member, G)
    first, second = enroll(tenant, admin, tree.cell_b, 2)
    rate(tenant, admin, first, E)  # A and B both answer to the province: 1 ≤ 20 % of 5
    assert refused_code(lambda: rate(tenant, admin, second, E)) == "EXCELLENT_CAP_EXCEEDED"
    assert tenant.register.member(first).ratings[2021].counted_in == tree.province
    assert len(book(tenant, tree.province).grades) == 6


def test_one_decision_for_the_whole_organisation_is_checked_as_a_whole(
    tenant: TenantRuntime, admin: Actor, tree: Tree,
) -> None:
    excellent, *good = enroll(tenant, admin, tree.cell_b, 6)
    lines = [MemberGrade(excellent, E), *(MemberGrade(m, G) for m in good[:4])]
    before = event_count(tenant)
    with recorded_by(Provenance.system(admin.subject)), pytest.raises(DomainError) as refused:
        tenant.register.rate_members(admin, year=2021, lines=lines, effective_on=REVIEW, decision=DECISION)
    assert refused.value.code == "EXCELLENT_CAP_EXCEEDED" and event_count(tenant) == before  # 1 > 0.8
    with recorded_by(Provenance.system(admin.subject)):
        tenant.register.rate_members(admin, year=2021, lines=[*lines, MemberGrade(good[4], G)],
                                     effective_on=REVIEW, decision=DECISION)
    assert book(tenant, tree.cell_b).grades[excellent] is E


def test_a_member_twice_in_one_decision_is_refused(tenant: TenantRuntime, admin: Actor, tree: Tree) -> None:
    (member,) = enroll(tenant, admin, tree.cell_b, 1)
    before = event_count(tenant)
    with recorded_by(Provenance.system(admin.subject)), pytest.raises(DomainError) as refused:
        tenant.register.rate_members(admin, year=2021, lines=[MemberGrade(member, G), MemberGrade(member, C)],
                                     effective_on=REVIEW)
    assert refused.value.code == "ALREADY_RATED" and event_count(tenant) == before


def test_a_correction_is_counted_again_in_the_same_book(tenant: TenantRuntime, admin: Actor, tree: Tree) -> None:
    *good, member = enroll(tenant, admin, tree.cell_b, 6)
    for other in good:
        rate(tenant, admin, other, G)
    rate(tenant, admin, member, G)
    before = event_count(tenant)
    assert refused_code(lambda: rate(tenant, admin, member, E)) == "ALREADY_RATED"
    assert event_count(tenant) == before
    rate(tenant, admin, member, E, correction_reason="Đảng ủy xem xét lại")  # 1 ≤ 20 % of 5
    assert book(tenant, tree.cell_b).grades[member] is E
    assert refused_code(lambda: rate(tenant, admin, good[0], C, correction_reason="x")) == "EXCELLENT_CAP_EXCEEDED"


@pytest.mark.parametrize(("more", "ceremony_on", "code"), [
    ({"forced_reason": ForcedReason.TARGETS_BELOW_HALF}, date(2015, 8, 10), "RATING_MUST_BE_NOT_COMPLETED"),
    ({}, date(2021, 7, 1), "MEMBER_NOT_RATED_RECENTLY_ADMITTED"),
    ({"year": 2025, "effective_on": date(2025, 12, 20), "decision": None, "points": 75},
     date(2015, 8, 10), "RATING_POINTS_DISAGREE_WITH_GRADE"),
    ({"year": 2013, "effective_on": date(2013, 12, 20), "decision": None}, date(2010, 8, 10),
     "NO_RATING_SCHEME_FOR_YEAR"),
])
def test_a_refused_rating_writes_nothing(
    tenant: TenantRuntime, admin: Actor, tree: Tree, more: dict[str, Any], ceremony_on: date, code: str,
) -> None:
    (member,) = enroll(tenant, admin, tree.cell_b, 1, ceremony_on)
    before = event_count(tenant)
    assert refused_code(lambda: rate(tenant, admin, member, E, **more)) == code
    assert event_count(tenant) == before


def test_a_forced_or_scored_rating_that_agrees_is_recorded(tenant: TenantRuntime, admin: Actor, tree: Tree) -> None:
    first, second = enroll(tenant, admin, tree.cell_b, 2)
    rate(tenant, admin, first, N, forced_reason=ForcedReason.TARGETS_BELOW_HALF)
    rate(tenant, admin, second, C, year=2025, effective_on=date(2025, 12, 20), decision=None, points=62.5)
    assert tenant.register.member(first).ratings[2021].forced_by == (ForcedReason.TARGETS_BELOW_HALF,)
    assert tenant.register.member(second).ratings[2025].scheme == "QD366"


def test_officers_rate_within_their_subtree_only(tenant: TenantRuntime, admin: Actor, tree: Tree) -> None:
    (member,) = enroll(tenant, admin, tree.cell_a1, 1)
    slug = tenant.tenant.slug
    outsider = Actor("officer-b", slug, frozenset({Role.OFFICER}), frozenset({tree.cell_b}))
    inspector = Actor("inspector", slug, frozenset({Role.INSPECTOR}))
    partner = Actor("dashboard", slug, frozenset({Role.PARTNER}))
    before = event_count(tenant)
    for actor in (outsider, inspector, partner):
        with pytest.raises(AccessDeniedError):
            rate(tenant, actor, member, G)
    assert event_count(tenant) == before
    insider = Actor("officer-a", slug, frozenset({Role.OFFICER}), frozenset({tree.committee_a}))
    rate(tenant, insider, member, G)
    assert tenant.register.member(member).ratings[2021].grade is G


def test_another_tenant_cannot_rate_a_member(
    tenant: TenantRuntime, admin: Actor, tree: Tree, directory: TenantDirectory,
) -> None:
    (member,) = enroll(tenant, admin, tree.cell_b, 1)
    slug = new_slug()
    directory.create(slug, "Đảng bộ tỉnh Phú Thọ")
    other, other_admin = directory.runtime(slug), Actor("admin-b", slug, frozenset({Role.TENANT_ADMIN}))
    before, before_other = event_count(tenant), event_count(other)
    with pytest.raises(MemberNotFoundError):
        rate(other, other_admin, member, G)
    assert (event_count(tenant), event_count(other)) == (before, before_other)
    assert 2021 not in tenant.register.member(member).ratings


def test_a_retried_rating_with_its_key_appends_nothing(tenant: TenantRuntime, admin: Actor, tree: Tree) -> None:
    (member,) = enroll(tenant, admin, tree.cell_b, 1)

    def send(grade: Grade) -> Any:
        return tenant.register.rate_member(admin, member_id=member, grade=grade, year=2021, effective_on=REVIEW)

    with recorded_by(Provenance.system(admin.subject)), idempotency_key("rating-2021-thang"):
        first = send(G)
        head = event_count(tenant)
        again = send(G)
        assert refused_code(lambda: send(C)) == "IDEMPOTENCY_KEY_REUSED"
    assert again.replayed and again.subject_id == first.subject_id and event_count(tenant) == head


def test_two_officers_racing_for_the_last_excellent_place_get_it_once(
    tenant: TenantRuntime, admin: Actor, tree: Tree,
) -> None:
    *good, first, second = enroll(tenant, admin, tree.cell_b, 7)
    for member in good:
        rate(tenant, admin, member, G)
    barrier, outcomes = threading.Barrier(2), []

    def send(member: uuid.UUID) -> None:
        barrier.wait()
        try:
            outcomes.append(rate(tenant, admin, member, E))
        except DomainError as refused:
            outcomes.append(refused.code)

    threads = [threading.Thread(target=send, args=(m,)) for m in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 2 and [o for o in outcomes if isinstance(o, str)] == ["EXCELLENT_CAP_EXCEEDED"]
    assert list(book(tenant, tree.cell_b).grades.values()).count(E) == 1


def test_replaying_the_stored_events_rebuilds_the_same_member(tenant: TenantRuntime, admin: Actor, tree: Tree) -> None:
    (member,) = enroll(tenant, admin, tree.cell_b, 1)
    rate(tenant, admin, member, G, year=2016, effective_on=date(2016, 12, 20), decision=None)
    rate(tenant, admin, member, C)
    rate(tenant, admin, member, G, correction_reason="Đính chính")
    rate(tenant, admin, member, G, year=2025, effective_on=date(2025, 12, 20), decision=None, points=82.5)
    replayed = None
    for stored_event in tenant.register.events.get(member):
        replayed = stored_event.mutate(replayed)
    loaded = tenant.register.member(member)
    assert replayed is not None and replayed.ratings == loaded.ratings
    assert {y: (r.grade, r.scheme) for y, r in loaded.ratings.items()} == {
        2016: (G, "LEGACY_HD27"), 2021: (G, "QD132"), 2025: (G, "QD366")}

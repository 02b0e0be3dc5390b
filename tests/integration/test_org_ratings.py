"""Rating organisations against a real event store: the EXCELLENT cap per peer group with
hand-computed figures, forced NOT_COMPLETED, refusals that write nothing, authority, tenancy,
races and replay."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from support import event_count, new_slug

from partyledger.domain.decision import Decision
from partyledger.domain.errors import DomainError, OrganizationNotFoundError
from partyledger.domain.member_ratings import AnnualRatingBook
from partyledger.domain.org_meetings import CollectiveForcedReason, PeerGroup, PeerGrouping
from partyledger.domain.organization import OrganizationKind
from partyledger.domain.provenance import Provenance, idempotency_key, recorded_by
from partyledger.domain.rating_schemes import Grade, LegacyOrgGrade
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.services.access import AccessDeniedError, Actor, Role

E, G, C, N = Grade.EXCELLENT, Grade.GOOD, Grade.COMPLETED, Grade.NOT_COMPLETED
K = OrganizationKind
REVIEW = date(2024, 12, 18)
DECISION = Decision("215-QĐ/HU", REVIEW, "Ban Thường vụ Huyện ủy Lạc Sơn")


@dataclass(frozen=True)
class Tree:
    """A province; district A with 12 grassroots cells and 2 grassroots committees; district B
    with 3 grassroots cells."""

    province: uuid.UUID
    district_a: uuid.UUID
    district_b: uuid.UUID
    cells_a: list[uuid.UUID]
    committees_a: list[uuid.UUID]
    cells_b: list[uuid.UUID]


@pytest.fixture
def tree(tenant: TenantRuntime, admin: Actor) -> Tree:
    def found(name: str, kind: K, parent: uuid.UUID | None) -> uuid.UUID:
        return tenant.register.found_organization(admin, name=name, kind=kind, parent_id=parent,
                                                  effective_on=date(2010, 1, 1), decision=None).subject_id

    with recorded_by(Provenance.system(admin.subject)):
        province = found("Đảng bộ tỉnh Hòa Bình", K.PROVINCIAL_ORGANIZATION, None)
        a, b = found("Đảng bộ huyện Lạc Sơn", K.DISTRICT_COMMITTEE, province), found(
            "Đảng bộ huyện Tân Lạc", K.DISTRICT_COMMITTEE, province)
        return Tree(province, a, b, [found(f"Chi bộ xóm {i}", K.GRASSROOTS_CELL, a) for i in range(12)],
                    [found(f"Đảng bộ xã {i}", K.GRASSROOTS_COMMITTEE, a) for i in range(2)],
                    [found(f"Chi bộ bản {i}", K.GRASSROOTS_CELL, b) for i in range(3)])


def rate(tenant: TenantRuntime, actor: Actor, organization: uuid.UUID, grade: Grade | LegacyOrgGrade,
         **more: Any) -> Any:
    arguments: dict[str, Any] = {"year": 2024, "effective_on": REVIEW, "decision": DECISION} | more
    with recorded_by(Provenance.system(actor.subject)):
        return tenant.register.rate_organization(actor, organization_id=organization, grade=grade, **arguments)


def refused_code(call: Any) -> str:
    with pytest.raises(DomainError) as refused:
        call()
    return str(refused.value.code)


def book(tenant: TenantRuntime, superior: uuid.UUID, kind: K | None, year: int = 2024) -> AnnualRatingBook:
    found: AnnualRatingBook = tenant.register.repository.get(AnnualRatingBook.id_for(PeerGroup(superior, kind).id, year))
    return found


def test_a_rating_is_saved_with_the_book_of_its_peer_group(tenant: TenantRuntime, admin: Actor, tree: Tree) -> None:
    before = event_count(tenant)
    outcome = rate(tenant, admin, tree.cells_a[0], G)
    assert outcome.subject_id == tree.cells_a[0]
    assert event_count(tenant) == before + 3  # Rated, the book opened, the grade counted
    rating = tenant.register.organization_ratings(admin, tree.cells_a[0])[0]
    assert (rating.grade, rating.scheme, rating.decision) == (G, "QD124", DECISION)
    assert book(tenant, tree.district_a, K.GRASSROOTS_CELL).grades == {tree.cells_a[0]: G}


def test_five_good_cells_of_a_district_leave_room_for_one_excellent(
    tenant: TenantRuntime, admin: Actor, tree: Tree,
) -> None:
    """QĐ 124, strict reading: EXCELLENT ≤ 20 % × 5 GOOD = 1 among district A's grassroots cells."""
    *good, first, second = tree.cells_a[:7]
    for cell in good:
        rate(tenant, admin, cell, G)
    rate(tenant, admin, first, E)
    before = event_count(tenant)
    assert refused_code(lambda: rate(tenant, admin, second, E)) == "EXCELLENT_CAP_EXCEEDED"  # 2 > 1
    assert event_count(tenant) == before
    assert tenant.register.organization_ratings(admin, second) == []


def test_the_cap_is_counted_per_peer_group_never_across_kinds_or_superiors(
    tenant: TenantRuntime, admin: Actor, tree: Tree,
) -> None:
    for cell in tree.cells_a[:10]:
        rate(tenant, admin, cell, G)
    rate(tenant, admin, tree.cells_a[10], E)
    rate(tenant, admin, tree.cells_a[11], E)  # 2 ≤ 20 % × 10
    before = event_count(tenant)
    # A's grassroots committees are a group of their own: 1 EXCELLENT > 20 % × 0 GOOD.
    assert refused_code(lambda: rate(tenant, admin, tree.committees_a[0], E)) == "EXCELLENT_CAP_EXCEEDED"
    # B's cells too, though the tenant would count 2 EXCELLENT against 10 GOOD.
    assert refused_code(lambda: rate(tenant, admin, tree.cells_b[0], E)) == "EXCELLENT_CAP_EXCEEDED"
    assert event_count(tenant) == before
    grades = book(tenant, tree.district_a, K.GRASSROOTS_CELL).grades.values()
    assert (list(grades).count(E), list(grades).count(G)) == (2, 10)


def test_a_tenant_may_group_peers_by_superior_alone(
    tenant: TenantRuntime, admin: Actor, tree: Tree, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tenant.register, "peer_grouping", PeerGrouping.SUPERIOR)
    for cell in tree.cells_a[:5]:
        rate(tenant, admin, cell, G)
    rate(tenant, admin, tree.committees_a[0], E)  # 1 ≤ 20 % × 5, counted among every unit under A
    assert refused_code(lambda: rate(tenant, admin, tree.cells_a[5], E)) == "EXCELLENT_CAP_EXCEEDED"
    assert len(book(tenant, tree.district_a, None).grades) == 6


def test_reviews_of_2018_to_2023_count_the_cap_under_the_rating_superior(
    tenant: TenantRuntime, admin: Actor, tree: Tree,
) -> None:
    review = {"year": 2021, "effective_on": date(2021, 12, 15), "decision": None}
    for cell in tree.cells_a[:5]:
        rate(tenant, admin, cell, G, **review)
    rate(tenant, admin, tree.committees_a[0], E, **review)
    assert tenant.register.organization_ratings(admin, tree.committees_a[0])[0].peer_group == (
        f"every kind under {tree.district_a}")


def test_before_2018_the_older_grade_names_are_recorded_and_nothing_is_capped(
    tenant: TenantRuntime, admin: Actor, tree: Tree,
) -> None:
    review = {"year": 2016, "effective_on": date(2016, 12, 20), "decision": None}
    rate(tenant, admin, tree.cells_b[0], LegacyOrgGrade.CLEAN_STRONG, **review)
    rate(tenant, admin, tree.cells_b[1], LegacyOrgGrade.CLEAN_STRONG, **review)
    before = event_count(tenant)
    assert refused_code(lambda: rate(tenant, admin, tree.cells_b[2], G, **review)) == "ORG_GRADE_NOT_IN_SCHEME"
    assert event_count(tenant) == before
    (rating,) = tenant.register.organization_ratings(admin, tree.cells_b[0])
    assert (rating.scheme, rating.grade, rating.current_grade) == ("LEGACY_HD27", LegacyOrgGrade.CLEAN_STRONG, E)


@pytest.mark.parametrize(("grade", "more", "code"), [
    (G, {"collective_disciplined": True}, "ORG_RATING_MUST_BE_NOT_COMPLETED"),
    (C, {"disciplined_subordinates": 3, "subordinate_count": 14}, "ORG_RATING_MUST_BE_NOT_COMPLETED"),  # 21.4 %
    (N, {"disciplined_subordinates": 4, "subordinate_count": 3}, "ORG_SUBORDINATE_COUNTS_INVALID"),
    (G, {"year": 2025, "effective_on": date(2025, 12, 20), "decision": None}, "RATING_POINTS_REQUIRED"),
    (G, {"effective_on": date(2023, 12, 20)}, "DATES_OUT_OF_ORDER"),
    (G, {"correction_reason": "Xem xét lại"}, "NO_ORG_RATING_TO_CORRECT"),
])
def test_a_refused_rating_writes_nothing(
    tenant: TenantRuntime, admin: Actor, tree: Tree, grade: Grade, more: dict[str, Any], code: str,
) -> None:
    before = event_count(tenant)
    assert refused_code(lambda: rate(tenant, admin, tree.district_a, grade, **more)) == code
    assert event_count(tenant) == before


def test_an_organisation_founded_after_the_year_is_not_rated_for_it(
    tenant: TenantRuntime, admin: Actor, tree: Tree,
) -> None:
    with recorded_by(Provenance.system(admin.subject)):
        cell = tenant.register.found_organization(
            admin, name="Chi bộ Khu công nghiệp", kind=K.GRASSROOTS_CELL, parent_id=tree.district_a,
            effective_on=date(2025, 1, 15), decision=None).subject_id
    before = event_count(tenant)
    assert refused_code(lambda: rate(tenant, admin, cell, G)) == "ORGANIZATION_NOT_IN_EXISTENCE"
    assert event_count(tenant) == before


def test_a_disciplined_collective_is_recorded_not_completed_with_its_reasons(
    tenant: TenantRuntime, admin: Actor, tree: Tree,
) -> None:
    rate(tenant, admin, tree.district_a, N, disciplined_subordinates=3, subordinate_count=14)
    rate(tenant, admin, tree.district_b, G, disciplined_subordinates=1, subordinate_count=5)  # 20 %: not more
    ratings = {o: tenant.register.organization_ratings(admin, o)[0] for o in (tree.district_a, tree.district_b)}
    assert ratings[tree.district_a].forced_by == (CollectiveForcedReason.SUBORDINATES_DISCIPLINED,)
    assert ratings[tree.district_b].forced_by == ()


def test_a_second_rating_is_refused_and_a_correction_is_counted_again_in_the_same_book(
    tenant: TenantRuntime, admin: Actor, tree: Tree,
) -> None:
    *good, member = tree.cells_a[:6]
    for cell in good:
        rate(tenant, admin, cell, G)
    rate(tenant, admin, member, G)
    before = event_count(tenant)
    assert refused_code(lambda: rate(tenant, admin, member, E)) == "ORG_ALREADY_RATED"
    assert event_count(tenant) == before
    rate(tenant, admin, member, E, correction_reason="Ban Thường vụ xem xét lại")  # 1 ≤ 20 % × 5
    assert book(tenant, tree.district_a, K.GRASSROOTS_CELL).grades[member] is E
    assert refused_code(lambda: rate(tenant, admin, good[0], C, correction_reason="x")) == "EXCELLENT_CAP_EXCEEDED"


def test_the_superior_rates_officers_of_the_rated_unit_alone_cannot(
    tenant: TenantRuntime, admin: Actor, tree: Tree,
) -> None:
    slug = tenant.tenant.slug
    before = event_count(tenant)
    for actor in (Actor("secretary", slug, frozenset({Role.OFFICER}), frozenset({tree.cells_a[0]})),
                  Actor("officer-b", slug, frozenset({Role.OFFICER}), frozenset({tree.district_b})),
                  Actor("inspector", slug, frozenset({Role.INSPECTOR})),
                  Actor("dashboard", slug, frozenset({Role.PARTNER}))):
        with pytest.raises(AccessDeniedError):
            rate(tenant, actor, tree.cells_a[0], G)
    district_officer = Actor("officer-a", slug, frozenset({Role.OFFICER}), frozenset({tree.district_a}))
    with pytest.raises(AccessDeniedError):
        rate(tenant, district_officer, tree.province, G)  # the top of the tree: administrators only
    assert event_count(tenant) == before
    rate(tenant, district_officer, tree.cells_a[0], G)


def test_another_tenant_cannot_rate_an_organisation(
    tenant: TenantRuntime, admin: Actor, tree: Tree, directory: TenantDirectory,
) -> None:
    slug = new_slug()
    directory.create(slug, "Đảng bộ tỉnh Sơn La")
    other, other_admin = directory.runtime(slug), Actor("admin-b", slug, frozenset({Role.TENANT_ADMIN}))
    before, before_other = event_count(tenant), event_count(other)
    with pytest.raises(OrganizationNotFoundError):
        rate(other, other_admin, tree.cells_a[0], G)
    with pytest.raises(AccessDeniedError):
        rate(tenant, other_admin, tree.cells_a[0], G)
    assert (event_count(tenant), event_count(other)) == (before, before_other)


def test_a_retried_rating_with_its_key_appends_nothing(tenant: TenantRuntime, admin: Actor, tree: Tree) -> None:
    def send(grade: Grade) -> Any:
        return tenant.register.rate_organization(admin, organization_id=tree.cells_a[0], grade=grade, year=2024,
                                                 effective_on=REVIEW)

    with recorded_by(Provenance.system(admin.subject)), idempotency_key("org-rating-2024-xom-0"):
        first = send(G)
        head = event_count(tenant)
        again = send(G)
        assert refused_code(lambda: send(C)) == "IDEMPOTENCY_KEY_REUSED"
    assert again.replayed and again.subject_id == first.subject_id and event_count(tenant) == head


def test_two_raters_racing_for_the_last_excellent_place_get_it_once(
    tenant: TenantRuntime, admin: Actor, tree: Tree,
) -> None:
    *good, first, second = tree.cells_a[:7]
    for cell in good:
        rate(tenant, admin, cell, G)  # 5 GOOD: one EXCELLENT place
    barrier, outcomes = threading.Barrier(2), []

    def send(cell: uuid.UUID) -> None:
        barrier.wait()
        try:
            outcomes.append(rate(tenant, admin, cell, E))
        except DomainError as refused:
            outcomes.append(refused.code)

    threads = [threading.Thread(target=send, args=(c,)) for c in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 2 and [o for o in outcomes if isinstance(o, str)] == ["EXCELLENT_CAP_EXCEEDED"]
    assert list(book(tenant, tree.district_a, K.GRASSROOTS_CELL).grades.values()).count(E) == 1


def test_replaying_the_stored_events_rebuilds_the_same_ratings(tenant: TenantRuntime, admin: Actor, tree: Tree) -> None:
    cell = tree.cells_b[0]
    rate(tenant, admin, cell, LegacyOrgGrade.WEAK, year=2016, effective_on=date(2016, 12, 20), decision=None,
         collective_disciplined=True)
    rate(tenant, admin, cell, C)
    rate(tenant, admin, cell, G, correction_reason="Đính chính")
    rate(tenant, admin, cell, G, year=2025, effective_on=date(2025, 12, 20), decision=None, points=82.5)
    replayed = None
    for stored_event in tenant.register.events.get(cell):
        replayed = stored_event.mutate(replayed)
    loaded = tenant.register.organization(cell)
    assert replayed is not None and replayed.ratings == loaded.ratings
    assert {y: (r.grade, r.scheme) for y, r in loaded.ratings.items()} == {
        2016: (LegacyOrgGrade.WEAK, "LEGACY_HD27"), 2024: (G, "QD124"), 2025: (G, "QD366")}

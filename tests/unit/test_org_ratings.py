"""Annual ratings of organisations (DOMAIN.md §2.12, §2.9): schemes by year, forced NOT_COMPLETED,
points, corrections, peer groups and the EXCELLENT cap counted per group. No database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partyledger.domain.decision import Decision
from partyledger.domain.errors import DomainError
from partyledger.domain.member_ratings import AnnualRatingBook
from partyledger.domain.org_meetings import (
    COLLECTIVE_FORCING,
    CollectiveForcedReason,
    CollectiveStanding,
    PeerGroup,
    PeerGrouping,
)
from partyledger.domain.organization import Organization, OrganizationKind
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.domain.rating_schemes import (
    CapDenominator,
    CapPolicy,
    Grade,
    LegacyOrgGrade,
    scheme_for,
)

E, G, C, N = Grade.EXCELLENT, Grade.GOOD, Grade.COMPLETED, Grade.NOT_COMPLETED
K = OrganizationKind
REVIEW = {2016: date(2016, 12, 20), 2021: date(2021, 12, 15), 2024: date(2024, 12, 18), 2025: date(2025, 12, 20)}


@pytest.fixture(autouse=True)
def provenance() -> Iterator[Provenance]:
    with recorded_by(Provenance("officer-1", "corr-4")) as p:
        yield p


@pytest.fixture
def province() -> Organization:
    return Organization.found(name="Đảng bộ tỉnh Hòa Bình", kind=K.PROVINCIAL_ORGANIZATION, parent=None,
                              effective_on=date(2010, 1, 1), decision=None)


def found(parent: Organization, kind: K = K.GRASSROOTS_CELL, on: date = date(2010, 1, 1)) -> Organization:
    return Organization.found(name="Chi bộ Trường THCS Mường Khến", kind=kind, parent=parent, effective_on=on,
                              decision=None)


def rate(organization: Organization, grade: Grade | LegacyOrgGrade, year: int = 2024, **more: Any) -> None:
    scheme = scheme_for(year)
    arguments: dict[str, Any] = {"decided_on": REVIEW[year], "standing": CollectiveStanding(),
                                 "forcing": COLLECTIVE_FORCING[scheme.key]} | more
    organization.rate(year=year, grade=grade, scheme=scheme, **arguments)


def refused(call: Any) -> str:
    with pytest.raises(DomainError) as error:
        call()
    return str(error.value.code)


def test_a_rating_records_its_scheme_and_before_2018_takes_the_older_grade_names(province: Organization) -> None:
    cell = found(province)
    rate(cell, LegacyOrgGrade.CLEAN_STRONG, 2016)
    rate(cell, G, 2021)
    assert {y: (r.scheme, r.grade, r.current_grade) for y, r in cell.ratings.items()} == {
        2016: ("LEGACY_HD27", LegacyOrgGrade.CLEAN_STRONG, E), 2021: ("QD132", G, G)}
    assert cell.ratings[2016].grade.label == "Trong sạch, vững mạnh"


@pytest.mark.parametrize(("grade", "year"), [(G, 2016), (LegacyOrgGrade.GOOD, 2021), (LegacyOrgGrade.WEAK, 2024)])
def test_a_grade_of_another_scheme_is_refused(province: Organization, grade: Grade | LegacyOrgGrade, year: int) -> None:
    cell = found(province)
    assert refused(lambda: rate(cell, grade, year)) == "ORG_GRADE_NOT_IN_SCHEME"
    assert cell.ratings == {}


@pytest.mark.parametrize(("standing", "reasons"), [
    (CollectiveStanding(collective_disciplined=True), [CollectiveForcedReason.LEADERSHIP_DISCIPLINED]),
    (CollectiveStanding(disciplined_subordinates=3, subordinate_count=10),
     [CollectiveForcedReason.SUBORDINATES_DISCIPLINED]),  # 30 % > 20 %
    (CollectiveStanding(disciplined_subordinates=1, subordinate_count=4),
     [CollectiveForcedReason.SUBORDINATES_DISCIPLINED]),  # 25 %
    (CollectiveStanding(True, 6, 29), [CollectiveForcedReason.LEADERSHIP_DISCIPLINED,
                                       CollectiveForcedReason.SUBORDINATES_DISCIPLINED]),  # 20.7 %
])
def test_a_disciplined_collective_can_only_be_not_completed(
    province: Organization, standing: CollectiveStanding, reasons: list[CollectiveForcedReason],
) -> None:
    committee = found(province, K.GRASSROOTS_COMMITTEE)
    assert refused(lambda: rate(committee, C, standing=standing)) == "ORG_RATING_MUST_BE_NOT_COMPLETED"
    assert committee.ratings == {}
    rate(committee, N, standing=standing)
    assert list(committee.ratings[2024].forced_by) == reasons


@pytest.mark.parametrize("standing", [
    CollectiveStanding(disciplined_subordinates=2, subordinate_count=10),  # exactly 20 % is not more
    CollectiveStanding(disciplined_subordinates=0, subordinate_count=0),
    CollectiveStanding(leadership_member_warned=True),  # the 2019 guidance's rule, not QĐ 124's
])
def test_discipline_within_the_limits_leaves_the_grade_free(province: Organization, standing: CollectiveStanding) -> None:
    committee = found(province, K.GRASSROOTS_COMMITTEE)
    rate(committee, G, standing=standing)
    assert committee.ratings[2024].forced_by == ()


def test_under_the_2019_guidance_a_leadership_member_warned_forces_not_completed(province: Organization) -> None:
    committee = found(province, K.GRASSROOTS_COMMITTEE)
    standing = CollectiveStanding(leadership_member_warned=True)
    assert refused(lambda: rate(committee, G, 2021, standing=standing)) == "ORG_RATING_MUST_BE_NOT_COMPLETED"
    rate(committee, N, 2021, standing=standing)
    assert committee.ratings[2021].forced_by == (CollectiveForcedReason.LEADERSHIP_MEMBER_WARNED,)


def test_before_2018_a_forced_rating_is_weak(province: Organization) -> None:
    committee = found(province, K.GRASSROOTS_COMMITTEE)
    standing = CollectiveStanding(collective_disciplined=True)
    assert refused(lambda: rate(committee, LegacyOrgGrade.COMPLETED, 2016, standing=standing)) == (
        "ORG_RATING_MUST_BE_NOT_COMPLETED")
    rate(committee, LegacyOrgGrade.WEAK, 2016, standing=standing)
    assert committee.ratings[2016].current_grade is N


@pytest.mark.parametrize("standing", [CollectiveStanding(disciplined_subordinates=5, subordinate_count=4),
                                      CollectiveStanding(disciplined_subordinates=-1, subordinate_count=4)])
def test_more_disciplined_units_than_units_is_refused(province: Organization, standing: CollectiveStanding) -> None:
    assert refused(lambda: rate(found(province, K.GRASSROOTS_COMMITTEE), N, standing=standing)) == (
        "ORG_SUBORDINATE_COUNTS_INVALID")


@given(st.integers(0, 60), st.integers(0, 60))
def test_the_subordinate_rule_is_more_than_one_fifth(disciplined: int, extra: int) -> None:
    standing = CollectiveStanding(disciplined_subordinates=disciplined, subordinate_count=disciplined + extra)
    forced = CollectiveForcedReason.SUBORDINATES_DISCIPLINED in standing.forced_by(COLLECTIVE_FORCING["QD124"])
    assert forced == (disciplined * 5 > disciplined + extra)


@pytest.mark.parametrize(("grade", "points", "code"), [
    (G, None, "RATING_POINTS_REQUIRED"),
    (G, 101.0, "RATING_POINTS_OUT_OF_RANGE"),
    (G, 91.0, "RATING_POINTS_DISAGREE_WITH_GRADE"),
])
def test_from_2025_an_organisation_is_rated_on_100_points(
    province: Organization, grade: Grade, points: float | None, code: str,
) -> None:
    cell = found(province)
    assert refused(lambda: rate(cell, grade, 2025, points=points)) == code
    rate(cell, G, 2025, points=89.5)
    assert (cell.ratings[2025].scheme, cell.ratings[2025].points) == ("QD366", 89.5)
    assert refused(lambda: rate(found(province), G, 2024, points=80.0)) == "RATING_POINTS_NOT_IN_SCHEME"


def test_a_forced_rating_keeps_its_points(province: Organization) -> None:
    cell = found(province)
    rate(cell, N, 2025, points=75.0, standing=CollectiveStanding(collective_disciplined=True))
    assert cell.ratings[2025].current_grade is N


def test_a_year_is_rated_once_and_changed_by_a_correction_counted_in_the_same_group(province: Organization) -> None:
    cell = found(province)
    group = PeerGroup.of(cell.kind, province.id, None, PeerGrouping.KIND_UNDER_SUPERIOR)
    rate(cell, C, peer_group=group)
    assert refused(lambda: rate(cell, G)) == "ORG_ALREADY_RATED"
    assert refused(lambda: rate(cell, G, 2021, correction_reason="x")) == "NO_ORG_RATING_TO_CORRECT"
    elsewhere = PeerGroup(None)
    rate(cell, G, correction_reason="Ban Thường vụ xem xét lại", peer_group=elsewhere)
    corrected = cell.pending_events[-1]
    assert (corrected.corrects, corrected.counted_in) == (C, group.id)  # type: ignore[attr-defined]
    assert cell.ratings[2024].grade is G and cell.ratings[2024].peer_group == group.describe()


@pytest.mark.parametrize(("founded_on", "year", "decided_on", "code"), [
    (date(2025, 2, 1), 2024, date(2024, 12, 18), "ORGANIZATION_NOT_IN_EXISTENCE"),
    (date(2010, 1, 1), 2024, date(2023, 12, 18), "DATES_OUT_OF_ORDER"),
])
def test_a_rating_needs_the_organisation_in_the_year_and_a_date_after_it_began(
    province: Organization, founded_on: date, year: int, decided_on: date, code: str,
) -> None:
    cell = found(province, on=founded_on)
    assert refused(lambda: rate(cell, G, year, decided_on=decided_on)) == code


def test_the_decision_cannot_postdate_the_rating(province: Organization) -> None:
    late = Decision("9-QĐ/HU", date(2025, 1, 5), "Ban Thường vụ Huyện ủy")
    assert refused(lambda: rate(found(province), G, decision=late)) == "DATES_OUT_OF_ORDER"


# -- peer groups and the cap ------------------------------------------------------------------

def test_peers_are_of_one_kind_under_one_superior_by_default(province: Organization) -> None:
    cell, other_cell, committee = found(province), found(province), found(province, K.GRASSROOTS_COMMITTEE)
    district = found(province, K.DISTRICT_COMMITTEE)
    default = PeerGrouping.KIND_UNDER_SUPERIOR

    def group(o: Organization, grouping: PeerGrouping = default, sector: str | None = None) -> PeerGroup:
        return PeerGroup.of(o.kind, o.parent_id, sector, grouping)

    assert group(cell).id == group(other_cell).id != group(committee).id
    assert group(cell).id != PeerGroup.of(cell.kind, district.id, None, default).id
    assert group(cell, PeerGrouping.SUPERIOR).id == group(committee, PeerGrouping.SUPERIOR).id
    by_sector = PeerGrouping.KIND_AND_SECTOR_UNDER_SUPERIOR
    assert group(cell, by_sector, "ENTERPRISE").id != group(other_cell, by_sector, "COMMUNE_WARD").id
    assert group(cell, default, "ENTERPRISE").id == group(other_cell, default, "COMMUNE_WARD").id
    assert group(cell).id not in (cell.id, province.id)  # a group's book is never an organisation's own


def test_the_cap_in_a_peer_group_of_ten_good_cells_is_two_excellent(province: Organization) -> None:
    """QĐ 124, GOOD_ONLY: EXCELLENT ≤ 20 % × 10 GOOD = 2."""
    policy = scheme_for(2024).collective_cap
    book = AnnualRatingBook.open(PeerGroup(province.id, K.GRASSROOTS_CELL).id, 2024)
    cells = [found(province) for _ in range(13)]
    book.count({c.id: G for c in cells[:10]}, policy, REVIEW[2024])
    book.count({cells[10].id: E}, policy, REVIEW[2024])
    book.count({cells[11].id: E}, policy, REVIEW[2024])
    assert refused(lambda: book.count({cells[12].id: E}, policy, REVIEW[2024])) == "EXCELLENT_CAP_EXCEEDED"
    assert list(book.grades.values()).count(E) == 2


def test_with_good_counted_with_excellent_four_good_allow_one_excellent(province: Organization) -> None:
    """GOOD_PLUS_EXCELLENT: 20 % × (4 + 1) = 1; under GOOD_ONLY 1 > 0.8 is refused."""
    cells = [found(province) for _ in range(5)]
    grades = {c.id: G for c in cells[:4]} | {cells[4].id: E}
    plus = CapPolicy(denominator=CapDenominator.GOOD_PLUS_EXCELLENT)
    AnnualRatingBook.open(PeerGroup(province.id).id, 2024).count(grades, plus, REVIEW[2024])
    strict = scheme_for(2024).collective_cap
    assert refused(lambda: AnnualRatingBook.open(PeerGroup(province.id).id, 2024).count(
        grades, strict, REVIEW[2024])) == "EXCELLENT_CAP_EXCEEDED"


def test_the_collective_cap_follows_the_scheme() -> None:
    assert scheme_for(2016).collective_cap is None
    assert scheme_for(2024).collective_cap is not None
    assert scheme_for(2024).collective_cap.scope.name == "PER_PEER_GROUP"

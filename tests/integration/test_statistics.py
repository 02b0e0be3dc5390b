"""The published figures against a small province whose every figure is counted by hand (the
tree, members, ratings and exits are described in ``province_world``).

Ratings 2021: E 1, G 11, C 1, N 1: rated 14, eligible 15 (all active on 2021-12-31).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from province_world import DECISION, REVIEW, C, G, Province, build_province

from partyledger.domain.decision import Decision
from partyledger.domain.member_exits import StrikeOffGround
from partyledger.domain.member_screening import ScreeningOutcome
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.infra.tenants import TenantRuntime
from partyledger.projections.follower import catch_up_all
from partyledger.projections.statistics_queries import StatisticsQueries, share
from partyledger.services.access import Actor


@pytest.fixture
def province(tenant: TenantRuntime, admin: Actor) -> Province:
    return build_province(tenant, admin)


def stats(tenant: TenantRuntime) -> StatisticsQueries:
    return StatisticsQueries(tenant.roster.datastore)


def subtree(tenant: TenantRuntime, root: uuid.UUID, on: date) -> list[uuid.UUID]:
    return tenant.tree.subtree([root], on)


def test_shares_are_rounded_half_up_to_two_decimals_and_a_share_of_nothing_is_none() -> None:
    assert share(1, 32) == Decimal("3.13")  # 3.125: half up, not to even (3.12)
    assert share(1, 3) == Decimal("33.33")
    assert share(2, 3) == Decimal("66.67")
    assert share(7, 7) == Decimal("100.00")
    assert share(0, 5) == Decimal("0.00")
    assert share(0, 0) is None


def test_member_ratings_of_the_tenant_with_both_denominators(
    tenant: TenantRuntime, province: Province,
) -> None:
    found = stats(tenant).rating_distribution(2021, "MEMBER", None)
    assert found.grades == {"EXCELLENT": 1, "GOOD": 11, "COMPLETED": 1, "NOT_COMPLETED": 1}
    assert (found.rated, found.eligible) == (14, 15)
    assert [share(found.grades[g], found.rated) for g in ("EXCELLENT", "GOOD", "COMPLETED")] == [
        Decimal("7.14"), Decimal("78.57"), Decimal("7.14")]  # 1/14 = 7.142..., 11/14 = 78.571...
    assert share(found.grades["GOOD"], found.eligible) == Decimal("73.33")  # 11/15
    assert share(12, found.rated) == Decimal("85.71") and share(12, found.eligible) == Decimal("80.00")


def test_member_ratings_of_a_subtree(tenant: TenantRuntime, province: Province) -> None:
    orgs = subtree(tenant, province.a, date(2021, 12, 31))
    found = stats(tenant).rating_distribution(2021, "MEMBER", orgs)
    assert found.grades == {"EXCELLENT": 1, "GOOD": 6, "COMPLETED": 1, "NOT_COMPLETED": 1}
    assert (found.rated, found.eligible) == (9, 10)
    assert share(found.grades["GOOD"], found.rated) == Decimal("66.67")  # 6/9
    assert share(7, found.rated) == Decimal("77.78")  # at least GOOD: 7/9


def test_a_corrected_rating_counts_once_as_corrected_and_known_at_shows_the_first(
    tenant: TenantRuntime, admin: Actor, province: Province,
) -> None:
    before = datetime.now(UTC)
    with recorded_by(Provenance.system(admin.subject)):
        tenant.register.rate_member(admin, member_id=province.members["a2"][2], year=2021,
                                    grade=C, effective_on=date(2022, 2, 1), decision=DECISION,
                                    correction_reason="Kết quả kiểm điểm được xem xét lại")
    catch_up_all(tenant.register, tenant.views)
    now = stats(tenant).rating_distribution(2021, "MEMBER", None)
    assert now.grades == {"EXCELLENT": 1, "GOOD": 11, "COMPLETED": 2}
    assert now.rated == 14
    then = stats(tenant).rating_distribution(2021, "MEMBER", None, known_at=before)
    assert then.grades == {"EXCELLENT": 1, "GOOD": 11, "COMPLETED": 1, "NOT_COMPLETED": 1}


def test_collective_ratings_count_cells_and_grassroots_organisations_apart(
    tenant: TenantRuntime, admin: Actor, province: Province,
) -> None:
    with recorded_by(Provenance.system(admin.subject)):
        for organization, grade in ((province.a, G), (province.b, C), (province.a1, G)):
            tenant.register.rate_organization(admin, organization_id=organization, year=2021,
                                              grade=grade, effective_on=REVIEW, decision=DECISION)
    catch_up_all(tenant.register, tenant.views)
    cells = stats(tenant).rating_distribution(2021, "CELL", None)
    assert cells.grades == {"GOOD": 1, "COMPLETED": 1}  # A1 and B (a grassroots cell is a cell)
    assert (cells.rated, cells.eligible) == (2, 3)  # A1, A2, B stood on 2021-12-31
    assert share(1, cells.eligible) == Decimal("33.33")
    grassroots = stats(tenant).rating_distribution(2021, "GRASSROOTS_ORGANIZATION", None)
    assert grassroots.grades == {"GOOD": 1, "COMPLETED": 1}  # A and B
    assert (grassroots.rated, grassroots.eligible) == (2, 2)


def test_members_counted_on_dates(tenant: TenantRuntime, province: Province) -> None:
    count = stats(tenant).member_count
    active = ("PROBATIONARY", "OFFICIAL")
    assert count(date(2016, 8, 31), active, None) == 0  # enrolled from their recognition
    assert count(date(2016, 9, 1), active, None) == 15
    assert count(date(2022, 3, 1), active, None) == 14  # struck off that day
    assert count(date(2022, 12, 31), active, None) == 13
    assert count(date(2023, 1, 10), active, None) == 12
    assert count(date(2023, 1, 10), ("EXITED",), None) == 2
    assert count(date(2023, 1, 10), ("DECEASED",), None) == 1
    assert count(date(2022, 12, 31), active, subtree(tenant, province.a, date(2022, 12, 31))) == 9


def test_members_counted_as_known_at_a_moment(
    tenant: TenantRuntime, admin: Actor, province: Province,
) -> None:
    before = datetime.now(UTC)
    with recorded_by(Provenance.system(admin.subject)):  # recorded now, effective in 2020
        tenant.register.record_death(admin, member_id=province.members["b"][0], on=date(2020, 6, 1))
    catch_up_all(tenant.register, tenant.views)
    count = stats(tenant).member_count
    active = ("PROBATIONARY", "OFFICIAL")
    assert count(date(2021, 12, 31), active, None) == 14
    assert count(date(2021, 12, 31), active, None, known_at=before) == 15
    assert count(date(2021, 12, 31), active, None, known_at=datetime.now(UTC)) == 14
    assert count(date(2020, 5, 31), active, None) == 15


def test_admissions_in_a_period(tenant: TenantRuntime, province: Province) -> None:
    admissions = stats(tenant).admissions
    assert admissions(date(2015, 1, 1), date(2015, 12, 31), None) == 15
    assert admissions(date(2015, 8, 10), date(2015, 8, 10), None) == 15  # both ends included
    assert admissions(date(2015, 8, 11), date(2016, 12, 31), None) == 0
    assert admissions(date(2015, 1, 1), date(2015, 12, 31), subtree(tenant, province.a, date(2015, 12, 31))) == 10
    assert share(15, 20) == Decimal("75.00")


def test_exits_by_kind(tenant: TenantRuntime, province: Province) -> None:
    exits = stats(tenant).exits
    assert exits(date(2022, 1, 1), date(2022, 12, 31), None) == {"STRUCK_OFF": 1, "DECEASED": 1}
    assert exits(date(2022, 1, 1), date(2023, 12, 31), None) == {
        "STRUCK_OFF": 1, "DECEASED": 1, "WITHDRAWN": 1}
    assert exits(date(2022, 1, 1), date(2023, 12, 31), [province.b]) == {"DECEASED": 1}


def test_organisations_counted_on_a_date(tenant: TenantRuntime, province: Province) -> None:
    counts = stats(tenant).organization_counts
    assert counts(date(2021, 12, 31), None) == {
        "PROVINCIAL_ORGANIZATION": 1, "GRASSROOTS_COMMITTEE": 1, "SUBORDINATE_CELL": 2,
        "GRASSROOTS_CELL": 1}
    assert counts(date(2009, 12, 31), None) == {}
    assert counts(date(2021, 12, 31), subtree(tenant, province.a, date(2021, 12, 31))) == {
        "GRASSROOTS_COMMITTEE": 1, "SUBORDINATE_CELL": 2}


def test_screening_outcomes(tenant: TenantRuntime, admin: Actor, province: Province) -> None:
    campaign = "RS-2024"
    reviewed = province.members["a1"][:3] + province.members["b"][:2]
    with recorded_by(Provenance.system(admin.subject)):
        for member in reviewed:
            tenant.register.review_in_screening(admin, member_id=member, campaign=campaign,
                                                campaign_name="Rà soát, sàng lọc đảng viên 2024",
                                                reviewed_on=date(2024, 3, 1))
        tenant.register.strike_off(admin, member_id=reviewed[0], ground=StrikeOffGround.ABANDONED_ACTIVITY,
                                   decision=Decision("20-QĐ/ĐU", date(2024, 4, 1), "Đảng ủy xã Tân Lạc"),
                                   effective_on=date(2024, 4, 1))
        outcomes = ["REMOVED", "CONTINUE_MONITORING", "CONTINUE_MONITORING", "CLEARED"]
        for member, outcome in zip(reviewed, outcomes, strict=False):
            tenant.register.conclude_screening(admin, member_id=member, campaign=campaign,
                                               outcome=_outcome(outcome), effective_on=date(2024, 5, 1))
    catch_up_all(tenant.register, tenant.views)
    found = stats(tenant).screenings(date(2024, 1, 1), date(2024, 12, 31), None)
    assert found == {"REVIEWED": 5, "REMOVED": 1, "CONTINUE_MONITORING": 2, "CLEARED": 1}
    assert share(found["REMOVED"], found["REVIEWED"]) == Decimal("20.00")
    in_a = stats(tenant).screenings(date(2024, 1, 1), date(2024, 12, 31),
                                    subtree(tenant, province.a, date(2024, 12, 31)), campaign=campaign)
    assert in_a == {"REVIEWED": 3, "REMOVED": 1, "CONTINUE_MONITORING": 2}
    assert stats(tenant).screenings(date(2024, 1, 1), date(2024, 12, 31), None, campaign="other") == {}


def _outcome(name: str) -> ScreeningOutcome:
    return ScreeningOutcome[name]

"""Which kind may stand under which, as a policy versioned by date (DOMAIN.md §2.13.1)."""

from __future__ import annotations

from datetime import date

import pytest

from partyledger.domain.errors import ParentKindNotAllowedError
from partyledger.domain.organization_kinds import (
    ALLOWED_PARENTS,
    GrassrootsOrgType,
    OrganizationKind as K,
    allowed_parents,
    check_parent_kind,
    parent_policy,
)

BEFORE = date(2015, 3, 2)
LAST_DAY_OF_DISTRICTS = date(2025, 6, 30)
TWO_TIER_FROM = date(2025, 7, 1)
AFTER = date(2026, 1, 15)


def refused(kind: K, parent: K | None, on: date | None) -> ParentKindNotAllowedError:
    with pytest.raises(ParentKindNotAllowedError) as refusal:
        check_parent_kind(kind, parent, on)
    assert refusal.value.code == "PARENT_KIND_NOT_ALLOWED"
    assert refusal.value.field == "parentId"
    return refusal.value


def test_a_district_committee_is_founded_under_the_province_in_2015() -> None:
    check_parent_kind(K.DISTRICT_COMMITTEE, K.PROVINCIAL_ORGANIZATION, BEFORE)
    check_parent_kind(K.DISTRICT_COMMITTEE, K.PROVINCIAL_ORGANIZATION, LAST_DAY_OF_DISTRICTS)


def test_no_district_committee_is_founded_from_1_july_2025() -> None:
    error = refused(K.DISTRICT_COMMITTEE, K.PROVINCIAL_ORGANIZATION, AFTER)
    assert "abolished" in error.message and "QĐ 294" in error.message
    refused(K.DISTRICT_COMMITTEE, K.PROVINCIAL_ORGANIZATION, TWO_TIER_FROM)


@pytest.mark.parametrize("kind", [K.GRASSROOTS_CELL, K.GRASSROOTS_COMMITTEE, K.BLOC_COMMITTEE])
def test_a_district_committee_receives_organisations_only_before_1_july_2025(kind: K) -> None:
    check_parent_kind(kind, K.DISTRICT_COMMITTEE, BEFORE)
    error = refused(kind, K.DISTRICT_COMMITTEE, AFTER)
    assert "receives no organisation" in error.message


@pytest.mark.parametrize("kind", [K.GRASSROOTS_CELL, K.GRASSROOTS_COMMITTEE])
def test_commune_committees_are_direct_superiors_of_grassroots_organisations_from_1_july_2025(
    kind: K,
) -> None:
    check_parent_kind(K.COMMUNE_COMMITTEE, K.PROVINCIAL_ORGANIZATION, TWO_TIER_FROM)
    check_parent_kind(kind, K.COMMUNE_COMMITTEE, TWO_TIER_FROM)
    refused(kind, K.COMMUNE_COMMITTEE, LAST_DAY_OF_DISTRICTS)


def test_no_commune_committee_stands_as_a_superior_before_the_two_tier_government() -> None:
    error = refused(K.COMMUNE_COMMITTEE, K.PROVINCIAL_ORGANIZATION, BEFORE)
    assert "no COMMUNE_COMMITTEE" in error.message


@pytest.mark.parametrize("on", [BEFORE, AFTER])
@pytest.mark.parametrize("kind", [K.GRASSROOTS_CELL, K.GRASSROOTS_COMMITTEE])
def test_grassroots_organisations_stand_under_the_province_or_a_bloc_in_both_eras(
    kind: K, on: date,
) -> None:
    check_parent_kind(kind, K.PROVINCIAL_ORGANIZATION, on)
    check_parent_kind(kind, K.BLOC_COMMITTEE, on)


def test_a_bloc_committee_stands_under_a_district_only_before_1_july_2025() -> None:
    check_parent_kind(K.BLOC_COMMITTEE, K.DISTRICT_COMMITTEE, BEFORE)
    check_parent_kind(K.BLOC_COMMITTEE, K.PROVINCIAL_ORGANIZATION, AFTER)
    refused(K.BLOC_COMMITTEE, K.COMMUNE_COMMITTEE, AFTER)


@pytest.mark.parametrize("on", [BEFORE, AFTER])
def test_party_groups_divide_cells_and_nothing_else(on: date) -> None:
    check_parent_kind(K.PARTY_GROUP, K.GRASSROOTS_CELL, on)
    check_parent_kind(K.PARTY_GROUP, K.SUBORDINATE_CELL, on)
    refused(K.PARTY_GROUP, K.GRASSROOTS_COMMITTEE, on)
    refused(K.GRASSROOTS_CELL, K.PARTY_GROUP, on)
    assert not K.PARTY_GROUP.holds_members and K.PARTY_GROUP.label == "Tổ đảng"


@pytest.mark.parametrize("on", [BEFORE, AFTER])
def test_subordinate_cells_need_a_grassroots_or_sectional_committee(on: date) -> None:
    check_parent_kind(K.SUBORDINATE_CELL, K.GRASSROOTS_COMMITTEE, on)
    check_parent_kind(K.SUBORDINATE_CELL, K.SECTIONAL_COMMITTEE, on)
    check_parent_kind(K.SECTIONAL_COMMITTEE, K.GRASSROOTS_COMMITTEE, on)
    refused(K.SUBORDINATE_CELL, K.PROVINCIAL_ORGANIZATION, on)
    refused(K.SECTIONAL_COMMITTEE, K.GRASSROOTS_CELL, on)


@pytest.mark.parametrize("on", [BEFORE, AFTER])
def test_only_the_provincial_organisation_stands_at_the_top_in_every_era(on: date) -> None:
    check_parent_kind(K.PROVINCIAL_ORGANIZATION, None, on)
    error = refused(K.GRASSROOTS_CELL, None, on)
    assert "the top of the tree" in error.message
    refused(K.PROVINCIAL_ORGANIZATION, K.PROVINCIAL_ORGANIZATION, on)


def test_without_a_date_today_s_policy_judges() -> None:
    assert parent_policy() is parent_policy(date.today())
    assert parent_policy().regulation == "QĐ 294-QĐ/TW"
    check_parent_kind(K.GRASSROOTS_CELL, K.COMMUNE_COMMITTEE)
    refused(K.DISTRICT_COMMITTEE, K.PROVINCIAL_ORGANIZATION, None)
    assert ALLOWED_PARENTS is parent_policy().allowed


def test_the_policy_changes_exactly_on_1_july_2025() -> None:
    assert parent_policy(LAST_DAY_OF_DISTRICTS).regulation.startswith("Điều lệ Đảng")
    assert parent_policy(TWO_TIER_FROM).in_force_from == TWO_TIER_FROM
    assert parent_policy(date(1990, 1, 1)) is parent_policy(BEFORE)
    assert K.DISTRICT_COMMITTEE in allowed_parents(K.GRASSROOTS_CELL, LAST_DAY_OF_DISTRICTS)
    assert K.DISTRICT_COMMITTEE not in allowed_parents(K.GRASSROOTS_CELL, TWO_TIER_FROM)


def test_sector_types_carry_vietnamese_labels() -> None:
    assert [t.name for t in GrassrootsOrgType] == [
        "COMMUNE_WARD", "ENTERPRISE", "ADMIN_AGENCY_PUBLIC_UNIT", "ARMED_FORCES", "OTHER"]
    assert GrassrootsOrgType.ARMED_FORCES.label == "Lực lượng vũ trang"
    assert all(t.label for t in GrassrootsOrgType)


def test_only_grassroots_committees_and_cells_are_grassroots_organisations() -> None:
    assert {k for k in K if k.is_grassroots} == {K.GRASSROOTS_COMMITTEE, K.GRASSROOTS_CELL}

"""`statistics` and the roster's filters over HTTP: hand-counted figures (``province_world``),
their denominators and rounding as partners receive them, suppression, scopes, the tenant wall,
and rosters on a date, by rating, in other orders."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from province_world import Province, build_province
from strawberry import relay

from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.services.access import Actor, Role
from support import new_slug

GraphQL = Callable[..., dict[str, Any]]

FIGURES = """
query Figures($org: ID) {
  statistics(organizationId: $org) {
    ratingDistribution(year: 2021) {
      rated eligible rounding
      grades { grade label count shareOfRated shareOfEligible }
      atLeastGood { count shareOfRated shareOfEligible }
    }
    memberCount(asOf: "2022-12-31")
    admissions(start: "2015-01-01", end: "2015-12-31", target: 20) { count target shareOfTarget met }
    exits(start: "2022-01-01", end: "2022-12-31") { total byKind { kind label count } }
    organizationCounts(asOf: "2021-12-31") { total byKind { kind count } }
  }
}"""


@pytest.fixture
def province(tenant: TenantRuntime, admin: Actor) -> Province:
    return build_province(tenant, admin)


def gid(kind: str, value: Any) -> str:
    return str(relay.GlobalID(kind, str(value)))


def test_the_tenants_figures_with_denominators_and_rounding(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, province: Province,
) -> None:
    figures = graphql(FIGURES, token_for(tenant.tenant.slug))["data"]["statistics"]
    ratings = figures["ratingDistribution"]
    assert (ratings["rated"], ratings["eligible"]) == (14, 15)
    assert "half up" in ratings["rounding"]
    assert [(g["grade"], g["count"], g["shareOfRated"], g["shareOfEligible"]) for g in ratings["grades"]] == [
        ("EXCELLENT", 1, "7.14", "6.67"), ("GOOD", 11, "78.57", "73.33"),
        ("COMPLETED", 1, "7.14", "6.67"), ("NOT_COMPLETED", 1, "7.14", "6.67")]
    assert ratings["grades"][0]["label"] == "Hoàn thành xuất sắc nhiệm vụ"
    assert ratings["atLeastGood"] == {"count": 12, "shareOfRated": "85.71", "shareOfEligible": "80.00"}
    assert figures["memberCount"] == 13
    assert figures["admissions"] == {"count": 15, "target": 20, "shareOfTarget": "75.00", "met": False}
    assert figures["exits"]["total"] == 2
    assert {k["kind"]: k["count"] for k in figures["exits"]["byKind"]} == {
        "STRUCK_OFF": 1, "EXPELLED": 0, "WITHDRAWN": 0, "DECEASED": 1}
    assert figures["organizationCounts"]["total"] == 5


PUBLISHED_COUNT = """
query Published($org: ID) { statistics(organizationId: $org) { memberCount(asOf: "2021-12-31") } }"""
PUBLISHED_RATINGS = """{ statistics { ratingDistribution(year: 2021) {
  rated eligible grades { grade count shareOfRated } atLeastGood { count shareOfEligible } } } }"""


def test_a_partner_key_reads_the_published_table_with_small_cells_and_complements_withheld(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, province: Province,
) -> None:
    partner = token_for(tenant.tenant.slug, Role.PARTNER)
    organizations = {"tenant": None, "root": province.root, "a": province.a, "a1": province.a1,
                     "a2": province.a2, "b": province.b}
    counts = {name: graphql(PUBLISHED_COUNT, partner, {"org": org and gid("Organization", org)})[
        "data"]["statistics"]["memberCount"] for name, org in organizations.items()}
    # A2's 4 is below 5; A1's 6 is withheld with it, else A (10) less A1 would give it
    assert counts == {"tenant": 15, "root": 15, "a": 10, "a1": None, "a2": None, "b": 5}
    ratings = graphql(PUBLISHED_RATINGS, partner)["data"]["statistics"]["ratingDistribution"]
    assert ratings["eligible"] == 15
    # 1 EXCELLENT, 1 COMPLETED, 1 NOT_COMPLETED and 1 member not rated: every complement too
    assert ratings["rated"] is None and ratings["atLeastGood"] == {"count": None,
                                                                  "shareOfEligible": None}
    assert [(g["grade"], g["count"]) for g in ratings["grades"]] == [
        ("EXCELLENT", None), ("GOOD", None), ("COMPLETED", None), ("NOT_COMPLETED", None)]
    flows = graphql('{ statistics { exits(start: "2022-01-01", end: "2022-12-31") { total } } }',
                    partner)
    assert flows["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    members = graphql("{ members(first: 1) { totalCount } }", partner)
    assert members["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_officers_read_the_figures_of_their_subtrees_only(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, province: Province,
) -> None:
    officer = token_for(tenant.tenant.slug, Role.OFFICER, scope=[str(province.a)])
    mine = graphql(FIGURES, officer, {"org": gid("Organization", province.a1)})["data"]["statistics"]
    assert mine["memberCount"] == 6  # A1's six: the one who withdrew left on 2023-01-10
    for org in (gid("Organization", province.b), None):
        refused = graphql(FIGURES, officer, {"org": org})
        assert refused["data"] is None
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_another_tenants_credentials_see_their_own_figures_and_not_this_tenants_organisations(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, province: Province,
    directory: TenantDirectory,
) -> None:
    other = new_slug()
    directory.create(other, "Đảng bộ tỉnh Sơn La")
    theirs = token_for(other)
    figures = graphql(FIGURES, theirs)["data"]["statistics"]
    assert figures["ratingDistribution"]["rated"] == 0 and figures["memberCount"] == 0
    assert figures["ratingDistribution"]["grades"] == []
    refused = graphql(FIGURES, theirs, {"org": gid("Organization", province.a)})
    assert refused["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert str(province.a) not in str(refused)


ROSTER = """
query Roster($filter: MemberFilter, $asOf: Date, $knownAt: DateTime, $order: MemberOrder,
             $after: String, $first: Int = 50) {
  members(filter: $filter, asOf: $asOf, knownAt: $knownAt, orderBy: $order, first: $first,
          after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id fullName status } }
  }
}"""


def test_the_roster_by_rating_on_a_date_and_in_other_orders(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, province: Province,
) -> None:
    token = token_for(tenant.tenant.slug)
    good = graphql(ROSTER, token, {"filter": {"ratedIn": 2021, "rating": ["GOOD"]}})["data"]["members"]
    assert good["totalCount"] == 11
    rated = graphql(ROSTER, token, {"filter": {"ratedIn": 2021}})["data"]["members"]
    assert rated["totalCount"] == 14
    then = graphql(ROSTER, token, {"asOf": "2021-12-31", "filter": {"status": ["OFFICIAL"]}})
    assert then["data"]["members"]["totalCount"] == 15
    now = graphql(ROSTER, token, {"filter": {"status": ["OFFICIAL"]}})["data"]["members"]
    assert now["totalCount"] == 12
    before = graphql(ROSTER, token, {"asOf": "2016-08-31"})["data"]["members"]
    assert before["totalCount"] == 0
    in_a = graphql(ROSTER, token, {"asOf": "2021-12-31",
                                   "filter": {"organizationId": gid("Organization", province.a)}})
    assert in_a["data"]["members"]["totalCount"] == 10
    first = graphql(ROSTER, token, {"order": {"field": "NAME", "direction": "DESC"}, "first": 4})
    names = [e["node"]["fullName"] for e in first["data"]["members"]["edges"]]
    assert names[0].startswith("Quách") and names == sorted(names, reverse=True)
    cursor = first["data"]["members"]["pageInfo"]["endCursor"]
    rest = graphql(ROSTER, token, {"order": {"field": "NAME", "direction": "DESC"}, "after": cursor})
    more = [e["node"]["fullName"] for e in rest["data"]["members"]["edges"]]
    assert len(names + more) == 15 and not set(names) & set(more)
    other_order = graphql(ROSTER, token, {"order": {"field": "BIRTH_DATE"}, "after": cursor})
    assert other_order["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize("variables", [
    {"filter": {"rating": ["GOOD"]}},  # a grade without its year
    {"knownAt": "2024-01-01T00:00:00"},  # a moment without its offset
    {"after": "bm90IGEgY3Vyc29y"},
])
def test_bad_roster_arguments_are_refused_clearly(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, variables: dict[str, Any],
) -> None:
    refused = graphql(ROSTER, token_for(tenant.tenant.slug), variables)
    assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "Traceback" not in str(refused)

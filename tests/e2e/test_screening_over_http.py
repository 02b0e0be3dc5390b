"""Screening campaigns over HTTP: review and conclude a member's case, userErrors, idempotency,
history entries, and who may do it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from strawberry import relay
from support import enroll_officials, event_count, new_slug

from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.services.access import Actor, Role

GraphQL = Callable[..., dict[str, Any]]

PAYLOAD = "member { id status } userErrors { field message code } position"
REVIEW = f"mutation R($input: ReviewInScreeningInput!) {{ reviewInScreening(input: $input) {{ {PAYLOAD} }} }}"
CONCLUDE = f"mutation C($input: ConcludeScreeningInput!) {{ concludeScreening(input: $input) {{ {PAYLOAD} }} }}"
STRIKE_OFF = f"mutation S($input: StrikeOffInput!) {{ strikeOff(input: $input) {{ {PAYLOAD} }} }}"
HISTORY = """
query History($id: ID!, $wait: String) {
  member(id: $id, waitForPosition: $wait) {
    history(first: 50) { edges { node {
      __typename effectiveOn decision { number }
      ... on ScreeningReviewedEntry { campaign campaignName cellId }
      ... on ScreeningConcludedEntry { campaign outcome outcomeLabel exitKind exitOn }
    } } }
  }
}"""
SCREENINGS = """query($id: ID!, $wait: String) { member(id: $id, waitForPosition: $wait) { screenings { campaign campaignName reviewedOn open
  outcome outcomeLabel concludedOn exitKind exitOn decision { number } } } }"""
CAMPAIGN = "15-KH/TU (2019)"


def gid(kind: str, value: uuid.UUID) -> str:
    return str(relay.GlobalID(kind, str(value)))


def decision(on: str, number: str = "15-KH/TU") -> dict[str, str]:
    return {"number": number, "date": on, "authority": "Ban Thường vụ Thành ủy"}


@pytest.fixture
def official(tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID) -> str:
    with recorded_by(Provenance.system(admin.subject)):
        (member,) = enroll_officials(tenant, admin, cell_id, n=1)
    return gid("Member", member)


@pytest.fixture
def token(token_for: Callable[..., str], tenant: TenantRuntime) -> str:
    return token_for(tenant.tenant.slug)


def review(member: str, on: str = "2019-06-03", **changes: Any) -> dict[str, Any]:
    data = {"memberId": member, "campaign": CAMPAIGN, "campaignName": "Rà soát, sàng lọc 2019",
            "effectiveOn": on, "decision": decision("2019-03-01")}
    data.update(changes)
    return {"input": data}


def conclude(member: str, outcome: str, on: str = "2019-10-01", **changes: Any) -> dict[str, Any]:
    data = {"memberId": member, "campaign": CAMPAIGN, "outcome": outcome, "effectiveOn": on}
    data.update(changes)
    return {"input": data}


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


def test_a_case_is_reviewed_and_kept_under_monitoring_and_shows_in_the_history(
    graphql: GraphQL, token: str, official: str, cell_id: uuid.UUID,
) -> None:
    reviewed = graphql(REVIEW, token, review(official))["data"]["reviewInScreening"]
    assert reviewed["userErrors"] == [] and reviewed["member"] == {"id": official, "status": "OFFICIAL"}
    done = graphql(CONCLUDE, token, conclude(official, "CONTINUE_MONITORING"))["data"]["concludeScreening"]
    assert done["userErrors"] == [] and done["position"]
    history = graphql(HISTORY, token, {"id": official, "wait": done["position"]})["data"]["member"]
    opened, closed = (e["node"] for e in history["history"]["edges"][-2:])
    assert opened == {"__typename": "ScreeningReviewedEntry", "effectiveOn": "2019-06-03",
                      "decision": {"number": "15-KH/TU"}, "campaign": CAMPAIGN,
                      "campaignName": "Rà soát, sàng lọc 2019", "cellId": gid("Organization", cell_id)}
    assert closed == {"__typename": "ScreeningConcludedEntry", "effectiveOn": "2019-10-01", "decision": None,
                      "campaign": CAMPAIGN, "outcome": "CONTINUE_MONITORING",
                      "outcomeLabel": "Tiếp tục theo dõi, giáo dục, giúp đỡ", "exitKind": None, "exitOn": None}


def test_removed_waits_for_the_strike_off_and_then_names_it(
    graphql: GraphQL, token: str, official: str, tenant: TenantRuntime,
) -> None:
    graphql(REVIEW, token, review(official))
    head = event_count(tenant)
    early = graphql(CONCLUDE, token, conclude(official, "REMOVED"))["data"]["concludeScreening"]
    assert early["member"] is None and early["position"] is None
    assert [(e["field"], e["code"]) for e in early["userErrors"]] == [
        (["input", "outcome"], "SCREENING_REMOVAL_NOT_RECORDED")]
    assert event_count(tenant) == head
    strike = {"input": {"memberId": official, "ground": "DECLINED_AFTER_EDUCATION", "effectiveOn": "2019-08-15",
                        "decision": decision("2019-08-15", "88-QĐ/QU")}}
    assert graphql(STRIKE_OFF, token, strike)["data"]["strikeOff"]["userErrors"] == []
    kept = graphql(CONCLUDE, token, conclude(official, "CLEARED"))["data"]["concludeScreening"]
    assert codes(kept) == ["SCREENING_MEMBER_HAS_LEFT"]
    removed = graphql(CONCLUDE, token, conclude(official, "REMOVED"))["data"]["concludeScreening"]
    assert removed["userErrors"] == [] and removed["member"]["status"] == "EXITED"
    history = graphql(HISTORY, token, {"id": official, "wait": removed["position"]})["data"]["member"]
    last = history["history"]["edges"][-1]["node"]
    assert (last["outcome"], last["exitKind"], last["exitOn"]) == ("REMOVED", "STRUCK_OFF", "2019-08-15")


def test_the_rules_come_back_as_user_errors_naming_them_and_write_nothing(
    graphql: GraphQL, token: str, official: str, tenant: TenantRuntime,
) -> None:
    head = event_count(tenant)
    not_open = graphql(CONCLUDE, token, conclude(official, "CLEARED"))["data"]["concludeScreening"]
    assert [(e["field"], e["code"]) for e in not_open["userErrors"]] == [
        (["input", "campaign"], "SCREENING_CASE_NOT_OPEN")]
    early = graphql(REVIEW, token, review(official, on="1990-01-01"))["data"]["reviewInScreening"]
    assert [(e["field"], e["code"]) for e in early["userErrors"]] == [(["input", "effectiveOn"], "DATES_OUT_OF_ORDER")]
    assert event_count(tenant) == head
    graphql(REVIEW, token, review(official))
    twice = graphql(REVIEW, token, review(official, on="2019-07-01"))["data"]["reviewInScreening"]
    assert codes(twice) == ["SCREENING_CASE_ALREADY_OPEN"]
    before = graphql(CONCLUDE, token, conclude(official, "CLEARED", on="2019-06-02"))["data"]["concludeScreening"]
    assert codes(before) == ["DATES_OUT_OF_ORDER"]


def test_a_retried_review_returns_the_first_answer_and_a_changed_retry_is_refused(
    graphql: GraphQL, token: str, official: str, tenant: TenantRuntime,
) -> None:
    request = review(official, idempotencyKey="ra-soat-2019-01")
    first = graphql(REVIEW, token, request)["data"]["reviewInScreening"]
    head = event_count(tenant)
    again = graphql(REVIEW, token, request)["data"]["reviewInScreening"]
    assert again["member"] == first["member"] and again["userErrors"] == [] and event_count(tenant) == head
    changed = review(official, on="2019-06-04", idempotencyKey="ra-soat-2019-01")
    assert codes(graphql(REVIEW, token, changed)["data"]["reviewInScreening"]) == ["IDEMPOTENCY_KEY_REUSED"]
    assert event_count(tenant) == head


def test_an_inspector_records_a_case_an_officer_elsewhere_a_partner_and_another_tenant_cannot(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, official: str,
    directory: TenantDirectory,
) -> None:
    other = new_slug()
    directory.create(other, "Đảng bộ tỉnh bên kia")
    head = event_count(tenant)
    intruder = graphql(REVIEW, token_for(other), review(official))["data"]["reviewInScreening"]
    assert codes(intruder) == ["MEMBER_NOT_FOUND"]
    for caller in (token_for(tenant.tenant.slug, Role.OFFICER, scope=[uuid.uuid4()]),
                   token_for(tenant.tenant.slug, Role.PARTNER)):
        refused = graphql(REVIEW, caller, review(official))
        assert refused["data"] is None and refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert event_count(tenant) == head
    inspector = token_for(tenant.tenant.slug, Role.INSPECTOR)
    assert graphql(REVIEW, inspector, review(official))["data"]["reviewInScreening"]["userErrors"] == []
    cleared = graphql(CONCLUDE, inspector, conclude(official, "CLEARED"))["data"]["concludeScreening"]
    assert cleared["userErrors"] == [] and cleared["member"]["status"] == "OFFICIAL"


def test_a_members_screenings_are_listed_with_their_outcomes(
    graphql: GraphQL, token: str, official: str, token_for: Callable[..., str], tenant: TenantRuntime,
) -> None:
    graphql(REVIEW, token, review(official))
    graphql(REVIEW, token, review(official, on="2021-05-04", campaign="22-KH/TU (2021)", decision=None))
    concluded = graphql(CONCLUDE, token, conclude(official, "CLEARED"))["data"]["concludeScreening"]
    cases = graphql(SCREENINGS, token, {"id": official, "wait": concluded["position"]}
                    )["data"]["member"]["screenings"]
    assert [(c["campaign"], c["open"], c["outcome"]) for c in cases] == [
        (CAMPAIGN, False, "CLEARED"), ("22-KH/TU (2021)", True, None)]
    assert cases[0]["decision"] == {"number": "15-KH/TU"} and cases[0]["concludedOn"] == "2019-10-01"
    elsewhere = token_for(tenant.tenant.slug, Role.OFFICER, scope=[uuid.uuid4()])
    assert graphql(SCREENINGS, elsewhere, {"id": official})["data"]["member"] is None

"""Officers over HTTP: strike-off, withdrawal, death, readmission, restoration and exemption."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from strawberry import relay
from support import admit, enroll_officials, event_count, new_slug

from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.services.access import Actor, Role

GraphQL = Callable[..., dict[str, Any]]

PAYLOAD = "member { id status statusLabel } userErrors { field message code } position"
STRIKE_OFF = f"mutation S($input: StrikeOffInput!) {{ strikeOff(input: $input) {{ {PAYLOAD} }} }}"
WITHDRAW = f"mutation W($input: ApproveWithdrawalInput!) {{ approveWithdrawal(input: $input) {{ {PAYLOAD} }} }}"
DEATH = f"mutation D($input: RecordDeathInput!) {{ recordDeath(input: $input) {{ {PAYLOAD} }} }}"
READMIT = f"mutation R($input: ReadmitMemberInput!) {{ readmitMember(input: $input) {{ {PAYLOAD} }} }}"
RESTORE = f"mutation M($input: RestoreMembershipInput!) {{ restoreMembership(input: $input) {{ {PAYLOAD} }} }}"
EXEMPT = f"mutation E($input: GrantExemptionInput!) {{ grantExemption(input: $input) {{ {PAYLOAD} }} }}"
END_EXEMPTION = f"mutation X($input: EndExemptionInput!) {{ endExemption(input: $input) {{ {PAYLOAD} }} }}"
HISTORY = """
query History($id: ID!, $wait: String) {
  member(id: $id, waitForPosition: $wait) {
    history(first: 50) { edges { node {
      __typename effectiveOn decision { number authority }
      ... on StruckOffEntry { strikeOffGround strikeOffGroundLabel leftAs cellVotesInFavour cellEligible }
      ... on ReadmittedEntry { leftOn ceremonyOn regulation provincialConsent { number } }
      ... on MembershipRestoredEntry { leftOn restoredAs apology }
      ... on ExemptionGrantedEntry { exemptionGround exemptionGroundLabel }
    } } }
  }
}"""
VOTE = {"inFavour": 8, "against": 2, "eligible": 10, "present": 10}


def gid(kind: str, value: uuid.UUID) -> str:
    return str(relay.GlobalID(kind, str(value)))


def decision(on: str, number: str = "52-QĐ/ĐU") -> dict[str, str]:
    return {"number": number, "date": on, "authority": "Ban Thường vụ Đảng ủy"}


@pytest.fixture
def official(tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID) -> str:
    with recorded_by(Provenance.system(admin.subject)):
        (member,) = enroll_officials(tenant, admin, cell_id, n=1)
    return gid("Member", member)


@pytest.fixture
def probationary(tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID) -> str:
    with recorded_by(Provenance.system(admin.subject)):
        member = admit(tenant, admin, cell_id, enroll_officials(tenant, admin, cell_id)).subject_id
    return gid("Member", member)


@pytest.fixture
def token(token_for: Callable[..., str], tenant: TenantRuntime) -> str:
    return token_for(tenant.tenant.slug)


def strike_off(member: str, ground: str, on: str, **changes: Any) -> dict[str, Any]:
    data = {"memberId": member, "ground": ground, "decision": decision(on), "effectiveOn": on}
    data.update(changes)
    return {"input": data}


def readmission(member: str, voted_on: str, **changes: Any) -> dict[str, Any]:
    data = {"memberId": member, "cellResolution": {"on": voted_on, "vote": VOTE},
            "provincialConsent": decision("2023-02-01", "88-CV/TU"), "decision": decision("2023-03-01"),
            "effectiveOn": "2023-03-01", "ceremonyOn": "2023-03-20"}
    data.update(changes)
    return {"input": data}


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


def test_a_strike_off_returns_the_exited_member_and_shows_in_the_history(
    graphql: GraphQL, token: str, official: str,
) -> None:
    done = graphql(STRIKE_OFF, token, strike_off(official, "STANDARDS_VIOLATED_TWO_YEARS", "2021-12-20"))
    payload = done["data"]["strikeOff"]
    assert payload["userErrors"] == []
    assert payload["member"]["status"] == "EXITED" and payload["member"]["statusLabel"] == "Đã ra khỏi Đảng"
    history = graphql(HISTORY, token, {"id": official, "wait": payload["position"]})["data"]["member"]
    last = history["history"]["edges"][-1]["node"]
    assert last == {"__typename": "StruckOffEntry", "effectiveOn": "2021-12-20",
                    "decision": {"number": "52-QĐ/ĐU", "authority": "Ban Thường vụ Đảng ủy"},
                    "strikeOffGround": "STANDARDS_VIOLATED_TWO_YEARS", "strikeOffGroundLabel": "Vi phạm tư cách đảng viên hai năm liền",
                    "leftAs": "OFFICIAL", "cellVotesInFavour": None, "cellEligible": None}


def test_a_ground_for_probationary_members_is_a_user_error_naming_the_rule_and_writes_nothing(
    graphql: GraphQL, token: str, official: str, tenant: TenantRuntime,
) -> None:
    head = event_count(tenant)
    refused = graphql(STRIKE_OFF, token, strike_off(official, "PROBATION_NOT_MET", "2021-12-20"))["data"]["strikeOff"]
    assert refused["member"] is None and refused["position"] is None
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        (["input", "ground"], "STRIKE_OFF_GROUND_NOT_APPLICABLE")]
    assert event_count(tenant) == head


def test_scenario_i_readmission_over_http(
    graphql: GraphQL, token: str, probationary: str, tenant: TenantRuntime,
) -> None:
    vote = {"cellResolution": {"on": "2019-12-20", "vote": VOTE}}
    out = graphql(STRIKE_OFF, token, strike_off(probationary, "PROBATION_NOT_MET", "2020-01-10", **vote))
    assert out["data"]["strikeOff"]["member"]["status"] == "EXITED"
    head = event_count(tenant)
    early = graphql(READMIT, token, readmission(probationary, "2023-01-09"))["data"]["readmitMember"]
    assert codes(early) == ["READMISSION_TOO_EARLY"]
    unconsented = readmission(probationary, "2023-01-10", provincialConsent=None)
    assert codes(graphql(READMIT, token, unconsented)["data"]["readmitMember"]) == [
        "READMISSION_NEEDS_PROVINCIAL_CONSENT"]
    assert event_count(tenant) == head
    back = graphql(READMIT, token, readmission(probationary, "2023-01-10"))["data"]["readmitMember"]
    assert back["userErrors"] == [] and back["member"]["status"] == "PROBATIONARY"
    edges = graphql(HISTORY, token, {"id": probationary, "wait": back["position"]})["data"]["member"]
    readmitted = edges["history"]["edges"][-1]["node"]
    assert readmitted["__typename"] == "ReadmittedEntry"
    assert (readmitted["leftOn"], readmitted["ceremonyOn"]) == ("2020-01-10", "2023-03-20")
    assert readmitted["provincialConsent"] == {"number": "88-CV/TU"}
    again = strike_off(probationary, "LOST_STANDING", "2023-09-01", cellResolution={"on": "2023-08-20", "vote": VOTE})
    assert graphql(STRIKE_OFF, token, again)["data"]["strikeOff"]["userErrors"] == []
    second = readmission(probationary, "2027-01-10", decision=decision("2027-02-01"), effectiveOn="2027-02-01",
                         ceremonyOn="2027-02-20")
    assert codes(graphql(READMIT, token, second)["data"]["readmitMember"]) == ["READMISSION_ONLY_ONCE"]


def test_abandoning_activity_bars_readmission_over_http(graphql: GraphQL, token: str, official: str) -> None:
    graphql(STRIKE_OFF, token, strike_off(official, "ABANDONED_ACTIVITY", "2020-01-10"))
    refused = graphql(READMIT, token, readmission(official, "2023-06-01"))["data"]["readmitMember"]
    assert codes(refused) == ["READMISSION_FORBIDDEN_GROUND"]


def test_a_withdrawal_with_an_open_violation_case_is_refused(
    graphql: GraphQL, token: str, official: str,
) -> None:
    request = {"input": {"memberId": official, "decision": decision("2022-04-04"), "effectiveOn": "2022-04-04",
                         "openViolation": True}}
    assert codes(graphql(WITHDRAW, token, request)["data"]["approveWithdrawal"]) == [
        "WITHDRAWAL_BLOCKED_BY_VIOLATION"]
    request["input"]["openViolation"] = False
    assert graphql(WITHDRAW, token, request)["data"]["approveWithdrawal"]["member"]["status"] == "EXITED"


def test_after_death_restoration_is_refused(graphql: GraphQL, token: str, official: str) -> None:
    died = graphql(DEATH, token, {"input": {"memberId": official, "effectiveOn": "2024-10-02"}})
    assert died["data"]["recordDeath"]["member"]["status"] == "DECEASED"
    restore = {"input": {"memberId": official, "decision": decision("2025-01-06"), "effectiveOn": "2025-01-06"}}
    assert codes(graphql(RESTORE, token, restore)["data"]["restoreMembership"]) == ["MEMBER_DECEASED"]


def test_a_wrongful_strike_off_is_restored_with_the_previous_status(
    graphql: GraphQL, token: str, official: str,
) -> None:
    graphql(STRIKE_OFF, token, strike_off(official, "ABANDONED_ACTIVITY", "2005-03-01"))
    restore = {"input": {"memberId": official, "decision": decision("2006-03-01"), "effectiveOn": "2006-03-01"}}
    restored = graphql(RESTORE, token, restore)["data"]["restoreMembership"]
    assert restored["userErrors"] == [] and restored["member"]["status"] == "OFFICIAL"
    edges = graphql(HISTORY, token, {"id": official, "wait": restored["position"]})["data"]["member"]
    assert edges["history"]["edges"][-1]["node"]["restoredAs"] == "OFFICIAL"


def test_an_exemption_is_granted_and_ended(graphql: GraphQL, token: str, official: str) -> None:
    grant = {"input": {"memberId": official, "ground": "AGE", "effectiveOn": "2024-03-01"}}
    granted = graphql(EXEMPT, token, grant)["data"]["grantExemption"]
    assert granted["userErrors"] == [] and granted["member"]["status"] == "OFFICIAL"
    assert codes(graphql(EXEMPT, token, grant)["data"]["grantExemption"]) == ["EXEMPTION_ALREADY_GRANTED"]
    ended = graphql(END_EXEMPTION, token, {"input": {"memberId": official, "effectiveOn": "2025-03-01"}})
    assert ended["data"]["endExemption"]["userErrors"] == []
    edges = graphql(HISTORY, token, {"id": official, "wait": ended["data"]["endExemption"]["position"]})
    nodes = [e["node"] for e in edges["data"]["member"]["history"]["edges"]]
    assert [n["__typename"] for n in nodes[-2:]] == ["ExemptionGrantedEntry", "ExemptionEndedEntry"]
    assert (nodes[-2]["exemptionGround"], nodes[-2]["exemptionGroundLabel"]) == ("AGE", "Tuổi cao")


def test_a_retried_strike_off_returns_the_first_answer(
    graphql: GraphQL, token: str, official: str, tenant: TenantRuntime,
) -> None:
    request = strike_off(official, "CARD_RETURNED_OR_DESTROYED", "2022-02-02", idempotencyKey="xoa-ten-2022-02")
    first = graphql(STRIKE_OFF, token, request)["data"]["strikeOff"]
    head = event_count(tenant)
    again = graphql(STRIKE_OFF, token, request)["data"]["strikeOff"]
    assert again["member"] == first["member"] and again["userErrors"] == [] and event_count(tenant) == head


def test_another_tenant_cannot_strike_off_and_an_officer_elsewhere_is_forbidden(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, official: str,
    directory: TenantDirectory,
) -> None:
    other = new_slug()
    directory.create(other, "Đảng bộ tỉnh bên kia")
    head = event_count(tenant)
    intruder = graphql(STRIKE_OFF, token_for(other), strike_off(official, "ABANDONED_ACTIVITY", "2022-01-03"))
    assert codes(intruder["data"]["strikeOff"]) == ["MEMBER_NOT_FOUND"]
    officer = token_for(tenant.tenant.slug, Role.OFFICER, scope=[uuid.uuid4()])
    forbidden = graphql(STRIKE_OFF, officer, strike_off(official, "ABANDONED_ACTIVITY", "2022-01-03"))
    assert forbidden["data"] is None and forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert event_count(tenant) == head

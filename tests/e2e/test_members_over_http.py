"""Officers over HTTP: admit, list, history, idempotency, refusals, and the tenant wall."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from strawberry import relay

from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.services.access import Actor, Role
from support import enroll_officials, new_slug

GraphQL = Callable[..., dict[str, Any]]



ADMIT = """
mutation Admit($input: AdmitMemberInput!) {
  admitMember(input: $input) {
    member { id fullName status statusLabel organization { name } }
    userErrors { field message code }
    position
  }
}"""
RECOGNIZE = """
mutation Recognize($input: RecognizeOfficialInput!) {
  recognizeOfficial(input: $input) { member { id status } userErrors { field code } position }
}"""
ROSTER = """
query Roster($search: String, $wait: String, $after: String) {
  members(filter: { search: $search }, first: 2, after: $after, waitForPosition: $wait) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id fullName status } }
  }
}"""
MEMBER = """
query One($id: ID!) {
  member(id: $id) {
    fullName
    history { totalCount edges { node { __typename version effectiveOn recordedBy
      decision { number authority } } } }
  }
  node(id: $id) { id }
}"""


VOTE = {"inFavour": 8, "against": 2, "eligible": 10, "present": 10}


def gid(kind: str, value: uuid.UUID) -> str:
    return str(relay.GlobalID(kind, str(value)))


@pytest.fixture
def introducers(tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID) -> list[uuid.UUID]:
    with recorded_by(Provenance.system(admin.subject)):
        return enroll_officials(tenant, admin, cell_id)


def admission(cell: uuid.UUID, introducers: list[uuid.UUID], **changes: Any) -> dict[str, Any]:
    data = {
        "cellId": gid("Organization", cell), "fullName": "Vũ Thị Mai Phương",
        "birthDate": "1994-02-11",
        "introducers": [{"memberId": gid("Member", m), "togetherSince": "2012-01-01"}
                        for m in introducers],
        "cellResolution": {"on": "2015-05-20", "vote": VOTE},
        "decision": {"number": "215-QĐ/ĐU", "date": "2015-07-24", "authority": "Đảng ủy phường"},
        "ceremonyOn": "2015-08-10",
    }
    data.update(changes)
    return {"input": data}


def test_an_admitted_member_is_listed_once_the_projection_reaches_its_position(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, cell_id: uuid.UUID,
    introducers: list[uuid.UUID],
) -> None:
    token = token_for(tenant.tenant.slug)
    admitted = graphql(ADMIT, token, admission(cell_id, introducers))["data"]["admitMember"]
    assert admitted["userErrors"] == []
    assert admitted["member"]["status"] == "PROBATIONARY"
    assert admitted["member"]["statusLabel"] == "Đảng viên dự bị"
    roster = graphql(ROSTER, token, {"search": "vu thi mai", "wait": admitted["position"]})
    edges = roster["data"]["members"]["edges"]
    assert [e["node"]["id"] for e in edges] == [admitted["member"]["id"]]
    one = graphql(MEMBER, token, {"id": admitted["member"]["id"]})["data"]
    history = one["member"]["history"]["edges"]
    assert [h["node"]["__typename"] for h in history] == [
        "CandidacyOpenedEntry", "ResolutionEntry", "AdmissionDecidedEntry", "AdmissionCeremonyEntry"]
    assert {h["node"]["recordedBy"] for h in history} == {f"user@{tenant.tenant.slug}"}
    assert history[2]["node"]["decision"] == {"number": "215-QĐ/ĐU", "authority": "Đảng ủy phường"}
    assert [h["node"]["effectiveOn"] for h in history] == [
        "2015-05-20", "2015-05-20", "2015-07-24", "2015-08-10"]
    assert one["node"] == {"id": admitted["member"]["id"]}


def test_the_roster_pages_with_keyset_cursors(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, cell_id: uuid.UUID,
    introducers: list[uuid.UUID],
) -> None:
    token = token_for(tenant.tenant.slug)
    position = graphql(ADMIT, token, admission(cell_id, introducers))["data"]["admitMember"]["position"]
    first = graphql(ROSTER, token, {"wait": position})["data"]["members"]
    assert first["totalCount"] == 3 and first["pageInfo"]["hasNextPage"]
    rest = graphql(ROSTER, token, {"after": first["pageInfo"]["endCursor"]})["data"]["members"]
    assert not rest["pageInfo"]["hasNextPage"] and len(rest["edges"]) == 1
    seen = {e["node"]["id"] for e in first["edges"] + rest["edges"]}
    assert len(seen) == 3
    broken = graphql(ROSTER, token, {"after": "not-a-cursor"})
    assert broken["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_a_retried_admission_returns_the_first_answer_and_a_changed_one_is_refused(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, cell_id: uuid.UUID,
    introducers: list[uuid.UUID],
) -> None:
    token = token_for(tenant.tenant.slug)
    request = admission(cell_id, introducers, idempotencyKey="form-2015-07-24-phuong")
    first = graphql(ADMIT, token, request)["data"]["admitMember"]
    head = tenant.register.recorder.max_notification_id()
    again = graphql(ADMIT, token, request)["data"]["admitMember"]
    assert again["member"]["id"] == first["member"]["id"] and again["userErrors"] == []
    assert tenant.register.recorder.max_notification_id() == head
    changed = admission(cell_id, introducers, idempotencyKey="form-2015-07-24-phuong",
                        fullName="Đỗ Văn Khánh")
    refused = graphql(ADMIT, token, changed)["data"]["admitMember"]
    assert refused["member"] is None
    assert [e["code"] for e in refused["userErrors"]] == ["IDEMPOTENCY_KEY_REUSED"]
    assert tenant.register.recorder.max_notification_id() == head


def test_early_recognition_is_a_user_error_naming_the_rule_and_writes_nothing(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, cell_id: uuid.UUID,
    introducers: list[uuid.UUID],
) -> None:
    token = token_for(tenant.tenant.slug)
    member = graphql(ADMIT, token, admission(cell_id, introducers))["data"]["admitMember"]["member"]
    head = tenant.register.recorder.max_notification_id()
    early = {"input": {"memberId": member["id"], "cellResolution": {"on": "2016-08-09", "vote": VOTE},
                       "decision": {"number": "9-QĐ", "date": "2016-09-01", "authority": "Đảng ủy"},
                       "effectiveOn": "2016-09-01"}}
    refused = graphql(RECOGNIZE, token, early)["data"]["recognizeOfficial"]
    assert refused == {"member": None, "position": None, "userErrors": [
        {"field": ["input", "cellResolution"], "code": "PROBATION_NOT_ELAPSED"}]}
    assert tenant.register.recorder.max_notification_id() == head
    early["input"]["cellResolution"]["on"] = "2016-08-10"
    done = graphql(RECOGNIZE, token, early)["data"]["recognizeOfficial"]
    assert done["member"]["status"] == "OFFICIAL" and done["userErrors"] == []


def test_another_tenant_sees_and_changes_nothing_through_graphql(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, cell_id: uuid.UUID,
    introducers: list[uuid.UUID], directory: TenantDirectory,
) -> None:
    member = graphql(ADMIT, token_for(tenant.tenant.slug),
                     admission(cell_id, introducers))["data"]["admitMember"]["member"]
    other = new_slug()
    directory.create(other, "Đảng bộ tỉnh bên cạnh")
    intruder = token_for(other)
    seen = graphql(MEMBER, intruder, {"id": member["id"]})["data"]
    assert seen == {"member": None, "node": None}
    assert graphql(ROSTER, intruder, {})["data"]["members"]["totalCount"] == 0
    head = tenant.register.recorder.max_notification_id()
    into_their_cell = graphql(ADMIT, intruder, admission(cell_id, []))["data"]["admitMember"]
    assert [e["code"] for e in into_their_cell["userErrors"]] == ["ORGANIZATION_NOT_FOUND"]
    recognize = {"input": {"memberId": member["id"], "cellResolution": {"on": "2016-08-20", "vote": VOTE},
                           "decision": {"number": "1", "date": "2016-09-01", "authority": "x"},
                           "effectiveOn": "2016-09-01"}}
    changed = graphql(RECOGNIZE, intruder, recognize)["data"]["recognizeOfficial"]
    assert [e["code"] for e in changed["userErrors"]] == ["MEMBER_NOT_FOUND"]
    assert tenant.register.recorder.max_notification_id() == head


def test_requests_without_a_valid_token_for_a_tenant_are_unauthenticated(
    graphql: GraphQL, token_for: Callable[..., str],
) -> None:
    for token in (None, "not.a.jwt", token_for("no-such-tenant")):
        body = graphql("{ viewer { subject } }", token, status=401)
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert "data" in body and body["data"] is None


def test_a_partner_key_cannot_read_members(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime,
) -> None:
    partner = token_for(tenant.tenant.slug, Role.PARTNER)
    body = graphql(ROSTER, partner, {})
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    viewer = graphql("{ viewer { roles tenant { slug } } }", partner)["data"]["viewer"]
    assert viewer == {"roles": ["PARTNER"], "tenant": {"slug": tenant.tenant.slug}}


def test_an_officer_of_another_subtree_cannot_admit_here(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, cell_id: uuid.UUID,
    introducers: list[uuid.UUID],
) -> None:
    officer = token_for(tenant.tenant.slug, Role.OFFICER, scope=[uuid.uuid4()])
    body = graphql(ADMIT, officer, admission(cell_id, introducers))
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert body["data"] is None

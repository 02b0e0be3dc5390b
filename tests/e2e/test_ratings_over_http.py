"""Rating members over HTTP: the payload, the history entry, the cap as a userError, retries,
authority and the tenant wall."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from strawberry import relay
from support import new_slug

from partyledger.domain.organization import OrganizationKind
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.services.access import Actor, Role

GraphQL = Callable[..., dict[str, Any]]

RATE = """
mutation Rate($input: RateMemberInput!) {
  rateMember(input: $input) {
    member { id fullName status }
    userErrors { field message code }
    position
  }
}"""
HISTORY = """
query History($id: ID!, $wait: String) {
  member(id: $id, waitForPosition: $wait) {
    history(first: 50) { edges { node { __typename effectiveOn recordedBy decision { number }
      ... on RatedEntry { year grade gradeLabel points scheme forcedBy corrects correctionReason } } } }
  }
}"""
GRADES = """{ __type(name: "RatingGrade") { enumValues { name description } } }"""
DECISION = {"number": "88-QĐ/ĐU", "date": "2021-12-15", "authority": "Ban Thường vụ Đảng ủy xã"}


def gid(kind: str, value: uuid.UUID) -> str:
    return str(relay.GlobalID(kind, str(value)))


@pytest.fixture
def grassroots_cell(tenant: TenantRuntime, admin: Actor) -> uuid.UUID:
    with recorded_by(Provenance.system(admin.subject)):
        root = tenant.register.found_organization(
            admin, name="Đảng bộ tỉnh", kind=OrganizationKind.PROVINCIAL_ORGANIZATION, parent_id=None,
            effective_on=date(2010, 1, 1), decision=None).subject_id
        return tenant.register.found_organization(
            admin, name="Chi bộ Trường Tiểu học Lạc Sơn", kind=OrganizationKind.GRASSROOTS_CELL,
            parent_id=root, effective_on=date(2010, 1, 1), decision=None).subject_id


@pytest.fixture
def members(tenant: TenantRuntime, admin: Actor, grassroots_cell: uuid.UUID) -> list[str]:
    """Six official members of one grassroots cell."""
    with recorded_by(Provenance.system(admin.subject)):
        return [gid("Member", tenant.register.enroll_member(
            admin, full_name=f"Hoàng Thị Thu {i}", birth_date=date(1985, 6, 1), cell_id=grassroots_cell,
            admitted_on=date(2012, 3, 2), ceremony_on=date(2012, 3, 20), recognized_on=date(2013, 4, 1),
        ).subject_id) for i in range(6)]


def rating(member: str, grade: str, **changes: Any) -> dict[str, Any]:
    data = {"memberId": member, "year": 2021, "grade": grade, "effectiveOn": "2021-12-15",
            "decision": DECISION} | changes
    return {"input": data}


def test_a_rating_returns_the_member_and_leaves_a_history_entry_with_its_label(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, members: list[str],
) -> None:
    token = token_for(tenant.tenant.slug)
    rated = graphql(RATE, token, rating(members[0], "GOOD"))["data"]["rateMember"]
    assert rated["userErrors"] == [] and rated["member"]["id"] == members[0]
    legacy = graphql(RATE, token, rating(members[0], "GOOD", year=2016, effectiveOn="2016-12-20",
                                         decision=None))["data"]["rateMember"]
    history = graphql(HISTORY, token, {"id": members[0], "wait": legacy["position"]})
    entries = [e["node"] for e in history["data"]["member"]["history"]["edges"]
               if e["node"]["__typename"] == "RatedEntry"]
    assert entries == [
        {"__typename": "RatedEntry", "effectiveOn": "2021-12-15", "recordedBy": f"user@{tenant.tenant.slug}",
         "decision": {"number": "88-QĐ/ĐU"}, "year": 2021, "grade": "GOOD",
         "gradeLabel": "Hoàn thành tốt nhiệm vụ", "points": None, "scheme": "QD132", "forcedBy": [],
         "corrects": None, "correctionReason": None},
        {"__typename": "RatedEntry", "effectiveOn": "2016-12-20", "recordedBy": f"user@{tenant.tenant.slug}",
         "decision": None, "year": 2016, "grade": "GOOD",
         "gradeLabel": "Đủ tư cách, hoàn thành tốt nhiệm vụ", "points": None, "scheme": "LEGACY_HD27",
         "forcedBy": [], "corrects": None, "correctionReason": None},
    ]


def test_the_grades_carry_their_vietnamese_labels(graphql: GraphQL, token_for: Callable[..., str],
                                                  tenant: TenantRuntime) -> None:
    values = graphql(GRADES, token_for(tenant.tenant.slug))["data"]["__type"]["enumValues"]
    assert {v["name"]: v["description"] for v in values} == {
        "EXCELLENT": "Hoàn thành xuất sắc nhiệm vụ", "GOOD": "Hoàn thành tốt nhiệm vụ",
        "COMPLETED": "Hoàn thành nhiệm vụ", "NOT_COMPLETED": "Không hoàn thành nhiệm vụ"}


def test_an_excellent_beyond_the_cap_is_a_user_error_and_writes_nothing(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, members: list[str],
) -> None:
    token = token_for(tenant.tenant.slug)
    *good, excellent = members
    for member in good[:4]:
        assert graphql(RATE, token, rating(member, "GOOD"))["data"]["rateMember"]["userErrors"] == []
    head = tenant.register.recorder.max_notification_id()
    refused = graphql(RATE, token, rating(excellent, "EXCELLENT"))["data"]["rateMember"]
    assert refused["member"] is None and refused["position"] is None
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [("EXCELLENT_CAP_EXCEEDED", ["input", "grade"])]
    assert tenant.register.recorder.max_notification_id() == head
    graphql(RATE, token, rating(good[4], "GOOD"))
    done = graphql(RATE, token, rating(excellent, "EXCELLENT"))["data"]["rateMember"]
    assert done["userErrors"] == []


def test_a_forced_reason_or_a_second_rating_is_refused_by_name(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, members: list[str],
) -> None:
    token = token_for(tenant.tenant.slug)
    forced = graphql(RATE, token, rating(members[0], "COMPLETED", forcedReason="TARGETS_BELOW_HALF"))
    assert [e["code"] for e in forced["data"]["rateMember"]["userErrors"]] == ["RATING_MUST_BE_NOT_COMPLETED"]
    assert graphql(RATE, token, rating(members[0], "NOT_COMPLETED", forcedReason="TARGETS_BELOW_HALF"))[
        "data"]["rateMember"]["userErrors"] == []
    again = graphql(RATE, token, rating(members[0], "GOOD"))["data"]["rateMember"]
    assert [e["code"] for e in again["userErrors"]] == ["ALREADY_RATED"]
    scored = graphql(RATE, token, rating(members[1], "GOOD", year=2025, effectiveOn="2025-12-20",
                                         decision=None, points=91))["data"]["rateMember"]
    assert [e["code"] for e in scored["userErrors"]] == ["RATING_POINTS_DISAGREE_WITH_GRADE"]


def test_a_retried_rating_returns_the_first_answer_and_a_changed_one_is_refused(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, members: list[str],
) -> None:
    token = token_for(tenant.tenant.slug)
    request = rating(members[0], "GOOD", idempotencyKey="review-2021-thu-0")
    first = graphql(RATE, token, request)["data"]["rateMember"]
    head = tenant.register.recorder.max_notification_id()
    again = graphql(RATE, token, request)["data"]["rateMember"]
    assert again["member"] == first["member"] and again["userErrors"] == []
    changed = graphql(RATE, token, rating(members[0], "COMPLETED", idempotencyKey="review-2021-thu-0"))
    assert [e["code"] for e in changed["data"]["rateMember"]["userErrors"]] == ["IDEMPOTENCY_KEY_REUSED"]
    assert tenant.register.recorder.max_notification_id() == head


def test_an_officer_of_another_subtree_and_another_tenant_cannot_rate(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, members: list[str],
    grassroots_cell: uuid.UUID, directory: TenantDirectory,
) -> None:
    head = tenant.register.recorder.max_notification_id()
    outsider = token_for(tenant.tenant.slug, Role.OFFICER, scope=[uuid.uuid4()])
    body = graphql(RATE, outsider, rating(members[0], "GOOD"))
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert tenant.register.recorder.max_notification_id() == head
    insider = token_for(tenant.tenant.slug, Role.OFFICER, scope=[grassroots_cell])
    assert graphql(RATE, insider, rating(members[0], "GOOD"))["data"]["rateMember"]["userErrors"] == []
    head = tenant.register.recorder.max_notification_id()
    other = new_slug()
    directory.create(other, "Đảng bộ tỉnh Sơn La")
    intruder = graphql(RATE, token_for(other), rating(members[1], "GOOD"))["data"]["rateMember"]
    assert [e["code"] for e in intruder["userErrors"]] == ["MEMBER_NOT_FOUND"]
    assert tenant.register.recorder.max_notification_id() == head

"""Meeting scores and organisation ratings over HTTP: the tenant's frame, a month's score, a
year's rating, the Organization's fields, refusals as userErrors, authority and the tenant wall."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from strawberry import relay
from support import new_slug

from partyledger.domain.meeting_frames import DEFAULT_MEETING_FRAME
from partyledger.domain.organization import OrganizationKind
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.services.access import Actor, Role

GraphQL = Callable[..., dict[str, Any]]

CONFIGURE = """
mutation Configure($input: ConfigureMeetingFrameInput!) {
  configureMeetingFrame(input: $input) {
    meetingFrame { version appliesFrom total criteria { name maxPoints requiredForGood } }
    userErrors { field message code }
    position
  }
}"""
SCORE = """
mutation Score($input: RecordMeetingScoreInput!) {
  recordMeetingScore(input: $input) {
    meetingScore { month body total outOf grade gradeLabel frameVersion correctionReason }
    organization { id name }
    userErrors { field message code }
    position
  }
}"""
RATE = """
mutation Rate($input: RateOrganizationInput!) {
  rateOrganization(input: $input) {
    rating { year grade legacyGrade gradeLabel scheme forcedBy peerGroup decision { number } }
    organization { id }
    userErrors { field message code }
    position
  }
}"""
READ = """
mutation Read($input: RecordMeetingScoreInput!) {
  recordMeetingScore(input: $input) {
    organization {
      meetingScores(year: 2024) { month grade total scores { criterion points } }
      annualMeetingGrade(year: 2024) { grade average monthsCounted monthsMissing missing }
      lenient: annualMeetingGrade(year: 2024, missing: EXCLUDED) { grade average }
      ratings { year grade legacyGrade scheme }
    }
    userErrors { code }
  }
}"""
FRAMES = """query Frames($month: String!) { meetingFrame(month: $month) { version appliesFrom }
                                        meetingFrames { version } }"""
GRADES = """{ __type(name: "MeetingGrade") { enumValues { name description } } }"""
FULL = [{"criterion": c.name, "points": float(c.max_points)} for c in DEFAULT_MEETING_FRAME.criteria]
HOA_BINH = [{"name": "ATTENDANCE_RATE", "maxPoints": 15, "requiredForGood": True},
            {"name": "MEETING_DURATION", "maxPoints": 10, "requiredForGood": True},
            {"name": "MEMBERS_SPEAKING", "maxPoints": 15, "requiredForGood": True},
            {"name": "MINUTES", "maxPoints": 10, "requiredForGood": True},
            {"name": "CONTENT", "maxPoints": 50}]


def gid(kind: str, value: uuid.UUID) -> str:
    return str(relay.GlobalID(kind, str(value)))


@pytest.fixture
def cells(tenant: TenantRuntime, admin: Actor) -> list[uuid.UUID]:
    """A province, a district committee, and six grassroots cells under the district."""
    with recorded_by(Provenance.system(admin.subject)):
        def found(name: str, kind: OrganizationKind, parent: uuid.UUID | None) -> uuid.UUID:
            return tenant.register.found_organization(admin, name=name, kind=kind, parent_id=parent,
                                                      effective_on=date(2010, 1, 1), decision=None).subject_id

        province = found("Đảng bộ tỉnh Hòa Bình", OrganizationKind.PROVINCIAL_ORGANIZATION, None)
        district = found("Đảng bộ huyện Lạc Sơn", OrganizationKind.DISTRICT_COMMITTEE, province)
        return [found(f"Chi bộ xóm Bưng {i}", OrganizationKind.GRASSROOTS_CELL, district) for i in range(6)]


def scoring(cell: uuid.UUID, month: str, scores: list[dict[str, Any]] = FULL, **changes: Any) -> dict[str, Any]:
    return {"input": {"organizationId": gid("Organization", cell), "month": month, "scores": scores,
                      "effectiveOn": f"{month}-28"} | changes}


def rating(cell: uuid.UUID, grade: str | None, **changes: Any) -> dict[str, Any]:
    data = {"organizationId": gid("Organization", cell), "year": 2024, "effectiveOn": "2024-12-18",
            "decision": {"number": "215-QĐ/HU", "date": "2024-12-18", "authority": "Ban Thường vụ Huyện ủy"}}
    return {"input": data | ({"grade": grade} if grade else {}) | changes}


def head(tenant: TenantRuntime) -> int:
    return tenant.register.recorder.max_notification_id() or 0


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


def test_a_configured_frame_scores_the_months_from_its_own(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, cells: list[uuid.UUID],
) -> None:
    token = token_for(tenant.tenant.slug)
    configured = graphql(CONFIGURE, token, {"input": {"criteria": HOA_BINH, "appliesFrom": "2023-01",
                                                      "effectiveOn": "2022-12-14"}})["data"]["configureMeetingFrame"]
    assert configured["userErrors"] == [] and configured["meetingFrame"]["version"] == 1
    assert configured["meetingFrame"]["criteria"][0] == {"name": "ATTENDANCE_RATE", "maxPoints": 15.0,
                                                         "requiredForGood": True}
    old = graphql(SCORE, token, scoring(cells[0], "2022-12"))["data"]["recordMeetingScore"]
    assert old["meetingScore"]["frameVersion"] == 0 and old["organization"]["id"] == gid("Organization", cells[0])
    refused = graphql(SCORE, token, scoring(cells[0], "2023-01"))["data"]["recordMeetingScore"]
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [("MEETING_SCORE_INVALID", ["input", "scores"])]
    scores = [{"criterion": c["name"], "points": c["maxPoints"]} for c in HOA_BINH]
    scores[-1]["points"] = 39.5
    done = graphql(SCORE, token, scoring(cells[0], "2023-01", scores))["data"]["recordMeetingScore"]
    assert done["meetingScore"] == {"month": "2023-01", "body": "CELL", "total": 89.5, "outOf": 100.0,
                                    "grade": "FAIR", "gradeLabel": "Khá", "frameVersion": 1, "correctionReason": None}


def test_a_bad_frame_or_a_frame_from_an_officer_is_refused(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, cells: list[uuid.UUID],
) -> None:
    before = head(tenant)
    frame = {"input": {"criteria": HOA_BINH[:2], "appliesFrom": "2023-01", "effectiveOn": "2022-12-14"}}
    bad = graphql(CONFIGURE, token_for(tenant.tenant.slug), frame)["data"]["configureMeetingFrame"]
    assert codes(bad) == ["MEETING_FRAME_INVALID"] and bad["meetingFrame"] is None
    officer = token_for(tenant.tenant.slug, Role.OFFICER, scope=[cells[0]])
    frame["input"]["criteria"] = HOA_BINH
    body = graphql(CONFIGURE, officer, frame)
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert head(tenant) == before


def test_a_month_is_scored_once_and_the_refusals_name_their_rule(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, cells: list[uuid.UUID],
) -> None:
    token = token_for(tenant.tenant.slug)
    minutes_short = [s | {"points": 9.0} if s["criterion"] == "MINUTES" else s for s in FULL]
    first = graphql(SCORE, token, scoring(cells[0], "2024-03", minutes_short))["data"]["recordMeetingScore"]
    assert (first["meetingScore"]["grade"], first["meetingScore"]["total"]) == ("FAIR", 99.0)  # 99 without MINUTES
    before = head(tenant)
    assert codes(graphql(SCORE, token, scoring(cells[0], "2024-03"))["data"]["recordMeetingScore"]) == [
        "MEETING_ALREADY_SCORED"]
    twice = [*FULL, FULL[0]]
    assert codes(graphql(SCORE, token, scoring(cells[0], "2024-04", twice))["data"]["recordMeetingScore"]) == [
        "MEETING_SCORE_INVALID"]
    assert codes(graphql(SCORE, token, scoring(cells[0], "2024-13", effectiveOn="2024-12-28"))["data"]["recordMeetingScore"]) == [
        "MEETING_MONTH_INVALID"]
    assert head(tenant) == before
    fixed = graphql(SCORE, token, scoring(cells[0], "2024-03", correctionReason="Bổ sung biên bản"))
    assert fixed["data"]["recordMeetingScore"]["meetingScore"]["grade"] == "GOOD"


def test_the_organization_shows_its_meetings_the_year_s_grade_and_its_ratings(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, cells: list[uuid.UUID],
) -> None:
    token = token_for(tenant.tenant.slug)
    for month in range(1, 11):
        graphql(SCORE, token, scoring(cells[0], f"2024-{month:02d}"))
    graphql(RATE, token, rating(cells[0], None, year=2016, legacyGrade="CLEAN_STRONG", effectiveOn="2016-12-20",
                                decision=None))
    found = graphql(READ, token, scoring(cells[0], "2024-11"))["data"]["recordMeetingScore"]["organization"]
    assert [m["month"] for m in found["meetingScores"]] == [f"2024-{m:02d}" for m in range(1, 12)]
    assert found["meetingScores"][0]["scores"][0] == {"criterion": "ATTENDANCE_RATE", "points": 10.0}
    assert found["annualMeetingGrade"] == {"grade": "GOOD", "average": 91.67, "monthsCounted": [
        f"2024-{m:02d}" for m in range(1, 13)], "monthsMissing": ["2024-12"], "missing": "COUNT_AS_ZERO"}
    assert found["lenient"] == {"grade": "GOOD", "average": 100.0}
    assert found["ratings"] == [{"year": 2016, "grade": "EXCELLENT", "legacyGrade": "CLEAN_STRONG",
                                 "scheme": "LEGACY_HD27"}]
    frames = graphql(FRAMES, token, {"month": "2024-01"})["data"]
    assert frames == {"meetingFrame": {"version": 0, "appliesFrom": "0001-01"}, "meetingFrames": []}


def test_the_meeting_grades_carry_their_vietnamese_labels(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime,
) -> None:
    values = graphql(GRADES, token_for(tenant.tenant.slug))["data"]["__type"]["enumValues"]
    assert {v["name"]: v["description"] for v in values} == {
        "GOOD": "Tốt", "FAIR": "Khá", "AVERAGE": "Trung bình", "POOR": "Kém"}


def test_an_excellent_beyond_the_peer_group_s_cap_is_a_user_error_and_writes_nothing(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, cells: list[uuid.UUID],
) -> None:
    token = token_for(tenant.tenant.slug)
    for cell in cells[:4]:
        assert codes(graphql(RATE, token, rating(cell, "GOOD"))["data"]["rateOrganization"]) == []
    before = head(tenant)
    refused = graphql(RATE, token, rating(cells[4], "EXCELLENT"))["data"]["rateOrganization"]
    assert refused["rating"] is None and refused["position"] is None
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [("EXCELLENT_CAP_EXCEEDED", ["input", "grade"])]
    assert head(tenant) == before  # 1 > 20 % × 4 GOOD
    graphql(RATE, token, rating(cells[5], "GOOD"))
    done = graphql(RATE, token, rating(cells[4], "EXCELLENT"))["data"]["rateOrganization"]
    assert done["userErrors"] == [] and done["rating"]["grade"] == "EXCELLENT"
    assert done["rating"]["scheme"] == "QD124" and done["rating"]["peerGroup"].startswith("GRASSROOTS_CELL under ")


def test_a_disciplined_collective_and_a_missing_grade_are_refused_by_name(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, cells: list[uuid.UUID],
) -> None:
    token = token_for(tenant.tenant.slug)
    before = head(tenant)
    forced = rating(cells[0], "COMPLETED", disciplinedSubordinates=2, subordinateCount=9)  # 22 %
    assert codes(graphql(RATE, token, forced)["data"]["rateOrganization"]) == ["ORG_RATING_MUST_BE_NOT_COMPLETED"]
    assert codes(graphql(RATE, token, rating(cells[0], None))["data"]["rateOrganization"]) == [
        "ORG_GRADE_NOT_IN_SCHEME"]
    legacy = rating(cells[0], None, legacyGrade="WEAK")
    assert codes(graphql(RATE, token, legacy)["data"]["rateOrganization"]) == ["ORG_GRADE_NOT_IN_SCHEME"]
    assert head(tenant) == before
    forced["input"]["grade"] = "NOT_COMPLETED"
    done = graphql(RATE, token, forced)["data"]["rateOrganization"]["rating"]
    assert (done["grade"], done["forcedBy"], done["decision"]) == (
        "NOT_COMPLETED", ["SUBORDINATES_DISCIPLINED"], {"number": "215-QĐ/HU"})
    again = graphql(RATE, token, rating(cells[0], "GOOD"))["data"]["rateOrganization"]
    assert codes(again) == ["ORG_ALREADY_RATED"]


def test_a_retried_command_returns_the_first_answer(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, cells: list[uuid.UUID],
) -> None:
    token = token_for(tenant.tenant.slug)
    request = scoring(cells[0], "2024-05", idempotencyKey="meeting-xom-bung-2024-05")
    first = graphql(SCORE, token, request)["data"]["recordMeetingScore"]
    before = head(tenant)
    again = graphql(SCORE, token, request)["data"]["recordMeetingScore"]
    assert again["meetingScore"] == first["meetingScore"] and again["userErrors"] == [] and head(tenant) == before


def test_another_tenant_and_an_officer_elsewhere_cannot_score_or_rate(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, cells: list[uuid.UUID],
    directory: TenantDirectory,
) -> None:
    before = head(tenant)
    outsider = token_for(tenant.tenant.slug, Role.OFFICER, scope=[cells[1]])
    for document, variables in ((SCORE, scoring(cells[0], "2024-03")), (RATE, rating(cells[0], "GOOD"))):
        body = graphql(document, outsider, variables)
        assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    other = new_slug()
    directory.create(other, "Đảng bộ tỉnh Sơn La")
    intruder = token_for(other)
    assert codes(graphql(SCORE, intruder, scoring(cells[0], "2024-03"))["data"]["recordMeetingScore"]) == [
        "ORGANIZATION_NOT_FOUND"]
    assert codes(graphql(RATE, intruder, rating(cells[0], "GOOD"))["data"]["rateOrganization"]) == [
        "ORGANIZATION_NOT_FOUND"]
    assert head(tenant) == before
    secretary = token_for(tenant.tenant.slug, Role.OFFICER, scope=[cells[0]])
    assert codes(graphql(SCORE, secretary, scoring(cells[0], "2024-03"))["data"]["recordMeetingScore"]) == []

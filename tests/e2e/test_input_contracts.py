"""Input contracts over HTTP: a value the register would not store is BAD_USER_INPUT, naming the
field, and nothing is written; what is accepted is stored normalised (NFC, spaces collapsed)."""

from __future__ import annotations

import base64
import json
import unicodedata
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from graphql import GraphQLInputObjectType
from strawberry import relay

from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.graphql.contracts import is_checked
from partyledger.graphql.schema import build_schema
from partyledger.infra.tenants import TenantRuntime
from partyledger.services.access import Actor
from support import enroll_officials, event_count

GraphQL = Callable[..., dict[str, Any]]

ADMIT = """
mutation Admit($input: AdmitMemberInput!) {
  admitMember(input: $input) { member { id fullName } userErrors { field code } position }
}"""
FOUND = """
mutation Found($input: FoundOrganizationInput!) {
  foundOrganization(input: $input) { organization { id name } userErrors { field code } }
}"""
ADD_HOLIDAY = """
mutation Add($input: CalendarDayInput!) {
  addHoliday(input: $input) { userErrors { field code } }
}"""
MEMBER = """
query One($id: ID!, $wait: String) {
  member(id: $id, waitForPosition: $wait) {
    fullName history { edges { node { decision { number authority } } } }
  }
}"""
ROSTER = """
query Roster($search: String, $after: String) {
  members(filter: { search: $search }, first: 5, after: $after) { totalCount }
}"""
HISTORY = """
query History($id: ID!, $after: String, $wait: String) {
  member(id: $id, waitForPosition: $wait) { history(after: $after) { totalCount } }
}"""
AUDIT = "query($after: String) { readAudit(first: 5, after: $after) { totalCount } }"
FRAME = "query($month: String!) { meetingFrame(month: $month) { version } }"
WORKING_DAYS = "query($from: Date!) { workingDays(from: $from, days: 5) }"
SCREENINGS = """query($campaign: String) { statistics {
  screenings(start: "2024-01-01", end: "2024-12-31", campaign: $campaign) { reviewed } } }"""
ANNUAL_GRADE = """
query Grade($id: ID!, $year: Int!, $wait: String) {
  organization(id: $id, waitForPosition: $wait) { annualMeetingGrade(year: $year) { grade } }
}"""

VOTE = {"inFavour": 8, "against": 2, "eligible": 10, "present": 10}
NAME_NFC = "Nguyễn Văn Ân"


def gid(kind: str, value: uuid.UUID) -> str:
    return str(relay.GlobalID(kind, str(value)))


def cursor(*keys: str) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(keys)).encode()).decode()


@pytest.fixture
def introducers(tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID) -> list[uuid.UUID]:
    with recorded_by(Provenance.system(admin.subject)):
        return enroll_officials(tenant, admin, cell_id)


@pytest.fixture
def token(token_for: Callable[..., str], tenant: TenantRuntime) -> str:
    return token_for(tenant.tenant.slug)


def admission(cell: uuid.UUID, members: list[uuid.UUID], **changes: Any) -> dict[str, Any]:
    data = {
        "cellId": gid("Organization", cell), "fullName": "Vũ Thị Mai Phương",
        "birthDate": "1994-02-11",
        "introducers": [{"memberId": gid("Member", m), "togetherSince": "2012-01-01"}
                        for m in members],
        "cellResolution": {"on": "2015-05-20", "vote": VOTE},
        "decision": {"number": "215-QĐ/ĐU", "date": "2015-07-24", "authority": "Đảng ủy phường"},
        "ceremonyOn": "2015-08-10",
    }
    data.update(changes)
    return {"input": data}


def refusal(body: dict[str, Any]) -> tuple[str, list[Any], str]:
    """The code, field path and reason of the request's one error."""
    [error] = body["errors"]
    extensions = error["extensions"]
    return extensions["code"], extensions.get("field"), extensions.get("reason")


REFUSED_ADMISSIONS = [
    pytest.param({"fullName": "Nguyễn\u0000Văn"}, ["input", "fullName"], "CONTROL_CHARACTER",
                 id="nul-in-name"),
    pytest.param({"fullName": "Nguyễn Văn " * 100_000}, ["input", "fullName"], "TEXT_TOO_LONG",
                 id="one-megabyte-name"),
    pytest.param({"fullName": "A" * 201}, ["input", "fullName"], "TEXT_TOO_LONG",
                 id="name-one-over-the-limit"),
    pytest.param({"fullName": " \u00a0  "}, ["input", "fullName"], "BLANK", id="blank-name"),
    pytest.param({"fullName": "Nguyễn\u202eVăn"}, ["input", "fullName"], "CONTROL_CHARACTER",
                 id="bidi-override-in-name"),
    pytest.param({"fullName": "Nguyễn\x85Văn"}, ["input", "fullName"], "CONTROL_CHARACTER",
                 id="c1-control-in-name"),
    pytest.param({"fullName": "Nguyễn\nVăn"}, ["input", "fullName"], "CONTROL_CHARACTER",
                 id="line-break-in-name"),
    pytest.param({"cellResolution": {"on": "2015-05-20", "vote": {**VOTE, "inFavour": 2**31 - 1}}},
                 ["input", "cellResolution", "vote", "inFavour"], "NUMBER_OUT_OF_RANGE",
                 id="votes-2-to-the-31"),
    pytest.param({"cellResolution": {"on": "2015-05-20", "vote": {**VOTE, "against": -1}}},
                 ["input", "cellResolution", "vote", "against"], "NUMBER_OUT_OF_RANGE",
                 id="negative-votes"),
    pytest.param({"cellResolution": {"on": "2015-05-20", "vote": {**VOTE, "inFavour": 9}}},
                 ["input", "cellResolution", "vote"], "VOTE_INCONSISTENT",
                 id="more-votes-than-present"),
    pytest.param({"cellResolution": {"on": "2015-05-20", "vote": {**VOTE, "present": 11}}},
                 ["input", "cellResolution", "vote"], "VOTE_INCONSISTENT",
                 id="more-present-than-eligible"),
    pytest.param({"decision": {"number": "125-QĐ/ĐU" * 8, "date": "2015-07-24",
                               "authority": "Đảng ủy phường"}},
                 ["input", "decision", "number"], "TEXT_TOO_LONG", id="long-decision-number"),
    pytest.param({"decision": {"number": "215-QĐ/ĐU", "date": "2015-07-24",
                               "authority": "Đảng ủy phường " * 20}},
                 ["input", "decision", "authority"], "TEXT_TOO_LONG", id="long-authority"),
    pytest.param({"decision": {"number": "\t", "date": "2015-07-24", "authority": "Đảng ủy"}},
                 ["input", "decision", "number"], "CONTROL_CHARACTER", id="tab-decision-number"),
    pytest.param({"idempotencyKey": "k" * 129}, ["input", "idempotencyKey"], "TEXT_TOO_LONG",
                 id="long-idempotency-key"),
    pytest.param({"idempotencyKey": "form 12"}, ["input", "idempotencyKey"],
                 "WHITESPACE_NOT_ALLOWED", id="idempotency-key-with-a-space"),
    pytest.param({"introducers": [{"kind": "YOUTH_UNION_COMMITTEE", "committeeName": "x\u0000"}]},
                 ["input", "introducers", 0, "committeeName"], "CONTROL_CHARACTER",
                 id="nul-in-a-nested-list"),
]


@pytest.mark.parametrize(("changes", "field", "reason"), REFUSED_ADMISSIONS)
def test_an_admission_with_a_value_the_register_would_not_store_is_refused_and_nothing_written(
    graphql: GraphQL, token: str, tenant: TenantRuntime, cell_id: uuid.UUID,
    introducers: list[uuid.UUID], changes: dict[str, Any], field: list[Any], reason: str,
) -> None:
    before = event_count(tenant)
    body = graphql(ADMIT, token, admission(cell_id, introducers, **changes))
    assert refusal(body) == ("BAD_USER_INPUT", field, reason), body
    assert body["data"] is None
    assert ".".join(map(str, field)) in body["errors"][0]["message"]
    assert event_count(tenant) == before


def test_a_vietnamese_name_is_stored_in_nfc_with_its_spaces_collapsed(
    graphql: GraphQL, token: str, tenant: TenantRuntime, cell_id: uuid.UUID,
    introducers: list[uuid.UUID],
) -> None:
    decomposed = unicodedata.normalize("NFD", f"  {NAME_NFC.replace(' ', '   ')} ")
    decision = {"number": unicodedata.normalize("NFD", " 215-QĐ/ĐU "), "date": "2015-07-24",
                "authority": "Đảng ủy  phường"}
    admitted = graphql(ADMIT, token, admission(
        cell_id, introducers, fullName=decomposed, decision=decision))["data"]["admitMember"]
    assert admitted["userErrors"] == []
    assert admitted["member"]["fullName"] == NAME_NFC
    stored = tenant.register.repository.get(uuid.UUID(relay.GlobalID.from_id(
        admitted["member"]["id"]).node_id))
    assert stored.full_name == NAME_NFC and unicodedata.is_normalized("NFC", stored.full_name)
    member = graphql(MEMBER, token, {"id": admitted["member"]["id"],
                                     "wait": admitted["position"]})["data"]["member"]
    assert member["fullName"] == NAME_NFC
    assert {"number": "215-QĐ/ĐU", "authority": "Đảng ủy phường"} in [
        e["node"]["decision"] for e in member["history"]["edges"]]


def test_other_commands_refuse_through_the_same_contracts(
    graphql: GraphQL, token: str, tenant: TenantRuntime, cell_id: uuid.UUID,
) -> None:
    before = event_count(tenant)
    found = graphql(FOUND, token, {"input": {
        "name": "Chi bộ\u0000 Thôn Tây", "kind": "GRASSROOTS_CELL",
        "parentId": gid("Organization", cell_id), "effectiveOn": "2021-01-01"}})
    assert refusal(found) == ("BAD_USER_INPUT", ["input", "name"], "CONTROL_CHARACTER")
    holiday = graphql(ADD_HOLIDAY, token, {"input": {
        "day": "2024-04-02", "reason": "Quyết định\n12-QĐ/TU\u202e"}})
    assert refusal(holiday) == ("BAD_USER_INPUT", ["input", "reason"], "CONTROL_CHARACTER")
    assert event_count(tenant) == before
    lines = graphql(ADD_HOLIDAY, token, {"input": {
        "day": "2024-04-02", "reason": "Quyết định 12-QĐ/TU\r\nngày nghỉ bù"}})
    assert lines["data"]["addHoliday"]["userErrors"] == []


@pytest.mark.parametrize(("document", "variables", "field"), [
    pytest.param(ROSTER, {"search": "Nguyễn\u0000"}, ["filter", "search"], id="nul-in-search"),
    pytest.param(ROSTER, {"after": cursor("NAME", "Nguyễn\u0000", str(uuid.uuid4()))}, ["after"],
                 id="nul-in-a-roster-cursor"),
    pytest.param(AUDIT, {"after": cursor("99999999999999999999999")}, ["after"],
                 id="huge-number-in-an-audit-cursor"),
    pytest.param(AUDIT, {"after": cursor("²")}, ["after"], id="superscript-digit-in-a-cursor"),
    pytest.param(FRAME, {"month": "0000-01"}, ["month"], id="month-of-year-zero"),
    pytest.param(WORKING_DAYS, {"from": "9999-12-30"}, ["from"], id="days-beyond-the-calendar"),
    pytest.param(SCREENINGS, {"campaign": "Rà soát\u0000 2024"}, ["campaign"],
                 id="nul-in-a-screening-campaign"),
])
def test_a_query_with_a_value_the_database_cannot_hold_is_bad_user_input(
    graphql: GraphQL, token: str, document: str, variables: dict[str, Any],
    field: list[str] | None,
) -> None:
    code, path, _ = refusal(graphql(document, token, variables))
    assert (code, path) == ("BAD_USER_INPUT", field)


def test_a_history_cursor_holding_a_huge_number_is_bad_user_input(
    graphql: GraphQL, token: str, tenant: TenantRuntime, introducers: list[uuid.UUID],
) -> None:
    body = graphql(HISTORY, token, {"id": gid("Member", introducers[0]),
                                    "after": cursor("99999999999999999999999"),
                                    "wait": str(event_count(tenant))})
    assert refusal(body)[:2] == ("BAD_USER_INPUT", ["after"])


@pytest.mark.parametrize("year", [0, 2**31 - 1])
def test_a_meeting_grade_for_a_year_no_date_is_in_is_bad_user_input(
    graphql: GraphQL, token: str, tenant: TenantRuntime, cell_id: uuid.UUID, year: int,
) -> None:
    body = graphql(ANNUAL_GRADE, token, {"id": gid("Organization", cell_id), "year": year,
                                         "wait": str(event_count(tenant))})
    assert refusal(body) == ("BAD_USER_INPUT", ["year"], "NUMBER_OUT_OF_RANGE")


def test_every_input_type_of_the_schema_passes_the_contracts() -> None:
    schema = build_schema()._schema
    unchecked = [name for name, kind in schema.type_map.items()
                 if isinstance(kind, GraphQLInputObjectType)
                 and not is_checked(kind.extensions["strawberry-definition"].origin)]
    assert unchecked == []

"""Transfers over HTTP: the letter from issue to receipt, temporary stays, the residence liaison,
rules answered as userErrors, and who may record each step."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from strawberry import relay

from partyledger.domain.organization import OrganizationKind
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.graphql.schema import Query
from partyledger.infra.tenants import TenantRuntime
from partyledger.services.access import Actor, Role

GraphQL = Callable[..., dict[str, Any]]

PAYLOAD = "{ member { id status organization { name } } userErrors { field message code } position }"
ISSUE = f"""
mutation Issue($input: IssueTransferLetterInput!) {{ issueTransferLetter(input: $input) {PAYLOAD} }}"""
PRESENT = f"""
mutation Present($input: PresentTransferLetterInput!) {{ presentTransferLetter(input: $input) {PAYLOAD} }}"""
RECEIVE = f"""
mutation Receive($input: DatedMemberInput!) {{ receiveTransfer(input: $input) {PAYLOAD} }}"""
ATTACH = f"""
mutation Attach($input: AttachTemporarilyInput!) {{ attachTemporarily(input: $input) {PAYLOAD} }}"""
EXTEND = f"""
mutation Extend($input: ExtendTemporaryAttachmentInput!) {{ extendTemporaryAttachment(input: $input) {PAYLOAD} }}"""
RETURN = f"""
mutation Return($input: DatedMemberInput!) {{ returnFromAttachment(input: $input) {PAYLOAD} }}"""
INTRODUCE = f"""
mutation Introduce($input: IntroduceToResidenceInput!) {{ introduceToResidence(input: $input) {PAYLOAD} }}"""
FEEDBACK = f"""
mutation Feedback($input: RecordResidenceFeedbackInput!) {{ recordResidenceFeedback(input: $input) {PAYLOAD} }}"""
EXEMPT = f"""
mutation Exempt($input: SetResidenceExemptionInput!) {{ setResidenceExemption(input: $input) {PAYLOAD} }}"""
HISTORY = """
query History($id: ID!, $wait: String) {
  member(id: $id, waitForPosition: $wait) {
    history(first: 50) { edges { node { __typename effectiveOn decision { number }
      ... on TransferLetterIssuedEntry { letterNumber presentationWorkingDays }
      ... on TransferLetterPresentedEntry { deadline late reasonIfLate }
      ... on TransferReceivedEntry { fromCellId toCellId }
      ... on TemporarilyAttachedEntry { purpose untilOn }
      ... on TemporaryAttachmentExtendedEntry { untilOn }
      ... on ResidenceIntroductionSentEntry { residenceOrganizationName }
      ... on ResidenceFeedbackRecordedEntry { year outcome }
      ... on ResidenceExemptionSetEntry { category } } } }
  }
}"""
TRANSFER = """
query Transfer($id: ID!, $asOf: Date!) {
  memberTransfer(memberId: $id, asOf: $asOf) { state stateLabel presentationDeadline letterNumber }
}"""


def gid(kind: str, value: uuid.UUID) -> str:
    return str(relay.GlobalID(kind, str(value)))


@pytest.fixture
def destination(tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID) -> uuid.UUID:
    root = tenant.register.organization(cell_id).parent_id
    with recorded_by(Provenance.system(admin.subject)):
        return tenant.register.found_organization(
            admin, name="Chi bộ Thôn Tây", kind=OrganizationKind.GRASSROOTS_CELL, parent_id=root,
            effective_on=date(2020, 1, 1), decision=None).subject_id


@pytest.fixture
def member(tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID) -> str:
    with recorded_by(Provenance.system(admin.subject)):
        enrolled = tenant.register.enroll_member(
            admin, full_name="Nguyễn Thị Lan", birth_date=date(1992, 11, 5), cell_id=cell_id,
            admitted_on=date(2015, 7, 24), ceremony_on=date(2015, 8, 10), recognized_on=date(2016, 9, 1))
    return gid("Member", enrolled.subject_id)


def letter(member: str, to: uuid.UUID, **changes: Any) -> dict[str, Any]:
    data = {"memberId": member, "toCellId": gid("Organization", to), "letterNumber": "12-GTSH/HU",
            "effectiveOn": "2019-03-01",
            "decision": {"number": "88-QĐ/HU", "date": "2019-02-27", "authority": "Ban Thường vụ Huyện ủy"}}
    return {"input": data | changes}


def dated(member: str, on: str, **more: Any) -> dict[str, Any]:
    return {"input": {"memberId": member, "effectiveOn": on} | more}


def test_scenario_f_a_letter_presented_late_with_a_reason_moves_the_member(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, destination: uuid.UUID,
    member: str,
) -> None:
    token = token_for(tenant.tenant.slug)
    issued = graphql(ISSUE, token, letter(member, destination))["data"]["issueTransferLetter"]
    assert issued["userErrors"] == [] and issued["member"]["id"] == member
    head = tenant.register.recorder.max_notification_id()
    refused = graphql(PRESENT, token, dated(member, "2019-06-03"))["data"]["presentTransferLetter"]
    assert refused["member"] is None and refused["position"] is None
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        (["input", "reasonIfLate"], "TRANSFER_LETTER_LAPSED_REASON_REQUIRED")]
    assert tenant.register.recorder.max_notification_id() == head
    presented = graphql(PRESENT, token, dated(member, "2019-06-03", reasonIfLate="ốm dài ngày"))
    assert presented["data"]["presentTransferLetter"]["userErrors"] == []
    received = graphql(RECEIVE, token, dated(member, "2019-06-05"))["data"]["receiveTransfer"]
    assert received["userErrors"] == []
    entries = [e["node"] for e in graphql(HISTORY, token, {"id": member, "wait": received["position"]})
               ["data"]["member"]["history"]["edges"]]
    assert [e["__typename"] for e in entries][-3:] == [
        "TransferLetterIssuedEntry", "TransferLetterPresentedEntry", "TransferReceivedEntry"]
    assert entries[-3]["decision"] == {"number": "88-QĐ/HU"} and entries[-3]["presentationWorkingDays"] == 30
    assert entries[-2] | {"__typename": None} == {
        "__typename": None, "effectiveOn": "2019-06-03", "decision": None, "deadline": "2019-04-12",
        "late": True, "reasonIfLate": "ốm dài ngày"}
    assert entries[-1]["toCellId"] == gid("Organization", destination)


def test_a_letter_to_the_members_own_cell_is_a_user_error(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, cell_id: uuid.UUID,
    member: str,
) -> None:
    body = graphql(ISSUE, token_for(tenant.tenant.slug), letter(member, cell_id))["data"]["issueTransferLetter"]
    assert [(e["field"], e["code"]) for e in body["userErrors"]] == [(["input", "toCellId"], "TRANSFER_TO_SAME_CELL")]


def test_only_the_receiving_side_takes_the_member_in(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, cell_id: uuid.UUID,
    destination: uuid.UUID, member: str,
) -> None:
    sending = token_for(tenant.tenant.slug, Role.OFFICER, scope=[cell_id])
    receiving = token_for(tenant.tenant.slug, Role.OFFICER, scope=[destination])
    assert graphql(ISSUE, receiving, letter(member, destination))["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert graphql(ISSUE, sending, letter(member, destination))["data"]["issueTransferLetter"]["userErrors"] == []
    early = graphql(PRESENT, sending, dated(member, "2019-03-04"))
    assert early["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert graphql(PRESENT, receiving, dated(member, "2019-03-04"))["data"]["presentTransferLetter"]["userErrors"] == []
    body = graphql(RECEIVE, receiving, dated(member, "2019-03-05"))["data"]["receiveTransfer"]
    assert body["userErrors"] == [] and body["member"]["status"] == "OFFICIAL"


def test_a_temporary_stay_is_attached_extended_within_the_limit_and_ended(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, destination: uuid.UUID,
    member: str,
) -> None:
    token = token_for(tenant.tenant.slug)
    stay = {"memberId": member, "toCellId": gid("Organization", destination), "effectiveOn": "2020-01-01",
            "untilOn": "2020-06-30", "purpose": "WORK_OR_RESIDENCE"}
    too_short = graphql(ATTACH, token, {"input": stay | {"untilOn": "2020-03-31"}})["data"]["attachTemporarily"]
    assert [e["code"] for e in too_short["userErrors"]] == ["TEMPORARY_ATTACHMENT_TOO_SHORT"]
    assert graphql(ATTACH, token, {"input": stay})["data"]["attachTemporarily"]["userErrors"] == []
    extend = {"input": {"memberId": member, "untilOn": "2021-01-01", "effectiveOn": "2020-05-04"}}
    too_long = graphql(EXTEND, token, extend)["data"]["extendTemporaryAttachment"]
    assert [e["code"] for e in too_long["userErrors"]] == ["TEMPORARY_ATTACHMENT_TOO_LONG"]
    extend["input"]["untilOn"] = "2020-12-31"
    assert graphql(EXTEND, token, extend)["data"]["extendTemporaryAttachment"]["userErrors"] == []
    back = graphql(RETURN, token, dated(member, "2020-11-02"))["data"]["returnFromAttachment"]
    assert back["userErrors"] == []
    again = graphql(RETURN, token, dated(member, "2020-11-03"))["data"]["returnFromAttachment"]
    assert [e["code"] for e in again["userErrors"]] == ["NOT_TEMPORARILY_ATTACHED"]
    entries = [e["node"] for e in graphql(HISTORY, token, {"id": member, "wait": back["position"]})
               ["data"]["member"]["history"]["edges"]]
    assert [(e["__typename"], e.get("untilOn")) for e in entries][-3:] == [
        ("TemporarilyAttachedEntry", "2020-06-30"), ("TemporaryAttachmentExtendedEntry", "2020-12-31"),
        ("ReturnedFromAttachmentEntry", None)]


def test_the_residence_liaison_is_introduced_commented_yearly_and_exempted(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, member: str,
) -> None:
    token = token_for(tenant.tenant.slug)
    comment = {"input": {"memberId": member, "year": 2020, "outcome": "FULFILLED", "effectiveOn": "2020-12-10"}}
    early = graphql(FEEDBACK, token, comment)["data"]["recordResidenceFeedback"]
    assert [e["code"] for e in early["userErrors"]] == ["RESIDENCE_NOT_INTRODUCED"]
    introduced = graphql(INTRODUCE, token, dated(member, "2020-01-06", residenceOrganizationName="Chi bộ khu phố 3"))
    assert introduced["data"]["introduceToResidence"]["userErrors"] == []
    assert graphql(FEEDBACK, token, comment)["data"]["recordResidenceFeedback"]["userErrors"] == []
    twice = graphql(FEEDBACK, token, comment)["data"]["recordResidenceFeedback"]
    assert [e["code"] for e in twice["userErrors"]] == ["RESIDENCE_FEEDBACK_ALREADY_RECORDED"]
    exempt = graphql(EXEMPT, token, dated(member, "2021-01-04", category="ITINERANT_WORK"))
    assert exempt["data"]["setResidenceExemption"]["userErrors"] == []
    entries = [e["node"] for e in graphql(HISTORY, token, {
        "id": member, "wait": exempt["data"]["setResidenceExemption"]["position"]})["data"]["member"]["history"]["edges"]]
    assert entries[-3:] == [
        {"__typename": "ResidenceIntroductionSentEntry", "effectiveOn": "2020-01-06", "decision": None,
         "residenceOrganizationName": "Chi bộ khu phố 3"},
        {"__typename": "ResidenceFeedbackRecordedEntry", "effectiveOn": "2020-12-10", "decision": None,
         "year": 2020, "outcome": "FULFILLED"},
        {"__typename": "ResidenceExemptionSetEntry", "effectiveOn": "2021-01-04", "decision": None,
         "category": "ITINERANT_WORK"}]


@pytest.mark.skipif(not hasattr(Query, "member_transfer"), reason="TransfersQuery is not in the schema's Query")
def test_scenario_g_a_letter_reads_as_lapsed_after_30_working_days(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, destination: uuid.UUID,
    member: str,
) -> None:
    token = token_for(tenant.tenant.slug)
    graphql(ISSUE, token, letter(member, destination, effectiveOn="2024-03-01", decision=None))
    on_time = graphql(TRANSFER, token, {"id": member, "asOf": "2024-04-12"})["data"]["memberTransfer"]
    lapsed = graphql(TRANSFER, token, {"id": member, "asOf": "2024-04-15"})["data"]["memberTransfer"]
    assert on_time["state"] == "ISSUED"
    assert lapsed == {"state": "LAPSED", "stateLabel": "Quá hạn nộp giấy giới thiệu",
                      "presentationDeadline": "2024-04-12", "letterNumber": "12-GTSH/HU"}

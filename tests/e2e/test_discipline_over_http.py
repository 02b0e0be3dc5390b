"""Inspectors over HTTP: discipline, appeal, lapse and suspension; refusals; the tenant wall."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from strawberry import relay

from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.services.access import Actor, Role
from support import event_count, new_slug

GraphQL = Callable[..., dict[str, Any]]

PAYLOAD = "member { id status } userErrors { field message code } position"
IMPOSE = f"mutation I($input: ImposeDisciplineInput!) {{ imposeDiscipline(input: $input) {{ {PAYLOAD} }} }}"
APPEAL = (f"mutation A($input: FileDisciplineAppealInput!) {{ fileDisciplineAppeal(input: $input)"
          f" {{ {PAYLOAD} }} }}")
RESOLVE = (f"mutation R($input: ResolveDisciplineAppealInput!) {{ resolveDisciplineAppeal(input: $input)"
           f" {{ {PAYLOAD} }} }}")
LAPSE = f"mutation L($input: LapseDisciplineInput!) {{ lapseDiscipline(input: $input) {{ {PAYLOAD} }} }}"
SUSPEND = f"mutation S($input: SuspendActivityInput!) {{ suspendActivity(input: $input) {{ {PAYLOAD} }} }}"
EXTEND = f"mutation X($input: ExtendSuspensionInput!) {{ extendSuspension(input: $input) {{ {PAYLOAD} }} }}"
END = f"mutation E($input: EndSuspensionInput!) {{ endSuspension(input: $input) {{ {PAYLOAD} }} }}"
HISTORY = """
query History($id: ID!, $wait: String) {
  member(id: $id, waitForPosition: $wait) {
    history(first: 50) { edges { node {
      __typename version effectiveOn recordedBy decision { number }
      ... on DisciplineImposedEntry { form violationOn votesInFavour eligible regulation }
      ... on DisciplineAppealResolvedEntry { disciplineRef outcome newForm formalApology }
      ... on DisciplineLapsedEntry { disciplineRef }
      ... on ActivitySuspensionEntry { change ground untilOn }
    } } }
  }
}"""
VOTE = {"inFavour": 6, "against": 2, "eligible": 10, "present": 9}
HALF = {"inFavour": 5, "against": 4, "eligible": 10, "present": 9}
TWO_THIRDS = {"inFavour": 7, "against": 1, "eligible": 10, "present": 9}


def gid(kind: str, value: uuid.UUID) -> str:
    return str(relay.GlobalID(kind, str(value)))


def decision(on: str, number: str = "12-QĐ/UBKT") -> dict[str, str]:
    return {"number": number, "date": on, "authority": "Ủy ban Kiểm tra Huyện ủy"}


def enroll(tenant: TenantRuntime, admin: Actor, cell: uuid.UUID, *, official: bool = True) -> str:
    with recorded_by(Provenance.system(admin.subject)):
        member = tenant.register.enroll_member(
            admin, full_name="Lò Thị Xuân", birth_date=date(1986, 1, 20), cell_id=cell,
            admitted_on=date(2015, 7, 24), ceremony_on=date(2015, 8, 10),
            recognized_on=date(2016, 9, 1) if official else None).subject_id
    return gid("Member", member)


@pytest.fixture
def official(tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID) -> str:
    return enroll(tenant, admin, cell_id)


@pytest.fixture
def inspector(token_for: Callable[..., str], tenant: TenantRuntime) -> str:
    return token_for(tenant.tenant.slug, Role.INSPECTOR)


def discipline(member: str, **changes: Any) -> dict[str, Any]:
    data = {"memberId": member, "form": "WARNING", "violationOn": "2021-01-10",
            "decision": decision("2021-04-01"), "announcedOn": "2021-04-02", "vote": VOTE}
    data.update(changes)
    return {"input": data}


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


def history(graphql: GraphQL, token: str, member: str, position: str) -> list[dict[str, Any]]:
    found = graphql(HISTORY, token, {"id": member, "wait": position})["data"]["member"]["history"]
    return [e["node"] for e in found["edges"]]


def test_an_inspector_disciplines_a_member_and_the_history_shows_it_until_it_lapses(
    graphql: GraphQL, inspector: str, tenant: TenantRuntime, official: str,
) -> None:
    imposed = graphql(IMPOSE, inspector, discipline(official))["data"]["imposeDiscipline"]
    assert imposed["userErrors"] == [] and imposed["member"]["status"] == "OFFICIAL"
    entries = history(graphql, inspector, official, imposed["position"])
    entry = entries[-1]
    assert entry["__typename"] == "DisciplineImposedEntry"
    assert (entry["form"], entry["effectiveOn"], entry["votesInFavour"], entry["eligible"]) == (
        "WARNING", "2021-04-02", 6, 10)
    assert entry["decision"] == {"number": "12-QĐ/UBKT"}
    assert entry["recordedBy"] == f"user@{tenant.tenant.slug}"
    lapse = {"input": {"memberId": official, "disciplineRef": entry["version"], "effectiveOn": "2022-04-01"}}
    head = event_count(tenant)
    early = graphql(LAPSE, inspector, lapse)["data"]["lapseDiscipline"]
    assert early["member"] is None and codes(early) == ["DISCIPLINE_CANNOT_LAPSE_YET"]
    assert event_count(tenant) == head
    lapse["input"]["effectiveOn"] = "2022-04-02"
    lapsed = graphql(LAPSE, inspector, lapse)["data"]["lapseDiscipline"]
    assert lapsed["userErrors"] == []
    last = history(graphql, inspector, official, lapsed["position"])[-1]
    assert (last["__typename"], last["disciplineRef"], last["effectiveOn"]) == (
        "DisciplineLapsedEntry", entry["version"], "2022-04-02")


def test_an_expulsion_exits_the_member_and_its_annulment_on_appeal_restores_them(
    graphql: GraphQL, inspector: str, official: str,
) -> None:
    expelled = graphql(IMPOSE, inspector, discipline(
        official, form="EXPULSION", vote=TWO_THIRDS, superiorVote=VOTE))["data"]["imposeDiscipline"]
    assert expelled["userErrors"] == [] and expelled["member"]["status"] == "EXITED"
    ref = history(graphql, inspector, official, expelled["position"])[-1]["version"]
    late = {"input": {"memberId": official, "disciplineRef": ref, "filedOn": "2021-06-01"}}
    assert codes(graphql(APPEAL, inspector, late)["data"]["fileDisciplineAppeal"]) == ["APPEAL_OUT_OF_TIME"]
    late["input"]["filedOn"] = "2021-05-04"
    assert graphql(APPEAL, inspector, late)["data"]["fileDisciplineAppeal"]["userErrors"] == []
    annul = {"input": {"memberId": official, "disciplineRef": ref, "outcome": "ANNULLED",
                       "decision": decision("2021-11-15", "88-QĐ/TW")}}
    restored = graphql(RESOLVE, inspector, annul)["data"]["resolveDisciplineAppeal"]
    assert restored["userErrors"] == [] and restored["member"]["status"] == "OFFICIAL"
    last = history(graphql, inspector, official, restored["position"])[-1]
    assert (last["outcome"], last["newForm"], last["formalApology"]) == ("ANNULLED", None, True)


@pytest.mark.parametrize(("changes", "field", "code"), [
    ({"vote": HALF}, "vote", "DISCIPLINE_VOTE_BELOW_HALF"),
    ({"form": "EXPULSION", "vote": VOTE, "superiorVote": VOTE}, "vote", "EXPULSION_VOTE_INSUFFICIENT"),
    ({"form": "DISMISSAL_FROM_POST"}, "holdsPost", "DISMISSAL_REQUIRES_POST"),
    ({"form": "REPRIMAND", "violationOn": "2016-03-31"}, "violationOn", "DISCIPLINE_LIMITATION_EXPIRED"),
    ({"form": "DISMISSAL_FROM_POST", "holdsPost": True, "authorityKind": "CELL"}, "authorityKind",
     "DISCIPLINE_AUTHORITY_INSUFFICIENT"),
])
def test_a_discipline_breaking_a_rule_is_a_user_error_naming_it_and_writes_nothing(  # noqa: PLR0913
    graphql: GraphQL, inspector: str, tenant: TenantRuntime, official: str,
    changes: dict[str, Any], field: str, code: str,
) -> None:
    head = event_count(tenant)
    refused = graphql(IMPOSE, inspector, discipline(official, **changes))["data"]["imposeDiscipline"]
    assert refused["member"] is None and refused["position"] is None
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [(["input", field], code)]
    assert event_count(tenant) == head


def test_a_probationary_member_cannot_be_expelled_over_http(
    graphql: GraphQL, inspector: str, tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID,
) -> None:
    member = enroll(tenant, admin, cell_id, official=False)
    head = event_count(tenant)
    refused = graphql(IMPOSE, inspector, discipline(
        member, form="EXPULSION", vote=TWO_THIRDS, superiorVote=VOTE))["data"]["imposeDiscipline"]
    assert codes(refused) == ["DISCIPLINE_FORM_NOT_ALLOWED_FOR_PROBATIONARY"]
    assert event_count(tenant) == head


def test_a_suspension_from_activity_is_recorded_extended_and_ended(
    graphql: GraphQL, inspector: str, tenant: TenantRuntime, official: str,
) -> None:
    suspension = {"input": {"memberId": official, "fromOn": "2024-01-01", "days": 91,
                            "ground": "OBSTRUCTION"}}
    head = event_count(tenant)
    too_long = graphql(SUSPEND, inspector, suspension)["data"]["suspendActivity"]
    assert codes(too_long) == ["SUSPENSION_TOO_LONG"]
    assert event_count(tenant) == head
    suspension["input"]["days"] = 90
    assert graphql(SUSPEND, inspector, suspension)["data"]["suspendActivity"]["userErrors"] == []
    extension = {"input": {"memberId": official, "effectiveOn": "2024-03-01", "days": 91}}
    assert codes(graphql(EXTEND, inspector, extension)["data"]["extendSuspension"]) == ["SUSPENSION_TOO_LONG"]
    extension["input"]["days"] = 90
    assert graphql(EXTEND, inspector, extension)["data"]["extendSuspension"]["userErrors"] == []
    ended = graphql(END, inspector, {"input": {"memberId": official, "effectiveOn": "2024-05-01",
                                               "decision": decision("2024-04-29", "3-QĐ/UBKT")}})
    position = ended["data"]["endSuspension"]["position"]
    entries = [e for e in history(graphql, inspector, official, position)
               if e["__typename"] == "ActivitySuspensionEntry"]
    assert [(e["change"], e["ground"], e["untilOn"]) for e in entries] == [
        ("SUSPENDED", "OBSTRUCTION", "2024-03-30"), ("EXTENDED", None, "2024-06-28"), ("ENDED", None, None)]
    assert entries[-1]["decision"] == {"number": "3-QĐ/UBKT"}


def test_a_retried_discipline_returns_the_first_answer_and_writes_once(
    graphql: GraphQL, inspector: str, tenant: TenantRuntime, official: str,
) -> None:
    request = discipline(official, idempotencyKey="warning-2021-04-02")
    first = graphql(IMPOSE, inspector, request)["data"]["imposeDiscipline"]
    head = event_count(tenant)
    again = graphql(IMPOSE, inspector, request)["data"]["imposeDiscipline"]
    assert again["member"] == first["member"] and again["userErrors"] == []
    assert event_count(tenant) == head
    changed = discipline(official, idempotencyKey="warning-2021-04-02", form="REPRIMAND")
    reused = graphql(IMPOSE, inspector, changed)["data"]["imposeDiscipline"]
    assert codes(reused) == ["IDEMPOTENCY_KEY_REUSED"]
    assert event_count(tenant) == head


def test_an_officer_may_not_discipline(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, official: str, cell_id: uuid.UUID,
) -> None:
    officer = token_for(tenant.tenant.slug, Role.OFFICER, scope=[cell_id])
    head = event_count(tenant)
    body = graphql(IMPOSE, officer, discipline(official))
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert event_count(tenant) == head


def test_another_tenants_inspector_cannot_discipline_this_tenants_member(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, official: str,
    directory: TenantDirectory,
) -> None:
    other = new_slug()
    directory.create(other, "Đảng bộ tỉnh bên cạnh")
    intruder = token_for(other, Role.INSPECTOR)
    head = event_count(tenant)
    refused = graphql(IMPOSE, intruder, discipline(official))["data"]["imposeDiscipline"]
    assert refused["member"] is None and codes(refused) == ["MEMBER_NOT_FOUND"]
    assert event_count(tenant) == head and event_count(directory.runtime(other)) == 0

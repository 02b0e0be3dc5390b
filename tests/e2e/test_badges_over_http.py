"""Badges over HTTP: awardBadge, its refusals and history entry; partyAge and badgesDue fields."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from types import SimpleNamespace
from typing import Any

import anyio
import pytest
import strawberry
from strawberry import relay

from partyledger.domain.errors import MemberNotFoundError
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.graphql.badges import PartyAgeFields, resolve_badges_due, resolve_party_age
from partyledger.graphql.context import Ledger
from partyledger.graphql.members import Member
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.services.access import AccessDeniedError, Actor, Role
from support import new_slug

GraphQL = Callable[..., dict[str, Any]]

AWARD = """
mutation Award($input: AwardBadgeInput!) {
  awardBadge(input: $input) { member { id status } userErrors { field code } position }
}"""
HISTORY = """
query History($id: ID!, $wait: String) {
  member(id: $id, waitForPosition: $wait) {
    history { edges { node { __typename effectiveOn decision { number }
      ... on BadgeAwardedEntry { level earlyForIllness posthumous } } } }
  }
}"""
PARTY_AGE = """
query PartyAge($id: ID!, $wait: String) {
  member(id: $id, waitForPosition: $wait) {
    partyAge(asOf: "2026-02-03") { days years months }
    badgesDue(asOf: "2026-02-03") { level reachedOn roundOn early posthumous }
  }
}"""
WIRED = {f.python_name for f in Member.__strawberry_definition__.fields} >= {"party_age", "badges_due"}


def gid(value: uuid.UUID) -> str:
    return str(relay.GlobalID("Member", str(value)))


@pytest.fixture
def veteran(tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID) -> uuid.UUID:
    """Admitted (decision) 3 Feb 1996, as in scenario H; official since 1997."""
    with recorded_by(Provenance.system(admin.subject)):
        return tenant.register.enroll_member(
            admin, full_name="Nguyễn Thị Minh Khai", birth_date=date(1971, 9, 1), cell_id=cell_id,
            admitted_on=date(1996, 2, 3), ceremony_on=date(1996, 2, 24),
            recognized_on=date(1997, 2, 25)).subject_id


def award(member: uuid.UUID, level: int = 30, **changes: Any) -> dict[str, Any]:
    data = {"memberId": gid(member), "level": level, "effectiveOn": "2026-02-03",
            "decision": {"number": "88-QĐ/TU", "date": "2026-01-20", "authority": "Ban Thường vụ Tỉnh ủy"}}
    return {"input": data | changes}


def test_the_30_year_badge_is_awarded_over_http_and_shows_in_the_history(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, veteran: uuid.UUID,
) -> None:
    token = token_for(tenant.tenant.slug)
    done = graphql(AWARD, token, award(veteran))["data"]["awardBadge"]
    assert done["userErrors"] == [] and done["member"] == {"id": gid(veteran), "status": "OFFICIAL"}
    history = graphql(HISTORY, token, {"id": gid(veteran), "wait": done["position"]})["data"]
    last = history["member"]["history"]["edges"][-1]["node"]
    assert last == {"__typename": "BadgeAwardedEntry", "effectiveOn": "2026-02-03",
                    "decision": {"number": "88-QĐ/TU"}, "level": 30, "earlyForIllness": False,
                    "posthumous": False}


def test_a_badge_not_yet_due_is_a_user_error_and_a_retry_appends_nothing(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, veteran: uuid.UUID,
) -> None:
    token = token_for(tenant.tenant.slug)
    head = tenant.register.recorder.max_notification_id()
    refused = graphql(AWARD, token, award(veteran, 40))["data"]["awardBadge"]
    assert refused == {"member": None, "position": None,
                       "userErrors": [{"field": ["input", "level"], "code": "BADGE_NOT_YET_DUE"}]}
    early = graphql(AWARD, token, award(veteran, effectiveOn="2025-09-02", earlyForIllness=True,
                                        decision={"number": "7", "date": "2025-08-20", "authority": "BTV"},
                                        idempotencyKey="badge-30-early"))["data"]["awardBadge"]
    assert early["userErrors"] == []
    appended = tenant.register.recorder.max_notification_id()
    assert appended is not None and head is not None and appended > head
    again = graphql(AWARD, token, award(veteran, effectiveOn="2025-09-02", earlyForIllness=True,
                                        decision={"number": "7", "date": "2025-08-20", "authority": "BTV"},
                                        idempotencyKey="badge-30-early"))["data"]["awardBadge"]
    assert again["userErrors"] == [] and tenant.register.recorder.max_notification_id() == appended
    twice = graphql(AWARD, token, award(veteran))["data"]["awardBadge"]
    assert [e["code"] for e in twice["userErrors"]] == ["BADGE_ALREADY_AWARDED"]


def test_another_tenant_cannot_award_a_badge_here(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, veteran: uuid.UUID,
    directory: TenantDirectory,
) -> None:
    other = new_slug()
    directory.create(other, "Đảng bộ tỉnh bên cạnh")
    head = tenant.register.recorder.max_notification_id()
    refused = graphql(AWARD, token_for(other), award(veteran))["data"]["awardBadge"]
    assert [e["code"] for e in refused["userErrors"]] == ["MEMBER_NOT_FOUND"]
    assert tenant.register.recorder.max_notification_id() == head


@pytest.mark.skipif(not WIRED, reason="partyAge and badgesDue are not yet fields of Member")
def test_party_age_and_badges_due_are_fields_of_the_member(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, veteran: uuid.UUID,
) -> None:
    token = token_for(tenant.tenant.slug)
    head = str(tenant.register.recorder.max_notification_id())
    body = graphql(PARTY_AGE, token, {"id": gid(veteran), "wait": head})
    member = body["data"]["member"]
    assert member["partyAge"] == {"days": 10958, "years": 30, "months": 0}
    assert member["badgesDue"] == [{"level": 30, "reachedOn": "2026-02-03", "roundOn": "2026-02-03",
                                    "early": False, "posthumous": False}]


# -- the resolvers behind partyAge and badgesDue, through GraphQL without HTTP ------------------

@strawberry.type
class Holder(PartyAgeFields):
    member_id: strawberry.Private[str]


def holder_schema(member: uuid.UUID) -> strawberry.Schema:
    @strawberry.type
    class Query:
        @strawberry.field
        def holder(self) -> Holder:
            return Holder(member_id=str(member))

    return strawberry.Schema(query=Query)


def ledger_for(tenant: TenantRuntime, actor: Actor) -> Ledger:
    return Ledger(actor, tenant.tenant.name, Provenance.system(actor.subject), tenant.register,
                  tenant.queries, lambda _: True, tenant.tree)


def test_the_member_fields_answer_party_age_and_badges_due(
    tenant: TenantRuntime, admin: Actor, veteran: uuid.UUID,
) -> None:
    query = """{ holder {
      partyAge(asOf: "2026-02-03") { days years months }
      before: partyAge(asOf: "1996-12-31") { days }
      badgesDue(asOf: "2025-09-02", includeEarly: true) { level reachedOn earlyFrom roundOn early }
    } }"""
    context = {"ledger": ledger_for(tenant, admin)}
    result = anyio.run(lambda: holder_schema(veteran).execute(query, context_value=context))
    assert result.errors is None
    assert result.data == {"holder": {
        "partyAge": {"days": 10958, "years": 30, "months": 0}, "before": None,
        "badgesDue": [{"level": 30, "reachedOn": "2026-02-03", "earlyFrom": "2025-02-03",
                       "roundOn": "2025-02-03", "early": True}]}}


def test_the_resolvers_refuse_a_partner_key_and_find_nothing_in_another_tenant(
    tenant: TenantRuntime, admin: Actor, veteran: uuid.UUID, directory: TenantDirectory,
) -> None:
    partner = Actor("dashboard", tenant.tenant.slug, frozenset({Role.PARTNER}))
    with pytest.raises(AccessDeniedError):
        anyio.run(resolve_party_age, info_for(tenant, partner), veteran, date(2026, 2, 3))
    slug = new_slug()
    directory.create(slug, "Đảng bộ tỉnh khác")
    outsider = Actor("admin-b", slug, frozenset({Role.TENANT_ADMIN}))
    with pytest.raises(MemberNotFoundError):
        anyio.run(resolve_badges_due, info_for(directory.runtime(slug), outsider), veteran, None)
    due = anyio.run(resolve_badges_due, info_for(tenant, admin), veteran, date(2026, 2, 3))
    assert [d.level for d in due] == [30]


def info_for(tenant: TenantRuntime, actor: Actor) -> Any:
    return SimpleNamespace(context={"ledger": ledger_for(tenant, actor)})

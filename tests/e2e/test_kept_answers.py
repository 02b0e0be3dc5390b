"""Answers kept between appends (infra/answer_cache): served again only while nothing changed,
only to the caller they were made for, never to audited readers, and still paid for."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from litestar.testing import TestClient
from strawberry import relay

from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.infra.answer_cache import AnswerCache
from partyledger.infra.app import create_app
from partyledger.infra.settings import Settings
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.services.access import Actor, Role
from support import enroll_officials, new_slug

GraphQL = Callable[..., dict[str, Any]]
ROSTER = "query { members(first: 10) { totalCount edges { node { id fullName status } } } }"
WAIT = "query($wait: String) { members(first: 1, waitForPosition: $wait) { totalCount } }"
DEATH = """mutation($input: RecordDeathInput!) { recordDeath(input: $input) {
  userErrors { code } position } }"""
HISTORY = "query($id: ID!) { member(id: $id) { history { totalCount } } }"


@pytest.fixture
def answers(client: TestClient[Any]) -> AnswerCache:
    kept = client.app.state.services.answers
    assert kept is not None
    return kept  # type: ignore[no-any-return]


@pytest.fixture
def members(tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID) -> list[uuid.UUID]:
    with recorded_by(Provenance.system(admin.subject)):
        return enroll_officials(tenant, admin, cell_id, n=3)


def caught_up(graphql: GraphQL, token: str, tenant: TenantRuntime) -> None:
    head = tenant.register.recorder.max_notification_id()
    graphql(WAIT, token, {"wait": str(head)})


def test_an_administrators_roster_is_answered_again_until_a_write(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime,
    members: list[uuid.UUID], answers: AnswerCache,
) -> None:
    token = token_for(tenant.tenant.slug)
    caught_up(graphql, token, tenant)
    first = graphql(ROSTER, token)
    hits = answers.hits
    again = graphql(ROSTER, token)
    assert answers.hits == hits + 1
    assert again["data"] == first["data"] and first["data"]["members"]["totalCount"] == 3
    died = graphql(DEATH, token, {"input": {"memberId": str(relay.GlobalID("Member", str(members[0]))),
                                            "effectiveOn": "2024-05-05"}})["data"]["recordDeath"]
    assert died["userErrors"] == []
    graphql(WAIT, token, {"wait": died["position"]})
    after = graphql(ROSTER, token)["data"]["members"]
    assert {e["node"]["status"] for e in after["edges"]} == {"OFFICIAL", "DECEASED"}


def test_answers_of_officers_are_never_kept_and_every_read_is_audited(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime,
    members: list[uuid.UUID], answers: AnswerCache, cell_id: uuid.UUID,
) -> None:
    officer = token_for(tenant.tenant.slug, Role.OFFICER, scope=[str(cell_id)])
    caught_up(graphql, token_for(tenant.tenant.slug), tenant)
    hits = answers.hits
    audit = "query { readAudit(first: 100) { totalCount } }"
    admin = token_for(tenant.tenant.slug)
    before = graphql(audit, admin)["data"]["readAudit"]["totalCount"]
    for _ in range(2):
        assert graphql(ROSTER, officer)["data"]["members"]["totalCount"] == 3
    assert answers.hits == hits
    assert graphql(audit, admin)["data"]["readAudit"]["totalCount"] == before + 2 * 3


def test_a_kept_answer_goes_only_to_its_own_tenant_and_caller(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime,
    members: list[uuid.UUID], directory: TenantDirectory,
) -> None:
    token = token_for(tenant.tenant.slug)
    caught_up(graphql, token, tenant)
    mine = graphql(ROSTER, token)["data"]["members"]
    graphql(ROSTER, token)
    other = new_slug()
    directory.create(other, "Đảng bộ tỉnh Cao Bằng")
    theirs = graphql(ROSTER, token_for(other))["data"]["members"]
    assert mine["totalCount"] == 3 and theirs == {"totalCount": 0, "edges": []}


def test_reads_of_the_event_store_are_not_kept(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime,
    members: list[uuid.UUID], answers: AnswerCache,
) -> None:
    token = token_for(tenant.tenant.slug)
    caught_up(graphql, token, tenant)
    member = str(relay.GlobalID("Member", str(members[1])))
    hits = answers.hits
    for _ in range(2):
        assert graphql(HISTORY, token, {"id": member})["data"]["member"]["history"]["totalCount"] == 1
    assert answers.hits == hits


ROSTER_COST = 21  # as extensions.cost reports it: edges of a connection of 10, and their nodes


@pytest.fixture
def thrifty(settings: Settings, directory: TenantDirectory) -> Iterator[TestClient[Any]]:
    tight = dataclasses.replace(settings, graphql=dataclasses.replace(
        settings.graphql, cost_budget=4 * ROSTER_COST, cost_budget_seconds=3600.0))
    with TestClient(create_app(tight, directory=directory)) as test_client:
        yield test_client


def test_a_kept_answer_still_spends_the_callers_budget(
    thrifty: TestClient[Any], token_for: Callable[..., str], tenant: TenantRuntime,
    members: list[uuid.UUID],
) -> None:
    headers = {"Authorization": f"Bearer {token_for(tenant.tenant.slug)}"}
    codes = []
    for _ in range(8):  # four fit in the budget, answered or kept
        body = thrifty.post("/graphql", json={"query": ROSTER}, headers=headers).json()
        codes.append(body["errors"][0]["extensions"]["code"] if "errors" in body else "OK")
        if "errors" not in body:
            assert body["extensions"]["cost"]["requestedQueryCost"] == ROSTER_COST
    assert codes[:4] == ["OK"] * 4 and set(codes[4:]) == {"RATE_LIMITED"}
    assert thrifty.app.state.services.answers.hits >= 1

"""graphql-cop's twelve checks, and the limits behind them, against the production settings.

Each graphql-cop check is sent as graphql-cop sends it (with a valid token, so that what refuses
it is the hardening and not the missing credentials) and judged as graphql-cop judges it, then
more strictly: the status and the coded, GraphQL-shaped error body.
"""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg.errors
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from graphql import DocumentNode, get_introspection_query, get_operation_ast, parse
from litestar.testing import TestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from strawberry import relay

from partyledger.graphql.limits import QueryCost, QueryLimits, shape_errors
from partyledger.graphql.schema import build_schema
from partyledger.infra.app import create_app
from partyledger.infra.auth import mint_token
from partyledger.infra.rate_limits import CostBudgets
from partyledger.infra.settings import Settings, load_settings
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.projections.roster_queries import RosterQueries
from partyledger.services.access import Role

Post = Callable[..., Any]

IDE_MARKERS = ("graphiql.min.css", "GraphQL Playground", "GraphiQL", "graphql-playground")
LEAK_MARKERS = ("traceback", "stacktrace", "exception", "select ", "psycopg", "relation ")
CIRCULAR_INTROSPECTION = ("query { __schema { types { fields { type { fields { type { fields "
                          "{ type { fields { type { name } } } } } } } } } } }")
EXPENSIVE = """
query Expensive($first: Int!) {
  members(first: $first) { edges { node { ...Person } } }
}
fragment Person on Member { fullName history(first: 100) { edges { node { version } } } }
"""
ROSTER = "query { members(first: 5) { totalCount edges { node { id fullName } } } }"


@pytest.fixture(scope="module")
def signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def production_settings(home: str, key: Ed25519PrivateKey, **graphql: Any) -> Settings:
    """Production trusts only configured public keys; the local development key is not one."""
    settings = load_settings({"PARTYLEDGER_HOME": home, "PARTYLEDGER_ENV": "production"})
    pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return dataclasses.replace(
        settings, auth=dataclasses.replace(settings.auth, public_keys_pem=(pem,)),
        graphql=dataclasses.replace(settings.graphql, **graphql),
    )


@pytest.fixture
def production(tmp_path: Any, signing_key: Ed25519PrivateKey) -> Settings:
    return production_settings(str(tmp_path), signing_key)


@pytest.fixture
def token(production: Settings, signing_key: Ed25519PrivateKey, tenant: TenantRuntime) -> str:
    return mint_token(signing_key, production.auth, tenant=tenant.tenant.slug,
                      subject=f"officer@{tenant.tenant.slug}", roles=[Role.TENANT_ADMIN])


@contextmanager
def serving(settings: Settings, directory: TenantDirectory) -> Iterator[TestClient[Any]]:
    with TestClient(create_app(settings, directory=directory, run_projector=False)) as client:
        yield client


@pytest.fixture
def client(production: Settings, directory: TenantDirectory,
           spans: InMemorySpanExporter) -> Iterator[TestClient[Any]]:
    """This module's client runs the production settings."""
    with serving(production, directory) as client:
        yield client


@pytest.fixture
def post(client: TestClient[Any], token: str) -> Post:
    """graphql-cop's ``graph_query``: ``{"query": ...}`` POSTed as JSON, with the caller's token."""
    def send(query: str, variables: dict[str, Any] | None = None, status: int = 200) -> Any:
        response = client.post("/graphql", json={"query": query, "variables": variables or {}},
                               headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == status, response.text
        return response.json()

    return send


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors") or ()]


def assert_refused_as_graphql(response: Any, status: int) -> None:
    """An HTTP-level refusal still answers JSON in the GraphQL error shape, never a list."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body, dict) and body["data"] is None
    assert codes(body) == ["BAD_USER_INPUT"] and body["errors"][0]["message"]


# graphql-cop, one test per check ------------------------------------------------------------


def test_alias_overloading_is_refused_before_execution(post: Post) -> None:
    aliases = "".join(f"alias{i}:__typename \n" for i in range(101))
    body = post("query { " + aliases + " }")
    assert body["data"] is None and codes(body) == ["QUERY_TOO_COMPLEX"]
    assert "101 aliases" in body["errors"][0]["message"]


def test_array_batching_is_refused_with_a_clear_error(client: TestClient[Any], token: str) -> None:
    batch = [{"query": "query { __typename }"} for _ in range(11)]
    response = client.post("/graphql", json=batch, headers={"Authorization": f"Bearer {token}"})
    assert_refused_as_graphql(response, 400)
    assert "Batched requests are not accepted" in response.json()["errors"][0]["message"]


def test_field_duplication_is_refused_before_validation(post: Post) -> None:
    body = post("query { " + "__typename \n" * 500 + "} ")
    assert body["data"] is None and codes(body) == ["QUERY_TOO_COMPLEX"]


def test_directive_overloading_is_refused_with_a_single_error(post: Post) -> None:
    body = post("query { __typename @aa@aa@aa@aa@aa@aa@aa@aa@aa@aa }")
    assert codes(body) == ["QUERY_TOO_COMPLEX"]


def test_circular_introspection_is_refused(post: Post) -> None:
    body = post(CIRCULAR_INTROSPECTION)
    assert body["data"] is None and body["errors"]


def test_field_suggestions_are_not_given(post: Post) -> None:
    attempts = [
        post("query { __schema { directive } }"),  # graphql-cop's own probe
        post("query { viewr { subject } }"),
        post("query { members(fitler: {}) { totalCount } }"),
        post("query { members(filter: { status: [ACTIV] }) { totalCount } }"),
        post("query { members(filter: { serch: \"An\" }) { totalCount } }"),
        post("query Q($f: MemberFilter) { members(filter: $f) { totalCount } }",
             {"f": {"status": ["ACTIV"], "serch": "An"}}),
        post("query Q($f: MembrFilter) { viewer { subject } }"),
    ]
    for body in attempts:
        assert body["errors"] and set(codes(body)) <= {"BAD_USER_INPUT"}
        assert "Did you mean" not in json.dumps(body), body


def test_get_based_mutations_are_refused(client: TestClient[Any], token: str) -> None:
    response = client.get("/graphql", params={"query": "mutation {__typename}"},
                          headers={"Authorization": f"Bearer {token}"})
    assert_refused_as_graphql(response, 405)


def test_get_based_queries_are_refused(client: TestClient[Any], token: str) -> None:
    response = client.get("/graphql", params={"query": "{__typename}"},
                          headers={"Authorization": f"Bearer {token}"})
    assert_refused_as_graphql(response, 405)


def test_no_graphql_ide_is_served(client: TestClient[Any], token: str) -> None:
    for path in ("/graphiql", "/playground", "/console", "/graphql"):
        response = client.get(path, headers={"Accept": "text/html",
                                             "Authorization": f"Bearer {token}"})
        assert response.status_code in (404, 405), path
        assert not any(marker in response.text for marker in IDE_MARKERS), path


def test_introspection_is_off_but_typename_answers(post: Post) -> None:
    for probe in ("query { __schema { types { name fields { name } } } }",
                  'query { __type(name: "Member") { name fields { name } } }'):
        body = post(probe)
        assert body["data"] is None and set(codes(body)) == {"BAD_USER_INPUT"}, body
        assert "introspection has been disabled" in body["errors"][0]["message"]
    assert post("query { __typename }")["data"] == {"__typename": "Query"}


def test_only_json_bodies_are_read(client: TestClient[Any], token: str) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    form = client.post("/graphql", data={"query": "query {__typename}"}, headers=auth)
    assert_refused_as_graphql(form, 415)
    multipart = client.post("/graphql", files={"operations": ('{"query": "{__typename}"}', "x")},
                            headers=auth)
    assert_refused_as_graphql(multipart, 415)
    in_url = client.post("/graphql", params={"query": "query {__typename}"}, headers=auth)
    assert_refused_as_graphql(in_url, 415)
    as_text = client.post("/graphql", content=json.dumps({"query": "{__typename}"}),
                          headers=auth | {"Content-Type": "text/plain"})
    assert_refused_as_graphql(as_text, 415)
    unauthenticated = client.post("/graphql", data={"query": "query {__typename}"})
    assert unauthenticated.status_code == 415  # refused before credentials are even looked at


def test_no_tracing_and_unhandled_errors_reveal_nothing(post: Post) -> None:
    traced = post("query { __typename }")
    assert "tracing" not in traced.get("extensions", {})
    unparsable = post("qwerty cop { abc }")
    assert codes(unparsable) == ["BAD_USER_INPUT"]
    for body in (traced, unparsable):
        assert not any(marker in json.dumps(body).lower() for marker in ("stacktrace", "exception"))


# unexpected errors, limits and cost ---------------------------------------------------------


def test_an_unexpected_error_is_masked_with_a_code_and_a_trace_id(
    post: Post, monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(self: RosterQueries, member_id: uuid.UUID) -> None:
        raise psycopg.errors.UndefinedTable(
            'relation "t_secret.member_roster" does not exist\nLINE 1: SELECT full_name FROM ...')

    monkeypatch.setattr(RosterQueries, "member", broken)
    member = relay.GlobalID("Member", str(uuid.uuid4()))
    body = post(f'query {{ member(id: "{member}") {{ fullName }} }}')
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INTERNAL" and error["path"] == ["member"]
    assert re.fullmatch("[0-9a-f]{32}", error["extensions"]["traceId"])
    assert error["extensions"]["traceId"] != "0" * 32
    assert not any(marker in json.dumps(body).lower() for marker in LEAK_MARKERS), body


def test_every_response_reports_its_cost(post: Post) -> None:
    roster = post(ROSTER)
    assert roster["extensions"]["cost"]["requestedQueryCost"] == 1 + 5 * 2
    assert roster["extensions"]["cost"]["maximumQueryCost"] == 5000
    assert roster["extensions"]["cost"]["throttleStatus"]["maximumAvailable"] == 50_000
    refused = post("query { viewr }")
    assert refused["extensions"]["cost"]["requestedQueryCost"] is None


def test_the_cost_is_computed_before_execution_with_variables_and_fragments(post: Post) -> None:
    cheap = post(EXPENSIVE, {"first": 1})
    assert cheap["extensions"]["cost"]["requestedQueryCost"] == 1 + 1 * (2 + 1 + 100 * 2)
    expensive = post(EXPENSIVE, {"first": 100})
    assert expensive["data"] is None and codes(expensive) == ["QUERY_TOO_COMPLEX"]
    assert expensive["extensions"]["cost"]["requestedQueryCost"] == 1 + 100 * 203
    skipped = post(EXPENSIVE.replace("...Person", "...Person @skip(if: true)"), {"first": 100})
    assert skipped["extensions"]["cost"]["requestedQueryCost"] == 1 + 100 * 2


def test_depth_and_tokens_are_bounded(post: Post) -> None:
    parents = "... on Organization { parent { " * 12 + "id" + " } }" * 12
    deep = 'query { node(id: "x") { ' + parents + " } }"
    assert codes(post(deep)) == ["QUERY_TOO_COMPLEX"]
    long = "query { " + " ".join(f"a{i}: __typename" for i in range(1200)) + " }"
    assert codes(post(long)) == ["QUERY_TOO_COMPLEX"]
    nested = "query { " + "viewer { " * 400 + "subject" + " }" * 400 + " }"
    assert codes(post(nested)) == ["QUERY_TOO_COMPLEX"]


def test_a_client_that_spent_its_budget_is_rate_limited_until_it_refills(
    tmp_path: Any, signing_key: Ed25519PrivateKey, directory: TenantDirectory,
    tenant: TenantRuntime,
) -> None:
    settings = production_settings(str(tmp_path), signing_key, cost_budget=25,
                                   cost_budget_seconds=3600)
    tokens = [mint_token(signing_key, settings.auth, tenant=tenant.tenant.slug, subject=s,
                         roles=[Role.TENANT_ADMIN]) for s in ("first@x", "second@x")]
    with serving(settings, directory) as client:
        def ask(token: str) -> Any:
            response = client.post("/graphql", json={"query": ROSTER},
                                   headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 200
            return response.json()

        assert "errors" not in ask(tokens[0]) and "errors" not in ask(tokens[0])
        limited = ask(tokens[0])
        assert limited["data"] is None and codes(limited) == ["RATE_LIMITED"]
        assert limited["errors"][0]["extensions"]["retryAfterSeconds"] > 0
        assert limited["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 3
        assert "errors" not in ask(tokens[1])  # budgets are per client


def test_a_budget_refills_over_time() -> None:
    now = [0.0]
    budgets = CostBudgets(100, 10, clock=lambda: now[0])
    assert budgets.spend("a", 80).allowed and not budgets.spend("a", 30).allowed
    now[0] = 1.0  # 10 points a second
    throttle = budgets.spend("a", 30)
    assert throttle.allowed and throttle.currently_available == 0


def test_development_keeps_the_ide_and_introspection(
    settings: Settings, directory: TenantDirectory, token_for: Callable[..., str],
    tenant: TenantRuntime,
) -> None:
    auth = {"Authorization": f"Bearer {token_for(tenant.tenant.slug)}"}
    with serving(settings, directory) as client:
        ide = client.get("/graphql", headers={"Accept": "text/html"})  # the token goes in the IDE
        assert ide.status_code == 200 and "GraphiQL" in ide.text
        introspection = get_introspection_query(descriptions=True, input_value_deprecation=True)
        body = client.post("/graphql", json={"query": introspection}, headers=auth).json()
        assert "errors" not in body and body["data"]["__schema"]["queryType"]["name"] == "Query"
        suggested = client.post("/graphql", json={"query": "{ viewr { subject } }"}, headers=auth)
        assert "Did you mean" in suggested.text
        in_url = client.get("/graphql", params={"query": "{ __typename }"}, headers=auth)
        assert_refused_as_graphql(in_url, 400)


def test_fragments_are_measured_once_however_often_they_are_spread() -> None:
    def bomb(leaf: str) -> DocumentNode:  # 2**29 expansions of the leaf fragment
        fragments = [f"fragment F{i} on Viewer {{ ...F{i + 1} ...F{i + 1} }}" for i in range(29)]
        return parse("query { viewer { ...F0 } }\n" + "\n".join(
            [*fragments, f"fragment F29 on Viewer {{ {leaf} }}"]))

    assert shape_errors(bomb("subject"), QueryLimits()) == []
    [aliases] = shape_errors(bomb("who: subject"), QueryLimits())
    assert aliases.message == f"{2**29} aliases exceed the maximum of 30."
    document = bomb("tenant { name }")
    operation = get_operation_ast(document)
    assert operation is not None
    cost = QueryCost(build_schema()._schema, document, operation, {}, 20).total()
    assert cost == 1 + 2**29

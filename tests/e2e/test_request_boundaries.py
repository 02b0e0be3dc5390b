"""The edges of a GraphQL request over HTTP: bodies that are not JSON the service reads, documents
that do not say which operation to run, and the correlation id a client sends."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from litestar.testing import TestClient
from strawberry import relay

from partyledger.infra.tenants import TenantRuntime
from support import event_count

FOUND = """
mutation Found($input: FoundOrganizationInput!) {
  foundOrganization(input: $input) { organization { id } userErrors { code } }
}"""
PROVINCE = {"input": {"name": "Đảng bộ tỉnh", "kind": "PROVINCIAL_ORGANIZATION",
                      "effectiveOn": "2025-07-01"}}
TWO_OPERATIONS = """
query Look { viewer { subject } }
mutation Found { foundOrganization(input: {name: "Đảng bộ tỉnh", kind: PROVINCIAL_ORGANIZATION,
  effectiveOn: "2025-07-01"}) { organization { id } } }
"""


def headers(token: str, **more: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json", **more}


def refused_as_bad_input(response: Any) -> str:
    """The answer is a GraphQL-shaped BAD_USER_INPUT refusal with a 400; its message."""
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    message: str = body["errors"][0]["message"]
    return message


def test_a_body_that_is_not_utf8_is_a_bad_request_not_a_server_error(
    client: TestClient[Any], token_for: Callable[..., str], tenant: TenantRuntime,
) -> None:
    body = b'{"query": "{ viewer { subject } }", "variables": {"name": "Nguy\xe1\xbb\x85n \xff"}}'
    response = client.post("/graphql", content=body, headers=headers(token_for(tenant.tenant.slug)))
    assert "UTF-8" in refused_as_bad_input(response)


@pytest.mark.parametrize("depth", [33, 10_000])
def test_variables_nested_too_deep_are_a_bad_request_not_a_server_error(
    client: TestClient[Any], token_for: Callable[..., str], tenant: TenantRuntime, depth: int,
) -> None:
    nested = "[" * depth + "]" * depth
    body = '{"query": "{ viewer { subject } }", "variables": {"unused": %s}}'
    response = client.post("/graphql", content=(body % nested).encode(),
                           headers=headers(token_for(tenant.tenant.slug)))
    assert "deeper than" in refused_as_bad_input(response)


def test_a_document_of_two_operations_without_an_operation_name_runs_neither(
    client: TestClient[Any], token_for: Callable[..., str], tenant: TenantRuntime,
) -> None:
    token, before = token_for(tenant.tenant.slug), event_count(tenant)
    for query in (TWO_OPERATIONS, TWO_OPERATIONS.replace("query Look", "query Look2", 1)):
        body = client.post("/graphql", json={"query": query}, headers=headers(token)).json()
        assert body["data"] is None
        assert body["errors"][0]["message"] == (
            "Must provide operation name if query contains multiple operations.")
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert event_count(tenant) == before
    named = client.post("/graphql", json={"query": TWO_OPERATIONS, "operationName": "Look"},
                        headers=headers(token)).json()
    assert named["data"] == {"viewer": {"subject": f"user@{tenant.tenant.slug}"}}
    assert event_count(tenant) == before


def recorded_correlation(client: TestClient[Any], token: str, tenant: TenantRuntime,
                         sent: str) -> tuple[str, str]:
    """Found an organisation sending ``sent`` as the correlation id: (the id its event
    carries, the id the answer names)."""
    response = client.post("/graphql", json={"query": FOUND, "variables": PROVINCE},
                           headers=headers(token, **{"X-Correlation-Id": sent}))
    assert response.status_code == 200, response.text
    found = response.json()["data"]["foundOrganization"]["organization"]["id"]
    event = tenant.register.stream_page(uuid.UUID(relay.GlobalID.from_id(found).node_id))[0]
    return event.correlation_id, response.headers["x-correlation-id"]


@pytest.mark.parametrize("sent", [
    '<script>alert("x")</script>', "x" * 65, "ab\x00cd", "ab cd", "a/b", "a\tb", "",
])
def test_a_correlation_id_that_is_not_a_short_token_is_replaced_before_it_is_stored(
    client: TestClient[Any], token_for: Callable[..., str], tenant: TenantRuntime, sent: str,
) -> None:
    stored, echoed = recorded_correlation(client, token_for(tenant.tenant.slug), tenant, sent)
    assert stored != sent and stored == echoed
    assert uuid.UUID(stored).version == 4


def test_a_well_formed_correlation_id_is_kept_and_echoed(
    client: TestClient[Any], token_for: Callable[..., str], tenant: TenantRuntime,
) -> None:
    sent = "req-2026.12.07:0042"
    stored, echoed = recorded_correlation(client, token_for(tenant.tenant.slug), tenant, sent)
    assert stored == echoed == sent
    fresh = client.post("/graphql", json={"query": "{ viewer { subject } }"},
                        headers=headers(token_for(tenant.tenant.slug)))
    assert uuid.UUID(fresh.headers["x-correlation-id"]).version == 4

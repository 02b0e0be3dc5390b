"""Traces name the tenant and the operation, reach the database, and carry no personal data: not
the document's text, its literals or its variables, not a statement's values."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from litestar.testing import TestClient
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from strawberry import relay

from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.infra.tenants import TenantRuntime
from partyledger.services.access import Actor
from support import enroll_officials

NAME, BIRTH_DATE = "Nguyễn Văn An", "1994-02-11"
SEARCH = """
query FindAn { members(filter: {search: "Nguyễn Văn An"}, first: 5) {
  totalCount edges { node { fullName birthDate } } } }
"""
ADMIT = """
mutation AdmitAn { admitMember(input: {
  cellId: "%(cell)s", fullName: "Nguyễn Văn An", birthDate: "1994-02-11",
  introducers: [{memberId: "%(first)s", togetherSince: "2012-01-01"},
                {memberId: "%(second)s", togetherSince: "2012-01-01"}],
  cellResolution: {on: "2015-05-20", vote: {inFavour: 8, against: 2, eligible: 10, present: 10}},
  decision: {number: "215-QĐ/ĐU", date: "2015-07-24", authority: "Đảng ủy phường"},
  ceremonyOn: "2015-08-10"}) { member { id } userErrors { code message } } }
"""
ADMIT_WITH_VARIABLES = """
mutation Admit($input: AdmitMemberInput!) { admitMember(input: $input) {
  member { id } userErrors { code } } }
"""


def gid(kind: str, value: uuid.UUID) -> str:
    return str(relay.GlobalID(kind, str(value)))


@pytest.fixture
def admission(tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID) -> dict[str, str]:
    with recorded_by(Provenance.system(admin.subject)):
        first, second = enroll_officials(tenant, admin, cell_id)
    return {"cell": gid("Organization", cell_id), "first": gid("Member", first),
            "second": gid("Member", second)}


def post(client: TestClient[Any], token: str, document: str,
         variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": document, "variables": variables or {}},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body


def request_spans(spans: InMemorySpanExporter, operation: str) -> Sequence[ReadableSpan]:
    """Every span of the trace of the request that ran ``operation``."""
    finished = spans.get_finished_spans()
    graphql = next(s for s in finished if s.name == f"GraphQL Query: {operation}")
    return [s for s in finished if s.context.trace_id == graphql.context.trace_id]


def named(trace: Sequence[ReadableSpan], prefix: str) -> ReadableSpan:
    return next(s for s in trace if s.name.startswith(prefix))


def test_no_span_carries_a_name_or_birth_date_sent_inline_or_as_variables(
    client: TestClient[Any], token_for: Callable[..., str], tenant: TenantRuntime,
    admission: dict[str, str], spans: InMemorySpanExporter,
) -> None:
    token = token_for(tenant.tenant.slug)
    spans.clear()
    admitted = post(client, token, ADMIT % admission)["data"]["admitMember"]
    assert admitted["userErrors"] == [] and admitted["member"]["id"]
    variables = {"input": {
        "cellId": admission["cell"], "fullName": NAME, "birthDate": BIRTH_DATE,
        "introducers": [{"memberId": admission[m], "togetherSince": "2012-01-01"}
                        for m in ("first", "second")],
        "cellResolution": {"on": "2015-05-20", "vote": {
            "inFavour": 8, "against": 2, "eligible": 10, "present": 10}},
        "decision": {"number": "216-QĐ/ĐU", "date": "2015-07-24", "authority": "Đảng ủy phường"},
        "ceremonyOn": "2015-08-10"}}
    post(client, token, ADMIT_WITH_VARIABLES, variables)
    post(client, token, SEARCH)
    traces = [*request_spans(spans, "AdmitAn"), *request_spans(spans, "Admit"),
              *request_spans(spans, "FindAn")]
    assert any(s.name == "command admit_member" for s in traces)
    for span in traces:
        shown = span.name + repr(dict(span.attributes or {})) + repr(
            [dict(e.attributes or {}) for e in span.events])
        for personal in (NAME, "Nguyen Van An", BIRTH_DATE, "216-QĐ/ĐU"):
            assert personal not in shown, (span.name, shown)
        assert "query" not in (span.attributes or {})


def test_a_read_names_its_tenant_operation_and_document_shape(
    client: TestClient[Any], token_for: Callable[..., str], tenant: TenantRuntime,
    spans: InMemorySpanExporter,
) -> None:
    token = token_for(tenant.tenant.slug)
    spans.clear()
    post(client, token, SEARCH)
    first = request_spans(spans, "FindAn")
    spans.clear()
    post(client, token, SEARCH.replace("Nguyễn Văn An", "Trần Thị Bình"))
    second = request_spans(spans, "FindAn")
    for trace in (first, second):
        http, operation = named(trace, "POST /graphql"), named(trace, "GraphQL Query: FindAn")
        assert (http.attributes or {})["tenant.id"] == tenant.tenant.slug
        assert (operation.attributes or {})["tenant.id"] == tenant.tenant.slug
        assert (operation.attributes or {})["graphql.operation.name"] == "FindAn"
    hashes = [(named(t, "GraphQL Query").attributes or {})["graphql.document.hash"]
              for t in (first, second)]
    assert hashes[0] == hashes[1]  # the same operation, whatever its values


def test_a_read_has_database_spans_under_its_request_with_statements_without_values(
    client: TestClient[Any], token_for: Callable[..., str], tenant: TenantRuntime,
    admission: dict[str, str], spans: InMemorySpanExporter,
) -> None:
    token = token_for(tenant.tenant.slug)
    post(client, token, ADMIT % admission)
    spans.clear()
    post(client, token, SEARCH)
    trace = request_spans(spans, "FindAn")
    by_id = {s.context.span_id: s for s in trace}
    http = named(trace, "POST /graphql")
    database = [s for s in trace if (s.attributes or {}).get("db.system") == "postgresql"
                and "db.statement" in (s.attributes or {})]
    assert database, [s.name for s in trace]

    def under_request(span: ReadableSpan) -> bool:
        while span.parent is not None and span.parent.span_id in by_id:
            span = by_id[span.parent.span_id]
            if span is http:
                return True
        return False

    assert all(under_request(s) for s in database)
    statements = " ".join(str((s.attributes or {})["db.statement"]) for s in database)
    assert "%s" in statements or "$1" in statements  # values go as parameters
    assert "Nguy" not in statements and "nguyen van an" not in statements.lower()


def test_an_error_in_a_query_with_a_name_written_inline_leaves_the_name_out_of_the_log(
    client: TestClient[Any], token_for: Callable[..., str], tenant: TenantRuntime,
    admission: dict[str, str], caplog: pytest.LogCaptureFixture,
) -> None:
    """graphql-core prints an error with the lines of the document around it; the log must
    not: a refused inline name would otherwise be written there in full."""
    token = token_for(tenant.tenant.slug)
    too_long = NAME + " Thị" * 60
    refused = ADMIT.replace(f'fullName: "{NAME}"', f'fullName: "{too_long}"') % admission
    caplog.set_level("DEBUG")
    response = client.post("/graphql", json={"query": refused},
                           headers={"Authorization": f"Bearer {token}"})
    errors = response.json()["errors"]
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert errors[0]["extensions"]["field"] == ["input", "fullName"]
    assert any(r.name == "partyledger.graphql.schema" for r in caplog.records)
    logged = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert NAME not in logged and "Thị Thị" not in logged

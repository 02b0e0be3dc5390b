"""The platform around the schema: one trace per request, the published SDL, import hygiene."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.graphql.schema import build_schema
from partyledger.infra.tenants import TenantRuntime
from partyledger.services.access import Actor
from support import enroll_officials

ROOT = Path(__file__).resolve().parents[2]
FOUND = """
mutation Found($input: FoundOrganizationInput!) {
  foundOrganization(input: $input) { organization { id name kind kindLabel } userErrors { code } }
}"""


def test_one_trace_spans_http_graphql_command_and_database(
    graphql: Callable[..., dict[str, Any]], token_for: Callable[..., str], tenant: TenantRuntime,
    spans: InMemorySpanExporter,
) -> None:
    spans.clear()
    body = graphql(FOUND, token_for(tenant.tenant.slug), {"input": {
        "name": "Đảng bộ tỉnh", "kind": "PROVINCIAL_ORGANIZATION", "effectiveOn": "2025-07-01"}})
    assert body["data"]["foundOrganization"]["organization"]["kindLabel"] == "Đảng bộ tỉnh/thành phố"
    finished = spans.get_finished_spans()
    command = next(s for s in finished if s.name == "command found_organization")
    trace_spans = [s for s in finished if s.context.trace_id == command.context.trace_id]
    by_id = {s.context.span_id: s for s in trace_spans}

    def ancestors(span: Any) -> list[str]:
        names = []
        while span.parent is not None and span.parent.span_id in by_id:
            span = by_id[span.parent.span_id]
            names.append(span.name)
        return names

    append = next(s for s in trace_spans if s.name == "eventstore.append")
    chain = ancestors(append)
    assert chain[0] == "command found_organization"
    assert any(name.startswith("GraphQL") for name in chain)
    assert any(name.startswith("POST /graphql") for name in chain)
    assert command.attributes is not None and command.attributes["tenant.id"] == tenant.tenant.slug
    assert all("Đảng bộ tỉnh" not in str(s.attributes) for s in trace_spans)  # no input values


def test_the_published_sdl_matches_the_code() -> None:
    published = (ROOT / "graphql" / "schema.graphql").read_text()
    assert published == str(build_schema()) + "\n", "run `make schema` and review the change"


def test_import_graphql_is_graphql_core_however_the_code_is_started() -> None:
    import graphql

    assert Path(graphql.__file__).parent.parent.name == "site-packages"
    check = ("import graphql, sys; from graphql import GraphQLSchema; "
             "assert 'site-packages' in graphql.__file__, graphql.__file__")
    starts = [
        [sys.executable, "-c", check],
        [sys.executable, "-c", "import sys; sys.path.insert(0, ''); " + check
         + "; from partyledger.infra.app import create_app"],
        [sys.executable, "-c", "from uvicorn.importer import import_from_string as i; "
         "import sys; sys.path.insert(0, '.'); i('partyledger.infra.app:create_app'); " + check],
        [sys.executable, "-m", "pytest", "-q", "--collect-only", "tests/unit"],
    ]
    for command in starts:  # from the repository root, where graphql/ would shadow the package
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-2000:])


def test_viewer_names_the_tenant_and_roles(
    graphql: Callable[..., dict[str, Any]], token_for: Callable[..., str], tenant: TenantRuntime,
    admin: Actor, cell_id: uuid.UUID,
) -> None:
    with recorded_by(Provenance.system(admin.subject)):
        enroll_officials(tenant, admin, cell_id, n=1)
    viewer = graphql("{ viewer { subject roles tenant { slug name } organizationScope } }",
                     token_for(tenant.tenant.slug))["data"]["viewer"]
    assert viewer == {"subject": f"user@{tenant.tenant.slug}", "roles": ["TENANT_ADMIN"],
                      "tenant": {"slug": tenant.tenant.slug, "name": tenant.tenant.name},
                      "organizationScope": []}

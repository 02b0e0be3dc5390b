"""schemathesis fuzzes every query and mutation of a running server with production settings.

Seeded and bounded (examples per operation, no shrinking), authenticated as a tenant admin of a
tenant with a province, a cell and two members in it; most generated IDs name those, so that
commands get past ID parsing into the rules. Any answer may refuse the request; none may be a
5xx or an INTERNAL error.
"""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import requests
import schemathesis
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis import strategies as st
from schemathesis.graphql import nodes
from strawberry import relay

from partyledger.domain.organization import OrganizationKind
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.graphql.errors import KNOWN_CODES
from partyledger.graphql.schema import build_schema
from partyledger.infra.app import create_app
from partyledger.infra.auth import mint_token
from partyledger.infra.settings import Settings, load_settings
from partyledger.infra.tenants import TenantDirectory
from partyledger.services.access import Actor, Role
from support import enroll_officials, new_slug

EXAMPLES_PER_OPERATION = 5
KNOWN_IDS: list[str] = []  # filled by the `server` fixture, before the first example is drawn
schemathesis.graphql.scalar("ID", st.deferred(lambda: st.one_of(
    st.sampled_from(KNOWN_IDS), st.sampled_from(KNOWN_IDS), st.text(max_size=12),
)).map(nodes.String))
API = schemathesis.graphql.from_file(str(build_schema()))


@dataclasses.dataclass(frozen=True)
class Server:
    url: str
    session: requests.Session


@pytest.fixture(scope="module")
def server(
    directory: TenantDirectory, tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Server]:
    key = Ed25519PrivateKey.generate()
    app_settings = _production(str(tmp_path_factory.mktemp("fuzz")), key)
    slug = _tenant_with_a_cell(directory)
    assert KNOWN_IDS, "the tenant's objects are what generated IDs name"
    token = mint_token(key, app_settings.auth, tenant=slug, subject=f"fuzzer@{slug}",
                       roles=[Role.TENANT_ADMIN])
    config = uvicorn.Config(create_app(app_settings, directory=directory, run_projector=False),
                            host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    port = running.servers[0].sockets[0].getsockname()[1]
    session = requests.Session()
    session.trust_env = False  # no proxy between us and 127.0.0.1
    session.headers["Authorization"] = f"Bearer {token}"
    yield Server(f"http://127.0.0.1:{port}/graphql", session)
    session.close()
    running.should_exit = True
    thread.join(timeout=10)


def _production(home: str, key: Ed25519PrivateKey) -> Settings:
    settings = load_settings({"PARTYLEDGER_HOME": home, "PARTYLEDGER_ENV": "production"})
    pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return dataclasses.replace(
        settings, auth=dataclasses.replace(settings.auth, public_keys_pem=(pem,)),
        graphql=dataclasses.replace(settings.graphql, cost_budget=10**9),  # fuzzing is not abuse
    )


def _tenant_with_a_cell(directory: TenantDirectory) -> str:
    slug = new_slug()
    directory.create(slug, f"Đảng bộ thử nghiệm {slug}")
    runtime = directory.runtime(slug)
    admin = Actor("admin@" + slug, slug, frozenset({Role.TENANT_ADMIN}))
    with recorded_by(Provenance.system(admin.subject)):
        root = runtime.register.found_organization(
            admin, name="Đảng bộ tỉnh", kind=OrganizationKind.PROVINCIAL_ORGANIZATION,
            parent_id=None, effective_on=date(2020, 1, 1), decision=None)
        cell = runtime.register.found_organization(
            admin, name="Chi bộ Thôn Đông", kind=OrganizationKind.GRASSROOTS_CELL,
            parent_id=root.subject_id, effective_on=date(2020, 1, 1), decision=None)
        members = enroll_officials(runtime, admin, cell.subject_id)
    KNOWN_IDS[:] = [str(relay.GlobalID("Organization", str(o.subject_id))) for o in (root, cell)]
    KNOWN_IDS.extend(str(relay.GlobalID("Member", str(m))) for m in members)
    return slug


@API.parametrize()
@seed(20251122)
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
          phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_no_generated_request_is_a_server_error(case: Any, server: Server) -> None:
    response = case.call(base_url=server.url, session=server.session,
                         headers={"X-Correlation-Id": str(uuid.uuid4())})
    assert response.status_code < 500, response.text
    body = response.json()
    assert isinstance(body, dict), body
    errors = body.get("errors") or []
    found = [e.get("extensions", {}).get("code") for e in errors]
    assert set(found) <= KNOWN_CODES - {"INTERNAL"}, (case.body, errors)

"""Idempotency keys over HTTP are their sender's: another sender neither learns of a key nor
takes it, and authority is checked before any earlier answer is looked up."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from strawberry import relay

from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.infra.auth import load_or_create_dev_key, mint_token
from partyledger.infra.settings import Settings
from partyledger.infra.tenants import TenantRuntime
from partyledger.services.access import Actor, Role
from support import enroll_officials, event_count

GraphQL = Callable[..., dict[str, Any]]
ADMIT = """
mutation Admit($input: AdmitMemberInput!) {
  admitMember(input: $input) { member { id fullName } userErrors { code } }
}"""
VOTE = {"inFavour": 8, "against": 2, "eligible": 10, "present": 10}


def gid(kind: str, value: uuid.UUID) -> str:
    return str(relay.GlobalID(kind, str(value)))


@pytest.fixture
def token(settings: Settings, tenant: TenantRuntime) -> Callable[..., str]:
    """A token for ``subject`` in the tenant (officers with ``scope``)."""
    key = load_or_create_dev_key(Path(settings.auth.dev_key_path))

    def mint(subject: str, role: Role = Role.TENANT_ADMIN, scope: list[Any] | None = None) -> str:
        return mint_token(key, settings.auth, tenant=tenant.tenant.slug, subject=subject,
                          roles=[role], organization_scope=scope)

    return mint


@pytest.fixture
def admission(tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID) -> Callable[..., Any]:
    with recorded_by(Provenance.system(admin.subject)):
        introducers = enroll_officials(tenant, admin, cell_id)

    def make(name: str, key: str) -> dict[str, Any]:
        return {"input": {
            "cellId": gid("Organization", cell_id), "fullName": name, "birthDate": "1994-02-11",
            "introducers": [{"memberId": gid("Member", m), "togetherSince": "2012-01-01"}
                            for m in introducers],
            "cellResolution": {"on": "2015-05-20", "vote": VOTE},
            "decision": {"number": "215-QĐ/ĐU", "date": "2015-07-24",
                         "authority": "Đảng ủy phường"},
            "ceremonyOn": "2015-08-10", "idempotencyKey": key}}

    return make


def test_an_officer_out_of_scope_is_forbidden_with_a_key_someone_else_used(
    graphql: GraphQL, token: Callable[..., str], tenant: TenantRuntime,
    admission: Callable[..., Any],
) -> None:
    first = graphql(ADMIT, token("admin-a"), admission("Vũ Thị Mai", "form-1"))
    assert first["data"]["admitMember"]["userErrors"] == []
    before = event_count(tenant)
    stranger = token("officer-b", Role.OFFICER, [uuid.uuid4()])
    for name in ("Vũ Thị Mai", "Đỗ Văn Khánh"):  # the same input and another one
        refused = graphql(ADMIT, stranger, admission(name, "form-1"))
        assert refused["data"] is None
        assert [e["extensions"]["code"] for e in refused["errors"]] == ["FORBIDDEN"]
    assert event_count(tenant) == before


def test_a_second_administrator_using_the_same_key_records_their_own_admission(
    graphql: GraphQL, token: Callable[..., str], tenant: TenantRuntime,
    admission: Callable[..., Any],
) -> None:
    mine = graphql(ADMIT, token("admin-a"), admission("Vũ Thị Mai", "form-7"))["data"]
    theirs = graphql(ADMIT, token("admin-b"), admission("Đỗ Văn Khánh", "form-7"))["data"]
    assert theirs["admitMember"]["userErrors"] == []
    assert theirs["admitMember"]["member"]["fullName"] == "Đỗ Văn Khánh"
    retried = graphql(ADMIT, token("admin-a"), admission("Vũ Thị Mai", "form-7"))["data"]
    assert retried["admitMember"]["member"]["id"] == mine["admitMember"]["member"]["id"]

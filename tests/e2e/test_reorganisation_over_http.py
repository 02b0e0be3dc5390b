"""Reorganising the tree over HTTP: each mutation, its userErrors, idempotency, and the walls
between roles and tenants."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from strawberry import relay
from support import enroll_officials, event_count, new_slug

from partyledger.domain.organization import OrganizationKind as K
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.services.access import Actor, Role

GraphQL = Callable[..., dict[str, Any]]

PAYLOAD = "{ organization { id name kind } organizations { id name kind } userErrors { field code } position }"
RENAME = f"mutation M($input: RenameOrganizationInput!) {{ renameOrganization(input: $input) {PAYLOAD} }}"
MOVE = f"mutation M($input: MoveOrganizationInput!) {{ moveOrganization(input: $input) {PAYLOAD} }}"
MERGE = f"mutation M($input: MergeOrganizationsInput!) {{ mergeOrganizations(input: $input) {PAYLOAD} }}"
CONSOLIDATE = (f"mutation M($input: ConsolidateOrganizationsInput!) "
               f"{{ consolidateOrganizations(input: $input) {PAYLOAD} }}")
SPLIT = f"mutation M($input: SplitOrganizationInput!) {{ splitOrganization(input: $input) {PAYLOAD} }}"
KIND = (f"mutation M($input: ChangeOrganizationKindInput!) "
        f"{{ changeOrganizationKind(input: $input) {PAYLOAD} }}")
DISSOLVE = f"mutation M($input: DissolveOrganizationInput!) {{ dissolveOrganization(input: $input) {PAYLOAD} }}"
RECONCILE = (f"mutation M($input: ReconcileCellRosterInput!) "
             f"{{ reconcileCellRoster(input: $input) {PAYLOAD} }}")
RECONCILE_CHILDREN = (f"mutation M($input: ReconcileOrganizationChildrenInput!) "
                      f"{{ reconcileOrganizationChildren(input: $input) {PAYLOAD} }}")
DECISION = {"number": "215-QĐ/TU", "date": "2025-09-01", "authority": "Ban Thường vụ Tỉnh ủy"}


def gid(kind: str, value: uuid.UUID) -> str:
    return str(relay.GlobalID(kind, str(value)))


def org(value: uuid.UUID) -> str:
    return gid("Organization", value)


@pytest.fixture
def tree(tenant: TenantRuntime, admin: Actor) -> dict[str, uuid.UUID]:
    """A province, a commune and three cells with two members each."""
    register = tenant.register
    with recorded_by(Provenance.system(admin.subject)):
        def found(name: str, kind: K, parent: uuid.UUID | None) -> uuid.UUID:
            return register.found_organization(admin, name=name, kind=kind, parent_id=parent,
                                               effective_on=date(2025, 7, 1), decision=None).subject_id

        province = found("Đảng bộ tỉnh", K.PROVINCIAL_ORGANIZATION, None)
        commune = found("Đảng bộ xã Tân Lập", K.COMMUNE_COMMITTEE, province)
        cells = {f"cell{i}": found(f"Chi bộ Thôn {i}", K.GRASSROOTS_CELL, commune) for i in range(3)}
        for cell in cells.values():
            enroll_officials(tenant, admin, cell, 2)
    return {"province": province, "commune": commune, **cells}


def call(graphql: GraphQL, token: str, document: str, **values: Any) -> dict[str, Any]:
    body = graphql(document, token, {"input": {"effectiveOn": "2025-09-01", **values}})
    assert "errors" not in body, body
    (payload,) = body["data"].values()
    return payload  # type: ignore[no-any-return]


def test_cells_are_merged_split_and_dissolved_over_http(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, tree: dict[str, uuid.UUID],
) -> None:
    token = token_for(tenant.tenant.slug)
    merged = call(graphql, token, MERGE, decision=DECISION, mergers=[
        {"sourceIds": [org(tree["cell1"])], "targetId": org(tree["cell0"])}])
    assert merged["userErrors"] == [] and int(merged["position"]) == event_count(tenant)
    assert merged["organization"] == {"id": org(tree["cell0"]), "name": "Chi bộ Thôn 0", "kind": "GRASSROOTS_CELL"}
    members = sorted(tenant.register.organization(tree["cell0"]).roster)
    assert len(members) == 4
    split = call(graphql, token, SPLIT, organizationId=org(tree["cell0"]),
                 successors=[{"name": "Chi bộ Đông", "kind": "GRASSROOTS_CELL"},
                             {"name": "Chi bộ Tây", "kind": "GRASSROOTS_CELL"}],
                 allocation=[{"id": gid("Member", m), "successor": i % 2} for i, m in enumerate(members)])
    assert split["userErrors"] == [] and [o["name"] for o in split["organizations"]] == ["Chi bộ Đông", "Chi bộ Tây"]
    east = uuid.UUID(relay.GlobalID.from_id(split["organizations"][0]["id"]).node_id)
    refused = call(graphql, token, DISSOLVE, organizationId=org(east))
    assert refused == {"organization": None, "organizations": [], "position": None,
                       "userErrors": [{"field": ["input", "organizationId"], "code": "ORGANIZATION_NOT_EMPTY"}]}
    empty_split = call(graphql, token, SPLIT, organizationId=org(tree["cell2"]), successors=[],
                       allocation=[], continues=False)
    assert [e["code"] for e in empty_split["userErrors"]] == ["TOO_FEW_ORGANIZATIONS"]


def test_rename_move_consolidate_and_kind_changes_over_http(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, tree: dict[str, uuid.UUID],
) -> None:
    token = token_for(tenant.tenant.slug)
    renamed = call(graphql, token, RENAME, organizationId=org(tree["cell0"]), name="Chi bộ Khu 1")
    assert renamed["organization"]["name"] == "Chi bộ Khu 1"
    moved = call(graphql, token, MOVE, organizationId=org(tree["cell0"]), newParentId=org(tree["province"]))
    assert moved["userErrors"] == [] and tenant.register.organization(tree["cell0"]).parent_id == tree["province"]
    new = call(graphql, token, CONSOLIDATE, sourceIds=[org(tree["cell1"]), org(tree["cell2"])],
               name="Chi bộ hợp nhất", kind="GRASSROOTS_CELL", parentId=org(tree["commune"]))
    assert new["organization"]["name"] == "Chi bộ hợp nhất" and new["userErrors"] == []
    new_id = uuid.UUID(relay.GlobalID.from_id(new["organization"]["id"]).node_id)
    members = sorted(tenant.register.organization(new_id).roster)
    upgrade = call(graphql, token, KIND, organizationId=org(new_id), kind="GRASSROOTS_COMMITTEE",
                   consent=DECISION, subordinateCells=["Chi bộ 1", "Chi bộ 2"],
                   allocation=[{"id": gid("Member", m), "successor": i % 2} for i, m in enumerate(members)])
    assert upgrade["organization"]["kind"] == "GRASSROOTS_COMMITTEE"
    assert sorted(o["kind"] for o in upgrade["organizations"]) == ["SUBORDINATE_CELL"] * 2
    without_consent = call(graphql, token, KIND, organizationId=org(tree["cell0"]), kind="GRASSROOTS_COMMITTEE",
                           subordinateCells=["Chi bộ 1"], allocation=[
                               {"id": gid("Member", m), "successor": 0}
                               for m in tenant.register.organization(tree["cell0"]).roster])
    assert without_consent["userErrors"] == [
        {"field": ["input", "consent"], "code": "THRESHOLD_CONSENT_REQUIRED"}]


def test_reconciling_records_made_before_rosters_over_http(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, tree: dict[str, uuid.UUID],
) -> None:
    token = token_for(tenant.tenant.slug)
    already = sorted(tenant.register.organization(tree["cell0"]).roster)
    nothing = call(graphql, token, RECONCILE, cellId=org(tree["cell0"]), memberIds=[gid("Member", already[0])])
    assert [e["code"] for e in nothing["userErrors"]] == ["ORGANIZATION_UNCHANGED"]
    wrong = call(graphql, token, RECONCILE_CHILDREN, organizationId=org(tree["province"]),
                 childIds=[org(tree["cell0"])])
    assert [e["code"] for e in wrong["userErrors"]] == ["ORGANIZATION_NOT_UNDER_PARENT"]


def test_a_retried_merge_returns_the_first_answer(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, tree: dict[str, uuid.UUID],
) -> None:
    token = token_for(tenant.tenant.slug)
    request = {"mergers": [{"sourceIds": [org(tree["cell1"])], "targetId": org(tree["cell0"])}],
               "idempotencyKey": "merge-tan-lap-2025"}
    first = call(graphql, token, MERGE, **request)
    head = event_count(tenant)
    again = call(graphql, token, MERGE, **request)
    assert again["organization"] == first["organization"] and event_count(tenant) == head


def test_only_the_tenants_administrator_reorganises(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, tree: dict[str, uuid.UUID],
    directory: TenantDirectory,
) -> None:
    request = {"input": {"effectiveOn": "2025-09-01", "mergers": [
        {"sourceIds": [org(tree["cell1"])], "targetId": org(tree["cell0"])}]}}
    head = event_count(tenant)
    officer = token_for(tenant.tenant.slug, Role.OFFICER, scope=[str(tree["commune"])])
    body = graphql(MERGE, officer, request)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    other = new_slug()
    directory.create(other, "Đảng bộ tỉnh bên cạnh")
    stranger = graphql(MERGE, token_for(other), request)["data"]["mergeOrganizations"]
    assert [e["code"] for e in stranger["userErrors"]] == ["ORGANIZATION_NOT_FOUND"]
    assert event_count(tenant) == head

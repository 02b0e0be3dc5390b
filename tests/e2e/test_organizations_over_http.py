"""The organisation tree over HTTP: as of a date, as known at a moment, with children, parents,
sectors and member counts; the dated parent/child policy refusing; the tenant wall."""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime, timezone
from typing import Any

import pytest
from strawberry import relay

from partyledger.domain.organization import GrassrootsOrgType, Organization, OrganizationKind as K
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.graphql.context import Ledger
from partyledger.infra import app as app_module
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.projections.follower import catch_up
from partyledger.projections.org_tree import OrgTreeView
from partyledger.projections.org_tree_queries import OrgTreeQueries
from partyledger.services.access import Actor
from support import enroll_officials, event_count, new_slug

GraphQL = Callable[..., dict[str, Any]]

FOUND = """
mutation Found($input: FoundOrganizationInput!) {
  foundOrganization(input: $input) {
    organization { id name kind }
    userErrors { field message code }
    position
  }
}"""
TREE = """
query Tree($parent: ID, $asOf: Date, $knownAt: DateTime, $kind: OrganizationKind, $wait: String) {
  organizations(parentId: $parent, asOf: $asOf, knownAt: $knownAt, kind: $kind,
                waitForPosition: $wait) {
    id name kind kindLabel sector sectorLabel validFrom validTo memberCount
    parent { name }
    children { name kind memberCount }
  }
}"""
ONE = """
query One($id: ID!, $asOf: Date, $knownAt: DateTime) {
  organization(id: $id, asOf: $asOf, knownAt: $knownAt) {
    name foundedOn parent { name parent { name } } children { name }
  }
}"""

NODE = """
query Node($id: ID!) { node(id: $id) { id ... on Organization { name validTo } } }"""


def gid(value: uuid.UUID) -> str:
    return str(relay.GlobalID("Organization", str(value)))


@pytest.fixture(autouse=True)
def tree_in_context(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each request's ledger reads the organisation tree; the app's own context is used as soon
    as it carries ``org_tree``."""
    if "org_tree" in {f.name for f in dataclasses.fields(Ledger)}:
        return

    @dataclasses.dataclass
    class LedgerWithTree(Ledger):
        def __post_init__(self) -> None:
            super().__post_init__()
            self.org_tree = OrgTreeQueries(self.register.factory.datastore)  # type: ignore[attr-defined]

    monkeypatch.setattr(app_module, "Ledger", LedgerWithTree)


def projected(tenant: TenantRuntime) -> None:
    """The tree and the roster caught up with the tenant's log: by the projector, or here for the
    tree when the projector does not keep it."""
    views: list[Any] = [tenant.roster]
    kept = next((v for v in vars(tenant).values() if isinstance(v, OrgTreeView)), None)
    if kept is None:
        view = OrgTreeView(tenant.register.factory.datastore)  # type: ignore[attr-defined]
        view.create_table()
        catch_up(tenant.register, view)
    else:
        views.append(kept)
    head, deadline = event_count(tenant), time.monotonic() + 10
    while min(v.position() for v in views) < head and time.monotonic() < deadline:
        time.sleep(0.02)


@pytest.fixture
def provenance(admin: Actor) -> Iterator[None]:
    with recorded_by(Provenance.system(admin.subject)):
        yield


def found(graphql: GraphQL, token: str, name: str, kind: str, parent: uuid.UUID | None,
          on: str) -> dict[str, Any]:
    given = {"name": name, "kind": kind, "effectiveOn": on}
    if parent:
        given["parentId"] = gid(parent)
    body = graphql(FOUND, token, {"input": given})
    payload: dict[str, Any] = body["data"]["foundOrganization"]
    return payload


def uuid_of(payload: dict[str, Any]) -> uuid.UUID:
    return uuid.UUID(relay.GlobalID.from_id(payload["organization"]["id"]).node_id)


def test_the_tree_is_read_as_of_a_date_with_parents_children_sectors_and_member_counts(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, admin: Actor,
    provenance: None,
) -> None:
    token = token_for(tenant.tenant.slug)
    province = uuid_of(found(graphql, token, "Đảng bộ tỉnh Hòa Bình", "PROVINCIAL_ORGANIZATION", None, "2010-01-01"))
    district = uuid_of(found(graphql, token, "Đảng bộ huyện Lạc Sơn", "DISTRICT_COMMITTEE", province, "2010-01-01"))
    other = uuid_of(found(graphql, token, "Đảng bộ huyện Kim Bôi", "DISTRICT_COMMITTEE", province, "2010-01-01"))
    cell = uuid_of(found(graphql, token, "Chi bộ xóm Bưng", "GRASSROOTS_CELL", district, "2015-03-01"))
    school = Organization.found(name="Chi bộ Trường THCS Mường Khến", kind=K.GRASSROOTS_CELL,
                                parent=tenant.register.repository.get(district),
                                effective_on=date(2016, 9, 1), decision=None,
                                sector=GrassrootsOrgType.ADMIN_AGENCY_PUBLIC_UNIT)
    tenant.register.save(school)
    enroll_officials(tenant, admin, cell, n=3)
    tenant.register.move_organization(admin, organization_id=school.id, new_parent_id=other,
                                      effective_on=date(2020, 1, 1))
    projected(tenant)
    known_before_rename = datetime.now(timezone.utc).isoformat()
    tenant.register.rename_organization(admin, organization_id=cell, name="Chi bộ xóm Bưng Mới",
                                        effective_on=date(2021, 1, 1))
    projected(tenant)
    wait = str(event_count(tenant))

    in_2019 = graphql(TREE, token, {"parent": gid(district), "asOf": "2019-06-01", "wait": wait})["data"]
    assert [(o["name"], o["kindLabel"], o["sector"], o["parent"]["name"])
            for o in in_2019["organizations"]] == [
        ("Chi bộ Trường THCS Mường Khến", "Chi bộ cơ sở", "ADMIN_AGENCY_PUBLIC_UNIT", "Đảng bộ huyện Lạc Sơn"),
        ("Chi bộ xóm Bưng", "Chi bộ cơ sở", None, "Đảng bộ huyện Lạc Sơn")]
    school_2019 = in_2019["organizations"][0]
    assert school_2019["sectorLabel"] == "Cơ quan hành chính, đơn vị sự nghiệp"
    assert (school_2019["validFrom"], school_2019["validTo"]) == ("2016-09-01", "2020-01-01")
    assert [o["memberCount"] for o in in_2019["organizations"]] == [0, 3]

    top = graphql(TREE, token, {"asOf": "2022-01-01", "wait": wait})["data"]["organizations"]
    assert [(o["name"], o["memberCount"]) for o in top] == [("Đảng bộ tỉnh Hòa Bình", 3)]
    assert [(c["name"], c["memberCount"]) for c in top[0]["children"]] == [
        ("Đảng bộ huyện Kim Bôi", 0), ("Đảng bộ huyện Lạc Sơn", 3)]

    now = graphql(TREE, token, {"parent": gid(district), "kind": "GRASSROOTS_CELL"})["data"]
    assert [o["name"] for o in now["organizations"]] == ["Chi bộ xóm Bưng Mới"]
    as_known = graphql(TREE, token, {"parent": gid(district), "knownAt": known_before_rename})["data"]
    assert [o["name"] for o in as_known["organizations"]] == ["Chi bộ xóm Bưng"]

    one = graphql(ONE, token, {"id": gid(school.id), "asOf": "2021-01-01"})["data"]["organization"]
    assert one == {"name": "Chi bộ Trường THCS Mường Khến", "foundedOn": "2016-09-01",
                   "parent": {"name": "Đảng bộ huyện Kim Bôi", "parent": {"name": "Đảng bộ tỉnh Hòa Bình"}},
                   "children": []}
    assert graphql(ONE, token, {"id": gid(school.id), "asOf": "2016-08-31"})["data"] == {"organization": None}


def test_a_dissolved_organisation_is_gone_from_its_end_and_still_found_by_its_id(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, admin: Actor,
    provenance: None,
) -> None:
    token = token_for(tenant.tenant.slug)
    province = uuid_of(found(graphql, token, "Đảng bộ tỉnh", "PROVINCIAL_ORGANIZATION", None, "2010-01-01"))
    cell = uuid_of(found(graphql, token, "Chi bộ Khu phố 4", "GRASSROOTS_CELL", province, "2012-01-01"))
    kept = uuid_of(found(graphql, token, "Chi bộ Khu phố 5", "GRASSROOTS_CELL", province, "2012-01-01"))
    tenant.register.dissolve_organization(admin, organization_id=cell, effective_on=date(2019, 5, 1))
    projected(tenant)
    assert graphql(ONE, token, {"id": gid(cell)})["data"] == {"organization": None}
    before = graphql(ONE, token, {"id": gid(cell), "asOf": "2019-04-30"})["data"]["organization"]
    assert before["name"] == "Chi bộ Khu phố 4"
    assert graphql(NODE, token, {"id": gid(cell)})["data"]["node"]["name"] == "Chi bộ Khu phố 4"
    assert graphql(NODE, token, {"id": gid(kept)})["data"]["node"] == {
        "id": gid(kept), "name": "Chi bộ Khu phố 5", "validTo": None}
    names_in_2020 = graphql(TREE, token, {"parent": gid(province), "asOf": "2020-01-01"})["data"]
    assert [o["name"] for o in names_in_2020["organizations"]] == ["Chi bộ Khu phố 5"]


def test_the_children_and_member_counts_of_a_list_are_read_in_one_query_each(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = token_for(tenant.tenant.slug)
    province = uuid_of(found(graphql, token, "Đảng bộ tỉnh", "PROVINCIAL_ORGANIZATION", None, "2010-01-01"))
    for district in ("Đảng bộ huyện Đà Bắc", "Đảng bộ huyện Mai Châu", "Đảng bộ huyện Yên Thủy"):
        parent = uuid_of(found(graphql, token, district, "DISTRICT_COMMITTEE", province, "2010-01-01"))
        for n in range(2):
            found(graphql, token, f"Chi bộ {district[-6:]} {n}", "GRASSROOTS_CELL", parent, "2012-01-01")
    projected(tenant)
    calls: list[str] = []
    for name in ("children_of", "member_counts"):
        original = getattr(OrgTreeQueries, name)
        monkeypatch.setattr(OrgTreeQueries, name, lambda self, *a, _f=original, _n=name, **k: (
            calls.append(_n), _f(self, *a, **k))[1])
    listed = graphql(TREE, token, {"parent": gid(province), "asOf": "2015-01-01"})["data"]
    assert [len(o["children"]) for o in listed["organizations"]] == [2, 2, 2]
    # one read per level of the tree, however many organisations each level lists
    assert sorted(calls) == ["children_of", "member_counts", "member_counts"]


def test_a_district_committee_is_refused_from_1_july_2025_and_nothing_is_written(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime,
) -> None:
    token = token_for(tenant.tenant.slug)
    province = uuid_of(found(graphql, token, "Đảng bộ tỉnh Phú Thọ", "PROVINCIAL_ORGANIZATION", None, "2010-01-01"))
    accepted = found(graphql, token, "Đảng bộ huyện Thanh Sơn", "DISTRICT_COMMITTEE", province, "2015-01-01")
    assert accepted["userErrors"] == [] and accepted["organization"]["kind"] == "DISTRICT_COMMITTEE"
    before = event_count(tenant)
    refused = found(graphql, token, "Đảng bộ huyện Tân Sơn", "DISTRICT_COMMITTEE", province, "2026-01-01")
    assert refused["organization"] is None and refused["position"] is None
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [
        ("PARENT_KIND_NOT_ALLOWED", ["input", "parentId"])]
    assert event_count(tenant) == before


def test_another_tenant_s_tree_is_never_shown(
    graphql: GraphQL, token_for: Callable[..., str], directory: TenantDirectory,
    tenant: TenantRuntime,
) -> None:
    token = token_for(tenant.tenant.slug)
    province = uuid_of(found(graphql, token, "Đảng bộ tỉnh A", "PROVINCIAL_ORGANIZATION", None, "2010-01-01"))
    cell = uuid_of(found(graphql, token, "Chi bộ A", "GRASSROOTS_CELL", province, "2010-01-01"))
    projected(tenant)
    slug = new_slug()
    directory.create(slug, "Đảng bộ tỉnh B")
    projected(directory.runtime(slug))
    theirs = token_for(slug)
    assert graphql(ONE, theirs, {"id": gid(cell)})["data"] == {"organization": None}
    assert graphql(TREE, theirs, {"parent": gid(province)})["data"] == {"organizations": []}
    assert graphql(TREE, theirs, {})["data"] == {"organizations": []}
    assert [o["name"] for o in graphql(TREE, token, {})["data"]["organizations"]] == ["Đảng bộ tỉnh A"]


def test_an_id_of_another_type_is_bad_input(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime,
) -> None:
    member = str(relay.GlobalID("Member", str(uuid.uuid4())))
    body = graphql(ONE, token_for(tenant.tenant.slug), {"id": member})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

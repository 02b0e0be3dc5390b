"""The isolation matrix: every query and mutation of the schema × every role × own tenant, other
subtree and other tenant → allowed or refused as API.md's table says, with nothing leaked.

One small world, built once: two tenants of the same shape (a province, two grassroots
committees each with cells, two spare cells; six members in subtree 1, two in subtree 2), and
in each five callers: a tenant administrator, an officer of subtree 1, an officer of subtree 2
(the "other subtree"), an inspector, and a partner key. Production settings, a test-held
signing key.

How a refusal looks, decided once for every operation:

- a role that may not do the operation at all: ``FORBIDDEN``;
- an object outside an officer's subtrees: a write is ``FORBIDDEN`` (naming nothing the
  officer did not send); a read answers as for an id that names no one (null, or a total of 0);
- an object of another tenant: exactly as for an id that names no one (null, ``NOT_FOUND``, or
  a ``*_NOT_FOUND`` userError), checked by sending the same request with random ids instead;
- an operation with no object (the tenant comes from the credentials): it acts in the caller's
  own tenant and shows nothing of the other.

And nothing leaks: no refused answer holds a name or an id the caller did not send; a partner
never receives a member's name; another tenant's caller never receives a name or id of this
tenant; no refused request writes anything; no request writes to the other tenant.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    get_named_type,
    is_leaf_type,
)
from graphql.pyutils import Undefined
from litestar.testing import TestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from strawberry import relay

from partyledger.domain.organization import OrganizationKind
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.graphql.schema import build_schema
from partyledger.infra.api_keys import ApiKeyStore
from partyledger.infra.app import create_app
from partyledger.infra.auth import mint_token
from partyledger.infra.settings import PartnerSettings, Settings, load_settings
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.projections.follower import catch_up
from partyledger.services.access import Actor, Role
from support import new_slug

ADMIN, OFFICER, OTHER_OFFICER, INSPECTOR, PARTNER = ROLES = (
    "ADMIN", "OFFICER", "OTHER_OFFICER", "INSPECTOR", "PARTNER")
ALL = frozenset(ROLES)
MEMBER_READERS = frozenset({ADMIN, OFFICER, INSPECTOR})
MEMBER_WRITERS = frozenset({ADMIN, OFFICER})
DISCIPLINE = frozenset({ADMIN, INSPECTOR})
ADMINS = frozenset({ADMIN})
HIDDEN_CODES = frozenset({"MEMBER_NOT_FOUND", "ORGANIZATION_NOT_FOUND", "PARTNER_KEY_NOT_FOUND"})
PEPPER = "isolation-matrix-pepper"
DAY = "2024-03-04"
DECISION = {"number": "12-QĐ/TU", "date": DAY, "authority": "Ban Thường vụ Tỉnh ủy"}
SUBTREE_1_MEMBERS, SUBTREE_2_MEMBERS = 6, 2


# -- the world ---------------------------------------------------------------------------------

@dataclass
class World:
    """One tenant: its objects by role in the matrix, its people's names, its callers."""

    slug: str
    runtime: TenantRuntime
    ids: dict[str, uuid.UUID] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # member or organisation → its name
    subtree_1: set[str] = field(default_factory=set)  # members of subtree 1
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    spare_key: str = ""
    key_labels: list[str] = field(default_factory=list)

    def gid(self, kind: str, name: str) -> str:
        return str(relay.GlobalID(kind, str(self.ids[name])))

    def position(self) -> int:
        return self.runtime.register.recorder.max_notification_id() or 0

    def secrets(self) -> list[str]:
        """What no caller of the other tenant may ever receive."""
        ids = [str(i) for i in self.ids.values()]
        gids = [str(relay.GlobalID(k, i)) for i in ids for k in ("Member", "Organization")]
        return [self.slug, *self.names.values(), *ids, *gids, self.spare_key, *self.key_labels]


def build_world(directory: TenantDirectory, marker: str, settings: Settings,
                key: Ed25519PrivateKey, keys: ApiKeyStore) -> World:
    slug = new_slug()
    directory.create(slug, f"Đảng bộ tỉnh {marker}")
    world = World(slug, directory.runtime(slug))
    register = world.runtime.register
    admin = Actor(f"admin@{slug}", slug, frozenset({Role.TENANT_ADMIN}))
    k = OrganizationKind
    tree = [("root", k.PROVINCIAL_ORGANIZATION, None), ("g1", k.GRASSROOTS_COMMITTEE, "root"),
            ("c1", k.SUBORDINATE_CELL, "g1"), ("c1b", k.SUBORDINATE_CELL, "g1"),
            ("g2", k.GRASSROOTS_COMMITTEE, "root"), ("c2", k.SUBORDINATE_CELL, "g2"),
            ("s1", k.GRASSROOTS_CELL, "root"), ("s2", k.GRASSROOTS_CELL, "root")]
    people = [("mr", "c1"), ("m1", "c1"), *[(f"m1{i}", "c1") for i in range(SUBTREE_1_MEMBERS - 2)],
              *[(f"m2{i}", "c2") for i in range(SUBTREE_2_MEMBERS)]]
    with recorded_by(Provenance.system(admin.subject)):
        for name, kind, parent in tree:
            world.names[name] = f"Tổ chức {marker} {name}"
            world.ids[name] = register.found_organization(
                admin, name=world.names[name], kind=kind, effective_on=date(2020, 1, 1),
                parent_id=world.ids[parent] if parent else None, decision=None).subject_id
        for name, cell in people:
            world.names[name] = f"Trần Văn {marker} {name}"
            world.ids[name] = register.enroll_member(
                admin, full_name=world.names[name], birth_date=date(1970, 5, 1),
                cell_id=world.ids[cell], admitted_on=date(1998, 3, 2),
                ceremony_on=date(1998, 3, 20), recognized_on=date(1999, 4, 1)).subject_id
            if cell == "c1":
                world.subtree_1.add(name)
        register.issue_transfer_letter(admin, member_id=world.ids["mr"], to_cell_id=world.ids["c1b"],
                                       letter_number="GT-1", issued_on=date.today() - timedelta(days=3))
    for view in world.runtime.views:
        catch_up(register, view)

    def bearer(role: Role, scope: str | None = None) -> dict[str, str]:
        token = mint_token(key, settings.auth, tenant=slug, subject=f"{role.value.lower()}-{scope}@{slug}",
                           roles=[role], organization_scope=[world.ids[scope]] if scope else None)
        return {"Authorization": f"Bearer {token}"}

    partner = keys.issue(slug, label=f"Bảng điều khiển {marker}", issued_by=admin.subject,
                         idempotency_key=None)
    spare = keys.issue(slug, label=f"Dự phòng {marker}", issued_by=admin.subject, idempotency_key=None)
    world.spare_key, world.key_labels = spare.key.key_id, [partner.key.label, spare.key.label,
                                                          partner.key.key_id]
    assert partner.secret is not None
    world.headers = {
        ADMIN: bearer(Role.TENANT_ADMIN), OFFICER: bearer(Role.OFFICER, "g1"),
        OTHER_OFFICER: bearer(Role.OFFICER, "g2"), INSPECTOR: bearer(Role.INSPECTOR),
        # both ways of presenting a key, one per tenant
        PARTNER: {"X-Api-Key": partner.secret} if marker == "Alpha" else
                 {"Authorization": f"ApiKey {partner.secret}"},
    }
    return world


@dataclass
class Worlds:
    own: World
    other: World
    client: TestClient[Any]

    def post(self, headers: dict[str, str], document: str, variables: dict[str, Any] | None = None,
             status: int = 200) -> dict[str, Any]:
        response = self.client.post("/graphql", json={"query": document, "variables": variables or {}},
                                    headers=headers)
        assert response.status_code == status, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture(scope="module")
def worlds(directory: TenantDirectory, spans: InMemorySpanExporter,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worlds]:
    key = Ed25519PrivateKey.generate()
    pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                        serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    base = load_settings({"PARTYLEDGER_HOME": str(tmp_path_factory.mktemp("matrix")),
                          "PARTYLEDGER_ENV": "production"})
    settings = dataclasses.replace(
        base, auth=dataclasses.replace(base.auth, public_keys_pem=(pem,)),
        graphql=dataclasses.replace(base.graphql, cost_budget=10_000_000),
        partners=PartnerSettings(key_pepper=PEPPER, minimum_cell_size=5))
    keys = ApiKeyStore(directory.pool(directory.control_shard), pepper=PEPPER)
    keys.install()
    own = build_world(directory, "Alpha", settings, key, keys)
    other = build_world(directory, "Bravo", settings, key, keys)
    with TestClient(create_app(settings, directory=directory)) as client:
        found = Worlds(own, other, client)
        read = found.post(own.headers[OFFICER], "query($id: ID!) { member(id: $id) { fullName } }",
                          {"id": own.gid("Member", "mr")})  # the audit has an entry to show
        assert read["data"]["member"]["fullName"] == own.names["mr"]
        yield found


# -- focused behaviours (before the matrix, which changes the world) ---------------------------

ROSTER = "query { members(first: 100) { totalCount edges { node { id fullName } } } }"
TALLIES = """query($root: ID) { organizations(parentId: $root) { name memberTally { count suppressed }
  children { name memberTally { count suppressed } } } }"""


def test_an_officer_sees_only_its_subtrees_members_and_counts_only_them(worlds: Worlds) -> None:
    own = worlds.own
    seen = worlds.post(own.headers[OFFICER], ROSTER)["data"]["members"]
    assert seen["totalCount"] == SUBTREE_1_MEMBERS
    assert {e["node"]["fullName"] for e in seen["edges"]} == {own.names[m] for m in own.subtree_1}
    other = worlds.post(own.headers[OTHER_OFFICER], ROSTER)["data"]["members"]
    assert other["totalCount"] == SUBTREE_2_MEMBERS
    assert not {e["node"]["fullName"] for e in other["edges"]} & {own.names[m] for m in own.subtree_1}
    whole = worlds.post(own.headers[INSPECTOR], ROSTER)["data"]["members"]
    assert whole["totalCount"] == SUBTREE_1_MEMBERS + SUBTREE_2_MEMBERS


def test_an_officer_cannot_reach_a_member_of_another_subtree_by_any_path(worlds: Worlds) -> None:
    own, member = worlds.own, worlds.own.gid("Member", "m1")
    headers = own.headers[OTHER_OFFICER]
    assert worlds.post(headers, "query($id: ID!) { member(id: $id) { id } node(id: $id) { id } }",
                       {"id": member})["data"] == {"member": None, "node": None}
    history = worlds.post(headers, "query($id: ID!) { memberTransfer(memberId: $id) { state } }",
                          {"id": own.gid("Member", "mr")})
    assert history["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert history["errors"][0]["message"] == "this member is outside your scope"


def test_partners_see_the_tree_with_small_counts_suppressed_and_nothing_personal(worlds: Worlds) -> None:
    own = worlds.own
    tally = worlds.post(own.headers[PARTNER], TALLIES)["data"]["organizations"]
    assert tally[0]["memberTally"] == {"count": SUBTREE_1_MEMBERS + SUBTREE_2_MEMBERS, "suppressed": False}
    children = {c["name"]: c["memberTally"] for c in tally[0]["children"]}
    assert children[own.names["g2"]] == {"count": None, "suppressed": True}  # 2 < 5
    assert children[own.names["s1"]] == {"count": None, "suppressed": True}  # 0 < 5 as well
    # withheld with them: the root less the other children would give 2 + 0 + 0
    assert children[own.names["g1"]] == {"count": None, "suppressed": True}
    staff = worlds.post(own.headers[INSPECTOR], TALLIES)["data"]["organizations"][0]["children"]
    assert {c["name"]: c["memberTally"]["count"] for c in staff}[own.names["g2"]] == SUBTREE_2_MEMBERS
    for personal in ("memberCount", "seats { positionLabel }", "thresholdWarnings { label }",
                     "ratings { year }"):
        body = worlds.post(own.headers[PARTNER], f"query($id: ID!) {{ organization(id: $id) {{ {personal} }} }}",
                           {"id": own.gid("Organization", "c1")})
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", personal
    for members in (ROSTER, "query($id: ID!) { member(id: $id) { id } }"):
        body = worlds.post(own.headers[PARTNER], members, {"id": own.gid("Member", "mr")})
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert body["data"] in (None, {"member": None})


def test_the_minimum_cell_size_is_the_tenants_to_set(worlds: Worlds) -> None:
    other = worlds.other
    policy = """mutation($n: Int!) { setPartnerPolicy(input: {minimumCellSize: $n}) {
      partnerPolicy { minimumCellSize } userErrors { code } } }"""
    assert worlds.post(other.headers[PARTNER], "{ partnerPolicy { minimumCellSize } }")["data"] == {
        "partnerPolicy": {"minimumCellSize": 5}}
    refused = worlds.post(other.headers[OFFICER], policy, {"n": 1})
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    out_of_range = worlds.post(other.headers[ADMIN], policy, {"n": 0})["data"]["setPartnerPolicy"]
    assert out_of_range["userErrors"] == [{"code": "MINIMUM_CELL_SIZE_OUT_OF_RANGE"}]
    try:
        assert worlds.post(other.headers[ADMIN], policy, {"n": 1})["data"]["setPartnerPolicy"] == {
            "partnerPolicy": {"minimumCellSize": 1}, "userErrors": []}
        shown = worlds.post(other.headers[PARTNER], TALLIES)["data"]["organizations"][0]["children"]
        assert {c["name"]: c["memberTally"]["count"] for c in shown}[other.names["g1"]] == SUBTREE_1_MEMBERS
        own_tally = worlds.post(worlds.own.headers[PARTNER], TALLIES)["data"]["organizations"][0]
        assert {c["name"]: c["memberTally"]["suppressed"] for c in own_tally["children"]}[
            worlds.own.names["g2"]] is True  # the other tenant's policy is its own
    finally:
        worlds.post(other.headers[ADMIN], policy, {"n": 5})


AUDIT = """query($id: ID) { readAudit(memberId: $id, first: 10) { totalCount
  edges { node { subject roles memberId fields } } } }"""
PROFILE = "query($id: ID!) { member(id: $id) { fullName birthDate status } }"


def test_reads_of_personal_data_by_officers_and_inspectors_are_recorded_for_the_admin(
    worlds: Worlds,
) -> None:
    own, member = worlds.own, worlds.own.gid("Member", "m10")
    before = worlds.post(own.headers[ADMIN], AUDIT, {"id": member})["data"]["readAudit"]["totalCount"]
    worlds.post(own.headers[OFFICER], PROFILE, {"id": member})
    worlds.post(own.headers[INSPECTOR], "query($id: ID!) { node(id: $id) { ... on Member { fullName } } }",
                {"id": member})
    worlds.post(own.headers[ADMIN], PROFILE, {"id": member})  # administrators' reads are not
    worlds.post(own.headers[OTHER_OFFICER], PROFILE, {"id": member})  # nothing read, nothing noted
    audit = worlds.post(own.headers[ADMIN], AUDIT, {"id": member})["data"]["readAudit"]
    assert audit["totalCount"] == before + 2
    assert [(e["node"]["roles"], e["node"]["fields"], e["node"]["memberId"]) for e in audit["edges"][:2]] == [
        (["INSPECTOR"], ["fullName"], member), (["OFFICER"], ["birthDate", "fullName", "status"], member)]
    roster = worlds.post(own.headers[INSPECTOR], "query { members(first: 3) { edges { node { fullName } } } }")
    assert len(roster["data"]["members"]["edges"]) == 3
    everyone = worlds.post(own.headers[ADMIN], AUDIT)["data"]["readAudit"]["edges"]
    assert sum(e["node"]["roles"] == ["INSPECTOR"] for e in everyone[:3]) == 3
    for role in (OFFICER, INSPECTOR, PARTNER):
        assert worlds.post(own.headers[role], AUDIT)["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    theirs = worlds.post(worlds.other.headers[ADMIN], AUDIT, {"id": member})["data"]["readAudit"]
    assert theirs == {"totalCount": 0, "edges": []}


ISSUE = """mutation($label: String!) { issuePartnerKey(input: {label: $label}) {
  partnerKey { keyId prefix label issuedBy revokedAt } secret userErrors { code } } }"""
REVOKE = """mutation($key: String!) { revokePartnerKey(input: {keyId: $key}) {
  partnerKey { keyId revokedAt revokedBy } userErrors { code } } }"""


def test_a_partner_key_is_issued_used_listed_and_revoked_by_the_tenant_admin(worlds: Worlds) -> None:
    own = worlds.own
    issued = worlds.post(own.headers[ADMIN], ISSUE, {"label": "Dashboard 2026"})["data"]["issuePartnerKey"]
    key = issued["secret"]
    assert key.startswith(issued["partnerKey"]["prefix"] + "_") and issued["partnerKey"]["revokedAt"] is None
    viewer = worlds.post({"X-Api-Key": key}, "{ viewer { roles tenant { slug } } }")["data"]["viewer"]
    assert viewer == {"roles": ["PARTNER"], "tenant": {"slug": own.slug}}
    listed = worlds.post(own.headers[ADMIN], "{ partnerKeys { keyId label } }")["data"]["partnerKeys"]
    assert {"keyId": issued["partnerKey"]["keyId"], "label": "Dashboard 2026"} in listed
    assert key not in json.dumps(listed)
    revoked = worlds.post(own.headers[ADMIN], REVOKE, {"key": issued["partnerKey"]["keyId"]})
    assert revoked["data"]["revokePartnerKey"]["partnerKey"]["revokedBy"] == f"tenant_admin-None@{own.slug}"
    refused = worlds.post({"X-Api-Key": key}, "{ viewer { roles } }", status=401)
    assert refused == {"data": None, "errors": [{
        "message": "Authentication required: a valid bearer token or partner key for a tenant.",
        "extensions": {"code": "UNAUTHENTICATED"}}]}


def test_credentials_are_exactly_one_valid_token_or_key(worlds: Worlds) -> None:
    own = worlds.own
    both = {**own.headers[ADMIN], **own.headers[PARTNER]}
    key = own.headers[PARTNER]["X-Api-Key"]
    for headers in (both, {"X-Api-Key": key + "x"}, {"Authorization": f"Bearer {key}"},
                    {"Authorization": "ApiKey"}, {"X-Api-Key": ""}, {"Authorization": f"Basic {key}"}):
        body = worlds.post(headers, "{ viewer { roles } }", status=401)
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


# -- the matrix --------------------------------------------------------------------------------

Target = tuple[str, str]  # (GraphQL type, name of the object in a world)


@dataclass(frozen=True)
class Case:
    """One operation as the matrix sends it: who may, and what it names."""

    allowed: frozenset[str]
    document: str | None = None  # None: made from the schema (mutations)
    variables: dict[str, Any] = field(default_factory=dict)  # Target tuples become ids
    targeted: bool = True  # False: it names no object; the tenant comes from the credentials
    label: str = ""


def _member(name: str = "m1") -> Target:
    return ("Member", name)


def _org(name: str) -> Target:
    return ("Organization", name)


QUERIES: dict[str, list[Case]] = {
    "viewer": [Case(ALL, "{ viewer { subject roles tenant { slug name } organizationScope } }",
                    targeted=False)],
    "members": [Case(MEMBER_READERS, """query($cell: ID!) { members(filter: {organizationId: $cell})
        { totalCount edges { node { id fullName birthDate } } } }""", {"cell": _org("c1")})],
    "member": [Case(MEMBER_READERS, """query($id: ID!) { member(id: $id) { id fullName birthDate
        status history { totalCount } } }""", {"id": _member("mr")})],
    "organization": [
        Case(ALL, """query($id: ID!) { organization(id: $id) { id name kind } }""",
             {"id": _org("c1")}),
        # counts: officers of their own subtrees only, as for statistics; partners as published
        Case(ALL - {OTHER_OFFICER}, """query($id: ID!) { organization(id: $id) { id
            memberTally { count suppressed } } }""", {"id": _org("c1")}, label="memberTally"),
    ],
    "organizations": [Case(ALL, "query($p: ID) { organizations(parentId: $p) { id name } }",
                           {"p": _org("root")})],
    "workingDays": [Case(ALL, f'{{ workingDays(from: "{DAY}", days: 5) }}', targeted=False)],
    "isWorkingDay": [Case(ALL, f'{{ isWorkingDay(day: "{DAY}") }}', targeted=False)],
    "workingCalendar": [Case(ALL, "{ workingCalendar { tenantHolidays } }", targeted=False)],
    "memberTransfer": [Case(MEMBER_READERS, """query($id: ID!) { memberTransfer(memberId: $id)
        { state letterNumber } }""", {"id": _member("mr")})],
    "meetingFrame": [Case(ALL, '{ meetingFrame(month: "2024-01") { version } }', targeted=False)],
    "meetingFrames": [Case(ALL, "{ meetingFrames { version } }", targeted=False)],
    "node": [
        Case(MEMBER_READERS, """query($id: ID!) { node(id: $id) { id ... on Member { fullName
            birthDate } } }""", {"id": _member("mr")}, label="Member"),
        Case(ALL, """query($id: ID!) { node(id: $id) { id ... on Organization { name } } }""",
             {"id": _org("c1")}, label="Organization"),
    ],
    "partnerKeys": [Case(ADMINS, "{ partnerKeys(includeRevoked: true) { keyId prefix label } }",
                         targeted=False)],
    "partnerPolicy": [Case(ALL, "{ partnerPolicy { minimumCellSize } }", targeted=False)],
    # figures: officers of their own subtrees only; partners the published table, no flows
    "statistics": [
        Case(ALL - {OTHER_OFFICER}, """query($org: ID) { statistics(organizationId: $org) {
            memberCount(asOf: "2023-12-31") } }""", {"org": _org("c1")}),
        Case(ALL - {OTHER_OFFICER, PARTNER}, """query($org: ID) { statistics(organizationId: $org) {
            exits(start: "2020-01-01", end: "2024-12-31") { total } } }""", {"org": _org("c1")},
             label="flows"),
    ],
    "readAudit": [Case(ADMINS, """{ readAudit(first: 5) { totalCount edges { node { subject
        fields memberId } } } }""", targeted=False)],
}

# What each mutation may do and to whom (API.md): administrators the tree, grants and keys (and
# anything officers may); officers members' events in their subtree; inspectors discipline.
MUTATION_ROLES: dict[str, frozenset[str]] = {
    **dict.fromkeys(
        ["admitMember", "openCandidacy", "passCellResolution", "passGrassrootsResolution",
         "decideAdmission", "holdAdmissionCeremony", "recognizeOfficial", "issuePartyCard",
         "correctMemberRecord", "issueTransferLetter", "presentTransferLetter", "receiveTransfer",
         "attachTemporarily", "extendTemporaryAttachment", "returnFromAttachment",
         "introduceToResidence", "recordResidenceFeedback", "setResidenceExemption", "strikeOff",
         "approveWithdrawal", "recordDeath", "readmitMember", "restoreMembership", "grantExemption",
         "endExemption", "rateMember", "awardBadge", "returnBadge", "seatMember", "unseatMember",
         "recordQualification", "recordMeetingScore", "rateOrganization"], MEMBER_WRITERS),
    **dict.fromkeys(
        ["imposeDiscipline", "fileDisciplineAppeal", "resolveDisciplineAppeal", "lapseDiscipline",
         "suspendActivity", "extendSuspension", "endSuspension"], DISCIPLINE),
    # screening cases: officers in their subtree, inspectors and administrators anywhere
    **dict.fromkeys(["reviewInScreening", "concludeScreening"], MEMBER_READERS),
    **dict.fromkeys(
        ["addHoliday", "addMakeupDay", "withdrawHoliday", "foundOrganization",
         "renameOrganization", "moveOrganization", "mergeOrganizations",
         "consolidateOrganizations", "splitOrganization", "changeOrganizationKind",
         "dissolveOrganization", "reconcileCellRoster", "reconcileOrganizationChildren",
         "configureMeetingFrame", "issuePartnerKey", "revokePartnerKey", "setPartnerPolicy"], ADMINS),
}
UNTARGETED = frozenset({"addHoliday", "addMakeupDay", "withdrawHoliday", "configureMeetingFrame",
                        "issuePartnerKey", "setPartnerPolicy"})

# Inputs are made from the schema (required fields only); these give the values that matter.
ID_TARGETS: dict[str, Target] = {
    "memberId": _member(), "memberIds": _member(), "id": _member(), "cellId": _org("c1"),
    "toCellId": _org("c1b"), "residenceCellId": _org("c1b"), "organizationId": _org("c1"),
    "parentId": _org("g1"), "newParentId": _org("root"), "targetId": _org("s1"),
    "sourceIds": _org("s2"), "childIds": _org("c1"),
}
VALUES: dict[str, Any] = {
    "decision": DECISION, "year": 2024, "days": 30, "level": 30,
    "amendsVersion": 1, "disciplineRef": 1, "month": "2024-01", "appliesFrom": "2031-01",
    "vote": {"inFavour": 8, "against": 2, "eligible": 10, "present": 10},
    "seatRef": str(uuid.uuid4()), "minimumCellSize": 5, "label": "Matrix dashboard",
    "keyId": ("PartnerKey", "spare"),
}
OVERRIDES: dict[str, dict[str, Any]] = {
    "foundOrganization": {"kind": "SUBORDINATE_CELL", "parentId": _org("g1")},
    "renameOrganization": {"organizationId": _org("s1")},
    "moveOrganization": {"organizationId": _org("s1")},
    "splitOrganization": {"organizationId": _org("s1"), "kind": "GRASSROOTS_CELL"},
    "changeOrganizationKind": {"organizationId": _org("s1"), "kind": "GRASSROOTS_COMMITTEE"},
    "dissolveOrganization": {"organizationId": _org("s2")},
    "consolidateOrganizations": {"parentId": _org("root"), "kind": "GRASSROOTS_CELL",
                                 "sourceIds": [_org("s1"), _org("s2")]},
    "rateOrganization": {"grade": "COMPLETED"},
    "reconcileOrganizationChildren": {"organizationId": _org("g1")},
    "recordQualification": {"kind": "POLITICAL_THEORY", "level": "ELEMENTARY"},
}

SCHEMA = build_schema()._schema


def _sample(type_: Any, name: str, op: str) -> Any:
    """A value for an argument or input field: the op's or the name's, else a minimal one."""
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    chosen = OVERRIDES.get(op, {})
    if name in chosen or name in ID_TARGETS or name in VALUES:
        value = chosen.get(name, ID_TARGETS.get(name, VALUES.get(name)))
        return [value] if isinstance(inner, GraphQLList) and not isinstance(value, list) else value
    if isinstance(inner, GraphQLList):
        return [_sample(inner.of_type, name, op)]
    if isinstance(inner, GraphQLInputObjectType):
        return {f: _sample(t.type, f, op) for f, t in inner.fields.items()
                if (isinstance(t.type, GraphQLNonNull) and not _has_default(t)) or f in chosen}
    if isinstance(inner, GraphQLEnumType):
        return next(iter(inner.values))
    return {"Date": DAY, "Int": 1, "Float": 1.0, "Boolean": False, "String": "x"}[inner.name]


def _has_default(field_: Any) -> bool:
    return field_.default_value is not Undefined


def _selection(type_: Any, depth: int = 0) -> str:
    named = get_named_type(type_)
    if is_leaf_type(named):
        return ""
    assert isinstance(named, GraphQLObjectType)
    if depth > 0:
        return "{ id }" if "id" in named.fields else "{ __typename }"
    parts = []
    for name, f in named.fields.items():
        if name == "userErrors":
            parts.append("userErrors { field message code }")
        elif not f.args or all(not isinstance(a.type, GraphQLNonNull) for a in f.args.values()):
            parts.append(f"{name} {_selection(f.type, depth + 1)}".strip())
    return "{ " + " ".join(parts) + " }"


def _mutation_case(op: str) -> Case:
    field_ = SCHEMA.mutation_type.fields[op]
    (arg,) = field_.args.items()
    document = (f"mutation($input: {arg[1].type}) {{ {op}(input: $input) "
                f"{_selection(field_.type)} }}")
    return Case(MUTATION_ROLES[op], document, {"input": _sample(arg[1].type, "input", op)},
                targeted=op not in UNTARGETED)


MATRIX: dict[str, list[Case]] = {
    **{f"query.{op}": cases for op, cases in QUERIES.items()},
    **{f"mutation.{op}": [_mutation_case(op)] for op in MUTATION_ROLES
       if op in SCHEMA.mutation_type.fields},
}


def test_every_operation_of_the_schema_has_a_row_in_the_matrix() -> None:
    operations = {f"query.{q}" for q in SCHEMA.query_type.fields} | {
        f"mutation.{m}" for m in SCHEMA.mutation_type.fields}
    assert operations - set(MATRIX) == set(), "decide who may do it: add it to the matrix"
    assert set(MATRIX) - operations == set(), "the matrix names operations the schema lacks"
    assert set(MUTATION_ROLES) <= {m for m in SCHEMA.mutation_type.fields}


def _resolve(value: Any, world: World, ids: dict[str, str] | None = None) -> Any:
    """Target tuples → the world's ids (or, with ``ids``, the random stand-ins recorded there)."""
    if isinstance(value, tuple):
        kind, name = value
        real = world.spare_key if kind == "PartnerKey" else world.gid(kind, name)
        if ids is None:
            return real
        stand_in = uuid.uuid4().hex[:16] if kind == "PartnerKey" else str(relay.GlobalID(kind, str(uuid.uuid4())))
        return ids.setdefault(real, stand_in)
    if isinstance(value, list):
        return [_resolve(v, world, ids) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v, world, ids) for k, v in value.items()}
    return value


def _outcome(body: dict[str, Any], *, targeted: bool) -> str:
    """ALLOWED, FORBIDDEN, or HIDDEN (answered as for an object that does not exist)."""
    errors = body.get("errors") or []
    codes = {e["extensions"]["code"] for e in errors}
    if "FORBIDDEN" in codes:
        return "FORBIDDEN"
    # MemberNotFoundError of a query surfaces as BAD_USER_INPUT "no member … in this register"
    if "NOT_FOUND" in codes or any(e["message"].startswith(("no member ", "no organisation "))
                                   for e in errors):
        return "HIDDEN"
    assert not errors, body  # anything else: the matrix sent a wrong document
    (value,) = body["data"].values()
    if isinstance(value, dict) and {e["code"] for e in value.get("userErrors") or []} & HIDDEN_CODES:
        return "HIDDEN"
    if targeted and (value in (None, []) or isinstance(value, dict) and value.get("totalCount") == 0):
        return "HIDDEN"  # nothing of what was named: as for an id that names no one
    return "ALLOWED"


CASES = [pytest.param(op, case, id=f"{op}{'(' + case.label + ')' if case.label else ''}")
         for op, cases in MATRIX.items() for case in cases]


@pytest.mark.parametrize(("op", "case"), CASES)
def test_the_isolation_matrix(worlds: Worlds, op: str, case: Case) -> None:
    own, other = worlds.own, worlds.other
    assert case.document is not None
    variables = _resolve(case.variables, own)
    sent = json.dumps(variables, ensure_ascii=False)  # what the caller sent may be echoed
    sent += " ".join(_node_id(s) for s in own.secrets() if s in sent)
    for role in ROLES:  # own tenant; OTHER_OFFICER is the "other subtree" column
        before = (own.position(), other.position())
        body = worlds.post(own.headers[role], case.document, variables)
        got, answer = _outcome(body, targeted=case.targeted), json.dumps(body, ensure_ascii=False)
        expected = "ALLOWED" if role in case.allowed else "refused"
        assert (got == "ALLOWED") == (role in case.allowed), (op, role, expected, body)
        assert other.position() == before[1], (op, role, "wrote to the other tenant")
        if got != "ALLOWED":
            assert own.position() == before[0], (op, role, "a refused request wrote")
            leaked = [s for s in own.secrets() if s in answer and s not in sent]
            assert not leaked, (op, role, leaked, body)
        if role == PARTNER:
            assert not [n for m, n in own.names.items() if m.startswith("m") and n in answer], body
        if role == OTHER_OFFICER:
            assert not [own.names[m] for m in own.subtree_1 if own.names[m] in answer], body
    for role in ROLES:  # the other tenant's callers, sending this tenant's ids
        before = own.position()
        body = worlds.post(other.headers[role], case.document, variables)
        got, answer = _outcome(body, targeted=case.targeted), json.dumps(body, ensure_ascii=False)
        assert own.position() == before, (op, role, "the other tenant's caller wrote here")
        leaked = [s for s in own.secrets() if s in answer and s not in sent]
        assert not leaked, (op, role, leaked, body)
        if not case.targeted:  # acts in the caller's own tenant, as its role allows
            assert (got == "ALLOWED") == (role in case.allowed), (op, role, body)
            continue
        assert got != "ALLOWED", (op, role, "reached an object of another tenant", body)
        stand_ins: dict[str, str] = {}
        unknown = worlds.post(other.headers[role], case.document, _resolve(case.variables, own, stand_ins))
        for real, stand_in in stand_ins.items():
            answer = answer.replace(real, stand_in).replace(_node_id(real), _node_id(stand_in))
        assert answer == json.dumps(unknown, ensure_ascii=False), (op, role, "not as for an unknown id")


def _node_id(value: str) -> str:
    """The uuid inside a global id (messages echo it), or the value itself."""
    try:
        return relay.GlobalID.from_id(value).node_id
    except Exception:  # noqa: BLE001 (a partner key id is not a global id)
        return value

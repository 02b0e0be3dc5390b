"""The partner adversary: on a generated province full of small cells, send every query a partner
key may send (the published table is finite: member counts of the tenant and of each
organisation on each quarter's end, member ratings of each year, the tallies), collect every
number released, and try to recover each withheld count from them — by sums and differences
along every relation a reader knows, and by linear programming (``disclosure_audit``). No exact
count below the minimum cell size may come out. Then the attacks that worked before: other
status sets, other days, a parent less its shown children; and officers outside their subtrees.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from disclosure_audit import by_differences, disclosed
from strawberry import relay

from partyledger.domain.decision import Decision
from partyledger.domain.errors import DomainError
from partyledger.domain.organization import OrganizationKind
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.domain.rating_schemes import Grade
from partyledger.infra.tenants import TenantRuntime
from partyledger.projections.follower import catch_up_all
from partyledger.projections.published_figures import QUARTER_ENDS, latest_reference_date
from partyledger.services.access import Actor, Role

GraphQL = Callable[..., dict[str, Any]]
MINIMUM = 5  # the default minimum cell size (PARTYLEDGER_MINIMUM_CELL_SIZE)
FOUNDED = date(2010, 1, 1)
K = OrganizationKind
RATED_YEAR = 2022
GRADE_NAMES = [g.name for g in Grade]


@dataclass
class World:
    """A province: committees with cells of every size, and who is under whom."""

    root: uuid.UUID
    children: dict[uuid.UUID | None, list[uuid.UUID]] = field(default_factory=dict)

    @property
    def organizations(self) -> list[uuid.UUID]:
        return [o for kids in self.children.values() for o in kids]


COMMITTEES = {"x": [12, 9, 3], "y": [4, 1, 0], "z": [7, 6]}  # cells' sizes, by committee
GRASSROOTS_CELLS = [2, 15]


def build_world(tenant: TenantRuntime, admin: Actor) -> World:
    """P → three committees with cells of the sizes above, and two grassroots cells; members
    admitted 2019–2022, a quarter of each cell dying 2021–2025; the 2022 ratings."""
    register, rng = tenant.register, random.Random(20221231)
    world = World(root=uuid.uuid4())

    def found(name: str, kind: OrganizationKind, parent: uuid.UUID | None) -> uuid.UUID:
        made = register.found_organization(admin, name=name, kind=kind, parent_id=parent,
                                           effective_on=FOUNDED, decision=None).subject_id
        world.children.setdefault(parent, []).append(made)
        return made

    def populate(cell: uuid.UUID, size: int) -> None:
        members = []
        for k in range(size):
            admitted = date(2019, 1, 15) + timedelta(days=rng.randrange(0, 3 * 365))
            members.append((register.enroll_member(
                admin, full_name=f"Lò Văn Pằn {k}", birth_date=date(1985, 3, 3), cell_id=cell,
                admitted_on=admitted, ceremony_on=admitted,
                recognized_on=admitted + timedelta(days=400)).subject_id, admitted))
        for member, admitted in members[: size // 4]:
            died = admitted + timedelta(days=rng.randrange(420, 1500))
            if date(2022, 12, 1) <= died <= date(2022, 12, 31):  # rated, then gone by 31 Dec
                died += timedelta(days=40)
            register.record_death(admin, member_id=member, on=died)
        _rate(register, admin, [m for m, _ in members])

    with recorded_by(Provenance.system(admin.subject)):
        world.root = found("Đảng bộ tỉnh Lai Châu", K.PROVINCIAL_ORGANIZATION, None)
        for committee, sizes in COMMITTEES.items():
            parent = found(f"Đảng bộ xã Phong Thổ {committee}", K.GRASSROOTS_COMMITTEE, world.root)
            for i, size in enumerate(sizes):
                populate(found(f"Chi bộ bản Nậm {committee}{i}", K.SUBORDINATE_CELL, parent), size)
        for size in GRASSROOTS_CELLS:
            populate(found(f"Chi bộ Trường số {size}", K.GRASSROOTS_CELL, world.root), size)
    catch_up_all(register, tenant.views)
    return world


def _rate(register: Any, admin: Actor, members: list[uuid.UUID]) -> None:
    """GOOD for most; one COMPLETED, one NOT_COMPLETED, one EXCELLENT where the cap allows;
    no one who had died by the review."""
    grades = [Grade.GOOD] * len(members)
    for i, grade in zip((1, 2, 3), (Grade.COMPLETED, Grade.NOT_COMPLETED, Grade.EXCELLENT)):
        if i < len(grades) - 1:
            grades[-i] = grade
    review = date(RATED_YEAR, 12, 15)
    decision = Decision("9-QĐ/ĐU", review, "Ban Thường vụ Huyện ủy")
    for member, grade in zip(members, grades):
        for tried in (grade, Grade.GOOD):
            try:
                register.rate_member(admin, member_id=member, year=RATED_YEAR, grade=tried,
                                     effective_on=review, decision=decision)
                break
            except DomainError:  # the cap on EXCELLENT; or a member no longer there
                continue


@pytest.fixture
def world(tenant: TenantRuntime, admin: Actor) -> World:
    return build_world(tenant, admin)


def gid(value: uuid.UUID) -> str:
    return str(relay.GlobalID("Organization", str(value)))


def reference_dates() -> list[date]:
    latest = latest_reference_date(date.today())
    return [date(y, m, d) for y in range(FOUNDED.year, latest.year + 1)
            for m, d in QUARTER_ENDS if date(y, m, d) <= latest]


def counts_on(graphql: GraphQL, token: str, world: World, day: date) -> dict[Any, int | None]:
    """Member counts of the tenant (``None``) and of every organisation on ``day``."""
    targets: list[uuid.UUID | None] = [None, *world.organizations]
    aliases = " ".join(f'o{i}: statistics{_of(org)} {{ memberCount(asOf: "{day}") }}'
                       for i, org in enumerate(targets))
    body = graphql(f"{{ {aliases} }}", token)
    assert "errors" not in body, body
    return {org: body["data"][f"o{i}"]["memberCount"] for i, org in enumerate(targets)}


def _of(organization: uuid.UUID | None) -> str:
    return "" if organization is None else f'(organizationId: "{gid(organization)}")'


RATINGS = """query($year: Int!) { statistics { ratingDistribution(year: $year) {
  rated eligible grades { grade count shareOfRated shareOfEligible }
  atLeastGood { count shareOfRated shareOfEligible } } } }"""


def ratings_of(graphql: GraphQL, token: str, year: int) -> dict[Any, int | None]:
    found = graphql(RATINGS, token, {"year": year})["data"]["statistics"]["ratingDistribution"]
    cells = {("grade", g["grade"]): g["count"] for g in found["grades"]}
    for g in found["grades"]:  # a share beside a withheld count or denominator would tell it
        assert g["shareOfRated"] is None or None not in (g["count"], found["rated"]), found
    return {**cells, "rated": found["rated"], "atLeastGood": found["atLeastGood"]["count"]}


def relations_on(world: World, day: date) -> list[tuple[Any, list[Any]]]:
    """What every reader knows (partners read the tree itself): a parent is the sum of its
    children, the tenant of its top organisations; on 31 December, the tenant's members are the
    rated and the not rated, the rated the sum of the grades, and EXCELLENT and GOOD together
    are "at least GOOD"."""
    known: list[tuple[Any, list[Any]]] = [
        ((day, parent), [(day, c) for c in kids]) for parent, kids in world.children.items()]
    if (day.month, day.day) == (12, 31):
        known += [((day, None), [(day, "rated"), (day, "notRated")]),
                  ((day, "rated"), [(day, "atLeastGood"), (day, ("grade", "COMPLETED")),
                                    (day, ("grade", "NOT_COMPLETED"))]),
                  ((day, "atLeastGood"), [(day, ("grade", "EXCELLENT")),
                                          (day, ("grade", "GOOD"))])]
    return known


def test_no_query_a_partner_may_send_gives_away_a_count_below_the_minimum(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, world: World,
) -> None:
    partner, staff = token_for(tenant.tenant.slug, Role.PARTNER), token_for(tenant.tenant.slug)
    small = complements = 0
    for day in reference_dates():
        released = {(day, k): n for k, n in counts_on(graphql, partner, world, day).items()}
        truth = {(day, k): n for k, n in counts_on(graphql, staff, world, day).items()}
        if (day.month, day.day) == (12, 31):
            released |= {(day, k): n for k, n in ratings_of(graphql, partner, day.year).items()}
            exact = {(day, k): n for k, n in ratings_of(graphql, staff, day.year).items()}
            truth |= {**{(day, ("grade", g)): 0 for g in GRADE_NAMES}, **exact}
            truth[(day, "notRated")] = truth[(day, None)] - truth[(day, "rated")]
            assert truth[(day, "notRated")] >= 0  # so the adversary may assume it, too
        shown = {cell for cell, n in released.items() if n is not None}
        assert {c: released[c] for c in shown} == {c: truth[c] for c in shown}  # exact, or none
        relations = relations_on(world, day)
        assert by_differences({c: truth[c] for c in shown}, relations).keys() <= {
            c for c in truth if truth[c] >= MINIMUM}, day
        assert disclosed(truth, shown, relations, MINIMUM) == {}, day
        small += sum(1 for n in truth.values() if 0 < n < MINIMUM)
        complements += sum(1 for c, n in truth.items() if n >= MINIMUM and c not in shown)
    assert small > 20 and complements > 10  # the adversary had something to work on
    tallies = graphql("""{ organizations { memberTally { count suppressed asOf }
        children { memberTally { count asOf } } } }""", partner)["data"]["organizations"][0]
    latest = latest_reference_date(date.today())
    assert tallies["memberTally"]["asOf"] == str(latest)
    published = counts_on(graphql, partner, world, latest)
    assert [c["memberTally"]["count"] for c in tallies["children"]] == [
        published[o] for o in _by_name(graphql, staff, world.root)]


def _by_name(graphql: GraphQL, token: str, parent: uuid.UUID) -> list[uuid.UUID]:
    """The children of ``parent`` in the order the tree lists them (by name)."""
    found = graphql("query($id: ID!) { organization(id: $id) { children { id } } }", token,
                    {"id": gid(parent)})["data"]["organization"]["children"]
    return [uuid.UUID(relay.GlobalID.from_id(c["id"]).node_id) for c in found]


COUNT = """query($org: ID, $day: Date!, $status: [MemberStatus!], $knownAt: DateTime) {
  statistics(organizationId: $org, knownAt: $knownAt) {
    memberCount(asOf: $day, status: $status) } }"""


def test_the_differencing_attacks_of_before_are_refused_or_find_nothing(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, world: World,
) -> None:
    partner = token_for(tenant.tenant.slug, Role.PARTNER)

    def refused(variables: dict[str, Any]) -> str:
        body = graphql(COUNT, partner, variables)
        (error,) = body["errors"]
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "reason": "NOT_PUBLISHED"}, body
        return str(error["message"])

    # 1. a status set less the default one: only the default set is published
    everyone = ["OFFICIAL", "PROBATIONARY", "DECEASED"]
    assert refused({"day": "2022-12-31", "status": everyone}).startswith("status: not published")
    same = graphql(COUNT, partner, {"day": "2022-12-31", "status": ["OFFICIAL", "PROBATIONARY"]})
    assert same["data"] == graphql(COUNT, partner, {"day": "2022-12-31"})["data"]
    # 2. two adjacent days, or one day as recorded at two moments: quarter ends, as recorded now
    assert graphql(COUNT, partner, {"day": "2022-06-30"})["data"]["statistics"]["memberCount"]
    assert "quarter ends" in refused({"day": "2022-07-01"})
    assert "quarter ends" in refused({"day": str(date.today())})
    assert refused({"day": "2022-06-30", "knownAt": "2024-01-01T00:00:00+07:00"}).startswith(
        "knownAt")
    # 3. a parent less its shown children: committee x holds cells of 12, 9 and 3
    x = world.children[world.root][0]
    day = date(2023, 12, 31)
    staff = counts_on(graphql, token_for(tenant.tenant.slug), world, day)
    shown = counts_on(graphql, partner, world, day)
    cells = world.children[x]
    assert staff[cells[2]] < MINIMUM <= min(staff[cells[0]], staff[cells[1]])
    assert staff[x] - staff[cells[0]] - staff[cells[1]] == staff[cells[2]]  # the old attack
    assert shown[x] is not None and shown[cells[2]] is None
    assert sum(shown[c] is None for c in cells) >= 2  # so the difference is of two or more
    assert sum(staff[c] for c in cells if shown[c] is None) >= MINIMUM


def test_flows_are_not_read_by_partner_keys_and_ratings_only_for_the_whole_tenant(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, world: World,
) -> None:
    partner = token_for(tenant.tenant.slug, Role.PARTNER)
    for figure in ('admissions(start: "2022-01-01", end: "2022-12-31") { count }',
                   'exits(start: "2022-01-01", end: "2022-12-31") { total }',
                   'screenings(start: "2022-01-01", end: "2022-12-31") { reviewed }'):
        body = graphql(f"{{ statistics {{ {figure} }} }}", partner)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", figure
    by_org = graphql("query($org: ID) { statistics(organizationId: $org) { ratingDistribution("
                     "year: 2022) { rated } } }", partner, {"org": gid(world.root)})
    assert by_org["errors"][0]["extensions"]["reason"] == "NOT_PUBLISHED"
    cells = graphql("{ statistics { ratingDistribution(year: 2022, subject: CELL) { rated } } }",
                    partner)
    assert cells["errors"][0]["extensions"]["reason"] == "NOT_PUBLISHED"
    kinds = graphql('{ statistics { organizationCounts(asOf: "2022-12-31") { total } } }', partner)
    assert kinds["data"]["statistics"]["organizationCounts"]["total"] == len(world.organizations)


TALLY = """query($id: ID!) { organization(id: $id) { memberCount memberTally { count asOf } } }"""
STATISTICS = """query($id: ID!) { statistics(organizationId: $id) {
  memberCount(asOf: "2022-12-31") } }"""


def test_an_officer_reads_member_counts_of_their_subtrees_only_as_for_statistics(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, world: World,
) -> None:
    x, y = world.children[world.root][:2]
    officer = token_for(tenant.tenant.slug, Role.OFFICER, scope=[str(x)])
    admin = token_for(tenant.tenant.slug)
    for own in (x, world.children[x][2]):
        mine = graphql(TALLY, officer, {"id": gid(own)})["data"]["organization"]
        exact = graphql(TALLY, admin, {"id": gid(own)})["data"]["organization"]
        assert mine == exact and mine["memberTally"]["asOf"] == str(date.today())
        assert mine["memberCount"] == mine["memberTally"]["count"] > 0
    for other in (y, world.children[y][1], world.root):
        for document in (TALLY, STATISTICS, "query($id: ID!) { organization(id: $id) { memberTally"
                         " { count } } }"):
            body = graphql(document, officer, {"id": gid(other)})
            assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", (document, body)
            assert "memberCount" not in str(body.get("data"))


def test_a_partner_of_a_tenant_without_organisations_reads_only_withheld_cells(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime,
) -> None:
    partner = token_for(tenant.tenant.slug, Role.PARTNER)
    body = graphql(COUNT, partner, {"day": "2022-12-31"})
    assert "errors" not in body and body["data"] == {"statistics": {"memberCount": None}}
    ratings = graphql(RATINGS, partner, {"year": 2022})["data"]["statistics"]["ratingDistribution"]
    assert (ratings["rated"], ratings["eligible"]) == (None, None)

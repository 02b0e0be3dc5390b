"""Query counts: a page costs the same number of SQL statements whatever its size (no N+1).

Statements are counted by wrapping psycopg's ``Cursor.execute``/``executemany`` for the length of
one request: every statement the request sends to the real database, on any thread but the
projector's (which follows the log on its own schedule).
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg
import pytest
from strawberry import relay

from partyledger.domain.organization import OrganizationKind as K
from partyledger.domain.org_committee import Position, SeatBasis
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.infra.tenants import TenantRuntime
from partyledger.services.access import Actor, Role

GraphQL = Callable[..., dict[str, Any]]
Measure = Callable[[Callable[[], Any]], tuple[Any, "Statements"]]
POOL_SETUP = "SET idle_in_transaction_session_timeout"
"""What the pool sends on a connection it has just opened: the pool's, not the request's."""

ROSTER = """
query Roster($org: ID!, $wait: String) {
  members(filter: { organizationId: $org }, first: 50, waitForPosition: $wait) {
    totalCount
    edges { node {
      fullName
      organization { name parent { name } }
      partyAge { years } badgesDue { level } transfer { state }
      disciplines { ref } qualifications { level }
    } }
  }
}"""
TREE = """
query Tree($parent: ID!, $wait: String) {
  organizations(parentId: $parent, waitForPosition: $wait) {
    name memberCount
    children { name }
    seats(asOf: "2021-01-01") { position holder { fullName partyAge { years } } }
    ratings { year }
    meetingScores(year: 2024) { month }
  }
}"""
HISTORY = """
query History($id: ID!, $after: String, $wait: String) {
  member(id: $id, waitForPosition: $wait) {
    history(first: 10, after: $after) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { version } }
    }
  }
}"""


def gid(kind: str, value: uuid.UUID) -> str:
    return str(relay.GlobalID(kind, str(value)))


@dataclass
class Statements:
    """What the requests sent to PostgreSQL while counting."""

    sent: list[str]

    def __len__(self) -> int:
        return len(self.sent)

    def __repr__(self) -> str:  # which statements, how often: what a failure needs to show
        counts = Counter(s[:160] for s in self.sent)
        return "\n".join(f"{n:4} {s}" for s, n in counts.most_common())


@pytest.fixture
def count_statements(monkeypatch: pytest.MonkeyPatch) -> Measure:
    counted: list[str] = []
    counting = threading.Event()

    def wrap(name: str) -> None:
        original = getattr(psycopg.Cursor, name)

        def counted_call(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
            text = query if isinstance(query, str) else repr(query)
            if (counting.is_set() and not threading.current_thread().name.startswith("projector")
                    and not text.startswith(POOL_SETUP)):
                counted.append(text)
            return original(self, query, *args, **kwargs)

        monkeypatch.setattr(psycopg.Cursor, name, counted_call)

    wrap("execute")
    wrap("executemany")

    def measure(request: Callable[[], Any]) -> tuple[Any, Statements]:
        counted.clear()
        counting.set()
        try:
            answer = request()
        finally:
            counting.clear()
        return answer, Statements(list(counted))

    return measure


@dataclass
class Branch:
    committee: uuid.UUID
    cells: list[uuid.UUID]
    members: list[uuid.UUID]


@dataclass
class World:
    province: uuid.UUID
    small: Branch
    large: Branch
    position: int


def _branch(tenant: TenantRuntime, admin: Actor, province: uuid.UUID, name: str,
            cells: int, members: int) -> tuple[Branch, int]:
    register = tenant.register

    def found(title: str, kind: K, parent: uuid.UUID) -> uuid.UUID:
        return register.found_organization(admin, name=title, kind=kind, parent_id=parent,
                                           effective_on=date(2015, 1, 1), decision=None).subject_id

    committee = found(name, K.GRASSROOTS_COMMITTEE, province)
    cell_ids = [found(f"{name} chi bộ {i}", K.SUBORDINATE_CELL, committee) for i in range(cells)]
    member_ids, position = [], 0
    for i in range(members):
        outcome = register.enroll_member(
            admin, full_name=f"Lê Văn {name} {i:02d}", birth_date=date(1970, 5, 1),
            cell_id=cell_ids[i % cells], admitted_on=date(1990 + i % 20, 3, 2),
            ceremony_on=date(1990 + i % 20, 3, 20), recognized_on=date(1991 + i % 20, 4, 1))
        member_ids.append(outcome.subject_id)
        position = max(position, outcome.position)
    for i, cell in enumerate(cell_ids):
        outcome = register.seat_member(
            admin, organization_id=cell, member_id=member_ids[i], position=Position.SECRETARY,
            basis=SeatBasis.ELECTED, term_start=date(2020, 9, 1), term_end=date(2023, 2, 28),
            effective_on=date(2020, 9, 1))
        position = max(position, outcome.position)
    return Branch(committee, cell_ids, member_ids), position


@pytest.fixture
def world(tenant: TenantRuntime, admin: Actor) -> World:
    """A province with a small branch (2 cells, 5 members) and a large one (8 cells, 40)."""
    with recorded_by(Provenance.system(admin.subject)):
        province = tenant.register.found_organization(
            admin, name="Đảng bộ tỉnh", kind=K.PROVINCIAL_ORGANIZATION, parent_id=None,
            effective_on=date(2015, 1, 1), decision=None).subject_id
        small, at_small = _branch(tenant, admin, province, "Nhỏ", cells=2, members=5)
        large, at_large = _branch(tenant, admin, province, "Lớn", cells=8, members=40)
    return World(province, small, large, max(at_small, at_large))


@pytest.fixture(params=["admin", "officer"])
def reader(request: pytest.FixtureRequest, token_for: Callable[..., str], tenant: TenantRuntime,
           world: World) -> str:
    """A tenant administrator, and an officer whose scope is the province (reads audited)."""
    if request.param == "admin":
        return token_for(tenant.tenant.slug)
    return token_for(tenant.tenant.slug, Role.OFFICER, scope=[world.province])


def test_a_roster_page_costs_the_same_statements_for_5_members_as_for_40(
    graphql: GraphQL, reader: str, world: World,
    count_statements: Measure,
) -> None:
    def page(branch: Branch) -> tuple[Any, Statements]:
        return count_statements(lambda: graphql(ROSTER, reader, {
            "org": gid("Organization", branch.committee)}))

    graphql(ROSTER, reader, {"org": gid("Organization", world.small.committee),
                             "wait": str(world.position)})  # warm: pools, type adapters
    small, small_sent = page(world.small)
    large, large_sent = page(world.large)
    assert "errors" not in small and "errors" not in large, (small, large)
    assert len(small["data"]["members"]["edges"]) == 5
    assert len(large["data"]["members"]["edges"]) == 40
    node = large["data"]["members"]["edges"][0]["node"]
    assert node["organization"]["parent"]["name"] == "Lớn" and node["partyAge"]["years"] > 0
    assert len(small_sent) == len(large_sent), f"{small_sent!r}\n----\n{large_sent!r}"


def test_an_organisation_list_costs_the_same_statements_for_2_cells_as_for_8(
    graphql: GraphQL, reader: str, world: World,
    count_statements: Measure,
) -> None:
    def tree(branch: Branch) -> tuple[Any, Statements]:
        return count_statements(lambda: graphql(TREE, reader, {
            "parent": gid("Organization", branch.committee)}))

    graphql(TREE, reader, {"parent": gid("Organization", world.small.committee),
                           "wait": str(world.position)})
    small, small_sent = tree(world.small)
    large, large_sent = tree(world.large)
    assert "errors" not in small and "errors" not in large, (small, large)
    assert len(large["data"]["organizations"]) == 8
    seats = [s for o in large["data"]["organizations"] for s in o["seats"]]
    assert len(seats) == 8 and all(s["holder"]["fullName"].startswith("Lê Văn") for s in seats)
    assert {o["memberCount"] for o in large["data"]["organizations"]} == {5}
    assert len(small_sent) == len(large_sent), f"{small_sent!r}\n----\n{large_sent!r}"


@pytest.fixture
def long_history(tenant: TenantRuntime, admin: Actor, world: World) -> uuid.UUID:
    """The large branch's first member, with corrections after its enrolment and seat: 30 events."""
    member = world.large.members[0]
    with recorded_by(Provenance.system(admin.subject)):
        for i in range(30 - tenant.register.member(member).version):
            tenant.register.correct_record(
                admin, member_id=member, amends_version=1, full_name=f"Lê Văn Lớn {i:02d}",
                birth_date=None, reason="Sai chính tả", effective_on=date(2021, 1, 1))
    return member


def test_a_history_page_reads_one_page_of_events_not_the_whole_stream(
    graphql: GraphQL, reader: str, world: World, long_history: uuid.UUID,
    count_statements: Measure, tenant: TenantRuntime,
) -> None:
    short = world.large.members[1]  # enrolled and seated: 2 events
    head = tenant.register.recorder.max_notification_id()  # the long history's events included
    graphql(HISTORY, reader, {"id": gid("Member", short), "wait": str(head)})
    _, short_sent = count_statements(lambda: graphql(HISTORY, reader, {"id": gid("Member", short)}))
    first, long_sent = count_statements(
        lambda: graphql(HISTORY, reader, {"id": gid("Member", long_history)}))
    assert "errors" not in first, first
    history = first["data"]["member"]["history"]
    assert history["totalCount"] == 30
    assert [e["node"]["version"] for e in history["edges"]] == list(range(1, 11))
    assert history["pageInfo"]["hasNextPage"] and not history["pageInfo"]["hasPreviousPage"]
    assert history["pageInfo"]["endCursor"] == history["edges"][-1]["cursor"]
    assert len(short_sent) == len(long_sent), f"{short_sent!r}\n----\n{long_sent!r}"
    assert any("LIMIT" in s for s in long_sent.sent), long_sent.sent

    after = history["pageInfo"]["endCursor"]
    second, _ = count_statements(
        lambda: graphql(HISTORY, reader, {"id": gid("Member", long_history), "after": after}))
    page = second["data"]["member"]["history"]
    assert [e["node"]["version"] for e in page["edges"]] == list(range(11, 21))
    last = graphql(HISTORY, reader, {"id": gid("Member", long_history),
                                     "after": page["pageInfo"]["endCursor"]})
    page = last["data"]["member"]["history"]
    assert [e["node"]["version"] for e in page["edges"]] == list(range(21, 31))
    assert not page["pageInfo"]["hasNextPage"] and page["totalCount"] == 30


@pytest.mark.parametrize("cursor", ["not-a-cursor", "WyJ4Il0=", "WyItMSJd", "WzEsIDJd", "bnVsbA=="])
def test_a_bad_history_cursor_is_bad_user_input(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, world: World,
    cursor: str,
) -> None:
    answer = graphql(HISTORY, token_for(tenant.tenant.slug),
                     {"id": gid("Member", world.small.members[0]), "after": cursor,
                      "wait": str(world.position)})
    assert [e["extensions"]["code"] for e in answer.get("errors", [])] == ["BAD_USER_INPUT"], answer


SEATS = """
query Seats($parent: ID!) {
  organizations(parentId: $parent) { name seats(asOf: "2021-01-01") { holder { fullName } } }
}"""
NAMES = """
query Names($parent: ID!) { organizations(parentId: $parent) { name } }
"""
READ_AUDIT = """
query Audit { readAudit(first: 100) { edges { node { memberId fields } } } }
"""


def test_a_batched_list_still_checks_each_item_against_the_readers_scope(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, world: World,
) -> None:
    officer = token_for(tenant.tenant.slug, Role.OFFICER, scope=[world.small.committee])
    graphql(ROSTER, officer, {"org": gid("Organization", world.small.committee),
                              "wait": str(world.position)})
    answer = graphql(SEATS, officer, {"parent": gid("Organization", world.province)})
    names = graphql(NAMES, officer, {"parent": gid("Organization", world.province)})
    large = [o["name"] for o in names["data"]["organizations"]].index("Lớn")
    assert [(e["extensions"]["code"], e["path"]) for e in answer["errors"]] == [
        ("FORBIDDEN", ["organizations", large, "seats"])], answer  # only the large branch's
    cells = graphql(SEATS, officer, {"parent": gid("Organization", world.small.committee)})
    holders = [s["holder"]["fullName"] for o in cells["data"]["organizations"] for s in o["seats"]]
    assert "errors" not in cells and len(holders) == 2


def test_every_member_of_a_batched_page_is_in_the_read_audit(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime, world: World,
) -> None:
    officer = token_for(tenant.tenant.slug, Role.OFFICER, scope=[world.province])
    page = graphql(ROSTER, officer, {"org": gid("Organization", world.large.committee),
                                     "wait": str(world.position)})
    assert len(page["data"]["members"]["edges"]) == 40
    audit = graphql(READ_AUDIT, token_for(tenant.tenant.slug))["data"]["readAudit"]["edges"]
    read = {e["node"]["memberId"]: set(e["node"]["fields"]) for e in audit}
    assert set(read) == {gid("Member", m) for m in world.large.members}
    assert all({"partyAge", "transfer", "disciplines"} <= fields for fields in read.values())

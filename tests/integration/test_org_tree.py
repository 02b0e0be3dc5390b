"""The organisation tree as of any date: versions on valid and transaction time, counts under a
parent explained by their flows, and the invariants of reorganisation (DOMAIN.md §2.13.5)."""

from __future__ import annotations

import itertools
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from psycopg import sql

from partyledger.domain.decision import Decision
from partyledger.domain.errors import ParentKindNotAllowedError
from partyledger.domain.org_reorganisation import Merger, Successor
from partyledger.domain.organization import GrassrootsOrgType, Organization, OrganizationKind as K
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.projections.follower import catch_up
from partyledger.projections.org_tree import ORG_TREE_TABLES, OrgTreeView
from partyledger.projections.org_tree_queries import OrgFlows, OrgTreeQueries
from partyledger.services.access import Actor, Role
from support import enroll_officials, event_count, new_slug

CONSENT = Decision("12-CV/ĐU", date(2016, 1, 1), "Ban Thường vụ")
BASE = date(2016, 1, 1)


@pytest.fixture(autouse=True)
def provenance() -> Iterator[Provenance]:
    with recorded_by(Provenance.system("tester")) as p:
        yield p


@pytest.fixture
def view(tenant: TenantRuntime) -> OrgTreeView:
    tree_view = OrgTreeView(tenant.register.factory.datastore)  # type: ignore[attr-defined]
    tree_view.create_table()
    return tree_view


@pytest.fixture
def tree(tenant: TenantRuntime, view: OrgTreeView) -> OrgTreeQueries:
    return OrgTreeQueries(tenant.register.factory.datastore)  # type: ignore[attr-defined]


class Reorganiser:
    """Reorganisations through the register's commands, as a tenant administrator; and, for
    corrections the commands refuse, events recorded straight on the aggregate."""

    def __init__(self, tenant: TenantRuntime, view: OrgTreeView) -> None:
        self.register, self.view = tenant.register, view
        self.admin = Actor("admin@" + tenant.tenant.slug, tenant.tenant.slug,
                           frozenset({Role.TENANT_ADMIN}))

    def get(self, org_id: uuid.UUID) -> Organization:
        org: Organization = self.register.repository.get(org_id)
        return org

    def project(self) -> int:
        return catch_up(self.register, self.view)

    def found(self, name: str, kind: K, parent: uuid.UUID | None, on: date,
              sector: GrassrootsOrgType | None = None) -> uuid.UUID:
        if sector is None:
            return self.register.found_organization(
                self.admin, name=name, kind=kind, parent_id=parent, effective_on=on,
                decision=None).subject_id
        org = Organization.found(name=name, kind=kind, parent=self.get(parent) if parent else None,
                                 effective_on=on, decision=None, sector=sector)
        self.register.save(org)
        return org.id

    def rename(self, org_id: uuid.UUID, name: str, on: date) -> None:
        self.register.rename_organization(self.admin, organization_id=org_id, name=name,
                                          effective_on=on)

    def move(self, org_id: uuid.UUID, parent_id: uuid.UUID, on: date) -> None:
        self.register.move_organization(self.admin, organization_id=org_id,
                                        new_parent_id=parent_id, effective_on=on)

    def change_kind(self, org_id: uuid.UUID, kind: K, on: date) -> None:
        self.register.change_organization_kind(self.admin, organization_id=org_id, kind=kind,
                                               effective_on=on, consent=CONSENT)

    def merge(self, sources: list[uuid.UUID], target_id: uuid.UUID, on: date) -> None:
        self.register.merge_organizations(
            self.admin, mergers=[Merger(tuple(sources), target_id)], effective_on=on)

    def consolidate(self, sources: list[uuid.UUID], name: str, on: date) -> uuid.UUID:
        first = self.get(sources[0])
        return self.register.consolidate_organizations(
            self.admin, source_ids=sources, name=name, kind=first.kind,
            parent_id=first.parent_id, effective_on=on).subject_id

    def split(self, org_id: uuid.UUID, names: list[str], on: date, *, continues: bool) -> list[uuid.UUID]:
        kind = self.get(org_id).kind
        self.register.split_organization(
            self.admin, organization_id=org_id, successors=[Successor(n, kind) for n in names],
            allocation=(), effective_on=on, continues=continues)
        split = [e for e in self.register.events.get(org_id) if isinstance(e, Organization.SplitInto)]
        return list(split[-1].successor_ids)

    def dissolve(self, org_id: uuid.UUID, on: date) -> None:
        self.register.dissolve_organization(self.admin, organization_id=org_id, effective_on=on)

    def back_dated(self, org_id: uuid.UUID, event: Any, **fields: Any) -> None:
        """An event effective before changes already recorded for the same organisation (a
        correction recorded late), which the commands refuse; the tree must still follow it."""
        org = self.get(org_id)
        org.trigger_event(event, decision=None, **fields)  # type: ignore[attr-defined]
        self.register.save(org)


@pytest.fixture
def reorganiser(tenant: TenantRuntime, view: OrgTreeView) -> Reorganiser:
    return Reorganiser(tenant, view)


def names(rows: list[Any]) -> list[str]:
    return [r.name for r in rows]


def test_the_tree_as_of_a_date_shows_what_stood_then(
    reorganiser: Reorganiser, tree: OrgTreeQueries,
) -> None:
    r = reorganiser
    province = r.found("Đảng bộ tỉnh Hòa Bình", K.PROVINCIAL_ORGANIZATION, None, date(2010, 1, 1))
    district = r.found("Đảng bộ huyện Lạc Sơn", K.DISTRICT_COMMITTEE, province, date(2010, 1, 1))
    cell = r.found("Chi bộ xóm Bưng", K.GRASSROOTS_CELL, district, date(2012, 3, 1),
                   sector=GrassrootsOrgType.COMMUNE_WARD)
    r.rename(cell, "Chi bộ xóm Bưng Mới", date(2018, 6, 1))
    r.project()
    assert tree.children(district, date(2011, 1, 1)) == []
    (old,) = tree.children(district, date(2018, 5, 31))
    assert (old.name, old.kind, old.sector, old.valid_from, old.valid_to) == (
        "Chi bộ xóm Bưng", "GRASSROOTS_CELL", "COMMUNE_WARD", date(2012, 3, 1), date(2018, 6, 1))
    assert names(tree.children(district, date(2018, 6, 1))) == ["Chi bộ xóm Bưng Mới"]
    assert tree.organization(cell, date(2012, 2, 29)) is None
    assert tree.organization(cell, date(2030, 1, 1)).founded_on == date(2012, 3, 1)  # type: ignore[union-attr]
    assert names(tree.children(None, date(2020, 1, 1))) == ["Đảng bộ tỉnh Hòa Bình"]
    assert tree.count_under(province, date(2020, 1, 1), kind=K.DISTRICT_COMMITTEE) == 1


def test_a_district_committee_is_founded_in_2015_and_refused_in_2026_with_nothing_written(
    tenant: TenantRuntime, admin: Actor,
) -> None:
    province = tenant.register.found_organization(
        admin, name="Đảng bộ tỉnh", kind=K.PROVINCIAL_ORGANIZATION, parent_id=None,
        effective_on=date(2010, 1, 1), decision=None).subject_id
    tenant.register.found_organization(
        admin, name="Đảng bộ huyện Kim Bôi", kind=K.DISTRICT_COMMITTEE, parent_id=province,
        effective_on=date(2015, 1, 1), decision=None)
    before = event_count(tenant)
    with pytest.raises(ParentKindNotAllowedError) as refused:
        tenant.register.found_organization(
            admin, name="Đảng bộ huyện Cao Phong", kind=K.DISTRICT_COMMITTEE, parent_id=province,
            effective_on=date(2026, 1, 1), decision=None)
    assert refused.value.code == "PARENT_KIND_NOT_ALLOWED"
    assert event_count(tenant) == before


def test_a_back_dated_move_reshapes_later_versions_and_leaves_earlier_knowledge_alone(
    reorganiser: Reorganiser, tree: OrgTreeQueries,
) -> None:
    r = reorganiser
    province = r.found("Đảng bộ tỉnh", K.PROVINCIAL_ORGANIZATION, None, date(2010, 1, 1))
    west = r.found("Đảng bộ huyện Tây", K.DISTRICT_COMMITTEE, province, date(2010, 1, 1))
    east = r.found("Đảng bộ huyện Đông", K.DISTRICT_COMMITTEE, province, date(2010, 1, 1))
    cell = r.found("Chi bộ Thôn 3", K.GRASSROOTS_CELL, west, date(2010, 1, 1))
    r.rename(cell, "Chi bộ Thôn 3 mới", date(2020, 1, 1))
    r.project()
    known_before = datetime.now(timezone.utc)
    r.back_dated(cell, Organization.MovedUnder, from_parent_id=west, to_parent_id=east,
                 effective_on=date(2015, 1, 1))
    r.project()
    assert names(tree.children(west, date(2014, 12, 31))) == ["Chi bộ Thôn 3"]
    assert names(tree.children(east, date(2015, 1, 1))) == ["Chi bộ Thôn 3"]
    assert names(tree.children(east, date(2021, 1, 1))) == ["Chi bộ Thôn 3 mới"]
    assert tree.children(west, date(2021, 1, 1)) == []
    assert names(tree.children(west, date(2021, 1, 1), known_at=known_before)) == ["Chi bộ Thôn 3 mới"]
    assert tree.children(east, date(2016, 1, 1), known_at=known_before) == []
    flows = tree.flows(west, date(2014, 1, 1), date(2021, 1, 1))
    assert (flows.start_count, flows.handed_over, flows.end_count) == (1, 1, 0)


def test_a_back_dated_rename_before_a_later_one_keeps_the_later_name_from_its_date(
    reorganiser: Reorganiser, tree: OrgTreeQueries,
) -> None:
    r = reorganiser
    province = r.found("Đảng bộ tỉnh", K.PROVINCIAL_ORGANIZATION, None, date(2010, 1, 1))
    cell = r.found("Chi bộ A", K.GRASSROOTS_CELL, province, date(2010, 1, 1))
    r.rename(cell, "Chi bộ C", date(2020, 1, 1))
    r.back_dated(cell, Organization.Renamed, name="Chi bộ B", effective_on=date(2015, 1, 1))
    r.back_dated(cell, Organization.Dissolved, effective_on=date(2012, 1, 1))
    r.project()
    answers = [tree.organization(cell, day) for day in (date(2011, 1, 1), date(2013, 1, 1))]
    assert [a.name if a else None for a in answers] == ["Chi bộ A", None]
    flows = tree.flows(province, date(2011, 1, 1), date(2030, 1, 1))
    assert (flows.dissolved, flows.merged, flows.end_count) == (1, 0, 0)


def test_the_counts_of_a_district_are_explained_by_its_flows(
    reorganiser: Reorganiser, tree: OrgTreeQueries,
) -> None:
    """Scenario after S3: cells received from the city and handed over, merged, founded,
    dissolved and upgraded between two year ends."""
    r = reorganiser
    province = r.found("Đảng bộ thành phố", K.PROVINCIAL_ORGANIZATION, None, date(2010, 1, 1))
    city_bloc = r.found("Đảng bộ khối doanh nghiệp", K.BLOC_COMMITTEE, province, date(2010, 1, 1))
    district = r.found("Đảng bộ quận Hai Bà Trưng", K.DISTRICT_COMMITTEE, province, date(2010, 1, 1))
    cells = [r.found(f"Chi bộ cơ sở {i}", K.GRASSROOTS_CELL, district, date(2012, 1, 1)) for i in range(8)]
    incoming = [r.found(f"Chi bộ công ty {i}", K.GRASSROOTS_CELL, city_bloc, date(2012, 1, 1)) for i in range(2)]
    for cell in incoming:
        r.move(cell, district, date(2016, 3, 1))
    r.move(cells[0], city_bloc, date(2017, 5, 1))
    r.merge(cells[1:3], cells[3], date(2018, 1, 1))
    r.consolidate(cells[4:6], "Chi bộ liên cơ quan", date(2018, 2, 1))
    r.found("Chi bộ trường học", K.GRASSROOTS_CELL, district, date(2019, 1, 1))
    r.dissolve(cells[6], date(2019, 6, 1))
    r.change_kind(cells[7], K.GRASSROOTS_COMMITTEE, date(2019, 9, 1))
    r.project()
    start, end = date(2015, 12, 31), date(2020, 12, 31)
    every = tree.flows(district, start, end)
    assert every == OrgFlows(start_count=8, received=2, handed_over=1, founded=2, merged=4,
                             dissolved=1, kind_changed_in=0, kind_changed_out=0, end_count=6)
    assert every.explained and every.end_count == tree.count_under(district, end)
    cells_only = tree.flows(district, start, end, kind=K.GRASSROOTS_CELL)
    assert (cells_only.kind_changed_out, cells_only.end_count) == (1, 5) and cells_only.explained
    committees = tree.flows(district, start, end, kind=K.GRASSROOTS_COMMITTEE)
    assert (committees.start_count, committees.kind_changed_in, committees.end_count) == (0, 1, 1)
    received = tree.flows(city_bloc, start, end)
    assert (received.start_count, received.handed_over, received.received, received.end_count) == (2, 2, 1, 1)


def test_a_merged_organisation_is_gone_from_the_merge_date_and_there_before(
    reorganiser: Reorganiser, tree: OrgTreeQueries,
) -> None:
    r = reorganiser
    province = r.found("Đảng bộ tỉnh", K.PROVINCIAL_ORGANIZATION, None, date(2010, 1, 1))
    a, b = (r.found(n, K.GRASSROOTS_CELL, province, date(2010, 1, 1)) for n in ("Chi bộ A", "Chi bộ B"))
    r.merge([a], b, date(2020, 1, 1))
    parts = r.split(b, ["Chi bộ B1", "Chi bộ B2"], date(2021, 1, 1), continues=True)
    r.project()
    assert tree.organization(a, date(2019, 12, 31)) is not None
    assert tree.organization(a, date(2020, 1, 1)) is None
    assert names(tree.children(province, date(2021, 1, 1))) == ["Chi bộ B", "Chi bộ B1", "Chi bộ B2"]
    assert {o.organization_id for o in tree.children(province, date(2021, 1, 1))} == {b, *parts}
    flows = tree.flows(province, date(2019, 1, 1), date(2021, 1, 1))
    assert (flows.merged, flows.founded, flows.end_count) == (1, 2, 3)


def test_member_counts_add_up_the_cells_of_a_subtree(
    tenant: TenantRuntime, admin: Actor, reorganiser: Reorganiser, tree: OrgTreeQueries,
) -> None:
    r = reorganiser
    province = r.found("Đảng bộ tỉnh", K.PROVINCIAL_ORGANIZATION, None, date(2010, 1, 1))
    committee = r.found("Đảng bộ cơ sở xã", K.GRASSROOTS_COMMITTEE, province, date(2010, 1, 1))
    cells = [r.found(f"Chi bộ thôn {i}", K.SUBORDINATE_CELL, committee, date(2010, 1, 1)) for i in range(2)]
    enroll_officials(tenant, admin, cells[0], n=3)
    enroll_officials(tenant, admin, cells[1], n=2)
    catch_up(tenant.register, tenant.roster)
    r.project()
    counts = tree.member_counts([province, committee, cells[1], uuid.uuid4()], date.today())
    assert counts[province] == counts[committee] == 5 and counts[cells[1]] == 2
    assert sum(counts.values()) == 12


def test_another_tenant_s_organisations_are_never_returned(
    directory: TenantDirectory, reorganiser: Reorganiser, tree: OrgTreeQueries,
) -> None:
    slug = new_slug()
    directory.create(slug, "Đảng bộ tỉnh khác")
    other = directory.runtime(slug)
    other_view = OrgTreeView(other.register.factory.datastore)  # type: ignore[attr-defined]
    other_view.create_table()
    theirs = Reorganiser(other, other_view)
    their_root = theirs.found("Đảng bộ tỉnh B", K.PROVINCIAL_ORGANIZATION, None, date(2010, 1, 1))
    their_cell = theirs.found("Chi bộ B", K.GRASSROOTS_CELL, their_root, date(2010, 1, 1))
    theirs.project()
    reorganiser.found("Đảng bộ tỉnh A", K.PROVINCIAL_ORGANIZATION, None, date(2010, 1, 1))
    reorganiser.project()
    day = date(2020, 1, 1)
    assert tree.organization(their_cell, day) is None and tree.children(their_root, day) == []
    assert tree.organizations([their_root, their_cell], day) == {}
    assert tree.count_under(their_root, day) == 0 and tree.member_counts([their_root], day) == {their_root: 0}
    assert names(tree.children(None, day)) == ["Đảng bộ tỉnh A"]


# -- invariants over random reorganisations ------------------------------------------------------

OPS = ("found", "rename", "move", "kind", "merge", "consolidate", "split", "dissolve")
Op = tuple[str, int, int, int]
ops_strategy = st.lists(
    st.tuples(st.sampled_from(OPS), st.integers(0, 99), st.integers(0, 99), st.integers(1, 400)),
    min_size=1, max_size=18,
)
PROPERTY = settings(max_examples=20, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@dataclass
class Model:
    """Three blocs under a new province; each op's flows logged as (day, flow, parent, kind)."""

    r: Reorganiser
    blocs: list[uuid.UUID]
    live: dict[uuid.UUID, tuple[uuid.UUID, K, date]] = field(default_factory=dict)
    log: list[tuple[date, str, uuid.UUID, K]] = field(default_factory=list)
    serial: Iterator[int] = field(default_factory=itertools.count)

    @classmethod
    def start(cls, r: Reorganiser) -> Model:
        province = r.found("Đảng bộ tỉnh", K.PROVINCIAL_ORGANIZATION, None, date(2015, 1, 1))
        return cls(r, [r.found(f"Đảng bộ khối {i}", K.BLOC_COMMITTEE, province, date(2015, 1, 1))
                       for i in range(3)])

    def run(self, ops: list[Op], floor: date = BASE) -> None:
        for op in ops:
            self.step(op, floor)

    def step(self, op: Op, floor: date) -> None:  # noqa: C901, PLR0912
        name, a, b, days = op
        ids = list(self.live)
        if name == "found" or not ids:
            kind = (K.GRASSROOTS_CELL, K.GRASSROOTS_COMMITTEE)[b % 2]
            parent, day = self.blocs[a % 3], floor + timedelta(days=days)
            self._founded(self.r.found(f"Tổ chức {next(self.serial)}", kind, parent, day),
                          parent, kind, day)
            return
        org = ids[a % len(ids)]
        parent, kind, changed = self.live[org]
        other = ids[b % len(ids)]
        day = max(floor, changed, self.live[other][2]) + timedelta(days=days)
        if name == "rename":
            self.r.rename(org, f"Tổ chức {next(self.serial)}", day)
            self.live[org] = (parent, kind, day)
        elif name == "move" and self.blocs[b % 3] != parent:
            self.r.move(org, self.blocs[b % 3], day)
            self.log += [(day, "handed_over", parent, kind), (day, "received", self.blocs[b % 3], kind)]
            self.live[org] = (self.blocs[b % 3], kind, day)
        elif name == "kind":
            new = K.GRASSROOTS_COMMITTEE if kind is K.GRASSROOTS_CELL else K.GRASSROOTS_CELL
            self.r.change_kind(org, new, day)
            self.log += [(day, "kind_changed_out", parent, kind), (day, "kind_changed_in", parent, new)]
            self.live[org] = (parent, new, day)
        elif name in ("merge", "consolidate") and other != org and self.live[other][1] is kind:
            if name == "merge":
                self.r.merge([org], other, day)
                self.live[other] = (*self.live[other][:2], day)
            else:
                self._founded(self.r.consolidate([org, other], f"Hợp nhất {days}", day), parent, kind, day)
                self._ended(other, day, "merged")
            self._ended(org, day, "merged")
        elif name == "split":
            continues = b % 2 == 0
            for part in self.r.split(org, ["Phần 1", "Phần 2"], day, continues=continues):
                self._founded(part, parent, kind, day)
            if continues:
                self.live[org] = (parent, kind, day)
            else:
                self._ended(org, day, "merged")
        elif name == "dissolve":
            self.r.dissolve(org, day)
            self._ended(org, day, "dissolved")

    def _founded(self, org: uuid.UUID, parent: uuid.UUID, kind: K, day: date) -> None:
        self.live[org] = (parent, kind, day)
        self.log.append((day, "founded", parent, kind))

    def _ended(self, org: uuid.UUID, day: date, flow: str) -> None:
        parent, kind, _ = self.live.pop(org)
        self.log.append((day, flow, parent, kind))

    def expected(self, parent: uuid.UUID, start: date, end: date, kind: K | None) -> dict[str, int]:
        counted = {f: 0 for f in ("received", "handed_over", "founded", "merged", "dissolved",
                                  "kind_changed_in", "kind_changed_out")}
        for day, flow, at, of_kind in self.log:
            if at == parent and start < day <= end and (kind is None or of_kind is kind):
                if kind is not None or not flow.startswith("kind_"):
                    counted[flow] += 1
        return counted

    def days(self) -> list[date]:
        seen = sorted({d for d, *_ in self.log})
        return sorted({BASE, *seen, *(d - timedelta(days=1) for d in seen)})

    def snapshot(self, tree: OrgTreeQueries, days: list[date], known_at: datetime | None = None,
                 *, with_ends: bool = True) -> list[Any]:
        """The blocs' children on each day; without ends, as they stood that day only (a version
        valid then learns its end when a later change is recorded)."""
        return [(bloc, day, [r if with_ends else replace(r, valid_to=None, ended_by=None)
                             for r in tree.children(bloc, day, known_at)])
                for bloc in self.blocs for day in days]


@PROPERTY
@given(ops=ops_strategy, picks=st.lists(st.tuples(st.integers(0, 999), st.integers(0, 999)),
                                         min_size=1, max_size=4))
def test_counts_under_a_parent_at_any_two_dates_are_explained_by_the_flows(
    reorganiser: Reorganiser, tree: OrgTreeQueries, ops: list[Op], picks: list[tuple[int, int]],
) -> None:
    model = Model.start(reorganiser)
    model.run(ops)
    reorganiser.project()
    days = model.days()
    for i, j in picks:
        start, end = sorted((days[i % len(days)], days[j % len(days)]))
        for bloc in model.blocs:
            for kind in (None, K.GRASSROOTS_CELL, K.GRASSROOTS_COMMITTEE):
                flows = tree.flows(bloc, start, end, kind=kind)
                assert flows.explained, flows
                assert flows.start_count == tree.count_under(bloc, start, kind=kind)
                assert flows.end_count == tree.count_under(bloc, end, kind=kind)
                got = {k: v for k, v in vars(flows).items() if not k.endswith("_count")}
                assert got == model.expected(bloc, start, end, kind)


@PROPERTY
@given(before=ops_strategy, after=ops_strategy)
def test_the_tree_as_of_a_past_date_is_the_same_after_later_reorganisations_are_recorded(
    reorganiser: Reorganiser, tree: OrgTreeQueries, before: list[Op], after: list[Op],
) -> None:
    model = Model.start(reorganiser)
    model.run(before)
    reorganiser.project()
    past = [d for d in model.days() if d <= max(d for d, *_ in model.log)]
    then = model.snapshot(tree, past, with_ends=False)
    model.run(after, floor=max(d for d, *_ in model.log))
    reorganiser.project()
    assert model.snapshot(tree, past, with_ends=False) == then


@PROPERTY
@given(before=ops_strategy, after=ops_strategy)
def test_the_tree_as_known_at_a_moment_ignores_anything_recorded_later_even_back_dated(
    reorganiser: Reorganiser, tree: OrgTreeQueries, before: list[Op], after: list[Op],
) -> None:
    model = Model.start(reorganiser)
    model.run(before)
    reorganiser.project()
    days = model.days()
    then = model.snapshot(tree, days)
    known = datetime.now(timezone.utc)
    model.run(after)  # other organisations' changes may be effective long before the first ones
    reorganiser.project()
    assert model.snapshot(tree, days, known_at=known) == then


def table_rows(tenant: TenantRuntime) -> dict[str, list[Any]]:
    with tenant.register.factory.datastore.transaction(commit=False) as curs:  # type: ignore[attr-defined]
        rows = {}
        for table in ORG_TREE_TABLES:
            curs.execute(sql.SQL("SELECT * FROM {} ORDER BY 1, 2, 3").format(
                sql.Identifier(tenant.tenant.schema_name, table)))
            rows[table] = curs.fetchall()
    return rows


def test_the_tree_rebuilt_from_zero_equals_the_live_one(
    tenant: TenantRuntime, reorganiser: Reorganiser, view: OrgTreeView,
) -> None:
    rnd = random.Random(11)
    model = Model.start(reorganiser)
    for _ in range(60):
        model.step((rnd.choice(OPS), rnd.randint(0, 99), rnd.randint(0, 99), rnd.randint(1, 400)), BASE)
        reorganiser.project()  # live: projected as the events arrive
    live = table_rows(tenant)
    assert len(live["org_tree_versions"]) > 60
    view.reset()
    assert view.position() == 0 and not table_rows(tenant)["org_tree_versions"]
    catch_up(tenant.register, view, batch_size=7)
    assert table_rows(tenant) == live

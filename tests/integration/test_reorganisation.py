"""Reorganising the tree through the register, on a real event store: every reorganisation is one
transaction, refusals write nothing, and members follow their cells."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from support import enroll_officials, event_count, new_slug

from partyledger.domain.decision import Decision
from partyledger.domain.errors import DomainError
from partyledger.domain.member import Member
from partyledger.domain.org_reorganisation import Merger, Successor
from partyledger.domain.organization import Organization, OrganizationKind as K
from partyledger.domain.provenance import Provenance, idempotency_key, recorded_by
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.services.access import AccessDeniedError, Actor, Role

FOUNDED = date(2025, 7, 1)
ON = date(2025, 9, 1)
DECISION = Decision("215-QĐ/TU", ON, "Ban Thường vụ Tỉnh ủy")


@pytest.fixture(autouse=True)
def provenance(admin: Actor) -> Iterator[None]:
    with recorded_by(Provenance.system(admin.subject)):
        yield


def found(tenant: TenantRuntime, admin: Actor, name: str, kind: K, parent: uuid.UUID | None,
          on: date = FOUNDED) -> uuid.UUID:
    return tenant.register.found_organization(admin, name=name, kind=kind, parent_id=parent,
                                              effective_on=on, decision=None).subject_id


@pytest.fixture
def province(tenant: TenantRuntime, admin: Actor) -> uuid.UUID:
    return found(tenant, admin, "Đảng bộ tỉnh", K.PROVINCIAL_ORGANIZATION, None)


@pytest.fixture
def commune(tenant: TenantRuntime, admin: Actor, province: uuid.UUID) -> uuid.UUID:
    return found(tenant, admin, "Đảng bộ xã Tân Lập", K.COMMUNE_COMMITTEE, province)


def cells(tenant: TenantRuntime, admin: Actor, parent: uuid.UUID, n: int, members: int = 0,
          kind: K = K.GRASSROOTS_CELL) -> list[uuid.UUID]:
    made = [found(tenant, admin, f"Chi bộ Thôn {i}", kind, parent) for i in range(n)]
    for cell in made:
        enroll_officials(tenant, admin, cell, members)
    return made


def org(tenant: TenantRuntime, organization_id: uuid.UUID) -> Organization:
    return tenant.register.organization(organization_id)


def cell_of(tenant: TenantRuntime, member_id: uuid.UUID) -> uuid.UUID:
    return tenant.register.member(member_id).cell_id


def writes_nothing(tenant: TenantRuntime, command: Callable[[], object], code: str) -> None:
    before = event_count(tenant)
    with pytest.raises(DomainError) as refused:
        command()
    assert refused.value.code == code, refused.value.message
    assert event_count(tenant) == before


def log(tenant: TenantRuntime) -> list[tuple[int, Any]]:
    register = tenant.register
    return [(n.id, register.mapper.to_domain_event(n))
            for n in register.recorder.select_notifications(start=1, limit=1_000_000)]


# -- merge ---------------------------------------------------------------------------------------


def test_a_merge_of_five_cells_and_twenty_members_is_one_transaction(
    tenant: TenantRuntime, admin: Actor, commune: uuid.UUID,
) -> None:
    target, *sources = cells(tenant, admin, commune, 6, members=4)
    moving = [m for s in sources for m in org(tenant, s).roster]
    with recorded_by(Provenance.system(admin.subject)) as merge:
        outcome = tenant.register.merge_organizations(
            admin, mergers=[Merger(tuple(sources), target)], effective_on=ON, decision=DECISION)
    ours = [(i, e) for i, e in log(tenant) if e.correlation_id == merge.correlation_id]
    ids = [i for i, _ in ours]
    assert ids == list(range(ids[0], outcome.position + 1)) and outcome.position == event_count(tenant)
    kinds = [type(e).__name__ for _, e in ours]
    assert kinds.count("MovedByReorganisation") == kinds.count("MemberLeft") == len(moving) == 20
    assert kinds.count("MemberEntered") == 20 and kinds.count("MergedInto") == 5
    assert kinds.count("Absorbed") == 1 and kinds.count("ChildDetached") == 5 and len(kinds) == 71
    assert outcome.subject_id == target
    assert set(org(tenant, target).roster) >= set(moving) and len(org(tenant, target).roster) == 24
    assert all(cell_of(tenant, m) == target for m in moving)
    for source in sources:
        ended = org(tenant, source)
        assert ended.ended_on == ON and ended.roster == {}
    assert org(tenant, commune).children == {target}


def test_one_merge_command_takes_several_targets(
    tenant: TenantRuntime, admin: Actor, commune: uuid.UUID,
) -> None:
    a, b, c, d = cells(tenant, admin, commune, 4, members=1)
    tenant.register.merge_organizations(admin, mergers=[Merger((b,), a), Merger((d,), c)], effective_on=ON)
    assert org(tenant, commune).children == {a, c}
    assert len(org(tenant, a).roster) == len(org(tenant, c).roster) == 2


def test_a_refused_merge_writes_nothing(
    tenant: TenantRuntime, admin: Actor, province: uuid.UUID, commune: uuid.UUID,
) -> None:
    a, b, c = cells(tenant, admin, commune, 3, members=2)
    merge = tenant.register.merge_organizations
    writes_nothing(tenant, lambda: merge(admin, mergers=[Merger((b,), a), Merger((c,), commune)],
                                         effective_on=ON), "REORGANISATION_KINDS_INCOMPATIBLE")
    writes_nothing(tenant, lambda: merge(admin, mergers=[Merger((b,), a), Merger((a,), c)],
                                         effective_on=ON), "ORGANIZATION_LISTED_TWICE")
    writes_nothing(tenant, lambda: merge(admin, mergers=[Merger((), a)], effective_on=ON),
                   "TOO_FEW_ORGANIZATIONS")
    writes_nothing(tenant, lambda: merge(admin, mergers=[Merger((b,), a)], effective_on=date(2025, 6, 1)),
                   "DATES_OUT_OF_ORDER")
    writes_nothing(tenant, lambda: merge(admin, mergers=[Merger((uuid.uuid4(),), a)], effective_on=ON),
                   "ORGANIZATION_NOT_FOUND")
    assert len(org(tenant, b).roster) == 2 and org(tenant, b).ended_on is None


def test_merging_committees_moves_their_children_under_the_target(
    tenant: TenantRuntime, admin: Actor, province: uuid.UUID,
) -> None:
    target, source = [found(tenant, admin, f"Đảng bộ xã {n}", K.COMMUNE_COMMITTEE, province) for n in "AB"]
    moved = cells(tenant, admin, source, 2, members=1)
    tenant.register.merge_organizations(admin, mergers=[Merger((source,), target)], effective_on=ON)
    assert org(tenant, target).children == set(moved)
    assert all(org(tenant, c).parent_id == target and len(org(tenant, c).roster) == 1 for c in moved)
    writes_nothing(tenant, lambda: tenant.register.merge_organizations(
        admin, mergers=[Merger((province,), target)], effective_on=ON), "TREE_CYCLE")


def test_a_retried_merge_with_the_same_key_appends_nothing(
    tenant: TenantRuntime, admin: Actor, commune: uuid.UUID,
) -> None:
    a, b = cells(tenant, admin, commune, 2, members=1)
    with idempotency_key("merge-2025-09"):
        first = tenant.register.merge_organizations(admin, mergers=[Merger((b,), a)], effective_on=ON)
        appended = event_count(tenant)
        again = tenant.register.merge_organizations(admin, mergers=[Merger((b,), a)], effective_on=ON)
    assert again.replayed and again.subject_id == first.subject_id and event_count(tenant) == appended


# -- move, rename, kind ------------------------------------------------------------------------------


def test_a_moved_organisation_takes_its_members_without_moving_them(
    tenant: TenantRuntime, admin: Actor, province: uuid.UUID, commune: uuid.UUID,
) -> None:
    (cell,) = cells(tenant, admin, commune, 1, members=2)
    other = found(tenant, admin, "Đảng bộ phường Hòa Bình", K.COMMUNE_COMMITTEE, province)
    members = list(org(tenant, cell).roster)
    before = [len(list(tenant.register.events.get(m))) for m in members]
    tenant.register.move_organization(admin, organization_id=cell, new_parent_id=other, effective_on=ON,
                                      decision=DECISION)
    assert org(tenant, cell).parent_id == other and tenant.register.lineage(org(tenant, cell))[1] == other
    assert org(tenant, commune).children == set() and org(tenant, other).children == {cell}
    assert [len(list(tenant.register.events.get(m))) for m in members] == before
    assert all(cell_of(tenant, m) == cell for m in members)
    writes_nothing(tenant, lambda: tenant.register.move_organization(
        admin, organization_id=commune, new_parent_id=cell, effective_on=ON), "PARENT_KIND_NOT_ALLOWED")
    writes_nothing(tenant, lambda: tenant.register.move_organization(
        admin, organization_id=other, new_parent_id=cell, effective_on=ON), "TREE_CYCLE")
    writes_nothing(tenant, lambda: tenant.register.move_organization(
        admin, organization_id=cell, new_parent_id=other, effective_on=ON), "ORGANIZATION_UNCHANGED")


def test_a_district_receives_no_organisation_after_june_2025(
    tenant: TenantRuntime, admin: Actor, province: uuid.UUID,
) -> None:
    district = found(tenant, admin, "Huyện ủy Kim Bôi", K.DISTRICT_COMMITTEE, province, on=date(2015, 1, 1))
    (cell,) = cells(tenant, admin, province, 1)
    writes_nothing(tenant, lambda: tenant.register.move_organization(
        admin, organization_id=cell, new_parent_id=district, effective_on=ON), "PARENT_KIND_NOT_ALLOWED")


def test_a_rename_is_recorded_and_an_empty_name_refused(
    tenant: TenantRuntime, admin: Actor, commune: uuid.UUID,
) -> None:
    tenant.register.rename_organization(admin, organization_id=commune, name="Đảng bộ xã Tân Lập Mới",
                                        effective_on=ON, decision=DECISION)
    assert org(tenant, commune).name == "Đảng bộ xã Tân Lập Mới"
    writes_nothing(tenant, lambda: tenant.register.rename_organization(
        admin, organization_id=commune, name=" ", effective_on=ON), "ORGANIZATION_NAME_REQUIRED")


def test_a_cell_becomes_a_committee_with_subordinate_cells_and_back(
    tenant: TenantRuntime, admin: Actor, commune: uuid.UUID,
) -> None:
    (cell,) = cells(tenant, admin, commune, 1, members=4)
    members = sorted(org(tenant, cell).roster)
    change = tenant.register.change_organization_kind
    half = [(m, i % 2) for i, m in enumerate(members)]
    writes_nothing(tenant, lambda: change(admin, organization_id=cell, kind=K.GRASSROOTS_COMMITTEE,
                                          effective_on=ON, subordinate_cells=["Chi bộ 1", "Chi bộ 2"],
                                          allocation=half), "THRESHOLD_CONSENT_REQUIRED")
    writes_nothing(tenant, lambda: change(admin, organization_id=cell, kind=K.GRASSROOTS_COMMITTEE,
                                          effective_on=ON, consent=DECISION, subordinate_cells=["Chi bộ 1"],
                                          allocation=half[:3]), "SPLIT_ALLOCATION_INCOMPLETE")
    change(admin, organization_id=cell, kind=K.GRASSROOTS_COMMITTEE, effective_on=ON, consent=DECISION,
           subordinate_cells=["Chi bộ 1", "Chi bộ 2"], allocation=half)
    committee = org(tenant, cell)
    assert committee.kind is K.GRASSROOTS_COMMITTEE and committee.roster == {} and len(committee.children) == 2
    subordinates = [org(tenant, c) for c in committee.children]
    assert all(s.kind is K.SUBORDINATE_CELL and len(s.roster) == 2 for s in subordinates)
    assert {cell_of(tenant, m) for m in members} == committee.children
    change(admin, organization_id=cell, kind=K.GRASSROOTS_CELL, effective_on=date(2025, 10, 1))
    back = org(tenant, cell)
    assert back.kind is K.GRASSROOTS_CELL and set(back.roster) == set(members) and back.children == set()
    assert all(org(tenant, s.id).ended_on == date(2025, 10, 1) for s in subordinates)
    writes_nothing(tenant, lambda: change(admin, organization_id=commune, kind=K.GRASSROOTS_CELL,
                                          effective_on=date(2025, 10, 1)), "KIND_CHANGE_NOT_ALLOWED")


# -- consolidate, split, dissolve --------------------------------------------------------------------


def test_a_consolidation_founds_a_successor_that_names_its_predecessors(
    tenant: TenantRuntime, admin: Actor, commune: uuid.UUID,
) -> None:
    sources = cells(tenant, admin, commune, 3, members=2)
    members = [m for s in sources for m in org(tenant, s).roster]
    outcome = tenant.register.consolidate_organizations(
        admin, source_ids=sources, name="Chi bộ Khu dân cư số 1", kind=K.GRASSROOTS_CELL,
        parent_id=commune, effective_on=ON, decision=DECISION)
    new = org(tenant, outcome.subject_id)
    assert new.predecessor_ids == tuple(sources) and set(new.roster) == set(members)
    assert org(tenant, commune).children == {new.id}
    assert all(org(tenant, s).ended_on == ON for s in sources)
    moved = list(tenant.register.events.get(members[0]))[-1]
    assert isinstance(moved, Member.MovedByReorganisation) and moved.reorganisation == "CONSOLIDATION"
    writes_nothing(tenant, lambda: tenant.register.consolidate_organizations(
        admin, source_ids=[new.id], name="x", kind=K.GRASSROOTS_CELL, parent_id=commune, effective_on=ON),
        "TOO_FEW_ORGANIZATIONS")


def test_a_split_allocates_each_member_to_a_successor(
    tenant: TenantRuntime, admin: Actor, commune: uuid.UUID,
) -> None:
    (cell,) = cells(tenant, admin, commune, 1, members=3)
    a, b, c = sorted(org(tenant, cell).roster)
    split = tenant.register.split_organization
    successors = [Successor("Chi bộ Thôn Đông A", K.GRASSROOTS_CELL), Successor("Chi bộ Thôn Đông B", K.GRASSROOTS_CELL)]
    writes_nothing(tenant, lambda: split(admin, organization_id=cell, successors=successors,
                                         allocation=[(a, 0), (b, 1)], effective_on=ON), "SPLIT_ALLOCATION_INCOMPLETE")
    writes_nothing(tenant, lambda: split(admin, organization_id=cell, successors=successors[:1],
                                         allocation=[(a, 0), (b, 0), (c, 0)], effective_on=ON), "TOO_FEW_ORGANIZATIONS")
    writes_nothing(tenant, lambda: split(admin, organization_id=cell, successors=[
        Successor("Đảng bộ", K.GRASSROOTS_COMMITTEE), *successors], allocation=[(a, 0), (b, 1), (c, 2)],
        effective_on=ON), "REORGANISATION_KINDS_INCOMPATIBLE")
    split(admin, organization_id=cell, successors=successors, allocation=[(a, 0), (b, 1), (c, 1)], effective_on=ON)
    first, second = list(tenant.register.events.get(cell))[-1].successor_ids
    assert set(org(tenant, first).roster) == {a} and set(org(tenant, second).roster) == {b, c}
    assert org(tenant, cell).ended_on == ON and org(tenant, commune).children == {first, second}
    assert org(tenant, first).predecessor_ids == (cell,)


def test_a_split_that_continues_keeps_the_members_left_in_it(
    tenant: TenantRuntime, admin: Actor, commune: uuid.UUID,
) -> None:
    (cell,) = cells(tenant, admin, commune, 1, members=2)
    a, b = sorted(org(tenant, cell).roster)
    tenant.register.split_organization(admin, organization_id=cell, continues=True, effective_on=ON,
                                       successors=[Successor("Chi bộ Tổ 5", K.GRASSROOTS_CELL)],
                                       allocation=[(a, None), (b, 0)])
    assert set(org(tenant, cell).roster) == {a} and org(tenant, cell).ended_on is None
    assert cell_of(tenant, b) != cell


def test_dissolving_waits_until_no_member_and_no_organisation_is_left(
    tenant: TenantRuntime, admin: Actor, commune: uuid.UUID,
) -> None:
    full, empty = cells(tenant, admin, commune, 2)
    enroll_officials(tenant, admin, full, 1)
    dissolve = tenant.register.dissolve_organization
    writes_nothing(tenant, lambda: dissolve(admin, organization_id=full, effective_on=ON), "ORGANIZATION_NOT_EMPTY")
    writes_nothing(tenant, lambda: dissolve(admin, organization_id=commune, effective_on=ON),
                   "ORGANIZATION_HAS_CHILDREN")
    dissolve(admin, organization_id=empty, effective_on=ON, decision=DECISION)
    assert org(tenant, empty).ended_on == ON and org(tenant, commune).children == {full}


def test_an_ended_organisation_accepts_no_change_and_nothing_enters_it(
    tenant: TenantRuntime, admin: Actor, province: uuid.UUID, commune: uuid.UUID,
) -> None:
    (live,) = cells(tenant, admin, commune, 1, members=1)
    ended = found(tenant, admin, "Đảng bộ xã Cũ", K.COMMUNE_COMMITTEE, province)
    (ended_cell,) = cells(tenant, admin, commune, 1)
    register = tenant.register
    register.dissolve_organization(admin, organization_id=ended, effective_on=ON)
    register.dissolve_organization(admin, organization_id=ended_cell, effective_on=ON)
    writes_nothing(tenant, lambda: register.rename_organization(
        admin, organization_id=ended, name="Đảng bộ xã Mới", effective_on=ON), "ORGANIZATION_ENDED")
    writes_nothing(tenant, lambda: found(tenant, admin, "Chi bộ", K.GRASSROOTS_CELL, ended, ON),
                   "ORGANIZATION_ENDED")
    writes_nothing(tenant, lambda: register.move_organization(
        admin, organization_id=live, new_parent_id=ended, effective_on=ON), "ORGANIZATION_ENDED")
    writes_nothing(tenant, lambda: register.merge_organizations(
        admin, mergers=[Merger((live,), ended_cell)], effective_on=ON), "ORGANIZATION_ENDED")
    writes_nothing(tenant, lambda: enroll_officials(tenant, admin, ended_cell, 1), "ORGANIZATION_ENDED")
    (member,) = org(tenant, live).roster
    writes_nothing(tenant, lambda: register.issue_transfer_letter(
        admin, member_id=member, to_cell_id=ended_cell, letter_number="7/GT", issued_on=ON), "ORGANIZATION_ENDED")
    (closing,) = cells(tenant, admin, commune, 1)
    register.issue_transfer_letter(admin, member_id=member, to_cell_id=closing, letter_number="8/GT", issued_on=ON)
    register.present_transfer_letter(admin, member_id=member, presented_on=ON)
    register.dissolve_organization(admin, organization_id=closing, effective_on=ON)  # the letter is still open
    writes_nothing(tenant, lambda: register.receive_transfer(admin, member_id=member, received_on=ON),
                   "ORGANIZATION_ENDED")


# -- who may reorganise --------------------------------------------------------------------------


def commands(cell: uuid.UUID, other: uuid.UUID, parent: uuid.UUID) -> list[Callable[[Any, Actor], object]]:
    return [
        lambda r, a: r.rename_organization(a, organization_id=cell, name="x", effective_on=ON),
        lambda r, a: r.move_organization(a, organization_id=cell, new_parent_id=parent, effective_on=ON),
        lambda r, a: r.merge_organizations(a, mergers=[Merger((other,), cell)], effective_on=ON),
        lambda r, a: r.consolidate_organizations(a, source_ids=[cell, other], name="x", kind=K.GRASSROOTS_CELL,
                                                 parent_id=parent, effective_on=ON),
        lambda r, a: r.split_organization(a, organization_id=cell, successors=[], allocation=[],
                                          continues=True, effective_on=ON),
        lambda r, a: r.change_organization_kind(a, organization_id=cell, kind=K.GRASSROOTS_COMMITTEE,
                                                effective_on=ON),
        lambda r, a: r.dissolve_organization(a, organization_id=cell, effective_on=ON),
        lambda r, a: r.reconcile_cell_roster(a, cell_id=cell, member_ids=[], effective_on=ON),
        lambda r, a: r.reconcile_organization_children(a, organization_id=parent, child_ids=[], effective_on=ON),
    ]


def test_another_tenants_administrator_reorganises_nothing_here(
    tenant: TenantRuntime, admin: Actor, commune: uuid.UUID, directory: TenantDirectory,
) -> None:
    a, b = cells(tenant, admin, commune, 2, members=1)
    slug = new_slug()
    directory.create(slug, "Đảng bộ tỉnh khác")
    stranger = Actor("admin-b", slug, frozenset({Role.TENANT_ADMIN}))
    before = event_count(tenant)
    for command in commands(a, b, commune):
        with pytest.raises(AccessDeniedError):
            command(tenant.register, stranger)
        with pytest.raises(DomainError) as unknown:  # and its own register knows none of these
            command(directory.runtime(slug).register, stranger)
        assert unknown.value.code == "ORGANIZATION_NOT_FOUND"
    assert event_count(tenant) == before


def test_officers_and_inspectors_do_not_reorganise(
    tenant: TenantRuntime, admin: Actor, commune: uuid.UUID,
) -> None:
    a, b = cells(tenant, admin, commune, 2)
    slug = tenant.tenant.slug
    before = event_count(tenant)
    for role in (Role.OFFICER, Role.INSPECTOR, Role.PARTNER):
        actor = Actor("someone", slug, frozenset({role}), frozenset({commune}))
        for command in commands(a, b, commune):
            with pytest.raises(AccessDeniedError):
                command(tenant.register, actor)
    assert event_count(tenant) == before

"""Cell rosters kept in the same transaction as every member change: admissions, recognition,
transfers, exits, readmission, reorganisations, concurrent admissions — and the invariant over
random sequences of them: every member on a member status is on exactly one live cell's roster,
the cell the member's own record names."""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from support import admit, enroll_officials, event_count, recognition_vote

from partyledger.domain.decision import Decision
from partyledger.domain.errors import DomainError
from partyledger.domain.member import Member
from partyledger.domain.member_exits import StrikeOffGround
from partyledger.domain.member_state import Resolution
from partyledger.domain.org_reorganisation import Merger, Successor
from partyledger.domain.organization import Organization, OrganizationKind as K
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.domain.votes import VoteTally
from partyledger.infra.tenants import TenantRuntime
from partyledger.services.access import Actor

CONSENT = Decision("112-CV/TU", date(2023, 2, 1), "Ban Thường vụ Tỉnh ủy")
VOTE = VoteTally(in_favour=7, against=2, eligible=9, present=9)


@pytest.fixture(autouse=True)
def provenance(admin: Actor) -> Iterator[None]:
    with recorded_by(Provenance.system(admin.subject)):
        yield


def decision(on: date) -> Decision:
    return Decision("27-QĐ/ĐU", on, "Ban Thường vụ Đảng ủy")


def roster(tenant: TenantRuntime, cell: uuid.UUID) -> dict[uuid.UUID, str]:
    return tenant.register.organization(cell).roster


@pytest.fixture
def other_cell(tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID) -> uuid.UUID:
    return tenant.register.found_organization(
        admin, name="Chi bộ Thôn Tây", kind=K.GRASSROOTS_CELL,
        parent_id=tenant.register.organization(cell_id).parent_id, effective_on=date(2020, 1, 1),
        decision=None).subject_id


# -- each member command ---------------------------------------------------------------------------


def test_an_admission_enters_the_roster_and_recognition_notes_the_new_status(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID,
) -> None:
    introducers = enroll_officials(tenant, admin, cell_id)
    assert roster(tenant, cell_id) == dict.fromkeys(introducers, "OFFICIAL")
    member = admit(tenant, admin, cell_id, introducers).subject_id
    assert roster(tenant, cell_id)[member] == "PROBATIONARY"
    tenant.register.recognize_official(
        admin, member_id=member, cell_resolution=recognition_vote(date(2016, 8, 15)),
        decision=decision(date(2016, 8, 25)), effective_on=date(2016, 8, 25))
    assert roster(tenant, cell_id)[member] == "OFFICIAL"
    noted = list(tenant.register.events.get(cell_id))[-1]
    assert isinstance(noted, Organization.MemberStatusNoted) and noted.effective_on == date(2016, 8, 25)


def test_a_candidate_is_on_the_roster_from_the_application(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID,
) -> None:
    introducers = enroll_officials(tenant, admin, cell_id)
    candidate = tenant.register.open_candidacy(
        admin, full_name="Hà Thị Mơ", birth_date=date(1995, 1, 1), cell_id=cell_id,
        introducers=(), applied_on=date(2024, 3, 1)).subject_id
    assert roster(tenant, cell_id) == {**dict.fromkeys(introducers, "OFFICIAL"), candidate: "CANDIDATE"}


def test_a_transfer_moves_the_entry_when_the_receiving_cell_takes_the_member(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID, other_cell: uuid.UUID,
) -> None:
    (member,) = enroll_officials(tenant, admin, cell_id, 1)
    register = tenant.register
    register.issue_transfer_letter(admin, member_id=member, to_cell_id=other_cell, letter_number="3/GT",
                                   issued_on=date(2024, 3, 1))
    assert member in roster(tenant, cell_id) and member not in roster(tenant, other_cell)
    register.present_transfer_letter(admin, member_id=member, presented_on=date(2024, 3, 5))
    before = event_count(tenant)
    register.receive_transfer(admin, member_id=member, received_on=date(2024, 3, 6))
    assert event_count(tenant) == before + 3  # the receipt, leaving one roster, entering the other
    assert member not in roster(tenant, cell_id) and roster(tenant, other_cell) == {member: "OFFICIAL"}


def test_exits_leave_the_roster_and_a_readmission_enters_the_new_cell(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID, other_cell: uuid.UUID,
) -> None:
    official, dying = enroll_officials(tenant, admin, cell_id, 2)
    probationary = admit(tenant, admin, cell_id, [official, dying]).subject_id
    register = tenant.register
    register.strike_off(admin, member_id=official, ground=StrikeOffGround.ABANDONED_ACTIVITY,
                        decision=decision(date(2021, 5, 4)), effective_on=date(2021, 5, 4))
    register.record_death(admin, member_id=dying, on=date(2022, 1, 1))
    register.strike_off(admin, member_id=probationary, ground=StrikeOffGround.PROBATION_NOT_MET,
                        decision=decision(date(2020, 1, 10)), effective_on=date(2020, 1, 10),
                        cell_resolution=Resolution(date(2019, 12, 20), VOTE))
    assert roster(tenant, cell_id) == {}
    register.readmit_member(admin, member_id=probationary, cell_resolution=Resolution(date(2023, 1, 10), VOTE),
                            decision=decision(date(2023, 3, 1)), provincial_consent=CONSENT,
                            ceremony_on=date(2023, 3, 20), cell_id=other_cell)
    assert roster(tenant, cell_id) == {} and roster(tenant, other_cell) == {probationary: "PROBATIONARY"}


def test_concurrent_admissions_into_one_cell_all_reach_its_roster(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID,
) -> None:
    introducers = enroll_officials(tenant, admin, cell_id)
    barrier, admitted, failures = threading.Barrier(5), [], []

    def send(i: int) -> None:
        with recorded_by(Provenance.system(admin.subject)):
            barrier.wait()
            try:
                admitted.append(admit(tenant, admin, cell_id, introducers, name=f"Lò Văn Páo {i}").subject_id)
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                failures.append(error)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == [] and len(admitted) == 5
    assert roster(tenant, cell_id) == {**dict.fromkeys(introducers, "OFFICIAL"),
                                       **dict.fromkeys(admitted, "PROBATIONARY")}


# -- records made before rosters were kept ----------------------------------------------------------


def enrolled_without_roster(tenant: TenantRuntime, cell: uuid.UUID) -> uuid.UUID:
    member = Member.enroll(full_name="Vi Văn Tuấn", birth_date=date(1960, 1, 1), cell_id=cell,
                           admitted_on=date(1990, 1, 1), ceremony_on=date(1990, 2, 1),
                           recognized_on=date(1991, 2, 1))
    tenant.register.save(member)  # as the first release recorded it: no roster entry
    return member.id


def test_an_administrator_enters_members_recorded_before_rosters_were_kept(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID, other_cell: uuid.UUID,
) -> None:
    old = enrolled_without_roster(tenant, cell_id)
    elsewhere = enrolled_without_roster(tenant, other_cell)
    assert roster(tenant, cell_id) == {}
    reconcile = tenant.register.reconcile_cell_roster
    before = event_count(tenant)
    with pytest.raises(DomainError) as refused:
        reconcile(admin, cell_id=cell_id, member_ids=[old, elsewhere], effective_on=date(2025, 1, 1))
    assert refused.value.code == "MEMBER_NOT_IN_CELL" and event_count(tenant) == before
    reconcile(admin, cell_id=cell_id, member_ids=[old], effective_on=date(2025, 1, 1))
    assert roster(tenant, cell_id) == {old: "OFFICIAL"}
    with pytest.raises(DomainError) as again:
        reconcile(admin, cell_id=cell_id, member_ids=[old], effective_on=date(2025, 1, 1))
    assert again.value.code == "ORGANIZATION_UNCHANGED"


def test_an_old_members_next_change_brings_the_roster_in_line(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID, other_cell: uuid.UUID,
) -> None:
    old, dead = enrolled_without_roster(tenant, cell_id), enrolled_without_roster(tenant, cell_id)
    tenant.register.record_death(admin, member_id=dead, on=date(2024, 1, 1))
    tenant.register.issue_transfer_letter(admin, member_id=old, to_cell_id=other_cell, letter_number="9/GT",
                                          issued_on=date(2024, 3, 1))
    assert roster(tenant, cell_id) == {old: "OFFICIAL"}
    tenant.register.present_transfer_letter(admin, member_id=old, presented_on=date(2024, 3, 5))
    tenant.register.receive_transfer(admin, member_id=old, received_on=date(2024, 3, 6))
    assert roster(tenant, cell_id) == {} and roster(tenant, other_cell) == {old: "OFFICIAL"}


def test_an_administrator_enters_children_founded_before_they_were_kept(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID,
) -> None:
    province = tenant.register.organization(tenant.register.organization(cell_id).parent_id)
    commune = Organization.found(name="Đảng bộ xã", kind=K.COMMUNE_COMMITTEE, parent=province,
                                 effective_on=date(2025, 7, 1), decision=None)
    old = Organization.found(name="Chi bộ cũ", kind=K.GRASSROOTS_CELL, parent=commune,
                             effective_on=date(2025, 7, 1), decision=None)
    tenant.register.save(commune, old)
    reconcile = tenant.register.reconcile_organization_children
    before = event_count(tenant)
    with pytest.raises(DomainError) as refused:
        reconcile(admin, organization_id=commune.id, child_ids=[old.id, cell_id], effective_on=date(2025, 8, 1))
    assert refused.value.code == "ORGANIZATION_NOT_UNDER_PARENT" and event_count(tenant) == before
    reconcile(admin, organization_id=commune.id, child_ids=[old.id], effective_on=date(2025, 8, 1))
    with pytest.raises(DomainError) as not_empty:
        tenant.register.dissolve_organization(admin, organization_id=commune.id, effective_on=date(2025, 9, 1))
    assert not_empty.value.code == "ORGANIZATION_HAS_CHILDREN"


# -- the invariant over random sequences ---------------------------------------------------------------


class World:
    """A small province recorded through the register, changed step by step at random."""

    def __init__(self, tenant: TenantRuntime, admin: Actor) -> None:
        self.tenant, self.register, self.admin = tenant, tenant.register, admin
        self.day = date(2025, 7, 1)
        root = self._found("Đảng bộ tỉnh", K.PROVINCIAL_ORGANIZATION, None)
        self.communes = [self._found(f"Đảng bộ xã {i}", K.COMMUNE_COMMITTEE, root) for i in range(2)]
        self.orgs = {root, *self.communes}
        self.members: list[uuid.UUID] = []
        for i in range(4):
            cell = self._found(f"Chi bộ {i}", K.GRASSROOTS_CELL, self.communes[i % 2])
            self.orgs.add(cell)
            self.members += enroll_officials(tenant, admin, cell, 2)

    def _found(self, name: str, kind: K, parent: uuid.UUID | None) -> uuid.UUID:
        return self.register.found_organization(self.admin, name=name, kind=kind, parent_id=parent,
                                                effective_on=self.day, decision=None).subject_id

    def live(self, *, cells: bool) -> list[uuid.UUID]:
        found = [self.register.organization(o) for o in sorted(self.orgs)]
        return [o.id for o in found if o.ended_on is None and o.kind.holds_members == cells
                and o.kind is not K.PROVINCIAL_ORGANIZATION]

    def step(self, op: str, i: int, j: int, bits: int) -> None:
        self.day += timedelta(days=1)
        on, admin, register = self.day, self.admin, self.register
        cells, committees = self.live(cells=True), self.live(cells=False)
        a, b = cells[i % len(cells)] if cells else None, cells[j % len(cells)] if cells else None
        member = self.members[i % len(self.members)]
        if op == "enroll" and a:
            self.members += enroll_officials(self.tenant, admin, a, 1)
        elif op == "transfer" and b:
            register.issue_transfer_letter(admin, member_id=member, to_cell_id=b, letter_number="1/GT", issued_on=on)
            register.present_transfer_letter(admin, member_id=member, presented_on=on)
            register.receive_transfer(admin, member_id=member, received_on=on)
        elif op == "exit":
            register.strike_off(admin, member_id=member, ground=StrikeOffGround.ABANDONED_ACTIVITY,
                                decision=decision(on), effective_on=on)
        elif op == "merge" and a and b:
            register.merge_organizations(admin, mergers=[Merger((b,), a)], effective_on=on)
        elif op == "consolidate" and a and b:
            parent = register.organization(a).parent_id
            assert parent is not None
            self.orgs.add(register.consolidate_organizations(
                admin, source_ids=[a, b], name="Chi bộ hợp nhất", kind=register.organization(a).kind,
                parent_id=parent, effective_on=on).subject_id)
        elif op == "split" and a:
            kind = register.organization(a).kind
            held = sorted(register.organization(a).roster)
            register.split_organization(admin, organization_id=a, effective_on=on,
                                        successors=[Successor("Chi bộ tách 1", kind), Successor("Chi bộ tách 2", kind)],
                                        allocation=[(m, (bits >> n) & 1) for n, m in enumerate(held)])
            self.orgs.update(list(register.events.get(a))[-1].successor_ids)
        elif op == "dissolve" and a:
            register.dissolve_organization(admin, organization_id=a, effective_on=on)
        elif op == "move" and a:
            register.move_organization(admin, organization_id=a, new_parent_id=self.communes[j % 2], effective_on=on)
        elif op == "upgrade" and a:
            held = sorted(register.organization(a).roster)
            register.change_organization_kind(admin, organization_id=a, kind=K.GRASSROOTS_COMMITTEE,
                                              effective_on=on, consent=CONSENT,
                                              subordinate_cells=["Chi bộ 1", "Chi bộ 2"],
                                              allocation=[(m, (bits >> n) & 1) for n, m in enumerate(held)])
            self.orgs.update(register.organization(a).children)
        elif op == "downgrade" and committees:
            register.change_organization_kind(admin, organization_id=committees[i % len(committees)],
                                              kind=K.GRASSROOTS_CELL, effective_on=on, consent=CONSENT)

    def check(self) -> None:
        """No member on a member status without a cell: exactly one live cell lists each, the one
        the member's record names; ended organisations hold nothing; children are live and theirs."""
        orgs = {o: self.register.organization(o) for o in self.orgs}
        listed: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        for org in orgs.values():
            for member_id in org.roster:
                listed[member_id].append(org.id)
            if org.ended_on is not None:
                assert org.roster == {} and org.children == set()
            assert all(orgs[c].parent_id == org.id and orgs[c].ended_on is None for c in org.children)
            if org.parent_id is not None and org.ended_on is None:
                assert org.id in orgs[org.parent_id].children
        for member_id in self.members:
            member = self.register.member(member_id)
            if member.roster_status() is None:
                assert listed[member_id] == []
                continue
            cell = orgs[member.cell_id]
            assert cell.ended_on is None and cell.kind.holds_members
            assert listed[member_id] == [cell.id] and cell.roster[member_id] == member.status.name


OPS = ("enroll", "transfer", "exit", "merge", "consolidate", "split", "dissolve", "move", "upgrade", "downgrade")
steps = st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 99), st.integers(0, 99), st.integers(0, 2**12)),
                 min_size=1, max_size=8)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_no_member_is_ever_without_a_cell(
    tenant: TenantRuntime, admin: Actor, steps: list[tuple[str, int, int, int]],
) -> None:
    with recorded_by(Provenance.system(admin.subject)):
        world = World(tenant, admin)
        world.check()
        for op, i, j, bits in steps:
            before = event_count(tenant)
            try:
                world.step(op, i, j, bits)
            except DomainError:
                assert event_count(tenant) == before  # a refusal writes nothing
            world.check()

"""Reorganising the tree and keeping cell rosters (DOMAIN.md §2.13.5), no database: each rule
refused with its code and satisfied."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Mapper, UUIDAsHex

from partyledger.domain.decision import Decision
from partyledger.domain.errors import (
    DateOrderError,
    DomainError,
    OrganizationNotCellError,
    ParentKindNotAllowedError,
    StatusDoesNotAllowError,
)
from partyledger.domain.member import Member
from partyledger.domain.member_reorganised import MemberNotInCellError, ReorganisationKind
from partyledger.domain.org_reorganisation import (
    KindChangeNotAllowedError,
    KindsIncompatibleError,
    OrganizationEndedError,
    OrganizationHasChildrenError,
    OrganizationNameRequiredError,
    OrganizationNotEmptyError,
    OrganizationUnchangedError,
    SplitAllocationIncompleteError,
    TreeCycleError,
)
from partyledger.domain.org_thresholds import Threshold, ThresholdConsentRequiredError
from partyledger.domain.organization import GrassrootsOrgType, Organization, OrganizationKind as K
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.services.transcodings import register_domain_transcodings

ON = date(2025, 9, 1)
CONSENT = Decision("12-CV/TU", ON, "Ban Thường vụ Tỉnh ủy")


@pytest.fixture(autouse=True)
def provenance() -> Iterator[Provenance]:
    with recorded_by(Provenance.system("admin@t")) as p:
        yield p


def found(kind: K, parent: Organization | None, name: str = "Chi bộ Thôn Đông",
          on: date = date(2025, 7, 1)) -> Organization:
    organization = Organization.found(name=name, kind=kind, parent=parent, effective_on=on, decision=None)
    if parent is not None:
        parent.note_child(organization.id, live=True, effective_on=on)
    return organization


@pytest.fixture
def province() -> Organization:
    return found(K.PROVINCIAL_ORGANIZATION, None, "Đảng bộ tỉnh")


@pytest.fixture
def commune(province: Organization) -> Organization:
    return found(K.COMMUNE_COMMITTEE, province, "Đảng bộ xã Tân Lập")


@pytest.fixture
def cell(commune: Organization) -> Organization:
    return found(K.GRASSROOTS_CELL, commune)


def with_members(cell: Organization, n: int, status: str = "OFFICIAL") -> list[uuid.UUID]:
    ids = [uuid.uuid4() for _ in range(n)]
    for member_id in ids:
        cell.note_member(member_id, status, ON)
    return ids


def last(aggregate: Any) -> Any:
    return aggregate.pending_events[-1]


def code(error: pytest.ExceptionInfo[DomainError]) -> str:
    return error.value.code


# -- rename ------------------------------------------------------------------------------------


def test_a_rename_keeps_the_identity_and_records_the_new_name(cell: Organization) -> None:
    cell.rename(name=" Chi bộ Thôn Tây ", effective_on=ON, decision=None)
    assert cell.name == "Chi bộ Thôn Tây" and last(cell).name == "Chi bộ Thôn Tây"
    assert type(last(cell)).__name__ == "Renamed" and cell.changed_on == ON


def test_a_rename_needs_a_name(cell: Organization) -> None:
    with pytest.raises(OrganizationNameRequiredError) as refused:
        cell.rename(name="  ", effective_on=ON, decision=None)
    assert code(refused) == "ORGANIZATION_NAME_REQUIRED"


def test_a_rename_to_the_same_name_changes_nothing(cell: Organization) -> None:
    with pytest.raises(OrganizationUnchangedError) as refused:
        cell.rename(name=cell.name, effective_on=ON, decision=None)
    assert code(refused) == "ORGANIZATION_UNCHANGED"


def test_a_change_cannot_be_dated_before_the_record_it_follows(cell: Organization) -> None:
    cell.rename(name="Chi bộ Thôn Tây", effective_on=ON, decision=None)
    with pytest.raises(DateOrderError) as refused:
        cell.rename(name="Chi bộ Thôn Bắc", effective_on=date(2025, 8, 1), decision=None)
    assert code(refused) == "DATES_OUT_OF_ORDER"


# -- kind change -------------------------------------------------------------------------------


def test_only_a_grassroots_cell_and_committee_change_into_each_other(commune: Organization) -> None:
    with pytest.raises(KindChangeNotAllowedError) as refused:
        commune.change_kind(kind=K.GRASSROOTS_CELL, parent_kind=K.PROVINCIAL_ORGANIZATION, members=0,
                            consent=None, effective_on=ON, decision=None)
    assert code(refused) == "KIND_CHANGE_NOT_ALLOWED"


def test_a_cell_below_thirty_members_becomes_a_committee_only_with_consent(cell: Organization) -> None:
    with pytest.raises(ThresholdConsentRequiredError) as refused:
        cell.change_kind(kind=K.GRASSROOTS_COMMITTEE, parent_kind=K.COMMUNE_COMMITTEE, members=29,
                         consent=None, effective_on=ON, decision=None)
    assert code(refused) == "THRESHOLD_CONSENT_REQUIRED"
    cell.change_kind(kind=K.GRASSROOTS_COMMITTEE, parent_kind=K.COMMUNE_COMMITTEE, members=29,
                     consent=CONSENT, effective_on=ON, decision=None)
    assert cell.kind is K.GRASSROOTS_COMMITTEE and last(cell).consent == CONSENT
    assert cell.consent_for(Threshold.GRASSROOTS_COMMITTEE_FROM_30, ON) is not None


def test_a_cell_of_thirty_members_becomes_a_committee_without_consent(cell: Organization) -> None:
    cell.change_kind(kind=K.GRASSROOTS_COMMITTEE, parent_kind=K.COMMUNE_COMMITTEE, members=30,
                     consent=None, effective_on=ON, decision=None)
    assert type(last(cell)).__name__ == "KindChanged"


def test_a_committee_of_thirty_members_becomes_a_cell_only_with_consent(commune: Organization) -> None:
    committee = found(K.GRASSROOTS_COMMITTEE, commune, "Đảng bộ Công ty Điện lực")
    with pytest.raises(ThresholdConsentRequiredError):
        committee.change_kind(kind=K.GRASSROOTS_CELL, parent_kind=K.COMMUNE_COMMITTEE, members=30,
                              consent=None, effective_on=ON, decision=None)
    committee.change_kind(kind=K.GRASSROOTS_CELL, parent_kind=K.COMMUNE_COMMITTEE, members=29,
                          consent=None, effective_on=ON, decision=None)
    assert committee.kind is K.GRASSROOTS_CELL


# -- move --------------------------------------------------------------------------------------


def test_a_move_is_judged_by_the_parent_policy_in_force_on_its_date(province: Organization) -> None:
    district = found(K.DISTRICT_COMMITTEE, province, "Huyện ủy", on=date(2020, 1, 1))
    elsewhere = found(K.DISTRICT_COMMITTEE, province, "Thị ủy", on=date(2020, 1, 1))
    cell = found(K.GRASSROOTS_CELL, district, on=date(2020, 1, 1))
    with pytest.raises(ParentKindNotAllowedError) as refused:
        cell.move_under(elsewhere, parent_lineage=[elsewhere.id, province.id],
                        effective_on=date(2025, 7, 1), decision=None)
    assert code(refused) == "PARENT_KIND_NOT_ALLOWED"
    cell.move_under(elsewhere, parent_lineage=[elsewhere.id, province.id],
                    effective_on=date(2025, 6, 30), decision=None)
    moved = last(cell)
    assert (moved.from_parent_id, moved.to_parent_id) == (district.id, elsewhere.id)
    assert cell.parent_id == elsewhere.id


def test_an_organisation_cannot_move_under_its_own_subtree(province: Organization, commune: Organization) -> None:
    committee = found(K.GRASSROOTS_COMMITTEE, commune, "Đảng bộ Trường")
    sub = found(K.SUBORDINATE_CELL, committee)
    with pytest.raises(TreeCycleError) as refused:
        committee.move_under(sub, parent_lineage=[sub.id, committee.id, commune.id, province.id],
                             effective_on=ON, decision=None)
    assert code(refused) == "TREE_CYCLE"


def test_a_move_under_the_same_parent_changes_nothing(
    province: Organization, commune: Organization, cell: Organization,
) -> None:
    with pytest.raises(OrganizationUnchangedError):
        cell.move_under(commune, parent_lineage=[commune.id, province.id], effective_on=ON, decision=None)


def test_nothing_is_moved_or_founded_under_an_ended_organisation(
    province: Organization, commune: Organization, cell: Organization,
) -> None:
    other = found(K.COMMUNE_COMMITTEE, province, "Đảng bộ xã Tân Hòa")
    other.dissolve(effective_on=ON, decision=None)
    with pytest.raises(OrganizationEndedError) as refused:
        cell.move_under(other, parent_lineage=[other.id, province.id], effective_on=ON, decision=None)
    assert code(refused) == "ORGANIZATION_ENDED" and refused.value.field == "newParentId"
    with pytest.raises(OrganizationEndedError):
        found(K.GRASSROOTS_CELL, other, on=ON)
    with pytest.raises(OrganizationEndedError):
        other.note_child(cell.id, live=True, effective_on=ON)


# -- ending: merge, consolidate, split, dissolve ---------------------------------------------------


def test_an_organisation_ends_only_empty(commune: Organization, cell: Organization) -> None:
    with_members(cell, 1)
    with pytest.raises(OrganizationNotEmptyError) as refused:
        cell.dissolve(effective_on=ON, decision=None)
    assert code(refused) == "ORGANIZATION_NOT_EMPTY"
    with pytest.raises(OrganizationHasChildrenError) as refused_children:
        commune.merge_into(uuid.uuid4(), effective_on=ON, decision=None)
    assert code(refused_children) == "ORGANIZATION_HAS_CHILDREN"


def test_an_ended_organisation_accepts_no_further_change(commune: Organization) -> None:
    empty = found(K.GRASSROOTS_CELL, commune, "Chi bộ Thôn Nam")
    empty.merge_into(uuid.uuid4(), effective_on=ON, decision=None)
    assert empty.ended_on == ON
    for change in (lambda: empty.rename(name="Chi bộ mới", effective_on=ON, decision=None),
                   lambda: empty.dissolve(effective_on=ON, decision=None),
                   lambda: empty.note_member(uuid.uuid4(), "OFFICIAL", ON)):
        with pytest.raises(OrganizationEndedError):
            change()


def test_cells_join_cells_and_committees_join_committees(commune: Organization, cell: Organization) -> None:
    committee = found(K.GRASSROOTS_COMMITTEE, commune, "Đảng bộ Bệnh viện")
    with pytest.raises(KindsIncompatibleError) as refused:
        cell.check_joins(committee, successor_lineage=[committee.id, commune.id], effective_on=ON)
    assert code(refused) == "REORGANISATION_KINDS_INCOMPATIBLE"
    other = found(K.GRASSROOTS_CELL, commune, "Chi bộ Thôn Bắc")
    cell.check_joins(other, successor_lineage=[other.id, commune.id], effective_on=ON)


def test_a_committee_cannot_join_its_own_subtree(commune: Organization) -> None:
    committee = found(K.GRASSROOTS_COMMITTEE, commune, "Đảng bộ Trường")
    with pytest.raises(TreeCycleError):
        commune.check_joins(committee, successor_lineage=[committee.id, commune.id], effective_on=ON)


def test_a_split_allocates_every_member_exactly_once(cell: Organization) -> None:
    a, b, c = with_members(cell, 3)
    for allocation in ([(a, 0), (b, 1)], [(a, 0), (b, 1), (c, 1), (c, 0)], [(a, 0), (b, 1), (c, 2)],
                       [(a, 0), (b, 1), (c, None)], [(a, 0), (b, 1), (c, 1), (uuid.uuid4(), 0)]):
        with pytest.raises(SplitAllocationIncompleteError) as refused:
            cell.check_allocation(allocation, parts=2, continues=False)
        assert code(refused) == "SPLIT_ALLOCATION_INCOMPLETE"
    cell.check_allocation([(a, 0), (b, 1), (c, 1)], parts=2, continues=False)
    cell.check_allocation([(a, 0), (b, None), (c, None)], parts=1, continues=True)


def test_a_split_that_continues_keeps_the_organisation_open(cell: Organization) -> None:
    with_members(cell, 1)
    successor = uuid.uuid4()
    cell.split_into([successor], continues=True, effective_on=ON, decision=None)
    assert cell.ended_on is None and last(cell).successor_ids == [successor]


# -- rosters -----------------------------------------------------------------------------------


def test_a_roster_records_entries_status_changes_and_departures(cell: Organization) -> None:
    (member,) = with_members(cell, 1, "PROBATIONARY")
    cell.note_member(member, "PROBATIONARY", ON)
    cell.note_member(member, "OFFICIAL", ON)
    cell.note_member(member, None, ON)
    assert [type(e).__name__ for e in cell.pending_events[-3:]] == [
        "MemberEntered", "MemberStatusNoted", "MemberLeft"]
    assert cell.roster == {}


def test_only_a_cell_takes_members(commune: Organization) -> None:
    with pytest.raises(OrganizationNotCellError) as refused:
        commune.note_member(uuid.uuid4(), "OFFICIAL", ON)
    assert code(refused) == "ORGANIZATION_NOT_A_CELL"


def test_the_member_count_is_of_probationary_and_official_members(cell: Organization) -> None:
    with_members(cell, 2, "CANDIDATE")
    with_members(cell, 3, "PROBATIONARY")
    with_members(cell, 4)
    assert cell.member_count() == 7 and len(cell.roster) == 9


# -- the member's side -------------------------------------------------------------------------


def official(cell_id: uuid.UUID) -> Member:
    return Member.enroll(full_name="Lê Văn Tám", birth_date=date(1970, 1, 1), cell_id=cell_id,
                         admitted_on=date(1995, 1, 1), ceremony_on=date(1995, 2, 1),
                         recognized_on=date(1996, 2, 1))


def test_a_member_moved_by_a_reorganisation_is_in_the_new_cell(cell: Organization) -> None:
    member = official(cell.id)
    target = uuid.uuid4()
    member.move_by_reorganisation(from_cell_id=cell.id, to_cell_id=target,
                                  reorganisation=ReorganisationKind.MERGER, effective_on=ON)
    moved = last(member)
    assert member.cell_id == target and moved.reorganisation == "MERGER"
    assert member.cells_concerned() == {cell.id, target} and member.pending_effective_on() == ON


def test_a_member_is_moved_only_from_the_cell_they_are_in(cell: Organization) -> None:
    member = official(uuid.uuid4())
    with pytest.raises(MemberNotInCellError) as refused:
        member.move_by_reorganisation(from_cell_id=cell.id, to_cell_id=uuid.uuid4(),
                                      reorganisation=ReorganisationKind.SPLIT, effective_on=ON)
    assert code(refused) == "MEMBER_NOT_IN_CELL"


def test_a_member_off_the_rosters_is_not_moved(cell: Organization) -> None:
    member = official(cell.id)
    member.record_death(on=date(2024, 1, 1))
    assert member.roster_status() is None
    with pytest.raises(StatusDoesNotAllowError):
        member.move_by_reorganisation(from_cell_id=cell.id, to_cell_id=uuid.uuid4(),
                                      reorganisation=ReorganisationKind.MERGER, effective_on=ON)


# -- stored events -----------------------------------------------------------------------------


def _mapper() -> Mapper[uuid.UUID]:
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DatetimeAsISO()):
        transcoder.register(transcoding)
    register_domain_transcodings(transcoder)
    return Mapper(transcoder=transcoder)


def test_a_founding_stored_by_the_first_version_loads_with_no_sector_and_no_predecessors() -> None:
    mapper = _mapper()
    founded = Organization.found(name="Chi bộ", kind=K.PROVINCIAL_ORGANIZATION, parent=None,
                                 effective_on=ON, decision=None, sector=GrassrootsOrgType.ENTERPRISE)
    stored = mapper.to_stored_event(founded.pending_events[0])
    state = json.loads(stored.state)
    for added in ("sector", "predecessor_ids", "class_version"):
        state.pop(added)
    old = type(stored)(stored.originator_id, stored.originator_version, stored.topic,
                       json.dumps(state).encode())
    replayed = mapper.to_domain_event(old).mutate(None)
    assert replayed.sector is None and replayed.predecessor_ids == ()
    assert replayed.roster == {} and replayed.children == set() and replayed.ended_on is None
    current = mapper.to_domain_event(stored).mutate(None)
    assert current.sector is GrassrootsOrgType.ENTERPRISE


def test_every_reorganisation_event_replays_to_the_same_organisation(commune: Organization) -> None:
    cell = Organization.found(name="Chi bộ Thôn Đông", kind=K.GRASSROOTS_CELL, parent=commune,
                              effective_on=date(2025, 7, 1), decision=None)
    with_members(cell, 2)
    cell.rename(name="Chi bộ Khu 3", effective_on=ON, decision=CONSENT)
    cell.change_kind(kind=K.GRASSROOTS_COMMITTEE, parent_kind=K.COMMUNE_COMMITTEE, members=2,
                     consent=CONSENT, effective_on=ON, decision=None)
    for member_id in list(cell.roster):
        cell.note_member(member_id, None, ON)
    cell.note_child(uuid.uuid4(), live=True, effective_on=ON)
    cell.absorb([uuid.uuid4()], effective_on=ON, decision=None)
    cell.split_into([uuid.uuid4()], continues=True, effective_on=ON, decision=None)
    mapper, replayed = _mapper(), None
    for stored in [mapper.to_stored_event(e) for e in cell.collect_events()]:
        replayed = mapper.to_domain_event(stored).mutate(replayed)
    assert vars(replayed) == vars(cell)

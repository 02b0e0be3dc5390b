"""Committee seats, qualifications and thresholds through the register, on a real event store."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from support import enroll_officials, event_count, new_slug

from partyledger.domain.decision import Decision
from partyledger.domain.errors import DomainError, OrganizationNotFoundError
from partyledger.domain.member_exits import StrikeOffGround
from partyledger.domain.member_qualifications import PoliticalTheoryLevel, QualificationKind
from partyledger.domain.org_committee import Position, SeatBasis, SeatEndCause
from partyledger.domain.org_reorganisation import Merger
from partyledger.domain.org_thresholds import Threshold
from partyledger.domain.organization import OrganizationKind as K
from partyledger.domain.provenance import Provenance, idempotency_key, recorded_by
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.services.access import AccessDeniedError, Actor, Role

TERM = (date(2020, 9, 1), date(2023, 2, 28))  # a subordinate cell: 30 months
ELECTED = Decision("2-NQ/ĐH", date(2020, 9, 1), "Đại hội chi bộ")
CONSENT = Decision("31-CV/ĐU", date(2021, 2, 1), "Ban Thường vụ Đảng ủy")
PT = QualificationKind.POLITICAL_THEORY


@pytest.fixture(autouse=True)
def provenance(admin: Actor) -> Iterator[None]:
    with recorded_by(Provenance.system(admin.subject)):
        yield


@dataclass(frozen=True)
class Tree:
    province: uuid.UUID
    committee: uuid.UUID  # a grassroots committee with two subordinate cells
    cell: uuid.UUID
    sister: uuid.UUID
    elsewhere: uuid.UUID  # a grassroots cell directly under the province


@pytest.fixture
def tree(tenant: TenantRuntime, admin: Actor) -> Tree:
    def found(name: str, kind: K, parent: uuid.UUID | None) -> uuid.UUID:
        return tenant.register.found_organization(admin, name=name, kind=kind, parent_id=parent,
                                                  effective_on=date(2015, 1, 1), decision=None).subject_id

    province = found("Đảng bộ tỉnh", K.PROVINCIAL_ORGANIZATION, None)
    committee = found("Đảng bộ Công ty Điện lực", K.GRASSROOTS_COMMITTEE, province)
    return Tree(province, committee, found("Chi bộ Phòng Kỹ thuật", K.SUBORDINATE_CELL, committee),
                found("Chi bộ Phòng Kinh doanh", K.SUBORDINATE_CELL, committee),
                found("Chi bộ Thôn Đông", K.GRASSROOTS_CELL, province))


def seat(tenant: TenantRuntime, actor: Actor, org: uuid.UUID, member: uuid.UUID,
         position: Position = Position.SECRETARY, **changes: Any) -> Any:
    arguments: dict[str, Any] = {
        "organization_id": org, "member_id": member, "position": position, "basis": SeatBasis.ELECTED,
        "term_start": TERM[0], "term_end": TERM[1], "effective_on": TERM[0], "decision": ELECTED,
    }
    arguments.update(changes)
    return tenant.register.seat_member(actor, **arguments)


def writes_nothing(tenant: TenantRuntime, command: Callable[[], object], code: str) -> DomainError:
    before = event_count(tenant)
    with pytest.raises(DomainError) as refused:
        command()
    assert refused.value.code == code, refused.value.message
    assert event_count(tenant) == before
    return refused.value


def written_since(tenant: TenantRuntime, position: int) -> list[str]:
    """The names of the events recorded after ``position``."""
    notifications = tenant.register.notification_log.select(position + 1, 1000)
    return [n.topic.rsplit(".", 1)[-1] for n in notifications]


def officer(tenant: TenantRuntime, *scope: uuid.UUID) -> Actor:
    return Actor("officer@" + tenant.tenant.slug, tenant.tenant.slug, frozenset({Role.OFFICER}), frozenset(scope))


def seat_refs(tenant: TenantRuntime, org: uuid.UUID, on: date = date(2022, 1, 1)) -> list[tuple[uuid.UUID, Position]]:
    return [(s.member_id, s.position) for s in tenant.register.organization(org).seats_on(on)]


# -- seating -------------------------------------------------------------------------------------

def test_an_official_member_is_seated_and_both_records_are_saved_together(
    tenant: TenantRuntime, admin: Actor, tree: Tree,
) -> None:
    (member,) = enroll_officials(tenant, admin, tree.cell, n=1)
    before = event_count(tenant)
    outcome = seat(tenant, admin, tree.cell, member)
    assert outcome.subject_id == tree.cell and event_count(tenant) == before + 2
    (held,) = tenant.register.seats(admin, tree.cell, date(2022, 1, 1))
    assert (held.member_id, held.position, held.basis, held.decision) == (member, Position.SECRETARY,
                                                                          SeatBasis.ELECTED, ELECTED)
    assert [(s.organization_id, s.seat_ref) for s in tenant.register.member(member).seats] == [(tree.cell, held.ref)]
    assert type(tenant.register.member_history(admin, member)[-1]).__name__ == "SeatTaken"


def test_a_member_of_a_subordinate_cell_sits_on_the_grassroots_committee(
    tenant: TenantRuntime, admin: Actor, tree: Tree,
) -> None:
    (member,) = enroll_officials(tenant, admin, tree.cell, n=1)
    seat(tenant, admin, tree.committee, member, Position.INSPECTION_COMMISSION_CHAIR)
    assert seat_refs(tenant, tree.committee) == [(member, Position.INSPECTION_COMMISSION_CHAIR)]


def test_refused_seatings_write_nothing(tenant: TenantRuntime, admin: Actor, tree: Tree) -> None:
    secretary, other = enroll_officials(tenant, admin, tree.cell, n=2)
    (stranger,) = enroll_officials(tenant, admin, tree.elsewhere, n=1)
    probationer = tenant.register.enroll_member(
        admin, full_name="Vũ Thị Mai", birth_date=date(1995, 1, 1), cell_id=tree.cell,
        admitted_on=date(2020, 1, 10), ceremony_on=date(2020, 2, 1), recognized_on=None).subject_id
    writes_nothing(tenant, lambda: seat(tenant, admin, tree.cell, probationer), "SEAT_HOLDER_NOT_OFFICIAL")
    writes_nothing(tenant, lambda: seat(tenant, admin, tree.cell, stranger), "SEAT_HOLDER_NOT_IN_ORGANIZATION")
    writes_nothing(tenant, lambda: seat(tenant, admin, tree.cell, other, term_end=date(2027, 1, 1)),
                   "TERM_TOO_LONG")
    seat(tenant, admin, tree.cell, secretary)
    writes_nothing(tenant, lambda: seat(tenant, admin, tree.cell, other, effective_on=date(2021, 1, 1)),
                   "SEAT_ALREADY_HELD")
    assert seat_refs(tenant, tree.cell) == [(secretary, Position.SECRETARY)]


def test_a_committee_member_in_a_small_cell_needs_the_superiors_consent_which_is_recorded(
    tenant: TenantRuntime, admin: Actor, tree: Tree,
) -> None:
    (member,) = enroll_officials(tenant, admin, tree.cell, n=1)
    error = writes_nothing(tenant, lambda: seat(tenant, admin, tree.cell, member, Position.COMMITTEE_MEMBER),
                           "THRESHOLD_CONSENT_REQUIRED")
    assert "CELL_COMMITTEE_FROM_9" in error.message
    seat(tenant, admin, tree.cell, member, Position.COMMITTEE_MEMBER, consent=CONSENT, effective_on=date(2021, 2, 1))
    cell = tenant.register.organization(tree.cell)
    assert [c.threshold for c in cell.threshold_consents] == [Threshold.CELL_COMMITTEE_FROM_9]
    names = [type(e).__name__ for e in tenant.register.events.get(tree.cell)]
    assert names[-2:] == ["ThresholdConsentRecorded", "SeatFilled"]
    (warning,) = tenant.register.threshold_warnings(admin, tree.cell, as_of=date(2021, 3, 1), official_count=5,
                                                    member_count=5)
    assert warning == (Threshold.CELL_COMMITTEE_FROM_9, cell.threshold_consents[0])


def test_a_cell_of_nine_officials_elects_its_committee_without_consent(
    tenant: TenantRuntime, admin: Actor, tree: Tree,
) -> None:
    members = enroll_officials(tenant, admin, tree.cell, n=9)
    if not getattr(tenant.register.organization(tree.cell), "roster", None):
        pytest.skip("cells do not keep their roster on the organisation yet")
    seat(tenant, admin, tree.cell, members[0], Position.COMMITTEE_MEMBER)
    assert tenant.register.organization(tree.cell).threshold_consents == ()


def test_threshold_warnings_count_the_rosters_of_the_cell_or_of_the_committees_cells(
    tenant: TenantRuntime, admin: Actor, tree: Tree,
) -> None:
    enroll_officials(tenant, admin, tree.cell, n=2)
    enroll_officials(tenant, admin, tree.sister, n=3)
    enroll_officials(tenant, admin, tree.elsewhere, n=30)

    def warned(org: uuid.UUID) -> list[Threshold]:
        return [t for t, _ in tenant.register.threshold_warnings(admin, org, as_of=date(2022, 1, 1))]

    assert tenant.register.member_counts(tenant.register.organization(tree.committee)) == (5, 5)
    assert warned(tree.committee) == [Threshold.GRASSROOTS_COMMITTEE_FROM_30]
    assert warned(tree.cell) == [Threshold.CELL_MIN_OFFICIALS]
    assert warned(tree.sister) == []
    assert warned(tree.elsewhere) == [Threshold.GRASSROOTS_CELL_UNDER_30]
    assert warned(tree.province) == []


def test_an_officer_seats_within_their_scope_only(tenant: TenantRuntime, admin: Actor, tree: Tree) -> None:
    (member,) = enroll_officials(tenant, admin, tree.cell, n=1)
    before = event_count(tenant)
    with pytest.raises(AccessDeniedError):
        seat(tenant, officer(tenant, tree.sister), tree.cell, member)
    assert event_count(tenant) == before
    seat(tenant, officer(tenant, tree.committee), tree.cell, member)


def test_a_retried_seating_with_the_same_key_seats_once(tenant: TenantRuntime, admin: Actor, tree: Tree) -> None:
    (member,) = enroll_officials(tenant, admin, tree.cell, n=1)
    with idempotency_key("seat-7"):
        first = seat(tenant, admin, tree.cell, member)
        again = seat(tenant, admin, tree.cell, member)
    assert again.replayed and again.subject_id == first.subject_id
    assert len(tenant.register.organization(tree.cell).seats) == 1


def test_another_tenant_can_neither_seat_nor_unseat_nor_record_here(
    tenant: TenantRuntime, admin: Actor, tree: Tree, directory: TenantDirectory,
) -> None:
    (member,) = enroll_officials(tenant, admin, tree.cell, n=1)
    seat(tenant, admin, tree.cell, member)
    ref = tenant.register.organization(tree.cell).seats[0].ref
    slug = new_slug()
    directory.create(slug, "Đảng bộ tỉnh bên cạnh")
    other, admin_b = directory.runtime(slug), Actor("admin-b", slug, frozenset({Role.TENANT_ADMIN}))
    before = (event_count(tenant), event_count(other))
    with pytest.raises(OrganizationNotFoundError):
        seat(other, admin_b, tree.cell, member, Position.DEPUTY_SECRETARY)
    with pytest.raises(OrganizationNotFoundError):
        other.register.unseat_member(admin_b, organization_id=tree.cell, seat_ref=ref, reason="x",
                                     effective_on=date(2022, 1, 1))
    with pytest.raises(AccessDeniedError):  # B's credentials on this tenant's register
        tenant.register.unseat_member(admin_b, organization_id=tree.cell, seat_ref=ref, reason="x",
                                      effective_on=date(2022, 1, 1))
    with pytest.raises(AccessDeniedError):
        tenant.register.record_qualification(admin_b, member_id=member, kind=PT,
                                             level=PoliticalTheoryLevel.ELEMENTARY, effective_on=date(2020, 1, 1))
    with pytest.raises(AccessDeniedError):
        tenant.register.seats(admin_b, tree.cell, date(2022, 1, 1))
    assert (event_count(tenant), event_count(other)) == before


# -- ending seats --------------------------------------------------------------------------------

def test_unseating_ends_the_seat_on_both_records(tenant: TenantRuntime, admin: Actor, tree: Tree) -> None:
    (member,) = enroll_officials(tenant, admin, tree.cell, n=1)
    seat(tenant, admin, tree.cell, member)
    ref = tenant.register.organization(tree.cell).seats[0].ref
    writes_nothing(tenant, lambda: tenant.register.unseat_member(
        admin, organization_id=tree.cell, seat_ref=uuid.uuid4(), reason="x", effective_on=date(2022, 1, 1)),
        "SEAT_NOT_FOUND")
    writes_nothing(tenant, lambda: tenant.register.unseat_member(
        admin, organization_id=tree.cell, seat_ref=ref, reason="", effective_on=date(2022, 1, 1)),
        "SEAT_END_REASON_REQUIRED")
    tenant.register.unseat_member(admin, organization_id=tree.cell, seat_ref=ref, reason="Nghỉ hưu",
                                  effective_on=date(2022, 1, 1))
    assert seat_refs(tenant, tree.cell) == [] and tenant.register.member(member).seats == ()
    assert seat_refs(tenant, tree.cell, date(2021, 12, 31)) == [(member, Position.SECRETARY)]


def test_a_holders_seats_end_with_their_death_in_the_same_save(tenant: TenantRuntime, admin: Actor, tree: Tree) -> None:
    (member,) = enroll_officials(tenant, admin, tree.cell, n=1)
    seat(tenant, admin, tree.cell, member)
    seat(tenant, admin, tree.committee, member, Position.COMMITTEE_MEMBER)
    before = event_count(tenant)
    tenant.register.record_death(admin, member_id=member, on=date(2022, 4, 5))
    assert sorted(n for n in written_since(tenant, before) if "Seat" in n or n == "Deceased") == [
        "Deceased", "SeatEnded", "SeatEnded", "SeatVacated", "SeatVacated"], "one save for all"
    for org in (tree.cell, tree.committee):
        (ended,) = tenant.register.organization(org).seats
        assert (ended.ended_on, ended.end_cause) == (date(2022, 4, 5), SeatEndCause.HOLDER_DECEASED)
    assert tenant.register.member(member).seats == ()


def test_a_struck_off_holder_leaves_their_seat(tenant: TenantRuntime, admin: Actor, tree: Tree) -> None:
    (member,) = enroll_officials(tenant, admin, tree.cell, n=1)
    seat(tenant, admin, tree.cell, member)
    tenant.register.strike_off(admin, member_id=member, ground=StrikeOffGround.ABANDONED_ACTIVITY,
                               decision=Decision("8-QĐ/ĐU", date(2022, 1, 9), "Đảng ủy"),
                               effective_on=date(2022, 1, 10))
    (ended,) = tenant.register.organization(tree.cell).seats
    assert (ended.ended_on, ended.end_cause) == (date(2022, 1, 10), SeatEndCause.HOLDER_EXITED)


def test_a_holder_transferred_to_a_sister_cell_leaves_the_cell_seat_but_keeps_the_committee_seat(
    tenant: TenantRuntime, admin: Actor, tree: Tree,
) -> None:
    (member,) = enroll_officials(tenant, admin, tree.cell, n=1)
    seat(tenant, admin, tree.cell, member)
    seat(tenant, admin, tree.committee, member, Position.STANDING_COMMITTEE_MEMBER)
    register = tenant.register
    register.issue_transfer_letter(admin, member_id=member, to_cell_id=tree.sister, letter_number="5-GT/ĐU",
                                   issued_on=date(2022, 3, 1))
    register.present_transfer_letter(admin, member_id=member, presented_on=date(2022, 3, 3))
    register.receive_transfer(admin, member_id=member, received_on=date(2022, 3, 4))
    (cell_seat,) = register.organization(tree.cell).seats
    assert (cell_seat.ended_on, cell_seat.end_cause) == (date(2022, 3, 4), SeatEndCause.HOLDER_LEFT)
    assert seat_refs(tenant, tree.committee, date(2022, 6, 1)) == [(member, Position.STANDING_COMMITTEE_MEMBER)]
    assert [s.organization_id for s in register.member(member).seats] == [tree.committee]
    register.issue_transfer_letter(admin, member_id=member, to_cell_id=tree.elsewhere, letter_number="9-GT/ĐU",
                                   issued_on=date(2022, 11, 1))
    register.present_transfer_letter(admin, member_id=member, presented_on=date(2022, 11, 2))
    register.receive_transfer(admin, member_id=member, received_on=date(2022, 11, 3))
    assert seat_refs(tenant, tree.committee, date(2022, 11, 3)) == [] and register.member(member).seats == ()


def test_a_cell_moved_from_under_the_committee_takes_its_members_off_the_committee(
    tenant: TenantRuntime, admin: Actor, tree: Tree,
) -> None:
    (member,) = enroll_officials(tenant, admin, tree.cell, n=1)
    seat(tenant, admin, tree.cell, member)
    seat(tenant, admin, tree.committee, member, Position.DEPUTY_SECRETARY)
    receiving = tenant.register.found_organization(
        admin, name="Đảng bộ Công ty Nước sạch", kind=K.GRASSROOTS_COMMITTEE, parent_id=tree.province,
        effective_on=date(2015, 1, 1), decision=None).subject_id
    tenant.register.move_organization(admin, organization_id=tree.cell, new_parent_id=receiving,
                                      effective_on=date(2022, 5, 1))
    (left,) = tenant.register.organization(tree.committee).seats
    assert (left.ended_on, left.end_cause) == (date(2022, 5, 1), SeatEndCause.HOLDER_LEFT)
    assert seat_refs(tenant, tree.cell, date(2022, 5, 1)) == [(member, Position.SECRETARY)]
    assert [s.organization_id for s in tenant.register.member(member).seats] == [tree.cell]


def test_a_cell_merged_away_ends_its_seats(tenant: TenantRuntime, admin: Actor, tree: Tree) -> None:
    (member,) = enroll_officials(tenant, admin, tree.cell, n=1)
    seat(tenant, admin, tree.cell, member)
    seat(tenant, admin, tree.committee, member, Position.COMMITTEE_MEMBER)
    tenant.register.merge_organizations(admin, mergers=[Merger((tree.cell,), tree.sister)],
                                        effective_on=date(2022, 6, 1))
    (ended,) = tenant.register.organization(tree.cell).seats
    assert (ended.ended_on, ended.end_cause) == (date(2022, 6, 1), SeatEndCause.ORGANIZATION_ENDED)
    assert seat_refs(tenant, tree.committee, date(2022, 6, 1)) == [(member, Position.COMMITTEE_MEMBER)]
    assert [s.organization_id for s in tenant.register.member(member).seats] == [tree.committee]


# -- qualifications ------------------------------------------------------------------------------

def test_a_qualification_is_recorded_and_a_decrease_without_reason_writes_nothing(
    tenant: TenantRuntime, admin: Actor, tree: Tree,
) -> None:
    (member,) = enroll_officials(tenant, admin, tree.cell, n=1)
    tenant.register.record_qualification(admin, member_id=member, kind=PT, level=PoliticalTheoryLevel.INTERMEDIATE,
                                         effective_on=date(2019, 6, 1), evidence="Bằng 77/TC")
    writes_nothing(tenant, lambda: tenant.register.record_qualification(
        admin, member_id=member, kind=PT, level=PoliticalTheoryLevel.ELEMENTARY, effective_on=date(2020, 1, 1)),
        "QUALIFICATION_LEVEL_DECREASED")
    assert tenant.register.member(member).qualification_as_of(PT, date(2020, 1, 1)) is PoliticalTheoryLevel.INTERMEDIATE


def test_the_committees_political_theory_share_is_checked_as_of_a_date(
    tenant: TenantRuntime, admin: Actor, tree: Tree,
) -> None:
    members = enroll_officials(tenant, admin, tree.cell, n=3) + enroll_officials(tenant, admin, tree.sister, n=1)
    seat(tenant, admin, tree.committee, members[0])
    seat(tenant, admin, tree.committee, members[1], Position.DEPUTY_SECRETARY)
    seat(tenant, admin, tree.committee, members[2], Position.COMMITTEE_MEMBER)
    seat(tenant, admin, tree.committee, members[3], Position.STANDING_COMMITTEE_MEMBER)
    seat(tenant, admin, tree.cell, members[2], Position.GROUP_LEADER)  # another organisation's seat
    for member, since in ((members[0], date(2015, 1, 1)), (members[1], date(2021, 6, 1)),
                          (members[3], date(2019, 1, 1))):
        tenant.register.record_qualification(admin, member_id=member, kind=PT,
                                             level=PoliticalTheoryLevel.ELEMENTARY, effective_on=since)

    def share(on: date) -> Any:
        return tenant.register.committee_qualification_share(
            admin, tree.committee, as_of=on, kind=PT, at_least=PoliticalTheoryLevel.ELEMENTARY)

    assert (share(date(2021, 1, 1)).meeting, share(date(2021, 1, 1)).percent) == (2, Decimal("50.00"))
    assert (share(date(2021, 6, 1)).holders, share(date(2021, 6, 1)).percent) == (4, Decimal("75.00"))
    assert share(date(2020, 1, 1)).holders == 0 and share(date(2020, 1, 1)).percent is None

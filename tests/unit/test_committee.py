"""Committee seats and members' qualifications (DOMAIN.md §2.13.4, glossary §1.2), no database."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Mapper, UUIDAsHex
from hypothesis import event, given, settings
from hypothesis import strategies as st

from partyledger.domain.decision import Decision
from partyledger.domain.errors import DomainError
from partyledger.domain.member import Member
from partyledger.domain.member_qualifications import (
    GeneralEducation,
    PoliticalTheoryLevel,
    ProfessionalQualification,
    QualificationKind,
    QualificationShare,
    parse_level,
    qualification_share,
    rank,
)
from partyledger.domain.member_state import MemberStatus
from partyledger.domain.org_committee import (
    TERM_POLICIES,
    Position,
    SeatBasis,
    SeatEndCause,
    SeatHolder,
    TermPolicy,
    positions_for,
    seat_home,
    term_policy_in_force,
)
from partyledger.domain.org_thresholds import Threshold, ThresholdConsentRequiredError
from partyledger.domain.organization import Organization, OrganizationKind as K
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.domain.rules import CHARTER_RULES
from partyledger.domain.working_days import WorkingCalendar
from partyledger.services.org_committee import end_seats_of_leavers
from partyledger.services.transcodings import register_domain_transcodings

TERM = (date(2020, 9, 1), date(2025, 8, 31))
CONSENT = Decision("15-CV/ĐU", date(2021, 3, 1), "Ban Thường vụ Đảng ủy")
ELECTED = Decision("3-NQ/ĐH", date(2020, 9, 1), "Đại hội chi bộ")
PT = QualificationKind.POLITICAL_THEORY


@pytest.fixture(autouse=True)
def provenance() -> Iterator[Provenance]:
    with recorded_by(Provenance("officer-4", "corr-committee")) as p:
        yield p


def found(kind: K, parent: Organization | None) -> Organization:
    return Organization.found(name=f"{kind.label} thử", kind=kind, parent=parent,
                              effective_on=date(2015, 1, 1), decision=None)


@pytest.fixture
def tree() -> dict[str, Organization]:
    province = found(K.PROVINCIAL_ORGANIZATION, None)
    committee = found(K.GRASSROOTS_COMMITTEE, province)
    return {"province": province, "committee": committee,
            "cell": found(K.SUBORDINATE_CELL, committee), "other": found(K.SUBORDINATE_CELL, committee),
            "grassroots_cell": found(K.GRASSROOTS_CELL, province)}


def holder(cell: Organization, *above: Organization, status: MemberStatus = MemberStatus.OFFICIAL) -> SeatHolder:
    return SeatHolder(uuid.uuid4(), status, (cell.id, *(o.id for o in above)))


def seat(org: Organization, who: SeatHolder, position: Position = Position.SECRETARY, **changes: Any) -> Any:
    arguments: dict[str, Any] = {
        "holder": who, "position": position, "basis": SeatBasis.ELECTED, "term_start": TERM[0],
        "term_end": TERM[1], "decision": ELECTED, "effective_on": TERM[0], "official_count": 5,
        "consent": None, "terms": TermPolicy("test", date(2011, 1, 1), {k: 60 for k in K}),
    }
    arguments.update(changes)
    return org.seat_member(**arguments)


def refused(command: Callable[[], object], org: Organization, code: str) -> DomainError:
    before = org.version
    with pytest.raises(DomainError) as error:
        command()
    assert error.value.code == code, error.value.message
    assert org.version == before, "a refused command records nothing"
    return error.value


def official_member(cell: uuid.UUID = uuid.uuid4()) -> Member:
    return Member.enroll(full_name="Lê Thị Hoa", birth_date=date(1975, 1, 1), cell_id=cell,
                         admitted_on=date(2000, 1, 1), ceremony_on=date(2000, 1, 20),
                         recognized_on=date(2001, 2, 1))


# -- seats ------------------------------------------------------------------------------------

def test_an_official_member_of_the_cell_is_seated_as_secretary_for_the_term(tree: dict[str, Organization]) -> None:
    cell = tree["cell"]
    secretary = holder(cell, tree["committee"], tree["province"])
    filled = seat(cell, secretary)
    assert filled.member_id == secretary.member_id and filled.position is Position.SECRETARY
    assert cell.seats_on(date(2023, 1, 1)) == [filled]
    assert cell.seats_on(TERM[1] + timedelta(days=1)) == [], "the seat is bound to its term"
    assert cell.seats_on(TERM[0] - timedelta(days=1)) == []
    assert type(cell.collect_events()[-1]).__name__ == "SeatFilled"


def test_a_probationary_member_holds_no_seat(tree: dict[str, Organization]) -> None:
    cell = tree["cell"]
    error = refused(lambda: seat(cell, holder(cell, status=MemberStatus.PROBATIONARY)), cell,
                    "SEAT_HOLDER_NOT_OFFICIAL")
    assert error.field == "memberId"


def test_a_member_of_another_cell_holds_no_seat_in_this_one(tree: dict[str, Organization]) -> None:
    cell, other = tree["cell"], tree["other"]
    refused(lambda: seat(cell, holder(other, tree["committee"])), cell, "SEAT_HOLDER_NOT_IN_ORGANIZATION")


def test_a_member_of_a_subordinate_cell_sits_on_the_grassroots_committee(tree: dict[str, Organization]) -> None:
    committee = tree["committee"]
    member = holder(tree["cell"], committee, tree["province"])
    seat(committee, member, Position.STANDING_COMMITTEE_MEMBER)
    assert [s.member_id for s in committee.seats_on(date(2021, 1, 1))] == [member.member_id]


def test_a_cell_has_one_secretary_at_a_time(tree: dict[str, Organization]) -> None:
    cell = tree["cell"]
    first = seat(cell, holder(cell))
    refused(lambda: seat(cell, holder(cell), effective_on=date(2022, 1, 1)), cell, "SEAT_ALREADY_HELD")
    cell.unseat_member(seat_ref=first.ref, reason="Chuyển công tác", effective_on=date(2022, 1, 1))
    second = seat(cell, holder(cell), effective_on=date(2022, 1, 1))
    assert [s.ref for s in cell.seats_on(date(2022, 1, 1))] == [second.ref]
    assert [s.ref for s in cell.seats_on(date(2021, 12, 31))] == [first.ref]


def test_a_cell_may_have_two_deputies_but_one_member_sits_once_in_a_position(tree: dict[str, Organization]) -> None:
    cell, deputy = tree["cell"], holder(tree["cell"])
    seat(cell, deputy, Position.DEPUTY_SECRETARY)
    seat(cell, holder(cell), Position.DEPUTY_SECRETARY)
    refused(lambda: seat(cell, deputy, Position.DEPUTY_SECRETARY), cell, "SEAT_ALREADY_HELD")
    assert len(cell.seats_on(date(2021, 1, 1))) == 2


@pytest.mark.parametrize(("kind", "position"), [
    ("cell", Position.INSPECTION_COMMISSION_CHAIR), ("cell", Position.STANDING_COMMITTEE_MEMBER),
    ("committee", Position.GROUP_LEADER),
])
def test_a_position_belongs_to_the_kinds_that_have_it(tree: dict[str, Organization], kind: str, position: Position) -> None:
    org = tree[kind]
    refused(lambda: seat(org, holder(tree["cell"], tree["committee"]), position), org,
            "POSITION_NOT_IN_ORGANIZATION_KIND")


def test_a_party_group_leader_is_seated_in_a_cell_but_is_not_on_its_committee(tree: dict[str, Organization]) -> None:
    cell = tree["cell"]
    leader = seat(cell, holder(cell), Position.GROUP_LEADER)
    assert not leader.position.on_committee and Position.SECRETARY.on_committee
    assert cell.cell_committee_on(date(2021, 1, 1)) is False


def test_a_party_group_is_led_by_members_of_its_cell(tree: dict[str, Organization]) -> None:
    cell, committee = tree["cell"], tree["committee"]
    group = found(K.PARTY_GROUP, cell)
    seat(group, holder(cell, committee), Position.GROUP_LEADER)
    refused(lambda: seat(group, holder(tree["other"], committee), Position.DEPUTY_GROUP_LEADER), group,
            "SEAT_HOLDER_NOT_IN_ORGANIZATION")
    refused(lambda: seat(group, holder(cell, committee)), group, "POSITION_NOT_IN_ORGANIZATION_KIND")


def test_a_seat_is_taken_within_its_term_and_the_term_ends_after_it_starts(tree: dict[str, Organization]) -> None:
    cell = tree["cell"]
    refused(lambda: seat(cell, holder(cell), effective_on=date(2026, 1, 1)), cell, "SEAT_OUTSIDE_TERM")
    refused(lambda: seat(cell, holder(cell), term_end=TERM[0]), cell, "DATES_OUT_OF_ORDER")
    refused(lambda: seat(cell, holder(cell), decision=Decision("1", date(2020, 9, 2), "Đại hội")), cell,
            "DATES_OUT_OF_ORDER")


@pytest.mark.parametrize(("kind", "start", "longest"), [
    (K.SUBORDINATE_CELL, date(2020, 9, 1), date(2023, 9, 1)),  # two congresses in five years, +6 months
    (K.SUBORDINATE_CELL, date(2025, 9, 1), date(2031, 3, 1)),  # QĐ 294: one in five years
    (K.GRASSROOTS_CELL, date(2020, 9, 1), date(2026, 3, 1)),
    (K.GRASSROOTS_COMMITTEE, date(2020, 9, 1), date(2026, 3, 1)),
])
def test_a_term_runs_as_long_as_the_policy_in_force_at_its_start_allows(
    tree: dict[str, Organization], kind: K, start: date, longest: date,
) -> None:
    org = found(kind, tree["committee"] if kind is K.SUBORDINATE_CELL else tree["province"])
    terms = term_policy_in_force(start)
    refused(lambda: seat(org, holder(org), term_start=start, effective_on=start,
                         term_end=longest + timedelta(days=1), terms=terms, decision=None), org, "TERM_TOO_LONG")
    seat(org, holder(org), term_start=start, effective_on=start, term_end=longest, terms=terms, decision=None)


def test_term_policies_are_dated() -> None:
    assert term_policy_in_force(date(2025, 6, 30)).months[K.SUBORDINATE_CELL] == 30
    assert term_policy_in_force(date(2025, 7, 1)).regulation == "QĐ 294-QĐ/TW"
    assert term_policy_in_force(date(2000, 1, 1)) is TERM_POLICIES[0]


def test_a_cell_under_nine_officials_seats_a_committee_member_only_with_consent(tree: dict[str, Organization]) -> None:
    cell = tree["cell"]
    error = refused(lambda: seat(cell, holder(cell), Position.COMMITTEE_MEMBER, official_count=8), cell,
                    "THRESHOLD_CONSENT_REQUIRED")
    assert isinstance(error, ThresholdConsentRequiredError)
    assert error.threshold is Threshold.CELL_COMMITTEE_FROM_9 and "CELL_COMMITTEE_FROM_9" in error.message
    assert error.field == "consent"
    seat(cell, holder(cell), Position.COMMITTEE_MEMBER, official_count=8, consent=CONSENT,
         effective_on=date(2021, 3, 1))
    names = [type(e).__name__ for e in cell.collect_events()]
    assert names[-2:] == ["ThresholdConsentRecorded", "SeatFilled"]
    recorded = cell.consent_for(Threshold.CELL_COMMITTEE_FROM_9, date(2021, 3, 1))
    assert recorded is not None and recorded.decision == CONSENT
    assert cell.consent_for(Threshold.CELL_COMMITTEE_FROM_9, date(2021, 2, 28)) is None


def test_a_cell_of_nine_officials_elects_its_committee_without_consent(tree: dict[str, Organization]) -> None:
    cell = tree["cell"]
    seat(cell, holder(cell), Position.COMMITTEE_MEMBER, official_count=9)
    assert cell.threshold_consents == () and cell.cell_committee_on(date(2021, 1, 1)) is True


def test_a_committee_member_of_a_grassroots_committee_needs_no_cell_threshold(tree: dict[str, Organization]) -> None:
    committee = tree["committee"]
    seat(committee, holder(tree["cell"], committee), Position.COMMITTEE_MEMBER, official_count=0)
    assert committee.threshold_consents == ()


def test_a_seat_is_ended_with_a_reason_once(tree: dict[str, Organization]) -> None:
    cell = tree["cell"]
    filled = seat(cell, holder(cell))
    refused(lambda: cell.unseat_member(seat_ref=filled.ref, reason=" ", effective_on=date(2022, 1, 1)), cell,
            "SEAT_END_REASON_REQUIRED")
    refused(lambda: cell.unseat_member(seat_ref=uuid.uuid4(), reason="x", effective_on=date(2022, 1, 1)), cell,
            "SEAT_NOT_FOUND")
    refused(lambda: cell.unseat_member(seat_ref=filled.ref, reason="x", effective_on=date(2020, 8, 1)), cell,
            "DATES_OUT_OF_ORDER")
    refused(lambda: cell.unseat_member(seat_ref=filled.ref, reason="x", effective_on=date(2025, 9, 1)), cell,
            "SEAT_ALREADY_ENDED")
    ended = cell.unseat_member(seat_ref=filled.ref, reason="Nghỉ hưu", effective_on=date(2022, 1, 1),
                               decision=Decision("9-QĐ/ĐU", date(2021, 12, 20), "Đảng ủy"))
    assert ended.end_cause is SeatEndCause.UNSEATED and ended.end_reason == "Nghỉ hưu"
    refused(lambda: cell.unseat_member(seat_ref=filled.ref, reason="x", effective_on=date(2022, 2, 1)), cell,
            "SEAT_ALREADY_ENDED")


def test_an_ended_organisation_seats_no_one(tree: dict[str, Organization]) -> None:
    cell = tree["cell"]
    cell.ended_on = date(2021, 1, 1)  # type: ignore[attr-defined]  # set by the reorganisation events
    refused(lambda: seat(cell, holder(cell), effective_on=date(2021, 1, 1)), cell, "ORGANIZATION_ENDED")


DAY0 = date(2020, 1, 1)


@settings(max_examples=150, deadline=None)
@given(steps=st.lists(st.tuples(st.booleans(), st.integers(0, 2000), st.integers(1, 900)), max_size=12))
def test_no_sequence_of_seatings_and_endings_leaves_two_secretaries_on_one_day(
    steps: list[tuple[bool, int, int]],
) -> None:
    with recorded_by(Provenance("officer-4", "corr-hypothesis")):
        province = found(K.PROVINCIAL_ORGANIZATION, None)
        cell = found(K.GRASSROOTS_CELL, province)
        terms = TermPolicy("test", date(2011, 1, 1), {k: 60 for k in K})
        for seating, offset, length in steps:
            start = DAY0 + timedelta(days=offset)
            try:
                if seating:
                    seat(cell, holder(cell, province), term_start=start, effective_on=start,
                         term_end=start + timedelta(days=length), decision=None, terms=terms)
                elif cell.seats:
                    cell.unseat_member(seat_ref=cell.seats[offset % len(cell.seats)].ref, reason="x",
                                       effective_on=start)
            except DomainError:
                pass
        for day in (DAY0 + timedelta(days=d) for d in range(0, 3000, 7)):
            assert len([s for s in cell.seats_on(day) if s.position is Position.SECRETARY]) <= 1


class InMemoryRegister:
    """Just what ending seats reads from a register: aggregates by id."""

    def __init__(self, *aggregates: Any) -> None:
        self.aggregates = {a.id: a for a in aggregates}

    def get_or_none(self, aggregate_id: uuid.UUID, kind: type) -> Any:
        found = self.aggregates.get(aggregate_id)
        return found if isinstance(found, kind) else None


def lineage(register: InMemoryRegister, org_id: uuid.UUID | None) -> tuple[uuid.UUID, ...]:
    ids: list[uuid.UUID] = []
    while org_id is not None:
        ids.append(org_id)
        org_id = register.aggregates[org_id].parent_id
    return tuple(ids)


STEPS = st.lists(st.tuples(st.sampled_from(["seat", "die", "transfer"]), st.integers(0, 3),
                           st.integers(0, 4), st.integers(1, 120)), max_size=14)


@settings(max_examples=80, deadline=None)
@given(steps=STEPS)
def test_after_any_command_every_open_seat_is_held_by_an_official_member_of_its_organisation(
    steps: list[tuple[str, int, int, int]],
) -> None:
    with recorded_by(Provenance("officer-4", "corr-leavers")):
        province = found(K.PROVINCIAL_ORGANIZATION, None)
        committee = found(K.GRASSROOTS_COMMITTEE, province)
        cells = [found(K.SUBORDINATE_CELL, committee), found(K.SUBORDINATE_CELL, committee),
                 found(K.GRASSROOTS_CELL, province)]
        orgs = [committee, *cells, found(K.PARTY_GROUP, cells[0])]
        members = [official_member(cells[i % 3].id) for i in range(4)]
        register = InMemoryRegister(province, *orgs, *members)
        day = date(2020, 9, 1)
        for action, who, where, days in steps:
            day += timedelta(days=days)
            kept = copy.deepcopy(register.aggregates)
            member, org = register.aggregates[members[who].id], register.aggregates[orgs[where].id]
            try:
                changed = command(register, action, member, org, cells[where % 3].id, day)
            except DomainError:
                register.aggregates = kept  # a refused command keeps nothing
                continue
            end_seats_of_leavers(register, changed)  # type: ignore[arg-type]
            for aggregate in register.aggregates.values():
                aggregate.collect_events()
            check_open_seats(register, [o.id for o in orgs], [m.id for m in members], day)
        ended = {s.end_cause for o in orgs for s in register.aggregates[o.id].seats if s.end_cause}
        event(f"seats ended by {sorted(c.name for c in ended)}")


def command(register: InMemoryRegister, action: str, member: Member, org: Organization,
            cell_id: uuid.UUID, day: date) -> list[Any]:
    if action == "seat":
        allowed = sorted(positions_for(org.kind), key=lambda p: p.name)
        position = allowed[day.toordinal() % len(allowed)]
        filled = org.seat_member(
            holder=SeatHolder(member.id, member.status, lineage(register, member.cell_id)), position=position,
            basis=SeatBasis.APPOINTED, term_start=date(2020, 9, 1), term_end=date(2025, 8, 31), decision=None,
            effective_on=day, official_count=9, consent=None, terms=TermPolicy("test", date(2011, 1, 1)))
        member.take_seat(organization_id=org.id, seat_ref=filled.ref, position=position, effective_on=day)
        return [org, member]
    if action == "die":
        member.record_death(on=day)
        return [member]
    member.issue_transfer_letter(to_cell_id=cell_id, letter_number="1-GT", decision=None, issued_on=day,
                                 rules=CHARTER_RULES.in_force(day))
    member.present_transfer_letter(presented_on=day, reason_if_late=None, calendar=WorkingCalendar(name="weekdays"))
    member.receive_transfer(received_on=day)
    return [member]


def check_open_seats(register: InMemoryRegister, org_ids: list[uuid.UUID], member_ids: list[uuid.UUID],
                     day: date) -> None:
    orgs = [register.aggregates[i] for i in org_ids]
    for org in orgs:
        for held in (s for s in org.seats if s.ended_on is None and s.term_end >= day):
            holder_ = register.aggregates[held.member_id]
            assert holder_.status is MemberStatus.OFFICIAL
            assert seat_home(org.id, org.parent_id, org.kind) in lineage(register, holder_.cell_id)
    for member_id in member_ids:
        open_ = {(o.id, s.ref) for o in orgs for s in o.seats if s.member_id == member_id and s.ended_on is None}
        assert {(r.organization_id, r.seat_ref) for r in register.aggregates[member_id].seats} == open_


def test_seat_events_are_stored_and_replayed(tree: dict[str, Organization]) -> None:
    cell = tree["cell"]
    filled = seat(cell, holder(cell), Position.COMMITTEE_MEMBER, official_count=3, consent=CONSENT,
                  effective_on=date(2021, 3, 1))
    cell.unseat_member(seat_ref=filled.ref, reason="Chuyển công tác", effective_on=date(2022, 5, 1))
    copy = replayed(cell.collect_events())
    assert isinstance(copy, Organization)
    assert copy.seats == cell.seats and copy.threshold_consents == cell.threshold_consents


def replayed(events: list[Any]) -> Any:
    transcoder = JSONTranscoder()
    transcoder.register(UUIDAsHex())
    transcoder.register(DatetimeAsISO())
    register_domain_transcodings(transcoder)
    mapper: Mapper[uuid.UUID] = Mapper(transcoder=transcoder)
    copy = None
    for stored in [mapper.to_stored_event(e) for e in events]:
        copy = mapper.to_domain_event(stored).mutate(copy)
    return copy


# -- the member's side: seats held and qualifications --------------------------------------------

def test_the_member_keeps_a_reference_to_each_seat_until_it_ends() -> None:
    member, org, ref = official_member(), uuid.uuid4(), uuid.uuid4()
    member.take_seat(organization_id=org, seat_ref=ref, position=Position.SECRETARY, effective_on=date(2021, 1, 1))
    assert [(s.organization_id, s.seat_ref) for s in member.seats] == [(org, ref)]
    member.end_seat(organization_id=org, seat_ref=ref, cause=SeatEndCause.HOLDER_LEFT, effective_on=date(2022, 1, 1))
    member.end_seat(organization_id=org, seat_ref=ref, cause=SeatEndCause.HOLDER_LEFT, effective_on=date(2022, 1, 1))
    assert member.seats == ()
    assert [type(e).__name__ for e in member.collect_events()][-2:] == ["SeatTaken", "SeatEnded"]


def test_a_qualification_is_versioned_by_its_effective_date() -> None:
    member = official_member()
    member.record_qualification(kind=PT, level=PoliticalTheoryLevel.ELEMENTARY, effective_on=date(2012, 6, 1))
    member.record_qualification(kind=PT, level=PoliticalTheoryLevel.INTERMEDIATE, effective_on=date(2019, 6, 1),
                                evidence="Bằng số 1234/TCLLCT")
    member.record_qualification(kind=QualificationKind.GENERAL_EDUCATION,
                                level=GeneralEducation.UPPER_SECONDARY, effective_on=date(1993, 6, 1))
    assert member.qualification_as_of(PT, date(2012, 5, 31)) is None
    assert member.qualification_as_of(PT, date(2015, 1, 1)) is PoliticalTheoryLevel.ELEMENTARY
    assert member.qualification_as_of(PT, date(2019, 6, 1)) is PoliticalTheoryLevel.INTERMEDIATE
    assert [r.kind for r in member.qualifications_as_of(date(2020, 1, 1))] == [
        QualificationKind.GENERAL_EDUCATION, PT]
    assert replayed(member.collect_events()).qualifications == member.qualifications


def test_a_level_does_not_go_down_without_a_correction_reason() -> None:
    member = official_member()
    member.record_qualification(kind=PT, level=PoliticalTheoryLevel.INTERMEDIATE, effective_on=date(2019, 6, 1))
    with pytest.raises(DomainError) as error:
        member.record_qualification(kind=PT, level=PoliticalTheoryLevel.ELEMENTARY, effective_on=date(2020, 1, 1))
    assert error.value.code == "QUALIFICATION_LEVEL_DECREASED" and error.value.field == "correctionReason"
    with pytest.raises(DomainError) as later:  # a back-dated record above what follows it
        member.record_qualification(kind=PT, level=PoliticalTheoryLevel.ADVANCED, effective_on=date(2018, 1, 1))
    assert later.value.code == "QUALIFICATION_LEVEL_DECREASED"
    member.record_qualification(kind=PT, level=PoliticalTheoryLevel.ELEMENTARY, effective_on=date(2020, 1, 1),
                                correction_reason="Nhập nhầm trình độ")
    assert member.qualification_as_of(PT, date(2020, 1, 1)) is PoliticalTheoryLevel.ELEMENTARY
    member.record_qualification(kind=PT, level=PoliticalTheoryLevel.ELEMENTARY, effective_on=date(2012, 1, 1))


def test_a_political_theory_bachelor_stands_with_the_advanced_level() -> None:
    member = official_member()
    member.record_qualification(kind=PT, level=PoliticalTheoryLevel.BACHELOR, effective_on=date(2010, 1, 1))
    member.record_qualification(kind=PT, level=PoliticalTheoryLevel.ADVANCED, effective_on=date(2015, 1, 1))
    assert rank(PoliticalTheoryLevel.BACHELOR) == rank(PoliticalTheoryLevel.ADVANCED)


def test_a_level_belongs_to_its_kind() -> None:
    member = official_member()
    with pytest.raises(DomainError) as error:
        member.record_qualification(kind=PT, level=ProfessionalQualification.BACHELOR, effective_on=date(2010, 1, 1))
    assert error.value.code == "QUALIFICATION_LEVEL_UNKNOWN"
    assert parse_level(QualificationKind.PROFESSIONAL, "MASTER") is ProfessionalQualification.MASTER
    with pytest.raises(DomainError) as unknown:
        parse_level(PT, "MASTER")
    assert unknown.value.code == "QUALIFICATION_LEVEL_UNKNOWN" and unknown.value.field == "level"


def test_shares_are_rounded_half_up_to_two_decimals_as_s1_reports_them() -> None:
    assert QualificationShare(5, 3174).percent == Decimal("0.16")
    assert QualificationShare(604, 3174).percent == Decimal("19.03")
    assert QualificationShare(1, 8).percent == Decimal("12.50")
    assert QualificationShare(1, 200).percent == Decimal("0.50")
    assert QualificationShare(0, 0).percent is None


def test_the_share_counts_levels_at_or_above_the_target() -> None:
    E, I, B = PoliticalTheoryLevel.ELEMENTARY, PoliticalTheoryLevel.INTERMEDIATE, PoliticalTheoryLevel.BACHELOR
    share = qualification_share([E, I, None, B, None, E, I], PoliticalTheoryLevel.ELEMENTARY)
    assert (share.meeting, share.holders, share.percent) == (5, 7, Decimal("71.43"))
    assert qualification_share([E, I, B], PoliticalTheoryLevel.ADVANCED).meeting == 1


@given(meeting=st.integers(0, 50_000), extra=st.integers(0, 50_000))
def test_the_rounded_share_is_the_exact_share_rounded_half_up(meeting: int, extra: int) -> None:
    holders = meeting + extra
    if holders == 0:
        return
    exact = Fraction(100 * meeting, holders)
    cents = QualificationShare(meeting, holders).percent
    assert cents is not None
    assert abs(Fraction(cents) - exact) <= Fraction(1, 200)
    assert Fraction(cents) - exact != Fraction(-1, 200), "a half rounds up"
    assert cents.as_tuple().exponent == -2

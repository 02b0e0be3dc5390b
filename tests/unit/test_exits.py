"""Exits, readmission, restoration and exemption (DOMAIN.md §2.3, §2.8–2.11, scenarios H and I)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, timedelta
from itertools import pairwise
from typing import Any

import pytest
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Mapper, UUIDAsHex
from hypothesis import event, given, settings
from hypothesis import strategies as st

from partyledger.domain.decision import Decision
from partyledger.domain.errors import DomainError
from partyledger.domain.member import Member
from partyledger.domain.member_exits import (
    ExemptionGround,
    ExitKind,
    ReadmissionBar,
    StrikeOffGround,
    readmission_allowed_from,
)
from partyledger.domain.member_state import ExcludedInterval, MemberStatus, Resolution
from partyledger.domain.party_age import months_reached_on, party_age
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.domain.rules import CHARTER_RULES, Rules
from partyledger.domain.votes import VoteTally
from partyledger.domain.working_days import WorkingCalendar
from partyledger.services.transcodings import register_domain_transcodings

CELL = uuid.uuid4()
TWO_THIRDS = VoteTally(in_favour=8, against=2, eligible=10, present=10)
SIX_OF_TEN = VoteTally(in_favour=6, against=4, eligible=10, present=10)
OFFICIAL_GROUNDS = [g for g in StrikeOffGround if g.status is MemberStatus.OFFICIAL]
PROBATIONARY_GROUNDS = [g for g in StrikeOffGround if g.status is MemberStatus.PROBATIONARY]


@pytest.fixture(autouse=True)
def provenance() -> Iterator[Provenance]:
    with recorded_by(Provenance("officer-3", "corr-exits")) as p:
        yield p


def decision(on: date, number: str = "18-QĐ/HU") -> Decision:
    return Decision(number, on, "Ban Thường vụ Huyện ủy")


def rules(on: date) -> Rules:
    return CHARTER_RULES.in_force(max(on, date(2011, 11, 1)))


def official(admitted_on: date = date(1996, 2, 3)) -> Member:
    return Member.enroll(full_name="Hoàng Văn Tư", birth_date=date(1960, 4, 2), cell_id=CELL,
                         admitted_on=admitted_on, ceremony_on=admitted_on + timedelta(days=20),
                         recognized_on=admitted_on + timedelta(days=400))


def probationary(ceremony_on: date = date(2018, 11, 10)) -> Member:
    return Member.enroll(full_name="Lò Thị Mai", birth_date=date(1995, 8, 19), cell_id=CELL,
                         admitted_on=ceremony_on - timedelta(days=20), ceremony_on=ceremony_on,
                         recognized_on=None)


def strike_off(member: Member, ground: StrikeOffGround, on: date, vote: VoteTally | None = TWO_THIRDS) -> None:
    resolution = Resolution(on - timedelta(days=30), vote) if vote else None
    member.strike_off(ground=ground, decision=decision(on), effective_on=on,
                      cell_resolution=resolution, rules=rules(on))


def readmit(member: Member, on: date, **changes: Any) -> None:
    arguments: dict[str, Any] = {
        "cell_resolution": Resolution(on, TWO_THIRDS), "grassroots_resolution": None,
        "needs_grassroots": False, "decision": decision(on + timedelta(days=40), "31-QĐ/HU"),
        "provincial_consent": Decision("9-CV/TU", on + timedelta(days=20), "Ban Thường vụ Tỉnh ủy"),
        "ceremony_on": on + timedelta(days=60), "rules": rules(on),
    }
    arguments.update(changes)
    member.readmit(**arguments)


def expel(member: Member, on: date) -> None:
    """What the discipline part records on expulsion: EXITED, with an EXPELLED gap."""
    member.status = MemberStatus.EXITED
    member.excluded = [*member.excluded, ExcludedInterval(start=on, end=None, cause="EXPELLED")]


def refused(command: Callable[[], object], member: Member, code: str) -> DomainError:
    """The command breaks the rule named ``code`` and records nothing."""
    version, state = member.version, dict(vars(member))
    with pytest.raises(DomainError) as error:
        command()
    assert error.value.code == code, error.value.message
    assert member.version == version and vars(member) == state
    return error.value


# -- striking off -----------------------------------------------------------------------------


@pytest.mark.parametrize("ground", PROBATIONARY_GROUNDS)
def test_a_probationary_member_is_struck_off_the_probationary_list_with_the_cells_vote(
    ground: StrikeOffGround,
) -> None:
    member = probationary()
    strike_off(member, ground, date(2019, 12, 2))
    assert member.status is MemberStatus.EXITED
    assert member.excluded == [ExcludedInterval(date(2019, 12, 2), None, "STRUCK_OFF")]
    assert member.current_exit is not None and member.current_exit.ground is ground
    struck = member.collect_events()[-1]
    assert isinstance(struck, Member.StruckOff) and struck.cell_resolution is not None
    assert struck.cell_resolution.vote == TWO_THIRDS and struck.left_as is MemberStatus.PROBATIONARY


def test_striking_off_a_probationary_member_needs_two_thirds_of_the_cell() -> None:
    member = probationary()
    refused(lambda: strike_off(member, StrikeOffGround.PROBATION_NOT_MET, date(2019, 12, 2), vote=None),
            member, "STRIKE_OFF_CELL_VOTE_REQUIRED")
    refused(lambda: strike_off(member, StrikeOffGround.PROBATION_NOT_MET, date(2019, 12, 2), vote=SIX_OF_TEN),
            member, "CELL_VOTE_BELOW_TWO_THIRDS")


def test_a_probationary_strike_off_before_the_rule_book_starts_cannot_be_judged() -> None:
    member = probationary(ceremony_on=date(2004, 3, 1))
    on = date(2005, 3, 1)
    refused(lambda: member.strike_off(ground=StrikeOffGround.PROBATION_NOT_MET, decision=decision(on),
                                      effective_on=on, cell_resolution=Resolution(on, TWO_THIRDS), rules=None),
            member, "NO_REGULATION_IN_FORCE")


def test_an_official_strike_off_needs_no_regulations_figures() -> None:
    member = official()
    on = date(2005, 3, 1)
    member.strike_off(ground=StrikeOffGround.ABANDONED_ACTIVITY, decision=decision(on), effective_on=on,
                      cell_resolution=None, rules=None)
    assert member.status is MemberStatus.EXITED


@pytest.mark.parametrize("ground", OFFICIAL_GROUNDS)
def test_an_official_member_is_struck_off_on_each_ground_of_the_charter(ground: StrikeOffGround) -> None:
    member = official()
    strike_off(member, ground, date(2020, 1, 10), vote=None)
    assert member.status is MemberStatus.EXITED
    assert member.exits[-1].kind is ExitKind.STRUCK_OFF and member.exits[-1].ground is ground
    assert member.excluded[-1] == ExcludedInterval(date(2020, 1, 10), None, "STRUCK_OFF")


@pytest.mark.parametrize(("make", "ground"), [(probationary, OFFICIAL_GROUNDS[0]),
                                              (official, PROBATIONARY_GROUNDS[0])])
def test_a_ground_for_the_other_status_is_refused(make: Callable[[], Member], ground: StrikeOffGround) -> None:
    member = make()
    error = refused(lambda: strike_off(member, ground, date(2020, 1, 10)), member,
                    "STRIKE_OFF_GROUND_NOT_APPLICABLE")
    assert error.field == "ground"


def test_a_strike_off_dated_before_what_is_recorded_is_refused() -> None:
    member = probationary(ceremony_on=date(2018, 11, 10))
    refused(lambda: strike_off(member, StrikeOffGround.LOST_STANDING, date(2018, 11, 9)), member,
            "DATES_OUT_OF_ORDER")
    strike_off(member, StrikeOffGround.LOST_STANDING, date(2018, 11, 10))
    assert member.status is MemberStatus.EXITED


def test_someone_already_out_cannot_be_struck_off_again() -> None:
    member = official()
    strike_off(member, StrikeOffGround.ABANDONED_ACTIVITY, date(2020, 1, 10))
    refused(lambda: strike_off(member, StrikeOffGround.ABANDONED_ACTIVITY, date(2020, 2, 10)), member,
            "STATUS_DOES_NOT_ALLOW")


# -- voluntary withdrawal and death -------------------------------------------------------------


def test_withdrawal_is_refused_while_a_violation_case_is_open() -> None:
    member = official()
    error = refused(lambda: member.approve_withdrawal(decision=decision(date(2021, 3, 1)),
                                                      effective_on=date(2021, 3, 1), open_violation=True),
                    member, "WITHDRAWAL_BLOCKED_BY_VIOLATION")
    assert error.field == "openViolation"


def test_an_approved_withdrawal_puts_the_member_out_and_stops_party_age() -> None:
    member = official()
    member.approve_withdrawal(decision=decision(date(2021, 3, 1)), effective_on=date(2021, 3, 1),
                              open_violation=False)
    assert member.status is MemberStatus.EXITED
    assert member.excluded == [ExcludedInterval(date(2021, 3, 1), None, "WITHDRAWN")]
    assert member.current_exit is not None and member.current_exit.kind is ExitKind.WITHDRAWN


def test_death_closes_the_record_and_every_later_command_is_refused() -> None:
    member = official()
    member.record_death(on=date(2024, 6, 30))
    assert (member.status, member.died_on) == (MemberStatus.DECEASED, date(2024, 6, 30))
    later = date(2025, 1, 2)
    for command in (
        lambda: strike_off(member, StrikeOffGround.ABANDONED_ACTIVITY, later),
        lambda: member.approve_withdrawal(decision=decision(later), effective_on=later, open_violation=False),
        lambda: member.record_death(on=later),
        lambda: readmit(member, later),
        lambda: member.restore_membership(decision=decision(later), effective_on=later, apology=True),
        lambda: member.grant_exemption(ground=ExemptionGround.AGE, from_on=later, decision=None),
        lambda: member.end_exemption(on=later),
    ):
        error = refused(command, member, "MEMBER_DECEASED")
        assert isinstance(error, DomainError)


def test_death_dated_before_the_record_is_refused() -> None:
    member = official(admitted_on=date(1996, 2, 3))
    refused(lambda: member.record_death(on=date(1990, 1, 1)), member, "DATES_OUT_OF_ORDER")


# -- readmission: scenario I ---------------------------------------------------------------------


def test_scenario_i_abandoning_activity_bars_readmission_whatever_the_time_elapsed() -> None:
    member = official()
    strike_off(member, StrikeOffGround.ABANDONED_ACTIVITY, date(2020, 1, 10))
    for voted_on in (date(2023, 1, 10), date(2035, 6, 1)):
        refused(lambda v=voted_on: readmit(member, v), member, "READMISSION_FORBIDDEN_GROUND")


def test_scenario_i_after_probation_not_met_readmission_is_allowed_from_36_months_and_only_once() -> None:
    member = probationary(ceremony_on=date(2018, 11, 10))
    strike_off(member, StrikeOffGround.PROBATION_NOT_MET, date(2020, 1, 10))
    assert readmission_allowed_from(date(2020, 1, 10), rules(date(2023, 1, 10))) == date(2023, 1, 10)
    error = refused(lambda: readmit(member, date(2023, 1, 9)), member, "READMISSION_TOO_EARLY")
    assert error.field == "cellResolution.on"
    refused(lambda: readmit(member, date(2023, 1, 10), provincial_consent=None), member,
            "READMISSION_NEEDS_PROVINCIAL_CONSENT")
    readmit(member, date(2023, 1, 10))
    assert member.status is MemberStatus.PROBATIONARY
    assert (member.ceremony_on, member.recognized_on) == (date(2023, 3, 11), None)
    assert member.readmissions == 1
    # Out again, and far later: a second readmission is refused.
    strike_off(member, StrikeOffGround.PROBATION_NOT_MET, date(2024, 4, 1))
    refused(lambda: readmit(member, date(2030, 1, 10)), member, "READMISSION_ONLY_ONCE")


def test_readmission_closes_the_gap_at_its_decision_and_starts_probation_again() -> None:
    member = probationary(ceremony_on=date(2018, 11, 10))
    strike_off(member, StrikeOffGround.PROBATION_NOT_MET, date(2020, 1, 10))
    readmit(member, date(2023, 2, 1))
    assert member.excluded == [ExcludedInterval(date(2020, 1, 10), date(2023, 3, 13), "STRUCK_OFF")]
    assert member.readmitted_on == date(2023, 3, 13)
    assert member.probation_ends_on == date(2024, 4, 2)


def test_a_readmitted_member_once_official_counts_party_age_from_the_first_admission_minus_the_gap() -> None:
    member = probationary(ceremony_on=date(2015, 8, 10))  # admission decision 2015-07-21
    strike_off(member, StrikeOffGround.PROBATION_NOT_MET, date(2016, 9, 1))
    readmit(member, date(2019, 9, 2))  # decision 2019-10-12, ceremony 2019-11-01
    assert party_age(member, date(2020, 6, 1)) is None  # probationary again: no party age yet
    member.recognize_as_official(
        cell_resolution=Resolution(date(2020, 11, 2), TWO_THIRDS), grassroots_resolution=None,
        needs_grassroots=False, decision=decision(date(2020, 11, 20)), effective_on=date(2020, 11, 20),
        extended=False, rules=rules(date(2020, 11, 2)), calendar=WorkingCalendar(name="weekdays"))
    age = party_age(member, date(2025, 7, 21))
    gap = (date(2019, 10, 12) - date(2016, 9, 1)).days
    assert age is not None and age.days == (date(2025, 7, 21) - date(2015, 7, 21)).days - gap


def test_readmission_needs_the_provinces_consent_before_the_decision() -> None:
    member = official()
    strike_off(member, StrikeOffGround.DECLINED_AFTER_EDUCATION, date(2020, 1, 10))
    late = Decision("9-CV/TU", date(2023, 6, 1), "Ban Thường vụ Tỉnh ủy")
    refused(lambda: readmit(member, date(2023, 2, 1), provincial_consent=late), member,
            "READMISSION_NEEDS_PROVINCIAL_CONSENT")


def test_voluntary_withdrawal_bars_readmission_unless_in_extreme_family_hardship() -> None:
    member = official()
    member.approve_withdrawal(decision=decision(date(2019, 5, 6)), effective_on=date(2019, 5, 6),
                              open_violation=False)
    refused(lambda: readmit(member, date(2022, 6, 1)), member, "READMISSION_FORBIDDEN_GROUND")
    readmit(member, date(2022, 6, 1), extreme_family_hardship=True)
    assert member.status is MemberStatus.PROBATIONARY


@pytest.mark.parametrize("bar", list(ReadmissionBar))
def test_disunity_corruption_or_a_serious_crime_bar_readmission(bar: ReadmissionBar) -> None:
    member = official()
    strike_off(member, StrikeOffGround.STANDARDS_VIOLATED_TWO_YEARS, date(2020, 1, 10))
    refused(lambda: readmit(member, date(2024, 1, 10), barred_by=(bar,)), member,
            "READMISSION_FORBIDDEN_GROUND")


def test_after_a_conviction_readmission_waits_60_months_from_expungement() -> None:
    member = official()
    strike_off(member, StrikeOffGround.POLITICAL_STANDARDS_NOT_MET, date(2018, 1, 10))
    expunged = date(2019, 4, 1)
    refused(lambda: readmit(member, date(2024, 3, 31), conviction_expunged_on=expunged), member,
            "READMISSION_TOO_EARLY")
    readmit(member, date(2024, 4, 1), conviction_expunged_on=expunged)
    assert member.status is MemberStatus.PROBATIONARY


def test_the_wait_is_the_one_in_force_on_the_readmission() -> None:
    member = official()
    strike_off(member, StrikeOffGround.CARD_RETURNED_OR_DESTROYED, date(2020, 1, 10))
    longer = replace(rules(date(2023, 2, 1)), readmission_wait_months=48)
    refused(lambda: readmit(member, date(2023, 2, 1), rules=longer), member, "READMISSION_TOO_EARLY")
    readmit(member, date(2024, 1, 10), rules=longer)


def test_readmission_needs_two_thirds_of_the_cell() -> None:
    member = official()
    strike_off(member, StrikeOffGround.CARD_RETURNED_OR_DESTROYED, date(2020, 1, 10))
    refused(lambda: readmit(member, date(2023, 2, 1), cell_resolution=Resolution(date(2023, 2, 1), SIX_OF_TEN)),
            member, "CELL_VOTE_BELOW_TWO_THIRDS")


def test_only_someone_who_has_left_can_be_readmitted() -> None:
    member = official()
    refused(lambda: readmit(member, date(2023, 2, 1)), member, "STATUS_DOES_NOT_ALLOW")


def test_an_expelled_member_may_be_readmitted_36_months_after_the_expulsion() -> None:
    member = official()
    expel(member, date(2019, 7, 1))
    assert member.current_exit is not None and member.current_exit.kind is ExitKind.EXPELLED
    refused(lambda: readmit(member, date(2022, 6, 30)), member, "READMISSION_TOO_EARLY")
    readmit(member, date(2022, 7, 1))
    assert member.status is MemberStatus.PROBATIONARY
    assert member.excluded == [ExcludedInterval(date(2019, 7, 1), date(2022, 8, 10), "EXPELLED")]


def test_readmission_into_another_cell_moves_the_member() -> None:
    member = official()
    strike_off(member, StrikeOffGround.CARD_RETURNED_OR_DESTROYED, date(2020, 1, 10))
    elsewhere = uuid.uuid4()
    readmit(member, date(2023, 2, 1), cell_id=elsewhere)
    assert member.cell_id == elsewhere


# -- restoration after a wrongful exit (QĐ 117), scenario H ------------------------------------------


def test_scenario_h_restoration_removes_the_gap_so_the_30_year_badge_is_due_on_time() -> None:
    member = official(admitted_on=date(1996, 2, 3))
    strike_off(member, StrikeOffGround.ABANDONED_ACTIVITY, date(2005, 3, 1))
    assert months_reached_on(date(1996, 2, 3), member.excluded, 30 * 12) is None  # the gap is open
    member.restore_membership(decision=decision(date(2006, 3, 1)), effective_on=date(2006, 3, 1), apology=True)
    assert member.status is MemberStatus.OFFICIAL
    assert member.excluded == [] and member.exits == ()
    assert months_reached_on(date(1996, 2, 3), member.excluded, 30 * 12) == date(2026, 2, 3)
    restored = member.collect_events()[-1]
    assert isinstance(restored, Member.MembershipRestored) and restored.apology


def test_a_probationary_member_wrongly_struck_off_is_restored_as_probationary() -> None:
    member = probationary()
    strike_off(member, StrikeOffGround.LOST_STANDING, date(2019, 3, 1))
    member.restore_membership(decision=decision(date(2019, 9, 1)), effective_on=date(2019, 9, 1), apology=False)
    assert member.status is MemberStatus.PROBATIONARY and member.excluded == []


def test_a_wrongful_expulsion_is_restored_to_official() -> None:
    member = official()
    expel(member, date(2019, 7, 1))
    member.restore_membership(decision=decision(date(2020, 2, 1)), effective_on=date(2020, 2, 1), apology=True)
    assert member.status is MemberStatus.OFFICIAL and member.excluded == []


def test_restoration_needs_an_exit_and_a_decision_after_it() -> None:
    member = official()
    refused(lambda: member.restore_membership(decision=decision(date(2020, 2, 1)),
                                              effective_on=date(2020, 2, 1), apology=True),
            member, "STATUS_DOES_NOT_ALLOW")
    strike_off(member, StrikeOffGround.ABANDONED_ACTIVITY, date(2020, 3, 1))
    refused(lambda: member.restore_membership(decision=decision(date(2020, 2, 1)),
                                              effective_on=date(2020, 2, 1), apology=True),
            member, "DATES_OUT_OF_ORDER")


# -- exemption for age or health --------------------------------------------------------------------


def test_an_exempt_member_is_flagged_for_the_rating_but_keeps_party_age() -> None:
    member = official()
    member.grant_exemption(ground=ExemptionGround.HEALTH, from_on=date(2022, 5, 1), decision=None)
    assert not member.exempt_on(date(2022, 4, 30))
    assert member.exempt_on(date(2022, 5, 1)) and member.exempt_on(date(2030, 1, 1))
    assert member.excluded == []
    member.end_exemption(on=date(2023, 5, 1))
    assert member.exempt_on(date(2023, 4, 30)) and not member.exempt_on(date(2023, 5, 1))


def test_an_exemption_cannot_be_granted_twice_nor_ended_when_there_is_none() -> None:
    member = official()
    refused(lambda: member.end_exemption(on=date(2022, 5, 1)), member, "MEMBER_NOT_EXEMPT")
    member.grant_exemption(ground=ExemptionGround.AGE, from_on=date(2022, 5, 1), decision=None)
    refused(lambda: member.grant_exemption(ground=ExemptionGround.AGE, from_on=date(2022, 6, 1), decision=None),
            member, "EXEMPTION_ALREADY_GRANTED")
    refused(lambda: member.end_exemption(on=date(2022, 4, 1)), member, "DATES_OUT_OF_ORDER")


def test_only_a_member_can_be_exempted() -> None:
    member = official()
    strike_off(member, StrikeOffGround.ABANDONED_ACTIVITY, date(2020, 3, 1))
    refused(lambda: member.grant_exemption(ground=ExemptionGround.AGE, from_on=date(2021, 1, 1), decision=None),
            member, "STATUS_DOES_NOT_ALLOW")


# -- any sequence of commands ----------------------------------------------------------------------

COMMANDS = ("strike_off",) * 4 + ("readmit",) * 3 + ("withdraw", "restore", "exempt", "end_exemption",
                                                    "die")  # weighted by repetition


def run(member: Member, command: str, on: date, draw: st.DataObject) -> None:
    if command == "strike_off":
        fitting = [g for g in StrikeOffGround if g.status is member.status] or list(StrikeOffGround)
        ground = draw.draw(st.sampled_from(fitting) | st.sampled_from(list(StrikeOffGround)))
        strike_off(member, ground, on,
                   vote=draw.draw(st.sampled_from([TWO_THIRDS, SIX_OF_TEN, None])))
    elif command == "withdraw":
        member.approve_withdrawal(decision=decision(on), effective_on=on, open_violation=draw.draw(st.booleans()))
    elif command == "die":
        member.record_death(on=on)
    elif command == "readmit":
        readmit(member, on, extreme_family_hardship=draw.draw(st.booleans()),
                provincial_consent=draw.draw(st.sampled_from([decision(on, "1-CV/TU"), None])))
    elif command == "restore":
        member.restore_membership(decision=decision(on), effective_on=on, apology=True)
    elif command == "exempt":
        member.grant_exemption(ground=ExemptionGround.AGE, from_on=on, decision=None)
    elif command == "end_exemption":
        member.end_exemption(on=on)


def check_invariants(member: Member) -> None:
    assert member.readmissions <= 1
    intervals = member.excluded
    assert all(i.end is None or i.start <= i.end for i in intervals)
    assert all(a.end is not None and a.end <= b.start for a, b in pairwise(intervals))
    assert (member.current_exit is not None) == (member.status is MemberStatus.EXITED)
    assert member.status in (MemberStatus.PROBATIONARY, MemberStatus.OFFICIAL, MemberStatus.EXITED,
                             MemberStatus.DECEASED)


def replayed(events: list[Any]) -> Member:
    transcoder = JSONTranscoder()
    transcoder.register(UUIDAsHex())
    transcoder.register(DatetimeAsISO())
    register_domain_transcodings(transcoder)
    mapper: Mapper[uuid.UUID] = Mapper(transcoder=transcoder)
    copy = None
    for stored in [mapper.to_stored_event(e) for e in events]:
        copy = mapper.to_domain_event(stored).mutate(copy)
    assert isinstance(copy, Member)
    return copy


@settings(max_examples=200, deadline=None)
@given(start_official=st.booleans(), data=st.data(),
       steps=st.lists(st.tuples(st.sampled_from(COMMANDS),
                                st.integers(-60, 900)), max_size=12))
def test_no_sequence_of_exits_and_returns_reaches_an_invalid_state_and_replay_rebuilds_it(
    start_official: bool, data: st.DataObject, steps: list[tuple[str, int]],
) -> None:
    member = official(date(2010, 3, 1)) if start_official else probationary(date(2010, 3, 1))
    events = member.collect_events()
    on, died = date(2011, 6, 1), None
    for command, days in steps:
        on += timedelta(days=days + (1000 if command == "readmit" else 0))  # a wait, mostly long enough
        try:
            run(member, command, on, data)
            event(f"{command} recorded")
        except DomainError as error:
            event(f"{command} refused: {error.code}")
        events += member.collect_events()
        check_invariants(member)
        if died is not None:
            assert vars(member) == died
        elif member.status is MemberStatus.DECEASED:
            died = dict(vars(member))
    copy = replayed(events)
    assert {k: v for k, v in vars(copy).items() if k != "_pending_events"} == {
        k: v for k, v in vars(member).items() if k != "_pending_events"}

"""Admission, probation and recognition rules of the Member aggregate (DOMAIN.md §2.1–2.3)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partyledger.domain.admission import IntroducerStanding
from partyledger.domain.calendar_months import add_months
from partyledger.domain.decision import Decision
from partyledger.domain.errors import (
    AdmissionDecisionLateError,
    ApplicantAgeOutOfRangeError,
    CeremonyLateError,
    CellVoteBelowTwoThirdsError,
    GrassrootsResolutionRequiredError,
    GrassrootsVoteBelowTwoThirdsError,
    IntroducerNotOfficialError,
    IntroducerOverlapTooShortError,
    IntroducersInvalidError,
    MemberNotProbationaryError,
    ProbationNotElapsedError,
    ProvincialAuthorityRequiredError,
    RecognitionDecisionLateError,
    StatusDoesNotAllowError,
)
from partyledger.domain.member import Member
from partyledger.domain.member_state import Introducer, IntroducerKind, MemberStatus, Resolution
from partyledger.domain.member_timeline import record_as_of
from partyledger.domain.provenance import Provenance, idempotency_key, recorded_by
from partyledger.domain.rules import CHARTER_RULES
from partyledger.domain.votes import VoteTally
from partyledger.domain.working_days import WorkingCalendar

A, B = uuid.uuid4(), uuid.uuid4()
STANDINGS = {A: IntroducerStanding(A, date(2001, 1, 1)), B: IntroducerStanding(B, date(2001, 1, 1))}
CELL = uuid.uuid4()
WEEKDAYS = WorkingCalendar()
RULES_2015 = CHARTER_RULES.in_force(date(2015, 5, 20))
VOTE_8_OF_10 = VoteTally(8, 2, 10, 10)


@pytest.fixture(autouse=True)
def provenance() -> Iterator[Provenance]:
    with recorded_by(Provenance("officer-7", "corr-1")) as p:
        yield p


def by_members(since: date = date(2012, 1, 1)) -> tuple[Introducer, ...]:
    return (Introducer(IntroducerKind.OFFICIAL_MEMBER, A, together_since=since),
            Introducer(IntroducerKind.OFFICIAL_MEMBER, B, together_since=since))


def candidate(birth: date = date(1990, 3, 4), introducers: tuple[Introducer, ...] | None = None) -> Member:
    return Member.open_candidacy(full_name="Lê Thị Hồng", birth_date=birth, cell_id=CELL,
                                 introducers=introducers or by_members(), applied_on=date(2015, 3, 1))


def resolved(on: date = date(2015, 5, 20), **kwargs: object) -> Member:
    member = candidate(**kwargs)  # type: ignore[arg-type]
    member.pass_cell_resolution(Resolution(on, VOTE_8_OF_10), standings=STANDINGS,
                                provincial_authority=None, rules=RULES_2015)
    return member


def decided(decided_on: date = date(2015, 7, 24)) -> Member:
    member = resolved()
    member.decide_admission(Decision("45-QĐ/ĐU", decided_on, "BTV Đảng ủy"), received_on=decided_on,
                            extended=False, needs_grassroots=False, rules=RULES_2015, calendar=WEEKDAYS)
    return member


def admitted() -> Member:
    """Scenario F: cell 2015-05-20, decision 2015-07-24 (45 WD), ceremony 2015-08-10 (11 WD)."""
    member = decided()
    member.hold_ceremony(date(2015, 8, 10), late_consent=None, rules=RULES_2015, calendar=WEEKDAYS)
    return member


def recognize(member: Member, resolution_on: date, decided_on: date, **kwargs: object) -> None:
    vote = kwargs.pop("vote", VOTE_8_OF_10)
    member.recognize_as_official(
        cell_resolution=Resolution(resolution_on, vote), grassroots_resolution=None,  # type: ignore[arg-type]
        needs_grassroots=False, decision=Decision("3-QĐ", decided_on, "Đảng ủy xã"),
        effective_on=decided_on, rules=CHARTER_RULES.in_force(resolution_on), calendar=WEEKDAYS,
        extended=bool(kwargs.get("extended", False)))


def test_scenario_f_admission_runs_through_every_step_to_probation() -> None:
    member = admitted()
    assert member.status is MemberStatus.PROBATIONARY
    assert (member.admitted_on, member.ceremony_on) == (date(2015, 7, 24), date(2015, 8, 10))
    assert member.probation_ends_on == date(2016, 8, 10)
    # The brief says 45 WD; Monday–Friday with no holiday in that window it is 47. Either way ≤ 60.
    assert WEEKDAYS.working_days_between(date(2015, 5, 20), date(2015, 7, 24)) == 47
    assert WEEKDAYS.working_days_between(date(2015, 7, 24), date(2015, 8, 10)) == 11


def test_scenario_f_status_as_of_dates() -> None:
    member = admitted()
    recognize(member, date(2016, 8, 15), date(2016, 9, 1))
    events = member.collect_events()
    assert record_as_of(events, date(2015, 8, 1)).status is MemberStatus.ADMITTED_PENDING_CEREMONY
    assert record_as_of(events, date(2016, 8, 20)).status is MemberStatus.PROBATIONARY
    assert record_as_of(events, date(2016, 9, 1)).status is MemberStatus.OFFICIAL
    assert record_as_of(events, date(2015, 2, 1)) is None


def test_every_event_carries_who_recorded_it_and_the_request() -> None:
    with idempotency_key("key-1"):
        member = candidate()
    (opened,) = member.collect_events()
    assert (opened.recorded_by, opened.correlation_id, opened.idempotency_key) == ("officer-7", "corr-1", "key-1")


def test_a_cell_vote_below_two_thirds_is_refused() -> None:
    member = candidate()
    with pytest.raises(CellVoteBelowTwoThirdsError) as refused:
        member.pass_cell_resolution(Resolution(date(2015, 5, 20), VoteTally(6, 4, 10, 10)),
                                    standings=STANDINGS, provincial_authority=None, rules=RULES_2015)
    assert refused.value.code == "CELL_VOTE_BELOW_TWO_THIRDS"
    assert len(member.collect_events()) == 1


def test_two_thirds_of_the_eligible_body_not_of_those_present_counts() -> None:
    member = candidate()
    with pytest.raises(CellVoteBelowTwoThirdsError):  # 6 of 6 present, but 10 eligible
        member.pass_cell_resolution(Resolution(date(2015, 5, 20), VoteTally(6, 0, 10, 6)),
                                    standings=STANDINGS, provincial_authority=None, rules=RULES_2015)
    member.pass_cell_resolution(Resolution(date(2015, 5, 20), VoteTally(7, 0, 10, 7)),
                                standings=STANDINGS, provincial_authority=None, rules=RULES_2015)
    assert member.cell_resolution is not None


@pytest.mark.parametrize(("birth", "error"), [
    (date(1997, 5, 21), ApplicantAgeOutOfRangeError),  # 17 years 11 months on 2015-05-20
    (date(1955, 4, 19), ProvincialAuthorityRequiredError),  # 60 years 1 month
])
def test_the_applicant_is_18_to_60_counted_in_months_at_the_cells_vote(birth: date, error: type) -> None:
    with pytest.raises(error):
        resolved(birth=birth)


@pytest.mark.parametrize("birth", [date(1997, 5, 20), date(1955, 6, 19)])  # 18 years; 59 y 11 m
def test_applicants_within_the_age_range_pass(birth: date) -> None:
    assert resolved(birth=birth).cell_resolution is not None


def test_an_applicant_over_60_passes_with_the_provinces_decision() -> None:
    member = candidate(birth=date(1955, 4, 19))
    member.pass_cell_resolution(Resolution(date(2015, 5, 20), VOTE_8_OF_10), standings=STANDINGS,
                                provincial_authority=Decision("12-QĐ/TU", date(2015, 5, 1), "BTV Tỉnh ủy"),
                                rules=RULES_2015)
    assert member.cell_resolution is not None


def test_a_probationary_introducer_is_refused() -> None:
    standings = {A: IntroducerStanding(A, None), B: STANDINGS[B]}
    member = candidate()
    with pytest.raises(IntroducerNotOfficialError) as refused:
        member.pass_cell_resolution(Resolution(date(2015, 5, 20), VOTE_8_OF_10), standings=standings,
                                    provincial_authority=None, rules=RULES_2015)
    assert refused.value.code == "INTRODUCER_NOT_OFFICIAL"


def test_an_introducer_with_eleven_months_together_is_refused_and_twelve_pass() -> None:
    with pytest.raises(IntroducerOverlapTooShortError):
        resolved(introducers=by_members(since=date(2014, 6, 21)))
    assert resolved(introducers=by_members(since=date(2014, 5, 20))).cell_resolution is not None


@pytest.mark.parametrize("introducers", [
    (Introducer(IntroducerKind.OFFICIAL_MEMBER, A, together_since=date(2010, 1, 1)),),
    (Introducer(IntroducerKind.OFFICIAL_MEMBER, A, together_since=date(2010, 1, 1)),) * 2,
    (Introducer(IntroducerKind.YOUTH_UNION_COMMITTEE, committee_name="Đoàn xã"),
     Introducer(IntroducerKind.TRADE_UNION_COMMITTEE, committee_name="Công đoàn")),
])
def test_two_distinct_introducers_at_least_one_a_member(introducers: tuple[Introducer, ...]) -> None:
    with pytest.raises(IntroducersInvalidError):
        resolved(introducers=introducers)


def test_a_youth_union_committee_and_one_official_member_may_introduce() -> None:
    introducers = (Introducer(IntroducerKind.YOUTH_UNION_COMMITTEE, committee_name="Đoàn xã"),
                   Introducer(IntroducerKind.OFFICIAL_MEMBER, A, together_since=date(2013, 1, 1)))
    assert resolved(introducers=introducers).cell_resolution is not None


def test_a_subordinate_cells_applicant_needs_the_grassroots_committees_two_thirds() -> None:
    member = resolved()
    decision = Decision("45-QĐ/ĐU", date(2015, 7, 24), "BTV Đảng ủy")
    with pytest.raises(GrassrootsResolutionRequiredError):
        member.decide_admission(decision, received_on=decision.date, extended=False,
                                needs_grassroots=True, rules=RULES_2015, calendar=WEEKDAYS)
    with pytest.raises(GrassrootsVoteBelowTwoThirdsError):
        member.pass_grassroots_resolution(Resolution(date(2015, 6, 1), VoteTally(5, 4, 9, 9)), rules=RULES_2015)
    member.pass_grassroots_resolution(Resolution(date(2015, 6, 1), VoteTally(7, 2, 9, 9)), rules=RULES_2015)
    member.decide_admission(decision, received_on=decision.date, extended=False,
                            needs_grassroots=True, rules=RULES_2015, calendar=WEEKDAYS)
    assert member.status is MemberStatus.ADMITTED_PENDING_CEREMONY


def test_the_decision_comes_within_60_working_days_or_90_when_extended() -> None:
    deadline = WEEKDAYS.add_working_days(date(2015, 5, 20), 60)
    member = resolved()
    late = Decision("45-QĐ/ĐU", deadline + timedelta(days=1), "BTV Đảng ủy")
    with pytest.raises(AdmissionDecisionLateError):
        member.decide_admission(late, received_on=late.date, extended=False, needs_grassroots=False,
                                rules=RULES_2015, calendar=WEEKDAYS)
    member.decide_admission(late, received_on=late.date, extended=True, needs_grassroots=False,
                            rules=RULES_2015, calendar=WEEKDAYS)
    assert member.admitted_on == late.date


def test_the_ceremony_comes_within_30_working_days_of_receipt_or_with_consent() -> None:
    member = decided()
    late = WEEKDAYS.add_working_days(date(2015, 7, 24), 31)
    with pytest.raises(CeremonyLateError):
        member.hold_ceremony(late, late_consent=None, rules=RULES_2015, calendar=WEEKDAYS)
    member.hold_ceremony(late, late_consent=Decision("9-CV", late, "BTV Huyện ủy"), rules=RULES_2015,
                         calendar=WEEKDAYS)
    assert member.ceremony_on == late and member.status is MemberStatus.PROBATIONARY


def test_steps_out_of_order_are_refused() -> None:
    member = candidate()
    with pytest.raises(StatusDoesNotAllowError):
        member.hold_ceremony(date(2015, 8, 10), late_consent=None, rules=RULES_2015, calendar=WEEKDAYS)
    with pytest.raises(StatusDoesNotAllowError):
        member.decide_admission(Decision("1", date(2015, 7, 24), "x"), received_on=date(2015, 7, 24),
                                extended=False, needs_grassroots=False, rules=RULES_2015, calendar=WEEKDAYS)


def test_recognition_voted_before_twelve_months_is_refused() -> None:
    member = admitted()
    with pytest.raises(ProbationNotElapsedError) as refused:
        recognize(member, date(2016, 8, 9), date(2016, 9, 1))
    assert refused.value.code == "PROBATION_NOT_ELAPSED"
    assert member.status is MemberStatus.PROBATIONARY


def test_scenario_f_recognition_after_probation_makes_the_member_official() -> None:
    member = admitted()
    recognize(member, date(2016, 8, 15), date(2016, 9, 1))
    assert member.status is MemberStatus.OFFICIAL and member.recognized_on == date(2016, 9, 1)
    assert WEEKDAYS.working_days_between(date(2016, 8, 15), date(2016, 9, 1)) == 13


def test_recognition_needs_two_thirds_and_a_decision_within_30_working_days() -> None:
    member = admitted()
    with pytest.raises(CellVoteBelowTwoThirdsError):
        recognize(member, date(2016, 8, 15), date(2016, 9, 1), vote=VoteTally(6, 4, 10, 10))
    late = WEEKDAYS.add_working_days(date(2016, 8, 15), 31)
    with pytest.raises(RecognitionDecisionLateError):
        recognize(member, date(2016, 8, 15), late)
    recognize(member, date(2016, 8, 15), late, extended=True)
    assert member.status is MemberStatus.OFFICIAL


def test_an_official_member_cannot_be_recognised_again_and_only_officials_get_cards() -> None:
    member = admitted()
    with pytest.raises(StatusDoesNotAllowError):
        member.issue_party_card(card_number="HB-001234", decision=None, effective_on=date(2016, 1, 1))
    recognize(member, date(2016, 8, 15), date(2016, 9, 1))
    with pytest.raises(MemberNotProbationaryError):
        recognize(member, date(2016, 8, 15), date(2016, 9, 1))
    member.issue_party_card(card_number="HB-001234", decision=None, effective_on=date(2016, 10, 1))
    member.issue_party_card(card_number="079-2025-88", decision=None, effective_on=date(2025, 8, 1))
    assert member.party_card_number == "079-2025-88"
    assert member.collect_events()[-1].replaces == "HB-001234"


def test_a_correction_names_the_event_it_amends_and_keeps_it() -> None:
    member = admitted()
    member.correct_record(amends_version=1, full_name="Lê Thị Hồng Nhung", birth_date=None,
                          reason="sai tên trong lý lịch", effective_on=date(2020, 1, 1))
    events = member.collect_events()
    assert events[0].full_name == "Lê Thị Hồng" and events[-1].amends_version == 1
    assert member.full_name == "Lê Thị Hồng Nhung"
    with pytest.raises(StatusDoesNotAllowError):
        member.correct_record(amends_version=99, full_name="x", birth_date=None, reason="r",
                              effective_on=date(2020, 1, 1))


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2090, 12, 31)),
       st.integers(min_value=0, max_value=600))
def test_adding_months_lands_in_the_right_month_and_never_overshoots(day: date, months: int) -> None:
    later = add_months(day, months)
    assert (later.year - day.year) * 12 + later.month - day.month == months
    assert later.day <= day.day


@given(st.integers(min_value=-40, max_value=40))
def test_recognition_is_allowed_exactly_from_twelve_months_after_the_ceremony(offset_days: int) -> None:
    member = admitted()
    resolution = add_months(date(2015, 8, 10), 12) + timedelta(days=offset_days)
    if offset_days < 0:
        with pytest.raises(ProbationNotElapsedError):
            recognize(member, resolution, resolution)
    else:
        recognize(member, resolution, resolution)
        assert member.status is MemberStatus.OFFICIAL

"""Party age and badges (DOMAIN.md §2.4; scenarios F and H), and the badge rules of the Member."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partyledger.domain.calendar_months import add_months
from partyledger.domain.decision import Decision
from partyledger.domain.errors import DateOrderError, StatusDoesNotAllowError
from partyledger.domain.member import Member
from partyledger.domain.member_badges import (
    BadgeAlreadyAwardedError,
    BadgeLevelUnknownError,
    BadgeLowerThanAwardedError,
    BadgeMemberExitedError,
    BadgeNotHeldError,
    BadgeNotYetDueError,
    BadgePosthumousOnlyForDeceasedError,
)
from partyledger.domain.member_state import ExcludedInterval, MemberStatus
from partyledger.domain.party_age import (
    BADGE_POLICY,
    BadgeDue,
    PartyAge,
    badges_due,
    months_reached_on,
    party_age,
    party_age_days,
)
from partyledger.domain.provenance import Provenance, recorded_by

SCENARIO_H_ADMITTED = date(1996, 2, 3)
STRUCK_OFF_2005 = ExcludedInterval(date(2005, 2, 3), date(2006, 2, 3), "STRUCK_OFF")


@dataclass
class Record:
    """A member's record as party age reads it."""

    admitted_on: date | None
    recognized_on: date | None
    status: MemberStatus = MemberStatus.OFFICIAL
    excluded: list[ExcludedInterval] = field(default_factory=list)


@pytest.fixture(autouse=True)
def provenance() -> Iterator[Provenance]:
    with recorded_by(Provenance("officer-7", "corr-1")) as p:
        yield p


def decision(on: date) -> Decision:
    return Decision("12-QĐ/ĐU", on, "Ban Thường vụ Đảng ủy")


def enrolled(admitted_on: date = SCENARIO_H_ADMITTED, *excluded: ExcludedInterval) -> Member:
    member = Member.enroll(full_name="Hoàng Văn Thụ", birth_date=date(1970, 1, 5), cell_id=uuid.uuid4(),
                           admitted_on=admitted_on, ceremony_on=admitted_on + timedelta(days=20),
                           recognized_on=add_months(admitted_on + timedelta(days=20), 12))
    member.excluded.extend(excluded)
    return member


# -- scenario F ---------------------------------------------------------------------------------

def test_scenario_f_party_age_is_3653_days_less_the_94_day_transfer_gap() -> None:
    gap = ExcludedInterval(date(2019, 3, 1), date(2019, 6, 3), "TRANSFER_GAP")
    assert (date(2025, 7, 24) - date(2015, 7, 24)).days == 3653
    assert party_age_days(date(2015, 7, 24), [], date(2019, 6, 3)) - party_age_days(
        date(2015, 7, 24), [], date(2019, 3, 1)) == 94
    member = Record(date(2015, 7, 24), date(2016, 9, 1), excluded=[gap])
    assert party_age(member, date(2025, 7, 24)) == PartyAge(days=3559, years=9, months=8)


def test_there_is_no_party_age_while_probationary_or_before_recognition() -> None:
    assert party_age(Record(date(2015, 7, 24), None, MemberStatus.PROBATIONARY), date(2016, 8, 20)) is None
    assert party_age(Record(date(2015, 7, 24), date(2016, 9, 1)), date(2016, 8, 31)) is None
    assert party_age(Record(date(2015, 7, 24), date(2016, 9, 1)), date(2016, 9, 1)) is not None
    readmitted = Record(date(2015, 7, 24), date(2016, 9, 1), MemberStatus.PROBATIONARY)
    assert party_age(readmitted, date(2025, 1, 1)) is None


def test_an_open_interval_stops_the_count_on_its_first_day() -> None:
    lost = ExcludedInterval(date(2020, 1, 1), None, "LOST_CONTACT")
    frozen = party_age_days(date(2010, 1, 1), [lost], date(2020, 1, 1))
    assert party_age_days(date(2010, 1, 1), [lost], date(2024, 6, 1)) == frozen == 3652


def test_overlapping_intervals_exclude_each_day_once() -> None:
    both = [ExcludedInterval(date(2019, 3, 1), date(2019, 6, 3), "TRANSFER_GAP"),
            ExcludedInterval(date(2019, 5, 1), date(2019, 7, 1), "LOST_CONTACT")]
    assert party_age_days(date(2015, 7, 24), both, date(2025, 7, 24)) == 3653 - 122


# -- scenario H ---------------------------------------------------------------------------------

def test_scenario_h_restored_the_30_year_badge_is_due_on_3_february_2026() -> None:
    restored = Record(SCENARIO_H_ADMITTED, date(1997, 2, 21))  # the gap was removed on restoration
    assert badges_due(restored, date(2026, 2, 2)) == []
    assert badges_due(restored, date(2026, 2, 3)) == [
        BadgeDue(30, date(2026, 2, 3), date(2025, 2, 3), date(2026, 2, 3), early=False, posthumous=False)]


def test_scenario_h_without_restoration_the_badge_waits_for_the_2027_round() -> None:
    struck_off = Record(SCENARIO_H_ADMITTED, date(1997, 2, 21), excluded=[STRUCK_OFF_2005])
    assert months_reached_on(SCENARIO_H_ADMITTED, [STRUCK_OFF_2005], 30 * 12) == date(2027, 2, 3)
    assert badges_due(struck_off, date(2026, 12, 31)) == []
    assert badges_due(struck_off, date(2027, 2, 3)) == [
        BadgeDue(30, date(2027, 2, 3), date(2026, 2, 3), date(2027, 2, 3), early=False, posthumous=False)]


def test_scenario_h_a_gravely_ill_member_may_have_it_from_3_february_2026() -> None:
    struck_off = Record(SCENARIO_H_ADMITTED, date(1997, 2, 21), excluded=[STRUCK_OFF_2005])
    assert badges_due(struck_off, date(2026, 2, 2), include_early=True) == []
    assert badges_due(struck_off, date(2026, 2, 3), include_early=True) == [
        BadgeDue(30, date(2027, 2, 3), date(2026, 2, 3), date(2026, 2, 3), early=True, posthumous=False)]


def test_the_early_window_is_24_months_from_70_years() -> None:
    admitted = date(1950, 9, 2)
    assert months_reached_on(admitted, [], 65 * 12 - BADGE_POLICY.early_months(65)) == date(2014, 9, 2)
    assert months_reached_on(admitted, [], 70 * 12 - BADGE_POLICY.early_months(70)) == date(2018, 9, 2)


def test_award_rounds_are_3_2_19_5_2_9_and_7_11() -> None:
    assert BADGE_POLICY.round_on(date(2026, 2, 3)) == date(2026, 2, 3)
    assert BADGE_POLICY.round_on(date(2026, 2, 4)) == date(2026, 5, 19)
    assert BADGE_POLICY.round_on(date(2026, 8, 1)) == date(2026, 9, 2)
    assert BADGE_POLICY.round_on(date(2026, 11, 8)) == date(2027, 2, 3)


def test_no_badges_are_due_to_a_member_who_has_left_and_a_deceased_member_s_are_posthumous() -> None:
    exited = Record(SCENARIO_H_ADMITTED, date(1997, 2, 21), MemberStatus.EXITED)
    assert badges_due(exited, date(2026, 6, 1)) == []
    died = ExcludedInterval(date(2026, 3, 1), None, "DECEASED")
    deceased = Record(SCENARIO_H_ADMITTED, date(1997, 2, 21), MemberStatus.DECEASED, [died])
    assert [(d.level, d.posthumous) for d in badges_due(deceased, date(2040, 1, 1))] == [(30, True)]


def test_levels_below_a_badge_held_are_not_due() -> None:
    veteran = Record(date(1970, 5, 19), date(1971, 6, 1))
    assert [d.level for d in badges_due(veteran, date(2026, 1, 1))] == [30, 40, 45, 50, 55]
    assert [d.level for d in badges_due(veteran, date(2026, 1, 1), held=(45,))] == [50, 55]


# -- properties ---------------------------------------------------------------------------------

ORIGIN = date(2000, 1, 1)
days_after = st.integers(min_value=0, max_value=4000).map(lambda n: ORIGIN + timedelta(days=n))
open_or_closed = st.lists(st.builds(
    lambda start, length, open_: ExcludedInterval(start, None if open_ else start + timedelta(days=length), "GAP"),
    days_after, st.integers(min_value=0, max_value=700), st.sampled_from([False, False, False, True])), max_size=4)


def excluded_day(day: date, excluded: list[ExcludedInterval]) -> bool:
    return any(i.start <= day and (i.end is None or day < i.end) for i in excluded)


def brute_force_days(admitted_on: date, excluded: list[ExcludedInterval], as_of: date) -> int:
    days = (admitted_on + timedelta(days=n) for n in range((as_of - admitted_on).days))
    return sum(not excluded_day(day, excluded) for day in days)


def brute_force_first_day(admitted_on: date, excluded: list[ExcludedInterval], target: int,
                          horizon: date) -> date | None:
    """Day by day: the first day before which ``target`` days have counted."""
    day, counted = admitted_on, 0
    while counted < target and day <= horizon:
        counted += not excluded_day(day, excluded)
        day += timedelta(days=1)
    return day if counted >= target else None


@given(days_after, open_or_closed, days_after)
@settings(max_examples=150, deadline=None)
def test_party_age_is_never_negative_and_never_counts_an_excluded_day(
    admitted_on: date, excluded: list[ExcludedInterval], as_of: date,
) -> None:
    counted = party_age_days(admitted_on, excluded, as_of)
    assert counted >= 0
    assert counted == brute_force_days(admitted_on, excluded, max(as_of, admitted_on))


@given(days_after, open_or_closed, days_after, st.integers(min_value=0, max_value=900))
@settings(max_examples=150, deadline=None)
def test_party_age_never_decreases_as_the_date_moves_on(
    admitted_on: date, excluded: list[ExcludedInterval], as_of: date, later_by: int,
) -> None:
    record = Record(admitted_on, admitted_on, excluded=excluded)
    earlier, later = party_age(record, as_of), party_age(record, as_of + timedelta(days=later_by))
    assert party_age_days(admitted_on, excluded, as_of) <= party_age_days(
        admitted_on, excluded, as_of + timedelta(days=later_by))
    if earlier is not None and later is not None:
        assert (earlier.total_months, earlier.days) <= (later.total_months, later.days)


@given(days_after, open_or_closed, st.integers(min_value=1, max_value=3))
@settings(max_examples=100, deadline=None)
def test_a_level_is_reached_on_the_first_day_the_count_reaches_its_years(
    admitted_on: date, excluded: list[ExcludedInterval], years: int,
) -> None:
    target = (add_months(admitted_on, 12 * years) - admitted_on).days
    reached = months_reached_on(admitted_on, excluded, 12 * years)
    horizon = admitted_on + timedelta(days=target + 700 * len(excluded) + 1)
    assert reached == brute_force_first_day(admitted_on, excluded, target, horizon)
    if reached is not None:
        record = Record(admitted_on, admitted_on, excluded=excluded)
        assert party_age(record, reached).years >= years  # type: ignore[union-attr]
        assert party_age(record, reached - timedelta(days=1)).years < years  # type: ignore[union-attr]


# -- the Member aggregate's badge rules ------------------------------------------------------------

def test_a_badge_is_awarded_once_reached_and_recorded_with_its_decision() -> None:
    member = enrolled()
    member.award_badge(level=30, awarded_on=date(2026, 2, 3), decision=decision(date(2026, 1, 20)))
    awarded = member.collect_events()[-1]
    assert isinstance(awarded, Member.BadgeAwarded)
    assert (awarded.level, awarded.effective_on, awarded.early_for_illness) == (30, date(2026, 2, 3), False)
    assert member.held_badges == (30,)
    assert member.badges_due(date(2026, 6, 1)) == []


def test_a_badge_not_yet_reached_is_refused_unless_early_for_grave_illness() -> None:
    member = enrolled(SCENARIO_H_ADMITTED, STRUCK_OFF_2005)
    with pytest.raises(BadgeNotYetDueError) as refused:
        member.award_badge(level=30, awarded_on=date(2026, 2, 3), decision=decision(date(2026, 1, 20)))
    assert refused.value.code == "BADGE_NOT_YET_DUE" and refused.value.field == "level"
    with pytest.raises(BadgeNotYetDueError):
        member.award_badge(level=30, awarded_on=date(2026, 2, 2), decision=decision(date(2026, 1, 20)),
                           early_for_illness=True)
    member.award_badge(level=30, awarded_on=date(2026, 2, 3), decision=decision(date(2026, 1, 20)),
                       early_for_illness=True)
    assert member.badges[0].early_for_illness


def test_a_badge_is_not_awarded_twice_nor_below_one_held() -> None:
    member = enrolled(date(1975, 4, 30))
    member.award_badge(level=50, awarded_on=date(2025, 5, 19), decision=decision(date(2025, 5, 1)))
    with pytest.raises(BadgeAlreadyAwardedError) as twice:
        member.award_badge(level=50, awarded_on=date(2025, 9, 2), decision=decision(date(2025, 9, 1)))
    with pytest.raises(BadgeLowerThanAwardedError) as lower:
        member.award_badge(level=45, awarded_on=date(2025, 9, 2), decision=decision(date(2025, 9, 1)))
    assert (twice.value.code, lower.value.code) == ("BADGE_ALREADY_AWARDED", "BADGE_LOWER_THAN_AWARDED")


def test_no_badge_for_a_member_who_has_left_and_posthumous_only_for_the_deceased() -> None:
    member = enrolled()
    with pytest.raises(BadgePosthumousOnlyForDeceasedError):
        member.award_badge(level=30, awarded_on=date(2026, 2, 3), decision=decision(date(2026, 1, 20)),
                           posthumous=True)
    member.status = MemberStatus.EXITED  # the exit itself belongs to another part of the record
    with pytest.raises(BadgeMemberExitedError) as exited:
        member.award_badge(level=30, awarded_on=date(2026, 2, 3), decision=decision(date(2026, 1, 20)))
    assert exited.value.code == "BADGE_MEMBER_EXITED"
    member.status = MemberStatus.DECEASED
    member.award_badge(level=30, awarded_on=date(2026, 2, 3), decision=decision(date(2026, 1, 20)),
                       posthumous=True)
    assert member.badges[0].posthumous


def test_unknown_levels_and_awards_before_their_decision_are_refused() -> None:
    member = enrolled()
    with pytest.raises(BadgeLevelUnknownError):
        member.award_badge(level=35, awarded_on=date(2026, 2, 3), decision=decision(date(2026, 1, 20)))
    with pytest.raises(DateOrderError):
        member.award_badge(level=30, awarded_on=date(2026, 2, 3), decision=decision(date(2026, 2, 4)))
    assert len(member.collect_events()) == 1


def test_a_member_who_has_left_hands_back_a_badge_held() -> None:
    member = enrolled()
    member.award_badge(level=30, awarded_on=date(2026, 2, 3), decision=decision(date(2026, 1, 20)))
    with pytest.raises(StatusDoesNotAllowError):
        member.return_badge(level=30, returned_on=date(2026, 6, 1), reason="xóa tên")
    member.status = MemberStatus.EXITED
    with pytest.raises(BadgeNotHeldError):
        member.return_badge(level=40, returned_on=date(2026, 6, 1), reason="xóa tên")
    member.return_badge(level=30, returned_on=date(2026, 6, 1), reason="xóa tên")
    assert member.held_badges == () and member.badges[0].returned_on == date(2026, 6, 1)

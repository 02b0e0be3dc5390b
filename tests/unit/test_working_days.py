"""Deadlines in working days (DOMAIN.md §2, scenario G): counted on a calendar that is data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partyledger.domain.holidays_vn import VIETNAM
from partyledger.domain.working_days import WorkingCalendar

WINDOW_START, WINDOW_DAYS = date(2024, 1, 1), 120
window_days = st.integers(0, WINDOW_DAYS - 1).map(lambda i: WINDOW_START + timedelta(days=i))


@st.composite
def calendars(draw: st.DrawFn) -> WorkingCalendar:
    holidays = draw(st.frozensets(window_days, max_size=30))
    weekends = [d for d in (WINDOW_START + timedelta(days=i) for i in range(WINDOW_DAYS))
                if d.weekday() >= 5]
    makeup = draw(st.frozensets(st.sampled_from(weekends), max_size=8))
    return WorkingCalendar(holidays=holidays, makeup_days=makeup)


def worked(calendar: WorkingCalendar, day: date) -> bool:
    """The definition, written out again: Monday–Friday unless a holiday, or a make-up day."""
    return day in calendar.makeup_days or (day.weekday() < 5 and day not in calendar.holidays)


def brute_force_deadline(calendar: WorkingCalendar, start: date, days: int) -> date:
    worked_days = [start + timedelta(days=i) for i in range(1, 400)
                   if worked(calendar, start + timedelta(days=i))]
    return worked_days[days - 1] if days else start


@given(calendars(), window_days, st.integers(0, 60))
def test_a_deadline_is_the_nth_working_day_after_the_start(
    calendar: WorkingCalendar, start: date, days: int
) -> None:
    assert calendar.add_working_days(start, days) == brute_force_deadline(calendar, start, days)


@given(calendars(), window_days, st.integers(-5, 90))
def test_working_days_between_counts_the_worked_days_after_the_start(
    calendar: WorkingCalendar, start: date, span: int
) -> None:
    end = start + timedelta(days=span)
    expected = sum(worked(calendar, start + timedelta(days=i)) for i in range(1, span + 1))
    assert calendar.working_days_between(start, end) == expected


@given(calendars(), window_days, st.integers(1, 60))
def test_counting_back_from_a_deadline_gives_the_period(
    calendar: WorkingCalendar, start: date, days: int
) -> None:
    deadline = calendar.add_working_days(start, days)
    assert calendar.is_working_day(deadline)
    assert calendar.working_days_between(start, deadline) == days
    assert calendar.working_days_between(start, deadline - timedelta(days=1)) == days - 1


@given(calendars(), st.frozensets(window_days, max_size=5), window_days)
def test_a_withdrawn_weekday_holiday_is_worked_and_an_added_one_is_not(
    calendar: WorkingCalendar, withdrawn: frozenset[date], added: date
) -> None:
    weekdays = {d for d in withdrawn if d.weekday() < 5} - {added}
    changed = calendar.with_changes(holidays=[added], working_days=weekdays)
    assert not changed.is_working_day(added) or added in calendar.makeup_days
    assert all(changed.is_working_day(d) for d in weekdays)
    unchanged = [d for d in (WINDOW_START + timedelta(days=i) for i in range(WINDOW_DAYS))
                 if d not in weekdays and d != added]
    assert all(changed.is_working_day(d) == calendar.is_working_day(d) for d in unchanged)


def test_scenario_g_thirty_working_days_with_no_holiday_in_the_window() -> None:
    assert WorkingCalendar().add_working_days(date(2024, 3, 1), 30) == date(2024, 4, 12)
    assert VIETNAM.add_working_days(date(2024, 3, 1), 30) == date(2024, 4, 12)


def test_scenario_g_thirty_working_days_across_the_april_holidays() -> None:
    holidays = WorkingCalendar(holidays=frozenset(
        {date(2024, 4, 18), date(2024, 4, 29), date(2024, 4, 30), date(2024, 5, 1)}))
    assert holidays.add_working_days(date(2024, 4, 1), 30) == date(2024, 5, 17)


def test_the_make_up_saturday_comes_from_the_national_calendar_data() -> None:
    # 2024: Monday 29/4 off, Saturday 4/5 worked instead; the deadline is a day earlier.
    assert VIETNAM.is_working_day(date(2024, 5, 4))
    assert VIETNAM.add_working_days(date(2024, 4, 1), 30) == date(2024, 5, 16)
    without_makeup = WorkingCalendar(holidays=VIETNAM.holidays)
    assert without_makeup.add_working_days(date(2024, 4, 1), 30) == date(2024, 5, 17)


def test_a_period_cannot_be_negative() -> None:
    with pytest.raises(ValueError, match="negative"):
        VIETNAM.add_working_days(date(2024, 3, 1), -1)

"""Vietnam's national calendar: statutory holidays, weekend compensation, announced swaps."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from partyledger.domain.holidays_vn import (
    ANNOUNCED,
    VIETNAM,
    NationalHoliday,
    statutory_holidays,
    vietnam_calendar,
    year_schedule,
)


def days(first: date, last: date) -> set[date]:
    return {first + timedelta(days=i) for i in range((last - first).days + 1)}


def off_between(first: date, last: date) -> set[date]:
    return {d for d in days(first, last) if not VIETNAM.is_working_day(d)}


# The breaks as announced to state employees (weekends included), from the Government's notices.
@pytest.mark.parametrize(("first", "last"), [
    (date(2016, 2, 6), date(2016, 2, 14)),
    (date(2017, 1, 26), date(2017, 2, 1)),
    (date(2018, 2, 14), date(2018, 2, 20)),
    (date(2019, 2, 2), date(2019, 2, 10)),
    (date(2020, 1, 23), date(2020, 1, 29)),
    (date(2021, 2, 10), date(2021, 2, 16)),
    (date(2022, 1, 29), date(2022, 2, 6)),
    (date(2023, 1, 20), date(2023, 1, 26)),
    (date(2024, 2, 8), date(2024, 2, 14)),
    (date(2025, 1, 25), date(2025, 2, 2)),
    (date(2026, 2, 14), date(2026, 2, 22)),
])
def test_the_tet_break_is_the_one_announced(first: date, last: date) -> None:
    around = off_between(first - timedelta(days=10), last + timedelta(days=10))
    assert days(first, last) <= around
    before = first - timedelta(days=1)
    assert VIETNAM.is_working_day(before) or before.weekday() >= 5
    assert VIETNAM.is_working_day(last + timedelta(days=1))


@pytest.mark.parametrize(("first", "last"), [
    (date(2016, 4, 16), date(2016, 4, 18)),  # Hùng Kings on Saturday, Monday off
    (date(2016, 4, 30), date(2016, 5, 3)),  # 30/4 and 1/5 on a weekend: Monday and Tuesday off
    (date(2017, 4, 29), date(2017, 5, 2)),
    (date(2018, 9, 1), date(2018, 9, 3)),
    (date(2021, 9, 2), date(2021, 9, 5)),  # the 2019 code's second day: Friday 3/9
    (date(2022, 9, 1), date(2022, 9, 4)),  # Thursday 1/9
    (date(2023, 4, 29), date(2023, 5, 3)),  # Hùng Kings Saturday, 30/4 Sunday: 2/5 and 3/5 off
    (date(2023, 9, 1), date(2023, 9, 4)),
    (date(2024, 8, 31), date(2024, 9, 3)),
    (date(2025, 4, 5), date(2025, 4, 7)),
    (date(2025, 8, 30), date(2025, 9, 2)),
])
def test_weekend_holidays_are_taken_on_the_next_working_days(first: date, last: date) -> None:
    assert off_between(first, last) == days(first, last)
    assert VIETNAM.is_working_day(last + timedelta(days=1))


@pytest.mark.parametrize(("off", "makeup"), [
    ({date(2014, 1, 28), date(2014, 1, 29)}, {date(2014, 1, 25), date(2014, 2, 8)}),
    ({date(2014, 5, 2)}, {date(2014, 4, 26)}),
    ({date(2015, 1, 2)}, {date(2014, 12, 27)}),
    ({date(2015, 2, 16)}, {date(2015, 2, 14)}),
    ({date(2015, 4, 29)}, {date(2015, 4, 25)}),
    ({date(2018, 12, 31)}, {date(2019, 1, 5)}),
    ({date(2019, 4, 29)}, {date(2019, 5, 4)}),
    ({date(2024, 4, 29)}, {date(2024, 5, 4)}),
    ({date(2025, 5, 2)}, {date(2025, 4, 26)}),
])
def test_announced_swaps_give_a_weekday_off_and_a_saturday_to_work(
    off: set[date], makeup: set[date]
) -> None:
    assert all(d.weekday() < 5 and not VIETNAM.is_working_day(d) for d in off)
    assert all(d.weekday() == 5 and VIETNAM.is_working_day(d) for d in makeup)


def test_the_2024_calendar_in_full() -> None:
    holidays = {d for d in VIETNAM.holidays if d.year == 2024 and d.weekday() < 5}
    assert holidays == {date(2024, 1, 1), *days(date(2024, 2, 8), date(2024, 2, 9)),
                        *days(date(2024, 2, 12), date(2024, 2, 14)), date(2024, 4, 18),
                        *days(date(2024, 4, 29), date(2024, 5, 1)), date(2024, 9, 2),
                        date(2024, 9, 3)}
    assert {d for d in VIETNAM.makeup_days if d.year == 2024} == {date(2024, 5, 4)}


def test_tet_lasts_four_days_before_the_2012_code_and_five_after() -> None:
    assert len(statutory_holidays(2013)[NationalHoliday.TET]) == 4
    assert len(statutory_holidays(2014)[NationalHoliday.TET]) == 5


def test_national_day_has_a_second_day_from_2021() -> None:
    def national_day(year: int) -> set[date]:
        return statutory_holidays(year)[NationalHoliday.NATIONAL_DAY]

    assert national_day(2020) == {date(2020, 9, 2)}
    assert national_day(2021) == {date(2021, 9, 2), date(2021, 9, 3)}  # Thursday: and Friday
    assert national_day(2025) == {date(2025, 9, 1), date(2025, 9, 2)}  # Tuesday: and Monday


def test_every_year_off_counts_the_statutory_days_and_swaps_add_no_days() -> None:
    for year in range(2014, 2036):
        days_off, makeup = year_schedule(year)
        weekdays_off = {d for d in days_off if d.weekday() < 5}
        statutory = 5 + 1 + 2 + 1 + (2 if year >= 2021 else 1)
        assert len(weekdays_off) == statutory + len(makeup), year


def test_announced_makeup_days_are_saturdays_and_breaks_name_their_holidays() -> None:
    for breaks in ANNOUNCED.values():
        for announced in breaks:
            assert announced.settles and announced.first <= announced.last
            assert all(d.weekday() == 5 for d in announced.makeup_days)


def test_the_national_calendar_covers_2010_to_2035_and_only_weekends_outside() -> None:
    assert not VIETNAM.is_working_day(date(2010, 1, 1))
    assert not VIETNAM.is_working_day(date(2035, 9, 3))  # Monday after Sunday 2/9/2035
    assert VIETNAM.is_working_day(date(2036, 1, 1))
    assert vietnam_calendar(range(2024, 2025)).is_working_day(date(2025, 1, 1))

"""Vietnamese lunar dates on UTC+7: Tết, the Hùng Kings' day, leap months, round trips."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partyledger.domain.lunar_calendar import LunarDate, hung_kings_day, tet


@pytest.mark.parametrize(("year", "expected"), [
    (2007, date(2007, 2, 17)),  # a day before China's (UTC+8) 18 Feb
    (2010, date(2010, 2, 14)),
    (2014, date(2014, 1, 31)),
    (2015, date(2015, 2, 19)),
    (2016, date(2016, 2, 8)),
    (2017, date(2017, 1, 28)),
    (2018, date(2018, 2, 16)),
    (2019, date(2019, 2, 5)),
    (2020, date(2020, 1, 25)),
    (2021, date(2021, 2, 12)),
    (2022, date(2022, 2, 1)),
    (2023, date(2023, 1, 22)),
    (2024, date(2024, 2, 10)),
    (2025, date(2025, 1, 29)),
    (2026, date(2026, 2, 17)),
    (2027, date(2027, 2, 6)),
])
def test_tet_falls_on_the_known_day(year: int, expected: date) -> None:
    assert tet(year) == expected


@pytest.mark.parametrize(("year", "expected"), [
    (2012, date(2012, 3, 31)),
    (2015, date(2015, 4, 28)),
    (2016, date(2016, 4, 16)),
    (2019, date(2019, 4, 14)),
    (2020, date(2020, 4, 2)),  # a year with a leap 4th month, after the 3rd
    (2022, date(2022, 4, 10)),
    (2023, date(2023, 4, 29)),  # a year with a leap 2nd month, before the 3rd
    (2024, date(2024, 4, 18)),
    (2025, date(2025, 4, 7)),
    (2026, date(2026, 4, 26)),
])
def test_the_hung_kings_day_falls_on_the_known_day(year: int, expected: date) -> None:
    assert hung_kings_day(year) == expected


@pytest.mark.parametrize(("leap_month_start", "lunar"), [
    (date(2020, 5, 23), LunarDate(2020, 4, 1, leap=True)),
    (date(2023, 3, 22), LunarDate(2023, 2, 1, leap=True)),
    (date(2025, 7, 25), LunarDate(2025, 6, 1, leap=True)),
])
def test_leap_months_are_placed_where_the_calendar_has_them(
    leap_month_start: date, lunar: LunarDate
) -> None:
    assert LunarDate.of(leap_month_start) == lunar
    assert lunar.to_solar() == leap_month_start


def test_a_leap_month_the_year_does_not_have_is_refused() -> None:
    with pytest.raises(ValueError, match="leap"):
        LunarDate(2024, 4, 1, leap=True).to_solar()
    with pytest.raises(ValueError, match="leap month 3"):
        LunarDate(2023, 3, 1, leap=True).to_solar()


@given(st.dates(date(1990, 1, 1), date(2100, 12, 31)))
def test_every_solar_day_has_one_lunar_date_and_back(day: date) -> None:
    lunar = LunarDate.of(day)
    assert lunar.to_solar() == day
    if lunar.day == 1:
        assert LunarDate.of(day - timedelta(days=1)).day in (29, 30)


@pytest.mark.parametrize("year", range(1990, 2101))
def test_tet_comes_between_21_january_and_20_february_and_years_have_12_or_13_months(
    year: int,
) -> None:
    assert date(year, 1, 21) <= tet(year) <= date(year, 2, 20)
    length = (tet(year + 1) - tet(year)).days
    assert length in (353, 354, 355, 383, 384, 385)
    last_day = LunarDate.of(tet(year) - timedelta(days=1))
    assert last_day in (LunarDate(year - 1, 12, 29), LunarDate(year - 1, 12, 30))

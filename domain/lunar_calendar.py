"""Vietnamese lunar dates (âm lịch) to solar dates and back, reckoned on UTC+7.

Hồ Ngọc Đức's astronomical method: months start on the day of the new moon; the month that
holds the winter solstice is the 11th; a year with 13 months between two 11th months repeats
(as a leap month) the first month in which the sun enters no new major solar term. Vietnam
reckons on UTC+7 where China reckons on UTC+8, so Tết can fall a day apart (2007: 17 Feb here,
18 Feb in China). Good for 1900–2199; the register needs 1990–2100.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

TIME_ZONE = 7.0
"""Hours east of Greenwich of the meridian the Vietnamese calendar is reckoned on."""

SUPPORTED_YEARS = range(1900, 2200)

_ORDINAL_TO_JULIAN_DAY = 1721425  # date(2000, 1, 1) is ordinal 730120 and Julian day 2451545
_SYNODIC_MONTH = 29.530588853
_FIRST_NEW_MOON = 2415021.076998695  # 1900-01-01, new moon number k = 0
_DEGREE = math.pi / 180


@dataclass(frozen=True)
class LunarDate:
    """A day of the Vietnamese lunar calendar; ``leap``: a day of a leap month (tháng nhuận)."""

    year: int
    month: int
    day: int
    leap: bool = False

    def to_solar(self) -> date:
        """The solar (Gregorian) date; ValueError for a day this lunar year does not have."""
        _check_year(self.year)
        if not (1 <= self.month <= 12 and 1 <= self.day <= 30):
            raise ValueError(f"no lunar day {self.day}/{self.month}")
        year_of_a11 = self.year - 1 if self.month < 11 else self.year
        a11, b11 = _month_11_start(year_of_a11), _month_11_start(year_of_a11 + 1)
        k = math.floor(0.5 + (a11 - _FIRST_NEW_MOON) / _SYNODIC_MONTH)
        offset = (self.month - 11) % 12
        if b11 - a11 > 365:  # thirteen months: one of them is a leap month
            leap_offset = _leap_month_offset(a11)
            leap_month = (leap_offset - 2) % 12
            if self.leap and self.month != leap_month:
                raise ValueError(f"lunar year {self.year} has no leap month {self.month}")
            if self.leap or offset >= leap_offset:
                offset += 1
        elif self.leap:
            raise ValueError(f"lunar year {self.year} has no leap month")
        month_start = _new_moon_day(k + offset)
        if month_start + self.day - 1 >= _new_moon_day(k + offset + 1):
            raise ValueError(f"lunar month {self.month} of {self.year} has 29 days")
        return _solar(month_start + self.day - 1)

    @classmethod
    def of(cls, day: date) -> LunarDate:
        """The lunar date of a solar date."""
        _check_year(day.year)
        number = _julian_day(day)
        k = math.floor((number - _FIRST_NEW_MOON) / _SYNODIC_MONTH)
        month_start = _new_moon_day(k + 1)
        while month_start > number:  # the mean-month estimate of k can run one month ahead
            k -= 1
            month_start = _new_moon_day(k + 1)
        a11 = b11 = _month_11_start(day.year)
        if a11 >= month_start:
            year, a11 = day.year, _month_11_start(day.year - 1)
        else:
            year, b11 = day.year + 1, _month_11_start(day.year + 1)
        months_since_11 = math.floor((month_start - a11) / 29)
        month, leap = months_since_11 + 11, False
        if b11 - a11 > 365 and months_since_11 >= (leap_offset := _leap_month_offset(a11)):
            month, leap = months_since_11 + 10, months_since_11 == leap_offset
        if month > 12:
            month -= 12
        if month >= 11 and months_since_11 < 4:
            year -= 1
        return cls(year, month, number - month_start + 1, leap)


def tet(year: int) -> date:
    """Tết Nguyên đán: the first day of the first lunar month of ``year``."""
    return LunarDate(year, 1, 1).to_solar()


def hung_kings_day(year: int) -> date:
    """Giỗ Tổ Hùng Vương: the 10th day of the 3rd lunar month (never of a leap 3rd month)."""
    return LunarDate(year, 3, 10).to_solar()


def _check_year(year: int) -> None:
    if year not in SUPPORTED_YEARS:
        msg = f"lunar dates are computed for {SUPPORTED_YEARS.start}–{SUPPORTED_YEARS.stop - 1}"
        raise ValueError(msg)


def _julian_day(day: date) -> int:
    return day.toordinal() + _ORDINAL_TO_JULIAN_DAY


def _solar(julian_day: int) -> date:
    return date.fromordinal(julian_day - _ORDINAL_TO_JULIAN_DAY)


def _new_moon(k: int) -> float:
    """Julian day (UT) of the k-th new moon after 1900-01-01 (Meeus, shortened)."""
    t = k / 1236.85
    t2, t3 = t * t, t * t * t
    jd = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3
    jd += 0.00033 * math.sin((166.56 + 132.87 * t - 0.009173 * t2) * _DEGREE)
    m = (359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3) * _DEGREE  # sun's anomaly
    mp = (306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3) * _DEGREE  # moon's
    f = (21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3) * _DEGREE  # latitude arg.
    c1 = ((0.1734 - 0.000393 * t) * math.sin(m) + 0.0021 * math.sin(2 * m)
          - 0.4068 * math.sin(mp) + 0.0161 * math.sin(2 * mp) - 0.0004 * math.sin(3 * mp)
          + 0.0104 * math.sin(2 * f) - 0.0051 * math.sin(m + mp) - 0.0074 * math.sin(m - mp)
          + 0.0004 * math.sin(2 * f + m) - 0.0004 * math.sin(2 * f - m)
          - 0.0006 * math.sin(2 * f + mp) + 0.0010 * math.sin(2 * f - mp)
          + 0.0005 * math.sin(2 * mp + m))
    delta_t = -0.000278 + 0.000265 * t + 0.000262 * t2
    return jd + c1 - delta_t


def _new_moon_day(k: int) -> int:
    """The local (UTC+7) day on which the k-th new moon falls."""
    return math.floor(_new_moon(k) + 0.5 + TIME_ZONE / 24)


def _sun_longitude(julian_day: float) -> float:
    """The sun's apparent longitude in radians, in [0, 2π)."""
    t = (julian_day - 2451545.0) / 36525
    t2 = t * t
    m = (357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2) * _DEGREE
    l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2
    dl = ((1.914600 - 0.004817 * t - 0.000014 * t2) * math.sin(m)
          + (0.019993 - 0.000101 * t) * math.sin(2 * m) + 0.000290 * math.sin(3 * m))
    return ((l0 + dl) * _DEGREE) % (2 * math.pi)


def _major_term(day_number: int) -> int:
    """Which 30° sector (0–11) the sun is in at the start of a local day."""
    return math.floor(_sun_longitude(day_number - 0.5 - TIME_ZONE / 24) / math.pi * 6)


def _month_11_start(year: int) -> int:
    """The day the 11th lunar month (the one holding the winter solstice) of ``year`` begins."""
    k = math.floor((_julian_day(date(year, 12, 31)) - 2415021) / _SYNODIC_MONTH)
    start = _new_moon_day(k)
    return _new_moon_day(k - 1) if _major_term(start) >= 9 else start


def _leap_month_offset(a11: int) -> int:
    """How many months after month 11 the leap month comes, in a thirteen-month year."""
    k = math.floor((a11 - _FIRST_NEW_MOON) / _SYNODIC_MONTH + 0.5)
    i = 1
    arc = _major_term(_new_moon_day(k + i))
    while True:
        last = arc
        i += 1
        arc = _major_term(_new_moon_day(k + i))
        if arc == last or i >= 14:
            return i - 1

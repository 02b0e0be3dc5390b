"""Vietnam's national working calendar as data: statutory holidays and announced schedules.

Two sources, per holiday and year:

- the statutory holidays of the Labour Code in force (1994 code as amended in 2007, 2012 code
  from 1 May 2013, 2019 code from 1 Jan 2021), with its rule that a holiday falling on the
  weekly rest day is taken on the next working day;
- the schedules the Government announced for state employees (Monday to Friday workers), which
  replace the statutory computation of the holidays they settle: where the days off were
  swapped, the Saturday worked instead is a make-up day (ngày làm bù).

The register counts working days as a state office does: Monday to Friday.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum

from partyledger.domain.lunar_calendar import hung_kings_day, tet
from partyledger.domain.working_days import SATURDAY, WorkingCalendar


class NationalHoliday(Enum):
    NEW_YEAR = "Tết Dương lịch"
    TET = "Tết Nguyên đán"
    HUNG_KINGS = "Giỗ Tổ Hùng Vương"
    VICTORY_AND_LABOUR = "Ngày Chiến thắng 30/4 và Quốc tế Lao động 1/5"
    NATIONAL_DAY = "Quốc khánh 2/9"


@dataclass(frozen=True)
class AnnouncedBreak:
    """An announced break: every day from ``first`` to ``last`` is off; ``makeup_days`` worked."""

    settles: frozenset[NationalHoliday]
    first: date
    last: date
    makeup_days: tuple[date, ...] = ()

    @property
    def days_off(self) -> set[date]:
        return {self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)}


def _break(*settles: NationalHoliday, first: date, last: date,
           makeup: tuple[date, ...] = ()) -> AnnouncedBreak:
    return AnnouncedBreak(frozenset(settles), first, last, makeup)


H = NationalHoliday
D = date

ANNOUNCED: dict[int, tuple[AnnouncedBreak, ...]] = {
    # 2010–2013: the Tết breaks were lengthened by swapping Saturdays, but the announced days
    # are not recorded here: statutory computation (Tết of 4 days under the 1994 code).
    # 2014: Tết 28/1–5/2, Saturdays 25/1 and 8/2 worked; 30/4–4/5 with Friday 2/5 off and
    # Saturday 26/4 worked. National Day (Tuesday 2/9): not verified, statutory.
    2014: (_break(H.TET, first=D(2014, 1, 28), last=D(2014, 2, 5),
                  makeup=(D(2014, 1, 25), D(2014, 2, 8))),
           _break(H.VICTORY_AND_LABOUR, first=D(2014, 4, 30), last=D(2014, 5, 4),
                  makeup=(D(2014, 4, 26),))),
    # 2015: New Year 1/1–4/1 (Saturday 27/12/2014 worked); Tết 15/2–23/2 (Saturday 14/2
    # worked); Hùng Kings with 30/4–1/5, 28/4–3/5 (Saturday 25/4 worked for Wednesday 29/4).
    # National Day (Wednesday 2/9): not verified, statutory.
    2015: (_break(H.NEW_YEAR, first=D(2015, 1, 1), last=D(2015, 1, 4), makeup=(D(2014, 12, 27),)),
           _break(H.TET, first=D(2015, 2, 15), last=D(2015, 2, 23), makeup=(D(2015, 2, 14),)),
           _break(H.HUNG_KINGS, H.VICTORY_AND_LABOUR, first=D(2015, 4, 28), last=D(2015, 5, 3),
                  makeup=(D(2015, 4, 25),))),
    # 2016: as computed (Tết 6–14/2, Hùng Kings 16–18/4, 30/4–3/5, 2/9): no swap.
    2016: (),
    # 2017: as computed (Tết 26/1–1/2, 29/4–2/5, 2–4/9): no swap.
    2017: (),
    # 2018: as computed (Tết 14–20/2, 25/4, 28/4–1/5, 1–3/9): no swap.
    2018: (),
    # 2019: New Year 29/12/2018–1/1/2019 (Saturday 5/1 worked for Monday 31/12);
    # 27/4–1/5 (Saturday 4/5 worked for Monday 29/4). Tết 2–10/2, 13–15/4, 31/8–2/9 as computed.
    2019: (_break(H.NEW_YEAR, first=D(2018, 12, 29), last=D(2019, 1, 1), makeup=(D(2019, 1, 5),)),
           _break(H.VICTORY_AND_LABOUR, first=D(2019, 4, 27), last=D(2019, 5, 1),
                  makeup=(D(2019, 5, 4),))),
    # 2020: as computed (Tết 23–29/1, 2/4, 30/4–3/5, 2/9): no swap.
    2020: (),
    # 2021, first year of the 2019 code: as computed (Tết 10–16/2, 21/4, 30/4–3/5, 2–5/9).
    2021: (),
    # 2022: as computed (Tết 29/1–6/2, 9–11/4, 30/4–3/5, 1–4/9): no swap.
    2022: (),
    # 2023: as computed (Tết 20–26/1, 29/4–3/5 with Hùng Kings on Saturday 29/4, 1–4/9).
    2023: (),
    # 2024: 27/4–1/5 (Saturday 4/5 worked for Monday 29/4). Tết 8–14/2, 18/4, 31/8–3/9 as
    # computed.
    2024: (_break(H.VICTORY_AND_LABOUR, first=D(2024, 4, 27), last=D(2024, 5, 1),
                  makeup=(D(2024, 5, 4),)),),
    # 2025: 30/4–4/5 (Saturday 26/4 worked for Friday 2/5). Tết 25/1–2/2, 5–7/4, 30/8–2/9 as
    # computed.
    2025: (_break(H.VICTORY_AND_LABOUR, first=D(2025, 4, 30), last=D(2025, 5, 4),
                  makeup=(D(2025, 4, 26),)),),
    # 2026 onwards: no announced schedule recorded; statutory computation. A tenant records an
    # announced swap as an override (holiday plus make-up day) until this table has it.
}

LABOUR_CODE_2012 = date(2013, 5, 1)  # Tết of 5 days
LABOUR_CODE_2019 = date(2021, 1, 1)  # National Day of 2 days


def statutory_holidays(year: int) -> dict[NationalHoliday, set[date]]:
    """The days the Labour Code in force names as holidays in ``year``, weekends included.

    Where the Government decides the placement, the computation follows its usual choice:
    Tết takes the last two days of the lunar year and the first three of the new one (one and
    three under the 1994 code); National Day's extra day is the neighbour of 2/9 that joins it
    to a weekend, the day before when neither does.
    """
    new_year = tet(year)
    before, after = (2, 3) if new_year >= LABOUR_CODE_2012 else (1, 3)
    national_day = date(year, 9, 2)
    days = {
        H.NEW_YEAR: {date(year, 1, 1)},
        H.TET: {new_year + timedelta(days=d) for d in range(-before, after)},
        H.HUNG_KINGS: {hung_kings_day(year)},
        H.VICTORY_AND_LABOUR: {date(year, 4, 30), date(year, 5, 1)},
        H.NATIONAL_DAY: {national_day},
    }
    if national_day >= LABOUR_CODE_2019:
        day_after = national_day.weekday() in (0, 3)  # a Tuesday or a Friday 3/9 joins a weekend
        days[H.NATIONAL_DAY].add(national_day + timedelta(days=1 if day_after else -1))
    return days


def year_schedule(year: int) -> tuple[set[date], set[date]]:
    """The days off and the make-up days of ``year``: announced where known, else statutory."""
    announced = ANNOUNCED.get(year, ())
    settled = {h for b in announced for h in b.settles}
    statutory = [d for h, ds in statutory_holidays(year).items() if h not in settled for d in ds]
    days_off = set(statutory).union(*(b.days_off for b in announced))
    makeup = {d for b in announced for d in b.makeup_days}
    return days_off | _compensation(statutory, days_off), makeup


def _compensation(holidays: Iterable[date], days_off: set[date]) -> set[date]:
    """A holiday on Saturday or Sunday is taken on the next working day after the break."""
    taken: set[date] = set()
    for holiday in sorted(h for h in holidays if h.weekday() >= SATURDAY):
        day = holiday + timedelta(days=1)
        while day.weekday() >= SATURDAY or day in days_off or day in taken:
            day += timedelta(days=1)
        taken.add(day)
    return taken


def vietnam_calendar(years: Iterable[int] = range(2010, 2036)) -> WorkingCalendar:
    """The national working calendar for ``years``; outside them only weekends are off."""
    holidays: set[date] = set()
    makeup_days: set[date] = set()
    for year in years:
        days_off, makeup = year_schedule(year)
        holidays |= days_off
        makeup_days |= makeup
    return WorkingCalendar(frozenset(holidays), frozenset(makeup_days), name="vietnam")


VIETNAM = vietnam_calendar()
"""Vietnam's national working calendar, 2010–2035."""

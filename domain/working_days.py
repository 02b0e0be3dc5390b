"""Working days: every time limit in working days is counted against a holiday calendar (data).

A period of N working days "from" a date starts on the next working day: day 1 is the first
working day after the date (DOMAIN.md scenario G).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

SATURDAY, SUNDAY = 5, 6


@dataclass(frozen=True)
class WorkingCalendar:
    """Monday–Friday, minus ``holidays``, plus ``makeup_days`` (weekend days worked instead)."""

    holidays: frozenset[date] = field(default_factory=frozenset)
    makeup_days: frozenset[date] = field(default_factory=frozenset)
    name: str = "custom"

    def is_working_day(self, day: date) -> bool:
        if day in self.makeup_days:
            return True
        return day.weekday() not in (SATURDAY, SUNDAY) and day not in self.holidays

    def add_working_days(self, start: date, days: int) -> date:
        """The date on which a period of ``days`` working days from ``start`` ends."""
        if days < 0:
            raise ValueError("a period of working days cannot be negative")
        day, counted = start, 0
        while counted < days:
            day += timedelta(days=1)
            counted += self.is_working_day(day)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
        return sum(self.is_working_day(start + timedelta(days=i))
                   for i in range(1, (end - start).days + 1))

    def with_changes(
        self, *, holidays: Iterable[date] = (), makeup_days: Iterable[date] = (),
        working_days: Iterable[date] = (), name: str | None = None,
    ) -> WorkingCalendar:
        """A tenant's override: extra holidays, extra make-up days, holidays withdrawn."""
        withdrawn = frozenset(working_days)
        return WorkingCalendar(
            holidays=(self.holidays | frozenset(holidays)) - withdrawn,
            makeup_days=self.makeup_days | frozenset(makeup_days) | (withdrawn - self.holidays),
            name=name or f"{self.name}+override",
        )

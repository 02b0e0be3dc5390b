"""The tenant's working calendar: the national one with the tenant's own recorded changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from partyledger.domain.calendar_override import OVERRIDE_ID, WorkingCalendarOverride
from partyledger.domain.holidays_vn import VIETNAM
from partyledger.domain.working_days import WorkingCalendar
from partyledger.services.access import Actor, Role
from partyledger.services.members import MemberRegister
from partyledger.services.register import Outcome

Change = Callable[[WorkingCalendarOverride, WorkingCalendar], None]


class CalendarBook(MemberRegister):
    national_calendar: WorkingCalendar = VIETNAM
    _calendar: tuple[int, WorkingCalendar] | None = None  # (override version, calendar)

    def working_calendar(self) -> WorkingCalendar:
        """The calendar every deadline of this tenant is counted on.

        Kept in memory with the override's version; one small read per call tells whether
        another process has changed the override since.
        """
        latest = self.recorder.select_events(OVERRIDE_ID, desc=True, limit=1)
        version = latest[0].originator_version if latest else 0
        cached = self._calendar
        if cached is None or cached[0] != version:
            override = self.get_or_none(OVERRIDE_ID, WorkingCalendarOverride)
            national = self.national_calendar
            calendar = override.applied_to(national) if override else national
            cached = self._calendar = (override.version if override else 0, calendar)
        return cached[1]

    def add_holiday(self, actor: Actor, *, day: date, reason: str) -> Outcome:
        """Make a working day a holiday for this tenant."""
        return self._change_calendar("add_holiday", actor, day, reason,
                                     lambda o, n: o.add_holiday(day, reason, national=n))

    def add_makeup_day(self, actor: Actor, *, day: date, reason: str) -> Outcome:
        """Make a Saturday or Sunday a working day for this tenant (ngày làm bù)."""
        return self._change_calendar("add_makeup_day", actor, day, reason,
                                     lambda o, n: o.add_makeup_day(day, reason, national=n))

    def withdraw_holiday(self, actor: Actor, *, day: date, reason: str) -> Outcome:
        """Make a holiday a working day for this tenant."""
        return self._change_calendar("withdraw_holiday", actor, day, reason,
                                     lambda o, n: o.withdraw_holiday(day, reason, national=n))

    def _change_calendar(self, command: str, actor: Actor, day: date, reason: str,
                         change: Change) -> Outcome:
        self.check_tenant(actor)
        actor.require(Role.TENANT_ADMIN)

        def run() -> list[WorkingCalendarOverride]:
            override = self.get_or_none(OVERRIDE_ID, WorkingCalendarOverride)
            override = override or WorkingCalendarOverride.open()
            change(override, self.national_calendar)
            return [override]

        outcome = self.execute(command, {"day": day, "reason": reason}, run)
        self._calendar = None
        return outcome

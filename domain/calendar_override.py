"""A tenant's changes to the national working calendar: its own holidays, make-up days, withdrawals.

One override per tenant register (a deterministic id). It records net changes: withdrawing a
holiday the tenant itself added removes it, re-adding a withdrawn national holiday restores it.
Each rule is checked against the calendar in force with the changes recorded so far.
"""

from __future__ import annotations

from datetime import date
from uuid import NAMESPACE_URL, uuid5

from eventsourcing.domain import event

from partyledger.domain.aggregate import RegisterAggregate
from partyledger.domain.errors import DomainError
from partyledger.domain.working_days import SATURDAY, WorkingCalendar

OVERRIDE_ID = uuid5(NAMESPACE_URL, "urn:partyledger:working-calendar-override")


class HolidayAlreadyRecordedError(DomainError):
    code = "ALREADY_A_HOLIDAY"


class HolidayOnWeekendError(DomainError):
    """A Saturday or Sunday is a day off already; to work it, record a make-up day."""

    code = "HOLIDAY_ON_WEEKEND"


class MakeupDayNotWeekendError(DomainError):
    code = "MAKEUP_DAY_NOT_WEEKEND"


class MakeupDayAlreadyRecordedError(DomainError):
    code = "ALREADY_A_MAKEUP_DAY"


class DayNotHolidayError(DomainError):
    code = "NOT_A_HOLIDAY"


class CalendarReasonMissingError(DomainError):
    code = "REASON_REQUIRED"


class WorkingCalendarOverride(RegisterAggregate):
    class Opened(RegisterAggregate.Created):
        pass

    class HolidayAdded(RegisterAggregate.Event):
        """A working day becomes a holiday for this tenant (e.g. a day the province gives off)."""

        day: date
        reason: str
        effective_on: date

        def apply(self, override: WorkingCalendarOverride) -> None:
            if self.day in override.withdrawn:
                override.withdrawn.discard(self.day)
            else:
                override.holidays.add(self.day)

    class MakeupDayAdded(RegisterAggregate.Event):
        """A Saturday or Sunday is worked (ngày làm bù)."""

        day: date
        reason: str
        effective_on: date

        def apply(self, override: WorkingCalendarOverride) -> None:
            override.makeup_days.add(self.day)

    class HolidayWithdrawn(RegisterAggregate.Event):
        """A holiday is worked after all."""

        day: date
        reason: str
        effective_on: date

        def apply(self, override: WorkingCalendarOverride) -> None:
            if self.day in override.holidays:
                override.holidays.discard(self.day)
            else:
                override.withdrawn.add(self.day)

    @event(Opened)
    def __init__(self) -> None:
        self.holidays: set[date] = set()
        self.makeup_days: set[date] = set()
        self.withdrawn: set[date] = set()

    @classmethod
    def open(cls) -> WorkingCalendarOverride:
        override: WorkingCalendarOverride = cls._create(cls.Opened, id=OVERRIDE_ID)
        return override

    def applied_to(self, national: WorkingCalendar) -> WorkingCalendar:
        """The national calendar with this tenant's changes."""
        return national.with_changes(holidays=self.holidays, makeup_days=self.makeup_days,
                                     working_days=self.withdrawn, name=f"{national.name}+tenant")

    def add_holiday(self, day: date, reason: str, *, national: WorkingCalendar) -> None:
        if day.weekday() >= SATURDAY:
            raise HolidayOnWeekendError(f"{day} is a {day:%A}: a day off already", field="day")
        if not self.applied_to(national).is_working_day(day):
            raise HolidayAlreadyRecordedError(f"{day} is a holiday already", field="day")
        self.trigger_event(self.HolidayAdded, day=day, reason=_reason(reason), effective_on=day)

    def add_makeup_day(self, day: date, reason: str, *, national: WorkingCalendar) -> None:
        if day.weekday() < SATURDAY:
            msg = f"{day} is a {day:%A}: only a Saturday or Sunday can be a make-up day"
            raise MakeupDayNotWeekendError(msg, field="day")
        if self.applied_to(national).is_working_day(day):
            raise MakeupDayAlreadyRecordedError(f"{day} is a make-up day already", field="day")
        self.trigger_event(self.MakeupDayAdded, day=day, reason=_reason(reason), effective_on=day)

    def withdraw_holiday(self, day: date, reason: str, *, national: WorkingCalendar) -> None:
        if day.weekday() >= SATURDAY or self.applied_to(national).is_working_day(day):
            raise DayNotHolidayError(f"{day} is not a holiday", field="day")
        self.trigger_event(self.HolidayWithdrawn, day=day, reason=_reason(reason), effective_on=day)


def _reason(reason: str) -> str:
    if not reason.strip():
        raise CalendarReasonMissingError("say why the calendar changes", field="reason")
    return reason.strip()

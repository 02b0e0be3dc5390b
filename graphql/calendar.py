"""The working calendar in GraphQL: deadlines in working days, and the tenant's changes."""

import datetime
from typing import Annotated, Any

import anyio.to_thread
import strawberry
from strawberry.types import Info

from partyledger.domain.working_days import WorkingCalendar as CalendarData
from partyledger.graphql.commands import run_command
from partyledger.graphql.context import ledger
from partyledger.graphql.contracts import FreeText, IdempotencyKeyText, checked_input
from partyledger.graphql.errors import BadInputError, UserError

MAX_WORKING_DAYS = 2000


@strawberry.type(description="The calendar the tenant's deadlines are counted on: Vietnam's "
                             "national holidays and make-up days (2010–2035), with the tenant's "
                             "own changes. Outside those years only weekends are off.")
class WorkingCalendar:
    tenant_holidays: list[datetime.date] = strawberry.field(
        description="Working days the tenant made holidays.")
    tenant_makeup_days: list[datetime.date] = strawberry.field(
        description="Weekend days the tenant made working days.")
    withdrawn_holidays: list[datetime.date] = strawberry.field(
        description="National holidays the tenant works.")
    data: strawberry.Private[CalendarData]

    @strawberry.field(description="Days off other than Saturdays and Sundays, in a year.")
    def holidays(self, year: int) -> list[datetime.date]:
        return sorted(d for d in self.data.holidays
                      if d.year == year and d.weekday() < 5 and not self.data.is_working_day(d))

    @strawberry.field(description="Saturdays and Sundays worked, in a year.")
    def makeup_days(self, year: int) -> list[datetime.date]:
        return sorted(d for d in self.data.makeup_days if d.year == year)

    @classmethod
    def of(cls, data: CalendarData, national: CalendarData) -> "WorkingCalendar":
        return cls(tenant_holidays=sorted(data.holidays - national.holidays),
                   tenant_makeup_days=sorted(data.makeup_days - national.makeup_days),
                   withdrawn_holidays=sorted(national.holidays - data.holidays), data=data)


@checked_input(description="A day of the calendar to change, and why.")
class CalendarDayInput:
    day: datetime.date
    reason: FreeText = strawberry.field(
        description="Why, e.g. the decision that gives the day off.")
    idempotency_key: IdempotencyKeyText | None = None


@strawberry.type
class WorkingCalendarPayload:
    working_calendar: WorkingCalendar | None
    user_errors: list[UserError]
    position: str | None = strawberry.field(description="Log position to wait for in queries.")


@strawberry.type
class CalendarQuery:
    @strawberry.field(description="The end of a period of working days: day 1 is the first "
                                  "working day after `from` (e.g. 30 working days to present a "
                                  "transfer letter).")
    async def working_days(
        self, info: Info[Any, Any],
        from_: Annotated[datetime.date, strawberry.argument(name="from")], days: int,
    ) -> datetime.date:
        if not 0 <= days <= MAX_WORKING_DAYS:
            raise BadInputError(f"days: between 0 and {MAX_WORKING_DAYS}")
        calendar = await _calendar(info)
        try:
            return calendar.add_working_days(from_, days)
        except OverflowError:
            raise BadInputError("from: the period ends after the last date a calendar holds",
                                field=["from"], reason="DATE_OUT_OF_RANGE") from None

    @strawberry.field(description="Whether a day is worked in the viewer's tenant.")
    async def is_working_day(self, info: Info[Any, Any], day: datetime.date) -> bool:
        return (await _calendar(info)).is_working_day(day)

    @strawberry.field(description="The viewer's tenant's working calendar.")
    async def working_calendar(self, info: Info[Any, Any]) -> WorkingCalendar:
        return WorkingCalendar.of(await _calendar(info), ledger(info).register.national_calendar)


@strawberry.type
class CalendarMutation:
    @strawberry.mutation(description="Make a working day a holiday for the tenant (admins).")
    async def add_holiday(
        self, info: Info[Any, Any], input: CalendarDayInput
    ) -> WorkingCalendarPayload:
        return await _payload(info, input, lambda c: c.register.add_holiday(
            c.actor, day=input.day, reason=input.reason))

    @strawberry.mutation(description="Make a Saturday or Sunday a working day (ngày làm bù).")
    async def add_makeup_day(
        self, info: Info[Any, Any], input: CalendarDayInput
    ) -> WorkingCalendarPayload:
        return await _payload(info, input, lambda c: c.register.add_makeup_day(
            c.actor, day=input.day, reason=input.reason))

    @strawberry.mutation(description="Work a holiday after all (admins).")
    async def withdraw_holiday(
        self, info: Info[Any, Any], input: CalendarDayInput
    ) -> WorkingCalendarPayload:
        return await _payload(info, input, lambda c: c.register.withdraw_holiday(
            c.actor, day=input.day, reason=input.reason))


async def _payload(
    info: Info[Any, Any], given: CalendarDayInput, command: Any
) -> WorkingCalendarPayload:
    outcome, errors = await run_command(info, given.idempotency_key, command)
    if outcome is None:
        return WorkingCalendarPayload(working_calendar=None, user_errors=errors, position=None)
    calendar = WorkingCalendar.of(await _calendar(info), ledger(info).register.national_calendar)
    return WorkingCalendarPayload(working_calendar=calendar, user_errors=[],
                                  position=str(outcome.position))


async def _calendar(info: Info[Any, Any]) -> CalendarData:
    return await anyio.to_thread.run_sync(ledger(info).register.working_calendar)

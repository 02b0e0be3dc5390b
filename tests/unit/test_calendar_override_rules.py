"""A tenant's override of the national calendar: its rules and the events it records."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from partyledger.domain.calendar_override import (
    CalendarReasonMissingError,
    DayNotHolidayError,
    HolidayAlreadyRecordedError,
    HolidayOnWeekendError,
    MakeupDayAlreadyRecordedError,
    MakeupDayNotWeekendError,
    WorkingCalendarOverride,
)
from partyledger.domain.holidays_vn import VIETNAM
from partyledger.domain.provenance import Provenance, recorded_by

TUESDAY, SATURDAY, HUNG_KINGS = date(2024, 4, 2), date(2024, 4, 13), date(2024, 4, 18)


@pytest.fixture
def override() -> Iterator[WorkingCalendarOverride]:
    with recorded_by(Provenance.system("admin@test")):
        yield WorkingCalendarOverride.open()


def test_each_change_is_an_event_dated_on_its_day(override: WorkingCalendarOverride) -> None:
    override.add_holiday(TUESDAY, "Quyết định của Tỉnh ủy", national=VIETNAM)
    override.add_makeup_day(SATURDAY, "làm bù", national=VIETNAM)
    override.withdraw_holiday(HUNG_KINGS, "trực", national=VIETNAM)
    events = override.collect_events()
    assert [type(e).__name__ for e in events] == [
        "Opened", "HolidayAdded", "MakeupDayAdded", "HolidayWithdrawn"]
    assert [(e.day, e.effective_on, e.recorded_by) for e in events[1:]] == [
        (d, d, "admin@test") for d in (TUESDAY, SATURDAY, HUNG_KINGS)]
    calendar = override.applied_to(VIETNAM)
    assert not calendar.is_working_day(TUESDAY)
    assert calendar.is_working_day(SATURDAY) and calendar.is_working_day(HUNG_KINGS)


def test_withdrawing_the_tenants_own_holiday_and_restoring_a_national_one_leave_no_change(
    override: WorkingCalendarOverride,
) -> None:
    override.add_holiday(TUESDAY, "nghỉ", national=VIETNAM)
    override.withdraw_holiday(TUESDAY, "nhầm", national=VIETNAM)
    override.withdraw_holiday(HUNG_KINGS, "trực", national=VIETNAM)
    override.add_holiday(HUNG_KINGS, "khôi phục", national=VIETNAM)
    assert override.applied_to(VIETNAM).holidays == VIETNAM.holidays
    assert (override.holidays, override.withdrawn, override.makeup_days) == (set(), set(), set())


@pytest.mark.parametrize(("change", "day", "error"), [
    ("add_holiday", date(2024, 4, 30), HolidayAlreadyRecordedError),
    ("add_holiday", SATURDAY, HolidayOnWeekendError),
    ("add_makeup_day", TUESDAY, MakeupDayNotWeekendError),
    ("add_makeup_day", date(2024, 5, 4), MakeupDayAlreadyRecordedError),  # the national one
    ("withdraw_holiday", TUESDAY, DayNotHolidayError),
    ("withdraw_holiday", SATURDAY, DayNotHolidayError),
])
def test_a_change_that_changes_nothing_is_refused(
    override: WorkingCalendarOverride, change: str, day: date, error: type[Exception]
) -> None:
    with pytest.raises(error) as refused:
        getattr(override, change)(day, "lý do", national=VIETNAM)
    assert refused.value.field == "day"  # type: ignore[attr-defined]
    assert len(override.collect_events()) == 1


def test_the_codes_partners_see() -> None:
    assert HolidayAlreadyRecordedError.code == "ALREADY_A_HOLIDAY"
    assert MakeupDayNotWeekendError.code == "MAKEUP_DAY_NOT_WEEKEND"
    assert DayNotHolidayError.code == "NOT_A_HOLIDAY"


def test_a_change_needs_a_reason(override: WorkingCalendarOverride) -> None:
    with pytest.raises(CalendarReasonMissingError):
        override.add_holiday(TUESDAY, "  ", national=VIETNAM)

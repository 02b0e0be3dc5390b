"""A tenant's calendar override on a real event store: its deadlines only, refusals, workers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from partyledger.domain.calendar_override import (
    OVERRIDE_ID,
    DayNotHolidayError,
    HolidayAlreadyRecordedError,
    MakeupDayNotWeekendError,
)
from partyledger.domain.holidays_vn import VIETNAM
from partyledger.domain.provenance import Provenance, idempotency_key, recorded_by
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.services.access import AccessDeniedError, Actor, Role
from partyledger.services.tenant_register import TenantRegister

from support import event_count, new_slug

LETTER_ISSUED = date(2024, 3, 1)  # scenario G: 30 working days, deadline 12/4/2024
PROVINCIAL_DAY_OFF = date(2024, 4, 2)


def another_tenant(directory: TenantDirectory) -> TenantRuntime:
    slug = new_slug()
    directory.create(slug, f"Đảng bộ khác {slug}")
    return directory.runtime(slug)


@pytest.fixture
def as_admin(admin: Actor) -> Iterator[Actor]:
    with recorded_by(Provenance.system(admin.subject)):
        yield admin


def deadline(register: TenantRegister, start: date = LETTER_ISSUED, days: int = 30) -> date:
    return register.working_calendar().add_working_days(start, days)


def test_without_changes_a_tenant_counts_on_the_national_calendar(tenant: TenantRuntime) -> None:
    assert tenant.register.working_calendar() == VIETNAM
    assert deadline(tenant.register) == date(2024, 4, 12)
    assert deadline(tenant.register, date(2024, 4, 1)) == date(2024, 5, 16)  # Saturday 4/5 worked


def test_a_tenant_holiday_moves_that_tenants_deadlines_and_no_one_elses(
    tenant: TenantRuntime, directory: TenantDirectory, as_admin: Actor,
) -> None:
    outcome = tenant.register.add_holiday(as_admin, day=PROVINCIAL_DAY_OFF, reason="12-QĐ/TU")
    other = another_tenant(directory)
    other_admin = Actor("admin@other", other.tenant.slug, frozenset({Role.TENANT_ADMIN}))
    other.register.add_makeup_day(other_admin, day=date(2024, 4, 6), reason="làm bù")
    assert outcome.position > 0
    assert deadline(tenant.register) == date(2024, 4, 15)
    assert not tenant.register.working_calendar().is_working_day(PROVINCIAL_DAY_OFF)
    assert not tenant.register.working_calendar().is_working_day(date(2024, 4, 6))
    assert deadline(other.register) == date(2024, 4, 11)
    assert other.register.working_calendar().is_working_day(PROVINCIAL_DAY_OFF)


def test_a_withdrawn_holiday_and_a_makeup_day_shorten_the_count(
    tenant: TenantRuntime, as_admin: Actor
) -> None:
    tenant.register.withdraw_holiday(as_admin, day=date(2024, 4, 18), reason="trực Đại hội")
    tenant.register.add_makeup_day(as_admin, day=date(2024, 4, 13), reason="làm bù")
    # From 1/4/2024: 16/5 on the national calendar, two working days earlier now.
    assert deadline(tenant.register, date(2024, 4, 1)) == date(2024, 5, 14)
    events = list(tenant.register.events.get(OVERRIDE_ID))
    assert [(type(e).__name__, e.effective_on) for e in events[1:]] == [
        ("HolidayWithdrawn", date(2024, 4, 18)), ("MakeupDayAdded", date(2024, 4, 13))]


def test_another_worker_of_the_same_tenant_sees_the_change(
    tenant: TenantRuntime, as_admin: Actor
) -> None:
    elsewhere = TenantRegister(env=dict(tenant.register.env))
    assert deadline(elsewhere) == date(2024, 4, 12)
    tenant.register.add_holiday(as_admin, day=PROVINCIAL_DAY_OFF, reason="Quyết định 12-QĐ/TU")
    assert deadline(elsewhere) == date(2024, 4, 15)


@pytest.mark.parametrize(("command", "day", "error"), [
    ("add_holiday", date(2024, 4, 30), HolidayAlreadyRecordedError),
    ("add_makeup_day", PROVINCIAL_DAY_OFF, MakeupDayNotWeekendError),
    ("withdraw_holiday", PROVINCIAL_DAY_OFF, DayNotHolidayError),
])
def test_a_refused_change_writes_nothing(
    tenant: TenantRuntime, as_admin: Actor, command: str, day: date, error: type[Exception],
) -> None:
    before = event_count(tenant)
    with pytest.raises(error):
        getattr(tenant.register, command)(as_admin, day=day, reason="lý do")
    assert event_count(tenant) == before
    assert tenant.register.working_calendar() == VIETNAM


def test_only_a_tenant_administrator_changes_the_calendar(tenant: TenantRuntime) -> None:
    officer = Actor("officer@x", tenant.tenant.slug, frozenset({Role.OFFICER, Role.INSPECTOR}))
    before = event_count(tenant)
    with recorded_by(Provenance.system(officer.subject)), pytest.raises(AccessDeniedError):
        tenant.register.add_holiday(officer, day=PROVINCIAL_DAY_OFF, reason="lý do")
    assert event_count(tenant) == before


def test_a_retried_change_with_the_same_key_is_recorded_once(
    tenant: TenantRuntime, as_admin: Actor
) -> None:
    with idempotency_key("holiday-2024-04-02"):
        first = tenant.register.add_holiday(as_admin, day=PROVINCIAL_DAY_OFF, reason="Quyết định")
        appended = event_count(tenant)
        again = tenant.register.add_holiday(as_admin, day=PROVINCIAL_DAY_OFF, reason="Quyết định")
    assert again.replayed and again.subject_id == first.subject_id
    assert event_count(tenant) == appended

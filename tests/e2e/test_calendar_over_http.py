"""The working calendar over HTTP: a tenant's holiday moves its deadline; refusals name the rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from partyledger.infra.tenants import TenantRuntime
from partyledger.services.access import Role

GraphQL = Callable[..., dict[str, Any]]

ADD_HOLIDAY = """
mutation Add($input: CalendarDayInput!) {
  addHoliday(input: $input) {
    workingCalendar { tenantHolidays holidays(year: 2024) makeupDays(year: 2024) }
    userErrors { field message code }
    position
  }
}"""
ADD_MAKEUP_DAY = """
mutation Makeup($input: CalendarDayInput!) {
  addMakeupDay(input: $input) {
    workingCalendar { tenantMakeupDays } userErrors { field code } position
  }
}"""
DEADLINE = """
query Deadline($from: Date!, $days: Int!, $day: Date!) {
  workingDays(from: $from, days: $days)
  isWorkingDay(day: $day)
}"""


def test_a_tenant_holiday_moves_the_deadline_the_query_gives(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime,
) -> None:
    token = token_for(tenant.tenant.slug)
    scenario_g = {"from": "2024-03-01", "days": 30, "day": "2024-04-02"}
    assert graphql(DEADLINE, token, scenario_g)["data"] == {
        "workingDays": "2024-04-12", "isWorkingDay": True}
    added = graphql(ADD_HOLIDAY, token, {"input": {
        "day": "2024-04-02", "reason": "Quyết định 12-QĐ/TU", "idempotencyKey": "tu-12"}})
    payload = added["data"]["addHoliday"]
    assert payload["userErrors"] == [] and int(payload["position"]) > 0
    assert payload["workingCalendar"]["tenantHolidays"] == ["2024-04-02"]
    assert "2024-04-29" in payload["workingCalendar"]["holidays"]
    assert payload["workingCalendar"]["makeupDays"] == ["2024-05-04"]
    assert graphql(DEADLINE, token, scenario_g)["data"] == {
        "workingDays": "2024-04-15", "isWorkingDay": False}


def test_a_weekday_make_up_day_is_a_user_error_and_changes_nothing(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime,
) -> None:
    token = token_for(tenant.tenant.slug)
    head = tenant.register.recorder.max_notification_id()
    refused = graphql(ADD_MAKEUP_DAY, token, {"input": {"day": "2024-04-02", "reason": "làm bù"}})
    payload = refused["data"]["addMakeupDay"]
    assert payload["workingCalendar"] is None and payload["position"] is None
    assert payload["userErrors"] == [{"field": ["input", "day"], "code": "MAKEUP_DAY_NOT_WEEKEND"}]
    assert tenant.register.recorder.max_notification_id() == head


def test_only_a_tenant_administrator_changes_the_calendar(
    graphql: GraphQL, token_for: Callable[..., str], tenant: TenantRuntime,
) -> None:
    token = token_for(tenant.tenant.slug, Role.OFFICER)
    refused = graphql(ADD_HOLIDAY, token, {"input": {"day": "2024-04-02", "reason": "nghỉ"}})
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert graphql(DEADLINE, token, {"from": "2024-03-01", "days": 30, "day": "2024-04-02"})[
        "data"]["workingDays"] == "2024-04-12"

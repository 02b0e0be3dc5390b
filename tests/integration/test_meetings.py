"""Meeting frames and monthly scores against a real event store: the frame in force by month,
refusals that write nothing, authority, tenancy, retries and replay."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from support import event_count, new_slug

from partyledger.domain.decision import Decision
from partyledger.domain.errors import DomainError, OrganizationNotFoundError
from partyledger.domain.meeting_frames import (
    DEFAULT_MEETING_FRAME,
    Criterion,
    MeetingGrade,
    MissingMonths,
)
from partyledger.domain.org_meetings import MeetingBody
from partyledger.domain.provenance import Provenance, idempotency_key, recorded_by
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.services.access import AccessDeniedError, Actor, Role

FULL = {c.name: c.max_points for c in DEFAULT_MEETING_FRAME.criteria}
HOA_BINH = (Criterion("ATTENDANCE_RATE", Decimal(15), True), Criterion("MEETING_DURATION", Decimal(10), True),
            Criterion("MEMBERS_SPEAKING", Decimal(15), True), Criterion("MINUTES", Decimal(10), True),
            Criterion("CONTENT", Decimal(50)))
HOA_BINH_FULL = {c.name: c.max_points for c in HOA_BINH}


def refused_code(call: Any) -> str:
    with pytest.raises(DomainError) as refused:
        call()
    return str(refused.value.code)


def configure(tenant: TenantRuntime, actor: Actor, applies_from: str, criteria: tuple[Criterion, ...] = HOA_BINH,
              **more: Any) -> Any:
    with recorded_by(Provenance.system(actor.subject)):
        return tenant.register.configure_meeting_frame(
            actor, criteria=criteria, applies_from=applies_from, effective_on=date(2022, 12, 14), **more)


def score(tenant: TenantRuntime, actor: Actor, cell: uuid.UUID, month: str, scores: dict[str, Any],
          **more: Any) -> Any:
    arguments: dict[str, Any] = {"effective_on": date(int(month[:4]), int(month[5:]), 28)} | more
    with recorded_by(Provenance.system(actor.subject)):
        return tenant.register.record_meeting_score(actor, organization_id=cell, month=month, scores=scores,
                                                    **arguments)


def test_a_month_is_scored_with_the_frame_in_force_that_month(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID,
) -> None:
    score(tenant, admin, cell_id, "2022-12", FULL)
    configure(tenant, admin, "2023-01", decision=Decision("31-QĐi/TU", date(2022, 12, 14), "Tỉnh ủy Hòa Bình"))
    assert refused_code(lambda: score(tenant, admin, cell_id, "2023-01", FULL)) == "MEETING_SCORE_INVALID"
    before = event_count(tenant)
    outcome = score(tenant, admin, cell_id, "2023-01", HOA_BINH_FULL | {"CONTENT": Decimal(35)})
    assert outcome.subject_id == cell_id and event_count(tenant) == before + 1
    scores = tenant.register.meeting_scores(admin, cell_id, 2023)
    assert [(s.month, s.frame_version, s.total, s.grade) for s in scores] == [
        ("2023-01", 1, Decimal(85), MeetingGrade.FAIR)]
    december = tenant.register.meeting_scores(admin, cell_id, 2022)[0]
    assert (december.frame_version, december.grade) == (0, MeetingGrade.GOOD)  # kept as scored


def test_a_reconfigured_frame_applies_from_its_month_and_the_default_before_any(
    tenant: TenantRuntime, admin: Actor,
) -> None:
    configure(tenant, admin, "2023-01")
    configure(tenant, admin, "2024-07", DEFAULT_MEETING_FRAME.criteria)
    register = tenant.register
    assert [v.version for v in register.meeting_frames()] == [1, 2]
    assert [register.meeting_frame_in_force(m).version for m in ("2022-12", "2024-06", "2024-07")] == [0, 1, 2]


def test_a_refused_frame_writes_nothing_and_only_the_tenant_administrator_configures(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID,
) -> None:
    before = event_count(tenant)
    short = (Criterion("ATTENDANCE_RATE", Decimal(10), True),)
    assert refused_code(lambda: configure(tenant, admin, "2023-01", short)) == "MEETING_FRAME_INVALID"
    assert refused_code(lambda: configure(tenant, admin, "January 2023")) == "MEETING_MONTH_INVALID"
    officer = Actor("officer", tenant.tenant.slug, frozenset({Role.OFFICER}), frozenset({cell_id}))
    with pytest.raises(AccessDeniedError):
        configure(tenant, officer, "2023-01")
    assert event_count(tenant) == before and tenant.register.meeting_frames() == ()


@pytest.mark.parametrize(("month", "scores", "more", "code"), [
    ("2024-03", FULL | {"MINUTES": Decimal(12)}, {}, "MEETING_SCORE_INVALID"),
    ("2024-03", {"MINUTES": Decimal(10)}, {}, "MEETING_SCORE_INVALID"),
    ("2024-3", FULL, {"effective_on": date(2024, 3, 28)}, "MEETING_MONTH_INVALID"),
    ("2019-12", FULL, {}, "ORGANIZATION_NOT_IN_EXISTENCE"),
    ("2024-03", FULL, {"effective_on": date(2024, 2, 28)}, "DATES_OUT_OF_ORDER"),
    ("2024-03", FULL, {"correction_reason": "Chấm lại"}, "NO_MEETING_SCORE_TO_CORRECT"),
])
def test_a_refused_score_writes_nothing(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID, month: str, scores: dict[str, Any],
    more: dict[str, Any], code: str,
) -> None:
    before = event_count(tenant)
    assert refused_code(lambda: score(tenant, admin, cell_id, month, scores, **more)) == code
    assert event_count(tenant) == before


def test_a_month_is_scored_once_then_corrected_with_a_reason(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID,
) -> None:
    score(tenant, admin, cell_id, "2024-03", FULL | {"MEMBERS_SPEAKING": Decimal(8)})
    before = event_count(tenant)
    assert refused_code(lambda: score(tenant, admin, cell_id, "2024-03", FULL)) == "MEETING_ALREADY_SCORED"
    assert event_count(tenant) == before
    score(tenant, admin, cell_id, "2024-03", FULL, correction_reason="Biên bản bổ sung ý kiến")
    (found,) = tenant.register.meeting_scores(admin, cell_id, 2024)
    assert (found.grade, found.correction_reason) == (MeetingGrade.GOOD, "Biên bản bổ sung ý kiến")


def test_only_cells_hold_meetings(tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID) -> None:
    province = tenant.register.organization(cell_id).parent_id
    before = event_count(tenant)
    assert refused_code(lambda: score(tenant, admin, province, "2024-03", FULL)) == "MEETING_NOT_HELD_BY_ORGANIZATION"
    assert event_count(tenant) == before


def test_the_year_s_grade_counts_a_month_without_a_score_as_zero_by_default(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID,
) -> None:
    for month in range(1, 12):
        score(tenant, admin, cell_id, f"2024-{month:02d}", FULL | {"PREPARATION": Decimal(15)})  # 95 each
    strict = tenant.register.annual_meeting_grade(admin, cell_id, 2024)
    assert (strict.grade, strict.average, strict.months_missing) == (MeetingGrade.FAIR, Decimal("87.08"), ("2024-12",))
    lenient = tenant.register.annual_meeting_grade(admin, cell_id, 2024, missing=MissingMonths.EXCLUDED)
    assert (lenient.grade, lenient.average) == (MeetingGrade.GOOD, Decimal("95.00"))
    so_far = tenant.register.annual_meeting_grade(admin, cell_id, 2024, through=date(2024, 11, 30))
    assert so_far.grade is MeetingGrade.GOOD
    committee = tenant.register.annual_meeting_grade(admin, cell_id, 2024, body=MeetingBody.CELL_COMMITTEE)
    assert committee.grade is MeetingGrade.POOR


def test_officers_score_within_their_subtree_only(tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID) -> None:
    slug = tenant.tenant.slug
    before = event_count(tenant)
    for actor in (Actor("officer-x", slug, frozenset({Role.OFFICER}), frozenset({uuid.uuid4()})),
                  Actor("inspector", slug, frozenset({Role.INSPECTOR})),
                  Actor("dashboard", slug, frozenset({Role.PARTNER}))):
        with pytest.raises(AccessDeniedError):
            score(tenant, actor, cell_id, "2024-03", FULL)
    assert event_count(tenant) == before
    score(tenant, Actor("secretary", slug, frozenset({Role.OFFICER}), frozenset({cell_id})), cell_id, "2024-03", FULL)
    assert len(tenant.register.meeting_scores(admin, cell_id, 2024)) == 1


def test_another_tenant_cannot_score_a_cell_or_read_its_scores(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID, directory: TenantDirectory,
) -> None:
    score(tenant, admin, cell_id, "2024-03", FULL)
    slug = new_slug()
    directory.create(slug, "Đảng bộ tỉnh Phú Thọ")
    other, other_admin = directory.runtime(slug), Actor("admin-b", slug, frozenset({Role.TENANT_ADMIN}))
    before, before_other = event_count(tenant), event_count(other)
    with pytest.raises(OrganizationNotFoundError):
        score(other, other_admin, cell_id, "2024-04", FULL)
    with pytest.raises(AccessDeniedError):
        score(tenant, other_admin, cell_id, "2024-04", FULL)
    with pytest.raises(AccessDeniedError):
        tenant.register.meeting_scores(other_admin, cell_id, 2024)
    assert (event_count(tenant), event_count(other)) == (before, before_other)


def test_a_retried_score_with_its_key_appends_nothing(tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID) -> None:
    def send(scores: dict[str, Any]) -> Any:
        return tenant.register.record_meeting_score(admin, organization_id=cell_id, month="2024-03", scores=scores,
                                                    effective_on=date(2024, 3, 28))

    with recorded_by(Provenance.system(admin.subject)), idempotency_key("meeting-2024-03"):
        first = send(FULL)
        head = event_count(tenant)
        again = send(FULL)
        assert refused_code(lambda: send(FULL | {"MINUTES": Decimal(9)})) == "IDEMPOTENCY_KEY_REUSED"
    assert again.replayed and again.subject_id == first.subject_id and event_count(tenant) == head


def test_replaying_the_stored_events_rebuilds_the_same_scores(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID,
) -> None:
    score(tenant, admin, cell_id, "2024-03", FULL | {"PREPARATION": Decimal("12.5")})
    score(tenant, admin, cell_id, "2024-03", FULL, correction_reason="Đính chính")
    score(tenant, admin, cell_id, "2024-04", FULL, body=MeetingBody.CELL_COMMITTEE)
    replayed = None
    for stored_event in tenant.register.events.get(cell_id):
        replayed = stored_event.mutate(replayed)
    assert replayed is not None and replayed.meeting_scores == tenant.register.organization(cell_id).meeting_scores

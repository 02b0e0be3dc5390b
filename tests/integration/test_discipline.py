"""Discipline through the register on a real event store: who may record it, refusals write nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from datetime import date
from typing import Any

import anyio
import pytest

from partyledger.domain.decision import Decision
from partyledger.domain.errors import DomainError
from partyledger.domain.member import Member, MemberStatus
from partyledger.domain.discipline_rules import (
    EXPELLED,
    DisciplineAppealOutcome,
    DisciplineForm,
    SuspensionGround,
)
from partyledger.domain.provenance import Provenance, idempotency_key, recorded_by
from partyledger.domain.votes import VoteTally
from partyledger.graphql.context import Ledger
from partyledger.graphql.discipline import MemberDiscipline, resolve_disciplines
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.services.access import AccessDeniedError, Actor, Role
from support import event_count, new_slug

MORE_THAN_HALF = VoteTally(6, 2, 10, 9)
HALF = VoteTally(5, 4, 10, 9)
TWO_THIRDS = VoteTally(7, 1, 10, 9)
ANNOUNCED = date(2021, 4, 2)


@pytest.fixture(autouse=True)
def provenance(admin: Actor) -> Iterator[None]:
    with recorded_by(Provenance.system("inspector@" + admin.tenant)):
        yield


@pytest.fixture
def inspector(tenant: TenantRuntime) -> Actor:
    return Actor("inspector@" + tenant.tenant.slug, tenant.tenant.slug, frozenset({Role.INSPECTOR}))


def enroll(tenant: TenantRuntime, admin: Actor, cell: uuid.UUID, *, official: bool = True) -> uuid.UUID:
    return tenant.register.enroll_member(
        admin, full_name="Hoàng Văn Thái", birth_date=date(1985, 2, 14), cell_id=cell,
        admitted_on=date(2015, 7, 24), ceremony_on=date(2015, 8, 10),
        recognized_on=date(2016, 9, 1) if official else None,
    ).subject_id


@pytest.fixture
def official_id(tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID) -> uuid.UUID:
    return enroll(tenant, admin, cell_id)


@pytest.fixture
def probationary_id(tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID) -> uuid.UUID:
    return enroll(tenant, admin, cell_id, official=False)


def decision(on: date, number: str = "12-QĐ/UBKT") -> Decision:
    return Decision(number, on, "Ủy ban Kiểm tra Huyện ủy")


def impose(tenant: TenantRuntime, actor: Actor, member: uuid.UUID, **changes: Any) -> Any:
    arguments: dict[str, Any] = {
        "member_id": member, "form": DisciplineForm.WARNING, "violation_on": date(2021, 1, 10),
        "decision": decision(date(2021, 4, 1)), "announced_on": ANNOUNCED, "vote": MORE_THAN_HALF,
    }
    arguments.update(changes)
    return tenant.register.impose_discipline(actor, **arguments)


def expel(tenant: TenantRuntime, actor: Actor, member: uuid.UUID, **changes: Any) -> Any:
    return impose(tenant, actor, member, form=DisciplineForm.EXPULSION, vote=TWO_THIRDS,
                  superior_vote=MORE_THAN_HALF, **changes)


def writes_nothing(tenant: TenantRuntime, command: Callable[[], object], code: str) -> None:
    before = event_count(tenant)
    with pytest.raises(DomainError) as refused:
        command()
    assert refused.value.code == code, refused.value.message
    assert event_count(tenant) == before


def stored(tenant: TenantRuntime, member: uuid.UUID) -> Member:
    found: Member = tenant.register.repository.get(member)
    return found


def test_an_inspector_imposes_a_discipline_stored_with_its_votes_and_regulation(
    tenant: TenantRuntime, inspector: Actor, official_id: uuid.UUID,
) -> None:
    outcome = impose(tenant, inspector, official_id)
    event = list(tenant.register.events.get(official_id))[-1]
    assert type(event) is Member.DisciplineImposed and outcome.subject_id == official_id
    assert (event.form, event.vote, event.effective_on) == (DisciplineForm.WARNING, MORE_THAN_HALF, ANNOUNCED)
    assert event.regulation == "QĐ 29-QĐ/TW" and event.recorded_by == "inspector@" + tenant.tenant.slug
    member = stored(tenant, official_id)
    assert [d.ref for d in member.active_disciplines(date(2021, 5, 1))] == [event.originator_version]
    assert member.disciplined_in(2021)


@pytest.mark.parametrize(("changes", "code"), [
    ({"form": DisciplineForm.DISMISSAL_FROM_POST}, "DISMISSAL_REQUIRES_POST"),
    ({"vote": HALF}, "DISCIPLINE_VOTE_BELOW_HALF"),
    ({"form": DisciplineForm.EXPULSION, "vote": MORE_THAN_HALF, "superior_vote": MORE_THAN_HALF},
     "EXPULSION_VOTE_INSUFFICIENT"),
    ({"form": DisciplineForm.REPRIMAND, "violation_on": date(2016, 3, 31)}, "DISCIPLINE_LIMITATION_EXPIRED"),
    ({"announced_on": date(2021, 3, 1)}, "DATES_OUT_OF_ORDER"),
])
def test_a_discipline_breaking_a_rule_is_refused_and_writes_nothing(
    tenant: TenantRuntime, inspector: Actor, official_id: uuid.UUID, changes: dict[str, Any], code: str,
) -> None:
    writes_nothing(tenant, lambda: impose(tenant, inspector, official_id, **changes), code)
    assert stored(tenant, official_id).disciplines == ()


def test_a_probationary_member_is_only_reprimanded_or_warned(
    tenant: TenantRuntime, inspector: Actor, probationary_id: uuid.UUID,
) -> None:
    writes_nothing(tenant, lambda: expel(tenant, inspector, probationary_id),
                   "DISCIPLINE_FORM_NOT_ALLOWED_FOR_PROBATIONARY")
    impose(tenant, inspector, probationary_id, form=DisciplineForm.REPRIMAND)
    assert stored(tenant, probationary_id).status is MemberStatus.PROBATIONARY


def test_an_expulsion_annulled_on_appeal_restores_the_member_and_their_party_age(
    tenant: TenantRuntime, inspector: Actor, official_id: uuid.UUID,
) -> None:
    expel(tenant, inspector, official_id)
    expelled = stored(tenant, official_id)
    ref = expelled.disciplines[0].ref
    assert expelled.status is MemberStatus.EXITED
    assert [(i.start, i.end, i.cause) for i in expelled.excluded] == [(ANNOUNCED, None, EXPELLED)]
    writes_nothing(tenant, lambda: tenant.register.file_discipline_appeal(
        inspector, member_id=official_id, discipline_ref=ref, filed_on=date(2021, 6, 1)),
        "APPEAL_OUT_OF_TIME")
    tenant.register.file_discipline_appeal(inspector, member_id=official_id, discipline_ref=ref,
                                           filed_on=date(2021, 5, 4))
    tenant.register.resolve_discipline_appeal(
        inspector, member_id=official_id, discipline_ref=ref, outcome=DisciplineAppealOutcome.ANNULLED,
        decision=Decision("88-QĐ/TW", date(2021, 11, 15), "Ban Bí thư"))
    restored = stored(tenant, official_id)
    assert restored.status is MemberStatus.OFFICIAL and restored.excluded == []
    assert restored.disciplines[0].formal_apology and not restored.disciplined_in(2021)


def test_scenario_f_the_warning_is_active_until_it_lapses_a_year_after_its_announcement(
    tenant: TenantRuntime, inspector: Actor, official_id: uuid.UUID,
) -> None:
    impose(tenant, inspector, official_id)
    ref = stored(tenant, official_id).disciplines[0].ref

    def lapse(on: date) -> object:
        return tenant.register.lapse_discipline(inspector, member_id=official_id, discipline_ref=ref, on=on)

    writes_nothing(tenant, lambda: lapse(date(2022, 4, 1)), "DISCIPLINE_CANNOT_LAPSE_YET")
    lapse(date(2022, 4, 2))
    member = stored(tenant, official_id)
    assert [d.form for d in member.active_disciplines(date(2022, 1, 1))] == [DisciplineForm.WARNING]
    assert member.active_disciplines(date(2022, 4, 3)) == []


def test_the_member_field_disciplines_answers_scenario_f_as_of_a_date(
    tenant: TenantRuntime, inspector: Actor, official_id: uuid.UUID,
) -> None:
    impose(tenant, inspector, official_id)
    ref = stored(tenant, official_id).disciplines[0].ref
    tenant.register.lapse_discipline(inspector, member_id=official_id, discipline_ref=ref,
                                     on=date(2022, 4, 2))
    def on(day: date, active_only: bool = False) -> list[MemberDiscipline]:
        async def resolve() -> list[MemberDiscipline]:  # a request's ledger: loaders need a loop
            context = Ledger(inspector, tenant.tenant.name, Provenance.system(inspector.subject),
                             tenant.register, tenant.queries, lambda _: True, tenant.tree)
            info: Any = SimpleNamespace(context={"ledger": context})
            return await resolve_disciplines(info, official_id, day, active_only)
        return anyio.run(resolve)

    assert [(d.ref, d.active, d.form_label) for d in on(date(2022, 1, 1))] == [(ref, True, "Cảnh cáo")]
    assert [(d.active, d.lapsed_on) for d in on(date(2022, 4, 3))] == [(False, date(2022, 4, 2))]
    assert on(date(2022, 4, 3), active_only=True) == [] and on(date(2021, 4, 1)) == []


def test_a_suspension_is_limited_to_ninety_days_then_one_hundred_and_eighty_in_all(
    tenant: TenantRuntime, inspector: Actor, official_id: uuid.UUID,
) -> None:
    register = tenant.register
    writes_nothing(tenant, lambda: register.suspend_activity(
        inspector, member_id=official_id, from_on=date(2024, 1, 1), days=91,
        ground=SuspensionGround.OBSTRUCTION), "SUSPENSION_TOO_LONG")
    register.suspend_activity(inspector, member_id=official_id, from_on=date(2024, 1, 1), days=90,
                              ground=SuspensionGround.OBSTRUCTION)
    writes_nothing(tenant, lambda: register.extend_suspension(
        inspector, member_id=official_id, on=date(2024, 3, 1), days=91), "SUSPENSION_TOO_LONG")
    register.extend_suspension(inspector, member_id=official_id, on=date(2024, 3, 1), days=90)
    register.end_suspension(inspector, member_id=official_id, on=date(2024, 5, 1))
    member = stored(tenant, official_id)
    assert member.suspended_on(date(2024, 4, 30)) and not member.suspended_on(date(2024, 5, 1))
    assert member.suspended_during(2024) and not member.suspended_during(2025)


def test_officers_and_partners_cannot_record_discipline(
    tenant: TenantRuntime, official_id: uuid.UUID, cell_id: uuid.UUID,
) -> None:
    officer = Actor("officer", tenant.tenant.slug, frozenset({Role.OFFICER}), frozenset({cell_id}))
    partner = Actor("partner", tenant.tenant.slug, frozenset({Role.PARTNER}))
    before = event_count(tenant)
    for actor in (officer, partner):
        with pytest.raises(AccessDeniedError):
            impose(tenant, actor, official_id)
    assert event_count(tenant) == before
    assert tenant.register.member_disciplines(officer, official_id) == []
    with pytest.raises(AccessDeniedError):
        tenant.register.member_disciplines(partner, official_id)


def test_a_tenant_administrator_may_record_discipline_as_well(
    tenant: TenantRuntime, admin: Actor, official_id: uuid.UUID,
) -> None:
    impose(tenant, admin, official_id)
    assert len(tenant.register.member_disciplines(admin, official_id)) == 1


def test_another_tenants_inspector_cannot_discipline_this_tenants_member(
    tenant: TenantRuntime, official_id: uuid.UUID, directory: TenantDirectory,
) -> None:
    slug = new_slug()
    directory.create(slug, "Đảng bộ tỉnh bên cạnh")
    other = directory.runtime(slug)
    intruder = Actor("inspector@" + slug, slug, frozenset({Role.INSPECTOR}))
    mine, theirs = event_count(tenant), event_count(other)
    writes_nothing(other, lambda: impose(other, intruder, official_id), "MEMBER_NOT_FOUND")
    assert (event_count(tenant), event_count(other)) == (mine, theirs)
    assert stored(tenant, official_id).disciplines == ()


def test_a_retried_discipline_is_recorded_once_and_a_changed_one_under_the_same_key_refused(
    tenant: TenantRuntime, inspector: Actor, official_id: uuid.UUID,
) -> None:
    with idempotency_key("warning-2021-04-02"):
        first = impose(tenant, inspector, official_id)
        head = event_count(tenant)
        again = impose(tenant, inspector, official_id)
        assert again.replayed and again.subject_id == first.subject_id and event_count(tenant) == head
        writes_nothing(tenant, lambda: impose(tenant, inspector, official_id, form=DisciplineForm.REPRIMAND),
                       "IDEMPOTENCY_KEY_REUSED")
    assert len(stored(tenant, official_id).disciplines) == 1


def test_the_stored_events_rebuild_the_same_record(
    tenant: TenantRuntime, inspector: Actor, official_id: uuid.UUID,
) -> None:
    impose(tenant, inspector, official_id)
    ref = stored(tenant, official_id).disciplines[0].ref
    tenant.register.file_discipline_appeal(inspector, member_id=official_id, discipline_ref=ref,
                                           filed_on=date(2021, 4, 20))
    tenant.register.resolve_discipline_appeal(
        inspector, member_id=official_id, discipline_ref=ref, outcome=DisciplineAppealOutcome.CHANGED,
        new_form=DisciplineForm.REPRIMAND, decision=decision(date(2021, 7, 1), "5-QĐ/UBKTTW"))
    rebuilt = None
    for event in tenant.register.member_history(inspector, official_id):
        rebuilt = event.mutate(rebuilt)
    loaded = stored(tenant, official_id)
    assert rebuilt is not None and vars(rebuilt) == vars(loaded)
    assert loaded.disciplines[0].form is DisciplineForm.REPRIMAND

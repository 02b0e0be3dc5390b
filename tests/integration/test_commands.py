"""Commands against a real event store: idempotency, refusals that write nothing, immutability."""

from __future__ import annotations

import threading
import uuid
from datetime import date

import psycopg
import pytest
from psycopg import sql

from partyledger.domain.decision import Decision
from partyledger.domain.errors import IdempotencyKeyReusedError, ProbationNotElapsedError
from partyledger.domain.member import MemberStatus
from partyledger.domain.provenance import Provenance, idempotency_key, recorded_by
from partyledger.infra.tenants import TenantRuntime
from partyledger.services.access import AccessDeniedError, Actor, Role

from support import admit, enroll_officials, event_count, recognition_vote


@pytest.fixture
def officials(tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID) -> list[uuid.UUID]:
    with recorded_by(Provenance.system(admin.subject)):
        return enroll_officials(tenant, admin, cell_id)


def test_a_retried_command_with_the_same_key_appends_nothing_and_returns_the_first_answer(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID, officials: list[uuid.UUID],
) -> None:
    with recorded_by(Provenance.system(admin.subject)), idempotency_key("admit-lan-2015"):
        first = admit(tenant, admin, cell_id, officials)
        appended = event_count(tenant)
        again = admit(tenant, admin, cell_id, officials)
    assert again.subject_id == first.subject_id and again.replayed and not first.replayed
    assert event_count(tenant) == appended


def test_the_same_key_with_a_different_input_is_refused_and_writes_nothing(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID, officials: list[uuid.UUID],
) -> None:
    with recorded_by(Provenance.system(admin.subject)), idempotency_key("admit-2015-07"):
        admit(tenant, admin, cell_id, officials, name="Nguyễn Thị Lan")
        appended = event_count(tenant)
        with pytest.raises(IdempotencyKeyReusedError) as refused:
            admit(tenant, admin, cell_id, officials, name="Phạm Văn Hùng")
    assert refused.value.code == "IDEMPOTENCY_KEY_REUSED"
    assert event_count(tenant) == appended


def test_racing_duplicates_with_one_key_admit_the_member_once(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID, officials: list[uuid.UUID],
) -> None:
    outcomes, barrier = [], threading.Barrier(4)

    def send() -> None:
        with recorded_by(Provenance.system(admin.subject)), idempotency_key("race-key"):
            barrier.wait()
            outcomes.append(admit(tenant, admin, cell_id, officials))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 4 and len({o.subject_id for o in outcomes}) == 1
    assert sum(not o.replayed for o in outcomes) == 1
    page = tenant.register.member(outcomes[0].subject_id)
    assert page.full_name == "Nguyễn Thị Lan"


def test_recognition_before_twelve_months_is_refused_and_writes_nothing(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID, officials: list[uuid.UUID],
) -> None:
    with recorded_by(Provenance.system(admin.subject)):
        member = admit(tenant, admin, cell_id, officials).subject_id
        before = event_count(tenant)
        with pytest.raises(ProbationNotElapsedError):
            tenant.register.recognize_official(
                admin, member_id=member, cell_resolution=recognition_vote(date(2016, 8, 9)),
                decision=Decision("7-QĐ/ĐU", date(2016, 9, 1), "Đảng ủy xã"),
                effective_on=date(2016, 9, 1),
            )
    assert event_count(tenant) == before
    assert tenant.register.member(member).status is MemberStatus.PROBATIONARY


def test_an_officer_cannot_admit_outside_their_subtree(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID, officials: list[uuid.UUID],
) -> None:
    elsewhere = Actor("officer-x", tenant.tenant.slug, frozenset({Role.OFFICER}),
                      frozenset({uuid.uuid4()}))
    inside = Actor("officer-y", tenant.tenant.slug, frozenset({Role.OFFICER}), frozenset({cell_id}))
    before = event_count(tenant)
    with recorded_by(Provenance.system("officer")), pytest.raises(AccessDeniedError):
        admit(tenant, elsewhere, cell_id, officials)
    assert event_count(tenant) == before
    with recorded_by(Provenance.system("officer")):
        assert admit(tenant, inside, cell_id, officials).position > before


def test_stored_events_cannot_be_updated_or_deleted(
    tenant: TenantRuntime, database_url: str, admin: Actor, cell_id: uuid.UUID,
) -> None:
    table = sql.Identifier(tenant.tenant.schema_name, "register_events")
    with psycopg.connect(database_url, autocommit=True) as conn:
        for statement in ("UPDATE {} SET topic = 'forged'", "DELETE FROM {}"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql.SQL(statement).format(table))
        remaining = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(table)).fetchone()
    assert remaining is not None and remaining[0] == 3  # the province, its cell, the cell as its child


def test_another_sender_cannot_replay_someone_elses_idempotency_key(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID, officials: list[uuid.UUID],
) -> None:
    with recorded_by(Provenance.system(admin.subject)), idempotency_key("form-77"):
        first = admit(tenant, admin, cell_id, officials)
    appended = event_count(tenant)
    other_admin = Actor("admin-2", tenant.tenant.slug, frozenset({Role.TENANT_ADMIN}))
    with recorded_by(Provenance.system(other_admin.subject)), idempotency_key("form-77"):
        theirs = admit(tenant, other_admin, cell_id, officials)  # their own key: their command
    assert not theirs.replayed and theirs.subject_id != first.subject_id
    assert event_count(tenant) > appended

"""The command pipeline: idempotency keys are their sender's, authority is checked before any
earlier answer is looked up, and concurrent saves of one aggregate are retried, never lost."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from datetime import date
from typing import Any

import pytest
from eventsourcing.persistence import StoredEvent

from partyledger.domain.errors import DomainError, IdempotencyKeyReusedError
from partyledger.domain.organization import OrganizationKind
from partyledger.domain.provenance import Provenance, idempotency_key, recorded_by
from partyledger.infra.tenants import TenantRuntime
from partyledger.services import register as pipeline
from partyledger.services.access import AccessDeniedError, Actor, Role
from partyledger.services.conflicts import ConcurrentUpdateError, ConflictRetries
from partyledger.services.idempotency import CommandReceipt, receipt_id, tenant_wide_receipt_id
from support import admit, enroll_officials, event_count


@pytest.fixture
def officials(tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID) -> list[uuid.UUID]:
    with recorded_by(Provenance.system(admin.subject)):
        return enroll_officials(tenant, admin, cell_id)


def officer(tenant: TenantRuntime, subject: str, *scope: uuid.UUID) -> Actor:
    return Actor(subject, tenant.tenant.slug, frozenset({Role.OFFICER}), frozenset(scope))


def test_an_officer_out_of_scope_is_forbidden_whatever_key_it_sends(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID, officials: list[uuid.UUID],
) -> None:
    with recorded_by(Provenance.system(admin.subject)), idempotency_key("form-2015-07"):
        admit(tenant, admin, cell_id, officials)
    stranger = officer(tenant, "officer-elsewhere", uuid.uuid4())
    appended = event_count(tenant)
    with recorded_by(Provenance.system(stranger.subject)), idempotency_key("form-2015-07"):
        with pytest.raises(AccessDeniedError):
            admit(tenant, stranger, cell_id, officials)
    assert event_count(tenant) == appended


def test_a_retry_after_the_senders_scope_was_narrowed_is_forbidden_not_replayed(
    tenant: TenantRuntime, cell_id: uuid.UUID, officials: list[uuid.UUID],
) -> None:
    with recorded_by(Provenance.system("officer-an")), idempotency_key("form-an-1"):
        first = admit(tenant, officer(tenant, "officer-an", cell_id), cell_id, officials)
        again = admit(tenant, officer(tenant, "officer-an", cell_id), cell_id, officials)
        assert again.replayed and again.subject_id == first.subject_id
        with pytest.raises(AccessDeniedError):
            admit(tenant, officer(tenant, "officer-an", uuid.uuid4()), cell_id, officials)


def test_a_key_is_its_senders_own_and_cannot_be_squatted(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID, officials: list[uuid.UUID],
) -> None:
    squatter = officer(tenant, "officer-squatter", cell_id)
    with recorded_by(Provenance.system(squatter.subject)), idempotency_key("admit-1"):
        squatted = admit(tenant, squatter, cell_id, officials, name="Đỗ Văn Khánh")
    with recorded_by(Provenance.system(admin.subject)), idempotency_key("admit-1"):
        mine = admit(tenant, admin, cell_id, officials, name="Nguyễn Thị Lan")
        again = admit(tenant, admin, cell_id, officials, name="Nguyễn Thị Lan")
        with pytest.raises(IdempotencyKeyReusedError):
            admit(tenant, admin, cell_id, officials, name="Phạm Văn Hùng")
    assert not mine.replayed and mine.subject_id != squatted.subject_id
    assert again.replayed and again.subject_id == mine.subject_id
    assert tenant.register.member(mine.subject_id).full_name == "Nguyễn Thị Lan"


def store_tenant_wide_receipt(tenant: TenantRuntime, sender: str, key: str, subject: uuid.UUID,
                              digest: str) -> None:
    """A receipt as an earlier release stored it: a key-only id, version 1 (no ``issued_by``)."""
    register = tenant.register
    with recorded_by(Provenance.system(sender)):
        receipt = CommandReceipt._create(  # noqa: SLF001
            CommandReceipt.Issued, id=tenant_wide_receipt_id(key), key=key,
            command="admit_member", fingerprint=digest, subject_id=subject, issued_by=sender)
    stored = register.mapper.to_stored_event(receipt.collect_events()[0])
    state = register.mapper.transcoder.decode(stored.state)
    del state["issued_by"], state["class_version"]
    register.recorder.insert_events([StoredEvent(
        originator_id=stored.originator_id, originator_version=stored.originator_version,
        topic=stored.topic, state=register.mapper.transcoder.encode(state))])


def test_a_receipt_stored_while_keys_were_tenant_wide_still_answers_its_sender_only(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID, officials: list[uuid.UUID],
) -> None:
    with recorded_by(Provenance.system(admin.subject)), idempotency_key("probe"):
        first = admit(tenant, admin, cell_id, officials)
    probe = tenant.register.repository.get(receipt_id("probe", admin.subject))
    store_tenant_wide_receipt(tenant, admin.subject, "form-before-upgrade", first.subject_id,
                              probe.fingerprint)
    appended = event_count(tenant)
    with recorded_by(Provenance.system(admin.subject)), idempotency_key("form-before-upgrade"):
        retried = admit(tenant, admin, cell_id, officials)
    assert retried.replayed and retried.subject_id == first.subject_id
    assert event_count(tenant) == appended
    other = Actor("admin-2", tenant.tenant.slug, frozenset({Role.TENANT_ADMIN}))
    with recorded_by(Provenance.system(other.subject)), idempotency_key("form-before-upgrade"):
        theirs = admit(tenant, other, cell_id, officials)
    assert not theirs.replayed and theirs.subject_id != first.subject_id


def test_concurrent_foundings_under_one_parent_all_succeed_or_ask_for_a_retry(
    tenant: TenantRuntime, admin: Actor,
) -> None:
    with recorded_by(Provenance.system(admin.subject)):
        province = tenant.register.found_organization(
            admin, name="Đảng bộ tỉnh", kind=OrganizationKind.PROVINCIAL_ORGANIZATION,
            parent_id=None, effective_on=date(2020, 1, 1), decision=None).subject_id
    outcomes: Counter[str] = Counter()
    founded: list[uuid.UUID] = []
    lock, start = threading.Lock(), threading.Barrier(16)

    def found(sender: int) -> None:
        start.wait()
        for n in range(6):
            try:
                with recorded_by(Provenance.system(admin.subject)), \
                        idempotency_key(f"found-{sender}-{n}"):
                    outcome = tenant.register.found_organization(
                        admin, name=f"Đảng bộ huyện {sender}-{n}",
                        kind=OrganizationKind.DISTRICT_COMMITTEE, parent_id=province,
                        effective_on=date(2020, 1, 1), decision=None)
                result = "founded"
            except DomainError as error:
                result = error.code
            except Exception as error:  # noqa: BLE001  # what the test is about
                result = f"unhandled {type(error).__name__}"
            with lock:
                outcomes[result] += 1
                if result == "founded":
                    founded.append(outcome.subject_id)

    threads = [threading.Thread(target=found, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(outcomes) <= {"founded", "CONCURRENT_UPDATE"}, outcomes
    assert outcomes["founded"] > 0
    children = tenant.register.organization(province).children
    assert set(founded) <= set(children) and len(children) == len(founded)


def test_a_conflict_that_outlives_the_retries_asks_for_the_command_again_and_writes_nothing(
    tenant: TenantRuntime, admin: Actor, monkeypatch: pytest.MonkeyPatch,
) -> None:
    register = tenant.register
    monkeypatch.setattr(pipeline, "CONFLICT_RETRIES", ConflictRetries(attempts=3))
    with recorded_by(Provenance.system(admin.subject)):
        province = register.found_organization(
            admin, name="Đảng bộ tỉnh", kind=OrganizationKind.PROVINCIAL_ORGANIZATION,
            parent_id=None, effective_on=date(2020, 1, 1), decision=None).subject_id
        racers = iter(range(10))

        def rename_while_another_founds_under_it() -> list[Any]:
            loaded = register.organization(province)
            register.found_organization(  # saved first, every time: the loaded version is stale
                admin, name=f"Đảng bộ huyện {next(racers)}",
                kind=OrganizationKind.DISTRICT_COMMITTEE, parent_id=province,
                effective_on=date(2020, 1, 1), decision=None)
            loaded.rename(name="Đảng bộ tỉnh mới", effective_on=date(2021, 1, 1), decision=None)
            return [loaded]

        with pytest.raises(ConcurrentUpdateError) as refused:
            register.execute("rename_organization", {"n": 1}, rename_while_another_founds_under_it)
    assert refused.value.code == "CONCURRENT_UPDATE"
    assert "same idempotency key" in refused.value.message
    assert next(racers) == 3  # one run per attempt
    assert register.organization(province).name == "Đảng bộ tỉnh"

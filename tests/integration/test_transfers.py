"""Transfers through the tenant's register on a real event store: who may record each step,
refusals that write nothing, and the wall between tenants."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date

import pytest
from support import event_count, new_slug

from partyledger.domain.decision import Decision
from partyledger.domain.errors import (
    DateOrderError,
    MemberNotFoundError,
    OrganizationNotCellError,
    OrganizationNotFoundError,
)
from partyledger.domain.member_attachment import (
    AttachmentPurpose,
    NotTemporarilyAttachedError,
    TemporaryAttachmentTooShortError,
    TemporaryExtensionNotLaterError,
    TransferToSameCellError,
)
from partyledger.domain.member_residence import (
    ResidenceExemption,
    ResidenceExemptionUnchangedError,
    ResidenceNotIntroducedError,
    ResidenceOutcome,
)
from partyledger.domain.member_state import ExcludedInterval
from partyledger.domain.member_transfers import (
    TRANSFER_GAP,
    TransferLetterLapsedReasonRequiredError,
    TransferLetterNotPresentedError,
    TransferState,
)
from partyledger.domain.organization import OrganizationKind
from partyledger.domain.provenance import Provenance, idempotency_key, recorded_by
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.services.access import AccessDeniedError, Actor, Role

DECISION = Decision("88-QĐ/HU", date(2019, 2, 27), "Ban Thường vụ Huyện ủy")


@pytest.fixture(autouse=True)
def provenance() -> Iterator[None]:
    with recorded_by(Provenance.system("officer")):
        yield


@pytest.fixture
def destination(tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID) -> uuid.UUID:
    """A second grassroots cell under the same province."""
    root = tenant.register.organization(cell_id).parent_id
    return tenant.register.found_organization(
        admin, name="Chi bộ Thôn Tây", kind=OrganizationKind.GRASSROOTS_CELL, parent_id=root,
        effective_on=date(2020, 1, 1), decision=None).subject_id


@pytest.fixture
def member_id(tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID) -> uuid.UUID:
    """Scenario F's member, official since 2016-09-01."""
    return tenant.register.enroll_member(
        admin, full_name="Nguyễn Thị Lan", birth_date=date(1992, 11, 5), cell_id=cell_id,
        admitted_on=date(2015, 7, 24), ceremony_on=date(2015, 8, 10), recognized_on=date(2016, 9, 1),
    ).subject_id


def officer(tenant: TenantRuntime, *cells: uuid.UUID) -> Actor:
    return Actor("officer@" + tenant.tenant.slug, tenant.tenant.slug, frozenset({Role.OFFICER}),
                 frozenset(cells))


def issue(tenant: TenantRuntime, actor: Actor, member: uuid.UUID, to: uuid.UUID,
          on: date = date(2019, 3, 1)) -> int:
    return tenant.register.issue_transfer_letter(
        actor, member_id=member, to_cell_id=to, letter_number="12-GTSH/HU", issued_on=on,
        decision=DECISION).position


# -- official transfer ---------------------------------------------------------------------------

def test_scenario_f_a_late_letter_with_a_reason_moves_the_member_and_excludes_the_gap(
    tenant: TenantRuntime, cell_id: uuid.UUID, destination: uuid.UUID, member_id: uuid.UUID,
) -> None:
    register = tenant.register
    issue(tenant, officer(tenant, cell_id), member_id, destination)
    receiving = officer(tenant, destination)
    register.present_transfer_letter(receiving, member_id=member_id, presented_on=date(2019, 6, 3),
                                     reason_if_late="ốm dài ngày")
    register.receive_transfer(receiving, member_id=member_id, received_on=date(2019, 6, 5))
    member = register.member(member_id)
    assert member.cell_id == destination
    assert member.excluded == [ExcludedInterval(date(2019, 3, 1), date(2019, 6, 3), TRANSFER_GAP)]
    assert [type(e).__name__ for e in register.member_history(receiving, member_id)][-3:] == [
        "TransferLetterIssued", "TransferLetterPresented", "TransferReceived"]


def test_a_letter_goes_only_to_a_cell_of_this_tenant_and_not_the_members_own(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID, member_id: uuid.UUID,
) -> None:
    root = tenant.register.organization(cell_id).parent_id
    assert root is not None
    before = event_count(tenant)
    with pytest.raises(OrganizationNotCellError) as not_a_cell:
        issue(tenant, admin, member_id, root)
    with pytest.raises(OrganizationNotFoundError) as unknown:
        issue(tenant, admin, member_id, uuid.uuid4())
    with pytest.raises(TransferToSameCellError):
        issue(tenant, admin, member_id, cell_id)
    assert (not_a_cell.value.field, unknown.value.field) == ("toCellId", "toCellId")
    assert event_count(tenant) == before


def test_a_late_presentation_without_a_reason_writes_nothing(
    tenant: TenantRuntime, admin: Actor, destination: uuid.UUID, member_id: uuid.UUID,
) -> None:
    issue(tenant, admin, member_id, destination, on=date(2024, 3, 1))
    before = event_count(tenant)
    with pytest.raises(TransferLetterLapsedReasonRequiredError):
        tenant.register.present_transfer_letter(admin, member_id=member_id, presented_on=date(2024, 4, 15))
    assert event_count(tenant) == before
    tenant.register.present_transfer_letter(admin, member_id=member_id, presented_on=date(2024, 4, 12))
    assert tenant.register.member(member_id).excluded == []


def test_a_letter_not_presented_cannot_be_received_and_nothing_is_written(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID, destination: uuid.UUID,
    member_id: uuid.UUID,
) -> None:
    issue(tenant, admin, member_id, destination)
    before = event_count(tenant)
    with pytest.raises(TransferLetterNotPresentedError):
        tenant.register.receive_transfer(admin, member_id=member_id, received_on=date(2019, 3, 4))
    assert event_count(tenant) == before
    assert tenant.register.member(member_id).cell_id == cell_id


def test_the_sending_side_issues_and_the_receiving_side_records_presentation_and_receipt(
    tenant: TenantRuntime, cell_id: uuid.UUID, destination: uuid.UUID, member_id: uuid.UUID,
) -> None:
    sending, receiving = officer(tenant, cell_id), officer(tenant, destination)
    before = event_count(tenant)
    with pytest.raises(AccessDeniedError):
        issue(tenant, receiving, member_id, destination)
    assert event_count(tenant) == before
    issue(tenant, sending, member_id, destination)
    before = event_count(tenant)
    with pytest.raises(AccessDeniedError):
        tenant.register.present_transfer_letter(sending, member_id=member_id, presented_on=date(2019, 3, 4))
    assert event_count(tenant) == before
    tenant.register.present_transfer_letter(receiving, member_id=member_id, presented_on=date(2019, 3, 4))
    with pytest.raises(AccessDeniedError):
        tenant.register.receive_transfer(sending, member_id=member_id, received_on=date(2019, 3, 5))
    tenant.register.receive_transfer(receiving, member_id=member_id, received_on=date(2019, 3, 5))
    assert tenant.register.member(member_id).cell_id == destination


def test_a_retried_letter_with_the_same_key_is_issued_once(
    tenant: TenantRuntime, admin: Actor, destination: uuid.UUID, member_id: uuid.UUID,
) -> None:
    with idempotency_key("letter-12"):
        issue(tenant, admin, member_id, destination)
        appended = event_count(tenant)
        again = tenant.register.issue_transfer_letter(
            admin, member_id=member_id, to_cell_id=destination, letter_number="12-GTSH/HU",
            issued_on=date(2019, 3, 1), decision=DECISION)
    assert again.replayed and event_count(tenant) == appended


def test_scenario_g_the_register_reads_a_letter_as_lapsed_after_30_working_days(
    tenant: TenantRuntime, admin: Actor, destination: uuid.UUID, member_id: uuid.UUID,
) -> None:
    issue(tenant, admin, member_id, destination, on=date(2024, 3, 1))
    read = tenant.register.transfer_progress
    assert read(admin, member_id=member_id, as_of=date(2024, 4, 12)).state is TransferState.ISSUED  # type: ignore[union-attr]
    lapsed = read(admin, member_id=member_id, as_of=date(2024, 4, 15))
    assert lapsed is not None and lapsed.state is TransferState.LAPSED
    assert lapsed.presentation_deadline == date(2024, 4, 12)
    partner = Actor("dashboard", tenant.tenant.slug, frozenset({Role.PARTNER}))
    with pytest.raises(AccessDeniedError):
        read(partner, member_id=member_id, as_of=date(2024, 4, 15))


# -- temporary attachment --------------------------------------------------------------------------

def test_a_temporary_stay_is_stored_and_the_home_cell_keeps_the_member(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID, destination: uuid.UUID,
    member_id: uuid.UUID,
) -> None:
    register, before = tenant.register, event_count(tenant)
    with pytest.raises(TemporaryAttachmentTooShortError):
        register.attach_temporarily(admin, member_id=member_id, to_cell_id=destination,
                                    from_on=date(2020, 1, 1), until_on=date(2020, 3, 1),
                                    purpose=AttachmentPurpose.WORK_OR_RESIDENCE)
    assert event_count(tenant) == before
    register.attach_temporarily(admin, member_id=member_id, to_cell_id=destination,
                                from_on=date(2020, 1, 1), until_on=date(2020, 6, 30),
                                purpose=AttachmentPurpose.STUDY)
    member = register.member(member_id)
    assert (member.cell_id, member.temporary_cell_id) == (cell_id, destination)
    assert member.temporary_attachment is not None
    assert member.temporary_attachment.purpose is AttachmentPurpose.STUDY


def test_an_extension_that_ends_no_later_writes_nothing(
    tenant: TenantRuntime, admin: Actor, destination: uuid.UUID, member_id: uuid.UUID,
) -> None:
    register = tenant.register
    register.attach_temporarily(admin, member_id=member_id, to_cell_id=destination,
                                from_on=date(2020, 1, 1), until_on=date(2020, 6, 30),
                                purpose=AttachmentPurpose.WORK_OR_RESIDENCE)
    before = event_count(tenant)
    with pytest.raises(TemporaryExtensionNotLaterError):
        register.extend_temporary_attachment(admin, member_id=member_id, until_on=date(2020, 6, 1),
                                             effective_on=date(2020, 5, 4))
    assert event_count(tenant) == before
    register.extend_temporary_attachment(admin, member_id=member_id, until_on=date(2020, 12, 31),
                                         effective_on=date(2020, 5, 4))
    stay = register.member(member_id).temporary_attachment
    assert stay is not None and stay.until_on == date(2020, 12, 31)


def test_a_return_needs_a_stay_and_ends_it(
    tenant: TenantRuntime, admin: Actor, destination: uuid.UUID, member_id: uuid.UUID,
) -> None:
    register, before = tenant.register, event_count(tenant)
    with pytest.raises(NotTemporarilyAttachedError):
        register.return_from_attachment(admin, member_id=member_id, returned_on=date(2020, 5, 4))
    assert event_count(tenant) == before
    register.attach_temporarily(admin, member_id=member_id, to_cell_id=destination,
                                from_on=date(2020, 1, 1), until_on=date(2020, 6, 30),
                                purpose=AttachmentPurpose.WORK_OR_RESIDENCE)
    register.return_from_attachment(admin, member_id=member_id, returned_on=date(2020, 5, 4))
    assert register.member(member_id).temporary_cell_id is None


# -- residence liaison ---------------------------------------------------------------------------

def test_an_introduction_to_an_unknown_residence_cell_writes_nothing(
    tenant: TenantRuntime, admin: Actor, destination: uuid.UUID, member_id: uuid.UUID,
) -> None:
    before = event_count(tenant)
    with pytest.raises(OrganizationNotFoundError) as unknown:
        tenant.register.introduce_to_residence(admin, member_id=member_id, residence_cell_id=uuid.uuid4(),
                                               effective_on=date(2020, 1, 6))
    assert unknown.value.field == "residenceCellId" and event_count(tenant) == before
    tenant.register.introduce_to_residence(admin, member_id=member_id, residence_cell_id=destination,
                                           effective_on=date(2020, 1, 6))
    assert tenant.register.member(member_id).residence.cell_id == destination


def test_feedback_without_an_introduction_writes_nothing(
    tenant: TenantRuntime, admin: Actor, member_id: uuid.UUID,
) -> None:
    register, before = tenant.register, event_count(tenant)
    with pytest.raises(ResidenceNotIntroducedError):
        register.record_residence_feedback(admin, member_id=member_id, year=2020,
                                           outcome=ResidenceOutcome.FULFILLED, effective_on=date(2020, 12, 10))
    assert event_count(tenant) == before
    register.introduce_to_residence(admin, member_id=member_id, residence_organization_name="Chi bộ khu phố 3",
                                    effective_on=date(2020, 1, 6))
    register.record_residence_feedback(admin, member_id=member_id, year=2020,
                                       outcome=ResidenceOutcome.NOT_FULFILLED, effective_on=date(2020, 12, 10))
    feedback = register.member(member_id).residence.feedback
    assert [(f.year, f.outcome) for f in feedback] == [(2020, ResidenceOutcome.NOT_FULFILLED)]


def test_an_exemption_that_changes_nothing_writes_nothing(
    tenant: TenantRuntime, admin: Actor, member_id: uuid.UUID,
) -> None:
    register, before = tenant.register, event_count(tenant)
    with pytest.raises(ResidenceExemptionUnchangedError):
        register.set_residence_exemption(admin, member_id=member_id, category=None, effective_on=date(2020, 1, 2))
    assert event_count(tenant) == before
    register.set_residence_exemption(admin, member_id=member_id, category=ResidenceExemption.ARMED_FORCES_IN_BARRACKS,
                                     effective_on=date(2020, 1, 2))
    assert register.member(member_id).residence.exemption is ResidenceExemption.ARMED_FORCES_IN_BARRACKS


# -- between tenants -------------------------------------------------------------------------------

def another_tenant(directory: TenantDirectory) -> tuple[TenantRuntime, Actor, uuid.UUID]:
    """Another province with a cell of its own."""
    slug = new_slug()
    directory.create(slug, "Đảng bộ tỉnh khác")
    b, admin_b = directory.runtime(slug), Actor("admin-b", slug, frozenset({Role.TENANT_ADMIN}))
    root = b.register.found_organization(admin_b, name="Đảng bộ tỉnh B", kind=OrganizationKind.PROVINCIAL_ORGANIZATION,
                                         parent_id=None, effective_on=date(2020, 1, 1), decision=None)
    cell = b.register.found_organization(admin_b, name="Chi bộ B", kind=OrganizationKind.GRASSROOTS_CELL,
                                         parent_id=root.subject_id, effective_on=date(2020, 1, 1), decision=None)
    return b, admin_b, cell.subject_id


def test_another_tenant_cannot_transfer_this_tenants_members_in_or_out(
    tenant: TenantRuntime, admin: Actor, destination: uuid.UUID, member_id: uuid.UUID,
    directory: TenantDirectory,
) -> None:
    issue(tenant, admin, member_id, destination)
    b, admin_b, cell_b = another_tenant(directory)
    before = event_count(tenant), event_count(b)
    with pytest.raises(OrganizationNotFoundError):  # from this tenant into B's cell
        tenant.register.attach_temporarily(admin, member_id=member_id, to_cell_id=cell_b, from_on=date(2020, 1, 1),
                                           until_on=date(2020, 6, 1), purpose=AttachmentPurpose.STUDY)
    with pytest.raises(MemberNotFoundError):  # B reaching for this tenant's member
        issue(b, admin_b, member_id, cell_b)
    with pytest.raises(MemberNotFoundError):
        b.register.attach_temporarily(admin_b, member_id=member_id, to_cell_id=cell_b, from_on=date(2020, 1, 1),
                                      until_on=date(2020, 6, 1), purpose=AttachmentPurpose.STUDY)
    with pytest.raises(MemberNotFoundError):  # B cannot take in a letter addressed in this tenant
        b.register.present_transfer_letter(admin_b, member_id=member_id, presented_on=date(2019, 3, 4))
    with pytest.raises(MemberNotFoundError):
        b.register.receive_transfer(admin_b, member_id=member_id, received_on=date(2019, 3, 5))
    with pytest.raises(AccessDeniedError):  # an officer whose scope is B's cell
        tenant.register.receive_transfer(officer(b, cell_b), member_id=member_id, received_on=date(2019, 3, 5))
    assert (event_count(tenant), event_count(b)) == before
    assert tenant.register.member(member_id).receiving_cell_id == destination


def test_dates_out_of_order_are_refused_by_the_register_too(
    tenant: TenantRuntime, admin: Actor, destination: uuid.UUID, member_id: uuid.UUID,
) -> None:
    before = event_count(tenant)
    with pytest.raises(DateOrderError):
        issue(tenant, admin, member_id, destination, on=date(2019, 2, 1))  # before its decision
    assert event_count(tenant) == before

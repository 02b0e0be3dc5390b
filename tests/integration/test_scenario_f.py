"""DOMAIN.md §5 scenario F, recorded through the services of one register, then queried."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from support import CELL_VOTE, enroll_officials, introduced_by

from partyledger.domain.decision import Decision
from partyledger.domain.errors import DomainError
from partyledger.domain.discipline_rules import DisciplineForm
from partyledger.domain.member_state import MemberStatus, Resolution
from partyledger.domain.organization import OrganizationKind
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.domain.rating_schemes import Grade
from partyledger.domain.votes import VoteTally
from partyledger.infra.tenants import TenantRuntime
from partyledger.services.access import Actor, Role


@pytest.fixture
def person_p(tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID) -> uuid.UUID:
    register = tenant.register
    inspector = Actor("ubkt@" + tenant.tenant.slug, tenant.tenant.slug, frozenset({Role.INSPECTOR}))
    with recorded_by(Provenance.system(admin.subject)):
        root = register.organization(cell_id).parent_id
        other_cell = register.found_organization(
            admin, name="Chi bộ Khu phố 5", kind=OrganizationKind.GRASSROOTS_CELL, parent_id=root,
            effective_on=date(2010, 1, 1), decision=None).subject_id
        p = register.admit_member(
            admin, full_name="Bùi Thị Phượng", birth_date=date(1990, 6, 2), cell_id=cell_id,
            introducers=introduced_by(*enroll_officials(tenant, admin, cell_id)),
            cell_resolution=Resolution(date(2015, 5, 20), CELL_VOTE),
            decision=Decision("112-QĐ/HU", date(2015, 7, 24), "Ban Thường vụ Huyện ủy"),
            ceremony_on=date(2015, 8, 10)).subject_id
        register.recognize_official(
            admin, member_id=p, cell_resolution=Resolution(date(2016, 8, 15), CELL_VOTE),
            decision=Decision("87-QĐ/HU", date(2016, 9, 1), "Ban Thường vụ Huyện ủy"),
            effective_on=date(2016, 9, 1))
        register.issue_transfer_letter(admin, member_id=p, to_cell_id=other_cell, letter_number="GT-19/031",
                                       issued_on=date(2019, 3, 1))
        register.present_transfer_letter(admin, member_id=p, presented_on=date(2019, 6, 3),
                                         reason_if_late="điều trị bệnh dài ngày")
        register.receive_transfer(admin, member_id=p, received_on=date(2019, 6, 3))
    with recorded_by(Provenance.system(inspector.subject)):
        register.impose_discipline(
            inspector, member_id=p, form=DisciplineForm.WARNING, violation_on=date(2021, 1, 15),
            decision=Decision("05-QĐ/UBKT", date(2021, 4, 2), "Ủy ban Kiểm tra Đảng ủy"),
            announced_on=date(2021, 4, 2), vote=VoteTally(7, 2, 9, 9))
    with recorded_by(Provenance.system(admin.subject)):
        with pytest.raises(DomainError) as refused:
            register.rate_member(admin, member_id=p, year=2021, grade=Grade.GOOD,
                                 effective_on=date(2021, 12, 15))
        assert refused.value.code == "RATING_MUST_BE_NOT_COMPLETED"
        register.rate_member(admin, member_id=p, year=2021, grade=Grade.NOT_COMPLETED,
                             effective_on=date(2021, 12, 15))
    with recorded_by(Provenance.system(inspector.subject)):
        register.lapse_discipline(inspector, member_id=p, discipline_ref=9, on=date(2022, 4, 2))
    return p


def test_scenario_f_party_age_status_and_discipline_as_of_dates(
    tenant: TenantRuntime, admin: Actor, person_p: uuid.UUID,
) -> None:
    register = tenant.register
    age = register.party_age(admin, member_id=person_p, as_of=date(2025, 7, 24))
    assert age is not None and age.days == 3_559  # 3,653 − 94 days of the late transfer
    assert register.member_as_of(admin, person_p, date(2015, 8, 1)).status is MemberStatus.ADMITTED_PENDING_CEREMONY
    assert register.member_as_of(admin, person_p, date(2016, 8, 20)).status is MemberStatus.PROBATIONARY
    member = register.member(person_p)
    assert [d.form for d in member.active_disciplines(date(2022, 1, 1))] == [DisciplineForm.WARNING]
    assert member.active_disciplines(date(2022, 4, 3)) == []


def test_scenario_f_history_lists_every_event_in_order_with_its_decision(
    tenant: TenantRuntime, admin: Actor, person_p: uuid.UUID,
) -> None:
    history = tenant.register.member_history(admin, person_p)
    names = [type(e).__name__ for e in history]
    assert names == [
        "CandidacyOpened", "CellResolutionPassed", "AdmissionDecided", "AdmissionCeremonyHeld",
        "RecognizedAsOfficial", "TransferLetterIssued", "TransferLetterPresented", "TransferReceived",
        "DisciplineImposed", "Rated", "DisciplineLapsed",
    ]
    assert [e.originator_version for e in history] == list(range(1, 12))
    assert history[2].decision.number == "112-QĐ/HU" and history[8].decision.number == "05-QĐ/UBKT"
    assert history[8].recorded_by.startswith("ubkt@")
    effective = [e.effective_on for e in history]
    assert effective[2:5] == [date(2015, 7, 24), date(2015, 8, 10), date(2016, 9, 1)]

"""Valid time and transaction time: a back-dated event changes `as of` answers, not `known at`."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

from support import admit, enroll_officials, recognition_vote

from partyledger.domain.decision import Decision
from partyledger.domain.member_state import MemberStatus
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.infra.tenants import TenantRuntime
from partyledger.services.access import Actor


def test_a_back_dated_recognition_changes_as_of_answers_but_not_earlier_knowledge(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID,
) -> None:
    with recorded_by(Provenance.system(admin.subject)):
        member = admit(tenant, admin, cell_id, enroll_officials(tenant, admin, cell_id)).subject_id
        before_recording = datetime.now(timezone.utc)
        tenant.register.recognize_official(  # recorded today, effective in 2016
            admin, member_id=member, cell_resolution=recognition_vote(date(2016, 8, 15)),
            decision=Decision("31-QĐ/ĐU", date(2016, 9, 1), "BTV Đảng ủy"), effective_on=date(2016, 9, 1))
    register = tenant.register
    assert register.member_as_of(admin, member, date(2020, 1, 1)).status is MemberStatus.OFFICIAL
    assert register.member_as_of(admin, member, date(2016, 8, 31)).status is MemberStatus.PROBATIONARY
    as_known = register.member_as_of(admin, member, date(2020, 1, 1), known_at=before_recording)
    assert as_known.status is MemberStatus.PROBATIONARY
    assert register.member_as_of(admin, member, date(2015, 1, 1)) is None

"""A save of thousands of events is one transaction and completes (an import, a big merge)."""

from __future__ import annotations

import uuid
from datetime import date

from support import event_count

from partyledger.domain.member import Member
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.infra.tenants import TenantRuntime
from partyledger.services.access import Actor


def test_three_thousand_members_are_saved_in_one_transaction(
    tenant: TenantRuntime, admin: Actor, cell_id: uuid.UUID,
) -> None:
    before = event_count(tenant)
    with recorded_by(Provenance.system(admin.subject)):
        members = [Member.enroll(full_name=f"Đinh Thị Ngọc Ánh {i}", birth_date=date(1975, 3, 8),
                                 cell_id=cell_id, admitted_on=date(2001, 5, 19),
                                 ceremony_on=date(2001, 6, 2), recognized_on=date(2002, 6, 3))
                   for i in range(3000)]
        recordings = tenant.register.save(*members)
    assert len(recordings) == 3000
    assert event_count(tenant) == before + 3000
    assert [r.notification.id for r in recordings] == list(range(before + 1, before + 3001))

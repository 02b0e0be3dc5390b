"""Shared steps for integration tests: enrolling introducers and admitting applicants."""

from __future__ import annotations

import uuid
from datetime import date

from partyledger.domain.decision import Decision
from partyledger.domain.member import Introducer, IntroducerKind
from partyledger.infra.tenants import TenantRuntime
from partyledger.services.access import Actor
from partyledger.services.register import Outcome


def enroll_officials(tenant: TenantRuntime, actor: Actor, cell: uuid.UUID, n: int = 2) -> list[uuid.UUID]:
    return [tenant.register.enroll_member(
        actor, full_name=f"Trần Văn Bảo {i}", birth_date=date(1970, 5, 1), cell_id=cell,
        admitted_on=date(1998, 3, 2), ceremony_on=date(1998, 3, 20),
        recognized_on=date(1999, 4, 1),
    ).subject_id for i in range(n)]


def admit(tenant: TenantRuntime, actor: Actor, cell: uuid.UUID, introducers: list[uuid.UUID],
          name: str = "Nguyễn Thị Lan", ceremony_on: date = date(2015, 8, 10)) -> Outcome:
    return tenant.register.admit_member(
        actor, full_name=name, birth_date=date(1992, 11, 5), cell_id=cell,
        introducers=tuple(Introducer(IntroducerKind.OFFICIAL_MEMBER, m) for m in introducers),
        decision=Decision("45-QĐ/ĐU", date(2015, 7, 24), "Ban Thường vụ Đảng ủy"),
        effective_on=date(2015, 7, 24), ceremony_on=ceremony_on,
    )


def event_count(tenant: TenantRuntime) -> int:
    return tenant.register.recorder.max_notification_id() or 0


def new_slug() -> str:
    return "t-" + uuid.uuid4().hex[:10]

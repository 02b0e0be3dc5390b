"""Shared steps for tests: enrolling introducers and admitting applicants through the services."""

from __future__ import annotations

import uuid
from datetime import date

from partyledger.domain.decision import Decision
from partyledger.domain.member_state import Introducer, IntroducerKind, Resolution
from partyledger.domain.votes import VoteTally
from partyledger.infra.tenants import TenantRuntime
from partyledger.services.access import Actor
from partyledger.services.register import Outcome

CELL_VOTE = VoteTally(in_favour=8, against=2, eligible=10, present=10)


def enroll_officials(tenant: TenantRuntime, actor: Actor, cell: uuid.UUID, n: int = 2) -> list[uuid.UUID]:
    return [tenant.register.enroll_member(
        actor, full_name=f"Trần Văn Bảo {i}", birth_date=date(1970, 5, 1), cell_id=cell,
        admitted_on=date(1998, 3, 2), ceremony_on=date(1998, 3, 20),
        recognized_on=date(1999, 4, 1),
    ).subject_id for i in range(n)]


def introduced_by(*members: uuid.UUID, since: date = date(2012, 1, 1)) -> tuple[Introducer, ...]:
    return tuple(Introducer(IntroducerKind.OFFICIAL_MEMBER, m, together_since=since) for m in members)


def admit(tenant: TenantRuntime, actor: Actor, cell: uuid.UUID, introducers: list[uuid.UUID],
          name: str = "Nguyễn Thị Lan", ceremony_on: date = date(2015, 8, 10)) -> Outcome:
    """Scenario F's admission: cell 2015-05-20 (8/10), decision 2015-07-24, ceremony 2015-08-10."""
    return tenant.register.admit_member(
        actor, full_name=name, birth_date=date(1992, 11, 5), cell_id=cell,
        introducers=introduced_by(*introducers),
        cell_resolution=Resolution(date(2015, 5, 20), CELL_VOTE),
        decision=Decision("45-QĐ/ĐU", date(2015, 7, 24), "Ban Thường vụ Đảng ủy"),
        ceremony_on=ceremony_on,
        late_consent=Decision("7-CV/ĐU", ceremony_on, "Ban Thường vụ Huyện ủy")
        if ceremony_on > date(2015, 9, 4) else None,
    )


def recognition_vote(on: date) -> Resolution:
    return Resolution(on, CELL_VOTE)


def event_count(tenant: TenantRuntime) -> int:
    return tenant.register.recorder.max_notification_id() or 0


def new_slug() -> str:
    return "t-" + uuid.uuid4().hex[:10]

"""A small province whose every published figure is counted by hand (see test_statistics).

Tree (founded 2010-01-01): province P; grassroots committee A (subordinate cells A1, A2) and
grassroots cell B, both under P. Members enrolled official (admitted 2015-08-10, recognised
2016-09-01): 6 in A1, 4 in A2, 5 in B = 15. Ratings 2021: A1 = G, G, G, G, E, C; A2 = G, G, N,
(not rated); B = G × 5. Exits: A2's fourth member struck off 2022-03-01; B's last member died
2022-05-05; A1's last member withdrew 2023-01-10.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from partyledger.domain.decision import Decision
from partyledger.domain.member_exits import StrikeOffGround
from partyledger.domain.organization import OrganizationKind
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.domain.rating_schemes import Grade
from partyledger.infra.tenants import TenantRuntime
from partyledger.projections.follower import catch_up_all
from partyledger.services.access import Actor

E, G, C, N = Grade.EXCELLENT, Grade.GOOD, Grade.COMPLETED, Grade.NOT_COMPLETED
K = OrganizationKind
REVIEW = date(2021, 12, 15)
DECISION = Decision("88-QĐ/ĐU", REVIEW, "Ban Thường vụ Huyện ủy")


@dataclass(frozen=True)
class Province:
    root: uuid.UUID
    a: uuid.UUID
    a1: uuid.UUID
    a2: uuid.UUID
    b: uuid.UUID
    members: dict[str, list[uuid.UUID]]


def build_province(tenant: TenantRuntime, admin: Actor) -> Province:
    register = tenant.register

    def found(name: str, kind: OrganizationKind, parent: uuid.UUID | None) -> uuid.UUID:
        return register.found_organization(admin, name=name, kind=kind, parent_id=parent,
                                           effective_on=date(2010, 1, 1), decision=None).subject_id

    def enroll(cell: uuid.UUID, n: int, family: str) -> list[uuid.UUID]:
        return [register.enroll_member(
            admin, full_name=f"{family} Văn Thắng {i}", birth_date=date(1980, 2, 2), cell_id=cell,
            admitted_on=date(2015, 8, 10), ceremony_on=date(2015, 8, 10),
            recognized_on=date(2016, 9, 1)).subject_id for i in range(n)]

    def rate(member: uuid.UUID, grade: Grade) -> None:
        register.rate_member(admin, member_id=member, year=2021, grade=grade, effective_on=REVIEW,
                             decision=DECISION)

    with recorded_by(Provenance.system(admin.subject)):
        root = found("Đảng bộ tỉnh Hòa Bình", K.PROVINCIAL_ORGANIZATION, None)
        a = found("Đảng bộ xã Tân Lạc", K.GRASSROOTS_COMMITTEE, root)
        a1, a2 = found("Chi bộ xóm Bưng", K.SUBORDINATE_CELL, a), found("Chi bộ xóm Mận", K.SUBORDINATE_CELL, a)
        b = found("Chi bộ Trường THCS Mường Khến", K.GRASSROOTS_CELL, root)
        members = {"a1": enroll(a1, 6, "Bùi"), "a2": enroll(a2, 4, "Đinh"), "b": enroll(b, 5, "Quách")}
        for member, grade in zip(members["a2"], [G, G, N], strict=False):
            rate(member, grade)
        for member, grade in zip(members["a1"], [G, G, G, G, E, C], strict=True):
            rate(member, grade)  # EXCELLENT once A has 6 GOOD: 1 ≤ 20 % of 6
        for member in members["b"]:
            rate(member, G)
        register.strike_off(admin, member_id=members["a2"][3], ground=StrikeOffGround.ABANDONED_ACTIVITY,
                            decision=Decision("12-QĐ/ĐU", date(2022, 3, 1), "Đảng ủy xã Tân Lạc"),
                            effective_on=date(2022, 3, 1))
        register.record_death(admin, member_id=members["b"][4], on=date(2022, 5, 5))
        register.approve_withdrawal(admin, member_id=members["a1"][5],
                                    decision=Decision("3-QĐ/ĐU", date(2023, 1, 10), "Đảng ủy xã Tân Lạc"),
                                    effective_on=date(2023, 1, 10), open_violation=False)
    catch_up_all(register, tenant.views)
    return Province(root, a, a1, a2, b, members)



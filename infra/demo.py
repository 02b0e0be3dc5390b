"""A synthetic province for demos: an organisation tree, members with realistic careers.

Everything is recorded through the services, as an officer would, so the demo exercises the
same rules as production. Names, dates and places are synthetic.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from uuid import UUID

from partyledger.domain.decision import Decision
from partyledger.domain.member_state import Introducer, IntroducerKind, Resolution
from partyledger.domain.votes import VoteTally
from partyledger.domain.organization import OrganizationKind as Kind
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.infra.synthetic_people import PeopleGenerator
from partyledger.services.access import Actor, Role
from partyledger.services.tenant_register import TenantRegister

FOUNDED = date(2010, 1, 1)
TWO_TIER = date(2025, 7, 1)
"""From this day the district level is gone: communes and wards are the grassroots' superiors."""


def generate_province(  # noqa: PLR0913
    register: TenantRegister, *, tenant: str, communes: int = 6, cells_per_commune: int = 6,
    members_per_cell: int = 10, seed: int = 2026, progress: Callable[[int], None] | None = None,
) -> int:
    """Record a province's tree and members; return the number of members recorded.

    The tree starts with districts (2010) and is reorganised on 1 July 2025 the way the
    provinces were: each district's cells move under a new commune committee and the district
    is dissolved.
    """
    admin = Actor(f"demo-admin@{tenant}", tenant, frozenset({Role.TENANT_ADMIN}))
    people, rnd = PeopleGenerator(seed), random.Random(seed)
    with recorded_by(Provenance.system(admin.subject)):
        root = _found(register, admin, "Đảng bộ tỉnh (dữ liệu mẫu)", Kind.PROVINCIAL_ORGANIZATION, None)
        districts: dict[UUID, list[UUID]] = {}
        for _ in range(communes):
            place = people.commune_name().split(" ", 1)[1]
            district = _found(register, admin, f"Đảng bộ huyện {place}", Kind.DISTRICT_COMMITTEE, root)
            districts[district] = [_found(register, admin, people.cell_name(), Kind.GRASSROOTS_CELL, district)
                                   for _ in range(cells_per_commune)]
        recorded = 0
        for cell in (c for cells in districts.values() for c in cells):
            recorded += _populate(register, admin, cell, members_per_cell, people, rnd)
            if progress:
                progress(members_per_cell)
        for district, cells in districts.items():
            _two_tier(register, admin, root, district, cells, people.commune_name())
    return recorded


def _two_tier(  # noqa: PLR0913
    register: TenantRegister, admin: Actor, root: UUID, district: UUID, cells: list[UUID], commune: str,
) -> None:
    decision = Decision("QĐ 321-QĐ/TW", date(2025, 6, 27), "Bộ Chính trị")
    committee = register.found_organization(
        admin, name=f"Đảng bộ {commune}", kind=Kind.COMMUNE_COMMITTEE, parent_id=root,
        effective_on=TWO_TIER, decision=decision).subject_id
    for cell in cells:
        register.move_organization(admin, organization_id=cell, new_parent_id=committee,
                                   effective_on=TWO_TIER, decision=decision)
    register.dissolve_organization(admin, organization_id=district, effective_on=TWO_TIER,
                                   decision=decision)


def _found(register: TenantRegister, admin: Actor, name: str, kind: Kind, parent: UUID | None) -> UUID:
    return register.found_organization(
        admin, name=name, kind=kind, parent_id=parent, effective_on=FOUNDED, decision=None
    ).subject_id


def _populate(  # noqa: PLR0913
    register: TenantRegister, admin: Actor, cell: UUID, size: int, people: PeopleGenerator,
    rnd: random.Random,
) -> int:
    """Three long-standing official members enrolled from earlier records, then admissions."""
    officials = []
    for _ in range(3):
        person = people.person(born_between=(date(1955, 1, 1), date(1980, 12, 31)))
        admitted = person.birth_date + timedelta(days=rnd.randint(22 * 365, 35 * 365))
        officials.append(register.enroll_member(
            admin, full_name=person.full_name, birth_date=person.birth_date, cell_id=cell,
            admitted_on=admitted, ceremony_on=admitted + timedelta(days=14),
            recognized_on=admitted + timedelta(days=400),
        ).subject_id)
    for _ in range(size - 3):
        person = people.person(born_between=(date(1980, 1, 1), date(1996, 12, 31)))
        voted = date(2015, 1, 5) + timedelta(days=rnd.randint(0, 10 * 365))
        decided = voted + timedelta(days=rnd.randint(20, 70))
        ceremony = decided + timedelta(days=rnd.randint(7, 30))
        introducers = tuple(Introducer(IntroducerKind.OFFICIAL_MEMBER, m, together_since=FOUNDED)
                            for m in rnd.sample(officials, 2))
        member = register.admit_member(
            admin, full_name=person.full_name, birth_date=person.birth_date, cell_id=cell,
            introducers=introducers, cell_resolution=Resolution(voted, _vote(rnd)),
            decision=_decision(rnd, decided), ceremony_on=ceremony, citizen_id=person.citizen_id,
        ).subject_id
        resolution = ceremony + timedelta(days=365 + rnd.randint(5, 40))
        if resolution < date.today() and rnd.random() < 0.85:
            register.recognize_official(
                admin, member_id=member, cell_resolution=Resolution(resolution, _vote(rnd)),
                decision=_decision(rnd, resolution + timedelta(days=15)),
                effective_on=resolution + timedelta(days=15),
            )
    return size


def _vote(rnd: random.Random) -> VoteTally:
    eligible = rnd.randint(9, 30)
    in_favour = rnd.randint(-(-eligible * 2 // 3), eligible)
    return VoteTally(in_favour, eligible - in_favour, eligible, eligible)


def _decision(rnd: random.Random, on: date) -> Decision:
    return Decision(f"{rnd.randint(10, 999)}-QĐ/ĐU", on, "Ban Thường vụ Đảng ủy")

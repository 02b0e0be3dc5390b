"""The bulk province generator: what it copies into the log is what the services would have saved —
every aggregate replays, the rosters and rating books agree with the members, the services go on
from it — and one seed gives the same events."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from support import new_slug

from partyledger.domain.decision import Decision
from partyledger.domain.member import Member
from partyledger.domain.member_ratings import AnnualRatingBook
from partyledger.domain.member_reorganised import ON_ROSTER
from partyledger.domain.member_state import MemberStatus
from partyledger.domain.organization import Organization, OrganizationKind as K
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.domain.rating_schemes import RATING_SCHEMES, Grade, check_excellent_cap
from partyledger.infra.province_generator import GeneratedProvince, generate_bulk_province
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.services.access import Actor, Role

MEMBERS = 300
SEED = 7


@dataclass(frozen=True)
class Province:
    runtime: TenantRuntime
    generated: GeneratedProvince
    aggregates: dict[uuid.UUID, Any]
    event_counts: Counter[uuid.UUID]
    notification_ids: list[int]

    def of(self, kind: type) -> list[Any]:
        return [a for a in self.aggregates.values() if isinstance(a, kind)]


def generate(directory: TenantDirectory, members: int,
             seed: int) -> tuple[TenantRuntime, GeneratedProvince]:
    slug = new_slug()
    directory.create(slug, f"Đảng bộ tỉnh tổng hợp {slug}")
    runtime = directory.runtime(slug)
    generated = generate_bulk_province(runtime.register, tenant=slug, members=members, seed=seed)
    return runtime, generated


def log(runtime: TenantRuntime) -> list[Any]:
    notifications, start = [], 1
    while page := runtime.register.recorder.select_notifications(start=start, limit=5000):
        notifications += page
        start = page[-1].id + 1
    return notifications


@pytest.fixture(scope="module")
def province(directory: TenantDirectory) -> Province:
    runtime, generated = generate(directory, MEMBERS, SEED)
    notifications = log(runtime)
    counts = Counter(n.originator_id for n in notifications)
    aggregates = {i: runtime.register.repository.get(i) for i in counts}
    return Province(runtime, generated, aggregates, counts, [n.id for n in notifications])


def test_every_aggregate_replays_to_as_many_versions_as_it_has_events(province: Province) -> None:
    assert province.generated.events == len(province.notification_ids)
    assert {a.id: a.version for a in province.aggregates.values()} == dict(province.event_counts)
    assert len(province.of(Member)) == MEMBERS
    assert len(province.of(Organization)) == province.generated.organizations


def test_notification_ids_increase_one_by_one(province: Province) -> None:
    assert province.notification_ids == list(range(1, len(province.notification_ids) + 1))


def test_each_cell_lists_exactly_the_members_whose_cell_it_is(province: Province) -> None:
    expected: dict[uuid.UUID, dict[uuid.UUID, str]] = defaultdict(dict)
    for member in province.of(Member):
        if member.status in ON_ROSTER:
            expected[member.cell_id][member.id] = member.status.name
    cells = [o for o in province.of(Organization) if o.kind.holds_members]
    assert {c.id: c.roster for c in cells if c.roster} == expected
    assert len(cells) >= MEMBERS // 25


def test_the_tree_is_two_tier_after_the_reform(province: Province) -> None:
    organizations = province.of(Organization)
    by_kind = defaultdict(list)
    for organization in organizations:
        by_kind[organization.kind].append(organization)
    (root,) = by_kind[K.PROVINCIAL_ORGANIZATION]
    assert all(d.ended_on == date(2025, 7, 1) and not d.children
               for d in by_kind[K.DISTRICT_COMMITTEE])
    assert root.children == {c.id for c in by_kind[K.COMMUNE_COMMITTEE]}
    grassroots = by_kind[K.GRASSROOTS_COMMITTEE] + by_kind[K.GRASSROOTS_CELL]
    assert all(by_kind[k] for k in (K.GRASSROOTS_COMMITTEE, K.GRASSROOTS_CELL, K.SUBORDINATE_CELL))
    assert {g.parent_id for g in grassroots} == root.children
    assert all(province.aggregates[c.parent_id].kind is K.GRASSROOTS_COMMITTEE
               for c in by_kind[K.SUBORDINATE_CELL])


def test_statuses_and_exits_come_in_plausible_proportions(province: Province) -> None:
    members = province.of(Member)
    statuses = Counter(m.status for m in members)
    share = {status: count / len(members) for status, count in statuses.items()}
    assert share[MemberStatus.OFFICIAL] > 0.75
    assert 0 < share[MemberStatus.PROBATIONARY] < 0.1
    assert 0.02 < share[MemberStatus.DECEASED] < 0.12
    assert 0.01 < share[MemberStatus.EXITED] < 0.1
    exits = Counter(m.current_exit.kind.name for m in members if m.current_exit)
    assert exits == province.generated.exits
    assert set(exits) == {"STRUCK_OFF", "WITHDRAWN", "EXPELLED"}
    assert sum(1 for m in members if m.disciplines) > 2
    assert sum(1 for m in members if len(m.transfer_letters)) > 10
    admitted = [m for m in members if m.applied_on >= date(2018, 1, 1)]
    assert 0.1 < len(admitted) / len(members) < 0.3


def test_ratings_are_counted_in_their_books_and_keep_the_cap(province: Province) -> None:
    books = province.of(AnnualRatingBook)
    assert {b.year for b in books} == set(range(2018, 2026))
    counted = {(b.year, member_id): grade for b in books for member_id, grade in b.grades.items()}
    rated = {(year, m.id): r.grade for m in province.of(Member) for year, r in m.ratings.items()}
    assert counted == rated
    assert len(rated) > MEMBERS * 5
    for book in books:
        check_excellent_cap(book.grades.values(), RATING_SCHEMES.for_year(book.year).member_cap)
    grades = Counter(rated.values())
    assert 0.05 < grades[Grade.EXCELLENT] / len(rated) < 0.2


def test_the_services_go_on_from_the_generated_register(province: Province) -> None:
    runtime, register = province.runtime, province.runtime.register
    slug = runtime.tenant.slug
    admin = Actor("admin@" + slug, slug, frozenset({Role.TENANT_ADMIN}))
    official = next(m for m in province.of(Member)
                    if m.status is MemberStatus.OFFICIAL and not m.in_a_move()
                    and 2025 in m.ratings and m.ratings[2025].grade is Grade.GOOD)
    cell = next(o for o in province.of(Organization) if o.kind.holds_members and o.ended_on is None
                and o.id != official.cell_id)
    on = date(2026, 3, 2)
    with recorded_by(Provenance.system(admin.subject)):
        register.rate_member(admin, member_id=official.id, year=2025, grade=Grade.COMPLETED,
                             effective_on=on, points=60.0, correction_reason="Đánh giá lại")
        register.issue_transfer_letter(admin, member_id=official.id, to_cell_id=cell.id,
                                       letter_number="1/GGT-2026", issued_on=on)
        register.present_transfer_letter(admin, member_id=official.id, presented_on=on)
        register.receive_transfer(admin, member_id=official.id, received_on=on)
        register.rate_member(admin, member_id=official.id, year=2026, grade=Grade.GOOD,
                             effective_on=date(2026, 12, 15), points=80.0,
                             decision=Decision("9-QĐ/ĐU", date(2026, 12, 15), "Đảng ủy"))
    moved = register.member(official.id)
    assert moved.cell_id == cell.id and official.id in register.organization(cell.id).roster
    assert official.id not in register.organization(official.cell_id).roster
    assert moved.ratings[2025].grade is Grade.COMPLETED and moved.ratings[2026].grade is Grade.GOOD


def digest(runtime: TenantRuntime) -> str:
    """The log, but for each event's recorded time and recorder (named after the tenant)."""
    sha = hashlib.sha256()
    for n in log(runtime):
        state = json.loads(n.state)
        del state["timestamp"], state["recorded_by"]
        sha.update(f"{n.originator_id}|{n.originator_version}|{n.topic}|".encode())
        sha.update(json.dumps(state, sort_keys=True).encode())
    return sha.hexdigest()


def test_one_seed_gives_the_same_events_and_another_seed_others(directory: TenantDirectory) -> None:
    first, second, other = (generate(directory, 120, seed)[0] for seed in (SEED, SEED, SEED + 1))
    assert digest(first) == digest(second) != digest(other)


def test_a_province_too_small_for_the_tree_is_refused(tenant: TenantRuntime) -> None:
    with pytest.raises(ValueError, match="at least 100"):
        generate_bulk_province(tenant.register, tenant=tenant.tenant.slug, members=99)
    assert tenant.register.recorder.max_notification_id() in (None, 0)

"""A whole synthetic province in a tenant, fast: ``partyledger demo --members 500000``.

The tree is sized like a real province (DOMAIN.md §4): about 250 members per grassroots
organisation (seven in ten grassroots cells, the rest grassroots committees with subordinate
cells of about 17), 4,000 per commune-level area and five areas per district. Each area's history
is recorded by the domain in memory (``synthetic_careers``) and its events copied to the log in
bulk as they come (``bulk_append``): one area's members at a time are held, never the events.

What the services would also record and this does not: idempotency receipts (none are needed
for generated history), party cards (and their number reservations), committee seats, meetings,
temporary attachments, residence liaison, exemptions, suspensions, appeals, readmissions and
organisation ratings. Transfers stay within an area. Events are recorded now (their
``timestamp``), effective on their historical dates.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from random import Random

from partyledger.domain.decision import Decision
from partyledger.domain.member import Member
from partyledger.domain.organization import Organization, OrganizationKind as Kind
from partyledger.domain.rating_schemes import CapScope
from partyledger.infra.bulk_append import BulkAppender
from partyledger.infra.synthetic_careers import AreaHistory
from partyledger.infra.synthetic_people import PeopleGenerator
from partyledger.infra.synthetic_plan import (
    OPENS,
    TWO_TIER,
    Above,
    AreaPlan,
    GrassrootsPlan,
    Policies,
)
from partyledger.infra.synthetic_register import SyntheticRegister, seeded_ids
from partyledger.services.tenant_register import TenantRegister

MIN_MEMBERS = 100
MEMBERS_PER_AREA = 4_000
AREAS_PER_DISTRICT = 5
MEMBERS_PER_GRASSROOTS = 250
GRASSROOTS_CELL_SHARE = 0.7  # Phú Thọ 2025: 1,608 of 2,166 (§4)
MEMBERS_PER_SUBORDINATE_CELL = 17
_COMMITTEE_NAMES = ("Đảng bộ xã {}", "Đảng bộ phường {}", "Đảng bộ Công ty Cổ phần {}",
                    "Đảng bộ Bệnh viện Đa khoa {}", "Đảng bộ Trường Cao đẳng {}",
                    "Đảng bộ Công an {}")


@dataclass
class GeneratedProvince:
    """What a generation recorded: counts to report and to check proportions against."""

    members: int = 0
    organizations: int = 0
    commands: int = 0
    events: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    exits: Counter[str] = field(default_factory=Counter)
    skipped_admissions: int = 0


def generate_bulk_province(
    register: TenantRegister, *, tenant: str, members: int, seed: int = 2026,
    progress: Callable[[int], None] | None = None,
) -> GeneratedProvince:
    """Fill an empty tenant with a province of ``members`` member records (those who later left
    or died included); ``progress`` is told the member records of each area as it is written.
    One seed gives the same events (their recorded times and ids of other runs aside)."""
    if members < MIN_MEMBERS:
        raise ValueError(f"a province needs at least {MIN_MEMBERS} members")
    policies = _policies(register)
    people, rnd = PeopleGenerator(seed), Random(seed)
    plan = plan_province(members, people, rnd)
    done = GeneratedProvince()
    with seeded_ids(seed), BulkAppender(register) as appender:
        synthetic = SyntheticRegister(appender.append, recorded_by=f"province-generator@{tenant}",
                                      seed=seed)
        province = _found(synthetic, "Đảng bộ tỉnh (dữ liệu tổng hợp)",
                          Kind.PROVINCIAL_ORGANIZATION, None)
        for d, areas in enumerate(plan):
            place = people.commune_name().split(" ", 1)[1]
            district = _found(synthetic, f"Đảng bộ huyện {place}", Kind.DISTRICT_COMMITTEE,
                              province)
            above = Above(province, district, f"Ban Thường vụ Huyện ủy {place}")
            for a, area in enumerate(areas):
                history = AreaHistory(synthetic, area, above=above, policies=policies,
                                      people=people, rnd=Random(f"{seed}/{d}/{a}"))
                history.run()
                _count(done, history, synthetic.forget_members())
                if progress:
                    progress(area.members)
            synthetic.record(partial(_dissolved, district))
        done.commands, done.events = synthetic.commands, synthetic.events
        done.organizations = synthetic.organizations
    return done


def plan_province(members: int, people: PeopleGenerator, rnd: Random) -> list[list[AreaPlan]]:
    """Districts, each a list of areas whose member records add up to ``members``."""
    areas = max(1, round(members / MEMBERS_PER_AREA))
    sizes = _split(members, [1.0] * areas)
    plans = [_area(size, people, rnd) for size in sizes]
    districts = max(1, round(areas / AREAS_PER_DISTRICT))
    return [plans[i * areas // districts:(i + 1) * areas // districts] for i in range(districts)]


def _area(members: int, people: PeopleGenerator, rnd: Random) -> AreaPlan:
    count = max(2, round(members / MEMBERS_PER_GRASSROOTS))
    cells = min(count - 1, max(1, round(count * GRASSROOTS_CELL_SHARE)))
    cell_sizes = [rnd.randint(12, 28) for _ in range(cells)]
    while sum(cell_sizes) > members // 2:  # the committees need room for three cells each
        cell_sizes = [max(5, s // 2) for s in cell_sizes]
    committees = _split(members - sum(cell_sizes), _weights(rnd, count - cells))
    grassroots = []
    for size in cell_sizes:
        name = people.cell_name()
        grassroots.append(GrassrootsPlan(name, False, ((name, size),), rnd.randint(7, 15)))
    for size in committees:
        parts = _split(size, _weights(rnd, max(3, round(size / MEMBERS_PER_SUBORDINATE_CELL))))
        name = rnd.choice(_COMMITTEE_NAMES).format(people.commune_name().split(" ", 1)[1])
        cells_ = tuple((people.cell_name(), p) for p in parts)
        grassroots.append(GrassrootsPlan(name, True, cells_, rnd.randint(9, 19)))
    rnd.shuffle(grassroots)
    commune = people.commune_name()
    return AreaPlan(f"Đảng bộ {commune[0].lower()}{commune[1:]}", tuple(grassroots))


def _weights(rnd: Random, n: int) -> list[float]:
    return [rnd.uniform(0.5, 1.5) for _ in range(n)]


def _split(total: int, weights: list[float]) -> list[int]:
    """``total`` in parts proportional to ``weights`` (largest remainders), each at least 5."""
    scale = (total - 5 * len(weights)) / sum(weights)
    exact = [5 + w * scale for w in weights]
    parts = [int(x) for x in exact]
    for i in sorted(range(len(exact)), key=lambda i: parts[i] - exact[i])[:total - sum(parts)]:
        parts[i] += 1
    return parts


def _policies(register: TenantRegister) -> Policies:
    schemes = register.rating_schemes
    for year in range(OPENS.year, TWO_TIER.year + 1):
        cap = schemes.for_year(year).member_cap
        if cap is not None and cap.scope is not CapScope.PER_GRASSROOTS_ORG:
            raise ValueError(f"the generator counts the EXCELLENT cap per grassroots organisation; "
                             f"this tenant counts {year}'s {cap.scope.name}")
    return Policies(register.rule_book, schemes, register.working_calendar())


def _found(synthetic: SyntheticRegister, name: str, kind: Kind,
           parent: Organization | None) -> Organization:
    return synthetic.record(lambda: [Organization.found(
        name=name, kind=kind, parent=parent, effective_on=OPENS, decision=None)])


def _dissolved(district: Organization) -> list[Organization]:
    """The district ends with the two-tier reform, once its last area has moved away."""
    district.dissolve(effective_on=TWO_TIER,
                      decision=Decision("1-QĐ/TU", date(2025, 6, 27), "Ban Thường vụ Tỉnh ủy"))
    return [district]


def _count(done: GeneratedProvince, history: AreaHistory, members: list[Member]) -> None:
    done.members += len(members)
    done.skipped_admissions += history.skipped
    for member in members:
        done.statuses[member.status.name] += 1
        if (out := member.current_exit) is not None:
            done.exits[out.kind.name] += 1

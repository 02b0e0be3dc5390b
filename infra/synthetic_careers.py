"""One area's history for generated data: its grassroots organisations and cells, and its members'
careers from the register's opening to the horizon, recorded in date order through the domain.

An area is what comes under one commune-level committee on 1 July 2025 (before that, under its
district). Members enrolled from earlier records open the register; then each year brings
admissions (the whole procedure), recognitions after probation (a few struck off instead),
transfers between the area's cells, reprimands and warnings that lapse after a year,
expulsions, strike-offs, withdrawals, deaths (by age) and, in December, each grassroots
organisation's review with its rating book. Commands run in the order of their effective dates
(an agenda), so every cell's roster is dated forward, as officers would have recorded it.
The year's incidents (moves, discipline, exits) live in ``synthetic_incidents``.
"""

from __future__ import annotations

import heapq
import itertools
from datetime import date, timedelta
from functools import partial
from random import Random

from partyledger.domain.admission import IntroducerStanding
from partyledger.domain.calendar_months import whole_months_between
from partyledger.domain.decision import Decision
from partyledger.domain.member import Member
from partyledger.domain.member_exits import StrikeOffGround, rules_in_force
from partyledger.domain.member_ratings import AnnualRatingBook, RatingStanding
from partyledger.domain.member_state import Introducer, IntroducerKind, MemberStatus, Resolution
from partyledger.domain.organization import Organization, OrganizationKind as Kind
from partyledger.domain.probation import probation_end
from partyledger.infra.synthetic_incidents import Incidents, changed, day_in
from partyledger.infra.synthetic_people import PeopleGenerator
from partyledger.infra.synthetic_plan import (
    HORIZON,
    OPENS,
    TWO_TIER,
    Above,
    AreaPlan,
    Policies,
    Rates,
)
from partyledger.infra.synthetic_register import SyntheticRegister
from partyledger.infra.synthetic_reviews import review_grades

INITIAL_SHARE = 0.8
"""Of each cell's member records, those enrolled at the opening; the rest are admitted later."""
ADMITTED_SINCE = range(1955, 2018)
ADMISSION_YEAR_WEIGHTS = [min(1.0, 0.03 + ((y - 1955) / 45) ** 2) for y in ADMITTED_SINCE]
"""Members admitted long ago are fewer among those alive at the opening."""
RATES = Rates()


class AreaHistory(Incidents):
    def __init__(  # noqa: PLR0913
        self, register: SyntheticRegister, plan: AreaPlan, *, above: Above, policies: Policies,
        people: PeopleGenerator, rnd: Random, rates: Rates = RATES,
    ) -> None:
        self._register, self._plan, self._above, self._policies = register, plan, above, policies
        self._people, self._rnd, self._rates = people, rnd, rates
        self._authority = above.authority
        self._agenda, self._order, self._numbers = [], itertools.count(), itertools.count(1)
        self.grassroots, self._committee_size, self.members = [], {}, {}
        self.skipped = 0
        """Admissions a cell without an official member could not introduce."""

    def run(self) -> None:
        admissions = self._found()
        for year in range(OPENS.year, HORIZON.year + 1):
            self._plan_year(year, [cell for cell, when in admissions if when == year])
            self._run_until(date(year, 12, 31))

    # -- the agenda -----------------------------------------------------------------------------

    def _run_until(self, day: date) -> None:
        while self._agenda and self._agenda[0][0] <= day:
            heapq.heappop(self._agenda)[2]()

    def _plan_year(self, year: int, admissions: list[Organization]) -> None:
        rnd, rates = self._rnd, self._rates
        if year == TWO_TIER.year:
            self._at(TWO_TIER, self._two_tier)
        for cell in admissions:
            self._plan_admission(cell, year)
        incidents = ((rates.transfer, self._transfer),
                     (rates.reprimand_or_warning, self._discipline), (rates.expulsion, self._expel),
                     (rates.struck_off, self._strike_off), (rates.withdrawal, self._withdraw))
        for member in [m for m in self.members.values() if m.status.is_member]:
            day, draw = day_in(year, rnd), rnd.random()
            if rnd.random() < rates.mortality(year - member.birth_date.year):
                self._at(day, partial(self._die, member, day))
                continue
            for chance, incident in incidents:
                if (draw := draw - chance) < 0:
                    self._at(day, partial(incident, member, day))
                    break
        for organization, cells in self.grassroots:
            day = date(year, 12, rnd.randint(8, 28))
            self._at(day, partial(self._review, organization, cells, day))

    # -- the tree and the members found at the opening -----------------------------------------

    def _found(self) -> list[tuple[Organization, int]]:
        """Found the area's organisations, enrol its earlier members; return its admissions
        to come, each a (cell, year)."""
        rnd, admissions = self._rnd, []
        for plan in self._plan.grassroots:
            kind = Kind.GRASSROOTS_COMMITTEE if plan.committee else Kind.GRASSROOTS_CELL
            organization = self._found_one(plan.name, kind, self._above.district)
            cells = [self._found_one(name, Kind.SUBORDINATE_CELL, organization)
                     for name, _ in plan.cells] if plan.committee else [organization]
            self.grassroots.append((organization, cells))
            self._committee_size.update((cell.id, plan.committee_size) for cell in cells)
            for cell, (_, size) in zip(cells, plan.cells, strict=True):
                initial = min(size, max(3, round(size * INITIAL_SHARE)))
                for _ in range(initial):
                    self._enroll(cell)
                admissions += [(cell, rnd.randint(OPENS.year, HORIZON.year))
                               for _ in range(size - initial)]
        return admissions

    def _found_one(self, name: str, kind: Kind, parent: Organization) -> Organization:
        return self._register.record(lambda: [Organization.found(
            name=name, kind=kind, parent=parent, effective_on=OPENS, decision=None)])

    def _enroll(self, cell: Organization) -> None:
        rnd = self._rnd
        year = rnd.choices(ADMITTED_SINCE, weights=ADMISSION_YEAR_WEIGHTS)[0]
        admitted = min(day_in(year, rnd), date(2017, 11, 30))
        born = admitted - timedelta(days=int(rnd.triangular(18.5, 45, 23) * 365.25))
        person = self._people.person(born_between=(born, born))
        ceremony = admitted + timedelta(days=rnd.randint(7, 30))
        recognized: date | None = probation_end(ceremony) + timedelta(days=rnd.randint(5, 40))
        if recognized is not None and recognized >= OPENS:
            recognized = None
        member = self._register.record(lambda: [Member.enroll(
            full_name=person.full_name, birth_date=person.birth_date, cell_id=cell.id,
            admitted_on=admitted, ceremony_on=ceremony, recognized_on=recognized)])
        self.members[member.id] = member
        if recognized is None:
            self._plan_recognition(member)

    # -- admission and probation ---------------------------------------------------------------

    def _plan_admission(self, cell: Organization, year: int) -> None:
        rnd = self._rnd
        resolved = day_in(year, rnd, last=date(year, 10, 10))
        decided = resolved + timedelta(days=rnd.randint(15, 55))
        ceremony = decided + timedelta(days=rnd.randint(5, 28))
        self._at(ceremony, lambda: self._admit(cell, resolved, decided, ceremony))

    def _admit(self, cell: Organization, resolved: date, decided: date, ceremony: date) -> None:
        rnd, rules, calendar = self._rnd, self._policies.rules, self._policies.calendar
        officials = [m for m in self._officials(cell)
                     if m.recognized_on and m.recognized_on <= resolved]
        if not officials:
            self.skipped += 1
            return
        chosen = rnd.sample(officials, min(2, len(officials)))
        introducers = [Introducer(IntroducerKind.OFFICIAL_MEMBER, m.id,
                                  together_since=resolved - timedelta(days=rnd.randint(400, 1800)))
                       for m in chosen]
        if len(introducers) < 2:
            introducers.append(Introducer(IntroducerKind.YOUTH_UNION_COMMITTEE,
                                          committee_name=f"Ban Chấp hành Đoàn cơ sở {cell.name}"))
        standings = {m.id: IntroducerStanding(m.id, m.recognized_on) for m in chosen}
        born = resolved - timedelta(days=int(rnd.triangular(18.2, 45, 24) * 365.25))
        person = self._people.person(born_between=(born, born))
        subordinate = cell.kind is Kind.SUBORDINATE_CELL
        vote = self._cell_vote(cell)
        committee = Resolution(resolved + timedelta(days=rnd.randint(3, (decided - resolved).days)),
                               self._committee_vote(cell)) if subordinate else None

        def admission() -> list[Member]:
            member = Member.open_candidacy(
                full_name=person.full_name, birth_date=person.birth_date, cell_id=cell.id,
                introducers=tuple(introducers), applied_on=resolved, citizen_id=person.citizen_id)
            member.pass_cell_resolution(Resolution(resolved, vote), standings=standings,
                                        provincial_authority=None, rules=rules.in_force(resolved))
            if committee is not None:
                member.pass_grassroots_resolution(committee, rules=rules.in_force(committee.on))
            member.decide_admission(self._decision(decided), received_on=decided, extended=False,
                                    needs_grassroots=subordinate, rules=rules.in_force(decided),
                                    calendar=calendar)
            member.hold_ceremony(ceremony, late_consent=None, rules=rules.in_force(ceremony),
                                 calendar=calendar)
            return [member]

        member = self._register.record(admission)
        self.members[member.id] = member
        self._plan_recognition(member)

    def _plan_recognition(self, member: Member) -> None:
        rnd = self._rnd
        assert member.ceremony_on is not None
        resolved = probation_end(member.ceremony_on) + timedelta(days=rnd.randint(1, 40))
        committee_on = resolved + timedelta(days=rnd.randint(3, 12))
        decided = committee_on + timedelta(days=rnd.randint(5, 25))
        fails = rnd.random() < self._rates.probation_not_met
        self._at(decided, lambda: self._recognize(member, resolved, committee_on, decided, fails))

    def _recognize(  # noqa: PLR0913
        self, member: Member, resolved: date, committee_on: date, decided: date, fails: bool,
    ) -> None:
        if member.status is not MemberStatus.PROBATIONARY:
            return
        cell = self._register.organization(member.cell_id)
        cell_vote = Resolution(resolved, self._cell_vote(cell))
        if fails:
            self._register.record(lambda: changed(member, member.strike_off(
                ground=StrikeOffGround.PROBATION_NOT_MET, decision=self._decision(decided),
                effective_on=decided, cell_resolution=cell_vote,
                rules=rules_in_force(self._policies.rules, decided))))
            return
        subordinate = cell.kind is Kind.SUBORDINATE_CELL
        committee = Resolution(committee_on, self._committee_vote(cell)) if subordinate else None
        self._register.record(lambda: changed(member, member.recognize_as_official(
            cell_resolution=cell_vote, grassroots_resolution=committee,
            needs_grassroots=subordinate,
            decision=self._decision(decided), effective_on=decided, extended=False,
            rules=self._policies.rules.in_force(resolved), calendar=self._policies.calendar)))

    # -- the annual review ----------------------------------------------------------------------

    def _review(self, organization: Organization, cells: list[Organization], day: date) -> None:
        """One decision rating every member of the organisation who can be rated that day; its
        rating book (per grassroots organisation and year) saved with it."""
        scheme = self._policies.schemes.for_year(day.year)
        rules = self._policies.rules.in_force(day)
        members = [self.members[i] for cell in cells for i, status in cell.roster.items()
                   if status in ("PROBATIONARY", "OFFICIAL")]
        least = rules.min_months_admitted_to_be_rated
        members = [m for m in members if day.year not in m.ratings  # rated before a move, not again
                   and m.ceremony_on and whole_months_between(m.ceremony_on, day) >= least]
        standings = {m.id: RatingStanding.of(m, day.year, day) for m in members}
        members = [m for m in members if not (standings[m.id].exempt or standings[m.id].suspended)]
        if not members:
            return
        lines = review_grades([standings[m.id].disciplined_in_year for m in members],
                              scheme.member_cap, scheme.points, self._rnd)
        decision = Decision(f"{next(self._numbers)}-QĐ/ĐU", day, f"Đảng ủy {organization.name}"
                            if organization.kind is Kind.GRASSROOTS_COMMITTEE else self._authority)

        def review() -> list[object]:
            for member, line in zip(members, lines, strict=True):
                member.rate(year=day.year, grade=line.grade, points=line.points, decided_on=day,
                            decision=decision, scheme=scheme, rules=rules,
                            counted_in=organization.id, standing=standings[member.id])
            book = AnnualRatingBook.open(organization.id, day.year)
            book.count({m.id: line.grade for m, line in zip(members, lines, strict=True)},
                       scheme.member_cap, day)
            return [*members, book]

        self._register.record(review)

    # -- the reform of 1 July 2025 ----------------------------------------------------------------

    def _two_tier(self) -> None:
        """A commune-level committee takes the area's grassroots organisations from the district."""
        province = self._above.province
        decision = Decision(f"{next(self._numbers)}-QĐ/TU", date(2025, 6, 27),
                            "Ban Thường vụ Tỉnh ủy")
        commune = self._register.record(lambda: [Organization.found(
            name=self._plan.commune, kind=Kind.COMMUNE_COMMITTEE, parent=province,
            effective_on=TWO_TIER, decision=decision)])
        for organization, _ in self.grassroots:
            self._register.record(lambda o=organization: changed(o, o.move_under(
                commune, parent_lineage=[commune.id, province.id], effective_on=TWO_TIER,
                decision=decision)))
        self._authority = f"Ban Thường vụ {self._plan.commune.replace('Đảng bộ', 'Đảng ủy')}"

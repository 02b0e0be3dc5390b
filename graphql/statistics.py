"""`statistics`: the figures committees publish, for the tenant or a subtree, now or as recorded
at a moment. Staff read them exactly (officers of their own subtrees); partner keys read only
the published table (``graphql/published``): members and member ratings on reference dates,
with small counts protected, and no flows."""

import datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

import anyio.to_thread
import strawberry
from strawberry import relay
from strawberry.types import Info

from partyledger.domain.member_exits import ExitKind as DomainExitKind
from partyledger.domain.organization_kinds import OrganizationKind as DomainKind
from partyledger.domain.rating_schemes import Grade, LegacyOrgGrade
from partyledger.domain.values import Label
from partyledger.graphql.context import Ledger, ledger
from partyledger.graphql.errors import BadInputError, NotFoundError
from partyledger.graphql.ids import uuid_of
from partyledger.graphql.members import MemberStatus
from partyledger.graphql.published import (
    NotPublishedError,
    published_table,
    reads_published_only,
    reference_date,
)
from partyledger.projections.member_changes import ACTIVE_STATUSES
from partyledger.projections.published_figures import GRADES
from partyledger.projections.statistics_queries import (
    AT_LEAST_GOOD,
    RatingDistribution,
    StatisticsQueries,
    share,
)
from partyledger.services.access import AccessDeniedError, Role

ROUNDING = "Percentages are rounded half up to two decimals (12.345 → 12.35)."

_GRADE_LABELS = {**{g.name: g.label for g in LegacyOrgGrade}, **{g.name: g.label for g in Grade}}
_EXIT_LABELS = {**{k.name: k.label for k in DomainExitKind}, "DECEASED": "Từ trần"}


@strawberry.enum(description="Whom a rating distribution counts.")
class RatingSubject(Enum):
    MEMBER = "MEMBER"
    CELL = strawberry.enum_value("CELL", description="Cells (chi bộ), grassroots or subordinate.")
    GRASSROOTS_ORGANIZATION = strawberry.enum_value(
        "GRASSROOTS_ORGANIZATION", description="Grassroots committees and grassroots cells.")


@strawberry.type(description="A count, and its share of each stated denominator (per cent).")
class Share:
    count: int | None = strawberry.field(description="Null when withheld from a partner key.")
    share_of_rated: Decimal | None = strawberry.field(description="Of those rated in the year.")
    share_of_eligible: Decimal | None = strawberry.field(
        description="Of all who could be rated: members probationary or official, or "
                    "organisations of the kind, standing on 31 December.")


@strawberry.type
class GradeCount(Share):
    grade: str = strawberry.field(description="EXCELLENT, GOOD, COMPLETED, NOT_COMPLETED "
                                  "(or the 2014 organisation grades for earlier years).")
    label: str


@strawberry.type(description="Grades given for a year, with both denominators.")
class RatingDistributionResult:
    year: int
    subject: RatingSubject
    grades: list[GradeCount]
    rated: int | None = strawberry.field(description="Denominator: subjects rated in the year.")
    eligible: int | None = strawberry.field(
        description="Denominator: all who could be rated, standing on 31 December.")
    at_least_good: Share = strawberry.field(description="EXCELLENT and GOOD together.")
    rounding: str = ROUNDING


@strawberry.type
class Admissions:
    start: datetime.date
    end: datetime.date
    count: int | None
    target: int | None
    share_of_target: Decimal | None = strawberry.field(description="Count of target, per cent.")
    met: bool | None
    rounding: str = ROUNDING


@strawberry.type
class ExitCount:
    kind: str = strawberry.field(description="STRUCK_OFF, EXPELLED, WITHDRAWN or DECEASED.")
    label: str
    count: int | None


@strawberry.type
class Exits:
    start: datetime.date
    end: datetime.date
    total: int | None
    by_kind: list[ExitCount]


@strawberry.type(description="A screening (rà soát, sàng lọc): members reviewed, and how the "
                 "cases concluded in the period ended.")
class Screenings:
    start: datetime.date
    end: datetime.date
    campaign: str | None
    reviewed: int | None
    removed: int | None = strawberry.field(description="Put out: struck off or expelled.")
    continue_monitoring: int | None = strawberry.field(description="Kept under monitoring.")
    cleared: int | None
    removed_share_of_reviewed: Decimal | None = strawberry.field(description="Per cent.")
    rounding: str = ROUNDING


@strawberry.type
class KindCount:
    kind: str
    label: str
    count: int


@strawberry.type
class OrganizationCounts:
    as_of: datetime.date
    total: int
    by_kind: list[KindCount]


@strawberry.type(description="Figures for the tenant, or for the subtree of `organizationId` "
                 "as it stood on the date each figure is about; as recorded at `knownAt`.")
class Statistics:
    organization_uuid: strawberry.Private[UUID | None]
    known_at: datetime.datetime | None
    published_only: strawberry.Private[bool] = False

    @strawberry.field(description="Grades given for `year` (corrections applied). Partner keys: "
                      "members' grades for the whole tenant, every grade listed, null where "
                      "withheld, shares only beside a count and denominator both shown.")
    async def rating_distribution(self, info: Info[Any, Any], year: int,
                                  subject: RatingSubject = RatingSubject.MEMBER) -> RatingDistributionResult:
        _year(year)
        day = datetime.date(year, 12, 31)
        if self.published_only:
            return await self._published_distribution(info, year, subject)
        found = await self._run(info, day, lambda q, orgs: q.rating_distribution(
            year, subject.value, orgs, self.known_at))
        return _distribution(found, subject)

    @strawberry.field(description="Members with one of `status` (default: probationary and "
                      "official) on `asOf`. Partner keys: probationary and official together, on "
                      "a quarter's end before today; null where withheld.")
    async def member_count(self, info: Info[Any, Any], as_of: datetime.date,
                           status: list[MemberStatus] | None = None) -> int | None:  # type: ignore[valid-type]
        statuses = tuple(s.name for s in status) if status else ACTIVE_STATUSES
        if self.published_only:
            if set(statuses) != set(ACTIVE_STATUSES):
                raise NotPublishedError("status", "members probationary and official together "
                                        "(status omitted)")
            table = await published_table(info, reference_date("asOf", as_of))
            return table.members(self.organization_uuid)
        n = await self._run(info, as_of, lambda q, orgs: q.member_count(as_of, statuses, orgs, self.known_at))
        return int(n)

    @strawberry.field(description="Admission decisions dated from `start` to `end`, both "
                      "included; against `target` when given (not for partner keys).")
    async def admissions(self, info: Info[Any, Any], start: datetime.date, end: datetime.date,
                         target: int | None = None) -> Admissions:
        _period(start, end)
        if target is not None and target < 1:
            raise BadInputError("target: a positive number of admissions")
        self._refuse_flows()
        n = await self._run(info, end, lambda q, orgs: q.admissions(start, end, orgs, self.known_at))
        return Admissions(start=start, end=end, count=n, target=target,
                          share_of_target=share(n, target) if target else None,
                          met=n >= target if target else None)

    @strawberry.field(description="Exits effective from `start` to `end`, both included, by "
                      "kind (not for partner keys).")
    async def exits(self, info: Info[Any, Any], start: datetime.date, end: datetime.date) -> Exits:
        _period(start, end)
        self._refuse_flows()
        found = await self._run(info, end, lambda q, orgs: q.exits(start, end, orgs, self.known_at))
        by_kind = [ExitCount(kind=k, label=label, count=found.get(k, 0))
                   for k, label in _EXIT_LABELS.items()]
        return Exits(start=start, end=end, total=sum(found.values()), by_kind=by_kind)

    @strawberry.field(description="Screenings: reviews dated from `start` to `end` (both "
                      "included), and outcomes of the cases concluded then (not for partner keys).")
    async def screenings(self, info: Info[Any, Any], start: datetime.date, end: datetime.date,
                         campaign: str | None = None) -> Screenings:
        _period(start, end)
        self._refuse_flows()
        campaign = Label.parse_optional(campaign, field="campaign")
        found = await self._run(info, end, lambda q, orgs: q.screenings(
            start, end, orgs, self.known_at, campaign))
        return Screenings(start=start, end=end, campaign=campaign,
                          reviewed=found.get("REVIEWED", 0), removed=found.get("REMOVED", 0),
                          continue_monitoring=found.get("CONTINUE_MONITORING", 0),
                          cleared=found.get("CLEARED", 0), removed_share_of_reviewed=share(
                              found.get("REMOVED", 0), found.get("REVIEWED", 0)))

    @strawberry.field(description="Organisations standing on `asOf`, by kind (partner keys "
                      "too: they read the tree itself).")
    async def organization_counts(self, info: Info[Any, Any], as_of: datetime.date) -> OrganizationCounts:
        found = await self._run(info, as_of, lambda q, orgs: q.organization_counts(as_of, orgs, self.known_at))
        return OrganizationCounts(as_of=as_of, total=sum(found.values()), by_kind=[
            KindCount(kind=k.name, label=k.label, count=found[k.name]) for k in DomainKind if k.name in found])

    def _refuse_flows(self) -> None:
        """Flows (admissions, exits, screenings) tie the published stocks together in ways the
        table cannot protect cheaply: partner keys do not read them."""
        if self.published_only:
            raise AccessDeniedError("partner keys do not read admissions, exits or screenings; "
                                    "they read member counts and member ratings on reference dates")

    async def _published_distribution(self, info: Info[Any, Any], year: int,
                                      subject: RatingSubject) -> RatingDistributionResult:
        if subject is not RatingSubject.MEMBER:
            raise NotPublishedError("subject", "the ratings of members (MEMBER)")
        if self.organization_uuid is not None:
            raise NotPublishedError("organizationId", "ratings for the whole tenant (no "
                                    "organizationId)")
        table = await published_table(info, reference_date("year", datetime.date(year, 12, 31)))
        rated, eligible = table.rated(), table.members(None)
        grades = [_grade(g, _share(table.grade(g), rated, eligible)) for g in GRADES]
        return RatingDistributionResult(
            year=year, subject=subject, grades=grades, rated=rated, eligible=eligible,
            at_least_good=_share(table.at_least_good(), rated, eligible))

    async def _run(self, info: Info[Any, Any], day: datetime.date, read: Any) -> Any:
        """``read(queries, organisations)`` with the subtree as it stood on ``day``."""
        context = ledger(info)
        queries = StatisticsQueries(context.roster.datastore)

        def work() -> Any:
            organizations = None
            if self.organization_uuid is not None:
                organizations = context.org_tree.subtree([self.organization_uuid], day, self.known_at)
            return read(queries, organizations)
        return await anyio.to_thread.run_sync(work)


def _distribution(found: RatingDistribution, subject: RatingSubject) -> RatingDistributionResult:
    grades = [_grade(grade, _share(n, found.rated, found.eligible))
              for grade, n in sorted(found.grades.items(), key=lambda item: _grade_order(item[0]))]
    good = sum(n for g, n in found.grades.items() if g in AT_LEAST_GOOD)
    return RatingDistributionResult(
        year=found.year, subject=subject, grades=grades, rated=found.rated,
        eligible=found.eligible, at_least_good=_share(good, found.rated, found.eligible))


def _share(n: int | None, rated: int | None, eligible: int | None) -> Share:
    """A count with its shares; a share shows only beside a count and a denominator both
    released (with either withheld, it would tell the other)."""
    def of(whole: int | None) -> Decimal | None:
        return share(n, whole) if n is not None and whole is not None else None
    return Share(count=n, share_of_rated=of(rated), share_of_eligible=of(eligible))


def _grade(grade: str, counted: Share) -> GradeCount:
    return GradeCount(grade=grade, label=_GRADE_LABELS.get(grade, grade), count=counted.count,
                      share_of_rated=counted.share_of_rated,
                      share_of_eligible=counted.share_of_eligible)


def _grade_order(grade: str) -> int:
    order = ["EXCELLENT", "CLEAN_STRONG", "GOOD", "COMPLETED", "NOT_COMPLETED", "WEAK"]
    return order.index(grade) if grade in order else len(order)


def _year(year: int) -> None:
    if not 1930 <= year <= 2200:
        raise BadInputError("year: a year of the party's life, 1930 or later")


def _period(start: datetime.date, end: datetime.date) -> None:
    if end < start:
        raise BadInputError("end: on or after start")


@strawberry.type
class StatisticsQuery:
    @strawberry.field(description="The published figures: for the tenant, or the subtree of "
                      "`organizationId` (officers: within their own subtrees). Partner keys read "
                      "the published table only, as recorded now (no `knownAt`); see each field.")
    async def statistics(self, info: Info[Any, Any], organization_id: relay.GlobalID | None = None,
                         known_at: datetime.datetime | None = None) -> Statistics:
        context = ledger(info)
        organization = uuid_of(organization_id, "Organization", "organizationId") if organization_id else None
        if known_at is not None and known_at.tzinfo is None:
            raise BadInputError("knownAt: a date-time with its offset, e.g. 2025-01-01T00:00:00+07:00")
        await anyio.to_thread.run_sync(_check_reader, context, organization)
        published_only = reads_published_only(info)
        if published_only and known_at is not None:
            raise NotPublishedError("knownAt", "the figures as recorded now (knownAt omitted)")
        return Statistics(organization_uuid=organization, known_at=known_at,
                          published_only=published_only)


def _check_reader(context: Ledger, organization: UUID | None) -> None:
    """Whole-tenant readers and partner keys read any figure of the tenant; officers only those
    of organisations in their subtrees. An organisation of another tenant is not found."""
    actor = context.actor
    context.register.check_tenant(actor)
    lineage = context.roster.lineage(organization) if organization is not None else []
    if lineage is None:
        raise NotFoundError("organizationId: no such organisation in this register")
    if actor.reads_whole_tenant or not actor.reads_personal_data:
        return
    if Role.OFFICER in actor.roles and set(lineage) & actor.organization_scope:
        return
    raise AccessDeniedError("statistics of organisations outside your subtrees")

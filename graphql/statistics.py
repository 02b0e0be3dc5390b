"""`statistics`: the figures committees publish, for the tenant or a subtree, now or as recorded
at a moment. Partner keys may read them; counts below the tenant's minimum cell size are
suppressed for them (null), as in `memberTally`."""

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
from partyledger.graphql.context import Ledger, ledger
from partyledger.graphql.errors import BadInputError, NotFoundError
from partyledger.graphql.ids import uuid_of
from partyledger.graphql.members import MemberStatus
from partyledger.graphql.security import minimum_cell_size
from partyledger.projections.member_changes import ACTIVE_STATUSES
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
    count: int | None = strawberry.field(description="Null when suppressed for a partner key.")
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

    @strawberry.field(description="Grades given for `year` (corrections applied).")
    async def rating_distribution(self, info: Info[Any, Any], year: int,
                                  subject: RatingSubject = RatingSubject.MEMBER) -> RatingDistributionResult:
        _year(year)
        day = datetime.date(year, 12, 31)
        found = await self._run(info, day, lambda q, orgs: q.rating_distribution(
            year, subject.value, orgs, self.known_at))
        return await _distribution(info, found, subject)

    @strawberry.field(description="Members with one of `status` (default: probationary and "
                      "official) on `asOf`.")
    async def member_count(self, info: Info[Any, Any], as_of: datetime.date,
                           status: list[MemberStatus] | None = None) -> int | None:  # type: ignore[valid-type]
        statuses = tuple(s.name for s in status) if status else ACTIVE_STATUSES
        n = await self._run(info, as_of, lambda q, orgs: q.member_count(as_of, statuses, orgs, self.known_at))
        return await _disclosed(info, n)

    @strawberry.field(description="Admission decisions dated from `start` to `end`, both "
                      "included; against `target` when given.")
    async def admissions(self, info: Info[Any, Any], start: datetime.date, end: datetime.date,
                         target: int | None = None) -> Admissions:
        _period(start, end)
        if target is not None and target < 1:
            raise BadInputError("target: a positive number of admissions")
        n = await self._run(info, end, lambda q, orgs: q.admissions(start, end, orgs, self.known_at))
        shown = await _disclosed(info, n)
        return Admissions(start=start, end=end, count=shown, target=target,
                          share_of_target=share(n, target) if target and shown is not None else None,
                          met=n >= target if target and shown is not None else None)

    @strawberry.field(description="Exits effective from `start` to `end`, both included, by kind.")
    async def exits(self, info: Info[Any, Any], start: datetime.date, end: datetime.date) -> Exits:
        _period(start, end)
        found = await self._run(info, end, lambda q, orgs: q.exits(start, end, orgs, self.known_at))
        by_kind = [ExitCount(kind=k, label=label, count=await _disclosed(info, found.get(k, 0)))
                   for k, label in _EXIT_LABELS.items()]
        return Exits(start=start, end=end, total=await _disclosed(info, sum(found.values())),
                     by_kind=by_kind)

    @strawberry.field(description="Screenings: reviews dated from `start` to `end` (both "
                      "included), and outcomes of the cases concluded then.")
    async def screenings(self, info: Info[Any, Any], start: datetime.date, end: datetime.date,
                         campaign: str | None = None) -> Screenings:
        _period(start, end)
        found = await self._run(info, end, lambda q, orgs: q.screenings(
            start, end, orgs, self.known_at, campaign))
        shown = {k: await _disclosed(info, found.get(k, 0))
                 for k in ("REVIEWED", "REMOVED", "CONTINUE_MONITORING", "CLEARED")}
        ratio = share(found.get("REMOVED", 0), found.get("REVIEWED", 0))
        return Screenings(start=start, end=end, campaign=campaign, reviewed=shown["REVIEWED"],
                          removed=shown["REMOVED"], continue_monitoring=shown["CONTINUE_MONITORING"],
                          cleared=shown["CLEARED"],
                          removed_share_of_reviewed=ratio if None not in shown.values() else None)

    @strawberry.field(description="Organisations standing on `asOf`, by kind.")
    async def organization_counts(self, info: Info[Any, Any], as_of: datetime.date) -> OrganizationCounts:
        found = await self._run(info, as_of, lambda q, orgs: q.organization_counts(as_of, orgs, self.known_at))
        return OrganizationCounts(as_of=as_of, total=sum(found.values()), by_kind=[
            KindCount(kind=k.name, label=k.label, count=found[k.name]) for k in DomainKind if k.name in found])

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


async def _distribution(info: Info[Any, Any], found: RatingDistribution,
                        subject: RatingSubject) -> RatingDistributionResult:
    grades = []
    for grade, n in sorted(found.grades.items(), key=lambda item: _grade_order(item[0])):
        counted = await _share(info, n, found)
        grades.append(GradeCount(grade=grade, label=_GRADE_LABELS.get(grade, grade),
                                 count=counted.count, share_of_rated=counted.share_of_rated,
                                 share_of_eligible=counted.share_of_eligible))
    good = sum(n for g, n in found.grades.items() if g in AT_LEAST_GOOD)
    return RatingDistributionResult(
        year=found.year, subject=subject, grades=grades,
        rated=await _disclosed(info, found.rated), eligible=await _disclosed(info, found.eligible),
        at_least_good=await _share(info, good, found))


async def _share(info: Info[Any, Any], n: int, found: RatingDistribution) -> Share:
    """A count with its shares; a suppressed count shows no shares either (they would tell it)."""
    if await _disclosed(info, n) is None:
        return Share(count=None, share_of_rated=None, share_of_eligible=None)
    return Share(count=n, share_of_rated=share(n, found.rated),
                 share_of_eligible=share(n, found.eligible))


def _grade_order(grade: str) -> int:
    order = ["EXCELLENT", "CLEAN_STRONG", "GOOD", "COMPLETED", "NOT_COMPLETED", "WEAK"]
    return order.index(grade) if grade in order else len(order)


async def _disclosed(info: Info[Any, Any], n: int) -> int | None:
    actor = ledger(info).actor
    minimum = 0 if actor.reads_personal_data else await minimum_cell_size(info)
    return actor.disclosed(n, minimum)  # type: ignore[no-any-return]


def _year(year: int) -> None:
    if not 1930 <= year <= 2200:
        raise BadInputError("year: a year of the party's life, 1930 or later")


def _period(start: datetime.date, end: datetime.date) -> None:
    if end < start:
        raise BadInputError("end: on or after start")


@strawberry.type
class StatisticsQuery:
    @strawberry.field(description="The published figures: for the tenant, or the subtree of "
                      "`organizationId` (officers: within their own subtrees).")
    async def statistics(self, info: Info[Any, Any], organization_id: relay.GlobalID | None = None,
                         known_at: datetime.datetime | None = None) -> Statistics:
        context = ledger(info)
        organization = uuid_of(organization_id, "Organization", "organizationId") if organization_id else None
        if known_at is not None and known_at.tzinfo is None:
            raise BadInputError("knownAt: a date-time with its offset, e.g. 2025-01-01T00:00:00+07:00")
        await anyio.to_thread.run_sync(_check_reader, context, organization)
        return Statistics(organization_uuid=organization, known_at=known_at)


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

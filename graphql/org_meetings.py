"""Meeting scores, the tenant's meeting frame and organisations' ratings in GraphQL.

``MeetingFields`` are fields of the Organization type; the Organization type is imported lazily
so that its module may import them.
"""

import datetime
from collections.abc import Callable
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import anyio.to_thread
import strawberry
from strawberry import relay
from strawberry.types import Info

from partyledger.domain import meeting_frames as frames
from partyledger.domain import org_meetings as meetings
from partyledger.domain.rating_schemes import Grade, LegacyOrgGrade
from partyledger.graphql.commands import DecisionInput, DecisionRecord, run_command
from partyledger.graphql.context import Ledger, ledger
from partyledger.graphql.contracts import (
    FreeText, IdempotencyKeyText, OptionalLabelText, checked_input,
)
from partyledger.graphql.errors import UserError
from partyledger.graphql.ids import uuid_of
from partyledger.graphql.ratings import RatingGrade
from partyledger.projections.roster_queries import OrganizationRow
from partyledger.services.register import Outcome

if TYPE_CHECKING:
    from partyledger.graphql.organizations import Organization

OrganizationNode = Annotated["Organization", strawberry.lazy("partyledger.graphql.organizations")]


def _labelled(name: str, domain: type[Enum], description: str) -> Any:
    values = {v.name: strawberry.enum_value(v.name, description=v.label) for v in domain}  # type: ignore[attr-defined]
    return strawberry.enum(Enum(name, values), description=description)  # type: ignore[misc]


MeetingGrade = _labelled("MeetingGrade", frames.MeetingGrade, "A monthly meeting's grade; each value's "
                         "description is its Vietnamese label.")
MeetingBody = _labelled("MeetingBody", meetings.MeetingBody, "Whose meeting: the cell's or its committee's.")
LegacyOrganizationGrade = _labelled("LegacyOrganizationGrade", LegacyOrgGrade,
                                    "Organisation grades of reviews before 2018 (HD 27-HD/BTCTW).")
CollectiveForcedReason = _labelled("CollectiveForcedReason", meetings.CollectiveForcedReason,
                                   "Why an organisation can only be rated NOT_COMPLETED.")
MissingMonths = strawberry.enum(
    Enum("MissingMonths", {m.name: strawberry.enum_value(m.name, description=m.value)  # type: ignore[misc]
                           for m in frames.MissingMonths}),
    description="How a month without a score counts in the year's average.")


# -- read types -------------------------------------------------------------------------------

@strawberry.type(description="One criterion of the meeting frame.")
class MeetingCriterion:
    name: str
    label: str
    max_points: float
    required_for_good: bool = strawberry.field(description="GOOD needs this criterion at its maximum.")


@strawberry.type(description="The frame monthly meetings are scored on, from a month on.")
class MeetingFrame:
    version: int = strawberry.field(description="0 is the default frame, never configured.")
    applies_from: str = strawberry.field(description="The first month scored with it (YYYY-MM).")
    total: float
    basis: str
    criteria: list[MeetingCriterion]

    @classmethod
    def of(cls, found: frames.FrameVersion) -> "MeetingFrame":
        criteria = [MeetingCriterion(name=c.name, label=c.label, max_points=float(c.max_points),
                                     required_for_good=c.required_for_good) for c in found.frame.criteria]
        return cls(version=found.version, applies_from=found.applies_from, total=float(found.frame.total),
                   basis=found.frame.basis, criteria=criteria)


@strawberry.type
class CriterionScore:
    criterion: str
    points: float


@strawberry.type(description="A month's meeting, scored.")
class MeetingScore:
    month: str
    body: MeetingBody  # type: ignore[valid-type]
    total: float
    out_of: float = strawberry.field(description="The frame's total.")
    grade: MeetingGrade  # type: ignore[valid-type]
    grade_label: str
    frame_version: int
    scored_on: datetime.date
    scores: list[CriterionScore]
    correction_reason: str | None

    @classmethod
    def of(cls, score: meetings.MeetingScore) -> "MeetingScore":
        return cls(month=score.month, body=MeetingBody[score.body.name], total=float(score.total),
                   out_of=float(score.out_of), grade=MeetingGrade[score.grade.name], grade_label=score.grade.label,
                   frame_version=score.frame_version, scored_on=score.scored_on,
                   scores=[CriterionScore(criterion=k, points=float(v)) for k, v in score.scores.items()],
                   correction_reason=score.correction_reason)


@strawberry.type(description="The year's meeting grade, from the monthly average.")
class AnnualMeetingGrade:
    year: int
    grade: MeetingGrade | None = strawberry.field(description="Null when no month counts.")  # type: ignore[valid-type]
    average: float | None = strawberry.field(description="In percent of the frames' totals, to 2 decimals.")
    months_counted: list[str]
    months_missing: list[str] = strawberry.field(description="Months the organisation existed with no score.")
    missing: MissingMonths  # type: ignore[valid-type]

    @classmethod
    def of(cls, found: frames.AnnualMeetingGrade) -> "AnnualMeetingGrade":
        return cls(year=found.year, grade=MeetingGrade[found.grade.name] if found.grade else None,
                   average=float(found.average) if found.average is not None else None,
                   months_counted=list(found.months_counted), months_missing=list(found.months_missing),
                   missing=MissingMonths[found.missing.name])


@strawberry.type(description="An organisation's annual rating (đánh giá, xếp loại tổ chức đảng).")
class OrganizationRating:
    year: int
    grade: RatingGrade = strawberry.field(description="In today's grades (a legacy grade by the dated mapping).")  # type: ignore[valid-type]
    legacy_grade: LegacyOrganizationGrade | None = strawberry.field(  # type: ignore[valid-type]
        description="The grade as given, for reviews before 2018.")
    grade_label: str = strawberry.field(description="The grade as its scheme names it, in Vietnamese.")
    points: float | None
    scheme: str = strawberry.field(description="The rating scheme: LEGACY_HD27, QD132, QD124, QD366.")
    decided_on: datetime.date
    forced_by: list[CollectiveForcedReason]  # type: ignore[valid-type]
    peer_group: str | None = strawberry.field(description="Whom its EXCELLENT was counted among.")
    decision: DecisionRecord | None
    correction_reason: str | None

    @classmethod
    def of(cls, rating: meetings.OrganizationRating) -> "OrganizationRating":
        legacy = rating.grade if isinstance(rating.grade, LegacyOrgGrade) else None
        return cls(year=rating.year, grade=RatingGrade[rating.current_grade.name],
                   legacy_grade=LegacyOrganizationGrade[legacy.name] if legacy else None,
                   grade_label=rating.grade.label, points=rating.points, scheme=rating.scheme,
                   decided_on=rating.decided_on, forced_by=[CollectiveForcedReason[r.name] for r in rating.forced_by],
                   peer_group=rating.peer_group, decision=DecisionRecord.of(rating.decision),
                   correction_reason=rating.correction_reason)


@strawberry.type
class MeetingFields:
    """Fields for the Organization type; the type provides ``organization_id``."""

    @strawberry.field(description="The monthly meeting scores of `year`, in month order.")
    async def meeting_scores(
        self, info: Info[Any, Any], year: int, body: MeetingBody = MeetingBody.CELL,  # type: ignore[valid-type,attr-defined]
    ) -> list[MeetingScore]:
        org = UUID(self.organization_id)  # type: ignore[attr-defined]
        found = await _held_read(info, org, lambda r, a: r.meeting_scores(
            a, org, year, meetings.MeetingBody[body.name]))  # type: ignore[attr-defined]
        return [MeetingScore.of(s) for s in found]

    @strawberry.field(description="The year's meeting grade from the monthly average (GOOD from 90). "
                      "Months after `through` are not counted: pass it for a year in progress.")
    async def annual_meeting_grade(  # noqa: PLR0913
        self, info: Info[Any, Any], year: int, body: MeetingBody = MeetingBody.CELL,  # type: ignore[valid-type,attr-defined]
        missing: MissingMonths | None = None, through: datetime.date | None = None,  # type: ignore[valid-type]
    ) -> AnnualMeetingGrade:
        policy = frames.MissingMonths[missing.name] if missing else None
        org = UUID(self.organization_id)  # type: ignore[attr-defined]
        found = await _held_read(info, org, lambda r, a: r.annual_meeting_grade(
            a, org, year, body=meetings.MeetingBody[body.name],  # type: ignore[attr-defined]
            missing=policy, through=through))
        return AnnualMeetingGrade.of(found)

    @strawberry.field(description="The annual ratings, by year (a correction replaces the year's rating).")
    async def ratings(self, info: Info[Any, Any]) -> list[OrganizationRating]:
        org = UUID(self.organization_id)  # type: ignore[attr-defined]
        found = await _held_read(info, org, lambda r, a: r.organization_ratings(a, org))
        return [OrganizationRating.of(r) for r in found]


@strawberry.type
class MeetingsQuery:
    @strawberry.field(description="The meeting frame in force in `month` (YYYY-MM).")
    async def meeting_frame(self, info: Info[Any, Any], month: str) -> MeetingFrame:
        return MeetingFrame.of(await _read(info, lambda c: c.register.meeting_frame_in_force(month)))

    @strawberry.field(description="Every meeting frame the tenant configured, in order.")
    async def meeting_frames(self, info: Info[Any, Any]) -> list[MeetingFrame]:
        return [MeetingFrame.of(v) for v in await _read(info, lambda c: c.register.meeting_frames())]


# -- commands ---------------------------------------------------------------------------------

@checked_input
class MeetingCriterionInput:
    name: str = strawberry.field(description="The key scores are given under, e.g. ATTENDANCE_RATE.")
    max_points: float
    required_for_good: bool = False
    label: OptionalLabelText = ""


@checked_input(description="The tenant's meeting frame from a month on (tenant administrators).")
class ConfigureMeetingFrameInput:
    criteria: list[MeetingCriterionInput] = strawberry.field(description="Their maxima add up to 100.")
    applies_from: str = strawberry.field(description="The first month it scores (YYYY-MM).")
    effective_on: datetime.date
    decision: DecisionInput | None = None
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class CriterionScoreInput:
    criterion: str
    points: float


@checked_input(description="A month's meeting of a cell or its committee, scored on the frame in force.")
class RecordMeetingScoreInput:
    organization_id: relay.GlobalID
    month: str = strawberry.field(description="The month of the meeting (YYYY-MM).")
    body: MeetingBody = MeetingBody.CELL  # type: ignore[valid-type,attr-defined]
    scores: list[CriterionScoreInput] = strawberry.field(description="One score per criterion of the frame.")
    effective_on: datetime.date
    correction_reason: FreeText | None = strawberry.field(default=None, description="Set to correct the month's score.")
    idempotency_key: IdempotencyKeyText | None = None


@checked_input(description="An organisation's rating for one year; the discipline of the year is given.")
class RateOrganizationInput:
    organization_id: relay.GlobalID
    year: int = strawberry.field(description="The year reviewed; its scheme is the one in force on 31 December.")
    grade: RatingGrade | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="The grade, for reviews from 2018.")
    legacy_grade: LegacyOrganizationGrade | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="The grade, for reviews before 2018.")
    points: float | None = strawberry.field(default=None, description="On the 100-point scale (from 2025).")
    effective_on: datetime.date
    decision: DecisionInput | None = None
    collective_disciplined: bool = strawberry.field(
        default=False, description="The leadership collective was disciplined in the year.")
    disciplined_subordinates: int = strawberry.field(
        default=0, description="Subordinate units disciplined in the year (more than 20 % forces NOT_COMPLETED).")
    subordinate_count: int = 0
    leadership_member_warned: bool = strawberry.field(
        default=False, description="A member of the leadership collective was warned or more (2019 guidance).")
    correction_reason: FreeText | None = strawberry.field(default=None, description="Set to correct the year's rating.")
    idempotency_key: IdempotencyKeyText | None = None


@strawberry.type
class ConfigureMeetingFramePayload:
    meeting_frame: MeetingFrame | None
    user_errors: list[UserError]
    position: str | None = strawberry.field(description="Log position to wait for in queries.")


@strawberry.type
class RecordMeetingScorePayload:
    meeting_score: MeetingScore | None
    organization: OrganizationNode | None
    user_errors: list[UserError]
    position: str | None = strawberry.field(description="Log position to wait for in queries.")


@strawberry.type
class RateOrganizationPayload:
    rating: OrganizationRating | None
    organization: OrganizationNode | None
    user_errors: list[UserError]
    position: str | None = strawberry.field(description="Log position to wait for in queries.")


@strawberry.type
class MeetingsMutation:
    @strawberry.mutation(description="Set the meeting frame from a month on (tenant administrators).")
    async def configure_meeting_frame(
        self, info: Info[Any, Any], input: ConfigureMeetingFrameInput,
    ) -> ConfigureMeetingFramePayload:
        outcome, errors = await run_command(info, input.idempotency_key, lambda c: c.register.configure_meeting_frame(
            c.actor, criteria=[frames.Criterion(i.name, Decimal(str(i.max_points)), i.required_for_good, i.label)
                               for i in input.criteria],
            applies_from=input.applies_from, effective_on=input.effective_on, decision=_decision(input.decision)))
        if outcome is None:
            return ConfigureMeetingFramePayload(meeting_frame=None, user_errors=errors, position=None)
        versions = await anyio.to_thread.run_sync(ledger(info).register.meeting_frames)
        found = max((v for v in versions if v.applies_from == input.applies_from), key=lambda v: v.version)
        return ConfigureMeetingFramePayload(meeting_frame=MeetingFrame.of(found), user_errors=[],
                                            position=str(outcome.position))

    @strawberry.mutation(description="Score a month's meeting of a cell or its committee (once a month; "
                         "a change is a correction with its reason).")
    async def record_meeting_score(
        self, info: Info[Any, Any], input: RecordMeetingScoreInput,
    ) -> RecordMeetingScorePayload:
        cell = uuid_of(input.organization_id, "Organization", "organizationId")
        body = meetings.MeetingBody[input.body.name]
        outcome, errors = await run_command(info, input.idempotency_key, lambda c: c.register.record_meeting_score(
            c.actor, organization_id=cell, month=input.month, scores=_scores(input.scores), body=body,
            effective_on=input.effective_on, correction_reason=input.correction_reason))
        if outcome is None:
            return RecordMeetingScorePayload(meeting_score=None, organization=None, user_errors=errors, position=None)
        organization = await anyio.to_thread.run_sync(ledger(info).register.organization, cell)
        return RecordMeetingScorePayload(
            meeting_score=MeetingScore.of(organization.meeting_scores[(body, input.month)]),
            organization=_node(organization), user_errors=[], position=str(outcome.position))

    @strawberry.mutation(description="Rate an organisation for a year (its superior rates); EXCELLENT is "
                         "capped within its peer group.")
    async def rate_organization(self, info: Info[Any, Any], input: RateOrganizationInput) -> RateOrganizationPayload:
        subject = uuid_of(input.organization_id, "Organization", "organizationId")
        outcome, errors = await run_command(info, input.idempotency_key, lambda c: _rate(c, subject, input))
        if outcome is None:
            return RateOrganizationPayload(rating=None, organization=None, user_errors=errors, position=None)
        organization = await anyio.to_thread.run_sync(ledger(info).register.organization, subject)
        return RateOrganizationPayload(rating=OrganizationRating.of(organization.ratings[input.year]),
                                       organization=_node(organization), user_errors=[],
                                       position=str(outcome.position))


def _rate(context: Ledger, subject: UUID, given: RateOrganizationInput) -> Outcome:
    modern, legacy = given.grade, given.legacy_grade
    grade: Grade | LegacyOrgGrade
    if modern is not None and legacy is None:
        grade = Grade[modern.name]
    elif legacy is not None and modern is None:
        grade = LegacyOrgGrade[legacy.name]
    else:
        msg = f"give either grade or legacyGrade (the scheme for {given.year} decides which)"
        raise meetings.OrgGradeNotInSchemeError(msg, field="grade")
    return context.register.rate_organization(
        context.actor, organization_id=subject, year=given.year, grade=grade, effective_on=given.effective_on,
        points=given.points, decision=_decision(given.decision), collective_disciplined=given.collective_disciplined,
        disciplined_subordinates=given.disciplined_subordinates, subordinate_count=given.subordinate_count,
        leadership_member_warned=given.leadership_member_warned, correction_reason=given.correction_reason)


def _scores(given: list[CriterionScoreInput]) -> dict[str, Decimal]:
    scores = {s.criterion: Decimal(str(s.points)) for s in given}
    if len(scores) != len(given):
        raise frames.MeetingScoreInvalidError("a criterion is scored twice", field="scores")
    return scores


def _decision(given: DecisionInput | None) -> Any:
    return given.to_domain() if given else None


def _node(organization: Any) -> "Organization":
    from partyledger.graphql.organizations import Organization  # noqa: PLC0415 (see the module's docstring)

    return Organization.of(OrganizationRow(
        organization_id=organization.id, name=organization.name, kind=organization.kind.name,
        parent_id=organization.parent_id, founded_on=organization.founded_on))


async def _read(info: Info[Any, Any], read: Callable[[Ledger], Any]) -> Any:
    context = ledger(info)
    return await anyio.to_thread.run_sync(read, context)


async def _held_read(
    info: Info[Any, Any], organization: UUID, read: Callable[[Any, Any], Any]
) -> Any:
    """A read of one organisation of a list: loaded with the list's others (``Ledger.read``)."""
    return await ledger(info).read(read, ids=[organization])


"""Monthly meeting scores of cells, the tenant's meeting frames, and organisations' annual ratings.

An organisation's rating is counted for the EXCELLENT cap in an ``AnnualRatingBook`` per (peer
group, year), saved in the same transaction as the rating; two raters in one peer group collide
on the book's version and the loser is re-run against the book the winner saved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from partyledger.domain.decision import Decision
from partyledger.domain.meeting_frames import (
    AnnualMeetingGrade,
    Criterion,
    FrameVersion,
    MeetingFrame,
    MeetingFrameSchedule,
    MissingMonths,
    frame_in_force,
    month_start,
)
from partyledger.domain.member_ratings import AnnualRatingBook
from partyledger.domain.org_meetings import (
    COLLECTIVE_FORCING,
    CollectiveForcing,
    CollectiveStanding,
    MeetingBody,
    MeetingScore,
    OrganizationRating,
    PeerGroup,
    PeerGrouping,
)
from partyledger.domain.organization import Organization, OrganizationKind
from partyledger.domain.rating_schemes import (
    RATING_SCHEMES,
    CapScope,
    Grade,
    LegacyOrgGrade,
    RatingScheme,
    RatingSchemeBook,
)
from partyledger.services.access import AccessDeniedError, Actor, Role
from partyledger.services.members import MemberRegister
from partyledger.services.register import Outcome


class MeetingRegister(MemberRegister):
    rating_schemes: RatingSchemeBook = RATING_SCHEMES
    """The same book the members' ratings read; a tenant may override its UNVERIFIED parts."""
    peer_grouping: PeerGrouping = PeerGrouping.KIND_UNDER_SUPERIOR
    collective_forcing: Mapping[str, CollectiveForcing] = COLLECTIVE_FORCING
    missing_meeting_months: MissingMonths = MissingMonths.COUNT_AS_ZERO

    # -- the frame ---------------------------------------------------------------------------

    def configure_meeting_frame(
        self, actor: Actor, *, criteria: Sequence[Criterion], applies_from: str, effective_on: date,
        decision: Decision | None = None,
    ) -> Outcome:
        """Set the tenant's meeting frame from a month on (tenant administrators)."""
        self.check_tenant(actor)
        actor.require(Role.TENANT_ADMIN)
        arguments = {k: v for k, v in locals().items() if k not in ("self", "actor")}

        def run() -> list[Any]:
            schedule = self.get_or_none(MeetingFrameSchedule.id_for(self.tenant), MeetingFrameSchedule)
            schedule = schedule or MeetingFrameSchedule.open(self.tenant)
            schedule.configure(MeetingFrame(tuple(criteria)), applies_from=applies_from,
                               effective_on=effective_on, decision=decision)
            return [schedule]

        return self.execute("configure_meeting_frame", arguments, run)

    def meeting_frames(self) -> tuple[FrameVersion, ...]:
        """Every frame configured, in the order configured (the default is version 0)."""
        schedule = self.get_or_none(MeetingFrameSchedule.id_for(self.tenant), MeetingFrameSchedule)
        return tuple(schedule.versions) if schedule else ()

    def meeting_frame_in_force(self, month: str) -> FrameVersion:
        month_start(month)
        return frame_in_force(self.meeting_frames(), month)

    # -- monthly meetings --------------------------------------------------------------------

    def record_meeting_score(  # noqa: PLR0913
        self, actor: Actor, *, organization_id: UUID, month: str, scores: Mapping[str, object],
        effective_on: date, body: MeetingBody = MeetingBody.CELL, correction_reason: str | None = None,
    ) -> Outcome:
        """Score a cell's (or its committee's) meeting of the month on the frame in force then."""
        arguments = {k: v for k, v in locals().items() if k not in ("self", "actor")}

        def run() -> list[Any]:
            cell = self.writable_organization(actor, organization_id)
            cell.record_meeting_score(month=month, scores=scores, frame=self.meeting_frame_in_force(month),
                                      effective_on=effective_on, body=body, correction_reason=correction_reason)
            return [cell]

        return self.execute("record_meeting_score", arguments, run)

    def meeting_scores(
        self, actor: Actor, organization_id: UUID, year: int, body: MeetingBody = MeetingBody.CELL,
    ) -> list[MeetingScore]:
        """The year's monthly scores of one body, in month order."""
        organization = self.readable_organization(actor, organization_id)
        found = [s for (b, m), s in organization.meeting_scores.items() if b is body and m.startswith(f"{year:04d}-")]
        return sorted(found, key=lambda s: s.month)

    def annual_meeting_grade(  # noqa: PLR0913
        self, actor: Actor, organization_id: UUID, year: int, *, body: MeetingBody = MeetingBody.CELL,
        missing: MissingMonths | None = None, through: date | None = None,
    ) -> AnnualMeetingGrade:
        """The year's meeting grade; months without a score count by the tenant's policy."""
        organization = self.readable_organization(actor, organization_id)
        return organization.annual_meeting_grade(year, body=body, missing=missing or self.missing_meeting_months,
                                                 through=through)

    # -- annual ratings ------------------------------------------------------------------------

    def rate_organization(  # noqa: PLR0913
        self, actor: Actor, *, organization_id: UUID, year: int, grade: Grade | LegacyOrgGrade,
        effective_on: date, points: float | None = None, decision: Decision | None = None,
        collective_disciplined: bool = False, disciplined_subordinates: int = 0, subordinate_count: int = 0,
        leadership_member_warned: bool = False, correction_reason: str | None = None,
    ) -> Outcome:
        """Rate an organisation for the year (the superior's body rates); EXCELLENT is capped in
        its peer group. The discipline of the year, which other records hold, is given: it
        forces NOT_COMPLETED."""
        arguments = {k: v for k, v in locals().items() if k not in ("self", "actor")}
        standing = CollectiveStanding(collective_disciplined, disciplined_subordinates, subordinate_count,
                                      leadership_member_warned)

        def run() -> list[Any]:
            organization, scheme = self.ratable_organization(actor, organization_id), self.rating_schemes.for_year(year)
            organization.rate(year=year, grade=grade, decided_on=effective_on, scheme=scheme, standing=standing,
                              forcing=self.collective_forcing[scheme.key], points=points, decision=decision,
                              correction_reason=correction_reason, peer_group=self.peer_group(organization, scheme))
            rating = organization.ratings[year]
            book = self.rating_book_of(rating.counted_in, year)  # type: ignore[arg-type]
            book.count({organization.id: rating.current_grade}, scheme.collective_cap, effective_on)
            return [organization, book]

        return self.execute("rate_organization", arguments, run)

    def organization_ratings(self, actor: Actor, organization_id: UUID) -> list[OrganizationRating]:
        """The organisation's rating in force for each year, by year."""
        organization = self.readable_organization(actor, organization_id)
        return [organization.ratings[y] for y in sorted(organization.ratings)]

    def peer_group(self, organization: Organization, scheme: RatingScheme) -> PeerGroup:
        """Whom the organisation's EXCELLENT is counted among, by the scheme's cap scope."""
        scope = scheme.collective_cap.scope if scheme.collective_cap else CapScope.PER_PEER_GROUP
        if scope is CapScope.PER_RATING_AUTHORITY:
            return PeerGroup(organization.parent_id)
        if scope is CapScope.PER_GRASSROOTS_ORG:
            return PeerGroup(self.grassroots_above(organization))
        sector = getattr(organization, "sector", None)
        return PeerGroup.of(organization.kind, organization.parent_id, sector.name if sector else None,
                            self.peer_grouping)

    def grassroots_above(self, organization: Organization) -> UUID | None:
        """The nearest grassroots committee above, or else the direct superior."""
        superior = organization.parent_id
        while superior is not None:
            above = self.organization(superior)
            if above.kind is OrganizationKind.GRASSROOTS_COMMITTEE:
                return above.id
            superior = above.parent_id
        return organization.parent_id

    def rating_book_of(self, scope_id: UUID, year: int) -> AnnualRatingBook:
        found: AnnualRatingBook | None = self.get_or_none(AnnualRatingBook.id_for(scope_id, year), AnnualRatingBook)
        return found or AnnualRatingBook.open(scope_id, year)

    # -- authority -----------------------------------------------------------------------------

    def writable_organization(self, actor: Actor, organization_id: UUID) -> Organization:
        """An organisation the actor records for: tenant administrators, officers in scope."""
        self.check_tenant(actor)
        actor.require(Role.TENANT_ADMIN, Role.OFFICER)
        organization = self.organization(organization_id, field="organizationId")
        self.check_covers(actor, organization)
        return organization

    def ratable_organization(self, actor: Actor, organization_id: UUID) -> Organization:
        """The rating is the superior's (HD 43): an officer must act for the superior's subtree."""
        self.check_tenant(actor)
        actor.require(Role.TENANT_ADMIN, Role.OFFICER)
        organization = self.organization(organization_id, field="organizationId")
        if organization.parent_id is None:
            actor.require(Role.TENANT_ADMIN)
        else:
            superior = self.organization(organization.parent_id)
            if not actor.covers(self.lineage(superior)):
                raise AccessDeniedError(f"organisation {organization.id} is rated by its superior, outside your scope")
        return organization

    def readable_organization(self, actor: Actor, organization_id: UUID) -> Organization:
        self.check_tenant(actor)
        return self.organization(organization_id, field="organizationId")

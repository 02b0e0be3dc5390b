"""The annual review of members (§2.12): ratings, with the EXCELLENT cap kept per scope.

The cap is counted in an ``AnnualRatingBook`` per (scope, year), saved in the same transaction
as the member's Rated event; two officers rating in one grassroots organisation at once collide
on the book's version, and the loser is re-run against the book the winner saved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from partyledger.domain.decision import Decision
from partyledger.domain.member import Member
from partyledger.domain.member_ratings import AlreadyRatedError, AnnualRatingBook, ForcedReason
from partyledger.domain.organization import Organization, OrganizationKind
from partyledger.domain.rating_schemes import RATING_SCHEMES, CapScope, Grade, RatingScheme, RatingSchemeBook
from partyledger.services.access import Actor
from partyledger.services.members import MemberRegister
from partyledger.services.register import Outcome

GRASSROOTS = (OrganizationKind.GRASSROOTS_COMMITTEE, OrganizationKind.GRASSROOTS_CELL)


@dataclass(frozen=True)
class MemberGrade:
    """One line of a grassroots organisation's rating decision."""

    member_id: UUID
    grade: Grade
    points: float | None = None
    forced_reason: ForcedReason | None = None


class RatingRegister(MemberRegister):
    rating_schemes: RatingSchemeBook = RATING_SCHEMES
    """The tenant's register may override the UNVERIFIED parts (e.g. the cap under QĐ 366)."""

    def rate_member(  # noqa: PLR0913
        self, actor: Actor, *, member_id: UUID, year: int, grade: Grade, effective_on: date,
        points: float | None = None, decision: Decision | None = None,
        forced_reason: ForcedReason | None = None, correction_reason: str | None = None,
    ) -> Outcome:
        """Rate a member for the year (or correct that rating, with a reason)."""
        line = MemberGrade(member_id, grade, points, forced_reason)
        arguments = {k: v for k, v in locals().items() if k not in ("self", "actor", "line")}
        return self.execute("rate_member", arguments, lambda: self._rate_lines(
            actor, [line], year=year, effective_on=effective_on, decision=decision,
            correction_reason=correction_reason))

    def rate_members(
        self, actor: Actor, *, year: int, lines: Sequence[MemberGrade], effective_on: date,
        decision: Decision | None = None,
    ) -> Outcome:
        """Record one rating decision for many members; the cap is checked on the whole of it."""
        arguments = {k: v for k, v in locals().items() if k not in ("self", "actor")}
        return self.execute("rate_members", arguments, lambda: self._rate_lines(
            actor, lines, year=year, effective_on=effective_on, decision=decision))

    def cap_scope(self, cell_id: UUID, scope: CapScope) -> UUID:
        """The organisation whose subtree a member's grade is counted in for the cap."""
        grassroots = self.grassroots_of(cell_id)
        if scope is CapScope.PER_RATING_AUTHORITY and grassroots.parent_id is not None:
            return grassroots.parent_id
        return grassroots.id

    def grassroots_of(self, cell_id: UUID) -> Organization:
        organization = self.organization(cell_id, field="cellId")
        while organization.kind not in GRASSROOTS and organization.parent_id is not None:
            organization = self.organization(organization.parent_id)
        return organization

    def rating_book(self, scope_id: UUID, year: int) -> AnnualRatingBook:
        found: AnnualRatingBook | None = self.get_or_none(AnnualRatingBook.id_for(scope_id, year), AnnualRatingBook)
        return found or AnnualRatingBook.open(scope_id, year)

    # -- the steps ---------------------------------------------------------------------------

    def _rate_lines(  # noqa: PLR0913
        self, actor: Actor, lines: Sequence[MemberGrade], *, year: int, effective_on: date,
        decision: Decision | None, correction_reason: str | None = None,
    ) -> list[Any]:
        scheme = self.rating_schemes.for_year(year)
        if len({line.member_id for line in lines}) != len(lines):
            raise AlreadyRatedError("a member appears twice in one rating decision", field="lines")
        members = [self.writable_member(actor, line.member_id) for line in lines]
        books: dict[UUID, AnnualRatingBook] = {}
        for member, line in zip(members, lines, strict=True):
            scope = self._scope_of(member, year, scheme)
            member.rate(year=year, grade=line.grade, points=line.points, decided_on=effective_on,
                        decision=decision, scheme=scheme, rules=self.rule_book.in_force(effective_on),
                        forced_reason=line.forced_reason, correction_reason=correction_reason,
                        counted_in=scope)
            books.setdefault(scope, self.rating_book(scope, year))
        for scope, book in books.items():
            book.count({m.id: m.ratings[year].grade for m in members if m.ratings[year].counted_in == scope},
                       scheme.member_cap, effective_on)
        return [*members, *books.values()]

    def _scope_of(self, member: Member, year: int, scheme: RatingScheme) -> UUID:
        """A correction is counted where the first rating was; a new rating in the member's
        grassroots organisation (or the rating authority's subtree, by policy)."""
        previous = member.ratings.get(year)
        if previous is not None and previous.counted_in is not None:
            return previous.counted_in
        scope = scheme.member_cap.scope if scheme.member_cap else CapScope.PER_GRASSROOTS_ORG
        return self.cap_scope(member.cell_id, scope)

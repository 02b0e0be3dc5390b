"""Inputs shared by several mutations: votes, resolutions, introducers."""

import datetime
from enum import Enum

import strawberry
from strawberry import relay

from partyledger.domain.member_state import Introducer, IntroducerKind as DomainIntroducerKind
from partyledger.domain.member_state import Resolution
from partyledger.domain.values import check_vote
from partyledger.domain.votes import VoteTally
from partyledger.graphql.contracts import CountInt, LabelText, checked_input
from partyledger.graphql.ids import uuid_of

IntroducerKind = strawberry.enum(
    Enum("IntroducerKind", {k.name: k.name for k in DomainIntroducerKind}),  # type: ignore[misc]
)


@checked_input(description="A full tally: thresholds are fractions of the eligible body.")
class VoteInput:
    in_favour: CountInt
    against: CountInt
    eligible: CountInt = strawberry.field(description="Official members of the voting body.")
    present: CountInt

    def check_contract(self, field: str) -> None:
        check_vote(in_favour=self.in_favour, against=self.against, present=self.present,
                   eligible=self.eligible, field=field)

    def to_domain(self) -> VoteTally:
        return VoteTally(self.in_favour, self.against, self.eligible, self.present)


@checked_input(description="A body's resolution (nghị quyết): its date and its vote.")
class ResolutionInput:
    on: datetime.date
    vote: VoteInput

    def to_domain(self) -> Resolution:
        return Resolution(self.on, self.vote.to_domain())


@checked_input
class IntroducerInput:
    kind: IntroducerKind = strawberry.field(default=IntroducerKind.OFFICIAL_MEMBER)  # type: ignore[valid-type]
    member_id: relay.GlobalID | None = None
    committee_name: LabelText | None = None
    together_since: datetime.date | None = strawberry.field(
        default=None, description="Since when the introducer has worked, studied or lived in the "
        "same unit as the applicant (12 months are required by the cell's vote).")

    def to_domain(self) -> Introducer:
        member = uuid_of(self.member_id, "Member", "introducers") if self.member_id else None
        return Introducer(DomainIntroducerKind[self.kind.name], member, self.committee_name,
                          self.together_since)

"""Party organisations: the tree that holds every member in a cell (DOMAIN.md §2.13).

The aggregate's parts live in their own modules (reorganisation, committee seats, meetings and
ratings); this module composes them and holds the founding event.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import event

from partyledger.domain.aggregate import RegisterAggregate
from partyledger.domain.decision import Decision
from partyledger.domain.org_committee import CommitteeSeats
from partyledger.domain.org_meetings import MeetingsAndRatings
from partyledger.domain.org_reorganisation import Reorganisation
from partyledger.domain.organization_kinds import (
    ALLOWED_PARENTS,
    OrganizationKind,
    check_parent_kind,
)


class Organization(Reorganisation, CommitteeSeats, MeetingsAndRatings, RegisterAggregate):  # type: ignore[misc]
    """A party organisation. Its identity is stable across later renames and moves."""

    class Founded(RegisterAggregate.Created):
        name: str
        kind: OrganizationKind
        parent_id: UUID | None
        effective_on: date
        decision: Decision | None

    @event(Founded)
    def __init__(
        self,
        *,
        name: str,
        kind: OrganizationKind,
        parent_id: UUID | None,
        effective_on: date,
        decision: Decision | None,
    ) -> None:
        self.name = name
        self.kind = kind
        self.parent_id = parent_id
        self.founded_on = effective_on
        self.decision = decision

    @classmethod
    def found(
        cls,
        *,
        name: str,
        kind: OrganizationKind,
        parent: Organization | None,
        effective_on: date,
        decision: Decision | None,
    ) -> Organization:
        check_parent_kind(kind, parent.kind if parent else None)
        parent_id = parent.id if parent else None
        return cls(
            name=name.strip(), kind=kind, parent_id=parent_id, effective_on=effective_on,
            decision=decision,
        )


__all__ = ["ALLOWED_PARENTS", "Organization", "OrganizationKind", "check_parent_kind"]

"""Party organisations: the tree that holds every member in a cell (DOMAIN.md §2.13).

The aggregate's parts live in their own modules (reorganisation, committee seats, meetings and
ratings); this module composes them and holds the founding event.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from partyledger.domain.aggregate import RegisterAggregate
from partyledger.domain.decision import Decision
from partyledger.domain.org_committee import CommitteeSeats
from partyledger.domain.org_meetings import MeetingsAndRatings
from partyledger.domain.org_reorganisation import OrganizationEndedError, Reorganisation, check_parent
from partyledger.domain.organization_kinds import (
    ALLOWED_PARENTS,
    GrassrootsOrgType,
    OrganizationKind,
    check_parent_kind,
)
from partyledger.domain.values import Label


class Organization(Reorganisation, CommitteeSeats, MeetingsAndRatings, RegisterAggregate):  # type: ignore[misc]
    """A party organisation. Its identity is stable across later renames and moves."""

    class Founded(RegisterAggregate.Created):
        """Version 2 added the sector and, for an organisation that continues others
        (consolidation, split), their ids."""

        class_version = 2

        name: str
        kind: OrganizationKind
        parent_id: UUID | None
        effective_on: date
        decision: Decision | None
        sector: GrassrootsOrgType | None
        predecessor_ids: list[UUID]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["sector"] = None
            state["predecessor_ids"] = []

    @event(Founded)
    def __init__(  # noqa: PLR0913
        self,
        *,
        name: str,
        kind: OrganizationKind,
        parent_id: UUID | None,
        effective_on: date,
        decision: Decision | None,
        sector: GrassrootsOrgType | None,
        predecessor_ids: list[UUID],
    ) -> None:
        self.name = name
        self.kind = kind
        self.parent_id = parent_id
        self.founded_on = self.changed_on = effective_on
        self.decision = decision
        self.sector = sector
        self.predecessor_ids = tuple(predecessor_ids)
        self.ended_on = None
        self.roster = {}
        self.children = set()
        self.successor_ids = ()

    @classmethod
    def found(  # noqa: PLR0913
        cls,
        *,
        name: str,
        kind: OrganizationKind,
        parent: Organization | None,
        effective_on: date,
        decision: Decision | None,
        sector: GrassrootsOrgType | None = None,
        predecessor_ids: tuple[UUID, ...] = (),
    ) -> Organization:
        """Nothing is founded under an ended organisation."""
        if parent is not None and parent.ended_on is not None:
            raise OrganizationEndedError(f"{parent.name} ended on {parent.ended_on}", field="parentId")
        check_parent(kind, parent.kind if parent else None, effective_on)
        return cls(
            name=Label.parse(name, field="name"), kind=kind,
            parent_id=parent.id if parent else None,
            effective_on=effective_on, decision=decision, sector=sector,
            predecessor_ids=list(predecessor_ids),
        )


__all__ = ["ALLOWED_PARENTS", "GrassrootsOrgType", "Organization", "OrganizationKind", "check_parent_kind"]

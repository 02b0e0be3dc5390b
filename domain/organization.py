"""Party organisations: the tree that holds every member in a cell (DOMAIN.md §2.13)."""

from __future__ import annotations

from datetime import date
from enum import Enum
from uuid import UUID

from eventsourcing.domain import event

from partyledger.domain.aggregate import RegisterAggregate
from partyledger.domain.decision import Decision
from partyledger.domain.errors import ParentKindNotAllowedError


class OrganizationKind(Enum):
    PROVINCIAL_ORGANIZATION = "Đảng bộ tỉnh/thành phố"
    DISTRICT_COMMITTEE = "Đảng bộ quận/huyện"
    COMMUNE_COMMITTEE = "Đảng bộ xã/phường/đặc khu"
    BLOC_COMMITTEE = "Đảng bộ khối"
    GRASSROOTS_COMMITTEE = "Đảng bộ cơ sở"
    SECTIONAL_COMMITTEE = "Đảng bộ bộ phận"
    GRASSROOTS_CELL = "Chi bộ cơ sở"
    SUBORDINATE_CELL = "Chi bộ trực thuộc"

    @property
    def label(self) -> str:
        return self.value

    @property
    def holds_members(self) -> bool:
        """Members belong to cells (chi bộ); every other kind holds organisations."""
        return self in (OrganizationKind.GRASSROOTS_CELL, OrganizationKind.SUBORDINATE_CELL)


K = OrganizationKind
_SUPERIORS = (K.PROVINCIAL_ORGANIZATION, K.DISTRICT_COMMITTEE, K.COMMUNE_COMMITTEE, K.BLOC_COMMITTEE)
ALLOWED_PARENTS: dict[OrganizationKind, tuple[OrganizationKind | None, ...]] = {
    K.PROVINCIAL_ORGANIZATION: (None,),
    K.DISTRICT_COMMITTEE: (K.PROVINCIAL_ORGANIZATION,),
    K.COMMUNE_COMMITTEE: (K.PROVINCIAL_ORGANIZATION,),
    K.BLOC_COMMITTEE: (K.PROVINCIAL_ORGANIZATION, K.DISTRICT_COMMITTEE),
    K.GRASSROOTS_COMMITTEE: _SUPERIORS,
    K.GRASSROOTS_CELL: _SUPERIORS,
    K.SECTIONAL_COMMITTEE: (K.GRASSROOTS_COMMITTEE,),
    K.SUBORDINATE_CELL: (K.GRASSROOTS_COMMITTEE, K.SECTIONAL_COMMITTEE),
}


def check_parent_kind(kind: OrganizationKind, parent_kind: OrganizationKind | None) -> None:
    if parent_kind not in ALLOWED_PARENTS[kind]:
        under = parent_kind.name if parent_kind else "the top of the tree"
        msg = f"a {kind.name} cannot be founded under {under}"
        raise ParentKindNotAllowedError(msg, field="parentId")


class Organization(RegisterAggregate):
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

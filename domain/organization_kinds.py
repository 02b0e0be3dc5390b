"""Kinds of party organisation and which kind may stand under which (DOMAIN.md §2.13.1)."""

from __future__ import annotations

from enum import Enum

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

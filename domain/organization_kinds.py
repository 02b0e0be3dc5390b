"""Kinds of party organisation, their sector types, and which kind may stand under which, by date
(DOMAIN.md §1.1, §2.13.1).

The parent/child policy is versioned like the rest of the rules: a founding or a move is judged by
the policy in force on its effective date. Before 1 Jul 2025 the district level exists; from then
on (QĐ 294-QĐ/TW, two-tier local government) commune, ward and special-zone committees are the
direct superiors of grassroots organisations and no district committee is founded or receives an
organisation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from partyledger.domain.labels import LabelledEnum
from partyledger.domain.errors import ParentKindNotAllowedError


class OrganizationKind(LabelledEnum):
    PROVINCIAL_ORGANIZATION = "Đảng bộ tỉnh/thành phố"
    DISTRICT_COMMITTEE = "Đảng bộ quận/huyện"
    COMMUNE_COMMITTEE = "Đảng bộ xã/phường/đặc khu"
    BLOC_COMMITTEE = "Đảng bộ khối"
    GRASSROOTS_COMMITTEE = "Đảng bộ cơ sở"
    SECTIONAL_COMMITTEE = "Đảng bộ bộ phận"
    GRASSROOTS_CELL = "Chi bộ cơ sở"
    SUBORDINATE_CELL = "Chi bộ trực thuộc"
    PARTY_GROUP = "Tổ đảng"

    @property
    def holds_members(self) -> bool:
        """Members belong to cells (chi bộ); every other kind holds organisations. A party
        group (tổ đảng) divides a cell's members without holding them."""
        return self in (OrganizationKind.GRASSROOTS_CELL, OrganizationKind.SUBORDINATE_CELL)

    @property
    def is_grassroots(self) -> bool:
        """A grassroots organisation (tổ chức cơ sở đảng): a grassroots committee or cell."""
        return self in (OrganizationKind.GRASSROOTS_COMMITTEE, OrganizationKind.GRASSROOTS_CELL)


class GrassrootsOrgType(LabelledEnum):
    """The sector a grassroots organisation belongs to (loại hình tổ chức cơ sở đảng)."""

    COMMUNE_WARD = "Xã, phường, đặc khu"
    ENTERPRISE = "Doanh nghiệp"
    ADMIN_AGENCY_PUBLIC_UNIT = "Cơ quan hành chính, đơn vị sự nghiệp"
    ARMED_FORCES = "Lực lượng vũ trang"
    OTHER = "Loại hình khác"


K = OrganizationKind
Parents = tuple[OrganizationKind | None, ...]


@dataclass(frozen=True)
class ParentPolicy:
    """Which kind may stand directly under which, from ``in_force_from`` until the next version.

    A kind missing from ``allowed`` cannot be founded or moved under anything while this version
    is in force; a kind in ``abolished`` existed under an earlier version and receives no
    organisation under this one.
    """

    regulation: str
    in_force_from: date
    allowed: Mapping[OrganizationKind, Parents]
    abolished: frozenset[OrganizationKind] = field(default_factory=frozenset)

    def allows(self, kind: OrganizationKind, parent_kind: OrganizationKind | None) -> bool:
        return parent_kind in self.allowed.get(kind, ())


_CELLS_UNDER_COMMITTEES: dict[OrganizationKind, Parents] = {
    K.SECTIONAL_COMMITTEE: (K.GRASSROOTS_COMMITTEE,),
    K.SUBORDINATE_CELL: (K.GRASSROOTS_COMMITTEE, K.SECTIONAL_COMMITTEE),
    K.PARTY_GROUP: (K.GRASSROOTS_CELL, K.SUBORDINATE_CELL),
}

FOUR_LEVELS = ParentPolicy(
    # The Charter's four levels; the earliest version, so it also judges older records.
    regulation="Điều lệ Đảng (bốn cấp)",
    in_force_from=date.min,
    allowed={
        K.PROVINCIAL_ORGANIZATION: (None,),
        K.DISTRICT_COMMITTEE: (K.PROVINCIAL_ORGANIZATION,),
        K.BLOC_COMMITTEE: (K.PROVINCIAL_ORGANIZATION, K.DISTRICT_COMMITTEE),
        K.GRASSROOTS_COMMITTEE: (K.PROVINCIAL_ORGANIZATION, K.DISTRICT_COMMITTEE, K.BLOC_COMMITTEE),
        K.GRASSROOTS_CELL: (K.PROVINCIAL_ORGANIZATION, K.DISTRICT_COMMITTEE, K.BLOC_COMMITTEE),
        **_CELLS_UNDER_COMMITTEES,
    },
)

TWO_TIER = ParentPolicy(
    regulation="QĐ 294-QĐ/TW",
    in_force_from=date(2025, 7, 1),
    allowed={
        K.PROVINCIAL_ORGANIZATION: (None,),
        K.COMMUNE_COMMITTEE: (K.PROVINCIAL_ORGANIZATION,),
        K.BLOC_COMMITTEE: (K.PROVINCIAL_ORGANIZATION,),
        K.GRASSROOTS_COMMITTEE: (K.PROVINCIAL_ORGANIZATION, K.COMMUNE_COMMITTEE, K.BLOC_COMMITTEE),
        K.GRASSROOTS_CELL: (K.PROVINCIAL_ORGANIZATION, K.COMMUNE_COMMITTEE, K.BLOC_COMMITTEE),
        **_CELLS_UNDER_COMMITTEES,
    },
    abolished=frozenset({K.DISTRICT_COMMITTEE}),
)

PARENT_POLICIES: tuple[ParentPolicy, ...] = (FOUR_LEVELS, TWO_TIER)

ALLOWED_PARENTS: Mapping[OrganizationKind, Parents] = PARENT_POLICIES[-1].allowed
"""The newest policy's table (in force since 1 Jul 2025)."""


def parent_policy(on: date | None = None) -> ParentPolicy:
    """The policy in force on ``on`` (today when ``None``)."""
    day = on or date.today()
    return max((p for p in PARENT_POLICIES if p.in_force_from <= day), key=lambda p: p.in_force_from)


def allowed_parents(kind: OrganizationKind, on: date | None = None) -> Parents:
    return parent_policy(on).allowed.get(kind, ())


def check_parent_kind(
    kind: OrganizationKind, parent_kind: OrganizationKind | None, on: date | None = None
) -> None:
    """Refuse ``kind`` directly under ``parent_kind`` (``None``: the top) on ``on`` (today when
    ``None``), with ``PARENT_KIND_NOT_ALLOWED``."""
    policy = parent_policy(on)
    if policy.allows(kind, parent_kind):
        return
    since = f"under {policy.regulation}" + (
        f" (in force from {policy.in_force_from.isoformat()})" if policy.in_force_from > date.min
        else " (before 2025-07-01)")
    if kind in policy.abolished:
        msg = f"{since} no {kind.name} may be founded: that level is abolished"
    elif parent_kind in policy.abolished:
        msg = f"{since} a {parent_kind.name} receives no organisation: that level is abolished"
    elif kind not in policy.allowed:
        msg = f"{since} there is no {kind.name} in the tree"
    else:
        under = parent_kind.name if parent_kind else "the top of the tree"
        msg = f"{since} a {kind.name} cannot stand under {under}"
    raise ParentKindNotAllowedError(msg, field="parentId")

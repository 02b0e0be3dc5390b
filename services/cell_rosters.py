"""Keeps the tree's bookkeeping in step with a command, inside the command's one save: each cell's
roster (the members whose cell it is, on a roster status) and each organisation's live children.

The aggregates a command changed are compared with the records they concern — a member's cell
now and any cell its unsaved events name; an organisation's parent now and the one it left —
and those records are brought in line. Each such record is saved with the change at its loaded
version, so two commands changing one cell at once conflict instead of losing an entry.

Records made before this bookkeeping existed have no roster or children entries. The next
change of such a member or organisation adds its entry; the register's reconcile commands add
them for a whole cell or organisation at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from partyledger.domain.member import Member
from partyledger.domain.organization import Organization

if TYPE_CHECKING:
    from partyledger.services.members import MemberRegister

A = TypeVar("A")


class Workset:
    """The aggregates one save will hold, each loaded once and shared by every step."""

    def __init__(self, register: MemberRegister, changed: Iterable[Any] = ()) -> None:
        self._register = register
        self._held: dict[UUID, Any] = {}
        self._given: list[Any] = [self.hold(a) for a in changed]

    def hold(self, aggregate: A) -> A:
        held: A = self._held.setdefault(aggregate.id, aggregate)  # type: ignore[attr-defined]
        return held

    def organization(self, organization_id: UUID, *, field: str = "organizationId") -> Organization:
        held = self._held.get(organization_id)
        if isinstance(held, Organization):
            return held
        return self.hold(self._register.organization(organization_id, field=field))

    def member(self, member_id: UUID) -> Member:
        held = self._held.get(member_id)
        if isinstance(held, Member):
            return held
        return self.hold(self._register.member(member_id))

    def lineage(self, organization: Organization) -> list[UUID]:
        """The organisation's id, then its parents' ids up to the root, as changed so far."""
        ids = [organization.id]
        while organization.parent_id is not None:
            organization = self.organization(organization.parent_id, field="parentId")
            ids.append(organization.id)
        return ids

    def settle(self) -> None:
        """Bring parents' children and cells' rosters in line with the changes held so far."""
        for org in [a for a in self._held.values() if isinstance(a, Organization)]:
            for parent_id in org.parents_concerned():
                parent = self.organization(parent_id, field="parentId")
                live = parent_id == org.parent_id and org.ended_on is None
                parent.note_child(org.id, live=live, effective_on=org.changed_on)
        for member in [a for a in self._held.values() if isinstance(a, Member)]:
            for cell_id, field in member.cells_entered().items():
                if (destination := self._known_cell(cell_id)) is not None:
                    destination.check_takes_members(field)
            status, on = member.roster_status(), member.pending_effective_on()
            for cell_id in member.cells_concerned():
                cell = self._known_cell(cell_id)
                if cell is not None:
                    cell.note_member(member.id, status if cell_id == member.cell_id else None, on)

    def changed(self, first: Any = None) -> list[Any]:
        """What the save holds: the aggregates given, then every other one with unsaved changes,
        with ``first`` (the command's subject) leading."""
        given = {id(a) for a in self._given}
        ordered = [*self._given, *(a for a in self._held.values()
                                   if id(a) not in given and a.pending_events)]
        if first is not None:
            ordered = [first, *(a for a in ordered if a is not first)]
        return ordered

    def _known_cell(self, cell_id: UUID) -> Organization | None:
        """A cell named by a member's events; one this register does not hold keeps no roster."""
        held = self._held.get(cell_id)
        if isinstance(held, Organization):
            return held
        found = self._register.get_or_none(cell_id, Organization)
        return self.hold(found) if found is not None else None

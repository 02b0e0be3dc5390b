"""Reorganising the organisation tree (DOMAIN.md §2.13.5), each command one save however many
organisations and members it touches; and the consequence every command of the register has
on the tree's bookkeeping (cell rosters, live children), recorded in that same save.

Only tenant administrators reorganise. Members of a merged, consolidated, split or re-kinded
cell move with ``MovedByReorganisation`` (no transfer letters); a moved organisation's members
stay in it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any
from uuid import UUID

from partyledger.domain.decision import Decision
from partyledger.domain.member_reorganised import MemberNotInCellError, ReorganisationKind
from partyledger.domain.org_reorganisation import (
    Allocation,
    KindsIncompatibleError,
    Merger,
    OrganizationHasChildrenError,
    OrganizationListedTwiceError,
    OrganizationNotUnderParentError,
    OrganizationUnchangedError,
    Successor,
    TooFewOrganizationsError,
)
from partyledger.domain.organization import Organization, OrganizationKind
from partyledger.services.access import Actor, Role
from partyledger.services.cell_rosters import Workset
from partyledger.services.members import MemberRegister
from partyledger.services.register import Outcome

Change = Callable[[Workset], Organization]


class ReorganisationRegister(MemberRegister):
    # -- every command --------------------------------------------------------------------------

    def with_consequences(self, changed: list[Any]) -> list[Any]:
        """Cells' rosters and parents' children follow what the command changed."""
        work = Workset(self, super().with_consequences(changed))
        work.settle()
        return work.changed()

    # -- reorganisation -------------------------------------------------------------------------

    def rename_organization(self, actor: Actor, *, organization_id: UUID, name: str,
                            effective_on: date, decision: Decision | None = None) -> Outcome:
        """Rename an organisation; its identity and members stay."""
        return self._reorganise("rename_organization", actor, locals(), lambda work: _did(
            work.organization(organization_id), lambda o: o.rename(
                name=name, effective_on=effective_on, decision=decision)))

    def move_organization(self, actor: Actor, *, organization_id: UUID, new_parent_id: UUID,
                          effective_on: date, decision: Decision | None = None) -> Outcome:
        """Place an organisation under another superior (received from / handed over); its
        members and children go with it."""
        def change(work: Workset) -> Organization:
            organization = work.organization(organization_id)
            parent = work.organization(new_parent_id, field="newParentId")
            organization.move_under(parent, parent_lineage=work.lineage(parent),
                                    effective_on=effective_on, decision=decision)
            return organization

        return self._reorganise("move_organization", actor, locals(), change)

    def merge_organizations(self, actor: Actor, *, mergers: Sequence[Merger], effective_on: date,
                            decision: Decision | None = None) -> Outcome:
        """Merge each merger's sources into its target (sáp nhập), all in one save: a cell's
        members move to the target cell, a committee's children to the target committee."""
        def change(work: Workset) -> Organization:
            _once([i for m in mergers for i in (*m.source_ids, m.target_id)], "sourceIds")
            pairs = [(work.organization(m.target_id, field="targetId"),
                      [work.organization(s, field="sourceIds") for s in _some(m.source_ids, 1)])
                     for m in _some(mergers, 1)]
            for target, sources in pairs:
                self._empty_into(work, sources, target, ReorganisationKind.MERGER, effective_on, decision)
            work.settle()
            for target, sources in pairs:
                target.absorb([s.id for s in sources], effective_on=effective_on, decision=decision)
                for source in sources:
                    source.merge_into(target.id, effective_on=effective_on, decision=decision)
            return pairs[0][0]

        return self._reorganise("merge_organizations", actor, locals(), change)

    def consolidate_organizations(  # noqa: PLR0913
        self, actor: Actor, *, source_ids: Sequence[UUID], name: str, kind: OrganizationKind,
        parent_id: UUID, effective_on: date, decision: Decision | None = None,
    ) -> Outcome:
        """Fuse several organisations into a new one (hợp nhất), which names them as its
        predecessors; the outcome's subject is the new organisation."""
        def change(work: Workset) -> Organization:
            sources = [work.organization(s, field="sourceIds") for s in _some(_once(source_ids, "sourceIds"), 2)]
            sectors = {s.sector for s in sources}
            new = work.hold(Organization.found(
                name=name, kind=kind, parent=work.organization(parent_id, field="parentId"),
                effective_on=effective_on, decision=decision,
                sector=sectors.pop() if len(sectors) == 1 else None, predecessor_ids=tuple(source_ids)))
            self._empty_into(work, sources, new, ReorganisationKind.CONSOLIDATION, effective_on, decision)
            work.settle()
            for source in sources:
                source.consolidate_into(new.id, effective_on=effective_on, decision=decision)
            return new

        return self._reorganise("consolidate_organizations", actor, locals(), change)

    def split_organization(  # noqa: PLR0913
        self, actor: Actor, *, organization_id: UUID, successors: Sequence[Successor],
        allocation: Allocation, effective_on: date, continues: bool = False,
        decision: Decision | None = None,
    ) -> Outcome:
        """Split an organisation (chia tách) into new ones under the same superior, allocating
        each member and child organisation to one of them (None: stays, when it continues)."""
        def change(work: Workset) -> Organization:
            organization = work.organization(organization_id)
            organization.check_open(effective_on)
            if len(successors) + continues < 2:
                raise TooFewOrganizationsError("a split makes at least two organisations", field="successors")
            organization.check_allocation(allocation, parts=len(successors), continues=continues)
            parent = work.organization(organization.parent_id) if organization.parent_id else None
            new = [self._successor(work, organization, s, parent, effective_on, decision) for s in successors]
            self._allocate(work, organization, new, allocation, ReorganisationKind.SPLIT, effective_on, decision)
            work.settle()
            organization.split_into([n.id for n in new], continues=continues, effective_on=effective_on,
                                    decision=decision)
            return organization

        return self._reorganise("split_organization", actor, locals(), change)

    def change_organization_kind(  # noqa: PLR0913
        self, actor: Actor, *, organization_id: UUID, kind: OrganizationKind, effective_on: date,
        decision: Decision | None = None, consent: Decision | None = None,
        subordinate_cells: Sequence[str] = (), allocation: Allocation = (),
    ) -> Outcome:
        """Turn a grassroots cell into a grassroots committee, founding ``subordinate_cells``
        under it and allocating its members to them; or a grassroots committee into a grassroots
        cell, merging its subordinate cells into it. Across the 30-member line it needs
        ``consent``."""
        def change(work: Workset) -> Organization:
            organization = work.organization(organization_id)
            parent = work.organization(organization.parent_id) if organization.parent_id else None
            organization.check_kind_change(kind, parent.kind if parent else None, effective_on)
            if kind.holds_members:
                self._into_cell(work, organization, kind, parent, consent, effective_on, decision)
            else:
                self._into_committee(work, organization, kind, parent, consent, subordinate_cells,
                                     allocation, effective_on, decision)
            return organization

        return self._reorganise("change_organization_kind", actor, locals(), change)

    def dissolve_organization(self, actor: Actor, *, organization_id: UUID, effective_on: date,
                              decision: Decision | None = None) -> Outcome:
        """Dissolve an organisation (giải thể); refused while a member or a live organisation is in it."""
        return self._reorganise("dissolve_organization", actor, locals(), lambda work: _did(
            work.organization(organization_id), lambda o: o.dissolve(
                effective_on=effective_on, decision=decision)))

    # -- repairing records made before the bookkeeping -----------------------------------------

    def reconcile_cell_roster(self, actor: Actor, *, cell_id: UUID, member_ids: Sequence[UUID],
                              effective_on: date) -> Outcome:
        """Enter on the cell's roster members recorded before rosters were kept; each member's
        own record must name the cell."""
        def change(work: Workset) -> Organization:
            cell = work.organization(cell_id, field="cellId")
            for member in [work.member(m) for m in member_ids]:
                if member.cell_id != cell.id:
                    raise MemberNotInCellError(f"member {member.id} is in another cell", field="memberIds")
                cell.note_member(member.id, member.roster_status(), effective_on)
            return _noted(cell)

        return self._reorganise("reconcile_cell_roster", actor, locals(), change)

    def reconcile_organization_children(self, actor: Actor, *, organization_id: UUID,
                                        child_ids: Sequence[UUID], effective_on: date) -> Outcome:
        """Enter as children organisations founded before children were kept; each child's own
        record must name this organisation as its parent."""
        def change(work: Workset) -> Organization:
            organization = work.organization(organization_id)
            for child in [work.organization(c, field="childIds") for c in child_ids]:
                if child.parent_id != organization.id:
                    raise OrganizationNotUnderParentError(f"{child.name} stands elsewhere", field="childIds")
                organization.note_child(child.id, live=child.ended_on is None, effective_on=effective_on)
            return _noted(organization)

        return self._reorganise("reconcile_organization_children", actor, locals(), change)

    # -- the steps --------------------------------------------------------------------------------

    def _reorganise(self, command: str, actor: Actor, given: dict[str, Any], change: Change) -> Outcome:
        self.check_tenant(actor)
        actor.require(Role.TENANT_ADMIN)
        arguments = {k: v for k, v in given.items() if k not in ("self", "actor", "change")}

        def run() -> list[Any]:
            work = Workset(self)
            subject = change(work)
            work.settle()
            return work.changed(first=subject)

        return self.execute(command, arguments, run)

    def _empty_into(self, work: Workset, sources: list[Organization], successor: Organization,  # noqa: PLR0913
                    reorganisation: ReorganisationKind, on: date, decision: Decision | None) -> None:
        """Move every member and child of ``sources`` to ``successor``; rosters and children
        follow, so the sources can end empty."""
        lineage = work.lineage(successor)
        for source in sources:
            source.check_joins(successor, successor_lineage=lineage, effective_on=on)
        for source in sources:
            everything = [(m, 0) for m in sorted(source.roster)] + [(c, 0) for c in sorted(source.children)]
            self._allocate(work, source, [successor], everything, reorganisation, on, decision)

    def _allocate(self, work: Workset, source: Organization, successors: list[Organization],  # noqa: PLR0913
                  allocation: Allocation, reorganisation: ReorganisationKind, on: date,
                  decision: Decision | None) -> None:
        lineages = [work.lineage(s) for s in successors]
        for key, index in allocation:
            if index is None:
                continue
            successor = successors[index]
            if key in source.children:
                work.organization(key).move_under(successor, parent_lineage=lineages[index],
                                                  effective_on=on, decision=decision)
            else:
                successor.check_takes_members(field="allocation")
                work.member(key).move_by_reorganisation(from_cell_id=source.id, to_cell_id=successor.id,
                                                        reorganisation=reorganisation, effective_on=on)

    def _successor(self, work: Workset, organization: Organization, successor: Successor,  # noqa: PLR0913
                   parent: Organization | None, on: date, decision: Decision | None) -> Organization:
        if successor.kind.holds_members != organization.kind.holds_members:
            msg = f"a {organization.kind.name} cannot split into a {successor.kind.name}"
            raise KindsIncompatibleError(msg, field="successors")
        return work.hold(Organization.found(
            name=successor.name, kind=successor.kind, parent=parent, effective_on=on, decision=decision,
            sector=organization.sector, predecessor_ids=(organization.id,)))

    def _into_cell(self, work: Workset, organization: Organization, kind: OrganizationKind,  # noqa: PLR0913
                   parent: Organization | None, consent: Decision | None, on: date,
                   decision: Decision | None) -> None:
        """A committee becomes a cell: its subordinate cells merge into it."""
        cells = [work.organization(c) for c in sorted(organization.children)]
        if any(not c.kind.holds_members for c in cells):
            msg = f"{organization.name} has organisations other than cells under it"
            raise OrganizationHasChildrenError(msg, field="organizationId")
        organization.change_kind(kind=kind, parent_kind=parent.kind if parent else None,
                                 members=sum(c.member_count() for c in cells), consent=consent,
                                 effective_on=on, decision=decision)
        self._empty_into(work, cells, organization, ReorganisationKind.KIND_CHANGE, on, decision)
        work.settle()
        if cells:
            organization.absorb([c.id for c in cells], effective_on=on, decision=decision)
        for cell in cells:
            cell.merge_into(organization.id, effective_on=on, decision=decision)

    def _into_committee(  # noqa: PLR0913
        self, work: Workset, organization: Organization, kind: OrganizationKind,
        parent: Organization | None, consent: Decision | None, names: Sequence[str],
        allocation: Allocation, on: date, decision: Decision | None,
    ) -> None:
        """A cell becomes a committee: its members go to subordinate cells founded under it."""
        organization.check_allocation(allocation, parts=len(names), continues=False)
        organization.change_kind(kind=kind, parent_kind=parent.kind if parent else None,
                                 members=organization.member_count(), consent=consent,
                                 effective_on=on, decision=decision)
        cells = [work.hold(Organization.found(
            name=n, kind=OrganizationKind.SUBORDINATE_CELL, parent=organization, effective_on=on,
            decision=decision, predecessor_ids=(organization.id,))) for n in names]
        self._allocate(work, organization, cells, allocation, ReorganisationKind.KIND_CHANGE, on, decision)


def _did(organization: Organization, change: Callable[[Organization], None]) -> Organization:
    change(organization)
    return organization


def _noted(organization: Organization) -> Organization:
    if not organization.pending_events:
        raise OrganizationUnchangedError(f"{organization.name}'s records list these already")
    return organization


def _once(ids: Sequence[UUID], field: str) -> Sequence[UUID]:
    if len(set(ids)) != len(ids):
        raise OrganizationListedTwiceError("an organisation appears twice in one reorganisation", field=field)
    return ids


def _some(items: Sequence[Any], at_least: int) -> Sequence[Any]:
    if len(items) < at_least:
        raise TooFewOrganizationsError(f"this needs at least {at_least} organisations", field="sourceIds")
    return items

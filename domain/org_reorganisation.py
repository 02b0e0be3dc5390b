"""Part of the Organization aggregate: reorganisation of the tree (DOMAIN.md §2.13.5), and the
bookkeeping that keeps the tree strongly consistent — each cell's roster and each
organisation's live children, recorded in the same save as the change that alters them.

An organisation ends when it is merged, consolidated, split without continuing, or dissolved;
an ended organisation accepts no further change and nothing may enter it. It can only end
empty: its members and children are moved (or allocated) first, in the same command.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from partyledger.domain.aggregate import RegisterAggregate
from partyledger.domain.decision import Decision
from partyledger.domain.errors import DateOrderError, DomainError, OrganizationNotCellError
from partyledger.domain.org_thresholds import Threshold, ThresholdConsents, figures_in_force
from partyledger.domain.organization_kinds import OrganizationKind, check_parent_kind
from partyledger.domain.values import Label

K = OrganizationKind
KIND_CHANGES = frozenset({(K.GRASSROOTS_CELL, K.GRASSROOTS_COMMITTEE),
                          (K.GRASSROOTS_COMMITTEE, K.GRASSROOTS_CELL)})
COUNTED = frozenset({"PROBATIONARY", "OFFICIAL"})


class OrganizationEndedError(DomainError):
    code = "ORGANIZATION_ENDED"


class OrganizationNotEmptyError(DomainError):
    code = "ORGANIZATION_NOT_EMPTY"


class OrganizationHasChildrenError(DomainError):
    code = "ORGANIZATION_HAS_CHILDREN"


class OrganizationNameRequiredError(DomainError):
    code = "ORGANIZATION_NAME_REQUIRED"


class OrganizationUnchangedError(DomainError):
    code = "ORGANIZATION_UNCHANGED"


class KindChangeNotAllowedError(DomainError):
    code = "KIND_CHANGE_NOT_ALLOWED"


class TreeCycleError(DomainError):
    code = "TREE_CYCLE"


class KindsIncompatibleError(DomainError):
    """Cells hold members and committees hold organisations: one cannot take the other's."""

    code = "REORGANISATION_KINDS_INCOMPATIBLE"


class OrganizationListedTwiceError(DomainError):
    code = "ORGANIZATION_LISTED_TWICE"


class TooFewOrganizationsError(DomainError):
    code = "TOO_FEW_ORGANIZATIONS"


class SplitAllocationIncompleteError(DomainError):
    code = "SPLIT_ALLOCATION_INCOMPLETE"


class OrganizationNotUnderParentError(DomainError):
    code = "ORGANIZATION_NOT_UNDER_PARENT"


@dataclass(frozen=True)
class Merger:
    """Sources merged into a target (sáp nhập); several mergers make one command."""

    source_ids: tuple[UUID, ...]
    target_id: UUID


@dataclass(frozen=True)
class Successor:
    """An organisation a split (or a cell's upgrade to a committee) founds."""

    name: str
    kind: OrganizationKind


Allocation = Sequence[tuple[UUID, int | None]]
"""Member (of a cell) or child (of a committee) → index of the successor; None stays put."""


def check_parent(kind: OrganizationKind, parent_kind: OrganizationKind | None, on: date) -> None:
    """The parent/child kind policy in force on ``on``."""
    check_parent_kind(kind, parent_kind, on)


class Reorganisation(ThresholdConsents):
    ended_on: date | None
    changed_on: date  # the latest effective date of the organisation's own record
    roster: dict[UUID, str]  # cells: member id → MemberStatus name
    children: set[UUID]  # the live organisations directly under this one
    successor_ids: tuple[UUID, ...]  # where it went: merger target, consolidation, split parts

    class _Change(RegisterAggregate.Event):
        effective_on: date
        decision: Decision | None

        def apply(self, org: Reorganisation) -> None:
            org.changed_on = self.effective_on
            self.change(org)

        def change(self, org: Reorganisation) -> None:
            pass

    class _Ending(_Change):
        def apply(self, org: Reorganisation) -> None:
            super().apply(org)
            org.ended_on = self.effective_on

    class Renamed(_Change):
        name: str

        def change(self, org: Reorganisation) -> None:
            org.name = self.name

    class KindChanged(_Change):
        kind: OrganizationKind
        consent: Decision | None

        def change(self, org: Reorganisation) -> None:
            org.kind = self.kind

    class MovedUnder(_Change):
        from_parent_id: UUID | None
        to_parent_id: UUID

        def change(self, org: Reorganisation) -> None:
            org.parent_id = self.to_parent_id

    class Absorbed(_Change):
        source_ids: list[UUID]

    class MergedInto(_Ending):
        target_id: UUID

        def change(self, org: Reorganisation) -> None:
            org.successor_ids = (self.target_id,)

    class ConsolidatedInto(_Ending):
        new_id: UUID

        def change(self, org: Reorganisation) -> None:
            org.successor_ids = (self.new_id,)

    class SplitInto(_Change):
        successor_ids: list[UUID]
        continues: bool

        def change(self, org: Reorganisation) -> None:
            org.ended_on = None if self.continues else self.effective_on
            org.successor_ids = (*org.successor_ids, *self.successor_ids)

    class Dissolved(_Ending):
        pass

    # -- roster and children: bookkeeping, dated by the change that causes it ------------------

    class MemberEntered(RegisterAggregate.Event):
        member_id: UUID
        status: str
        effective_on: date

        def apply(self, org: Reorganisation) -> None:
            org.roster[self.member_id] = self.status

    class MemberStatusNoted(RegisterAggregate.Event):
        member_id: UUID
        status: str
        effective_on: date

        def apply(self, org: Reorganisation) -> None:
            org.roster[self.member_id] = self.status

    class MemberLeft(RegisterAggregate.Event):
        member_id: UUID
        effective_on: date

        def apply(self, org: Reorganisation) -> None:
            org.roster.pop(self.member_id, None)

    class ChildAttached(RegisterAggregate.Event):
        child_id: UUID
        effective_on: date

        def apply(self, org: Reorganisation) -> None:
            org.children.add(self.child_id)

    class ChildDetached(RegisterAggregate.Event):
        child_id: UUID
        effective_on: date

        def apply(self, org: Reorganisation) -> None:
            org.children.discard(self.child_id)

    # -- commands ------------------------------------------------------------------------------

    def rename(self, *, name: str, effective_on: date, decision: Decision | None) -> None:
        self.check_open(effective_on)
        if not name.strip():
            raise OrganizationNameRequiredError("an organisation needs a name", field="name")
        name = Label.parse(name, field="name")
        if name == self.name:
            raise OrganizationUnchangedError(f"the organisation is named {self.name} already", field="name")
        self._trigger(self.Renamed, name=name, effective_on=effective_on, decision=decision)

    def check_kind_change(self, kind: OrganizationKind, parent_kind: OrganizationKind | None,
                          effective_on: date) -> None:
        self.check_open(effective_on)
        if kind is self.kind:
            raise OrganizationUnchangedError(f"{self.name} is a {kind.name} already", field="kind")
        if (self.kind, kind) not in KIND_CHANGES:
            msg = "only a grassroots cell and a grassroots committee change into each other"
            raise KindChangeNotAllowedError(msg, field="kind")
        check_parent(kind, parent_kind, effective_on)

    def change_kind(  # noqa: PLR0913
        self, *, kind: OrganizationKind, parent_kind: OrganizationKind | None, members: int,
        consent: Decision | None, effective_on: date, decision: Decision | None,
    ) -> None:
        """``members``: the members the organisation will count (probationary and official).
        Across the line between a grassroots cell and committee (§2.13.2) the superior's
        ``consent`` is required, and recorded with the threshold it lifts."""
        self.check_kind_change(kind, parent_kind, effective_on)
        line = figures_in_force(effective_on).grassroots_committee_min_members
        committee = kind is K.GRASSROOTS_COMMITTEE
        self.require_threshold(
            Threshold.GRASSROOTS_COMMITTEE_FROM_30 if committee else Threshold.GRASSROOTS_CELL_UNDER_30,
            met=(members >= line) == committee, consent=consent, effective_on=effective_on,
            message=f"a {kind.name} of {members} members")
        self._trigger(self.KindChanged, kind=kind, consent=consent, effective_on=effective_on,
                      decision=decision)

    def move_under(self, parent: Reorganisation, *, parent_lineage: Sequence[UUID],
                   effective_on: date, decision: Decision | None) -> None:
        """``parent_lineage``: the new parent's id and its ancestors' ids."""
        self.check_open(effective_on)
        parent.check_open(effective_on, field="newParentId")
        if parent_lineage[0] == self.parent_id:
            raise OrganizationUnchangedError(f"{self.name} is under it already", field="newParentId")
        if self.own_id in parent_lineage:
            raise TreeCycleError(f"{self.name} cannot stand under its own subtree", field="newParentId")
        check_parent(self.kind, parent.kind, effective_on)
        self._trigger(self.MovedUnder, from_parent_id=self.parent_id, to_parent_id=parent_lineage[0],
                      effective_on=effective_on, decision=decision)

    def check_joins(self, successor: Reorganisation, *, successor_lineage: Sequence[UUID],
                    effective_on: date) -> None:
        """Whether this organisation's members or children may go to ``successor``."""
        self.check_open(effective_on, field="sourceIds")
        successor.check_open(effective_on, field="targetId")
        if self.kind.holds_members != successor.kind.holds_members:
            msg = f"a {self.kind.name} cannot go into a {successor.kind.name}"
            raise KindsIncompatibleError(msg, field="targetId")
        if self.own_id in successor_lineage:
            raise TreeCycleError(f"{self.name} cannot go into its own subtree", field="targetId")

    def absorb(self, source_ids: list[UUID], *, effective_on: date, decision: Decision | None) -> None:
        self.check_open(effective_on, field="targetId")
        self._trigger(self.Absorbed, source_ids=source_ids, effective_on=effective_on, decision=decision)

    def merge_into(self, target_id: UUID, *, effective_on: date, decision: Decision | None) -> None:
        self._check_empty(effective_on, "sourceIds")
        self._trigger(self.MergedInto, target_id=target_id, effective_on=effective_on, decision=decision)

    def consolidate_into(self, new_id: UUID, *, effective_on: date, decision: Decision | None) -> None:
        self._check_empty(effective_on, "sourceIds")
        self._trigger(self.ConsolidatedInto, new_id=new_id, effective_on=effective_on, decision=decision)

    def check_allocation(self, allocation: Allocation, *, parts: int, continues: bool) -> None:
        """Every member and child organisation allocated exactly once, to one of ``parts``
        successors (or, when the organisation continues, left in it with None)."""
        held = set(self.roster) | self.children
        keys = [key for key, _ in allocation]
        wrong = [i for _, i in allocation if (i is None and not continues) or (i is not None and not 0 <= i < parts)]
        if len(set(keys)) != len(keys) or set(keys) != held or wrong:
            missing, extra = len(held - set(keys)), len(set(keys) - held)
            msg = (f"allocate each of the {len(held)} members and child organisations once to one of "
                   f"{parts} successors: {missing} missing, {extra} not here, "
                   f"{len(keys) - len(set(keys))} twice, {len(wrong)} to no successor")
            raise SplitAllocationIncompleteError(msg, field="allocation")

    def split_into(self, successor_ids: list[UUID], *, continues: bool, effective_on: date,
                   decision: Decision | None) -> None:
        if continues:
            self.check_open(effective_on)
        else:
            self._check_empty(effective_on)
        self._trigger(self.SplitInto, successor_ids=successor_ids, continues=continues,
                      effective_on=effective_on, decision=decision)

    def dissolve(self, *, effective_on: date, decision: Decision | None) -> None:
        self._check_empty(effective_on)
        self._trigger(self.Dissolved, effective_on=effective_on, decision=decision)

    # -- bookkeeping ---------------------------------------------------------------------------

    def note_member(self, member_id: UUID, status: str | None, effective_on: date) -> None:
        """Bring the roster entry of ``member_id`` to ``status`` (None: not on this roster)."""
        held = self.roster.get(member_id)
        if status == held:
            return
        if status is None:
            self._trigger(self.MemberLeft, member_id=member_id, effective_on=effective_on)
        elif held is None:
            self.check_takes_members()
            self._trigger(self.MemberEntered, member_id=member_id, status=status, effective_on=effective_on)
        else:
            self._trigger(self.MemberStatusNoted, member_id=member_id, status=status, effective_on=effective_on)

    def note_child(self, child_id: UUID, *, live: bool, effective_on: date) -> None:
        if live == (child_id in self.children):
            return
        if live and self.ended_on is not None:
            raise OrganizationEndedError(f"{self.name} ended on {self.ended_on}", field="parentId")
        event = self.ChildAttached if live else self.ChildDetached
        self._trigger(event, child_id=child_id, effective_on=effective_on)

    def check_takes_members(self, field: str = "cellId") -> None:
        if not self.kind.holds_members:
            raise OrganizationNotCellError(f"{self.name} is a {self.kind.name}; members belong to cells",
                                           field=field)
        if self.ended_on is not None:
            raise OrganizationEndedError(f"{self.name} ended on {self.ended_on}", field=field)

    def member_count(self) -> int:
        """Probationary and official members on the roster (the figure the thresholds use)."""
        return sum(1 for status in self.roster.values() if status in COUNTED)

    def parents_concerned(self) -> set[UUID]:
        """The organisations whose children the changes not yet saved may alter."""
        moved = Reorganisation.MovedUnder
        tree = (RegisterAggregate.Created, moved, Reorganisation._Ending, Reorganisation.SplitInto)
        pending = [e for e in self.pending_events if isinstance(e, tree)]  # type: ignore[attr-defined]
        named = {self.parent_id} | {e.from_parent_id for e in pending if isinstance(e, moved)}
        return {p for p in named if p is not None} if pending else set()

    def check_open(self, effective_on: date, field: str = "organizationId") -> None:
        if self.ended_on is not None:
            raise OrganizationEndedError(f"{self.name} ended on {self.ended_on}", field=field)
        if effective_on < self.changed_on:
            msg = f"{self.name}'s record runs to {self.changed_on}; a change cannot precede it"
            raise DateOrderError(msg, field="effectiveOn")

    def _check_empty(self, effective_on: date, field: str = "organizationId") -> None:
        self.check_open(effective_on, field)
        if self.roster:
            raise OrganizationNotEmptyError(f"{len(self.roster)} members are still in {self.name}", field=field)
        if self.children:
            msg = f"{len(self.children)} organisations still stand under {self.name}"
            raise OrganizationHasChildrenError(msg, field=field)

    @property
    def own_id(self) -> UUID:
        return self.id  # type: ignore[attr-defined,no-any-return]

    def _trigger(self, event: Any, **kwargs: Any) -> None:
        self.trigger_event(event, **kwargs)  # type: ignore[attr-defined]

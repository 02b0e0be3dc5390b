"""Part of the Member aggregate: moves made by a reorganisation of the tree, and what a cell's
roster needs to know about the member (DOMAIN.md §2.13.5, "no member may be left without a cell").

A member moved by a merger, consolidation, split or kind change of their cell carries no
transfer letter: the member's record says which reorganisation moved them.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from partyledger.domain.labels import LabelledEnum
from partyledger.domain.aggregate import RegisterAggregate
from partyledger.domain.errors import DomainError, StatusDoesNotAllowError
from partyledger.domain.member_state import MemberState, MemberStatus

ON_ROSTER = frozenset({MemberStatus.CANDIDATE, MemberStatus.ADMITTED_PENDING_CEREMONY,
                       MemberStatus.PROBATIONARY, MemberStatus.OFFICIAL})
"""The statuses a cell's roster lists; exited, deceased and closed candidacies leave it."""

_CELL_FIELDS = ("cell_id", "from_cell_id", "to_cell_id")


class MemberNotInCellError(DomainError):
    code = "MEMBER_NOT_IN_CELL"


class ReorganisationKind(LabelledEnum):
    MERGER = "Sáp nhập"
    CONSOLIDATION = "Hợp nhất"
    SPLIT = "Chia tách"
    KIND_CHANGE = "Chuyển đổi loại hình tổ chức đảng"


class Reorganised(MemberState):
    class MovedByReorganisation(RegisterAggregate.Event):
        """``reorganisation`` names a ``ReorganisationKind``."""

        from_cell_id: UUID
        to_cell_id: UUID
        reorganisation: str
        effective_on: date

        def apply(self, member: Reorganised) -> None:
            member.cell_id = self.to_cell_id

    def move_by_reorganisation(
        self, *, from_cell_id: UUID, to_cell_id: UUID, reorganisation: ReorganisationKind,
        effective_on: date,
    ) -> None:
        if self.cell_id != from_cell_id:
            msg = f"the member's cell is {self.cell_id}, not {from_cell_id}"
            raise MemberNotInCellError(msg, field="allocation")
        if self.status not in ON_ROSTER:
            raise StatusDoesNotAllowError(f"a {self.status.name} member is on no cell's roster")
        self.trigger_event(self.MovedByReorganisation, from_cell_id=from_cell_id,  # type: ignore[attr-defined]
                           to_cell_id=to_cell_id, reorganisation=reorganisation.name,
                           effective_on=effective_on)

    # -- what a roster needs to know --------------------------------------------------------

    def roster_status(self) -> str | None:
        """The status a roster lists the member under, or None when on no roster."""
        return self.status.name if self.status in ON_ROSTER else None

    def cells_concerned(self) -> set[UUID]:
        """The cells whose rosters the changes not yet saved may alter: the member's cell now
        and any cell those changes name. None when nothing is pending."""
        pending = self.pending_events  # type: ignore[attr-defined]
        if not pending:
            return set()
        named = {getattr(e, f, None) for e in pending for f in _CELL_FIELDS}
        return {c for c in named if isinstance(c, UUID)} | {self.cell_id}

    def cells_entered(self) -> dict[UUID, str]:
        """The cells the changes not yet saved send the member to, each with the input field
        that names it (a destination must be a live cell)."""
        entered = {}
        for event in self.pending_events:  # type: ignore[attr-defined]
            for name, field in (("to_cell_id", "toCellId"), ("cell_id", "cellId")):
                if isinstance(cell := getattr(event, name, None), UUID):
                    entered[cell] = field
        return entered

    def pending_effective_on(self) -> date:
        """The effective date of the latest change not yet saved (the day a roster changes)."""
        dates = [e.effective_on for e in self.pending_events  # type: ignore[attr-defined]
                 if isinstance(getattr(e, "effective_on", None), date)]
        return dates[-1] if dates else date.today()

"""One batch of events applied to the read side in memory, then written in bulk.

The roster, member versions, count deltas and statistics facts are derived together, event by
event in log order, from a member's state held here for the batch (loaded once per batch for
members seen before). The tables are written at the end with a few bulk statements: a
statement per event caps a rebuild at a few thousand events a second.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from partyledger.domain.discipline_rules import DisciplineAppealOutcome
from partyledger.domain.member_discipline import Discipline
from partyledger.domain.member_ratings import Ratings
from partyledger.domain.member_screening import Screening
from partyledger.domain.org_meetings import MeetingsAndRatings
from partyledger.domain.organization import Organization
from partyledger.projections.column_values import text
from partyledger.projections.member_changes import (
    Change,
    admission_date,
    exit_kind,
)
from partyledger.projections.member_versions import deltas, record_at, versions


@dataclass
class Head:
    """A member as the roster shows them now: the fold of every change recorded so far."""

    member_id: UUID
    record: dict[str, Any]
    organization_path: list[UUID]
    recorded_at: datetime
    position: int
    last_effective_on: date
    discipline_form: str | None = None
    disciplines: dict[int, str] = field(default_factory=dict)
    """Active disciplines by reference (the imposing event's version); the latest one shows."""
    new: bool = False  # not yet in the table
    dirty: bool = False  # changed since read or written


@dataclass
class Rows:
    """What a batch writes."""

    organizations: dict[UUID, dict[str, Any]] = field(default_factory=dict)
    heads: dict[UUID, Head] = field(default_factory=dict)
    changes: list[tuple[Any, ...]] = field(default_factory=list)
    versions: list[tuple[Any, ...]] = field(default_factory=list)
    deltas: list[tuple[Any, ...]] = field(default_factory=list)
    counts: dict[tuple[Any, str], int] = field(default_factory=dict)
    ratings: list[tuple[Any, ...]] = field(default_factory=list)
    rating_counts: dict[tuple[int, str, Any, str], int] = field(default_factory=dict)
    admissions: list[tuple[Any, ...]] = field(default_factory=list)
    exits: list[tuple[Any, ...]] = field(default_factory=list)
    screenings: list[tuple[Any, ...]] = field(default_factory=list)


class Store:
    """What the batch reads from the tables (the view implements it)."""

    def heads(self, member_ids: list[UUID]) -> dict[UUID, Head]: ...
    def changes(self, member_id: UUID) -> list[Change]: ...
    def cells(self, member_ids: list[UUID]) -> dict[UUID, UUID]: ...
    def organizations(self, organization_ids: list[UUID]) -> dict[UUID, dict[str, Any]]: ...
    def supersede_rating(self, subject_id: UUID, year: int) -> tuple[str, str, Any] | None: ...


class Batch:
    def __init__(self, store: Store, write: Callable[[Rows], None]) -> None:
        self.store = store
        self.rows = Rows()
        self._write = write
        self._pending_changes: dict[UUID, list[Change]] = {}
        self._org_cache: dict[UUID, dict[str, Any] | None] = {}
        self._cells: dict[UUID, UUID] = {}  # members of whom only the cell is read

    def flush(self) -> None:
        """Write what is pending (members stay held, to be written again when changed)."""
        self._write(self.rows)
        for head in self.rows.heads.values():
            head.new = head.dirty = False
        self.rows = Rows(heads=self.rows.heads)
        self._pending_changes.clear()

    def forget(self) -> None:
        """Drop what is held, after a flush: an organisation changed in SQL makes it stale."""
        self.rows = Rows()
        self._org_cache.clear()

    def prefetch(self, member_ids: Sequence[UUID], cells_of: Sequence[UUID] = ()) -> None:
        """Read the rows of ``member_ids``, and only the cells of ``cells_of``."""
        missing = [m for m in member_ids if m not in self.rows.heads]
        if missing:
            self.rows.heads.update(self.store.heads(missing))
        if cells_of:
            self._cells.update(self.store.cells(list(cells_of)))

    # -- organisations ---------------------------------------------------------------------

    def organization(self, organization_id: UUID | None) -> dict[str, Any] | None:
        if organization_id is None:
            return None
        if organization_id in self.rows.organizations:
            return self.rows.organizations[organization_id]
        if organization_id not in self._org_cache:
            self.prefetch_organizations([organization_id])
        return self._org_cache[organization_id]

    def prefetch_organizations(self, organization_ids: list[UUID]) -> None:
        missing = [o for o in organization_ids
                   if o not in self._org_cache and o not in self.rows.organizations]
        if missing:
            found = self.store.organizations(missing)
            self._org_cache.update({o: found.get(o) for o in missing})

    def found(self, e: Organization.Founded, position: int) -> None:
        parent = self.organization(e.parent_id)
        path = [*(parent["path"] if parent else []), e.originator_id]
        self.rows.organizations[e.originator_id] = {
            "organization_id": e.originator_id, "name": text(e.name), "kind": e.kind.name,
            "parent_id": e.parent_id, "path": path, "founded_on": e.effective_on,
            "position": position}

    # -- members ---------------------------------------------------------------------------

    def member(self, e: Any, change: Change | None, position: int) -> None:
        """Apply a member event; ``change`` is what it changes in the record (``change_of``)."""
        if change is None and not isinstance(e, READ_WITH_THE_MEMBER):
            return  # the roster shows nothing of it
        member_id: UUID = e.originator_id
        head = self.rows.heads.get(member_id)
        if head is None and not (change is not None and change.opens) and member_id not in self._cells:
            self.prefetch([member_id])  # not read first: dropped by ``forget``
            head = self.rows.heads.get(member_id)
        if head is None and change is None and isinstance(e, Ratings.Rated):
            if (cell := self._cells.get(member_id)) is not None:
                self._rated(e, "MEMBER", cell, position)
            return
        if change is not None:
            old = head.record if head else None
            head = self._changed(member_id, head, change, e.timestamp, position)
            self._count_exit_and_admission(e, old, head, position)
            if head is not None:
                head.dirty, head.position = True, position
        if head is None:
            return
        if isinstance(e, Ratings.Rated):
            self._rated(e, "MEMBER", head.record["organization_id"], position)
        elif isinstance(e, Discipline.DisciplineImposed | Discipline.DisciplineAppealResolved
                        | Discipline.DisciplineLapsed):
            self._disciplined(head, e)
            head.dirty, head.position = True, position
        elif isinstance(e, Screening.ScreeningReviewed | Screening.ScreeningConcluded):
            reviewed = isinstance(e, Screening.ScreeningReviewed)
            self.rows.screenings.append((
                member_id, e.cell_id, e.campaign, "REVIEWED" if reviewed else "CONCLUDED",
                None if reviewed else e.outcome.name, e.effective_on, e.timestamp, position))

    def _changed(self, member_id: UUID, head: Head | None, change: Change, at: datetime,
                 position: int) -> Head | None:
        if head is None and not change.opens:
            return None  # a record the roster never opened (events of an earlier release)
        pending = self._pending_changes.setdefault(member_id, [])
        in_order = head is None or change.effective_on >= head.last_effective_on
        if change.opens and head is None:
            record = dict(change.sets)
            found, moved = [(change.effective_on, record)], [((record["organization_id"], record["status"]), change.effective_on, 1)]
        elif in_order:
            assert head is not None
            record = {**head.record, **change.sets} if not change.opens else dict(change.sets)
            found = [(change.effective_on, record)]
            before, after = _key(head.record), _key(record)
            moved = [] if before == after else [(before, change.effective_on, -1), (after, change.effective_on, 1)]
        else:  # back-dated: the member's whole history of changes decides
            assert head is not None
            history = [*self.store.changes(member_id), *pending]
            everything = [*history, change]
            found = [(v.valid_from, v.record) for v in versions(everything)]
            moved = deltas(everything)
            record = record_at(everything, None) or head.record
        pending.append(change)
        self.rows.changes.append((member_id, position, change.effective_on, at, change.opens, change.sets))
        for valid_from, version in found:
            self.rows.versions.append((member_id, position, valid_from, at, version))
        for (cell, status), day, step in moved:
            self.rows.deltas.append((cell, status, day, at, step))
        if head is None:
            cell = self.organization(record["organization_id"])
            head = Head(member_id, record, cell["path"] if cell else [], at, position,
                        change.effective_on, new=True)
            self.rows.heads[member_id] = head
            _count(self.rows.counts, None, record)
        else:
            _count(self.rows.counts, head.record, record)
            if record["organization_id"] != head.record["organization_id"]:
                cell = self.organization(record["organization_id"])
                head.organization_path = cell["path"] if cell else []
            head.record = record
            head.last_effective_on = max(head.last_effective_on, change.effective_on)
        return head

    def _count_exit_and_admission(self, e: Any, old: dict[str, Any] | None, head: Head | None,
                                  position: int) -> None:
        if head is None:
            return
        if (on := admission_date(e)) is not None:
            self.rows.admissions.append((head.member_id, head.record["organization_id"], on,
                                         e.timestamp, position))
        if (kind := exit_kind(e)) is not None:
            cell = (old or head.record)["organization_id"]
            self.rows.exits.append((head.member_id, cell, kind, e.effective_on, e.timestamp, position))

    def _disciplined(self, head: Head, e: Any) -> None:
        if isinstance(e, Discipline.DisciplineImposed):
            head.disciplines[e.originator_version] = e.form.name
        elif isinstance(e, Discipline.DisciplineLapsed):
            head.disciplines.pop(e.discipline_ref, None)
        elif e.outcome is DisciplineAppealOutcome.ANNULLED:
            head.disciplines.pop(e.discipline_ref, None)
        elif e.outcome is DisciplineAppealOutcome.CHANGED and e.new_form is not None:
            head.disciplines[e.discipline_ref] = e.new_form.name
        head.discipline_form = head.disciplines[max(head.disciplines)] if head.disciplines else None

    # -- ratings ---------------------------------------------------------------------------

    def organization_rated(self, e: MeetingsAndRatings.Rated, position: int) -> None:
        organization = self.organization(e.originator_id)
        kind = organization["kind"] if organization else "UNKNOWN"
        self._rated(e, kind, e.originator_id, position)

    def _rated(self, e: Any, subject_kind: str, organization_id: Any, position: int) -> None:
        if e.corrects is not None:
            self.flush()
            superseded = self.store.supersede_rating(e.originator_id, e.year)
            if superseded is not None:
                grade, kind, organization = superseded
                key = (e.year, kind, organization, grade)
                self.rows.rating_counts[key] = self.rows.rating_counts.get(key, 0) - 1
        self.rows.ratings.append((e.originator_id, subject_kind, e.year, e.grade.name, e.scheme,
                                  organization_id, e.effective_on, e.timestamp, position))
        key = (e.year, subject_kind, organization_id, e.grade.name)
        self.rows.rating_counts[key] = self.rows.rating_counts.get(key, 0) + 1


def _key(record: dict[str, Any]) -> tuple[Any, str]:
    return record["organization_id"], record["status"]


def _count(counts: dict[tuple[Any, str], int], old: dict[str, Any] | None, new: dict[str, Any]) -> None:
    if old is not None:
        counts[_key(old)] = counts.get(_key(old), 0) - 1
    counts[_key(new)] = counts.get(_key(new), 0) + 1


READ_WITH_THE_MEMBER = (Ratings.Rated, Discipline.DisciplineImposed,
                         Discipline.DisciplineAppealResolved, Discipline.DisciplineLapsed,
                         Screening.ScreeningReviewed, Screening.ScreeningConcluded)
"""Events that change nothing in the record but are read with it (the cell a rating counts in)."""


def needs_member(e: Any, change: Change | None) -> bool:
    """Whether applying ``e`` reads the member's roster row (not for the event opening it)."""
    return (change is not None and not change.opens) or isinstance(e, READ_WITH_THE_MEMBER)

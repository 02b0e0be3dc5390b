"""A member's record on both time axes, as rows that only ever get inserted.

For a change ``k`` recorded at ``t`` the record as of date ``D`` as known at ``T >= t`` is the
fold of changes ``0..k`` effective by ``D`` — until a later change is recorded. So each change
writes one *version* per stretch of valid time it shapes: from its own effective date, and from
each later effective date of the changes recorded before it (a back-dated change reshapes them;
an in-order change writes exactly one version). The record as of ``D`` known at ``T`` is the
version, among those with ``valid_from <= D`` and ``recorded_at <= T``, of the latest change,
with the latest ``valid_from``: one ``DISTINCT ON`` query, no updates, no deletes.

Counts of members by (cell, status) at any date come from *deltas*: each change writes the
difference it makes to the step function "which (cell, status) the member counts in, by date";
the count at ``D`` known at ``T`` is the sum of deltas effective by ``D`` and recorded by ``T``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from partyledger.projections.member_changes import RECORD_FIELDS, Change

Record = dict[str, Any]
CountKey = tuple[Any, str]
"""(cell id, status): where a member counts on a date."""


@dataclass(frozen=True)
class Version:
    valid_from: date
    record: Record


def record_at(changes: Sequence[Change], day: date | None) -> Record | None:
    """The fold of ``changes`` (in recording order) effective by ``day`` (all for ``None``);
    ``None`` while the record is not open by then."""
    record: Record | None = None
    for change in changes:
        if day is not None and change.effective_on > day:
            continue
        if change.opens:
            record = dict.fromkeys(RECORD_FIELDS)
        if record is not None:
            record.update(change.sets)
    return record


def versions(changes: Sequence[Change]) -> list[Version]:
    """The versions the last of ``changes`` writes, given those recorded before it."""
    *before, last = changes
    starts = sorted({last.effective_on} | {c.effective_on for c in before if c.effective_on > last.effective_on})
    found = ((day, record_at(changes, day)) for day in starts)
    return [Version(day, record) for day, record in found if record is not None]


def deltas(changes: Sequence[Change]) -> list[tuple[CountKey, date, int]]:
    """The count deltas the last of ``changes`` adds: where the step function of the member's
    (cell, status) by date differs from what ``changes[:-1]`` gave."""
    *before, last = changes
    days = sorted({c.effective_on for c in changes if c.effective_on >= last.effective_on})
    found: list[tuple[CountKey, date, int]] = []
    previous: dict[CountKey, int] = {}
    for day in days:
        now = _difference(record_at(changes, day), record_at(before, day))
        for key in now.keys() | previous.keys():
            if step := now.get(key, 0) - previous.get(key, 0):
                found.append((key, day, step))
        previous = now
    return found


def _difference(new: Record | None, old: Record | None) -> dict[CountKey, int]:
    counted: dict[CountKey, int] = {}
    for key, sign in [*((k, 1) for k in _keys(new)), *((k, -1) for k in _keys(old))]:
        counted[key] = counted.get(key, 0) + sign
    return {key: n for key, n in counted.items() if n}


def _keys(record: Record | None) -> list[CountKey]:
    return [] if record is None else [(record["organization_id"], record["status"])]

"""The read side of members: the roster now, every member's versions on both time axes, counts
by date, and the facts statistics are computed from — derived together, in one transaction per
batch with the tracking position (exactly once). See ``roster_batch`` for how a batch is
applied, ``roster_writer`` for what it reads and writes, and ``member_versions`` for the
bitemporal rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from psycopg import Cursor
from psycopg.sql import SQL, Identifier

from partyledger.domain.member_ratings import Ratings
from partyledger.domain.organization import Organization
from partyledger.domain.org_reorganisation import Reorganisation
from partyledger.domain.org_meetings import MeetingsAndRatings
from partyledger.projections.member_changes import HANDLED, Change, change_of
from partyledger.projections.roster_batch import READ_WITH_THE_MEMBER, Batch, needs_member
from partyledger.projections.roster_writer import RosterWriter
from partyledger.projections.roster_tables import (
    CREATE_STATEMENTS,
    LAYOUT,
    READ_INDEXES,
    ROSTER_TABLES,
    SET_ASIDE_TABLE,
)
from partyledger.projections.tracked_view import TrackedView

SHOWN_EVENTS: tuple[type[Any], ...] = (*HANDLED, *READ_WITH_THE_MEMBER, Organization.Founded,
                                       Reorganisation.Renamed, Reorganisation.KindChanged,
                                       Reorganisation.MovedUnder, MeetingsAndRatings.Rated)
"""The event classes the roster reads."""


class RosterView(TrackedView):
    """The member tables and their tracking row, in the tenant's schema."""

    name = "roster"
    shows = SHOWN_EVENTS
    """The event classes the view reads; a catch-up decodes no others for it."""
    TRACKING = "roster_tracking"
    CREATES = CREATE_STATEMENTS
    SET_ASIDE = SET_ASIDE_TABLE

    def _apply(self, curs: Cursor[Any], events: list[tuple[int, Any]]) -> None:
        prepared = [(position, e, change_of(e)) for position, e in events]
        writer = RosterWriter(self._schema, curs, self.tables)
        batch = Batch(writer, writer.write)
        batch.prefetch(*_members_read(prepared))
        batch.prefetch_organizations(_organizations_named(e for _, e, _ in prepared))
        for position, e, change in prepared:
            writer.apply(batch, e, change, position)
        batch.flush()

    def create_table(self) -> None:
        """Create the tables; tables of an earlier layout are emptied, to be rebuilt."""
        super().create_table()
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self.sql("SELECT layout FROM {s}.roster_layout"))
            row = curs.fetchone()
            if row is not None and row["layout"] == LAYOUT:
                return
            self._empty(curs)
            curs.execute(self.sql("DELETE FROM {s}.roster_layout"))
            curs.execute(self.sql("INSERT INTO {s}.roster_layout VALUES (%s)"), (LAYOUT,))

    def bulk_load(self) -> None:
        """Before a rebuild: drop the indexes only reads use (``create_table`` makes them again)."""
        with self.datastore.transaction(commit=True) as curs:
            for index in READ_INDEXES:
                curs.execute(SQL("DROP INDEX IF EXISTS {}").format(
                    Identifier(self.datastore.schema, self.tables.name(index))))

    def reset(self) -> None:
        """Empty the tables and forget the position, so a catch-up rebuilds from the first event."""
        with self.datastore.transaction(commit=True) as curs:
            self._empty(curs)

    def _empty(self, curs: Cursor[Any]) -> None:
        curs.execute(SQL("TRUNCATE {}").format(SQL(", ").join(
            Identifier(self.datastore.schema, self.tables.name(t)) for t in ROSTER_TABLES)))
        curs.execute(SQL("DELETE FROM {}.{} WHERE application_name = %s").format(
            self._schema, Identifier(self.tracking_table_name)), (self.APPLICATION,))


def _members_read(prepared: list[tuple[int, Any, Change | None]]) -> tuple[list[UUID], list[UUID]]:
    """Members whose rows the batch reads, read first: those it changes, and those whose cell
    alone it reads (their ratings are counted in it)."""
    rows, cells = set(), set()
    for _, e, change in prepared:
        if isinstance(e, Ratings.Rated) and change is None:
            cells.add(e.originator_id)
        elif not isinstance(e, _ORGANIZATION_EVENTS) and needs_member(e, change):
            rows.add(e.originator_id)
    return list(rows), list(cells - rows)


_ORGANIZATION_EVENTS = (Organization.Founded, Reorganisation.Renamed, Reorganisation.KindChanged,
                        Reorganisation.MovedUnder, MeetingsAndRatings.Rated,
                        Reorganisation.MemberEntered, Reorganisation.MemberLeft,
                        Reorganisation.MemberStatusNoted, Reorganisation.ChildAttached,
                        Reorganisation.ChildDetached)


def _organizations_named(events: Iterable[Any]) -> list[UUID]:
    """The organisations a batch's member events put members in, and those rated: read first."""
    named = set()
    for e in events:
        for attribute in ("cell_id", "to_cell_id"):
            if (value := getattr(e, attribute, None)) is not None:
                named.add(value)
        if isinstance(e, MeetingsAndRatings.Rated):
            named.add(e.originator_id)
    return list(named)

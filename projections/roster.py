"""The read side of members: the roster now, every member's versions on both time axes, counts
by date, and the facts statistics are computed from — derived together, in one transaction per
batch with the tracking position (exactly once). See ``roster_batch`` for how a batch is
applied and ``member_versions`` for the bitemporal rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from psycopg import Cursor
from psycopg.sql import SQL, Composable, Composed, Identifier

from partyledger.domain.member_ratings import Ratings
from partyledger.domain.organization import Organization
from partyledger.domain.org_reorganisation import Reorganisation
from partyledger.domain.org_meetings import MeetingsAndRatings
from partyledger.projections.member_changes import HANDLED, RECORD_FIELDS, Change, change_of
from partyledger.projections.follower import claim
from partyledger.projections.roster_batch import READ_WITH_THE_MEMBER, Batch, Head, Rows, needs_member
from partyledger.projections.roster_tables import (
    CREATE_STATEMENTS,
    LAYOUT,
    READ_INDEXES,
    ROSTER_TABLES,
)

_DATE_FIELDS = ("birth_date", "admitted_on", "ceremony_on", "recognized_on")
_HEAD_COLUMNS = ("member_id", *RECORD_FIELDS, "organization_path", "recorded_at", "position",
                 "last_effective_on", "discipline_form", "disciplines")


SHOWN_EVENTS: tuple[type[Any], ...] = (*HANDLED, *READ_WITH_THE_MEMBER, Organization.Founded,
                                       Reorganisation.Renamed, Reorganisation.KindChanged,
                                       Reorganisation.MovedUnder, MeetingsAndRatings.Rated)
"""The event classes the roster reads."""


class RosterView(PostgresTrackingRecorder):
    """The member tables and their tracking row, in the tenant's schema."""

    APPLICATION = "register"
    name = "roster"
    shows = SHOWN_EVENTS
    """The event classes the view reads; a catch-up decodes no others for it."""

    def __init__(self, datastore: PostgresDatastore) -> None:
        super().__init__(datastore, tracking_table_name="roster_tracking")
        self._schema = Identifier(datastore.schema)
        self.sql_create_statements += [self.sql(s) for s in CREATE_STATEMENTS]

    def sql(self, text: str) -> Composed:
        return SQL(text).format(s=self._schema)  # type: ignore[arg-type]

    def position(self) -> int:
        return self.max_tracking_id(self.APPLICATION) or 0

    def process(self, events: Iterable[tuple[int, Any]], through: int = 0) -> int:
        """Apply ``(notification id, domain event)`` pairs; return the new position: the last
        event's, or ``through`` when the batch read that far (events no view shows are not
        handed over)."""
        events = list(events)
        last = max(through, events[-1][0] if events else 0)
        with self.datastore.transaction(commit=True) as curs:
            done = claim(curs, self.datastore.schema, self.tracking_table_name, self.APPLICATION)
            if last <= done:
                return done  # another catch-up got there first
            prepared = [(position, e, change_of(e)) for position, e in events if position > done]
            writer = _Writer(self, curs)
            batch = Batch(writer, writer.write)
            batch.prefetch(*_members_read(prepared))
            batch.prefetch_organizations(_organizations_named(e for _, e, _ in prepared))
            for position, e, change in prepared:
                writer.apply(batch, e, change, position)
            batch.flush()
            self._insert_tracking(curs, Tracking(self.APPLICATION, last))
        return last

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
                curs.execute(SQL("DROP INDEX IF EXISTS {}").format(Identifier(self.datastore.schema, index)))

    def reset(self) -> None:
        """Empty the tables and forget the position, so a catch-up rebuilds from the first event."""
        with self.datastore.transaction(commit=True) as curs:
            self._empty(curs)

    def _empty(self, curs: Cursor[Any]) -> None:
        curs.execute(SQL("TRUNCATE {}").format(SQL(", ").join(
            Identifier(self.datastore.schema, table) for table in ROSTER_TABLES)))
        curs.execute(SQL("DELETE FROM {}.{} WHERE application_name = %s").format(
            self._schema, Identifier(self.tracking_table_name)), (self.APPLICATION,))


class _Writer:
    """One transaction's work for the view: what a batch reads and writes, with its cursor
    (the view is shared by threads; a transaction's state is not)."""

    def __init__(self, view: RosterView, curs: Cursor[Any]) -> None:
        self.sql = view.sql
        self._cursor = curs
        self._schema = view._schema  # noqa: SLF001

    # -- applying ---------------------------------------------------------------------------

    def apply(self, batch: Batch, e: Any, change: Change | None, position: int) -> None:
        if isinstance(e, Organization.Founded):
            batch.found(e, position)
        elif isinstance(e, MeetingsAndRatings.Rated):
            batch.organization_rated(e, position)
        elif isinstance(e, Reorganisation.Renamed | Reorganisation.KindChanged):
            batch.flush()
            column, value = ("name", e.name) if isinstance(e, Reorganisation.Renamed) else ("kind", e.kind.name)
            self._cursor.execute(self.sql(
                "UPDATE {s}.roster_organizations SET " + column + " = %s, position = %s"
                " WHERE organization_id = %s"), (value, position, e.originator_id))
            batch.forget()
        elif isinstance(e, Reorganisation.MovedUnder):
            batch.flush()
            self._move_under(e, position)
            batch.forget()
        else:
            batch.member(e, change, position)

    def _move_under(self, e: Reorganisation.MovedUnder, position: int) -> None:
        """The organisation's subtree takes the new parent's path; so do its members' paths."""
        moved = {"id": e.originator_id, "parent": e.to_parent_id, "pos": position}
        self._cursor.execute(self.sql(
            "UPDATE {s}.roster_organizations o SET position = %(pos)s,"
            " parent_id = CASE WHEN o.organization_id = %(id)s THEN %(parent)s ELSE o.parent_id END,"
            " path = (SELECT p.path FROM {s}.roster_organizations p WHERE p.organization_id = %(parent)s)"
            "  || o.path[array_position(o.path, %(id)s::uuid):]"
            " WHERE o.path @> ARRAY[%(id)s]::uuid[]"), moved)
        self._cursor.execute(self.sql(
            "UPDATE {s}.roster_members m SET organization_path = o.path FROM {s}.roster_organizations o"
            " WHERE o.organization_id = m.organization_id AND m.organization_path @> ARRAY[%(id)s]::uuid[]"),
            moved)

    # -- what a batch reads -----------------------------------------------------------------

    def heads(self, member_ids: list[UUID]) -> dict[UUID, Head]:
        self._cursor.execute(self.sql(
            "SELECT " + ", ".join(_HEAD_COLUMNS) + " FROM {s}.roster_members WHERE member_id = ANY(%s)"
        ), (member_ids,))
        found = {}
        for row in self._cursor.fetchall():
            record = {name: row[name] for name in RECORD_FIELDS}
            found[row["member_id"]] = Head(
                row["member_id"], record, row["organization_path"], row["recorded_at"],
                row["position"], row["last_effective_on"] or date.min, row["discipline_form"],
                {int(k): v for k, v in json.loads(row["disciplines"]).items()} if row["disciplines"] else {})
        return found

    def changes(self, member_id: UUID) -> list[Change]:
        self._cursor.execute(self.sql(
            "SELECT effective_on, opens, sets FROM {s}.member_changes WHERE member_id = %s"
            " ORDER BY position"), (member_id,))
        return [Change(r["effective_on"], _decoded(r["sets"]), r["opens"]) for r in self._cursor.fetchall()]

    def cells(self, member_ids: list[UUID]) -> dict[UUID, UUID]:
        self._cursor.execute(self.sql(
            "SELECT member_id, organization_id FROM {s}.roster_members WHERE member_id = ANY(%s)"
        ), (member_ids,))
        return {r["member_id"]: r["organization_id"] for r in self._cursor.fetchall()}

    def organizations(self, organization_ids: list[UUID]) -> dict[UUID, dict[str, Any]]:
        self._cursor.execute(self.sql(
            "SELECT organization_id, kind, path FROM {s}.roster_organizations"
            " WHERE organization_id = ANY(%s)"), (organization_ids,))
        return {r["organization_id"]: r for r in self._cursor.fetchall()}

    def supersede_rating(self, subject_id: UUID, year: int) -> tuple[str, str, Any] | None:
        self._cursor.execute(self.sql(
            "UPDATE {s}.stat_ratings SET current = false WHERE subject_id = %s AND year = %s"
            " AND current RETURNING grade, subject_kind, organization_id"), (subject_id, year))
        row = self._cursor.fetchone()
        return (row["grade"], row["subject_kind"], row["organization_id"]) if row else None

    # -- writing ----------------------------------------------------------------------------

    def write(self, rows: Rows) -> None:
        curs = self._cursor
        if rows.organizations:
            orgs = list(rows.organizations.values())
            curs.execute(self.sql(  # unnest flattens arrays of arrays: the paths go as text
                "INSERT INTO {s}.roster_organizations (organization_id, name, kind, parent_id, path,"
                " founded_on, position) SELECT id, name, kind, parent, path::uuid[], founded_on,"
                " position FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::uuid[], %s::text[],"
                " %s::date[], %s::bigint[]) AS o(id, name, kind, parent, path, founded_on, position)"
            ), [[o[k] for o in orgs] for k in ("organization_id", "name", "kind", "parent_id")]
               + [["{" + ",".join(map(str, o["path"])) + "}" for o in orgs]]
               + [[o[k] for o in orgs] for k in ("founded_on", "position")])
        if rows.heads:
            self._write_heads(list(rows.heads.values()))
        if rows.counts:
            self._upsert_counts("roster_counts", ("organization_id", "status"), rows.counts,
                                ("uuid", "text"))
            totals: dict[tuple[str], int] = {}
            for (_, status), n in rows.counts.items():
                totals[(status,)] = totals.get((status,), 0) + n
            self._upsert_counts("roster_totals", ("status",), totals, ("text",))
        self._copy("member_changes", ("member_id", "position", "effective_on", "recorded_at",
                                      "opens", "sets"),
                   [(*r[:5], json.dumps(r[5], default=str)) for r in rows.changes])
        self._copy("member_versions", ("member_id", "position", "valid_from", "recorded_at",
                                       *RECORD_FIELDS),
                   [(m, p, v, at, *(rec[f] for f in RECORD_FIELDS)) for m, p, v, at, rec in rows.versions])
        self._copy("member_count_deltas", ("organization_id", "status", "effective_on",
                                           "recorded_at", "delta"), rows.deltas)
        self._copy("stat_ratings", ("subject_id", "subject_kind", "year", "grade", "scheme",
                                    "organization_id", "effective_on", "recorded_at", "position"),
                   rows.ratings)
        if rows.rating_counts:
            self._upsert_counts("stat_rating_counts", ("year", "subject_kind", "organization_id",
                                                       "grade"), rows.rating_counts,
                                ("int", "text", "uuid", "text"))
        self._copy("stat_admissions", ("member_id", "organization_id", "decided_on",
                                       "recorded_at", "position"), rows.admissions)
        self._copy("stat_exits", ("member_id", "organization_id", "kind", "effective_on",
                                  "recorded_at", "position"), rows.exits)
        self._copy("stat_screenings", ("member_id", "organization_id", "campaign", "step", "outcome",
                                       "effective_on", "recorded_at", "position"), rows.screenings)

    def _write_heads(self, heads: list[Head]) -> None:
        """New members are copied in; changed ones updated in one statement."""
        self._copy("roster_members", _HEAD_COLUMNS, [_head_row(h) for h in heads if h.new])
        changed = [_head_row(h) for h in heads if h.dirty and not h.new]
        if not changed:
            return
        self._copy("roster_members_changed", _HEAD_COLUMNS, changed)
        updates = ", ".join(f"{c} = u.{c}" for c in _HEAD_COLUMNS[1:])
        self._cursor.execute(self.sql(
            f"UPDATE {{s}}.roster_members m SET {updates} FROM {{s}}.roster_members_changed u"
            " WHERE m.member_id = u.member_id"))
        self._cursor.execute(self.sql("DELETE FROM {s}.roster_members_changed"))

    def _upsert_counts(self, table: str, key: tuple[str, ...], counts: dict[Any, int],
                       types: tuple[str, ...]) -> None:
        """Add to the counts; a count that reaches zero goes, as if it had never been."""
        changed = [(*k, n) for k, n in counts.items() if n]
        if not changed:
            return
        arrays = ", ".join(f"%s::{t}[]" for t in (*types, "int"))
        names = ", ".join(key)
        self._cursor.execute(self.sql(
            f"INSERT INTO {{s}}.{table} ({names}, n) SELECT * FROM unnest({arrays})"
            f" ON CONFLICT ({names}) DO UPDATE SET n = {table}.n + excluded.n RETURNING {names}, n"),
            [list(column) for column in zip(*changed, strict=True)])
        emptied = [tuple(r[k] for k in key) for r in self._cursor.fetchall() if r["n"] == 0]
        if emptied:  # a statement cannot see its own upsert: the empty counts go in a second
            self._cursor.execute(self.sql(
                f"DELETE FROM {{s}}.{table} WHERE ({names}) IN (SELECT * FROM unnest("
                + ", ".join(f"%s::{t}[]" for t in types) + "))"),
                [list(column) for column in zip(*emptied, strict=True)])

    def _copy(self, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        self._copy_to(SQL("{}.{}").format(self._schema, Identifier(table)), columns, rows)

    def _copy_to(self, table: Composable, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        statement = SQL("COPY {} ({}) FROM STDIN").format(
            table, SQL(", ").join(Identifier(c) for c in columns))
        with self._cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)


def _head_row(h: Head) -> tuple[Any, ...]:
    return (h.member_id, *(h.record[f] for f in RECORD_FIELDS), h.organization_path, h.recorded_at,
            h.position, h.last_effective_on, h.discipline_form,
            json.dumps(h.disciplines) if h.disciplines else None)


def _decoded(sets: Any) -> dict[str, Any]:
    values = json.loads(sets) if isinstance(sets, str) else dict(sets)
    for name in _DATE_FIELDS:
        if values.get(name):
            values[name] = date.fromisoformat(values[name])
    if values.get("organization_id"):
        values["organization_id"] = UUID(values["organization_id"])
    return values


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

"""What one transaction of the member read side reads and writes (``RosterView.process``):
events applied in SQL (organisation changes), the rows a batch reads first, and the rows it
writes — new members copied in, changed ones through a staging table, counts added, facts
copied."""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from uuid import UUID

from psycopg import Cursor
from psycopg.sql import SQL, Composable, Composed, Identifier

from partyledger.domain.org_meetings import MeetingsAndRatings
from partyledger.domain.org_reorganisation import Reorganisation
from partyledger.domain.organization import Organization
from partyledger.projections.member_changes import RECORD_FIELDS, Change
from partyledger.projections.roster_batch import Batch, Head, Rows
from partyledger.projections.column_values import text
from partyledger.projections.shadow_tables import Tables

_DATE_FIELDS = ("birth_date", "admitted_on", "ceremony_on", "recognized_on")
_HEAD_COLUMNS = ("member_id", *RECORD_FIELDS, "organization_path", "recorded_at", "position",
                 "last_effective_on", "discipline_form", "disciplines")


class RosterWriter:
    """One transaction's work for ``RosterView``: what a batch reads and writes, with its
    cursor (the view is shared by threads; a transaction's state is not)."""

    def __init__(self, schema: Identifier, curs: Cursor[Any], tables: Tables) -> None:
        self._schema = schema
        self._cursor = curs
        self._tables = tables

    def sql(self, statement: str) -> Composed:
        return SQL(self._tables.text(statement)).format(s=self._schema)  # type: ignore[arg-type]

    # -- applying ---------------------------------------------------------------------------

    def apply(self, batch: Batch, e: Any, change: Change | None, position: int) -> None:
        if isinstance(e, Organization.Founded):
            batch.found(e, position)
        elif isinstance(e, MeetingsAndRatings.Rated):
            batch.organization_rated(e, position)
        elif isinstance(e, Reorganisation.Renamed | Reorganisation.KindChanged):
            batch.flush()
            column, value = (("name", text(e.name)) if isinstance(e, Reorganisation.Renamed)
                             else ("kind", e.kind.name))
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
            f"INSERT INTO {{s}}.{table} AS counted ({names}, n) SELECT * FROM unnest({arrays})"
            f" ON CONFLICT ({names}) DO UPDATE SET n = counted.n + excluded.n"
            f" RETURNING {names}, n"),
            [list(column) for column in zip(*changed, strict=True)])
        emptied = [tuple(r[k] for k in key) for r in self._cursor.fetchall() if r["n"] == 0]
        if emptied:  # a statement cannot see its own upsert: the empty counts go in a second
            self._cursor.execute(self.sql(
                f"DELETE FROM {{s}}.{table} WHERE ({names}) IN (SELECT * FROM unnest("
                + ", ".join(f"%s::{t}[]" for t in types) + "))"),
                [list(column) for column in zip(*emptied, strict=True)])

    def _copy(self, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        self._copy_to(SQL("{}.{}").format(self._schema, Identifier(self._tables.name(table))),
                      columns, rows)

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

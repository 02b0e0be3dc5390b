"""The roster: each member's current status and cell, and the organisation tree, as tables.

Rows and the tracking position are written in one transaction (exactly once). Events are
processed in batches, many per transaction: eventsourcing's ``Projection`` commits once per
event, which caps catch-up at a few thousand events a second.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import singledispatchmethod
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from psycopg import Cursor
from psycopg.sql import SQL, Composed, Identifier

from partyledger.domain.admission import AdmissionPipeline
from partyledger.domain.member import Member
from partyledger.domain.member_discipline import Discipline, DisciplineForm
from partyledger.domain.member_exits import Exits
from partyledger.domain.member_reorganised import Reorganised
from partyledger.domain.member_transfers import Transfers
from partyledger.domain.org_reorganisation import Reorganisation
from partyledger.domain.names import fold_name
from partyledger.domain.organization import Organization
from partyledger.domain.probation import Probation

ROSTER_TABLES = ("roster_members", "roster_organizations")

_CREATE = (
    "CREATE TABLE IF NOT EXISTS {s}.roster_organizations ("
    " organization_id uuid PRIMARY KEY, name text NOT NULL, kind text NOT NULL,"
    " parent_id uuid, path uuid[] NOT NULL, founded_on date NOT NULL, position bigint NOT NULL)",
    "CREATE INDEX IF NOT EXISTS roster_organizations_parent ON {s}.roster_organizations (parent_id)",
    "CREATE TABLE IF NOT EXISTS {s}.roster_members ("
    " member_id uuid PRIMARY KEY, full_name text NOT NULL, folded_name text NOT NULL,"
    " birth_date date NOT NULL, organization_id uuid NOT NULL, organization_path uuid[] NOT NULL,"
    " status text NOT NULL, admitted_on date, ceremony_on date,"
    " recognized_on date, recorded_at timestamptz NOT NULL, position bigint NOT NULL)",
    # tables made by the first release required both dates
    "ALTER TABLE {s}.roster_members ALTER COLUMN admitted_on DROP NOT NULL,"
    " ALTER COLUMN ceremony_on DROP NOT NULL",
    "CREATE INDEX IF NOT EXISTS roster_members_by_name"
    " ON {s}.roster_members (folded_name, member_id)",
    "CREATE INDEX IF NOT EXISTS roster_members_by_cell"
    " ON {s}.roster_members (organization_id, folded_name, member_id)",
    "CREATE INDEX IF NOT EXISTS roster_members_by_path"
    " ON {s}.roster_members USING gin (organization_path)",
)


class RosterView(PostgresTrackingRecorder):
    """The roster tables and their tracking row, in the tenant's schema."""

    APPLICATION = "register"

    def __init__(self, datastore: PostgresDatastore) -> None:
        super().__init__(datastore, tracking_table_name="roster_tracking")
        schema = Identifier(datastore.schema)
        self.sql_create_statements += [SQL(s).format(s=schema) for s in _CREATE]  # type: ignore[arg-type]
        self._schema = schema

    def sql(self, text: str) -> Composed:
        return SQL(text).format(s=self._schema)  # type: ignore[arg-type]

    def position(self) -> int:
        return self.max_tracking_id(self.APPLICATION) or 0

    def process(self, events: Iterable[tuple[int, Any]]) -> int:
        """Apply ``(notification id, domain event)`` pairs; return the new position."""
        last = 0
        with self.datastore.transaction(commit=True) as curs:
            for last, domain_event in events:  # noqa: B007
                self.apply(domain_event, curs, last)
            if last:
                self._insert_tracking(curs, Tracking(self.APPLICATION, last))
        return last

    def reset(self) -> None:
        """Empty the tables and forget the position, so a catch-up rebuilds from the first event."""
        with self.datastore.transaction(commit=True) as curs:
            for table in ROSTER_TABLES:
                curs.execute(SQL("DELETE FROM {}.{}").format(self._schema, Identifier(table)))
            curs.execute(
                SQL("DELETE FROM {}.{} WHERE application_name = %s").format(
                    self._schema, Identifier(self.tracking_table_name)
                ),
                (self.APPLICATION,),
            )

    @singledispatchmethod
    def apply(self, domain_event: Any, curs: Cursor[Any], position: int) -> None:
        """Events the roster does not show (receipts, later event kinds) change nothing."""

    @apply.register
    def _(self, e: Organization.Founded, curs: Cursor[Any], position: int) -> None:
        curs.execute(self.sql(
            "INSERT INTO {s}.roster_organizations"
            " SELECT %(id)s, %(name)s, %(kind)s, %(parent)s,"
            "  coalesce((SELECT path FROM {s}.roster_organizations WHERE organization_id = %(parent)s),"
            "   '{{}}'::uuid[]) || %(id)s::uuid, %(on)s, %(pos)s"
        ), {"id": e.originator_id, "name": e.name, "kind": e.kind.name, "parent": e.parent_id,
            "on": e.effective_on, "pos": position})

    @apply.register
    def _(self, e: Member.CandidacyOpened, curs: Cursor[Any], position: int) -> None:
        self._insert_member(curs, e, "CANDIDATE", None, None, None, position)

    @apply.register
    def _(self, e: Member.Admitted, curs: Cursor[Any], position: int) -> None:
        self._insert_member(curs, e, "PROBATIONARY", e.decision.date, e.ceremony_on, None, position)

    @apply.register
    def _(self, e: Member.Enrolled, curs: Cursor[Any], position: int) -> None:
        status = "OFFICIAL" if e.recognized_on else "PROBATIONARY"
        self._insert_member(curs, e, status, e.admitted_on, e.ceremony_on, e.recognized_on, position)

    @apply.register
    def _(self, e: AdmissionPipeline.AdmissionDecided, curs: Cursor[Any], position: int) -> None:
        self._update(curs, e, position, status="ADMITTED_PENDING_CEREMONY", admitted_on=e.decision.date)

    @apply.register
    def _(self, e: AdmissionPipeline.AdmissionCeremonyHeld, curs: Cursor[Any], position: int) -> None:
        self._update(curs, e, position, status="PROBATIONARY", ceremony_on=e.effective_on)

    @apply.register
    def _(self, e: Probation.RecognizedAsOfficial, curs: Cursor[Any], position: int) -> None:
        self._update(curs, e, position, status="OFFICIAL", recognized_on=e.effective_on)

    @apply.register
    def _(self, e: Member.RecordCorrected, curs: Cursor[Any], position: int) -> None:
        changes: dict[str, Any] = {}
        if e.full_name:
            changes.update(full_name=e.full_name, folded_name=fold_name(e.full_name))
        if e.birth_date:
            changes.update(birth_date=e.birth_date)
        self._update(curs, e, position, **changes)

    @apply.register
    def _(self, e: Reorganisation.Renamed, curs: Cursor[Any], position: int) -> None:
        curs.execute(self.sql("UPDATE {s}.roster_organizations SET name = %s, position = %s"
                              " WHERE organization_id = %s"), (e.name, position, e.originator_id))

    @apply.register
    def _(self, e: Reorganisation.KindChanged, curs: Cursor[Any], position: int) -> None:
        curs.execute(self.sql("UPDATE {s}.roster_organizations SET kind = %s, position = %s"
                              " WHERE organization_id = %s"), (e.kind.name, position, e.originator_id))

    @apply.register
    def _(self, e: Reorganisation.MovedUnder, curs: Cursor[Any], position: int) -> None:
        """The organisation's subtree takes the new parent's path; so do its members' paths."""
        moved = {"id": e.originator_id, "parent": e.to_parent_id, "pos": position}
        curs.execute(self.sql(
            "UPDATE {s}.roster_organizations o SET position = %(pos)s,"
            " parent_id = CASE WHEN o.organization_id = %(id)s THEN %(parent)s ELSE o.parent_id END,"
            " path = (SELECT p.path FROM {s}.roster_organizations p WHERE p.organization_id = %(parent)s)"
            "  || o.path[array_position(o.path, %(id)s::uuid):]"
            " WHERE o.path @> ARRAY[%(id)s]::uuid[]"), moved)
        curs.execute(self.sql(
            "UPDATE {s}.roster_members m SET organization_path = o.path FROM {s}.roster_organizations o"
            " WHERE o.organization_id = m.organization_id AND m.organization_path @> ARRAY[%(id)s]::uuid[]"),
            moved)

    @apply.register
    def _(self, e: Reorganised.MovedByReorganisation, curs: Cursor[Any], position: int) -> None:
        self._move(curs, e, e.to_cell_id, position)

    @apply.register
    def _(self, e: Transfers.TransferReceived, curs: Cursor[Any], position: int) -> None:
        self._move(curs, e, e.to_cell_id, position)

    @apply.register
    def _(self, e: Discipline.DisciplineImposed, curs: Cursor[Any], position: int) -> None:
        if e.form is DisciplineForm.EXPULSION:
            self._update(curs, e, position, status="EXITED")

    @apply.register
    def _(self, e: Discipline.DisciplineAppealResolved, curs: Cursor[Any], position: int) -> None:
        if e.status_after is not None:
            self._update(curs, e, position, status=e.status_after.name)

    @apply.register
    def _(self, e: Exits.StruckOff, curs: Cursor[Any], position: int) -> None:
        self._update(curs, e, position, status="EXITED")

    @apply.register
    def _(self, e: Exits.VoluntaryWithdrawalApproved, curs: Cursor[Any], position: int) -> None:
        self._update(curs, e, position, status="EXITED")

    @apply.register
    def _(self, e: Exits.Deceased, curs: Cursor[Any], position: int) -> None:
        self._update(curs, e, position, status="DECEASED")

    @apply.register
    def _(self, e: Exits.MembershipRestored, curs: Cursor[Any], position: int) -> None:
        self._update(curs, e, position, status=e.restored_as.name)

    @apply.register
    def _(self, e: Exits.Readmitted, curs: Cursor[Any], position: int) -> None:
        self._update(curs, e, position, status="PROBATIONARY", ceremony_on=e.ceremony_on,
                     recognized_on=None)
        self._move(curs, e, e.cell_id, position)

    def _move(self, curs: Cursor[Any], e: Any, cell_id: Any, position: int) -> None:
        curs.execute(self.sql(
            "UPDATE {s}.roster_members SET organization_id = %(cell)s, position = %(pos)s,"
            " organization_path = (SELECT path FROM {s}.roster_organizations"
            "  WHERE organization_id = %(cell)s) WHERE member_id = %(id)s"
        ), {"cell": cell_id, "pos": position, "id": e.originator_id})

    def _update(self, curs: Cursor[Any], e: Any, position: int, **columns: Any) -> None:
        assignments = SQL(", ").join(
            SQL("{} = %s").format(Identifier(c)) for c in [*columns, "position"])
        curs.execute(self.sql("UPDATE {s}.roster_members SET ") + assignments
                     + SQL(" WHERE member_id = %s"), [*columns.values(), position, e.originator_id])

    def _insert_member(  # noqa: PLR0913
        self, curs: Cursor[Any], e: Any, status: str, admitted_on: Any, ceremony_on: Any,
        recognized_on: Any, position: int,
    ) -> None:
        curs.execute(self.sql(
            "INSERT INTO {s}.roster_members SELECT %(id)s, %(name)s, %(folded)s, %(born)s, %(cell)s,"
            " (SELECT path FROM {s}.roster_organizations WHERE organization_id = %(cell)s),"
            " %(status)s, %(admitted)s, %(ceremony)s, %(recognized)s, %(at)s, %(pos)s"
        ), {"id": e.originator_id, "name": e.full_name, "folded": fold_name(e.full_name),
            "born": e.birth_date, "cell": e.cell_id,
            "status": status, "admitted": admitted_on,
            "ceremony": ceremony_on, "recognized": recognized_on, "at": e.timestamp,
            "pos": position})

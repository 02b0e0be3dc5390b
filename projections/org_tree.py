"""The organisation tree as of any date: each organisation's versions, on two time axes.

Valid time (``valid_from`` inclusive, ``valid_to`` exclusive) comes from the events' effective
dates; transaction time (``recorded_from``, ``recorded_to``) from the events' recorded times. An
event for an organisation is kept as a fact; the organisation's timeline is recomputed from all
its facts, so a back-dated event reshapes every later version, and only versions that changed are
closed in transaction time and recorded anew. The tree as of a past date is therefore unchanged by
events effective later, and the tree as known at a past moment is unchanged by anything recorded
after it. Rows and the tracking position are written in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from itertools import groupby
from typing import Any
from uuid import UUID

from psycopg import Cursor
from psycopg.sql import SQL, Identifier

from partyledger.domain.organization import Organization
from partyledger.projections.column_values import text
from partyledger.projections.set_aside import create_statement
from partyledger.projections.tracked_view import TrackedView

_SET_ASIDE = "org_tree_set_aside"
ORG_TREE_TABLES = ("org_tree_facts", "org_tree_versions", _SET_ASIDE)

_CREATE = (
    "CREATE TABLE IF NOT EXISTS {s}.org_tree_facts ("
    " organization_id uuid NOT NULL, position bigint NOT NULL, effective_on date NOT NULL,"
    " recorded_at timestamptz NOT NULL, change text NOT NULL, name text, kind text,"
    " parent_id uuid, sector text, ended_by text, PRIMARY KEY (organization_id, position))",
    "CREATE TABLE IF NOT EXISTS {s}.org_tree_versions ("
    " organization_id uuid NOT NULL, valid_from date NOT NULL, valid_to date,"
    " recorded_from timestamptz NOT NULL, recorded_to timestamptz, name text NOT NULL,"
    " kind text NOT NULL, parent_id uuid, sector text, founded_on date NOT NULL, ended_by text,"
    " position bigint NOT NULL, PRIMARY KEY (organization_id, position, valid_from),"
    " CHECK (valid_to IS NULL OR valid_to >= valid_from),"
    " CHECK (recorded_to IS NULL OR recorded_to >= recorded_from))",
    "CREATE INDEX IF NOT EXISTS org_tree_current_by_parent ON {s}.org_tree_versions"
    " (parent_id, valid_from) WHERE recorded_to IS NULL",
    "CREATE INDEX IF NOT EXISTS org_tree_current_by_id ON {s}.org_tree_versions"
    " (organization_id, valid_from) WHERE recorded_to IS NULL",
    "CREATE INDEX IF NOT EXISTS org_tree_known_by_parent ON {s}.org_tree_versions"
    " (parent_id, recorded_from)",
    "CREATE INDEX IF NOT EXISTS org_tree_known_by_id ON {s}.org_tree_versions"
    " (organization_id, recorded_from)",
    create_statement(_SET_ASIDE),
)

FOUNDED, RENAMED, KIND_CHANGED, MOVED, ENDED = (
    "FOUNDED", "RENAMED", "KIND_CHANGED", "MOVED", "ENDED")
MERGED, CONSOLIDATED, SPLIT, DISSOLVED = "MERGED", "CONSOLIDATED", "SPLIT", "DISSOLVED"
"""Why an organisation's last version ends (``ended_by``)."""


@dataclass(frozen=True)
class Fact:
    """What one event says about one organisation, from its effective date on."""

    change: str
    effective_on: date
    position: int = 0
    name: str | None = None
    kind: str | None = None
    parent_id: UUID | None = None
    sector: str | None = None
    ended_by: str | None = None


@dataclass(frozen=True)
class Version:
    """The organisation as it stood from ``valid_from`` until ``valid_to``."""

    valid_from: date
    valid_to: date | None
    name: str
    kind: str
    parent_id: UUID | None
    sector: str | None
    founded_on: date
    ended_by: str | None = None


def timeline(facts: Iterable[Fact]) -> list[Version]:
    """The versions the facts make, in valid-time order. Facts dated before the founding count
    from the founding; facts on or after the end are past the organisation's life. Facts of one
    day apply together, in recording order; a day that ends the organisation changes nothing."""
    ordered = sorted(facts, key=lambda f: (f.effective_on, f.position))
    founding = next((f for f in ordered if f.change == FOUNDED), None)
    if founding is None:
        return []
    start = founding.effective_on
    current = Version(start, None, founding.name or "", founding.kind or "", founding.parent_id,
                      founding.sector, start)
    versions: list[Version] = []
    later = (f for f in ordered if f is not founding)
    for day, group in groupby(later, key=lambda f: max(f.effective_on, start)):
        day_facts = list(group)
        ending = next((f for f in day_facts if f.change == ENDED), None)
        if ending is not None:
            versions.append(replace(current, valid_to=day, ended_by=ending.ended_by))
            return versions
        changed = current
        for fact in day_facts:
            changed = _applied(changed, fact)
        if changed == current:
            continue
        if day > current.valid_from:
            versions.append(replace(current, valid_to=day))
            changed = replace(changed, valid_from=day)
        current = changed
    versions.append(current)
    return versions


def _applied(version: Version, fact: Fact) -> Version:
    if fact.change == RENAMED and fact.name is not None:
        return replace(version, name=fact.name)
    if fact.change == KIND_CHANGED and fact.kind is not None:
        return replace(version, kind=fact.kind)
    if fact.change == MOVED:
        return replace(version, parent_id=fact.parent_id)
    return version


def _facts_of(domain_event: Any) -> Fact | None:
    """The fact an event states, or ``None`` for events the tree does not show."""
    for event_class, fact_of in _FACTS:
        if isinstance(domain_event, event_class):
            return fact_of(domain_event)
    return None


def _founded(e: Organization.Founded) -> Fact:
    return Fact(FOUNDED, e.effective_on, name=text(e.name), kind=e.kind.name, parent_id=e.parent_id,
                sector=e.sector.name if e.sector is not None else None)


def _ended(reason: str) -> Callable[[Any], Fact]:
    return lambda e: Fact(ENDED, e.effective_on, ended_by=reason)


def _split(e: Any) -> Fact | None:
    return None if e.continues else Fact(ENDED, e.effective_on, ended_by=SPLIT)


_FACTS: tuple[tuple[type[Any], Callable[[Any], Fact | None]], ...] = (
    (Organization.Founded, _founded),
    (Organization.Renamed, lambda e: Fact(RENAMED, e.effective_on, name=text(e.name))),
    (Organization.KindChanged, lambda e: Fact(KIND_CHANGED, e.effective_on, kind=e.kind.name)),
    (Organization.MovedUnder, lambda e: Fact(MOVED, e.effective_on, parent_id=e.to_parent_id)),
    (Organization.MergedInto, _ended(MERGED)),
    (Organization.ConsolidatedInto, _ended(CONSOLIDATED)),
    (Organization.SplitInto, _split),
    (Organization.Dissolved, _ended(DISSOLVED)),
)
"""``Absorbed`` changes nothing in the target's own row: the merged organisation's end shows it."""

_VERSION_COLUMNS = "valid_from, valid_to, name, kind, parent_id, sector, founded_on, ended_by"


class OrgTreeView(TrackedView):
    """The organisation versions table, its facts and its tracking row, in the tenant's schema."""

    name = "org_tree"
    shows = tuple(event_class for event_class, _ in _FACTS)
    """The event classes the view reads; a catch-up decodes no others for it."""
    TRACKING = "org_tree_tracking"
    CREATES = _CREATE
    SET_ASIDE = _SET_ASIDE

    def _apply(self, curs: Cursor[Any], events: list[tuple[int, Any]]) -> None:
        """Foundings, an organisation's first event, are written together."""
        foundings: list[tuple[UUID, Fact, datetime]] = []
        for position, domain_event in events:
            fact = _facts_of(domain_event)
            if fact is None:
                continue
            entry = (domain_event.originator_id, replace(fact, position=position),
                     domain_event.timestamp)
            if fact.change == FOUNDED:
                foundings.append(entry)
                continue
            self._found(curs, foundings)
            self._record(curs, *entry)
        self._found(curs, foundings)

    def reset(self) -> None:
        """Empty the tables and forget the position, so a catch-up rebuilds from the first event."""
        with self.datastore.transaction(commit=True) as curs:
            for table in ORG_TREE_TABLES:
                curs.execute(SQL("DELETE FROM {}").format(
                    Identifier(self.datastore.schema, self.tables.name(table))))
            curs.execute(SQL("DELETE FROM {}.{} WHERE application_name = %s").format(
                self._schema, Identifier(self.tracking_table_name)), (self.APPLICATION,))

    def _found(self, curs: Cursor[Any], foundings: list[tuple[UUID, Fact, datetime]]) -> None:
        if not foundings:
            return
        ids, facts, times = zip(*foundings, strict=True)
        columns = [list(ids), [f.position for f in facts], [f.effective_on for f in facts],
                   list(times), [f.name for f in facts], [f.kind for f in facts],
                   [f.parent_id for f in facts], [f.sector for f in facts]]
        curs.execute(self.sql(
            "INSERT INTO {s}.org_tree_facts (organization_id, position, effective_on, recorded_at,"
            " name, kind, parent_id, sector, change) SELECT *, 'FOUNDED' FROM unnest(%s::uuid[],"
            " %s::bigint[], %s::date[], %s::timestamptz[], %s::text[], %s::text[], %s::uuid[],"
            " %s::text[])"
        ), columns)
        curs.execute(self.sql(
            "INSERT INTO {s}.org_tree_versions (organization_id, position, valid_from,"
            " recorded_from, name, kind, parent_id, sector, founded_on) SELECT *, valid_from"
            " FROM unnest(%s::uuid[], %s::bigint[], %s::date[], %s::timestamptz[], %s::text[],"
            " %s::text[], %s::uuid[], %s::text[]) AS f(id, position, valid_from, at, name, kind,"
            " parent_id, sector)"
        ), columns)
        foundings.clear()

    def _record(self, curs: Cursor[Any], org_id: UUID, fact: Fact, at: datetime) -> None:
        curs.execute(self.sql(
            "INSERT INTO {s}.org_tree_facts VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        ), (org_id, fact.position, fact.effective_on, at, fact.change, fact.name, fact.kind,
            fact.parent_id, fact.sector, fact.ended_by))
        facts = self._facts(curs, org_id)
        current, latest = self._current(curs, org_id)
        at = max(at, latest or at)  # transaction time never runs backwards for one organisation
        wanted = {v.valid_from: v for v in timeline(facts)}
        stale = [d for d, v in current.items() if wanted.get(d) != v]
        if stale:
            curs.execute(self.sql(
                "UPDATE {s}.org_tree_versions SET recorded_to = %s"
                " WHERE organization_id = %s AND recorded_to IS NULL AND valid_from = ANY(%s)"
            ), (at, org_id, stale))
        for v in (v for d, v in wanted.items() if current.get(d) != v):
            curs.execute(self.sql(
                "INSERT INTO {s}.org_tree_versions (organization_id, position, recorded_from, "
                + _VERSION_COLUMNS + ") VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            ), (org_id, fact.position, at, v.valid_from, v.valid_to, v.name, v.kind,
                v.parent_id, v.sector, v.founded_on, v.ended_by))

    def _facts(self, curs: Cursor[Any], org_id: UUID) -> list[Fact]:
        curs.execute(self.sql(
            "SELECT change, effective_on, position, name, kind, parent_id, sector, ended_by"
            " FROM {s}.org_tree_facts WHERE organization_id = %s ORDER BY effective_on, position"
        ), (org_id,))
        return [Fact(**row) for row in curs.fetchall()]

    def _current(
        self, curs: Cursor[Any], org_id: UUID
    ) -> tuple[dict[date, Version], datetime | None]:
        """The versions known now, and the latest moment any version was recorded."""
        curs.execute(self.sql(
            f"SELECT {_VERSION_COLUMNS}, (SELECT max(recorded_from) FROM {{s}}.org_tree_versions"
            "  WHERE organization_id = %(id)s) AS latest"
            " FROM {s}.org_tree_versions WHERE organization_id = %(id)s AND recorded_to IS NULL"
        ), {"id": org_id})
        rows = curs.fetchall()
        latest = rows[0]["latest"] if rows else None
        versions = (Version(**{k: v for k, v in r.items() if k != "latest"}) for r in rows)
        return {v.valid_from: v for v in versions}, latest

"""What every view of a tenant's log shares: its tables and tracking row in the tenant's
schema, a batch applied with its tracking position in one transaction (exactly once), events it
cannot apply set aside (``set_aside``), and a twin on the tables a rebuild fills beside the live
ones (``shadow_tables``)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, ClassVar, Self

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from psycopg import Cursor
from psycopg.sql import SQL, Composed, Identifier

from partyledger.projections.follower import PositionLostError, claim
from partyledger.projections.set_aside import SetAside, apply_or_set_aside, set_aside_in
from partyledger.projections.shadow_tables import REBUILD_PREFIX, Tables, created_tables

log = logging.getLogger(__name__)


class TrackedView(PostgresTrackingRecorder):
    """A subclass names its ``TRACKING`` table, the ``CREATES`` statements of its other tables
    (``{s}``: the schema), its ``SET_ASIDE`` table among them, and applies events in
    ``_apply``."""

    APPLICATION = "register"
    name: str
    shows: tuple[type[Any], ...]
    TRACKING: ClassVar[str]
    CREATES: ClassVar[tuple[str, ...]]
    SET_ASIDE: ClassVar[str]

    def __init__(self, datastore: PostgresDatastore, *, tables: Tables = Tables()) -> None:
        super().__init__(datastore, tracking_table_name=tables.name(self.TRACKING))
        self.tables = tables
        self._schema = Identifier(datastore.schema)
        self.sql_create_statements += [self.sql(s) for s in self.CREATES]

    def sql(self, text: str) -> Composed:
        return SQL(self.tables.text(text)).format(s=self._schema)  # type: ignore[arg-type]

    def position(self) -> int:
        return self.max_tracking_id(self.APPLICATION) or 0

    def beside(self) -> Self:
        """The same view on the tables a rebuild fills beside the live ones."""
        return type(self)(self.datastore, tables=Tables(REBUILD_PREFIX))

    @property
    def set_aside_table(self) -> str:
        return self.tables.name(self.SET_ASIDE)

    @classmethod
    def table_names(cls) -> tuple[str, ...]:
        """The live names of the view's tables, its tracking table included."""
        return (*created_tables(cls.CREATES), cls.TRACKING)

    def process(self, events: Iterable[tuple[int, Any]], through: int = 0,
                after: int | None = None) -> int:
        """Apply ``(notification id, domain event)`` pairs; return the new position: the last
        event's, or ``through`` when the batch read that far (events no view shows are not
        handed over). An event that cannot be applied is set aside; the position moves on.
        ``after`` is the position the batch was read from: if the database holds an older one,
        the batch is refused (``PositionLostError``) rather than leave a gap."""
        events = list(events)
        last = max(through, events[-1][0] if events else 0)
        with self.datastore.transaction(commit=True) as curs:
            done = claim(curs, self.datastore.schema, self.tracking_table_name, self.APPLICATION)
            if last <= done:
                return done  # another catch-up got there first
            if after is not None and done < after:
                raise PositionLostError(
                    f"projection {self.name} of {self.datastore.schema} is at {done} in the"
                    f" database, not {after}: catching up again from {done}")
            pending = [(position, e) for position, e in events if position > done]
            refused = apply_or_set_aside(curs, self.datastore.schema, self.set_aside_table,
                                         pending, lambda part: self._apply(curs, part))
            self._insert_tracking(curs, Tracking(self.APPLICATION, last))
        if refused:
            log.warning("projection %s of %s set aside the events at %s", self.name,
                        self.datastore.schema, ", ".join(map(str, refused)))
        return last

    def _apply(self, curs: Cursor[Any], events: list[tuple[int, Any]]) -> None:
        raise NotImplementedError

    def set_aside(self, *, limit: int = 20) -> tuple[int, list[SetAside]]:
        """How many events the view has set aside, and the first ``limit`` of them."""
        with self.datastore.transaction(commit=False) as curs:
            return set_aside_in(curs, self.datastore.schema,
                                {self.name: self.set_aside_table}, limit=limit)

"""What each member event changes in the member's roster record, as plain data.

Every change sets some fields absolutely (never relative to the record before), so a record as
of any date is the fold, in recording order, of the changes effective by then — exactly what
replaying the member's events effective by then gives (``domain.member_timeline``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from datetime import date
from typing import Any

from partyledger.domain.admission import AdmissionPipeline
from partyledger.domain.member import Member
from partyledger.domain.discipline_rules import DisciplineForm
from partyledger.domain.member_discipline import Discipline
from partyledger.domain.member_exits import Exits
from partyledger.domain.member_reorganised import Reorganised
from partyledger.domain.member_transfers import Transfers
from partyledger.domain.probation import Probation
from partyledger.projections.column_values import folded, text

RECORD_FIELDS = ("full_name", "folded_name", "birth_date", "organization_id", "status",
                 "admitted_on", "ceremony_on", "recognized_on")
"""The fields of a member's record that rosters show and filter on, at any date."""

ACTIVE_STATUSES = ("PROBATIONARY", "OFFICIAL")


@dataclass(frozen=True)
class Change:
    """``sets`` maps record fields to their new values; ``opens`` marks the event that opens
    the record (a record as of a date before it does not exist)."""

    effective_on: date
    sets: dict[str, Any]
    opens: bool = False


def change_of(event: Any) -> Change | None:
    """The change a member event makes to the record, or ``None`` when it makes none."""
    handler = _handler(type(event))
    return handler(event) if handler else None


@cache
def _handler(event_class: type[Any]) -> Callable[[Any], Change | None] | None:
    """The handler for an event class or the class it specialises: an aggregate composed of
    mixins (``Member``) gets its own subclass of each mixin's event class."""
    return next((_HANDLERS[c] for c in event_class.__mro__ if c in _HANDLERS), None)


def _opened(status: str, **dates: Any) -> Callable[[Any], Change]:
    def change(e: Any) -> Change:
        sets = {"full_name": text(e.full_name), "folded_name": folded(e.full_name),
                "birth_date": e.birth_date, "organization_id": e.cell_id, "status": status,
                "admitted_on": None, "ceremony_on": None, "recognized_on": None}
        sets.update({name: read(e) for name, read in dates.items()})
        return Change(e.effective_on, sets, opens=True)
    return change


def _enrolled(e: Member.Enrolled) -> Change:
    return _opened("OFFICIAL" if e.recognized_on else "PROBATIONARY",
                   admitted_on=lambda e: e.admitted_on, ceremony_on=lambda e: e.ceremony_on,
                   recognized_on=lambda e: e.recognized_on)(e)


def _sets(**fields: Callable[[Any], Any]) -> Callable[[Any], Change]:
    return lambda e: Change(e.effective_on, {name: read(e) for name, read in fields.items()})


def _status(status: str) -> Callable[[Any], Change]:
    return lambda e: Change(e.effective_on, {"status": status})


def _corrected(e: Member.RecordCorrected) -> Change | None:
    sets: dict[str, Any] = {}
    if e.full_name:
        sets.update(full_name=text(e.full_name), folded_name=folded(e.full_name))
    if e.birth_date:
        sets.update(birth_date=e.birth_date)
    return Change(e.effective_on, sets) if sets else None


def _disciplined(e: Discipline.DisciplineImposed) -> Change | None:
    return Change(e.effective_on, {"status": "EXITED"}) if e.form is DisciplineForm.EXPULSION else None


def _appeal_resolved(e: Discipline.DisciplineAppealResolved) -> Change | None:
    return Change(e.effective_on, {"status": e.status_after.name}) if e.status_after else None


def _readmitted(e: Exits.Readmitted) -> Change:
    return Change(e.effective_on, {"status": "PROBATIONARY", "organization_id": e.cell_id,
                                   "ceremony_on": e.ceremony_on, "recognized_on": None})


_HANDLERS: dict[type[Any], Callable[[Any], Change | None]] = {
    Member.CandidacyOpened: _opened("CANDIDATE"),
    Member.Admitted: _opened("PROBATIONARY", admitted_on=lambda e: e.decision.date,
                             ceremony_on=lambda e: e.ceremony_on),
    Member.Enrolled: _enrolled,
    Member.RecordCorrected: _corrected,
    AdmissionPipeline.AdmissionDecided: lambda e: Change(
        e.effective_on, {"status": "ADMITTED_PENDING_CEREMONY", "admitted_on": e.decision.date}),
    AdmissionPipeline.AdmissionCeremonyHeld: _sets(status=lambda e: "PROBATIONARY",
                                                   ceremony_on=lambda e: e.effective_on),
    Probation.RecognizedAsOfficial: _sets(status=lambda e: "OFFICIAL",
                                          recognized_on=lambda e: e.effective_on),
    Reorganised.MovedByReorganisation: _sets(organization_id=lambda e: e.to_cell_id),
    Transfers.TransferReceived: _sets(organization_id=lambda e: e.to_cell_id),
    Discipline.DisciplineImposed: _disciplined,
    Discipline.DisciplineAppealResolved: _appeal_resolved,
    Exits.StruckOff: _status("EXITED"),
    Exits.VoluntaryWithdrawalApproved: _status("EXITED"),
    Exits.Deceased: _status("DECEASED"),
    Exits.MembershipRestored: lambda e: Change(e.effective_on, {"status": e.restored_as.name}),
    Exits.Readmitted: _readmitted,
}


HANDLED = tuple(_HANDLERS)
"""The member event classes that change a record."""


# -- what the statistics count -------------------------------------------------------------

def exit_kind(event: Any) -> str | None:
    """The kind of exit an event records (``ExitKind`` names, and DECEASED), if any."""
    if isinstance(event, Exits.StruckOff):
        return "STRUCK_OFF"
    if isinstance(event, Exits.VoluntaryWithdrawalApproved):
        return "WITHDRAWN"
    if isinstance(event, Exits.Deceased):
        return "DECEASED"
    if isinstance(event, Discipline.DisciplineImposed) and event.form is DisciplineForm.EXPULSION:
        return "EXPELLED"
    return None


def admission_date(event: Any) -> date | None:
    """The date of the admission decision an event records (a member joins the party), if any."""
    if isinstance(event, Member.Admitted | AdmissionPipeline.AdmissionDecided | Exits.Readmitted):
        return event.decision.date  # type: ignore[no-any-return]
    if isinstance(event, Member.Enrolled):
        return event.admitted_on  # type: ignore[no-any-return]
    return None

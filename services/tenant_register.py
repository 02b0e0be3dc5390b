"""A tenant's whole register: every part of the member's life in one application and log."""

from __future__ import annotations

from partyledger.services.badges import BadgeRegister
from partyledger.services.calendar import CalendarBook
from partyledger.services.discipline import DisciplineRegister
from partyledger.services.exits import ExitRegister
from partyledger.services.org_committee import CommitteeRegister
from partyledger.services.org_meetings import MeetingRegister
from partyledger.services.org_reorganisation import ReorganisationRegister
from partyledger.services.ratings import RatingRegister
from partyledger.services.screening import ScreeningRegister
from partyledger.services.transfers import TransferRegister


class TenantRegister(  # type: ignore[misc]
    CalendarBook, TransferRegister, DisciplineRegister, ExitRegister, RatingRegister, BadgeRegister,
    ReorganisationRegister, CommitteeRegister, MeetingRegister, ScreeningRegister,
):
    """Everything a tenant records, in one application and one notification log."""

    name = "register"  # table names: register_events; eventsourcing would take the class name

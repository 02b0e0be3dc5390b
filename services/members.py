"""The member register: admission, recognition, party cards, corrections, histories."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from partyledger.domain.admission import IntroducerStanding
from partyledger.domain.decision import Decision
from partyledger.domain.errors import MemberNotFoundError, OrganizationNotCellError
from partyledger.domain.member import Member
from partyledger.domain.member_state import Introducer, MemberStatus, Resolution
from partyledger.domain.member_timeline import record_as_of
from partyledger.domain.organization import Organization, OrganizationKind
from partyledger.domain.rules import CHARTER_RULES, RuleBook
from partyledger.domain.working_days import WorkingCalendar
from partyledger.services.access import AccessDeniedError, Actor, Role
from partyledger.services.organizations import OrganizationTree
from partyledger.services.party_cards import PartyCardNumber
from partyledger.services.register import Held, Outcome


@dataclass(frozen=True)
class HistoryPage:
    """A page of a member's events, whether more follow, and how many there are in all."""

    events: Sequence[Any]
    has_next: bool
    total_count: int


class MemberRegister(OrganizationTree):
    rule_book: RuleBook = CHARTER_RULES

    def working_calendar(self) -> WorkingCalendar:
        """Weekdays only; the tenant's register overrides this with its holiday calendar."""
        return WorkingCalendar(name="weekdays")

    # -- admission, step by step ------------------------------------------------------------

    def open_candidacy(  # noqa: PLR0913
        self, actor: Actor, *, full_name: str, birth_date: date, cell_id: UUID,
        introducers: tuple[Introducer, ...], applied_on: date, citizen_id: str | None = None,
    ) -> Outcome:
        """Open an applicant's record in a cell (đối tượng kết nạp)."""
        arguments = {"full_name": full_name, "birth_date": birth_date, "cell_id": cell_id,
                     "introducers": introducers, "applied_on": applied_on, "citizen_id": citizen_id}
        self.authorise_writer(actor)

        def run() -> list[Member]:
            self.writable_cell(actor, cell_id)
            return [Member.open_candidacy(full_name=full_name, birth_date=birth_date, cell_id=cell_id,
                                          introducers=introducers, applied_on=applied_on,
                                          citizen_id=citizen_id)]

        return self.execute("open_candidacy", arguments, run)

    def pass_cell_resolution(
        self, actor: Actor, *, member_id: UUID, resolution: Resolution,
        provincial_authority: Decision | None = None,
    ) -> Outcome:
        """The cell's resolution to admit (≥ 2/3 of its official members)."""
        return self._step("pass_cell_resolution", actor, member_id, locals(), lambda m: m.pass_cell_resolution(
            resolution, standings=self.introducer_standings(m.introducers),
            provincial_authority=provincial_authority, rules=self.rule_book.in_force(resolution.on)))

    def pass_grassroots_resolution(self, actor: Actor, *, member_id: UUID, resolution: Resolution) -> Outcome:
        """The grassroots committee's resolution, where the cell is not itself grassroots."""
        return self._step("pass_grassroots_resolution", actor, member_id, locals(), lambda m: m.pass_grassroots_resolution(
            resolution, rules=self.rule_book.in_force(resolution.on)))

    def decide_admission(
        self, actor: Actor, *, member_id: UUID, decision: Decision, received_on: date | None = None,
        extended: bool = False,
    ) -> Outcome:
        """The competent committee's decision (≤ 60 working days, +30 on extension)."""
        return self._step("decide_admission", actor, member_id, locals(), lambda m: m.decide_admission(
            decision, received_on=received_on or decision.date, extended=extended,
            needs_grassroots=self.needs_grassroots(m.cell_id),
            rules=self.rule_book.in_force(decision.date), calendar=self.working_calendar()))

    def hold_ceremony(
        self, actor: Actor, *, member_id: UUID, on: date, late_consent: Decision | None = None
    ) -> Outcome:
        """The admission ceremony; probation starts."""
        return self._step("hold_ceremony", actor, member_id, locals(), lambda m: m.hold_ceremony(
            on, late_consent=late_consent, rules=self.rule_book.in_force(on),
            calendar=self.working_calendar()))

    # -- admission in one command -------------------------------------------------------------

    def admit_member(  # noqa: PLR0913
        self, actor: Actor, *, full_name: str, birth_date: date, cell_id: UUID,
        introducers: tuple[Introducer, ...], cell_resolution: Resolution, decision: Decision,
        ceremony_on: date, grassroots_resolution: Resolution | None = None,
        decision_received_on: date | None = None, extended: bool = False,
        provincial_authority: Decision | None = None, late_consent: Decision | None = None,
        citizen_id: str | None = None,
    ) -> Outcome:
        """Record a whole admission at once: every step is checked as if recorded one by one."""
        arguments = {k: v for k, v in locals().items() if k not in ("self", "actor")}
        self.authorise_writer(actor)

        def run() -> list[Member]:
            self.writable_cell(actor, cell_id)
            member = Member.open_candidacy(full_name=full_name, birth_date=birth_date, cell_id=cell_id,
                                           introducers=introducers, applied_on=cell_resolution.on,
                                           citizen_id=citizen_id)
            member.pass_cell_resolution(cell_resolution, standings=self.introducer_standings(introducers),
                                        provincial_authority=provincial_authority,
                                        rules=self.rule_book.in_force(cell_resolution.on))
            if grassroots_resolution:
                member.pass_grassroots_resolution(grassroots_resolution,
                                                  rules=self.rule_book.in_force(grassroots_resolution.on))
            calendar = self.working_calendar()
            member.decide_admission(decision, received_on=decision_received_on or decision.date,
                                    extended=extended, needs_grassroots=self.needs_grassroots(cell_id),
                                    rules=self.rule_book.in_force(decision.date), calendar=calendar)
            member.hold_ceremony(ceremony_on, late_consent=late_consent,
                                 rules=self.rule_book.in_force(ceremony_on), calendar=calendar)
            return [member]

        return self.execute("admit_member", arguments, run)

    def enroll_member(  # noqa: PLR0913
        self, actor: Actor, *, full_name: str, birth_date: date, cell_id: UUID,
        admitted_on: date, ceremony_on: date, recognized_on: date | None,
    ) -> Outcome:
        """Enter a member admitted before this register existed (tenant administrators only)."""
        actor.require(Role.TENANT_ADMIN)
        arguments = {k: v for k, v in locals().items() if k not in ("self", "actor")}

        def run() -> list[Member]:
            self.writable_cell(actor, cell_id)
            return [Member.enroll(full_name=full_name, birth_date=birth_date, cell_id=cell_id,
                                  admitted_on=admitted_on, ceremony_on=ceremony_on,
                                  recognized_on=recognized_on)]

        return self.execute("enroll_member", arguments, run)

    # -- probation, card, corrections ---------------------------------------------------------

    def recognize_official(  # noqa: PLR0913
        self, actor: Actor, *, member_id: UUID, cell_resolution: Resolution, decision: Decision,
        effective_on: date, grassroots_resolution: Resolution | None = None, extended: bool = False,
    ) -> Outcome:
        """Recognise a probationary member as official once probation has run (§2.3)."""
        return self._step("recognize_official", actor, member_id, locals(), lambda m: m.recognize_as_official(
            cell_resolution=cell_resolution, grassroots_resolution=grassroots_resolution,
            needs_grassroots=self.needs_grassroots(m.cell_id), decision=decision,
            effective_on=effective_on, extended=extended,
            rules=self.rule_book.in_force(cell_resolution.on), calendar=self.working_calendar()))

    def issue_party_card(
        self, actor: Actor, *, member_id: UUID, card_number: str, effective_on: date,
        decision: Decision | None = None,
    ) -> Outcome:
        """Issue a party card; its number is unique within the tenant."""
        arguments = {k: v for k, v in locals().items() if k not in ("self", "actor")}
        self.authorise_writer(actor)

        def run() -> list[Any]:
            member = self.writable_member(actor, member_id)
            member.issue_party_card(card_number=card_number, decision=decision, effective_on=effective_on)
            return [member, PartyCardNumber.reserve(self, card_number.strip(), member_id)]

        return self.execute("issue_party_card", arguments, run)

    def correct_record(  # noqa: PLR0913
        self, actor: Actor, *, member_id: UUID, amends_version: int, reason: str,
        effective_on: date, full_name: str | None = None, birth_date: date | None = None,
    ) -> Outcome:
        """Correct a recorded fact; the correction is a new event naming the one it amends."""
        return self._step("correct_record", actor, member_id, locals(), lambda m: m.correct_record(
            amends_version=amends_version, full_name=full_name, birth_date=birth_date,
            reason=reason, effective_on=effective_on))

    # -- reads --------------------------------------------------------------------------------

    def member(self, member_id: UUID) -> Member:
        member = self.get_or_none(member_id, Member)
        if member is None:
            raise MemberNotFoundError(f"no member {member_id} in this register", field="memberId")
        return member  # type: ignore[no-any-return]

    def member_scope(self, actor: Actor) -> frozenset[UUID] | None:
        """Whose personal data ``actor`` reads in this register: ``None`` for everyone, else the
        organisations a member's cell must lie under (officers). Partner keys: refused."""
        self.check_tenant(actor)
        return actor.member_scope()

    def readable_member(self, actor: Actor, member_id: UUID) -> Member:
        """A member whose personal data the actor may read: tenant administrators and inspectors
        the whole tenant, officers their subtree (and members a transfer letter sends into it),
        partner keys no one."""
        self.member_scope(actor)
        member = self.member(member_id)
        if not actor.reads_whole_tenant:
            cells = [member.cell_id, *([member.receiving_cell_id] if member.receiving_cell_id else [])]
            if not any(actor.reads_within(self.lineage(self.organization(c, field="memberId")))
                       for c in cells):
                raise AccessDeniedError("this member is outside your scope")
        return member

    def member_history(self, actor: Actor, member_id: UUID) -> Sequence[Any]:
        """The member's own events in order: the history an inspector reconstructs."""
        self.readable_member(actor, member_id)
        return self.stream_page(member_id)

    def member_history_page(
        self, actor: Actor, member_id: UUID, *, after: int, first: int
    ) -> HistoryPage:
        """The member's events after version ``after``, at most ``first``: one page read from
        the event store (the member's version is the number of its events)."""
        member = self.readable_member(actor, member_id)
        events = self.stream_page(member_id, after=after, first=first + 1)
        return HistoryPage(events[:first], has_next=len(events) > first, total_count=member.version)

    def reading_set(self, aggregate_ids: Sequence[UUID], *, lineages: bool = True) -> Held:
        """Members and organisations, with (``lineages``) every organisation a scoped read of
        them consults (their cells and the superiors up to the top), read one level of the tree
        at a time: what ``holding`` needs for ``readable_member`` and the other reads of a page to
        ask nothing more. Readers of the whole tenant need no lineage."""
        found: dict[UUID, Any] = {}
        wanted = list(dict.fromkeys(aggregate_ids))
        while wanted:
            found.update(self.aggregates(wanted))
            related = (getattr(found[i], name, None) for i in wanted if lineages
                       for name in ("cell_id", "receiving_cell_id", "parent_id"))
            wanted = list(dict.fromkeys(r for r in related
                                        if isinstance(r, UUID) and r not in found))
        return Held(found)

    def member_as_of(
        self, actor: Actor, member_id: UUID, as_of: date, known_at: datetime | None = None
    ) -> Member | None:
        """The record as it stood on ``as_of`` (effective dates), as known at ``known_at``."""
        return record_as_of(self.member_history(actor, member_id), as_of, known_at)  # type: ignore[no-any-return]

    # -- shared by every part of the register --------------------------------------------------

    def _step(self, command: str, actor: Actor, member_id: UUID, given: dict[str, Any],
              change: Any) -> Outcome:
        """A command that changes one member: authority on the member's cell, then the rule."""
        arguments = {k: v for k, v in given.items() if k not in ("self", "actor")}
        self.authorise_writer(actor)

        def run() -> list[Member]:
            self.check_tenant(actor)
            member = self.writable_member(actor, member_id)
            change(member)
            return [member]

        return self.execute(command, arguments, run)

    def authorise_writer(self, actor: Actor) -> None:
        """Before anything is looked up (or an earlier answer replayed): only tenant
        administrators and officers record members' events."""
        self.check_tenant(actor)
        actor.require(Role.TENANT_ADMIN, Role.OFFICER)

    def writable_member(self, actor: Actor, member_id: UUID) -> Member:
        self.authorise_writer(actor)
        member = self.member(member_id)
        try:
            self.writable_cell(actor, member.cell_id)
        except AccessDeniedError:
            raise AccessDeniedError("this member is outside your scope") from None  # no cell id
        return member

    def writable_cell(self, actor: Actor, cell_id: UUID) -> Organization:
        self.check_tenant(actor)
        actor.require(Role.TENANT_ADMIN, Role.OFFICER)
        cell = self.organization(cell_id, field="cellId")
        if not cell.kind.holds_members:
            msg = f"{cell.name} is a {cell.kind.name}; members belong to cells"
            raise OrganizationNotCellError(msg, field="cellId")
        if not actor.covers(self.lineage(cell)):  # the cell may be a member's: never named here
            raise AccessDeniedError("this cell is outside your scope")
        return cell

    def needs_grassroots(self, cell_id: UUID) -> bool:
        """A cell under a grassroots committee needs that committee's resolution as well."""
        return self.organization(cell_id, field="cellId").kind is OrganizationKind.SUBORDINATE_CELL

    def introducer_standings(self, introducers: tuple[Introducer, ...]) -> dict[UUID, IntroducerStanding]:
        standings = {}
        for member_id in {i.member_id for i in introducers if i.member_id is not None}:
            member = self.get_or_none(member_id, Member)
            official = member is not None and member.status is MemberStatus.OFFICIAL
            standings[member_id] = IntroducerStanding(member_id, member.recognized_on if official else None)
        return standings

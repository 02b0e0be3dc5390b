"""Discipline of a member (kỷ luật), appeals, lapse, and suspension from activity (§2.9).

What other parts read: ``disciplined_in(year)`` (ratings force NOT_COMPLETED),
``suspended_during(year)`` / ``suspended_on(day)`` (suspended members are not rated),
``active_disciplines(as_of)`` (the inspector's ledger). An expulsion makes the member EXITED and
opens an ``ExcludedInterval(cause="EXPELLED")``; annulling it on appeal closes the gap entirely,
so party age runs on unbroken (QĐ 117).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from partyledger.domain.aggregate import RegisterAggregate
from partyledger.domain.calendar_months import add_months
from partyledger.domain.decision import Decision
from partyledger.domain.discipline_rules import (
    ActivitySuspension,
    AppealAlreadyPendingError,
    AppealNewFormInvalidError,
    AppealOutOfTimeError,
    DisciplineAppealOutcome,
    DisciplineAppealPendingError,
    DisciplineAuthority,
    DisciplineCannotLapseYetError,
    DisciplineForm,
    DisciplineLimitationExpiredError,
    DisciplineNewViolationInYearError,
    DisciplineNotActiveError,
    DisciplineNotFoundError,
    DisciplineRecord,
    EXPELLED,
    ExpulsionDoesNotLapseError,
    MemberAlreadySuspendedError,
    MemberNotSuspendedError,
    NoAppealPendingError,
    SuspensionGround,
    SuspensionPeriodRequiredError,
    SuspensionTooLongError,
    check_form,
    check_votes,
    limitation_deadline,
)
from partyledger.domain.errors import DateOrderError, DomainError, StatusDoesNotAllowError
from partyledger.domain.member_state import ExcludedInterval, MemberState, MemberStatus
from partyledger.domain.rules import Rules
from partyledger.domain.votes import VoteTally
from partyledger.domain.working_days import WorkingCalendar

def _expel(member: Discipline, on: date) -> None:
    """Out from ``on``; a gap still open (a lapsed transfer) ends there, as with any exit, so
    the excluded intervals never overlap."""
    member.status = MemberStatus.EXITED
    member.excluded = [*(replace(i, end=on) if i.end is None else i for i in member.excluded),
                       ExcludedInterval(start=on, end=None, cause=EXPELLED)]


def _unexpel(member: Discipline, record: DisciplineRecord) -> None:
    member.excluded = [i for i in member.excluded
                       if not (i.cause == EXPELLED and i.start == record.expelled_on)]


_order = DateOrderError.check


def _update(member: Discipline, ref: int, **changes: object) -> DisciplineRecord:
    old = next(d for d in member.disciplines if d.ref == ref)
    member.disciplines = tuple(replace(d, **changes) if d.ref == ref else d  # type: ignore[arg-type]
                               for d in member.disciplines)
    return old


def _update_suspension(member: Discipline, start: date, **changes: object) -> None:
    member.suspensions = tuple(replace(s, **changes) if s.start == start else s  # type: ignore[arg-type]
                               for s in member.suspensions)


class Discipline(MemberState):
    """Discipline, appeals, lapse and suspension from activity (§2.9)."""

    disciplines: tuple[DisciplineRecord, ...] = ()  # replaced, never mutated: the default is shared
    suspensions: tuple[ActivitySuspension, ...] = ()

    class DisciplineImposed(RegisterAggregate.Event):
        """In effect from its announcement (``effective_on``); an expulsion makes the member EXITED."""

        form: DisciplineForm
        violation_on: date
        decision: Decision
        vote: VoteTally
        superior_vote: VoteTally | None
        authority_kind: DisciplineAuthority | None
        holds_post: bool
        deferral_days: int
        regulation: str
        effective_on: date

        def apply(self, member: Discipline) -> None:
            expels = self.form is DisciplineForm.EXPULSION
            member.disciplines = (*member.disciplines, DisciplineRecord(
                ref=self.originator_version, form=self.form, original_form=self.form,
                violation_on=self.violation_on, decision=self.decision,
                announced_on=self.effective_on, status_before=member.status,
                holds_post=self.holds_post, expelled_on=self.effective_on if expels else None))
            if expels:
                _expel(member, self.effective_on)

    class DisciplineAppealFiled(RegisterAggregate.Event):
        discipline_ref: int
        effective_on: date

        def apply(self, member: Discipline) -> None:
            _update(member, self.discipline_ref, appeal_filed_on=self.effective_on, appeal_pending=True)

    class DisciplineAppealResolved(RegisterAggregate.Event):
        """``status_after`` is the member's status where the decision changes it: restored after
        an expulsion is annulled or lightened, EXITED when an appeal turns it into one."""

        discipline_ref: int
        outcome: DisciplineAppealOutcome
        new_form: DisciplineForm | None
        decision: Decision
        formal_apology: bool
        status_after: MemberStatus | None
        effective_on: date

        def apply(self, member: Discipline) -> None:
            annulled = self.outcome is DisciplineAppealOutcome.ANNULLED
            old = _update(member, self.discipline_ref, appeal_pending=False,
                          appeal_decided_on=self.effective_on,
                          annulled_on=self.effective_on if annulled else None,
                          formal_apology=self.formal_apology)
            form = self.new_form or old.form
            if self.new_form is not None:
                _update(member, self.discipline_ref, form=form, changed_on=self.effective_on)
            expelled = not annulled and form is DisciplineForm.EXPULSION
            if old.expelled_on is not None and not expelled:
                _unexpel(member, old)
                _update(member, self.discipline_ref, expelled_on=None)
            elif old.expelled_on is None and expelled:
                _expel(member, self.effective_on)
                _update(member, self.discipline_ref, expelled_on=self.effective_on)
            if self.status_after is not None:
                member.status = self.status_after

    class DisciplineLapsed(RegisterAggregate.Event):
        """The discipline expired a year after its announcement (or its appeal decision)."""

        discipline_ref: int
        regulation: str
        effective_on: date

        def apply(self, member: Discipline) -> None:
            _update(member, self.discipline_ref, lapsed_on=self.effective_on)

    class ActivitySuspended(RegisterAggregate.Event):
        ground: SuspensionGround
        until_on: date | None
        decision: Decision | None
        regulation: str
        effective_on: date

        def apply(self, member: Discipline) -> None:
            member.suspensions = (*member.suspensions,
                                  ActivitySuspension(self.effective_on, self.until_on, self.ground))

    class ActivitySuspensionExtended(RegisterAggregate.Event):
        suspended_from: date
        until_on: date
        decision: Decision | None
        regulation: str
        effective_on: date

        def apply(self, member: Discipline) -> None:
            _update_suspension(member, self.suspended_from, until=self.until_on)

    class ActivitySuspensionEnded(RegisterAggregate.Event):
        suspended_from: date
        decision: Decision | None
        effective_on: date

        def apply(self, member: Discipline) -> None:
            _update_suspension(member, self.suspended_from, ended_on=self.effective_on)

    # -- queries other parts read ---------------------------------------------------------------

    def discipline_record(self, ref: int) -> DisciplineRecord:
        found = next((d for d in self.disciplines if d.ref == ref), None)
        if found is None:
            raise DisciplineNotFoundError(f"the member has no discipline {ref}", field="disciplineRef")
        return found

    def active_disciplines(self, as_of: date) -> list[DisciplineRecord]:
        """The disciplines in effect on ``as_of`` (announced, not lapsed, never annulled)."""
        return [d for d in self.disciplines if d.active_on(as_of)]

    def disciplined_in(self, year: int) -> bool:
        """Whether a discipline was announced in ``year``: the rating is then NOT_COMPLETED
        (§2.12). An annulled discipline does not count (QĐ 117 restores the rating)."""
        return any(d.annulled_on is None and d.announced_on.year == year for d in self.disciplines)

    def suspended_on(self, day: date) -> bool:
        return any(s.in_force_on(day) for s in self.suspensions)

    def suspended_during(self, year: int) -> bool:
        """Whether suspended from activity on any day of ``year``: such a member is not rated."""
        return any(s.overlaps(date(year, 1, 1), date(year, 12, 31)) for s in self.suspensions)

    # -- commands -------------------------------------------------------------------------------

    def impose_discipline(  # noqa: PLR0913
        self, *, form: DisciplineForm, violation_on: date, decision: Decision, announced_on: date,
        vote: VoteTally, rules: Rules, superior_vote: VoteTally | None = None,
        holds_post: bool = False, authority_kind: DisciplineAuthority | None = None,
        deferral_days: int = 0,
    ) -> None:
        """Discipline a member: the form the status allows, the vote, within the limitation
        period (rules in force on the decision's date). ``deferral_days`` (QĐ 102 Art. 5) do
        not count towards that period."""
        if not self.status.is_member:
            raise StatusDoesNotAllowError(f"the record is {self.status.name}; only members are disciplined")
        _order(violation_on, decision.date, "decision.date", "the decision")
        _order(decision.date, announced_on, "announcedOn", "the announcement")
        check_form(form, self.status, holds_post=holds_post, authority=authority_kind)
        check_votes(form, vote, superior_vote)
        if deferral_days < 0:
            raise DomainError("deferral days cannot be negative", field="deferralDays")
        years = rules.limitation_years.get(form.name)
        if years is not None:
            earlier = [d.violation_on for d in self.disciplines if d.annulled_on is None]
            deadline = limitation_deadline(violation_on, years, earlier, deferral_days)
            if decision.date > deadline:
                msg = (f"a violation of {violation_on} warranting {form.name} could be disciplined"
                       f" until {deadline} ({years} years, {rules.regulation}); decided {decision.date}")
                raise DisciplineLimitationExpiredError(msg, field="violationOn")
        self.trigger_event(  # type: ignore[attr-defined]
            self.DisciplineImposed, form=form, violation_on=violation_on, decision=decision,
            vote=vote, superior_vote=superior_vote, authority_kind=authority_kind,
            holds_post=holds_post, deferral_days=deferral_days, regulation=rules.regulation,
            effective_on=announced_on)

    def file_discipline_appeal(
        self, *, discipline_ref: int, filed_on: date, rules: Rules, calendar: WorkingCalendar,
    ) -> None:
        """Appeal within 30 working days of the announcement (or of the last appeal decision)."""
        record = self.discipline_record(discipline_ref)
        if record.closed:
            raise DisciplineNotActiveError("the discipline was annulled or has lapsed", field="disciplineRef")
        if record.appeal_pending:
            raise AppealAlreadyPendingError("an appeal against it is pending", field="disciplineRef")
        _order(record.clock_from, filed_on, "filedOn", "the appeal")
        deadline = calendar.add_working_days(record.clock_from, rules.appeal_wd)
        if filed_on > deadline:
            msg = (f"filed {filed_on}, after {rules.appeal_wd} working days from"
                   f" {record.clock_from} ({deadline})")
            raise AppealOutOfTimeError(msg, field="filedOn")
        self.trigger_event(self.DisciplineAppealFiled,  # type: ignore[attr-defined]
                           discipline_ref=discipline_ref, effective_on=filed_on)

    def resolve_discipline_appeal(
        self, *, discipline_ref: int, outcome: DisciplineAppealOutcome, decision: Decision,
        new_form: DisciplineForm | None = None,
    ) -> None:
        """Uphold, change or annul. Annulment removes the discipline's effect and owes the member
        a formal apology; an annulled or lightened expulsion restores the earlier status."""
        record = self.discipline_record(discipline_ref)
        if not record.appeal_pending or record.appeal_filed_on is None:
            raise NoAppealPendingError("no appeal against this discipline is pending", field="disciplineRef")
        _order(record.appeal_filed_on, decision.date, "decision.date", "the appeal decision")
        changed = outcome is DisciplineAppealOutcome.CHANGED
        if changed != (new_form is not None) or new_form is record.form:
            msg = "a CHANGED outcome names a different form; other outcomes name none"
            raise AppealNewFormInvalidError(msg, field="newForm")
        if new_form is not None:
            check_form(new_form, record.status_before, holds_post=record.holds_post, authority=None)
        form_after = new_form or record.form
        expelled = outcome is not DisciplineAppealOutcome.ANNULLED and form_after is DisciplineForm.EXPULSION
        status_after = None
        if record.expelled_on and not expelled and self.status is MemberStatus.EXITED:
            status_after = record.status_before
        elif expelled and not record.expelled_on:
            if self.status is not MemberStatus.OFFICIAL:
                msg = f"the member is {self.status.name}; only official members are expelled"
                raise StatusDoesNotAllowError(msg)
            status_after = MemberStatus.EXITED
        self.trigger_event(  # type: ignore[attr-defined]
            self.DisciplineAppealResolved, discipline_ref=discipline_ref, outcome=outcome,
            new_form=new_form, decision=decision, status_after=status_after,
            formal_apology=outcome is DisciplineAppealOutcome.ANNULLED, effective_on=decision.date)

    def lapse_discipline(self, *, discipline_ref: int, on: date, rules: Rules) -> None:
        """A year after the announcement (or the appeal decision), unless it is an expulsion, an
        appeal is pending, or the member has offended again within that year."""
        record = self.discipline_record(discipline_ref)
        if record.closed:
            raise DisciplineNotActiveError("the discipline was annulled or has lapsed", field="disciplineRef")
        if record.form is DisciplineForm.EXPULSION:
            raise ExpulsionDoesNotLapseError("an expulsion does not lapse", field="disciplineRef")
        if record.appeal_pending:
            raise DisciplineAppealPendingError("an appeal against it is pending", field="disciplineRef")
        start, due = record.clock_from, add_months(record.clock_from, rules.discipline_lapse_months)
        if on < due:
            raise DisciplineCannotLapseYetError(f"it lapses from {due}, not {on}", field="on")
        if any(d.ref != discipline_ref and d.annulled_on is None
               and (start < d.violation_on <= due or start < d.announced_on <= due)
               for d in self.disciplines):
            msg = f"the member offended again between {start} and {due}"
            raise DisciplineNewViolationInYearError(msg, field="disciplineRef")
        self.trigger_event(self.DisciplineLapsed, discipline_ref=discipline_ref,  # type: ignore[attr-defined]
                           regulation=rules.regulation, effective_on=on)

    def suspend_activity(  # noqa: PLR0913
        self, *, from_on: date, days: int | None, ground: SuspensionGround, rules: Rules,
        decision: Decision | None = None,
    ) -> None:
        """Suspend from party activity: up to 90 days (extendable to 180 in all); on a judicial
        ground, for the legal period (``days`` None: until ended)."""
        if not self.status.is_member:
            raise StatusDoesNotAllowError(f"the record is {self.status.name}; only members are suspended")
        if (days is None and not ground.judicial) or (days is not None and days < 1):
            raise SuspensionPeriodRequiredError("a suspension needs a period of days", field="days")
        if days is not None and not ground.judicial and days > rules.suspension_days:
            msg = f"{days} days; a suspension lasts at most {rules.suspension_days} days at first"
            raise SuspensionTooLongError(msg, field="days")
        until = from_on + timedelta(days=days - 1) if days else None
        if any(s.overlaps(from_on, until or date.max) for s in self.suspensions):
            raise MemberAlreadySuspendedError("the member is already suspended then", field="fromOn")
        self.trigger_event(  # type: ignore[attr-defined]
            self.ActivitySuspended, ground=ground, until_on=until, decision=decision,
            regulation=rules.regulation, effective_on=from_on)

    def extend_suspension(
        self, *, on: date, days: int, rules: Rules, decision: Decision | None = None,
    ) -> None:
        """Extend the suspension in force on ``on`` by ``days``: 180 days in all at most."""
        current = self._suspension_on(on)
        if current.until is None or days < 1:
            msg = "extend a suspension of set length by some days"
            raise SuspensionPeriodRequiredError(msg, field="days")
        until = current.until + timedelta(days=days)
        total = (until - current.start).days + 1
        if not current.ground.judicial and total > rules.suspension_max_days:
            msg = f"{total} days in all; a suspension lasts at most {rules.suspension_max_days} days"
            raise SuspensionTooLongError(msg, field="days")
        if any(s is not current and s.overlaps(current.start, until) for s in self.suspensions):
            raise MemberAlreadySuspendedError("another suspension follows within that period", field="days")
        self.trigger_event(  # type: ignore[attr-defined]
            self.ActivitySuspensionExtended, suspended_from=current.start, until_on=until,
            decision=decision, regulation=rules.regulation, effective_on=on)

    def end_suspension(self, *, on: date, decision: Decision | None = None) -> None:
        """End the suspension in force on ``on``; the member takes part again from that day."""
        current = self._suspension_on(on)
        _order(current.start + timedelta(days=1), on, "on", "the end of the suspension")
        self.trigger_event(  # type: ignore[attr-defined]
            self.ActivitySuspensionEnded, suspended_from=current.start, decision=decision,
            effective_on=on)

    def _suspension_on(self, day: date) -> ActivitySuspension:
        found = next((s for s in self.suspensions if s.in_force_on(day)), None)
        if found is None:
            raise MemberNotSuspendedError(f"the member is not suspended on {day}", field="on")
        return found

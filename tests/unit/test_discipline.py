"""Discipline, appeals, lapse and suspension on the Member aggregate (DOMAIN.md §2.9, scenario F)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, Mapper, UUIDAsHex
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from partyledger.domain.decision import Decision
from partyledger.domain.errors import DomainError
from partyledger.domain.member import Member, MemberStatus
from partyledger.domain.discipline_rules import (
    EXPELLED,
    LIGHT_FORMS,
    DisciplineAppealOutcome as Outcome,
    DisciplineAuthority,
    DisciplineForm as Form,
    SuspensionGround as Ground,
)
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.domain.rules import CHARTER_RULES
from partyledger.domain.votes import VoteTally
from partyledger.domain.working_days import WorkingCalendar
from partyledger.services.transcodings import register_domain_transcodings

RULES = CHARTER_RULES.in_force(date(2021, 4, 1))
WEEKDAYS = WorkingCalendar()
HALF_PLUS = VoteTally(6, 2, 10, 9)
HALF = VoteTally(5, 4, 10, 9)
TWO_THIRDS = VoteTally(7, 1, 10, 9)
IMPOSED = 2  # the version of the first discipline after the enrolment


@pytest.fixture(autouse=True)
def provenance() -> Iterator[Provenance]:
    with recorded_by(Provenance("inspector-3", "corr-9")) as p:
        yield p


def member(*, official: bool = True) -> Member:
    return Member.enroll(full_name="Đinh Văn Tùng", birth_date=date(1980, 6, 1), cell_id=uuid.uuid4(),
                         admitted_on=date(2015, 7, 24), ceremony_on=date(2015, 8, 10),
                         recognized_on=date(2016, 9, 1) if official else None)


def impose(m: Member, **changes: Any) -> None:
    arguments: dict[str, Any] = {
        "form": Form.WARNING, "violation_on": date(2021, 1, 10),
        "decision": Decision("12-QĐ/UBKT", date(2021, 4, 1), "Ủy ban Kiểm tra Huyện ủy"),
        "announced_on": date(2021, 4, 2), "vote": HALF_PLUS, "rules": RULES,
    }
    arguments.update(changes)
    m.impose_discipline(**arguments)


def expel(m: Member, on: date = date(2021, 4, 2)) -> None:
    impose(m, form=Form.EXPULSION, vote=TWO_THIRDS, superior_vote=HALF_PLUS, announced_on=on,
           decision=Decision("30-QĐ/HU", on, "Ban Thường vụ Huyện ủy"))


def appeal(m: Member, on: date, ref: int = IMPOSED) -> None:
    m.file_discipline_appeal(discipline_ref=ref, filed_on=on, rules=RULES, calendar=WEEKDAYS)


def decided(on: date) -> Decision:
    return Decision("5-QĐ/UBKTTW", on, "Ủy ban Kiểm tra Trung ương")


def refused(m: Member, code: str, command: Callable[[], None]) -> None:
    """The rule named ``code`` refuses the command and nothing is recorded or changed."""
    before = (m.version, len(m.pending_events), m.status, m.disciplines, m.suspensions, list(m.excluded))
    with pytest.raises(DomainError) as error:
        command()
    assert error.value.code == code
    assert (m.version, len(m.pending_events), m.status, m.disciplines, m.suspensions, m.excluded) == before


# -- forms by status ------------------------------------------------------------------------------

@pytest.mark.parametrize("form", [Form.DISMISSAL_FROM_POST, Form.EXPULSION])
def test_a_probationary_member_cannot_be_dismissed_or_expelled(form: Form) -> None:
    m = member(official=False)
    refused(m, "DISCIPLINE_FORM_NOT_ALLOWED_FOR_PROBATIONARY",
            lambda: impose(m, form=form, vote=TWO_THIRDS, superior_vote=HALF_PLUS, holds_post=True))


@pytest.mark.parametrize("form", sorted(LIGHT_FORMS, key=lambda f: f.name))
def test_a_probationary_member_can_be_reprimanded_or_warned(form: Form) -> None:
    m = member(official=False)
    impose(m, form=form)
    assert [d.form for d in m.disciplines] == [form] and m.status is MemberStatus.PROBATIONARY


def test_dismissal_needs_a_post_the_member_holds() -> None:
    m = member()
    refused(m, "DISMISSAL_REQUIRES_POST", lambda: impose(m, form=Form.DISMISSAL_FROM_POST))
    impose(m, form=Form.DISMISSAL_FROM_POST, holds_post=True)
    assert m.disciplines[0].form is Form.DISMISSAL_FROM_POST and m.status is MemberStatus.OFFICIAL


def test_a_cell_reprimands_or_warns_but_heavier_forms_are_decided_above_it() -> None:
    m = member()
    refused(m, "DISCIPLINE_AUTHORITY_INSUFFICIENT", lambda: impose(
        m, form=Form.DISMISSAL_FROM_POST, holds_post=True, authority_kind=DisciplineAuthority.CELL))
    impose(m, form=Form.WARNING, authority_kind=DisciplineAuthority.CELL)
    impose(m, form=Form.DISMISSAL_FROM_POST, holds_post=True,
           authority_kind=DisciplineAuthority.SUPERIOR_COMMITTEE)
    assert len(m.disciplines) == 2


def test_only_members_are_disciplined() -> None:
    m = member()
    expel(m)
    refused(m, "STATUS_DOES_NOT_ALLOW", lambda: impose(m, announced_on=date(2021, 5, 3),
                                                        decision=decided(date(2021, 5, 3))))


def test_the_decision_follows_the_violation_and_the_announcement_follows_the_decision() -> None:
    m = member()
    refused(m, "DATES_OUT_OF_ORDER", lambda: impose(m, violation_on=date(2021, 4, 2)))
    refused(m, "DATES_OUT_OF_ORDER", lambda: impose(m, announced_on=date(2021, 3, 31)))
    impose(m, violation_on=date(2021, 4, 1), announced_on=date(2021, 4, 1))
    assert m.disciplines[0].announced_on == date(2021, 4, 1)


# -- votes ----------------------------------------------------------------------------------------

def test_reprimand_warning_and_dismissal_need_more_than_half_of_the_body() -> None:
    m = member()
    refused(m, "DISCIPLINE_VOTE_BELOW_HALF", lambda: impose(m, vote=HALF))
    impose(m, vote=HALF_PLUS)
    assert m.disciplines[0].form is Form.WARNING


def test_expulsion_needs_two_thirds_of_the_proposing_body_and_more_than_half_of_the_superior() -> None:
    m = member()
    six_of_ten = VoteTally(6, 0, 10, 10)
    refused(m, "EXPULSION_VOTE_INSUFFICIENT", lambda: impose(
        m, form=Form.EXPULSION, vote=six_of_ten, superior_vote=HALF_PLUS))
    refused(m, "EXPULSION_VOTE_INSUFFICIENT", lambda: impose(
        m, form=Form.EXPULSION, vote=TWO_THIRDS, superior_vote=HALF))
    refused(m, "EXPULSION_VOTE_INSUFFICIENT", lambda: impose(m, form=Form.EXPULSION, vote=TWO_THIRDS))
    expel(m)
    event = m.pending_events[-1]
    assert (event.vote, event.superior_vote) == (TWO_THIRDS, HALF_PLUS)  # type: ignore[attr-defined]


def test_expulsion_makes_the_member_exited_and_stops_party_age_from_the_announcement() -> None:
    m = member()
    expel(m, on=date(2021, 4, 2))
    assert m.status is MemberStatus.EXITED
    assert [(i.start, i.end, i.cause) for i in m.excluded] == [(date(2021, 4, 2), None, EXPELLED)]


# -- limitation period ----------------------------------------------------------------------------

def test_a_reprimand_cannot_be_decided_more_than_five_years_after_the_violation() -> None:
    m = member()
    late = Decision("1-QĐ", date(2020, 1, 2), "Chi bộ")
    refused(m, "DISCIPLINE_LIMITATION_EXPIRED", lambda: impose(
        m, form=Form.REPRIMAND, violation_on=date(2015, 1, 1), decision=late, announced_on=late.date))
    in_time = Decision("1-QĐ", date(2020, 1, 1), "Chi bộ")
    impose(m, form=Form.REPRIMAND, violation_on=date(2015, 1, 1), decision=in_time, announced_on=in_time.date)
    assert m.disciplines[0].violation_on == date(2015, 1, 1)


def test_a_warning_runs_ten_years_and_a_new_violation_within_them_restarts_the_clock() -> None:
    m = member()
    late = Decision("2-QĐ", date(2020, 6, 1), "Đảng ủy")
    refused(m, "DISCIPLINE_LIMITATION_EXPIRED", lambda: impose(
        m, violation_on=date(2010, 1, 1), decision=late, announced_on=late.date))
    impose(m, form=Form.REPRIMAND, violation_on=date(2015, 3, 1),
           decision=Decision("1-QĐ", date(2015, 6, 1), "Chi bộ"), announced_on=date(2015, 6, 1))
    impose(m, violation_on=date(2010, 1, 1), decision=late, announced_on=late.date)
    assert [d.violation_on for d in m.disciplines] == [date(2015, 3, 1), date(2010, 1, 1)]


def test_expulsion_has_no_limitation_period() -> None:
    m = member()
    impose(m, form=Form.EXPULSION, violation_on=date(1999, 1, 1), vote=TWO_THIRDS,
           superior_vote=HALF_PLUS)
    assert m.status is MemberStatus.EXITED


def test_deferral_days_do_not_count_towards_the_limitation_period() -> None:
    m = member()
    late = Decision("3-QĐ", date(2020, 3, 1), "Chi bộ")
    arguments = {"form": Form.REPRIMAND, "violation_on": date(2015, 1, 1), "decision": late,
                 "announced_on": late.date}
    refused(m, "DISCIPLINE_LIMITATION_EXPIRED", lambda: impose(m, **arguments, deferral_days=30))
    impose(m, **arguments, deferral_days=60)
    assert len(m.disciplines) == 1


# -- appeals --------------------------------------------------------------------------------------

def test_an_appeal_is_filed_within_thirty_working_days_of_the_announcement() -> None:
    m = member()
    impose(m)
    deadline = WEEKDAYS.add_working_days(date(2021, 4, 2), 30)
    refused(m, "APPEAL_OUT_OF_TIME", lambda: m.file_discipline_appeal(
        discipline_ref=IMPOSED, filed_on=deadline + timedelta(days=1), rules=RULES, calendar=WEEKDAYS))
    m.file_discipline_appeal(discipline_ref=IMPOSED, filed_on=deadline, rules=RULES, calendar=WEEKDAYS)
    assert m.disciplines[0].appeal_pending


def test_holidays_in_the_calendar_lengthen_the_appeal_period() -> None:
    m = member()
    impose(m)
    holidays = WEEKDAYS.with_changes(holidays=[date(2021, 4, 21), date(2021, 4, 30)])
    late_on_weekdays = WEEKDAYS.add_working_days(date(2021, 4, 2), 30) + timedelta(days=1)
    m.file_discipline_appeal(discipline_ref=IMPOSED, filed_on=late_on_weekdays, rules=RULES,
                             calendar=holidays)
    assert m.disciplines[0].appeal_filed_on == late_on_weekdays


def test_an_appeal_names_a_discipline_of_the_member_and_only_one_is_pending_at_a_time() -> None:
    m = member()
    impose(m)

    refused(m, "DISCIPLINE_NOT_FOUND", lambda: appeal(m, date(2021, 4, 9), ref=1))
    appeal(m, date(2021, 4, 9))
    refused(m, "APPEAL_ALREADY_PENDING", lambda: appeal(m, date(2021, 4, 9)))


def test_an_appeal_is_resolved_only_when_pending_and_a_changed_form_is_named() -> None:
    m = member()
    impose(m)

    def resolve(outcome: Outcome, new_form: Form | None = None) -> None:
        m.resolve_discipline_appeal(discipline_ref=IMPOSED, outcome=outcome, new_form=new_form,
                                    decision=decided(date(2021, 6, 1)))

    refused(m, "NO_APPEAL_PENDING", lambda: resolve(Outcome.UPHELD))
    appeal(m, date(2021, 4, 9))
    refused(m, "APPEAL_NEW_FORM_INVALID", lambda: resolve(Outcome.CHANGED))
    refused(m, "APPEAL_NEW_FORM_INVALID", lambda: resolve(Outcome.CHANGED, Form.WARNING))
    refused(m, "APPEAL_NEW_FORM_INVALID", lambda: resolve(Outcome.UPHELD, Form.REPRIMAND))
    resolve(Outcome.CHANGED, Form.REPRIMAND)
    record = m.disciplines[0]
    assert (record.form, record.original_form, record.appeal_pending) == (Form.REPRIMAND, Form.WARNING, False)
    assert record.form_on(date(2021, 5, 1)) is Form.WARNING
    assert record.form_on(date(2021, 6, 1)) is Form.REPRIMAND


def test_an_appeal_cannot_turn_a_probationary_members_warning_into_an_expulsion() -> None:
    m = member(official=False)
    impose(m)
    appeal(m, date(2021, 4, 9))
    refused(m, "DISCIPLINE_FORM_NOT_ALLOWED_FOR_PROBATIONARY", lambda: m.resolve_discipline_appeal(
        discipline_ref=IMPOSED, outcome=Outcome.CHANGED, new_form=Form.EXPULSION,
        decision=decided(date(2021, 6, 1))))


def test_an_annulled_expulsion_restores_the_member_with_continuous_party_age_and_an_apology() -> None:
    m = member()
    expel(m)
    appeal(m, date(2021, 4, 20))
    assert m.status is MemberStatus.EXITED  # the member complies while the appeal is pending
    m.resolve_discipline_appeal(discipline_ref=IMPOSED, outcome=Outcome.ANNULLED,
                                decision=decided(date(2021, 9, 1)))
    record = m.disciplines[0]
    assert m.status is MemberStatus.OFFICIAL and m.excluded == []
    assert record.formal_apology and record.annulled_on == date(2021, 9, 1)
    assert m.active_disciplines(date(2021, 5, 1)) == [] and not m.disciplined_in(2021)


def test_an_expulsion_lightened_on_appeal_restores_the_status_and_keeps_a_warning() -> None:
    m = member()
    expel(m)
    appeal(m, date(2021, 4, 20))
    m.resolve_discipline_appeal(discipline_ref=IMPOSED, outcome=Outcome.CHANGED, new_form=Form.WARNING,
                                decision=decided(date(2021, 9, 1)))
    assert m.status is MemberStatus.OFFICIAL and m.excluded == []
    assert [d.form for d in m.active_disciplines(date(2021, 10, 1))] == [Form.WARNING]
    assert m.disciplined_in(2021)


# -- lapse ----------------------------------------------------------------------------------------

def test_scenario_f_a_warning_lapses_a_year_after_its_announcement() -> None:
    m = member()
    impose(m)
    refused(m, "DISCIPLINE_CANNOT_LAPSE_YET", lambda: m.lapse_discipline(
        discipline_ref=IMPOSED, on=date(2022, 4, 1), rules=RULES))
    assert [d.form for d in m.active_disciplines(date(2022, 1, 1))] == [Form.WARNING]
    m.lapse_discipline(discipline_ref=IMPOSED, on=date(2022, 4, 2), rules=RULES)
    assert m.active_disciplines(date(2022, 1, 1)) != []
    assert m.active_disciplines(date(2022, 4, 3)) == []
    assert m.disciplined_in(2021) and not m.disciplined_in(2022)
    refused(m, "DISCIPLINE_NOT_ACTIVE", lambda: m.lapse_discipline(
        discipline_ref=IMPOSED, on=date(2022, 5, 1), rules=RULES))


def test_an_expulsion_never_lapses() -> None:
    m = member()
    expel(m)
    refused(m, "EXPULSION_DOES_NOT_LAPSE", lambda: m.lapse_discipline(
        discipline_ref=IMPOSED, on=date(2023, 1, 1), rules=RULES))


def test_a_pending_appeal_holds_the_lapse_and_its_decision_restarts_the_year() -> None:
    m = member()
    impose(m)
    appeal(m, date(2021, 4, 9))

    def lapse(on: date) -> None:
        m.lapse_discipline(discipline_ref=IMPOSED, on=on, rules=RULES)

    refused(m, "DISCIPLINE_APPEAL_PENDING", lambda: lapse(date(2022, 4, 2)))
    m.resolve_discipline_appeal(discipline_ref=IMPOSED, outcome=Outcome.UPHELD,
                                decision=decided(date(2021, 7, 1)))
    refused(m, "DISCIPLINE_CANNOT_LAPSE_YET", lambda: lapse(date(2022, 4, 2)))
    lapse(date(2022, 7, 1))
    assert m.disciplines[0].lapsed_on == date(2022, 7, 1)


def test_a_new_violation_within_the_year_stops_the_lapse() -> None:
    m = member()
    impose(m)
    impose(m, form=Form.REPRIMAND, violation_on=date(2021, 11, 1),
           decision=Decision("40-QĐ", date(2022, 5, 1), "Chi bộ"), announced_on=date(2022, 5, 3))
    refused(m, "DISCIPLINE_NEW_VIOLATION_IN_YEAR", lambda: m.lapse_discipline(
        discipline_ref=IMPOSED, on=date(2022, 4, 2), rules=RULES))


def test_an_earlier_discipline_does_not_stop_a_later_one_from_lapsing() -> None:
    m = member()
    impose(m, violation_on=date(2019, 1, 1), decision=decided(date(2019, 3, 1)),
           announced_on=date(2019, 3, 1))
    impose(m)
    m.lapse_discipline(discipline_ref=IMPOSED + 1, on=date(2022, 4, 2), rules=RULES)
    assert [d.ref for d in m.active_disciplines(date(2022, 4, 3))] == [IMPOSED]


# -- suspension from activity ---------------------------------------------------------------------

def suspend(m: Member, days: int | None = 90, ground: Ground = Ground.OBSTRUCTION,
            on: date = date(2024, 1, 1)) -> None:
    m.suspend_activity(from_on=on, days=days, ground=ground, rules=RULES)


def test_a_suspension_lasts_at_most_ninety_days_at_first() -> None:
    m = member()
    refused(m, "SUSPENSION_TOO_LONG", lambda: suspend(m, 91))
    refused(m, "SUSPENSION_PERIOD_REQUIRED", lambda: suspend(m, None))
    refused(m, "SUSPENSION_PERIOD_REQUIRED", lambda: suspend(m, 0))
    suspend(m, 90)
    assert m.suspended_on(date(2024, 3, 30)) and not m.suspended_on(date(2024, 3, 31))


def test_a_suspension_is_extended_to_at_most_one_hundred_and_eighty_days_in_all() -> None:
    m = member()
    suspend(m, 90)
    refused(m, "SUSPENSION_TOO_LONG", lambda: m.extend_suspension(on=date(2024, 3, 1), days=91, rules=RULES))
    refused(m, "MEMBER_NOT_SUSPENDED", lambda: m.extend_suspension(on=date(2024, 4, 1), days=30, rules=RULES))
    m.extend_suspension(on=date(2024, 3, 1), days=90, rules=RULES)
    assert m.suspensions[0].days == 180 and m.suspended_on(date(2024, 6, 28))


def test_a_judicial_ground_follows_the_legal_period_until_ended() -> None:
    m = member()
    suspend(m, None, Ground.IN_CUSTODY)
    assert m.suspended_on(date(2025, 6, 1))
    m.end_suspension(on=date(2025, 7, 1))
    assert m.suspended_on(date(2025, 6, 30)) and not m.suspended_on(date(2025, 7, 1))


def test_suspensions_do_not_overlap_and_only_a_running_one_can_end() -> None:
    m = member()
    refused(m, "MEMBER_NOT_SUSPENDED", lambda: m.end_suspension(on=date(2024, 2, 1)))
    suspend(m, 60)
    refused(m, "MEMBER_ALREADY_SUSPENDED", lambda: suspend(m, 30, on=date(2024, 2, 15)))
    refused(m, "DATES_OUT_OF_ORDER", lambda: m.end_suspension(on=date(2024, 1, 1)))
    m.end_suspension(on=date(2024, 2, 1))
    suspend(m, 30, on=date(2024, 2, 15))
    assert [s.start for s in m.suspensions] == [date(2024, 1, 1), date(2024, 2, 15)]


def test_ratings_read_whether_the_member_was_suspended_or_disciplined_in_a_year() -> None:
    m = member()
    suspend(m, 30, on=date(2023, 12, 20))
    impose(m)
    assert m.suspended_during(2023) and m.suspended_during(2024) and not m.suspended_during(2022)
    assert m.disciplined_in(2021) and not m.disciplined_in(2023)


def test_non_members_are_not_suspended() -> None:
    m = member()
    expel(m)
    refused(m, "STATUS_DOES_NOT_ALLOW", lambda: suspend(m))


# -- any sequence of commands ---------------------------------------------------------------------

def check_invariants(m: Member) -> None:
    for d in m.disciplines:
        if d.status_before is MemberStatus.PROBATIONARY:
            assert d.form in LIGHT_FORMS and d.original_form in LIGHT_FORMS
        if d.lapsed_on is not None:
            assert d.form is not Form.EXPULSION and not d.active_on(d.lapsed_on)
        if d.annulled_on is not None:
            assert not d.active_on(d.annulled_on) and d.expelled_on is None
    expelled = sorted(d.expelled_on for d in m.disciplines if d.expelled_on)
    assert sorted(i.start for i in m.excluded if i.cause == EXPELLED) == expelled
    assert (m.status is MemberStatus.EXITED) == bool(expelled)
    for i, s in enumerate(m.suspensions):
        assert s.ground.judicial or (s.days or 0) <= RULES.suspension_max_days
        assert not any(s.overlaps(t.start, t.until or date.max) for t in m.suspensions[i + 1:])


def replayed(events: list[Any]) -> Member:
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DatetimeAsISO(), DecimalAsStr()):
        transcoder.register(transcoding)
    register_domain_transcodings(transcoder)
    mapper = Mapper(transcoder=transcoder)
    rebuilt = None
    for event in events:
        rebuilt = mapper.to_domain_event(mapper.to_stored_event(event)).mutate(rebuilt)
    assert isinstance(rebuilt, Member)
    return rebuilt


GAP = st.one_of(st.integers(0, 10), st.integers(0, 10), st.integers(0, 40), st.integers(300, 400))
PICK = st.integers(0, 3)  # which discipline a step names, among those it may apply to


class DisciplineCommands(RuleBasedStateMachine):
    """Commands in any order, days apart; a refused command changes nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.today = date(2017, 1, 2)
        self.member = member()

    @initialize(official=st.booleans())
    def disciplined_member(self, official: bool) -> None:
        self.member = member(official=official)
        impose(self.member, violation_on=date(2016, 12, 1), decision=decided(self.today),
               announced_on=self.today)

    def attempt(self, gap: int, command: Callable[[Member, date], None]) -> None:
        self.today += timedelta(days=gap)
        m = self.member
        before = (m.version, m.status, m.disciplines, m.suspensions, list(m.excluded))
        try:
            command(m, self.today)
        except DomainError:
            assert (m.version, m.status, m.disciplines, m.suspensions, m.excluded) == before

    def ref(self, pick: int, pending: bool) -> int:
        records = self.member.disciplines
        fitting = [d for d in records if d.appeal_pending is pending] or records
        return fitting[-1 - pick % len(fitting)].ref

    @rule(gap=GAP, form=st.sampled_from(Form), ago=st.integers(0, 4000), votes=st.integers(5, 10),
          post=st.booleans(), authority=st.sampled_from([None, *DisciplineAuthority]))
    def impose(self, gap: int, form: Form, ago: int, votes: int, post: bool,  # noqa: PLR0913
               authority: DisciplineAuthority | None) -> None:
        self.attempt(gap, lambda m, day: impose(
            m, form=form, violation_on=day - timedelta(days=ago), decision=decided(day), announced_on=day,
            vote=VoteTally(votes, 0, 10, 10), superior_vote=VoteTally(votes - 1, 0, 10, 10),
            holds_post=post, authority_kind=authority))

    @rule(gap=GAP, pick=PICK)
    def appeal(self, gap: int, pick: int) -> None:
        self.attempt(gap, lambda m, day: appeal(m, day, ref=self.ref(pick, False)))

    @rule(gap=GAP, pick=PICK, outcome=st.sampled_from(Outcome), form=st.sampled_from(Form))
    def resolve(self, gap: int, pick: int, outcome: Outcome, form: Form) -> None:
        self.attempt(gap, lambda m, day: m.resolve_discipline_appeal(
            discipline_ref=self.ref(pick, True), outcome=outcome, decision=decided(day),
            new_form=form if outcome is Outcome.CHANGED else None))

    @rule(gap=GAP, pick=PICK)
    def lapse(self, gap: int, pick: int) -> None:
        self.attempt(gap, lambda m, day: m.lapse_discipline(
            discipline_ref=self.ref(pick, False), on=day, rules=RULES))

    @rule(gap=GAP, days=st.integers(-5, 200), ground=st.sampled_from(Ground))
    def suspend(self, gap: int, days: int, ground: Ground) -> None:
        self.attempt(gap, lambda m, day: suspend(m, days if days > 0 else None, ground, on=day))

    @rule(gap=GAP, days=st.integers(1, 120))
    def extend(self, gap: int, days: int) -> None:
        self.attempt(gap, lambda m, day: m.extend_suspension(on=day, days=days, rules=RULES))

    @rule(gap=GAP)
    def end(self, gap: int) -> None:
        self.attempt(gap, lambda m, day: m.end_suspension(on=day))

    @invariant()
    def valid(self) -> None:
        check_invariants(self.member)

    def teardown(self) -> None:
        state = vars(self.member).copy()
        assert vars(replayed(self.member.collect_events())) == state | {"_pending_events": []}


def test_no_sequence_of_commands_leaves_an_invalid_record_and_replay_rebuilds_it() -> None:
    run_state_machine_as_test(DisciplineCommands, settings=settings(
        max_examples=100, stateful_step_count=30, deadline=None))

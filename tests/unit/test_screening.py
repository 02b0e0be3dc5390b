"""Screening campaigns (rà soát, sàng lọc) as a member's case (DOMAIN.md §2.8, HCMC 2019)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Mapper, UUIDAsHex

from partyledger.domain.decision import Decision
from partyledger.domain.errors import DomainError
from partyledger.domain.member import Member
from partyledger.domain.discipline_rules import DisciplineForm
from partyledger.domain.member_exits import ExitKind, StrikeOffGround
from partyledger.domain.member_screening import ScreeningOutcome
from partyledger.domain.member_state import MemberStatus
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.domain.rules import CHARTER_RULES
from partyledger.domain.votes import VoteTally
from partyledger.services.transcodings import register_domain_transcodings

CELL = uuid.uuid4()
CAMPAIGN = "15-KH/TU (2019)"
NAME = "Rà soát, sàng lọc đảng viên năm 2019"
REVIEWED = date(2019, 6, 3)
TWO_THIRDS = VoteTally(in_favour=8, against=2, eligible=10, present=10)
MORE_THAN_HALF = VoteTally(in_favour=6, against=4, eligible=10, present=10)
PLAN = Decision("15-KH/TU", date(2019, 3, 1), "Ban Thường vụ Thành ủy")


@pytest.fixture(autouse=True)
def provenance() -> Iterator[Provenance]:
    with recorded_by(Provenance("officer-7", "corr-screening")) as p:
        yield p


def official() -> Member:
    return Member.enroll(full_name="Võ Thị Hạnh", birth_date=date(1975, 2, 11), cell_id=CELL,
                         admitted_on=date(2001, 5, 19), ceremony_on=date(2001, 6, 1),
                         recognized_on=date(2002, 6, 3))


def probationary() -> Member:
    return Member.enroll(full_name="Trịnh Văn Lộc", birth_date=date(1994, 7, 7), cell_id=CELL,
                         admitted_on=date(2018, 11, 2), ceremony_on=date(2018, 11, 20), recognized_on=None)


def candidate() -> Member:
    return Member.open_candidacy(full_name="Lý Văn Phúc", birth_date=date(1999, 1, 1), cell_id=CELL,
                                 introducers=(), applied_on=date(2019, 1, 10))


def review(member: Member, on: date = REVIEWED, campaign: str = CAMPAIGN, decision: Decision | None = PLAN) -> None:
    member.review_in_screening(campaign=campaign, campaign_name=NAME, reviewed_on=on, decision=decision)


def conclude(member: Member, outcome: ScreeningOutcome, on: date = date(2019, 10, 1),
             campaign: str = CAMPAIGN, decision: Decision | None = None) -> None:
    member.conclude_screening(campaign=campaign, outcome=outcome, effective_on=on, decision=decision)


def strike_off(member: Member, on: date) -> None:
    member.strike_off(ground=StrikeOffGround.DECLINED_AFTER_EDUCATION, cell_resolution=None,
                      decision=Decision("88-QĐ/QU", on, "Ban Thường vụ Quận ủy"), effective_on=on,
                      rules=CHARTER_RULES.in_force(on))


def expel(member: Member, on: date) -> None:
    member.impose_discipline(form=DisciplineForm.EXPULSION, violation_on=on - timedelta(days=90),
                             decision=Decision("91-QĐ/QU", on, "Ban Thường vụ Quận ủy"), announced_on=on,
                             vote=TWO_THIRDS, superior_vote=MORE_THAN_HALF, rules=CHARTER_RULES.in_force(on))


def refused(command: Callable[[], object], member: Member, code: str) -> DomainError:
    """The command breaks the rule named ``code`` and records nothing."""
    version, state = member.version, dict(vars(member))
    pending = len(member._pending_events)  # noqa: SLF001 (no event recorded: the library's queue)
    with pytest.raises(DomainError) as error:
        command()
    assert error.value.code == code, error.value.message
    assert member.version == version and vars(member) == state
    assert len(member._pending_events) == pending  # noqa: SLF001
    return error.value


# -- opening a case -----------------------------------------------------------------------------


@pytest.mark.parametrize("make", [official, probationary])
def test_a_member_is_reviewed_in_a_campaign_and_the_event_carries_what_a_statistic_needs(
    make: Callable[[], Member],
) -> None:
    member = make()
    review(member)
    reviewed = member.collect_events()[-1]
    assert isinstance(reviewed, Member.ScreeningReviewed)
    assert (reviewed.campaign, reviewed.campaign_name, reviewed.cell_id) == (CAMPAIGN, NAME, CELL)
    assert reviewed.effective_on == REVIEWED and reviewed.decision == PLAN
    assert reviewed.status_at_review is member.status and reviewed.recorded_by == "officer-7"
    (case,) = member.screenings
    assert case.open and case.reviewed_on == REVIEWED and case.outcome is None


def test_the_campaign_reference_is_trimmed_and_the_name_defaults_to_it() -> None:
    member = official()
    member.review_in_screening(campaign=f"  {CAMPAIGN} ", campaign_name=" ", reviewed_on=REVIEWED,
                               decision=None)
    assert member.screenings[0].campaign == CAMPAIGN and member.screenings[0].campaign_name == CAMPAIGN
    assert member.screening_case(f"{CAMPAIGN}  ") is member.screenings[0]


@pytest.mark.parametrize("make", [candidate, lambda: _struck_off(official())])
def test_only_a_member_is_reviewed(make: Callable[[], Member]) -> None:
    person = make()
    error = refused(lambda: review(person), person, "SCREENING_SUBJECT_NOT_MEMBER")
    assert error.field == "memberId"


def test_a_deceased_member_is_not_reviewed() -> None:
    member = official()
    member.record_death(on=date(2019, 1, 4))
    refused(lambda: review(member), member, "SCREENING_SUBJECT_NOT_MEMBER")


def test_one_open_case_per_campaign() -> None:
    member = official()
    review(member)
    refused(lambda: review(member, on=date(2019, 7, 1)), member, "SCREENING_CASE_ALREADY_OPEN")
    review(member, on=date(2019, 7, 1), campaign="Đợt 2 (2019)")  # another campaign: its own case
    assert [c.campaign for c in member.screenings] == [CAMPAIGN, "Đợt 2 (2019)"]


def test_a_campaign_reviews_a_member_once_even_after_the_case_is_concluded() -> None:
    member = official()
    review(member)
    conclude(member, ScreeningOutcome.CONTINUE_MONITORING)
    refused(lambda: review(member, on=date(2019, 11, 4)), member, "SCREENING_CASE_ALREADY_CONCLUDED")
    review(member, on=date(2021, 5, 4), campaign="22-KH/TU (2021)")  # the next campaign may
    assert member.screenings[-1].open


def test_a_review_comes_after_the_admission_and_after_its_decision() -> None:
    member = official()
    refused(lambda: review(member, on=date(2001, 5, 18)), member, "DATES_OUT_OF_ORDER")
    refused(lambda: review(member, decision=Decision("15-KH/TU", date(2019, 6, 4), "Thành ủy")),
            member, "DATES_OUT_OF_ORDER")
    review(member, on=date(2001, 5, 19), decision=None)


# -- concluding it ------------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", [ScreeningOutcome.CONTINUE_MONITORING, ScreeningOutcome.CLEARED])
def test_a_case_ends_in_monitoring_or_clearance_while_the_person_is_a_member(outcome: ScreeningOutcome) -> None:
    member = official()
    review(member)
    member.collect_events()
    conclude(member, outcome, decision=Decision("3-KL/CB", date(2019, 9, 30), "Chi bộ"))
    (concluded,) = member.collect_events()
    assert isinstance(concluded, Member.ScreeningConcluded)
    assert (concluded.campaign, concluded.outcome, concluded.cell_id) == (CAMPAIGN, outcome, CELL)
    assert (concluded.exit_kind, concluded.exit_on, concluded.effective_on) == (None, None, date(2019, 10, 1))
    (case,) = member.screenings
    assert not case.open and case.outcome is outcome and case.concluded_on == date(2019, 10, 1)
    assert member.status is MemberStatus.OFFICIAL


def test_the_outcomes_carry_vietnamese_labels() -> None:
    assert ScreeningOutcome.CONTINUE_MONITORING.label == "Tiếp tục theo dõi, giáo dục, giúp đỡ"
    assert all(o.label for o in ScreeningOutcome)


def test_only_an_open_case_is_concluded() -> None:
    member = official()
    refused(lambda: conclude(member, ScreeningOutcome.CLEARED), member, "SCREENING_CASE_NOT_OPEN")
    review(member)
    refused(lambda: conclude(member, ScreeningOutcome.CLEARED, campaign="another"), member,
            "SCREENING_CASE_NOT_OPEN")
    conclude(member, ScreeningOutcome.CLEARED)
    refused(lambda: conclude(member, ScreeningOutcome.CONTINUE_MONITORING), member, "SCREENING_CASE_NOT_OPEN")


def test_a_conclusion_comes_after_the_review_and_after_its_decision() -> None:
    member = official()
    review(member)
    refused(lambda: conclude(member, ScreeningOutcome.CLEARED, on=date(2019, 6, 2)), member, "DATES_OUT_OF_ORDER")
    late = Decision("3-KL/CB", date(2019, 10, 2), "Chi bộ")
    refused(lambda: conclude(member, ScreeningOutcome.CLEARED, decision=late), member, "DATES_OUT_OF_ORDER")
    conclude(member, ScreeningOutcome.CLEARED, on=REVIEWED)


@pytest.mark.parametrize(("remove", "kind"), [(strike_off, ExitKind.STRUCK_OFF), (expel, ExitKind.EXPELLED)])
def test_removed_names_the_strike_off_or_expulsion_recorded_after_the_review(
    remove: Callable[[Member, date], None], kind: ExitKind,
) -> None:
    member = official()
    review(member)
    remove(member, date(2019, 8, 15))
    member.collect_events()
    conclude(member, ScreeningOutcome.REMOVED)
    (concluded,) = member.collect_events()
    assert isinstance(concluded, Member.ScreeningConcluded)
    assert (concluded.outcome, concluded.exit_kind, concluded.exit_on) == (
        ScreeningOutcome.REMOVED, kind, date(2019, 8, 15))
    assert member.screenings[0].exit_kind is kind


def test_removed_needs_the_member_to_have_left_by_strike_off_or_expulsion() -> None:
    member = official()
    review(member)
    refused(lambda: conclude(member, ScreeningOutcome.REMOVED), member, "SCREENING_REMOVAL_NOT_RECORDED")
    member.approve_withdrawal(decision=Decision("5-QĐ/QU", date(2019, 8, 1), "Quận ủy"),
                              effective_on=date(2019, 8, 1), open_violation=False)
    error = refused(lambda: conclude(member, ScreeningOutcome.REMOVED), member, "SCREENING_REMOVAL_NOT_RECORDED")
    assert error.field == "outcome"


def test_removed_needs_an_exit_on_or_after_the_review() -> None:
    member = official()
    review(member, on=date(2019, 6, 3), campaign="Đợt 1")
    strike_off(member, date(2019, 6, 2))  # before this campaign's review: not its removal
    refused(lambda: conclude(member, ScreeningOutcome.REMOVED, campaign="Đợt 1"), member,
            "SCREENING_REMOVAL_NOT_RECORDED")


def test_removed_is_concluded_on_or_after_the_exit() -> None:
    member = official()
    review(member)
    strike_off(member, date(2019, 8, 15))
    refused(lambda: conclude(member, ScreeningOutcome.REMOVED, on=date(2019, 8, 14)), member, "DATES_OUT_OF_ORDER")
    conclude(member, ScreeningOutcome.REMOVED, on=date(2019, 8, 15))


def test_a_restored_member_was_not_removed() -> None:
    member = official()
    review(member)
    strike_off(member, date(2019, 8, 15))
    member.restore_membership(decision=Decision("7-QĐ/TU", date(2019, 9, 20), "Thành ủy"),
                              effective_on=date(2019, 9, 20), apology=True)
    refused(lambda: conclude(member, ScreeningOutcome.REMOVED), member, "SCREENING_REMOVAL_NOT_RECORDED")
    conclude(member, ScreeningOutcome.CLEARED)


@pytest.mark.parametrize("outcome", [ScreeningOutcome.CONTINUE_MONITORING, ScreeningOutcome.CLEARED])
def test_someone_who_has_left_is_not_kept_under_monitoring_or_cleared(outcome: ScreeningOutcome) -> None:
    member = official()
    review(member)
    strike_off(member, date(2019, 8, 15))
    error = refused(lambda: conclude(member, outcome), member, "SCREENING_MEMBER_HAS_LEFT")
    assert error.field == "outcome"


# -- stored and replayed ------------------------------------------------------------------------


def test_screening_events_round_trip_through_the_stored_json_and_replay_to_the_same_state() -> None:
    member = official()
    review(member)
    expel(member, date(2019, 8, 15))
    conclude(member, ScreeningOutcome.REMOVED, decision=Decision("3-KL/ĐU", date(2019, 9, 1), "Đảng ủy"))
    events = member.collect_events()
    copy = replayed(events)
    assert copy.screenings == member.screenings
    stored = {type(e).__name__: e for e in events}
    for name in ("ScreeningReviewed", "ScreeningConcluded"):
        assert vars(_mapper().to_domain_event(_mapper().to_stored_event(stored[name]))) == vars(stored[name])


def _mapper() -> Mapper[uuid.UUID]:
    transcoder = JSONTranscoder()
    transcoder.register(UUIDAsHex())
    transcoder.register(DatetimeAsISO())
    register_domain_transcodings(transcoder)
    return Mapper(transcoder=transcoder)


def replayed(events: list[Any]) -> Member:
    mapper, copy = _mapper(), None
    for stored in [mapper.to_stored_event(e) for e in events]:
        copy = mapper.to_domain_event(stored).mutate(copy)
    assert isinstance(copy, Member)
    return copy


def _struck_off(member: Member) -> Member:
    strike_off(member, date(2018, 4, 2))
    return member

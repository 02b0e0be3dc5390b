"""Transfers, temporary attachments and the residence liaison of the Member aggregate
(DOMAIN.md §2.5, §2.6; scenarios F and G)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partyledger.domain.calendar_months import add_months
from partyledger.domain.decision import Decision
from partyledger.domain.errors import DateOrderError, DomainError, StatusDoesNotAllowError
from partyledger.domain.member import Member
from partyledger.domain.member_attachment import (
    AttachmentPurpose,
    NotTemporarilyAttachedError,
    TemporaryAttachmentTooLongError,
    TemporaryAttachmentTooShortError,
    TemporaryExtensionNotLaterError,
    TransferInProgressError,
    TransferToSameCellError,
)
from partyledger.domain.member_residence import (
    ResidenceExemption,
    ResidenceExemptionUnchangedError,
    ResidenceFeedbackAlreadyRecordedError,
    ResidenceFeedbackExemptError,
    ResidenceIntroductionExemptError,
    ResidenceNotIntroducedError,
    ResidenceOutcome,
    ResidencePlaceRequiredError,
)
from partyledger.domain.member_state import ExcludedInterval
from partyledger.domain.member_transfers import (
    TRANSFER_GAP,
    NoTransferLetterError,
    TransferLetterAlreadyPresentedError,
    TransferLetterLapsedReasonRequiredError,
    TransferLetterNotPresentedError,
    TransferLetterNumberRequiredError,
    TransferState,
)
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.domain.rules import CHARTER_RULES, RuleBook, Rules
from partyledger.domain.working_days import WorkingCalendar

HOME, NEW_CELL, THIRD_CELL = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
WEEKDAYS = WorkingCalendar()
HOLIDAYS_2024 = WorkingCalendar(holidays=frozenset(
    {date(2024, 4, 18), date(2024, 4, 29), date(2024, 4, 30), date(2024, 5, 1)}))
RULES = CHARTER_RULES.in_force(date(2019, 3, 1))


@pytest.fixture(autouse=True)
def provenance() -> Iterator[Provenance]:
    with recorded_by(Provenance("officer-7", "corr-1")) as p:
        yield p


def official(cell: uuid.UUID = HOME) -> Member:
    """Scenario F's member: admission decision 2015-07-24, official from 2016-09-01."""
    return Member.enroll(full_name="Nguyễn Thị Lan", birth_date=date(1992, 11, 5), cell_id=cell,
                         admitted_on=date(2015, 7, 24), ceremony_on=date(2015, 8, 10),
                         recognized_on=date(2016, 9, 1))


def issued(member: Member, on: date = date(2019, 3, 1), to: uuid.UUID = NEW_CELL,
           rules: Rules = RULES) -> Member:
    member.issue_transfer_letter(to_cell_id=to, letter_number="12-GTSH/ĐU", decision=None,
                                 issued_on=on, rules=rules)
    return member


def attached(member: Member, until: date = date(2020, 5, 31),
             purpose: AttachmentPurpose = AttachmentPurpose.WORK_OR_RESIDENCE) -> Member:
    member.attach_temporarily(to_cell_id=NEW_CELL, from_on=date(2020, 1, 1), until_on=until,
                              purpose=purpose, rules=RULES)
    return member


def events_of(member: Member) -> list[str]:
    return [type(e).__name__ for e in member.collect_events()]


# -- official transfer: the letter ---------------------------------------------------------

def test_a_letter_to_another_cell_leaves_the_member_on_the_home_roster_until_received() -> None:
    member = issued(official())
    assert member.cell_id == HOME and member.receiving_cell_id == NEW_CELL
    assert events_of(member)[-1] == "TransferLetterIssued"


def test_only_a_probationary_or_official_member_can_be_given_a_letter() -> None:
    candidate = Member.open_candidacy(full_name="Lê Hồng", birth_date=date(1990, 1, 1), cell_id=HOME,
                                      introducers=(), applied_on=date(2019, 1, 2))
    with pytest.raises(StatusDoesNotAllowError):
        issued(candidate)


def test_a_letter_to_the_members_own_cell_is_refused() -> None:
    with pytest.raises(TransferToSameCellError) as refused:
        issued(official(), to=HOME)
    assert (refused.value.code, refused.value.field) == ("TRANSFER_TO_SAME_CELL", "toCellId")


def test_a_second_letter_while_one_is_outstanding_is_refused() -> None:
    member = issued(official())
    with pytest.raises(TransferInProgressError) as refused:
        issued(member, on=date(2019, 3, 5), to=THIRD_CELL)
    assert refused.value.code == "TRANSFER_ALREADY_IN_PROGRESS"


def test_a_letter_needs_its_register_number() -> None:
    member = official()
    with pytest.raises(TransferLetterNumberRequiredError):
        member.issue_transfer_letter(to_cell_id=NEW_CELL, letter_number="  ", decision=None,
                                     issued_on=date(2019, 3, 1), rules=RULES)


def test_a_letter_cannot_be_dated_before_the_decision_it_rests_on() -> None:
    member = official()
    decision = Decision("88-QĐ/HU", date(2019, 3, 4), "Ban Thường vụ Huyện ủy")
    with pytest.raises(DateOrderError):
        member.issue_transfer_letter(to_cell_id=NEW_CELL, letter_number="12", decision=decision,
                                     issued_on=date(2019, 3, 1), rules=RULES)
    member.issue_transfer_letter(to_cell_id=NEW_CELL, letter_number="12", decision=decision,
                                 issued_on=date(2019, 3, 4), rules=RULES)
    assert member.open_letter is not None


# -- presentation within 30 working days -----------------------------------------------------

def test_a_letter_presented_on_the_deadline_is_on_time_and_costs_no_party_age() -> None:
    member = issued(official(), on=date(2024, 3, 1))
    member.present_transfer_letter(presented_on=date(2024, 4, 12), reason_if_late=None, calendar=WEEKDAYS)
    assert member.excluded == []
    assert member.transfer_state(date(2024, 4, 12), WEEKDAYS).state is TransferState.PRESENTED  # type: ignore[union-attr]


def test_a_late_presentation_without_a_reason_is_refused() -> None:
    member = issued(official(), on=date(2024, 3, 1))
    with pytest.raises(TransferLetterLapsedReasonRequiredError) as refused:
        member.present_transfer_letter(presented_on=date(2024, 4, 15), reason_if_late="  ", calendar=WEEKDAYS)
    assert (refused.value.code, refused.value.field) == ("TRANSFER_LETTER_LAPSED_REASON_REQUIRED", "reasonIfLate")
    assert member.open_letter is not None and member.open_letter.presented_on is None


def test_scenario_f_a_letter_presented_66_working_days_late_excludes_94_days_of_party_age() -> None:
    member = issued(official(), on=date(2019, 3, 1))
    assert WEEKDAYS.working_days_between(date(2019, 3, 1), date(2019, 6, 3)) == 66
    member.present_transfer_letter(presented_on=date(2019, 6, 3), reason_if_late="ốm dài ngày",
                                   calendar=WEEKDAYS)
    member.receive_transfer(received_on=date(2019, 6, 5))
    assert member.excluded == [ExcludedInterval(date(2019, 3, 1), date(2019, 6, 3), TRANSFER_GAP)]
    assert (date(2019, 6, 3) - date(2019, 3, 1)).days == 94
    age = member.party_age(date(2025, 7, 24))
    assert age is not None and age.days == 3653 - 94


def test_a_letter_cannot_be_presented_before_its_date_or_twice() -> None:
    member = issued(official())
    with pytest.raises(DateOrderError):
        member.present_transfer_letter(presented_on=date(2019, 2, 28), reason_if_late=None, calendar=WEEKDAYS)
    member.present_transfer_letter(presented_on=date(2019, 3, 4), reason_if_late=None, calendar=WEEKDAYS)
    with pytest.raises(TransferLetterAlreadyPresentedError):
        member.present_transfer_letter(presented_on=date(2019, 3, 5), reason_if_late=None, calendar=WEEKDAYS)


def test_no_letter_no_presentation_and_no_receipt() -> None:
    member = official()
    with pytest.raises(NoTransferLetterError) as refused:
        member.present_transfer_letter(presented_on=date(2019, 3, 4), reason_if_late=None, calendar=WEEKDAYS)
    assert refused.value.code == "NO_TRANSFER_LETTER_OUTSTANDING"
    with pytest.raises(NoTransferLetterError):
        member.receive_transfer(received_on=date(2019, 3, 4))


# -- receipt -----------------------------------------------------------------------------------

def test_the_receiving_cell_cannot_receive_a_letter_not_presented_to_it() -> None:
    member = issued(official())
    with pytest.raises(TransferLetterNotPresentedError):
        member.receive_transfer(received_on=date(2019, 3, 6))
    assert member.cell_id == HOME


def test_receipt_moves_the_member_to_the_destination_and_closes_the_letter() -> None:
    member = issued(official())
    member.present_transfer_letter(presented_on=date(2019, 3, 4), reason_if_late=None, calendar=WEEKDAYS)
    with pytest.raises(DateOrderError):
        member.receive_transfer(received_on=date(2019, 3, 3))
    member.receive_transfer(received_on=date(2019, 3, 6))
    assert member.cell_id == NEW_CELL and member.open_letter is None
    assert events_of(member)[-1] == "TransferReceived"


def test_the_next_move_cannot_start_before_the_last_one_ended() -> None:
    member = issued(official())
    member.present_transfer_letter(presented_on=date(2019, 3, 4), reason_if_late=None, calendar=WEEKDAYS)
    member.receive_transfer(received_on=date(2019, 3, 6))
    with pytest.raises(DateOrderError):
        issued(member, on=date(2019, 3, 5), to=THIRD_CELL)
    issued(member, on=date(2019, 9, 2), to=HOME)
    assert member.receiving_cell_id == HOME


# -- scenario G: where a letter stands -------------------------------------------------------

def test_scenario_g_a_letter_unpresented_after_30_working_days_has_lapsed() -> None:
    member = issued(official(), on=date(2024, 3, 1))
    assert member.transfer_state(date(2024, 2, 29), WEEKDAYS) is None
    on_deadline = member.transfer_state(date(2024, 4, 12), WEEKDAYS)
    after = member.transfer_state(date(2024, 4, 15), WEEKDAYS)
    assert on_deadline is not None and on_deadline.state is TransferState.ISSUED
    assert after is not None and after.state is TransferState.LAPSED
    assert after.presentation_deadline == date(2024, 4, 12)


def test_scenario_g_holidays_push_the_deadline_to_17_may() -> None:
    member = issued(official(), on=date(2024, 4, 1))
    progress = member.transfer_state(date(2024, 5, 17), HOLIDAYS_2024)
    assert progress is not None and progress.presentation_deadline == date(2024, 5, 17)
    assert progress.state is TransferState.ISSUED


def test_the_state_is_read_as_of_a_date() -> None:
    member = issued(official(), on=date(2024, 3, 1))
    member.present_transfer_letter(presented_on=date(2024, 4, 22), reason_if_late="đi công tác",
                                   calendar=WEEKDAYS)
    member.receive_transfer(received_on=date(2024, 4, 25))
    states = [member.transfer_state(d, WEEKDAYS).state for d in  # type: ignore[union-attr]
              (date(2024, 3, 1), date(2024, 4, 15), date(2024, 4, 22), date(2024, 4, 25))]
    assert states == [TransferState.ISSUED, TransferState.LAPSED, TransferState.PRESENTED,
                      TransferState.RECEIVED]


def test_the_deadline_follows_the_rules_in_force_on_the_issue_date() -> None:
    book = CHARTER_RULES.with_overrides()
    shorter = RuleBook((*book.versions, Rules("future", date(2024, 3, 4), transfer_presentation_wd=20)))
    before = issued(official(), on=date(2024, 3, 1), rules=shorter.in_force(date(2024, 3, 1)))
    after = issued(official(), on=date(2024, 3, 4), rules=shorter.in_force(date(2024, 3, 4)))
    assert before.transfer_state(date(2024, 3, 4), WEEKDAYS).presentation_deadline == date(2024, 4, 12)  # type: ignore[union-attr]
    assert after.transfer_state(date(2024, 3, 4), WEEKDAYS).presentation_deadline == date(2024, 4, 1)  # type: ignore[union-attr]


# -- temporary attachment ----------------------------------------------------------------------

def test_a_temporary_stay_keeps_the_member_on_the_home_roster() -> None:
    member = attached(official(), until=date(2020, 4, 1))
    assert member.cell_id == HOME and member.temporary_cell_id == NEW_CELL


def test_a_stay_under_three_months_is_refused() -> None:
    with pytest.raises(TemporaryAttachmentTooShortError) as refused:
        attached(official(), until=date(2020, 3, 31))
    assert (refused.value.code, refused.value.field) == ("TEMPORARY_ATTACHMENT_TOO_SHORT", "untilOn")


def test_a_work_stay_must_end_under_a_year_later() -> None:
    with pytest.raises(TemporaryAttachmentTooLongError) as refused:
        attached(official(), until=date(2021, 1, 1))
    assert refused.value.code == "TEMPORARY_ATTACHMENT_TOO_LONG"
    assert attached(official(), until=date(2020, 12, 31)).temporary_cell_id == NEW_CELL


def test_a_study_stay_may_last_up_to_24_months() -> None:
    with pytest.raises(TemporaryAttachmentTooLongError):
        attached(official(), until=date(2022, 1, 2), purpose=AttachmentPurpose.STUDY)
    assert attached(official(), until=date(2022, 1, 1), purpose=AttachmentPurpose.STUDY).temporary_cell_id


def test_one_move_at_a_time() -> None:
    with pytest.raises(TransferInProgressError):
        attached(issued(official(), on=date(2019, 12, 2)))
    with pytest.raises(TransferInProgressError):
        issued(attached(official()), on=date(2020, 2, 3))
    with pytest.raises(TransferToSameCellError):
        official().attach_temporarily(to_cell_id=HOME, from_on=date(2020, 1, 1), until_on=date(2020, 6, 1),
                                      purpose=AttachmentPurpose.STUDY, rules=RULES)


def test_an_extension_must_end_later_and_stay_within_the_limit_over_the_whole_stay() -> None:
    member = attached(official())
    with pytest.raises(TemporaryExtensionNotLaterError):
        member.extend_temporary_attachment(until_on=date(2020, 5, 31), on=date(2020, 5, 1))
    with pytest.raises(TemporaryAttachmentTooLongError):
        member.extend_temporary_attachment(until_on=date(2021, 1, 1), on=date(2020, 5, 1))
    member.extend_temporary_attachment(until_on=date(2020, 12, 31), on=date(2020, 5, 1))
    assert member.temporary_attachment is not None
    assert member.temporary_attachment.until_on == date(2020, 12, 31)


def test_only_a_member_away_can_extend_or_return() -> None:
    member = official()
    with pytest.raises(NotTemporarilyAttachedError) as refused:
        member.extend_temporary_attachment(until_on=date(2020, 8, 1), on=date(2020, 5, 1))
    assert refused.value.code == "NOT_TEMPORARILY_ATTACHED"
    with pytest.raises(NotTemporarilyAttachedError):
        member.return_from_attachment(returned_on=date(2020, 5, 1))


def test_the_return_ends_the_stay_and_cannot_precede_it() -> None:
    member = attached(official())
    with pytest.raises(DateOrderError):
        member.return_from_attachment(returned_on=date(2019, 12, 31))
    member.return_from_attachment(returned_on=date(2020, 3, 15))
    assert member.temporary_cell_id is None and member.cell_id == HOME
    with pytest.raises(NotTemporarilyAttachedError):
        member.return_from_attachment(returned_on=date(2020, 3, 16))


# -- residence liaison -------------------------------------------------------------------------

def test_an_introduction_names_exactly_one_place_of_residence() -> None:
    member = official()
    with pytest.raises(ResidencePlaceRequiredError):
        member.introduce_to_residence(residence_cell_id=None, residence_organization_name=" ", on=date(2020, 1, 6))
    with pytest.raises(ResidencePlaceRequiredError):
        member.introduce_to_residence(residence_cell_id=NEW_CELL, residence_organization_name="Chi bộ khu phố 3",
                                      on=date(2020, 1, 6))
    member.introduce_to_residence(residence_cell_id=None, residence_organization_name="Chi bộ khu phố 3",
                                  on=date(2020, 1, 6))
    assert member.residence.organization_name == "Chi bộ khu phố 3"


def test_members_on_special_duty_are_not_introduced() -> None:
    member = official()
    member.set_residence_exemption(category=ResidenceExemption.SPECIAL_DUTY, on=date(2020, 1, 2))
    with pytest.raises(ResidenceIntroductionExemptError) as refused:
        member.introduce_to_residence(residence_cell_id=NEW_CELL, residence_organization_name=None,
                                      on=date(2020, 1, 6))
    assert refused.value.code == "RESIDENCE_INTRODUCTION_EXEMPT"


def test_yearly_feedback_needs_an_introduction_and_comes_once_a_year() -> None:
    member = official()
    with pytest.raises(ResidenceNotIntroducedError):
        member.record_residence_feedback(year=2020, outcome=ResidenceOutcome.FULFILLED, on=date(2020, 12, 10))
    member.introduce_to_residence(residence_cell_id=NEW_CELL, residence_organization_name=None, on=date(2020, 1, 6))
    with pytest.raises(DateOrderError):
        member.record_residence_feedback(year=2019, outcome=ResidenceOutcome.FULFILLED, on=date(2020, 12, 10))
    member.record_residence_feedback(year=2020, outcome=ResidenceOutcome.FULFILLED, on=date(2020, 12, 10))
    with pytest.raises(ResidenceFeedbackAlreadyRecordedError):
        member.record_residence_feedback(year=2020, outcome=ResidenceOutcome.NOT_FULFILLED, on=date(2020, 12, 20))
    assert [(f.year, f.outcome) for f in member.residence.feedback] == [(2020, ResidenceOutcome.FULFILLED)]


def test_exempt_members_get_no_yearly_feedback_until_the_exemption_is_lifted() -> None:
    member = official()
    member.introduce_to_residence(residence_cell_id=NEW_CELL, residence_organization_name=None, on=date(2020, 1, 6))
    member.set_residence_exemption(category=ResidenceExemption.ITINERANT_WORK, on=date(2020, 2, 1))
    with pytest.raises(ResidenceFeedbackExemptError):
        member.record_residence_feedback(year=2020, outcome=ResidenceOutcome.FULFILLED, on=date(2020, 12, 10))
    member.set_residence_exemption(category=None, on=date(2021, 1, 4))
    member.record_residence_feedback(year=2021, outcome=ResidenceOutcome.FULFILLED, on=date(2021, 12, 10))


def test_an_exemption_must_change_something() -> None:
    member = official()
    with pytest.raises(ResidenceExemptionUnchangedError) as refused:
        member.set_residence_exemption(category=None, on=date(2020, 1, 2))
    assert refused.value.code == "RESIDENCE_EXEMPTION_UNCHANGED"


# -- properties --------------------------------------------------------------------------------

CELLS = (HOME, NEW_CELL, THIRD_CELL, uuid.UUID(int=4))
COMMANDS = ("issue", "issue", "present", "present_late", "receive", "receive", "attach", "extend", "return")


def _run(member: Member, command: str, cell: uuid.UUID, day: date) -> None:
    calls: dict[str, Any] = {
        "issue": lambda: member.issue_transfer_letter(
            to_cell_id=cell, letter_number="1", decision=None, issued_on=day, rules=RULES),
        "present": lambda: member.present_transfer_letter(presented_on=day, reason_if_late=None, calendar=WEEKDAYS),
        "present_late": lambda: member.present_transfer_letter(presented_on=day, reason_if_late="x", calendar=WEEKDAYS),
        "receive": lambda: member.receive_transfer(received_on=day),
        "attach": lambda: member.attach_temporarily(
            to_cell_id=cell, from_on=day, until_on=add_months(day, 4), purpose=AttachmentPurpose.STUDY, rules=RULES),
        "extend": lambda: member.extend_temporary_attachment(until_on=add_months(day, 6), on=day),
        "return": lambda: member.return_from_attachment(returned_on=day),
    }
    calls[command]()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(COMMANDS), st.sampled_from(CELLS), st.integers(-5, 60)),
                max_size=30))
def test_random_moves_keep_the_member_in_the_home_or_a_received_cell_and_replay_to_the_same_state(
    steps: list[tuple[str, uuid.UUID, int]],
) -> None:
    with recorded_by(Provenance("officer-7", "corr-1")):
        member, day = official(), date(2019, 1, 2)
        for command, cell, offset in steps:
            day += timedelta(days=offset)
            version = member.version
            try:
                _run(member, command, cell, day)
            except DomainError:
                assert member.version == version  # a refusal records nothing
            received = [letter.to_cell_id for letter in member.transfer_letters if letter.received_on]
            assert member.cell_id == (received[-1] if received else HOME)
        events = member.collect_events()
    rebuilt = None
    for event in events:
        rebuilt = event.mutate(rebuilt)
    assert rebuilt is not None
    assert _state(rebuilt) == _state(member)


def _state(member: Member) -> dict[str, Any]:
    return {k: v for k, v in vars(member).items() if k != "_pending_events"}

"""Admission and recognition rules of the Member aggregate (DOMAIN.md §2.2–2.3), no database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partyledger.domain.calendar_months import add_months
from partyledger.domain.decision import Decision
from partyledger.domain.errors import (
    DateOrderError,
    IntroducerNotOfficialError,
    IntroducersInvalidError,
    MemberNotProbationaryError,
    ProbationNotElapsedError,
)
from partyledger.domain.member import Introducer, IntroducerKind, Member, MemberStatus
from partyledger.domain.provenance import Provenance, idempotency_key, recorded_by

A, B = uuid.uuid4(), uuid.uuid4()
OFFICIALS = frozenset({A, B})
CELL = uuid.uuid4()


@pytest.fixture(autouse=True)
def provenance() -> Iterator[Provenance]:
    with recorded_by(Provenance("officer-7", "corr-1")) as p:
        yield p


def admit(**changes: object) -> Member:
    arguments: dict[str, object] = {
        "full_name": "Lê Thị Hồng", "birth_date": date(1990, 3, 4), "cell_id": CELL,
        "introducers": (Introducer(IntroducerKind.OFFICIAL_MEMBER, A),
                        Introducer(IntroducerKind.OFFICIAL_MEMBER, B)),
        "officials": OFFICIALS, "decision": Decision("12-QĐ/ĐU", date(2015, 7, 24), "Đảng ủy xã"),
        "effective_on": date(2015, 7, 24), "ceremony_on": date(2015, 8, 10),
    }
    arguments.update(changes)
    return Member.admit(**arguments)  # type: ignore[arg-type]


def test_admission_starts_probation_at_the_ceremony() -> None:
    member = admit()
    assert member.status is MemberStatus.PROBATIONARY
    assert member.probation_ends_on == date(2016, 8, 10)
    assert member.admitted_on == date(2015, 7, 24)


def test_every_event_carries_who_recorded_it_and_the_request() -> None:
    with idempotency_key("key-1"):
        member = admit()
    (admitted,) = member.collect_events()
    assert (admitted.recorded_by, admitted.correlation_id, admitted.idempotency_key) == (
        "officer-7", "corr-1", "key-1")


def test_recognition_voted_before_twelve_months_is_refused() -> None:
    member = admit()
    with pytest.raises(ProbationNotElapsedError) as refused:
        member.recognize_as_official(cell_resolution_on=date(2016, 8, 9),
                                     decision=Decision("3-QĐ", date(2016, 9, 1), "Đảng ủy xã"),
                                     effective_on=date(2016, 9, 1))
    assert refused.value.code == "PROBATION_NOT_ELAPSED"
    assert member.status is MemberStatus.PROBATIONARY
    assert len(member.collect_events()) == 1  # only the admission


def test_recognition_after_probation_makes_the_member_official() -> None:
    member = admit()
    member.recognize_as_official(cell_resolution_on=date(2016, 8, 15),
                                 decision=Decision("3-QĐ", date(2016, 9, 1), "Đảng ủy xã"),
                                 effective_on=date(2016, 9, 1))
    assert member.status is MemberStatus.OFFICIAL
    assert member.recognized_on == date(2016, 9, 1)


def test_an_official_member_cannot_be_recognised_again() -> None:
    member = admit()
    decision = Decision("3-QĐ", date(2016, 9, 1), "Đảng ủy xã")
    member.recognize_as_official(cell_resolution_on=date(2016, 8, 15), decision=decision,
                                 effective_on=date(2016, 9, 1))
    with pytest.raises(MemberNotProbationaryError):
        member.recognize_as_official(cell_resolution_on=date(2016, 8, 15), decision=decision,
                                     effective_on=date(2016, 9, 1))


def test_a_probationary_introducer_is_refused() -> None:
    with pytest.raises(IntroducerNotOfficialError) as refused:
        admit(officials=frozenset({A}))
    assert refused.value.code == "INTRODUCER_NOT_OFFICIAL"


@pytest.mark.parametrize("introducers", [
    (Introducer(IntroducerKind.OFFICIAL_MEMBER, A),),
    (Introducer(IntroducerKind.OFFICIAL_MEMBER, A), Introducer(IntroducerKind.OFFICIAL_MEMBER, A)),
    (Introducer(IntroducerKind.YOUTH_UNION_COMMITTEE, committee_name="Đoàn xã"),
     Introducer(IntroducerKind.TRADE_UNION_COMMITTEE, committee_name="Công đoàn")),
])
def test_an_admission_needs_two_distinct_introducers_at_least_one_a_member(
    introducers: tuple[Introducer, ...],
) -> None:
    with pytest.raises(IntroducersInvalidError):
        admit(introducers=introducers)


def test_a_youth_union_committee_and_one_official_member_may_introduce() -> None:
    member = admit(introducers=(Introducer(IntroducerKind.YOUTH_UNION_COMMITTEE, committee_name="Đoàn xã"),
                                Introducer(IntroducerKind.OFFICIAL_MEMBER, A)))
    assert member.status is MemberStatus.PROBATIONARY


def test_the_ceremony_cannot_precede_the_decision() -> None:
    with pytest.raises(DateOrderError):
        admit(ceremony_on=date(2015, 7, 1))


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2090, 12, 31)),
       st.integers(min_value=0, max_value=600))
def test_adding_months_lands_in_the_right_month_and_never_overshoots(day: date, months: int) -> None:
    later = add_months(day, months)
    assert (later.year - day.year) * 12 + later.month - day.month == months
    assert later.day <= day.day


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 1, 1)),
       st.integers(min_value=-40, max_value=40))
def test_recognition_is_allowed_exactly_from_twelve_months_after_the_ceremony(
    ceremony: date, offset_days: int,
) -> None:
    member = admit(decision=Decision("1", ceremony, "x"), effective_on=ceremony, ceremony_on=ceremony)
    resolution = date.fromordinal(add_months(ceremony, 12).toordinal() + offset_days)
    decision = Decision("2", max(resolution, ceremony), "x")
    if offset_days < 0:
        with pytest.raises(ProbationNotElapsedError):
            member.recognize_as_official(cell_resolution_on=resolution, decision=decision,
                                         effective_on=decision.date)
    else:
        member.recognize_as_official(cell_resolution_on=resolution, decision=decision,
                                     effective_on=decision.date)
        assert member.status is MemberStatus.OFFICIAL

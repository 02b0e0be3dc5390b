"""Rules are versioned by effective date: each event is judged by the regulation then in force."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from fractions import Fraction

import pytest

from partyledger.domain.admission import IntroducerStanding
from partyledger.domain.errors import CellVoteBelowTwoThirdsError
from partyledger.domain.member import Member
from partyledger.domain.member_state import Introducer, IntroducerKind, Resolution
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.domain.rules import CHARTER_RULES, RuleBook
from partyledger.domain.votes import VoteTally

A, B = uuid.uuid4(), uuid.uuid4()
STANDINGS = {m: IntroducerStanding(m, date(2000, 1, 1)) for m in (A, B)}


@pytest.fixture(autouse=True)
def provenance() -> Iterator[Provenance]:
    with recorded_by(Provenance.system()) as p:
        yield p


def candidate() -> Member:
    return Member.open_candidacy(
        full_name="Phan Văn Tài", birth_date=date(1990, 1, 1), cell_id=uuid.uuid4(),
        introducers=tuple(Introducer(IntroducerKind.OFFICIAL_MEMBER, m, together_since=date(2010, 1, 1))
                          for m in (A, B)), applied_on=date(2014, 1, 1))


@pytest.mark.parametrize(("on", "regulation"), [
    (date(2015, 5, 20), "QĐ 45-QĐ/TW"), (date(2016, 7, 25), "QĐ 29-QĐ/TW"),
    (date(2021, 7, 29), "QĐ 29-QĐ/TW"), (date(2021, 7, 30), "QĐ 24-QĐ/TW"),
    (date(2025, 3, 1), "QĐ 232-QĐ/TW"), (date(2026, 1, 5), "QĐ 294-QĐ/TW"),
])
def test_the_regulation_in_force_on_the_events_date_is_recorded(on: date, regulation: str) -> None:
    member = candidate()
    member.pass_cell_resolution(Resolution(on, VoteTally(7, 3, 10, 10)), standings=STANDINGS,
                                provincial_authority=None, rules=CHARTER_RULES.in_force(on))
    assert member.collect_events()[-1].regulation == regulation


def test_an_event_is_judged_by_the_figures_in_force_on_its_date() -> None:
    stricter = CHARTER_RULES.versions[-1]
    book = RuleBook((*CHARTER_RULES.versions[:-1], replace(stricter, cell_vote=Fraction(3, 4))))
    vote = VoteTally(7, 3, 10, 10)  # 70 %: enough under 2/3, not under a 3/4 rule
    old, new = candidate(), candidate()
    old.pass_cell_resolution(Resolution(date(2024, 6, 1), vote), standings=STANDINGS,
                             provincial_authority=None, rules=book.in_force(date(2024, 6, 1)))
    with pytest.raises(CellVoteBelowTwoThirdsError):
        new.pass_cell_resolution(Resolution(date(2025, 8, 1), vote), standings=STANDINGS,
                                 provincial_authority=None, rules=book.in_force(date(2025, 8, 1)))


def test_unverified_figures_are_tenant_parameters() -> None:
    book = CHARTER_RULES.with_overrides(appeal_wd=22)
    assert {r.appeal_wd for r in book.versions} == {22}
    assert CHARTER_RULES.in_force(date(2026, 1, 1)).appeal_wd == 30
    with pytest.raises(LookupError):
        CHARTER_RULES.in_force(date(2010, 1, 1))

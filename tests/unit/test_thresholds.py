"""Organisation thresholds as warnings with recorded consent (DOMAIN.md §2.13.2), no database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partyledger.domain.decision import Decision
from partyledger.domain.member_state import MemberStatus
from partyledger.domain.org_committee import Position, SeatBasis, SeatHolder, term_policy_in_force
from partyledger.domain.org_thresholds import (
    THRESHOLD_FIGURES,
    Threshold,
    ThresholdConsentRequiredError,
    figures_in_force,
    roster_counts,
    thresholds_not_met,
    warnings,
)
from partyledger.domain.organization import Organization, OrganizationKind as K
from partyledger.domain.provenance import Provenance, recorded_by

CONSENT = Decision("4-CV/HU", date(2019, 4, 2), "Ban Thường vụ Huyện ủy")
CELLS = (K.GRASSROOTS_CELL, K.SUBORDINATE_CELL)


@pytest.fixture(autouse=True)
def provenance() -> Iterator[Provenance]:
    with recorded_by(Provenance("officer-5", "corr-thresholds")) as p:
        yield p


def found(kind: K, parent: Organization | None = None) -> Organization:
    return Organization.found(name=kind.label, kind=kind, parent=parent, effective_on=date(2015, 1, 1),
                              decision=None)


def expected(kind: K, officials: int, members: int, committee: bool | None) -> set[Threshold]:
    """The brief's invariants, written out one by one."""
    found_ = set()
    if kind in CELLS and not officials >= 3:
        found_.add(Threshold.CELL_MIN_OFFICIALS)
    if kind == K.GRASSROOTS_CELL and not members < 30:
        found_.add(Threshold.GRASSROOTS_CELL_UNDER_30)
    if kind == K.GRASSROOTS_COMMITTEE and not members >= 30:
        found_.add(Threshold.GRASSROOTS_COMMITTEE_FROM_30)
    if kind in CELLS and committee is not None and committee is not (officials >= 9):
        found_.add(Threshold.CELL_COMMITTEE_FROM_9)
    return found_


@given(kind=st.sampled_from(list(K)), officials=st.integers(0, 80), probationary=st.integers(0, 20),
       committee=st.sampled_from([None, True, False]))
def test_the_thresholds_not_met_are_those_of_the_brief(
    kind: K, officials: int, probationary: int, committee: bool | None,
) -> None:
    members = officials + probationary
    found_ = thresholds_not_met(kind, officials, members, cell_committee=committee)
    assert set(found_) == expected(kind, officials, members, committee)
    assert len(found_) == len(set(found_))


@pytest.mark.parametrize(("kind", "officials", "members", "missing"), [
    (K.SUBORDINATE_CELL, 2, 2, [Threshold.CELL_MIN_OFFICIALS]),
    (K.SUBORDINATE_CELL, 3, 40, []),
    (K.GRASSROOTS_CELL, 3, 29, []),
    (K.GRASSROOTS_CELL, 25, 30, [Threshold.GRASSROOTS_CELL_UNDER_30]),
    (K.GRASSROOTS_COMMITTEE, 0, 29, [Threshold.GRASSROOTS_COMMITTEE_FROM_30]),
    (K.GRASSROOTS_COMMITTEE, 0, 30, []),
    (K.COMMUNE_COMMITTEE, 0, 0, []),
])
def test_each_threshold_at_its_edge(kind: K, officials: int, members: int, missing: list[Threshold]) -> None:
    assert thresholds_not_met(kind, officials, members) == missing


def test_figures_are_dated_and_a_version_may_change_them() -> None:
    assert figures_in_force(date(2000, 1, 1)) is THRESHOLD_FIGURES[0]
    stricter = replace(THRESHOLD_FIGURES[0], cell_min_officials=5)
    assert thresholds_not_met(K.SUBORDINATE_CELL, 4, 4, figures=stricter) == [Threshold.CELL_MIN_OFFICIALS]


def secretary(cell: Organization, position: Position = Position.SECRETARY, officials: int = 5) -> None:
    cell.seat_member(holder=SeatHolder(uuid.uuid4(), MemberStatus.OFFICIAL, (cell.id,)), position=position,
                     basis=SeatBasis.ELECTED, term_start=date(2020, 9, 1), term_end=date(2025, 8, 31),
                     decision=None, effective_on=date(2020, 9, 1), official_count=officials,
                     consent=CONSENT if officials < 9 and position is Position.COMMITTEE_MEMBER else None,
                     terms=term_policy_in_force(date(2020, 9, 1)))


def test_warnings_read_the_cell_committee_from_the_seats_held_that_day() -> None:
    cell = found(K.GRASSROOTS_CELL, found(K.PROVINCIAL_ORGANIZATION))
    assert warnings(cell, 12, 12, on=date(2021, 1, 1)) == [], "no seat recorded: nothing known"
    secretary(cell)
    assert warnings(cell, 12, 12, on=date(2021, 1, 1)) == [Threshold.CELL_COMMITTEE_FROM_9]
    assert warnings(cell, 8, 8, on=date(2021, 1, 1)) == []
    secretary(cell, Position.COMMITTEE_MEMBER, officials=12)
    assert warnings(cell, 12, 12, on=date(2021, 1, 1)) == []
    assert warnings(cell, 8, 8, on=date(2021, 1, 1)) == [Threshold.CELL_COMMITTEE_FROM_9]
    assert warnings(cell, 2, 31, on=date(2026, 1, 1)) == [
        Threshold.CELL_MIN_OFFICIALS, Threshold.GRASSROOTS_CELL_UNDER_30], "the term is over"


def test_counts_come_from_the_cells_roster_when_it_keeps_one() -> None:
    cell = found(K.SUBORDINATE_CELL, found(K.GRASSROOTS_COMMITTEE, found(K.PROVINCIAL_ORGANIZATION)))
    assert roster_counts(cell) == (0, 0)
    cell.roster = {uuid.uuid4(): s for s in ("OFFICIAL", "OFFICIAL", "PROBATIONARY", "EXITED")}  # type: ignore[attr-defined]
    assert roster_counts(cell) == (2, 3)


def test_a_breach_is_refused_without_consent_and_recorded_with_it() -> None:
    committee = found(K.GRASSROOTS_COMMITTEE, found(K.PROVINCIAL_ORGANIZATION))
    version = committee.version
    with pytest.raises(ThresholdConsentRequiredError) as refused:
        committee.require_threshold(Threshold.GRASSROOTS_COMMITTEE_FROM_30, met=False, consent=None,
                                    effective_on=date(2019, 4, 2), message="22 members")
    assert refused.value.code == "THRESHOLD_CONSENT_REQUIRED" and committee.version == version
    assert refused.value.threshold is Threshold.GRASSROOTS_COMMITTEE_FROM_30
    committee.require_threshold(Threshold.GRASSROOTS_COMMITTEE_FROM_30, met=True, consent=None,
                                effective_on=date(2019, 4, 2), message="")
    assert committee.version == version
    committee.require_threshold(Threshold.GRASSROOTS_COMMITTEE_FROM_30, met=False, consent=CONSENT,
                                effective_on=date(2019, 4, 2), message="22 members")
    consent = committee.consent_for(Threshold.GRASSROOTS_COMMITTEE_FROM_30, date(2020, 1, 1))
    assert consent is not None and consent.decision == CONSENT
    assert committee.consent_for(Threshold.CELL_MIN_OFFICIALS, date(2020, 1, 1)) is None


def test_each_threshold_has_a_vietnamese_label() -> None:
    assert all(t.label and t.label != t.name for t in Threshold)

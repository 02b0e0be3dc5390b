"""Monthly meeting scores (DOMAIN.md §2.13.3): the frame as configuration, the monthly grade, the
year's grade from the monthly average. No database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, Mapper, UUIDAsHex
from hypothesis import given
from hypothesis import strategies as st

from partyledger.domain.decision import Decision
from partyledger.domain.errors import DomainError
from partyledger.domain.meeting_frames import (
    DEFAULT_FRAME_VERSION,
    DEFAULT_MEETING_FRAME,
    Criterion,
    FrameVersion,
    MeetingFrame,
    MeetingFrameSchedule,
    MeetingGrade,
    MissingMonths,
    annual_meeting_grade,
    frame_in_force,
    months_between,
)
from partyledger.domain.org_meetings import MeetingBody
from partyledger.domain.organization import Organization, OrganizationKind
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.services.transcodings import register_domain_transcodings

REQUIRED = ("ATTENDANCE_RATE", "MEETING_DURATION", "MEMBERS_SPEAKING", "MINUTES")
FULL = {c.name: c.max_points for c in DEFAULT_MEETING_FRAME.criteria}


@pytest.fixture(autouse=True)
def provenance() -> Iterator[Provenance]:
    with recorded_by(Provenance("officer-3", "corr-9")) as p:
        yield p


def organization(kind: OrganizationKind = OrganizationKind.GRASSROOTS_CELL,
                 founded_on: date = date(2018, 1, 1)) -> Organization:
    province = Organization.found(name="Đảng bộ tỉnh Hòa Bình", kind=OrganizationKind.PROVINCIAL_ORGANIZATION,
                                  parent=None, effective_on=date(2010, 1, 1), decision=None)
    return Organization.found(name="Chi bộ xóm Bưng", kind=kind, parent=province, effective_on=founded_on,
                              decision=None)


def scored(**changes: int | str) -> dict[str, Decimal]:
    return {**FULL, **{k: Decimal(str(v)) for k, v in changes.items()}}


def refused(call: object) -> str:
    with pytest.raises(DomainError) as error:
        call()  # type: ignore[operator]
    return error.value.code


def record(cell: Organization, month: str, scores: dict[str, Decimal], **more: object) -> None:
    arguments: dict[str, object] = {"frame": DEFAULT_FRAME_VERSION, "effective_on": date(2024, 12, 28)} | more
    cell.record_meeting_score(month=month, scores=scores, **arguments)  # type: ignore[arg-type]


# -- the frame --------------------------------------------------------------------------------

def test_the_default_frame_adds_up_to_100_and_requires_the_four_criteria_at_their_maximum() -> None:
    assert DEFAULT_MEETING_FRAME.total == 100
    assert sum(c.max_points for c in DEFAULT_MEETING_FRAME.criteria) == 100
    assert tuple(c.name for c in DEFAULT_MEETING_FRAME.criteria if c.required_for_good) == REQUIRED


@pytest.mark.parametrize("criteria", [
    (),
    (Criterion("A", Decimal(50)), Criterion("B", Decimal(40))),
    (Criterion("A", Decimal(50)), Criterion("A", Decimal(50))),
    (Criterion("A", Decimal(110)), Criterion("B", Decimal(-10))),
    (Criterion(" ", Decimal(100)),),
])
def test_a_frame_whose_criteria_do_not_make_its_total_is_refused(criteria: tuple[Criterion, ...]) -> None:
    assert refused(lambda: MeetingFrame(criteria)) == "MEETING_FRAME_INVALID"


def test_a_maximum_that_is_not_a_number_is_refused() -> None:
    assert refused(lambda: Criterion("A", "many")) == "MEETING_FRAME_INVALID"  # type: ignore[arg-type]
    assert refused(lambda: Criterion("A", float("nan"))) == "MEETING_FRAME_INVALID"  # type: ignore[arg-type]


def test_a_frame_with_half_points_is_exact() -> None:
    frame = MeetingFrame((Criterion("A", Decimal("62.5"), True), Criterion("B", 37.5)))  # type: ignore[arg-type]
    assert frame.criteria[1].max_points == Decimal("37.5")
    assert frame.grade({"A": Decimal("62.5"), "B": Decimal("27.5")}) is MeetingGrade.GOOD  # exactly 90


def test_a_month_is_scored_with_the_frame_configured_to_apply_from_it_or_before() -> None:
    other = MeetingFrame((Criterion("ALL", Decimal(100), True),))
    versions = [FrameVersion(1, "2022-01", other), FrameVersion(2, "2024-07", DEFAULT_MEETING_FRAME),
                FrameVersion(3, "2022-01", DEFAULT_MEETING_FRAME)]
    assert frame_in_force(versions, "2021-12") is DEFAULT_FRAME_VERSION
    assert frame_in_force(versions, "2022-01").version == 3  # a later configuration for the month replaces
    assert frame_in_force(versions, "2024-06").version == 3
    assert frame_in_force(versions, "2024-07").version == 2


def test_the_schedule_numbers_its_frames_and_has_one_id_per_tenant() -> None:
    schedule = MeetingFrameSchedule.open("hoa-binh")
    assert schedule.id == MeetingFrameSchedule.id_for("hoa-binh") != MeetingFrameSchedule.id_for("phu-tho")
    schedule.configure(DEFAULT_MEETING_FRAME, applies_from="2023-01", effective_on=date(2022, 12, 14),
                       decision=Decision("31-QĐi/TU", date(2022, 12, 14), "Tỉnh ủy Hòa Bình"))
    assert schedule.in_force("2023-05").version == 1 and schedule.in_force("2022-12").version == 0
    assert refused(lambda: schedule.configure(DEFAULT_MEETING_FRAME, applies_from="2023-13",
                                              effective_on=date(2023, 1, 1), decision=None)) == "MEETING_MONTH_INVALID"
    late = Decision("2-QĐ/TU", date(2023, 2, 1), "Tỉnh ủy")
    assert refused(lambda: schedule.configure(DEFAULT_MEETING_FRAME, applies_from="2023-02",
                                              effective_on=date(2023, 1, 1), decision=late)) == "DATES_OUT_OF_ORDER"
    assert len(schedule.versions) == 1


# -- a month's grade --------------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "grade"), [
    ({}, MeetingGrade.GOOD),                                          # 100, maxima
    ({"PREPARATION": 10}, MeetingGrade.GOOD),                         # 90, maxima
    ({"PREPARATION": 11, "MINUTES": 9}, MeetingGrade.FAIR),           # 90 without the minutes' maximum
    ({"ATTENDANCE_RATE": 9}, MeetingGrade.FAIR),                      # 99 without attendance's maximum
    ({"PREPARATION": "9.5"}, MeetingGrade.FAIR),                      # 89.5
    ({"PREPARATION": 0, "ORDER_AND_CONTENT": 10}, MeetingGrade.FAIR),  # 70
    ({"PREPARATION": 0, "ORDER_AND_CONTENT": 9}, MeetingGrade.AVERAGE),  # 69
    ({"PREPARATION": 0, "ORDER_AND_CONTENT": 0, "PARTY_PRINCIPLES": 0, "RESOLUTION_CARRIED_OUT": 10},
     MeetingGrade.AVERAGE),                                           # 50
    ({"PREPARATION": 0, "ORDER_AND_CONTENT": 0, "PARTY_PRINCIPLES": 0, "RESOLUTION_CARRIED_OUT": 9},
     MeetingGrade.POOR),                                              # 49
])
def test_a_month_is_graded_by_its_points_and_the_required_maxima(changes: dict[str, int], grade: MeetingGrade) -> None:
    cell = organization()
    record(cell, "2024-03", scored(**changes))
    score = cell.meeting_scores[(MeetingBody.CELL, "2024-03")]
    assert score.grade is grade and score.total == sum(scored(**changes).values())
    assert score.frame_version == 0 and score.out_of == 100


def _brute_force(frame: MeetingFrame, scores: dict[str, Decimal]) -> MeetingGrade:
    """The rule read literally, band by band, on the percent of the frame's total."""
    share = sum(Fraction(v) for v in scores.values()) / Fraction(frame.total) * 100
    maxima = [scores[c.name] == c.max_points for c in frame.criteria if c.required_for_good]
    bands = [(MeetingGrade.GOOD, 90 <= share and False not in maxima),
             (MeetingGrade.FAIR, 70 <= share < 90 or share >= 90),
             (MeetingGrade.AVERAGE, 50 <= share < 70),
             (MeetingGrade.POOR, share < 50)]
    return next(grade for grade, holds in bands if holds)


@st.composite
def frames_and_scores(draw: st.DrawFn) -> tuple[MeetingFrame, dict[str, Decimal]]:
    halves = draw(st.lists(st.integers(1, 60), min_size=1, max_size=8))  # maxima in half points
    cuts = sorted(draw(st.lists(st.integers(1, 199), max_size=6, unique=True)))
    widths = [b - a for a, b in zip([0, *cuts], [*cuts, 200], strict=True)] if draw(st.booleans()) else halves
    total = Decimal(sum(widths)) / 2
    criteria = tuple(Criterion(f"C{i}", Decimal(w) / 2, draw(st.booleans())) for i, w in enumerate(widths))
    frame = MeetingFrame(criteria, total)
    near_max = st.sampled_from(["max", "max", "any"])
    scores = {c.name: c.max_points if draw(near_max) == "max" else Decimal(draw(st.integers(0, int(c.max_points * 2)))) / 2
              for c in criteria}
    return frame, scores


@given(frames_and_scores())
def test_the_grade_agrees_with_a_literal_reading_of_the_rule(case: tuple[MeetingFrame, dict[str, Decimal]]) -> None:
    frame, scores = case
    assert frame.grade(frame.check(scores)) is _brute_force(frame, scores)


@pytest.mark.parametrize("scores", [
    {k: v for k, v in FULL.items() if k != "MINUTES"},
    FULL | {"SINGING": Decimal(5)},
    FULL | {"MINUTES": Decimal(11)},
    FULL | {"MINUTES": Decimal(-1)},
    FULL | {"MINUTES": "ten"},
])
def test_scores_must_match_the_frame_and_stay_within_each_maximum(scores: dict[str, object]) -> None:
    cell = organization()
    assert refused(lambda: record(cell, "2024-03", scores)) == "MEETING_SCORE_INVALID"  # type: ignore[arg-type]
    assert cell.meeting_scores == {} and not cell.pending_events[1:]


def test_a_month_is_scored_once_and_changed_only_by_a_correction_with_its_reason() -> None:
    cell = organization()
    record(cell, "2024-03", scored(MINUTES=9))
    assert refused(lambda: record(cell, "2024-03", scored())) == "MEETING_ALREADY_SCORED"
    assert refused(lambda: record(cell, "2024-04", scored(), correction_reason="Chấm lại")) == "NO_MEETING_SCORE_TO_CORRECT"
    record(cell, "2024-03", scored(), correction_reason=" Chấm lại theo biên bản ")
    corrected = cell.pending_events[-1]
    assert (corrected.corrects, corrected.grade, corrected.correction_reason) == (  # type: ignore[attr-defined]
        MeetingGrade.FAIR, MeetingGrade.GOOD, "Chấm lại theo biên bản")
    assert cell.meeting_scores[(MeetingBody.CELL, "2024-03")].grade is MeetingGrade.GOOD


def test_the_cell_committee_meets_apart_from_the_cell() -> None:
    cell = organization()
    record(cell, "2024-03", scored())
    record(cell, "2024-03", scored(MINUTES=5), body=MeetingBody.CELL_COMMITTEE)
    assert cell.meeting_scores[(MeetingBody.CELL_COMMITTEE, "2024-03")].grade is MeetingGrade.FAIR


@pytest.mark.parametrize(("kind", "month", "effective_on", "code"), [
    (OrganizationKind.GRASSROOTS_COMMITTEE, "2024-03", date(2024, 3, 30), "MEETING_NOT_HELD_BY_ORGANIZATION"),
    (OrganizationKind.GRASSROOTS_CELL, "2024-3", date(2024, 3, 30), "MEETING_MONTH_INVALID"),
    (OrganizationKind.GRASSROOTS_CELL, "2017-12", date(2018, 1, 30), "ORGANIZATION_NOT_IN_EXISTENCE"),
    (OrganizationKind.GRASSROOTS_CELL, "2024-03", date(2024, 2, 28), "DATES_OUT_OF_ORDER"),
])
def test_only_a_cell_that_exists_scores_a_month_once_it_has_begun(
    kind: OrganizationKind, month: str, effective_on: date, code: str,
) -> None:
    cell = organization(kind)
    assert refused(lambda: record(cell, month, scored(), effective_on=effective_on)) == code
    assert cell.meeting_scores == {}


def test_a_cell_scores_from_its_founding_month() -> None:
    cell = organization(founded_on=date(2018, 1, 20))
    record(cell, "2018-01", scored(), effective_on=date(2018, 1, 28))
    assert (MeetingBody.CELL, "2018-01") in cell.meeting_scores


# -- the year's grade -------------------------------------------------------------------------

YEAR = months_between(date(2024, 1, 1), date(2024, 12, 31))


def test_hoa_binh_a_cell_is_good_for_the_year_when_its_monthly_average_is_at_least_90() -> None:
    monthly = {m: Fraction(90 if i % 2 else 92) for i, m in enumerate(YEAR)}
    found = annual_meeting_grade(2024, monthly, YEAR)
    assert (found.grade, found.average) == (MeetingGrade.GOOD, Decimal("91.00"))
    below = monthly | {"2024-12": Fraction(66)}  # the average falls to (91 × 12 − 24) / 12 = 89
    assert annual_meeting_grade(2024, below, YEAR).grade is MeetingGrade.FAIR


def test_a_month_without_a_score_counts_as_zero_unless_the_policy_excludes_it() -> None:
    monthly = {m: Fraction(95) for m in YEAR[:11]}
    strict = annual_meeting_grade(2024, monthly, YEAR)
    assert (strict.grade, strict.average, strict.months_missing) == (MeetingGrade.FAIR, Decimal("87.08"), ("2024-12",))
    lenient = annual_meeting_grade(2024, monthly, YEAR, MissingMonths.EXCLUDED)
    assert (lenient.grade, lenient.average, len(lenient.months_counted)) == (MeetingGrade.GOOD, Decimal("95.00"), 11)
    assert annual_meeting_grade(2024, {}, YEAR, MissingMonths.EXCLUDED).grade is None


def test_the_year_counts_only_the_months_the_cell_existed_and_those_scored_so_far() -> None:
    cell = organization(founded_on=date(2024, 10, 15))
    for month in ("2024-10", "2024-11"):
        record(cell, month, scored())
    found = cell.annual_meeting_grade(2024)
    assert found.months_counted == ("2024-10", "2024-11", "2024-12") and found.average == Decimal("66.67")
    assert cell.annual_meeting_grade(2024, through=date(2024, 11, 30)).grade is MeetingGrade.GOOD
    assert cell.annual_meeting_grade(2023).grade is None


def test_the_committee_s_meetings_make_their_own_year() -> None:
    cell = organization()
    record(cell, "2024-01", scored(), body=MeetingBody.CELL_COMMITTEE)
    jan = date(2024, 1, 31)
    assert cell.annual_meeting_grade(2024, through=jan).grade is MeetingGrade.POOR
    assert cell.annual_meeting_grade(2024, body=MeetingBody.CELL_COMMITTEE, through=jan).grade is MeetingGrade.GOOD


@given(st.dictionaries(st.sampled_from(YEAR), st.integers(0, 200).map(lambda h: Fraction(h, 2))),
       st.sampled_from(list(MissingMonths)))
def test_the_year_s_grade_agrees_with_the_average_read_literally(
    monthly: dict[str, Fraction], missing: MissingMonths,
) -> None:
    found = annual_meeting_grade(2024, monthly, YEAR, missing)
    values = [monthly.get(m, Fraction(0)) for m in YEAR if m in monthly or missing is MissingMonths.COUNT_AS_ZERO]
    if not values:
        assert found.grade is None
        return
    average = sum(values) / len(values)
    expected = (MeetingGrade.GOOD if average >= 90 else MeetingGrade.FAIR if average >= 70
                else MeetingGrade.AVERAGE if average >= 50 else MeetingGrade.POOR)
    assert found.grade is expected and abs(Fraction(found.average) - average) <= Fraction(1, 200)  # type: ignore[arg-type]


# -- stored events ----------------------------------------------------------------------------

def test_scores_and_frames_come_back_from_the_store_exactly() -> None:
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DatetimeAsISO(), DecimalAsStr()):
        transcoder.register(transcoding)
    register_domain_transcodings(transcoder)
    mapper = Mapper(transcoder=transcoder)
    cell = organization()
    record(cell, "2024-03", scored(PREPARATION="17.5"))
    schedule = MeetingFrameSchedule.open("hoa-binh")
    schedule.configure(MeetingFrame((Criterion("ALL", Decimal(100), True, "Tất cả"),)), applies_from="2024-01",
                       effective_on=date(2023, 12, 1), decision=None)
    copies: dict[object, object] = {}
    for stored in [*cell.collect_events(), *schedule.collect_events()]:
        copy = mapper.to_domain_event(mapper.to_stored_event(stored))
        copies[copy.originator_id] = copy.mutate(copies.get(copy.originator_id))
    assert copies[cell.id].meeting_scores == cell.meeting_scores  # type: ignore[attr-defined]
    assert copies[schedule.id].versions == schedule.versions  # type: ignore[attr-defined]
    assert copies[schedule.id].versions[0].frame.criteria[0].label == "Tất cả"  # type: ignore[attr-defined]

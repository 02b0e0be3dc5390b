"""The annual review (DOMAIN.md §2.12): schemes by date, who is rated, forced grades, the cap."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Mapper, UUIDAsHex
from hypothesis import given, settings
from hypothesis import strategies as st

from partyledger.domain.decision import Decision
from partyledger.domain.errors import DomainError
from partyledger.domain.member import Member, MemberStatus
from partyledger.domain.discipline_rules import DisciplineForm, SuspensionGround
from partyledger.domain.member_exits import ExemptionGround
from partyledger.domain.member_ratings import (
    AnnualRatingBook,
    ForcedReason,
    RatingStanding,
)
from partyledger.domain.member_state import Introducer, IntroducerKind
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.domain.rating_schemes import (
    LEGACY_HD27,
    LEGACY_TO_CURRENT,
    QD124,
    QD132,
    QD366,
    RATING_SCHEMES,
    CapDenominator,
    CapPolicy,
    CapScope,
    Grade,
    LegacyMemberGrade,
    LegacyOrgGrade,
    check_excellent_cap,
    percent,
    scheme_for,
)
from partyledger.domain.rules import CHARTER_RULES
from partyledger.domain.votes import VoteTally
from partyledger.services.transcodings import register_domain_transcodings

E, G, C, N = Grade.EXCELLENT, Grade.GOOD, Grade.COMPLETED, Grade.NOT_COMPLETED
PLUS = CapPolicy(denominator=CapDenominator.GOOD_PLUS_EXCELLENT)
REVIEW = date(2021, 12, 15)
DECISION = Decision("88-QĐ/ĐU", REVIEW, "Ban Thường vụ Đảng ủy")


@pytest.fixture(autouse=True)
def provenance() -> Iterator[Provenance]:
    with recorded_by(Provenance("officer-7", "corr-1")) as p:
        yield p


def official(ceremony_on: date = date(2015, 8, 10)) -> Member:
    return Member.enroll(full_name="Lê Thị Hồng", birth_date=date(1990, 3, 4), cell_id=uuid.uuid4(),
                         admitted_on=ceremony_on, ceremony_on=ceremony_on,
                         recognized_on=None if ceremony_on.year >= 2021 else date(ceremony_on.year + 1, 9, 1))


def rate(member: Member, grade: Grade = G, year: int = 2021, on: date = REVIEW, **more: object) -> None:
    member.rate(year=year, grade=grade, decided_on=on, scheme=scheme_for(year),
                rules=CHARTER_RULES.in_force(on), **more)  # type: ignore[arg-type]


def pending(member: Member) -> list[object]:
    return list(member._pending_events)  # noqa: SLF001


# -- schemes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("year", "scheme"), [
    (2014, LEGACY_HD27), (2017, LEGACY_HD27), (2018, QD132), (2022, QD132),
    (2023, QD124), (2024, QD124), (2025, QD366), (2026, QD366),
])
def test_a_year_is_reviewed_under_the_scheme_in_force_on_its_31_december(year: int, scheme: object) -> None:
    assert scheme_for(year) is scheme


def test_a_year_before_any_scheme_has_none() -> None:
    with pytest.raises(DomainError) as refused:
        scheme_for(2013)
    assert getattr(refused.value, "code", None) == "NO_RATING_SCHEME_FOR_YEAR"


def test_the_legacy_scheme_keeps_the_old_names_and_maps_to_the_current_grades_from_2018() -> None:
    assert LEGACY_HD27.member_label(E) == "Đủ tư cách, hoàn thành xuất sắc nhiệm vụ"
    assert LEGACY_HD27.member_label(N) == "Vi phạm tư cách hoặc không hoàn thành nhiệm vụ"
    assert QD132.member_label(E) == "Hoàn thành xuất sắc nhiệm vụ"
    assert LEGACY_HD27.organization_grades is LegacyOrgGrade and QD124.organization_grades is Grade
    assert LEGACY_TO_CURRENT.effective_on == QD132.in_force_from == date(2018, 3, 8)
    assert LEGACY_TO_CURRENT.current(LegacyOrgGrade.CLEAN_STRONG) is E
    assert LEGACY_TO_CURRENT.current(LegacyOrgGrade.WEAK) is N
    assert LEGACY_TO_CURRENT.current(LegacyMemberGrade.QUALIFIED_GOOD) is G
    assert LEGACY_TO_CURRENT.legacy_member(C) is LegacyMemberGrade.QUALIFIED_COMPLETED


def test_the_default_cap_is_the_strict_text_and_the_unverified_caps_are_flagged() -> None:
    assert CapPolicy() == CapPolicy(Fraction(1, 5), CapDenominator.GOOD_ONLY, CapScope.PER_GRASSROOTS_ORG)
    assert QD132.member_cap is not None and QD132.member_cap.verified
    assert QD124.collective_cap is not None and QD124.collective_cap.scope is CapScope.PER_PEER_GROUP
    assert QD366.member_cap is not None and not QD366.member_cap.verified  # UNVERIFIED (§7.1)
    assert LEGACY_HD27.member_cap is None and QD366.points is not None and QD124.points is None


def test_a_tenant_may_drop_or_change_a_cap_but_not_count_members_in_peer_groups() -> None:
    book = RATING_SCHEMES.with_member_cap(None, "QD366")
    assert book.for_year(2025).member_cap is None and book.for_year(2024).member_cap == QD124.member_cap
    assert RATING_SCHEMES.with_member_cap(PLUS).for_year(2019).member_cap == PLUS
    with pytest.raises(ValueError, match="peer groups"):
        RATING_SCHEMES.with_member_cap(CapPolicy(scope=CapScope.PER_PEER_GROUP))


# -- the cap, with figures computed by hand ------------------------------------------------------


@pytest.mark.parametrize(("grades", "policy", "passes"), [
    ([E] * 2 + [G] * 10, CapPolicy(), True),            # 2 ≤ 20 % of 10
    ([E] * 3 + [G] * 10, CapPolicy(), False),           # 3 > 2
    ([E] * 2 + [G] * 8, CapPolicy(), False),            # 2 > 1.6
    ([E] * 2 + [G] * 8, PLUS, True),                    # 2 ≤ 20 % of 10
    ([E] + [G] * 4, CapPolicy(), False),                # 1 > 0.8
    ([E] + [G] * 4, PLUS, True),                        # 1 ≤ 1
    ([E] + [C] * 20 + [N] * 5, CapPolicy(), False),     # COMPLETED and below never count
    ([E], PLUS, False),                                 # 1 > 0.2
    ([G] * 3 + [C], CapPolicy(), True),
    ([E] * 5, None, True),                              # no cap in the scheme
])
def test_the_cap_within_one_scope(grades: list[Grade], policy: CapPolicy | None, passes: bool) -> None:
    if passes:
        check_excellent_cap(grades, policy)
    else:
        with pytest.raises(DomainError) as refused:
            check_excellent_cap(grades, policy)
        assert getattr(refused.value, "code", None) == "EXCELLENT_CAP_EXCEEDED"


def test_hoa_binh_the_tenant_wide_ratio_is_not_the_cap() -> None:
    # S1 (Hòa Bình 2021): 9,942 members EXCELLENT against 47,193 GOOD in aggregate.
    assert percent(9942, 47193) == Decimal("21.07") and percent(604, 2364) == Decimal("25.55")
    assert percent(604, 3174) == Decimal("19.03") and percent(5, 3174) == Decimal("0.16")
    # [synthetic] two grassroots organisations summing to those figures, each within the cap
    # under the GOOD_PLUS_EXCELLENT reading: 9,000 ≤ 20 % of 45,000; 942 ≤ 20 % of 12,135.
    first, second = [E] * 9000 + [G] * 36000, [E] * 942 + [G] * 11193
    check_excellent_cap(first, PLUS)
    check_excellent_cap(second, PLUS)
    with pytest.raises(DomainError, match="9942 rated EXCELLENT against 47193 rated GOOD"):
        check_excellent_cap(first + second, CapPolicy())  # the tenant's 21.07 % "fails"


def test_a_tenant_within_the_cap_does_not_excuse_a_grassroots_organisation_over_it() -> None:
    over, under = [E] + [G], [G] * 20  # 1 > 0.2 in the first; 1/21 = 4.76 % of the tenant
    check_excellent_cap(over + under, CapPolicy())
    with pytest.raises(DomainError, match="EXCELLENT"):
        check_excellent_cap(over, CapPolicy())


counts = st.integers(min_value=0, max_value=40)


@settings(max_examples=300, deadline=None)
@given(e=counts, g=counts, c=counts, n=counts, p=st.integers(1, 9), q=st.integers(1, 10),
       plus=st.booleans(), data=st.data())
def test_the_cap_function_agrees_with_the_policy_stated_by_brute_force(  # noqa: PLR0913
    e: int, g: int, c: int, n: int, p: int, q: int, plus: bool, data: st.DataObject,
) -> None:
    grades = data.draw(st.permutations([E] * e + [G] * g + [C] * c + [N] * n))
    denominator = CapDenominator.GOOD_PLUS_EXCELLENT if plus else CapDenominator.GOOD_ONLY
    policy = CapPolicy(ratio=Fraction(p, q), denominator=denominator)
    excellent = sum(1 for x in grades if x is E)
    base = sum(1 for x in grades if x is G or (plus and x is E))
    expected = excellent * q <= p * base  # "EXCELLENT ≤ p/q × base", in integers
    try:
        check_excellent_cap(grades, policy)
        passed = True
    except DomainError as refused:
        assert getattr(refused, "code", None) == "EXCELLENT_CAP_EXCEEDED"
        passed = False
    assert passed is expected


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(st.tuples(counts, counts), min_size=1, max_size=6), plus=st.booleans())
def test_with_one_reading_every_organisation_within_the_cap_keeps_the_tenant_within_it(
    parts: list[tuple[int, int]], plus: bool,
) -> None:
    """So a tenant-wide ratio above the cap (Hòa Bình's 21.07 %) comes from another reading or
    another denominator, never from a breach the per-organisation check would have missed."""
    policy = PLUS if plus else CapPolicy()
    kept = [[E] * e + [G] * g for e, g in parts if policy.allows(g, e)]
    check_excellent_cap([x for part in kept for x in part], policy)


# -- rating a member ------------------------------------------------------------------------------


def test_a_rating_records_the_grade_the_scheme_and_the_cap_in_force() -> None:
    member = official()
    rate(member, E, decision=DECISION)
    rated = pending(member)[-1]
    assert (rated.year, rated.grade, rated.scheme, rated.decision, rated.effective_on) == (  # type: ignore[attr-defined]
        2021, E, "QD132", DECISION, REVIEW)
    assert rated.cap_policy.startswith("EXCELLENT ≤ 1/5 × GOOD_ONLY, PER_GRASSROOTS_ORG")  # type: ignore[attr-defined]
    assert member.ratings[2021].grade is E and member.ratings[2021].scheme == "QD132"


def test_a_review_before_2018_is_recorded_under_the_legacy_scheme() -> None:
    member = official()
    rate(member, G, year=2016, on=date(2016, 12, 20))
    assert member.ratings[2016].scheme == "LEGACY_HD27"


def test_a_second_rating_of_the_year_is_refused_and_records_nothing() -> None:
    member = official()
    rate(member, G)
    before = pending(member)
    with pytest.raises(DomainError) as refused:
        rate(member, E)
    assert getattr(refused.value, "code", None) == "ALREADY_RATED"
    assert pending(member) == before and member.ratings[2021].grade is G


def test_a_correction_with_its_reason_replaces_the_years_grade() -> None:
    member = official()
    rate(member, G)
    rate(member, C, correction_reason="Kết luận kiểm tra 12/2021")
    corrected = pending(member)[-1]
    assert corrected.corrects is G and corrected.correction_reason == "Kết luận kiểm tra 12/2021"  # type: ignore[attr-defined]
    assert member.ratings[2021].grade is C


def test_a_correction_of_a_year_never_rated_is_refused() -> None:
    member = official()
    with pytest.raises(DomainError) as refused:
        rate(member, G, correction_reason="nhầm")
    assert getattr(refused.value, "code", None) == "NO_RATING_TO_CORRECT"
    assert len(pending(member)) == 1


@pytest.mark.parametrize(("ceremony_on", "rated"), [
    (date(2021, 7, 1), False),   # 5 months before the review of 15 Dec 2021
    (date(2021, 6, 16), False),  # 5 months and 29 days
    (date(2021, 6, 15), True),   # 6 months exactly
])
def test_members_admitted_less_than_six_months_before_the_review_are_not_rated(
    ceremony_on: date, rated: bool,
) -> None:
    member = official(ceremony_on)
    assert member.status is MemberStatus.PROBATIONARY
    if rated:
        rate(member, G)
        assert member.ratings[2021].grade is G
        return
    with pytest.raises(DomainError) as refused:
        rate(member, G)
    assert getattr(refused.value, "code", None) == "MEMBER_NOT_RATED_RECENTLY_ADMITTED"
    assert len(pending(member)) == 1


def test_a_candidate_is_not_rated() -> None:
    candidate = Member.open_candidacy(
        full_name="Đỗ Văn Khánh", birth_date=date(1995, 1, 1), cell_id=uuid.uuid4(),
        introducers=(Introducer(IntroducerKind.OFFICIAL_MEMBER, uuid.uuid4()),) * 2,
        applied_on=date(2020, 1, 6))
    with pytest.raises(DomainError) as refused:
        rate(candidate, G)
    assert getattr(refused.value, "code", None) == "MEMBER_NOT_RATED_NOT_A_MEMBER"
    assert len(pending(candidate)) == 1


def test_a_member_suspended_on_the_day_of_the_review_is_not_rated() -> None:
    member = official()
    member.suspend_activity(from_on=date(2021, 11, 1), days=None, ground=SuspensionGround.PROSECUTED,
                            rules=CHARTER_RULES.in_force(date(2021, 11, 1)))
    with pytest.raises(DomainError) as refused:
        rate(member, G)
    assert getattr(refused.value, "code", None) == "MEMBER_NOT_RATED_SUSPENDED"
    member.end_suspension(on=date(2021, 12, 1))
    rate(member, G)
    assert member.ratings[2021].grade is G


def test_an_exempted_member_is_not_rated() -> None:
    member = official()
    member.grant_exemption(ground=ExemptionGround.AGE, from_on=date(2021, 3, 1), decision=None)
    with pytest.raises(DomainError) as refused:
        rate(member, G)
    assert getattr(refused.value, "code", None) == "MEMBER_NOT_RATED_EXEMPT"
    rate(member, G, year=2020, on=date(2020, 12, 15))  # the year before the exemption
    assert member.ratings[2020].grade is G


def test_flags_from_the_service_stand_in_for_parts_the_member_lacks() -> None:
    assert RatingStanding.of(object(), 2021, REVIEW) == RatingStanding()
    member = official()
    with pytest.raises(DomainError) as refused:
        rate(member, G, standing=RatingStanding(exempt=True))
    assert getattr(refused.value, "code", None) == "MEMBER_NOT_RATED_EXEMPT"
    rate(member, N, standing=RatingStanding(disciplined_in_year=True))
    assert member.ratings[2021].forced_by == (ForcedReason.DISCIPLINED_IN_YEAR,)


def test_a_member_disciplined_in_the_year_can_only_be_not_completed() -> None:
    member = official()  # scenario F: a warning announced 2 Apr 2021, rated 15 Dec 2021
    decision = Decision("21-QĐ/UBKT", date(2021, 4, 2), "Ủy ban Kiểm tra Huyện ủy")
    member.impose_discipline(form=DisciplineForm.WARNING, violation_on=date(2021, 1, 10),
                             decision=decision, announced_on=date(2021, 4, 2),
                             vote=VoteTally(6, 1, 9, 8), rules=CHARTER_RULES.in_force(decision.date))
    before = pending(member)
    with pytest.raises(DomainError) as refused:
        rate(member, G)
    assert getattr(refused.value, "code", None) == "RATING_MUST_BE_NOT_COMPLETED"
    assert pending(member) == before
    rate(member, N)
    assert member.ratings[2021].forced_by == (ForcedReason.DISCIPLINED_IN_YEAR,)
    rate(member, G, year=2022, on=date(2022, 12, 15))  # counted once, in its own year
    assert member.ratings[2022].grade is G


@pytest.mark.parametrize("reason", [ForcedReason.DEGRADATION_CONCLUDED, ForcedReason.TARGETS_BELOW_HALF,
                                    ForcedReason.CIVIL_SERVICE_NOT_COMPLETED])
def test_a_forced_reason_given_by_the_body_allows_only_not_completed(reason: ForcedReason) -> None:
    member = official()
    with pytest.raises(DomainError) as refused:
        rate(member, C, forced_reason=reason)
    assert getattr(refused.value, "code", None) == "RATING_MUST_BE_NOT_COMPLETED"
    rate(member, N, forced_reason=reason)
    assert member.ratings[2021].forced_by == (reason,)


@pytest.mark.parametrize(("points", "grade"), [
    (100, E), (90, E), (89.99, G), (70, G), (69.5, C), (50, C), (49.9, N), (0, N),
])
def test_under_qd366_the_points_decide_the_grade(points: float, grade: Grade) -> None:
    for other in (g for g in Grade if g is not grade):
        with pytest.raises(DomainError) as refused:
            rate(official(), other, year=2025, on=date(2025, 12, 20), points=points)
        assert getattr(refused.value, "code", None) == "RATING_POINTS_DISAGREE_WITH_GRADE"
    member = official()
    rate(member, grade, year=2025, on=date(2025, 12, 20), points=points)
    assert (member.ratings[2025].points, member.ratings[2025].scheme) == (points, "QD366")


@pytest.mark.parametrize(("year", "points", "code"), [
    (2025, None, "RATING_POINTS_REQUIRED"),
    (2025, 100.5, "RATING_POINTS_OUT_OF_RANGE"),
    (2025, -1, "RATING_POINTS_OUT_OF_RANGE"),
    (2021, 85, "RATING_POINTS_NOT_IN_SCHEME"),
])
def test_points_belong_to_the_100_point_scale_only(year: int, points: float | None, code: str) -> None:
    member = official()
    with pytest.raises(DomainError) as refused:
        rate(member, G, year=year, on=date(year, 12, 20), points=points)
    assert getattr(refused.value, "code", None) == code
    assert len(pending(member)) == 1


def test_a_forced_not_completed_stands_whatever_the_points() -> None:
    member = official()
    rate(member, N, year=2025, on=date(2025, 12, 20), points=80, forced_reason=ForcedReason.TARGETS_BELOW_HALF)
    assert member.ratings[2025].grade is N


@pytest.mark.parametrize(("on", "decision_on"), [(date(2020, 12, 31), date(2020, 12, 31)),
                                                 (REVIEW, date(2021, 12, 16))])
def test_a_review_decided_before_its_year_or_before_its_decision_is_refused(on: date, decision_on: date) -> None:
    member = official()
    with pytest.raises(DomainError) as refused:
        rate(member, G, on=on, decision=Decision("1-QĐ", decision_on, "Đảng ủy"))
    assert getattr(refused.value, "code", None) == "DATES_OUT_OF_ORDER"
    rate(member, G, on=date(2022, 1, 10), decision=Decision("1-QĐ", date(2022, 1, 10), "Đảng ủy"))


# -- the book that counts a scope's grades -------------------------------------------------------


def test_a_book_has_one_id_per_scope_and_year() -> None:
    scope = uuid.uuid4()
    assert AnnualRatingBook.id_for(scope, 2021) == AnnualRatingBook.id_for(scope, 2021)
    assert AnnualRatingBook.id_for(scope, 2021) != AnnualRatingBook.id_for(scope, 2022)
    assert AnnualRatingBook.open(scope, 2021).id == AnnualRatingBook.id_for(scope, 2021)


def test_the_book_refuses_an_excellent_beyond_the_cap_and_counts_nothing() -> None:
    book = AnnualRatingBook.open(uuid.uuid4(), 2021)
    book.count({uuid.uuid4(): G for _ in range(10)} | {uuid.uuid4(): E, uuid.uuid4(): E}, CapPolicy(), REVIEW)
    before = book.version
    with pytest.raises(DomainError) as refused:
        book.count({uuid.uuid4(): E}, CapPolicy(), REVIEW)
    assert getattr(refused.value, "code", None) == "EXCELLENT_CAP_EXCEEDED"
    assert book.version == before and sum(1 for g in book.grades.values() if g is E) == 2


def test_the_book_refuses_taking_a_good_away_at_the_cap_but_never_an_improvement() -> None:
    good = [uuid.uuid4() for _ in range(5)]
    excellent = uuid.uuid4()
    book = AnnualRatingBook.open(uuid.uuid4(), 2021)
    book.count(dict.fromkeys(good, G) | {excellent: E}, CapPolicy(), REVIEW)  # 1 ≤ 20 % of 5
    with pytest.raises(DomainError, match="EXCELLENT"):
        book.count({good[0]: C}, CapPolicy(), REVIEW)  # 1 > 20 % of 4
    book.count({excellent: G}, CapPolicy(), REVIEW)
    book.count({good[0]: C}, CapPolicy(), REVIEW)
    tighter = CapPolicy(ratio=Fraction(0))
    book.count({uuid.uuid4(): E}, None, REVIEW)
    book.count({uuid.uuid4(): G}, tighter, REVIEW)  # over a tightened cap, a GOOD is still welcome
    assert sum(1 for g in book.grades.values() if g is G) == 6


# -- replay ---------------------------------------------------------------------------------------


def _mapper() -> Mapper[uuid.UUID]:
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DatetimeAsISO()):
        transcoder.register(transcoding)
    register_domain_transcodings(transcoder)
    return Mapper(transcoder=transcoder)


commands = st.lists(st.tuples(st.integers(2018, 2026), st.sampled_from(list(Grade)),
                              st.integers(0, 100), st.booleans()), max_size=12)


@settings(max_examples=60, deadline=None)
@given(steps=commands)
def test_replaying_the_stored_events_rebuilds_the_same_member(steps: list[tuple[int, Grade, int, bool]]) -> None:
    with recorded_by(Provenance("officer-7", "corr-1")):
        member = official()
        for year, grade, points, correct in steps:
            scored = QD366.points.grade_for(Fraction(points)) if year >= 2025 and QD366.points else grade
            try:
                rate(member, scored, year=year, on=date(year, 12, 20),
                     points=points if year >= 2025 else None,
                     correction_reason="đính chính" if correct else None)
            except DomainError as refused:
                assert getattr(refused, "code", None) in ("ALREADY_RATED", "NO_RATING_TO_CORRECT")
    mapper = _mapper()
    replayed = None
    for stored in [mapper.to_stored_event(e) for e in member.collect_events()]:
        replayed = mapper.to_domain_event(stored).mutate(replayed)
    assert replayed is not None
    assert replayed.ratings == member.ratings and replayed.version == member.version

"""Rating schemes of the annual review (DOMAIN.md §2.12): grades, caps and point scales, by date.

A review of year Y is judged by the scheme in force on 31 December of Y: the review is held at
the year's end, so a scheme adopted during the year (QĐ 124 on 4 Oct 2023, QĐ 366 on 30 Aug
2025) governs that year's review. Figures DOMAIN.md marks UNVERIFIED carry ``verified=False``
and can be overridden per tenant.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from fractions import Fraction

from partyledger.domain.labels import LabelledEnum
from partyledger.domain.errors import DomainError


class Grade(LabelledEnum):
    """The four grades for members and organisations since QĐ 132 (2018)."""

    EXCELLENT = "Hoàn thành xuất sắc nhiệm vụ"
    GOOD = "Hoàn thành tốt nhiệm vụ"
    COMPLETED = "Hoàn thành nhiệm vụ"
    NOT_COMPLETED = "Không hoàn thành nhiệm vụ"


class LegacyMemberGrade(LabelledEnum):
    """Member grades under HD 27-HD/BTCTW (2014), which also judged standing (tư cách) [K]."""

    QUALIFIED_EXCELLENT = "Đủ tư cách, hoàn thành xuất sắc nhiệm vụ"
    QUALIFIED_GOOD = "Đủ tư cách, hoàn thành tốt nhiệm vụ"
    QUALIFIED_COMPLETED = "Đủ tư cách, hoàn thành nhiệm vụ"
    VIOLATED_OR_NOT_COMPLETED = "Vi phạm tư cách hoặc không hoàn thành nhiệm vụ"


class LegacyOrgGrade(LabelledEnum):
    """Grassroots organisation grades under HD 27-HD/BTCTW (2014)."""

    CLEAN_STRONG = "Trong sạch, vững mạnh"
    GOOD = "Hoàn thành tốt nhiệm vụ"
    COMPLETED = "Hoàn thành nhiệm vụ"
    WEAK = "Yếu kém"


class CapDenominator(Enum):
    GOOD_ONLY = "the number rated GOOD (the strict reading of the text)"
    GOOD_PLUS_EXCELLENT = "the number rated GOOD or EXCELLENT"


class CapScope(Enum):
    PER_GRASSROOTS_ORG = "within each grassroots organisation (trong từng tổ chức cơ sở đảng)"
    PER_PEER_GROUP = "within each group of similar role and function (collectives, QĐ 124)"
    PER_RATING_AUTHORITY = "within the subtree of the body that rates"


@dataclass(frozen=True)
class CapPolicy:
    """EXCELLENT may not exceed ``ratio`` × the denominator, counted within ``scope``."""

    ratio: Fraction = Fraction(1, 5)
    denominator: CapDenominator = CapDenominator.GOOD_ONLY
    scope: CapScope = CapScope.PER_GRASSROOTS_ORG
    basis: str = ""
    verified: bool = True

    def limit(self, good: int, excellent: int) -> Fraction:
        base = good + (excellent if self.denominator is CapDenominator.GOOD_PLUS_EXCELLENT else 0)
        return self.ratio * base

    def allows(self, good: int, excellent: int) -> bool:
        return excellent <= self.limit(good, excellent)

    def describe(self) -> str:
        return (f"EXCELLENT ≤ {self.ratio} × {self.denominator.name}, {self.scope.name}"
                + (f" ({self.basis})" if self.basis else ""))


class ExcellentCapExceededError(DomainError):
    code = "EXCELLENT_CAP_EXCEEDED"


def percent(part: int, whole: int) -> Decimal:
    """A share in percent, rounded half-up to 2 decimals (DOMAIN.md §5)."""
    exact = Fraction(100 * part, whole) if whole else Fraction(0)
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP)


def check_excellent_cap(grades_in_scope: Iterable[Grade], policy: CapPolicy | None) -> None:
    """Refuse a distribution of grades, all within one scope, that breaks the cap.

    Never call it on a tenant's totals: the cap holds within each scope (§2.12).
    """
    if policy is None:
        return
    counts = Counter(grades_in_scope)
    good, excellent = counts[Grade.GOOD], counts[Grade.EXCELLENT]
    if not policy.allows(good, excellent):
        limit = policy.limit(good, excellent)
        msg = (f"{excellent} rated EXCELLENT against {good} rated GOOD"
               f" ({percent(excellent, good) if good else 'no GOOD'} %); at most {int(limit)}"
               f" under {policy.describe()}")
        raise ExcellentCapExceededError(msg, field="grade")


@dataclass(frozen=True)
class PointScale:
    """A 100-point scale: each grade from its floor up to the next grade's floor (QĐ 366)."""

    floors: tuple[tuple[Grade, Fraction], ...] = (
        (Grade.EXCELLENT, Fraction(90)), (Grade.GOOD, Fraction(70)),
        (Grade.COMPLETED, Fraction(50)), (Grade.NOT_COMPLETED, Fraction(0)))
    maximum: Fraction = Fraction(100)

    def grade_for(self, points: Fraction) -> Grade:
        return next(grade for grade, floor in self.floors if points >= floor)

    def within(self, points: Fraction) -> bool:
        return 0 <= points <= self.maximum


@dataclass(frozen=True)
class RatingScheme:
    """One generation of the annual review's rules."""

    key: str
    documents: str
    in_force_from: date
    member_cap: CapPolicy | None
    collective_cap: CapPolicy | None
    points: PointScale | None = None
    member_labels: Mapping[Grade, str] = field(default_factory=dict)
    organization_grades: type[Enum] = Grade

    def member_label(self, grade: Grade) -> str:
        """The grade as this scheme names it (HD 27 used the older names)."""
        return self.member_labels.get(grade, grade.label)


@dataclass(frozen=True)
class GradeMapping:
    """Which grade of the earlier scheme stands for which current grade, from ``effective_on``.

    A correspondence for statistics across the 2018 change, not an equivalence in law [K].
    """

    earlier: str
    later: str
    effective_on: date
    members: Mapping[LegacyMemberGrade, Grade]
    organizations: Mapping[LegacyOrgGrade, Grade]

    def current(self, legacy: LegacyMemberGrade | LegacyOrgGrade) -> Grade:
        table: Mapping[object, Grade] = (
            self.members if isinstance(legacy, LegacyMemberGrade) else self.organizations)
        return table[legacy]

    def legacy_member(self, grade: Grade) -> LegacyMemberGrade:
        return next(old for old, new in self.members.items() if new is grade)


LEGACY_TO_CURRENT = GradeMapping(
    earlier="LEGACY_HD27", later="QD132", effective_on=date(2018, 3, 8),
    members={LegacyMemberGrade.QUALIFIED_EXCELLENT: Grade.EXCELLENT,
             LegacyMemberGrade.QUALIFIED_GOOD: Grade.GOOD,
             LegacyMemberGrade.QUALIFIED_COMPLETED: Grade.COMPLETED,
             LegacyMemberGrade.VIOLATED_OR_NOT_COMPLETED: Grade.NOT_COMPLETED},
    organizations={LegacyOrgGrade.CLEAN_STRONG: Grade.EXCELLENT, LegacyOrgGrade.GOOD: Grade.GOOD,
                   LegacyOrgGrade.COMPLETED: Grade.COMPLETED, LegacyOrgGrade.WEAK: Grade.NOT_COMPLETED},
)

LEGACY_HD27 = RatingScheme(
    key="LEGACY_HD27", documents="HD 27-HD/BTCTW (25 Sep 2014)", in_force_from=date(2014, 9, 25),
    member_cap=None, collective_cap=None,  # DOMAIN.md knows no cap on members before 2018
    member_labels={new: old.label for old, new in LEGACY_TO_CURRENT.members.items()},
    organization_grades=LegacyOrgGrade,
)
QD132 = RatingScheme(
    key="QD132", documents="QĐ 132-QĐ/TW (8 Mar 2018), HD 16-HD/BTCTW (2018), HD 21-HD/BTCTW (2019)",
    in_force_from=date(2018, 3, 8),
    member_cap=CapPolicy(basis="HD 21-HD/BTCTW 18 Oct 2019"),
    collective_cap=CapPolicy(scope=CapScope.PER_RATING_AUTHORITY, verified=False,
                             basis="for organisations, scope UNVERIFIED"),
)
QD124 = RatingScheme(
    key="QD124", documents="QĐ 124-QĐ/TW (4 Oct 2023), HD 25-HD/BTCTW (2023)",
    in_force_from=date(2023, 10, 4),
    member_cap=CapPolicy(basis="QĐ 124-QĐ/TW"),
    collective_cap=CapPolicy(scope=CapScope.PER_PEER_GROUP, basis="QĐ 124-QĐ/TW"),
)
QD366 = RatingScheme(
    key="QD366", documents="QĐ 366-QĐ/TW (30 Aug 2025), HD 43-HD/BTCTW (31 Oct 2025)",
    in_force_from=date(2025, 8, 30),
    member_cap=CapPolicy(basis="carried over from QĐ 124; UNVERIFIED under QĐ 366", verified=False),
    collective_cap=CapPolicy(scope=CapScope.PER_PEER_GROUP, verified=False,
                             basis="carried over from QĐ 124; UNVERIFIED under QĐ 366"),
    points=PointScale(),
)


class NoRatingSchemeError(DomainError):
    code = "NO_RATING_SCHEME_FOR_YEAR"


@dataclass(frozen=True)
class RatingSchemeBook:
    """The successive schemes; a tenant may override the UNVERIFIED parts."""

    schemes: tuple[RatingScheme, ...]

    def in_force(self, day: date) -> RatingScheme:
        applicable = [s for s in self.schemes if s.in_force_from <= day]
        if not applicable:
            raise NoRatingSchemeError(f"no rating scheme was in force on {day}", field="year")
        return max(applicable, key=lambda s: s.in_force_from)

    def for_year(self, year: int) -> RatingScheme:
        if not date.min.year <= year <= date.max.year:
            raise NoRatingSchemeError(f"{year} is not a year", field="year")
        return self.in_force(date(year, 12, 31))

    def named(self, key: str) -> RatingScheme:
        return next(s for s in self.schemes if s.key == key)

    def with_member_cap(self, policy: CapPolicy | None, *keys: str) -> RatingSchemeBook:
        """The same book with ``policy`` as the member cap of the schemes named (all if none)."""
        if policy is not None and policy.scope is CapScope.PER_PEER_GROUP:
            raise ValueError("peer groups rate collectives; a member cap needs another scope")
        return RatingSchemeBook(tuple(
            replace(s, member_cap=policy) if not keys or s.key in keys else s for s in self.schemes))


RATING_SCHEMES = RatingSchemeBook((LEGACY_HD27, QD132, QD124, QD366))


def scheme_for(year: int, book: RatingSchemeBook = RATING_SCHEMES) -> RatingScheme:
    """The scheme in force on 31 December of the review year."""
    return book.for_year(year)

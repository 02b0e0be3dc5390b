"""The grades of one grassroots organisation's annual review, for generated history: a plausible
spread that the rules accept (DOMAIN.md §2.12).

Members disciplined in the year get NOT_COMPLETED; the others are drawn, then EXCELLENT is
lowered to GOOD until the scheme's cap holds within the organisation. Under a point scale each
grade gets points within its band.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from random import Random

from partyledger.domain.rating_schemes import CapPolicy, Grade, PointScale

DRAWN = ((Grade.NOT_COMPLETED, 0.01), (Grade.COMPLETED, 0.12), (Grade.EXCELLENT, 0.16))
"""Shares drawn before the cap; the rest are GOOD. HCMC reports 10–12 % EXCELLENT (§4)."""


@dataclass(frozen=True)
class ReviewLine:
    grade: Grade
    points: float | None


def review_grades(forced: list[bool], cap: CapPolicy | None, points: PointScale | None,
                  rnd: Random) -> list[ReviewLine]:
    """One line per member, in order; ``forced``: disciplined in the year."""
    grades = [Grade.NOT_COMPLETED if f else _draw(rnd) for f in forced]
    excellent = [i for i, g in enumerate(grades) if g is Grade.EXCELLENT]
    while excellent and cap is not None and not cap.allows(
            grades.count(Grade.GOOD), grades.count(Grade.EXCELLENT)):
        grades[excellent.pop()] = Grade.GOOD
    return [ReviewLine(g, _points(g, points, rnd) if points else None) for g in grades]


def _draw(rnd: Random) -> Grade:
    r = rnd.random()
    for grade, share in DRAWN:
        if r < share:
            return grade
        r -= share
    return Grade.GOOD


def _points(grade: Grade, scale: PointScale, rnd: Random) -> float:
    """Half points from the grade's floor up to (not reaching) the next grade's floor."""
    floors = dict(scale.floors)
    above = [f for f in floors.values() if f > floors[grade]]
    ceiling = min(above) if above else scale.maximum + Fraction(1, 2)  # the maximum itself counts
    steps = int((ceiling - floors[grade]) * 2)
    chosen = floors[grade] + Fraction(rnd.randrange(steps), 2)
    if grade is Grade.NOT_COMPLETED:
        chosen = max(chosen, Fraction(30))  # a member who took part scores something
    return float(chosen)

"""Party age (tuổi đảng) and the badges it earns (Huy hiệu Đảng), DOMAIN.md §2.4.

Party age counts the days from the admission decision to ``as_of`` that no excluded interval
covers (expelled, struck off, out of contact, transfer gaps). Intervals are end-exclusive
(``[start, end)``), an open one runs to ``as_of``, and a day covered by two intervals is
excluded once.

Years and months follow one convention, used for every threshold: **an anniversary moves later
by the excluded days before it**. N years of party age are reached on the first day on which the
counted days equal the days from the admission decision to its N-th calendar anniversary;
equivalently, the calendar months from the admission decision to ``admitted_on + days``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from partyledger.domain.calendar_months import add_months, whole_months_between
from partyledger.domain.member_state import ExcludedInterval, MemberStatus


class PartyStandingRecord(Protocol):
    """What party age reads from a member's record."""

    status: MemberStatus
    admitted_on: date | None
    recognized_on: date | None
    excluded: list[ExcludedInterval]


@dataclass(frozen=True)
class PartyAge:
    """Counted days, and the same span in calendar years and months (months 0–11)."""

    days: int
    years: int
    months: int

    @property
    def total_months(self) -> int:
        return self.years * 12 + self.months


@dataclass(frozen=True)
class BadgePolicy:
    """Badge levels, early awards and award rounds (HD 01-HD/TW of 28 Sep 2021, §18)."""

    guidance: str = "HD 01-HD/TW 2021 §18"
    levels: tuple[int, ...] = (30, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90)
    early_months_until: tuple[tuple[int, int], ...] = ((65, 12), (90, 24))
    """(highest level, months early): up to 12 months early for 30–65, 24 for 70–90."""
    rounds: tuple[tuple[int, int], ...] = ((2, 3), (5, 19), (9, 2), (11, 7))
    """(month, day): 3/2, 19/5, 2/9 and 7/11."""

    def early_months(self, level: int) -> int:
        return next(months for highest, months in self.early_months_until if level <= highest)

    def round_on(self, day: date) -> date:
        """The first award round on or after ``day``."""
        return min(date(year, month, dom) for year in (day.year, day.year + 1)
                   for month, dom in self.rounds if date(year, month, dom) >= day)


BADGE_POLICY = BadgePolicy()


@dataclass(frozen=True)
class BadgeDue:
    """A badge level the member may be awarded.

    ``reached_on``: the day the level is reached (None while an open interval stops the count);
    ``early_from``: the first day of the early award for grave illness; ``round_on``: the first
    award round on or after the day it may be awarded; ``early``: only as an early award;
    ``posthumous``: the member has died (truy tặng).
    """

    level: int
    reached_on: date | None
    early_from: date | None
    round_on: date
    early: bool
    posthumous: bool


def merged_intervals(excluded: Iterable[ExcludedInterval], start: date, stop: date) -> list[tuple[date, date]]:
    """The excluded intervals clipped to ``[start, stop)`` and merged, in order; open ones run to ``stop``."""
    merged: list[tuple[date, date]] = []
    for low, high in sorted((max(i.start, start), min(i.end or stop, stop)) for i in excluded):
        if low >= high:
            continue
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def party_age_days(admitted_on: date, excluded: Iterable[ExcludedInterval], as_of: date) -> int:
    """Days in ``[admitted_on, as_of)`` that no excluded interval covers (0 before admission)."""
    if as_of <= admitted_on:
        return 0
    gaps = sum((high - low).days for low, high in merged_intervals(excluded, admitted_on, as_of))
    return (as_of - admitted_on).days - gaps


def day_reaching(admitted_on: date, excluded: Iterable[ExcludedInterval], days: int) -> date | None:
    """The first day by which ``days`` days have counted; None if an open interval stops the
    count before that."""
    cursor, remaining = admitted_on, days
    for low, high in merged_intervals(excluded, admitted_on, date.max):
        if remaining <= (low - cursor).days:
            break
        remaining -= (low - cursor).days
        if high == date.max:
            return None
        cursor = high
    return cursor + timedelta(days=remaining)


def months_reached_on(admitted_on: date, excluded: Iterable[ExcludedInterval], months: int) -> date | None:
    """The day party age reaches ``months`` calendar months: the anniversary, moved later by the
    excluded days before it."""
    return day_reaching(admitted_on, excluded, (add_months(admitted_on, months) - admitted_on).days)


def has_party_age(member: PartyStandingRecord, as_of: date) -> bool:
    """Party age exists once the member is official; not while (again) probationary (Art 5.4)."""
    if member.admitted_on is None or member.recognized_on is None or as_of < member.recognized_on:
        return False
    return member.status not in (MemberStatus.CANDIDATE, MemberStatus.CANDIDACY_CLOSED,
                                 MemberStatus.ADMITTED_PENDING_CEREMONY, MemberStatus.PROBATIONARY)


def party_age(member: PartyStandingRecord, as_of: date) -> PartyAge | None:
    """The member's party age on ``as_of``, counted from the (first) admission decision; None
    while it has not started."""
    if not has_party_age(member, as_of):
        return None
    assert member.admitted_on is not None
    days = party_age_days(member.admitted_on, member.excluded, as_of)
    months = whole_months_between(member.admitted_on, member.admitted_on + timedelta(days=days))
    return PartyAge(days=days, years=months // 12, months=months % 12)


def badges_due(  # noqa: PLR0913
    member: PartyStandingRecord, as_of: date, *, held: Iterable[int] = (),
    include_early: bool = False, policy: BadgePolicy = BADGE_POLICY,
) -> list[BadgeDue]:
    """Levels reached by ``as_of`` and above every badge held; with ``include_early``, also the
    levels whose early window (grave illness) is open. None for members who have left."""
    if member.status is MemberStatus.EXITED or not has_party_age(member, as_of):
        return []
    assert member.admitted_on is not None
    posthumous = member.status is MemberStatus.DECEASED
    highest = max(held, default=0)
    due = []
    for level in (lv for lv in policy.levels if lv > highest):
        reached = months_reached_on(member.admitted_on, member.excluded, level * 12)
        early_from = months_reached_on(member.admitted_on, member.excluded,
                                       level * 12 - policy.early_months(level))
        if reached is not None and reached <= as_of:
            due.append(BadgeDue(level, reached, early_from, policy.round_on(reached), False, posthumous))
        elif include_early and early_from is not None and early_from <= as_of:
            due.append(BadgeDue(level, reached, early_from, policy.round_on(early_from), True, posthumous))
    return due

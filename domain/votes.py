"""Vote tallies stored on every decision event, so thresholds can be re-checked later (§2)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from partyledger.domain.values import VOTE_INCONSISTENT, ValueRefusedError, vote_adds_up


@dataclass(frozen=True)
class VoteTally:
    """``in_favour`` of ``eligible`` (the body's official members), ``present`` of them attended.

    Decoding a stored tally builds one too, so this checks only that it adds up; the bounds of
    each count (``values.check_vote``) are a command's, checked where the command comes in.
    """

    in_favour: int
    against: int
    eligible: int
    present: int

    def __post_init__(self) -> None:
        if not vote_adds_up(in_favour=self.in_favour, against=self.against,
                            present=self.present, eligible=self.eligible):
            msg = (f"votes {self.in_favour} for, {self.against} against, {self.present} present "
                   f"of {self.eligible} do not add up")
            raise ValueRefusedError(msg, field="vote", code=VOTE_INCONSISTENT)

    def reaches(self, threshold: Fraction) -> bool:
        """At least ``threshold`` of the eligible body (not of those present) in favour."""
        return Fraction(self.in_favour, self.eligible) >= threshold

    def exceeds(self, threshold: Fraction) -> bool:
        return Fraction(self.in_favour, self.eligible) > threshold

"""Vote tallies stored on every decision event, so thresholds can be re-checked later (§2)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from partyledger.domain.errors import DomainError


class VoteTallyInvalidError(DomainError):
    code = "VOTE_TALLY_INVALID"


@dataclass(frozen=True)
class VoteTally:
    """``in_favour`` of ``eligible`` (the body's official members), ``present`` of them attended."""

    in_favour: int
    against: int
    eligible: int
    present: int

    def __post_init__(self) -> None:
        if min(self.in_favour, self.against, self.eligible, self.present) < 0 or (
            self.in_favour + self.against > self.present or self.present > self.eligible
            or self.eligible == 0
        ):
            msg = f"votes {self.in_favour} for, {self.against} against, {self.present} present of {self.eligible} do not add up"
            raise VoteTallyInvalidError(msg, field="vote")

    def reaches(self, threshold: Fraction) -> bool:
        """At least ``threshold`` of the eligible body (not of those present) in favour."""
        return Fraction(self.in_favour, self.eligible) >= threshold

    def exceeds(self, threshold: Fraction) -> bool:
        return Fraction(self.in_favour, self.eligible) > threshold

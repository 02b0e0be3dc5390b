"""The decision document an event rests on (number, date, issuing authority)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Decision:
    number: str
    date: date
    authority: str

    def __post_init__(self) -> None:
        if not self.number.strip() or not self.authority.strip():
            msg = "a decision needs a number and an issuing authority"
            raise ValueError(msg)

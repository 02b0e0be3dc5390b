"""Enums whose values are the Vietnamese names shown to people."""

from __future__ import annotations

from enum import Enum


class LabelledEnum(Enum):
    """Members are English identifiers; each value is its Vietnamese label."""

    @property
    def label(self) -> str:
        return str(self.value)

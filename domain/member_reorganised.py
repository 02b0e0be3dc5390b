"""Part of the Member aggregate: moves made by a reorganisation of the tree."""

from __future__ import annotations

from partyledger.domain.member_state import MemberState


class Reorganised(MemberState):
    """Not yet built."""

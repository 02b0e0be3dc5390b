"""Part of the Member aggregate: qualifications, dated."""

from __future__ import annotations

from partyledger.domain.member_state import MemberState


class Qualifications(MemberState):
    """Not yet built."""

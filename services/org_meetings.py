"""Commands on the organisation tree (see services/members.py for the pattern)."""

from __future__ import annotations

from partyledger.services.members import MemberRegister


class MeetingRegister(MemberRegister):
    """Not yet built."""

"""Part of the Organization aggregate: monthly meeting scores and annual ratings."""

from __future__ import annotations

from partyledger.domain.organization_state import OrganizationState


class MeetingsAndRatings(OrganizationState):
    """Not yet built."""

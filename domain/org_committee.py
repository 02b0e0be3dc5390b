"""Part of the Organization aggregate: committee seats and terms."""

from __future__ import annotations

from partyledger.domain.organization_state import OrganizationState


class CommitteeSeats(OrganizationState):
    """Not yet built."""

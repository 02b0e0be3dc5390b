"""Part of the Organization aggregate: reorganisation (see domain/organization.py)."""

from __future__ import annotations

from partyledger.domain.organization_state import OrganizationState


class Reorganisation(OrganizationState):
    """Not yet built."""

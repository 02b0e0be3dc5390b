"""The state an organisation's record keeps, shared by the parts of the Organization aggregate."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from partyledger.domain.decision import Decision
from partyledger.domain.organization_kinds import OrganizationKind


class OrganizationState:
    """Attributes every part of the aggregate reads. Set by the founding event."""

    name: str
    kind: OrganizationKind
    parent_id: UUID | None
    founded_on: date
    decision: Decision | None

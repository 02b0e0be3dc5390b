"""The organisation tree of a tenant: founding organisations and finding a unit's lineage."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from partyledger.domain.decision import Decision
from partyledger.domain.errors import OrganizationNotFoundError
from partyledger.domain.organization import Organization, OrganizationKind
from partyledger.services.access import AccessDeniedError, Actor, Role
from partyledger.services.register import Outcome, RegisterApplication


class OrganizationTree(RegisterApplication):
    def found_organization(  # noqa: PLR0913
        self, actor: Actor, *, name: str, kind: OrganizationKind, parent_id: UUID | None,
        effective_on: date, decision: Decision | None,
    ) -> Outcome:
        """Found an organisation under ``parent_id`` (the tenant's root when ``None``)."""
        self.check_tenant(actor)
        actor.require(Role.TENANT_ADMIN)
        arguments = {"name": name, "kind": kind.name, "parent_id": parent_id,
                     "effective_on": effective_on, "decision": decision}

        def run() -> list[Organization]:
            parent = self.organization(parent_id) if parent_id else None
            return [Organization.found(name=name, kind=kind, parent=parent,
                                       effective_on=effective_on, decision=decision)]

        return self.execute("found_organization", arguments, run)

    def organization(self, organization_id: UUID, *, field: str = "parentId") -> Organization:
        organization = self.get_or_none(organization_id, Organization)
        if organization is None:
            msg = f"no organisation {organization_id} in this register"
            raise OrganizationNotFoundError(msg, field=field)
        return organization  # type: ignore[no-any-return]

    def lineage(self, organization: Organization) -> list[UUID]:
        """The organisation's id, then its parents' ids up to the root."""
        ids = [organization.id]
        while organization.parent_id is not None:
            organization = self.organization(organization.parent_id)
            ids.append(organization.id)
        return ids

    def check_covers(self, actor: Actor, organization: Organization) -> None:
        self.check_tenant(actor)
        if not actor.covers(self.lineage(organization)):
            msg = f"organisation {organization.id} is outside your scope"
            raise AccessDeniedError(msg)

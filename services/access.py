"""Who is acting and what they may do: roles and organisation scope from the credentials."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from uuid import UUID


class Role(Enum):
    TENANT_ADMIN = "TENANT_ADMIN"
    OFFICER = "OFFICER"
    INSPECTOR = "INSPECTOR"
    PARTNER = "PARTNER"


class AccessDeniedError(Exception):
    """The actor lacks the role or the organisation scope; answered as FORBIDDEN."""


@dataclass(frozen=True)
class Actor:
    """The authenticated subject acting in one tenant.

    ``organization_scope`` lists the organisations whose subtrees an officer acts for; empty
    means the whole tenant for the roles that have it (tenant admin, inspector).
    """

    subject: str
    tenant: str
    roles: frozenset[Role]
    organization_scope: frozenset[UUID] = frozenset()

    def require(self, *roles: Role) -> None:
        """Raise unless the actor holds one of ``roles``."""
        if not self.roles.intersection(roles):
            wanted = " or ".join(r.value for r in roles)
            raise AccessDeniedError(f"this needs the role {wanted}")

    @property
    def reads_personal_data(self) -> bool:
        return bool(self.roles - {Role.PARTNER})

    def covers(self, lineage: list[UUID]) -> bool:
        """Whether the actor may write in the organisation whose ancestors are ``lineage``.

        ``lineage`` lists the organisation itself first, then its parents up to the root.
        """
        if Role.TENANT_ADMIN in self.roles:
            return True
        return Role.OFFICER in self.roles and bool(self.organization_scope.intersection(lineage))

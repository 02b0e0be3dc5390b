"""Who is acting and what they may do: roles and organisation scope from the credentials.

The four roles (API.md, "Who may do what"):

- tenant administrator: reads the whole tenant; writes the organisation tree, grants and keys;
- officer: reads and writes members only in the subtrees of ``organization_scope``;
- inspector: reads the whole tenant; writes discipline and appeals;
- partner (a dashboard key): statistics and aggregates only, never a personal field; counts
  only as published, small ones withheld (``projections/published_figures``).
"""

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
    """The actor lacks the role or the organisation scope; answered as FORBIDDEN.

    Messages name the rule, never an object the caller did not name itself.
    """


_WHOLE_TENANT_READERS = frozenset({Role.TENANT_ADMIN, Role.INSPECTOR})
_AUDITED_READERS = frozenset({Role.OFFICER, Role.INSPECTOR})


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

    @property
    def reads_whole_tenant(self) -> bool:
        """Tenant administrators and inspectors read every member of the tenant."""
        return bool(self.roles & _WHOLE_TENANT_READERS)

    @property
    def reads_are_audited(self) -> bool:
        """Officers' and inspectors' reads of personal data are recorded (who, whom, when)."""
        return bool(self.roles & _AUDITED_READERS)

    def member_scope(self) -> frozenset[UUID] | None:
        """Whose personal data the actor reads: ``None`` for the whole tenant, otherwise the
        organisations under which a member's cell must lie (empty: no one)."""
        if not self.reads_personal_data:
            raise AccessDeniedError("this key reads statistics only, not members")
        if self.reads_whole_tenant:
            return None
        return self.organization_scope if Role.OFFICER in self.roles else frozenset()

    def covers(self, lineage: list[UUID]) -> bool:
        """Whether the actor may write in the organisation whose ancestors are ``lineage``.

        ``lineage`` lists the organisation itself first, then its parents up to the root.
        """
        if Role.TENANT_ADMIN in self.roles:
            return True
        return Role.OFFICER in self.roles and bool(self.organization_scope.intersection(lineage))

    def reads_within(self, lineage: list[UUID]) -> bool:
        """Whether the actor may read the members of the organisation with ``lineage``."""
        scope = self.member_scope()
        return scope is None or bool(scope.intersection(lineage))

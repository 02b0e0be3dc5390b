"""What a GraphQL request knows: who acts, in which tenant, and the tenant's services and views."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import anyio.to_thread
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from partyledger.domain.provenance import Provenance
from partyledger.projections.org_tree_queries import OrgTreeQueries
from partyledger.projections.roster_queries import OrganizationRow, RosterQueries
from partyledger.services.access import Actor
from partyledger.services.tenant_register import TenantRegister


@dataclass
class Ledger:
    actor: Actor
    tenant_name: str
    provenance: Provenance
    register: TenantRegister
    roster: RosterQueries
    wait_for_position: Callable[[int], bool]
    org_tree: OrgTreeQueries
    organizations: DataLoader[UUID, OrganizationRow | None] = field(init=False)

    def __post_init__(self) -> None:
        async def load(ids: list[UUID]) -> list[OrganizationRow | None]:
            rows = await anyio.to_thread.run_sync(self.roster.organizations, ids)
            return [rows.get(i) for i in ids]

        self.organizations = DataLoader(load_fn=load)


def ledger(info: Info[Any, Any]) -> Ledger:
    context: Ledger = info.context["ledger"]
    return context

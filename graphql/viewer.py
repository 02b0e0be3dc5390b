"""`viewer`: who is asking, in which tenant, with which roles and scope."""

from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from partyledger.graphql.context import ledger
from partyledger.graphql.ids import to_global_id


@strawberry.type
class Tenant:
    slug: str
    name: str


@strawberry.type(description="The authenticated caller.")
class Viewer:
    subject: str
    tenant: Tenant
    roles: list[str]
    organization_scope: list[relay.GlobalID] = strawberry.field(
        description="Organisations whose subtrees an officer acts for; empty for the whole tenant."
    )


@strawberry.type
class ViewerQuery:
    @strawberry.field(description="Who am I, in which tenant, with which roles and scope.")
    def viewer(self, info: Info[Any, Any]) -> Viewer:
        context = ledger(info)
        actor = context.actor
        return Viewer(
            subject=actor.subject,
            tenant=Tenant(slug=actor.tenant, name=context.tenant_name),
            roles=sorted(r.value for r in actor.roles),
            organization_scope=[to_global_id("Organization", o) for o in sorted(actor.organization_scope)],
        )

"""Organisations in GraphQL: the Organization node, listing the tree, founding an organisation."""

import datetime
from collections.abc import Iterable
from enum import Enum
from typing import Any
from uuid import UUID

import anyio.to_thread
import strawberry
from strawberry import relay
from strawberry.types import Info

from partyledger.domain.organization import OrganizationKind as DomainKind
from partyledger.graphql.commands import DecisionInput, run_command
from partyledger.graphql.context import ledger
from partyledger.graphql.errors import UserError
from partyledger.graphql.ids import uuid_of
from partyledger.projections.roster_queries import OrganizationRow

OrganizationKind = strawberry.enum(
    Enum("OrganizationKind", {k.name: k.name for k in DomainKind}),  # type: ignore[misc]
    description="Kinds of party organisation (Vietnamese label in `kindLabel`).",
)


@strawberry.type(description="A party organisation: a committee or a cell (chi bộ).")
class Organization(relay.Node):
    organization_id: relay.NodeID[str]
    name: str
    kind: OrganizationKind  # type: ignore[valid-type]
    kind_label: str = strawberry.field(description="The kind's Vietnamese name.")
    founded_on: datetime.date
    parent_uuid: strawberry.Private[UUID | None]

    @strawberry.field(description="The superior organisation; null at the top of the tenant.")
    async def parent(self, info: Info[Any, Any]) -> "Organization | None":
        if self.parent_uuid is None:
            return None
        row = await ledger(info).organizations.load(self.parent_uuid)
        return Organization.of(row) if row else None

    @classmethod
    def of(cls, row: OrganizationRow) -> "Organization":
        kind = DomainKind[row.kind]
        return cls(organization_id=str(row.organization_id), name=row.name,
                   kind=OrganizationKind[row.kind], kind_label=kind.label,
                   founded_on=row.founded_on, parent_uuid=row.parent_id)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info[Any, Any], node_ids: Iterable[str], required: bool = False
    ) -> list["Organization | None"]:
        rows = []
        for node_id in node_ids:
            try:
                rows.append(await ledger(info).organizations.load(UUID(node_id)))
            except ValueError:
                rows.append(None)
        return [cls.of(r) if r else None for r in rows]


@strawberry.input
class FoundOrganizationInput:
    name: str
    kind: OrganizationKind  # type: ignore[valid-type]
    parent_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The superior organisation; omit for the tenant's top."
    )
    effective_on: datetime.date
    decision: DecisionInput | None = None
    idempotency_key: str | None = None


@strawberry.type
class FoundOrganizationPayload:
    organization: Organization | None
    user_errors: list[UserError]
    position: str | None = strawberry.field(description="Log position to wait for in queries.")


@strawberry.type
class OrganizationsQuery:
    @strawberry.field(description="The organisations directly under `parentId`.")
    async def organizations(
        self, info: Info[Any, Any], parent_id: relay.GlobalID | None = None
    ) -> list[Organization]:
        context = ledger(info)
        parent = uuid_of(parent_id, "Organization", "parentId") if parent_id else None
        rows = await anyio.to_thread.run_sync(context.roster.children, parent)
        return [Organization.of(r) for r in rows]


@strawberry.type
class OrganizationsMutation:
    @strawberry.mutation(description="Found an organisation (tenant administrators).")
    async def found_organization(
        self, info: Info[Any, Any], input: FoundOrganizationInput
    ) -> FoundOrganizationPayload:
        parent = uuid_of(input.parent_id, "Organization", "parentId") if input.parent_id else None
        decision = input.decision.to_domain() if input.decision else None
        outcome, errors = await run_command(info, input.idempotency_key, lambda c: c.register.found_organization(
            c.actor, name=input.name, kind=DomainKind[input.kind.name], parent_id=parent,
            effective_on=input.effective_on, decision=decision,
        ))
        if outcome is None:
            return FoundOrganizationPayload(organization=None, user_errors=errors, position=None)
        organization = await anyio.to_thread.run_sync(
            ledger(info).register.organization, outcome.subject_id
        )
        row = OrganizationRow(outcome.subject_id, organization.name, organization.kind.name,
                              organization.parent_id, organization.founded_on)
        return FoundOrganizationPayload(organization=Organization.of(row), user_errors=[],
                                        position=str(outcome.position))


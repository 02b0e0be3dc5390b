"""GraphQL mutations that reorganise the tree (tenant administrators): rename, change kind, move,
merge, consolidate, split, dissolve, and the two reconciliations of records made before cell
rosters were kept. Each is one command and one save."""

import datetime
from collections.abc import Callable
from typing import Any
from uuid import UUID

import anyio.to_thread
import strawberry
from strawberry import relay
from strawberry.types import Info

from partyledger.domain.org_reorganisation import Merger, Successor
from partyledger.domain.organization import Organization as DomainOrganization
from partyledger.domain.organization import OrganizationKind as DomainKind
from partyledger.graphql.commands import DecisionInput, run_command
from partyledger.graphql.context import Ledger, ledger
from partyledger.graphql.contracts import IdempotencyKeyText, checked_input
from partyledger.graphql.errors import BadInputError, UserError
from partyledger.graphql.ids import uuid_of
from partyledger.graphql.organizations import Organization, OrganizationKind
from partyledger.projections.roster_queries import OrganizationRow
from partyledger.services.register import Outcome


@checked_input
class RenameOrganizationInput:
    organization_id: relay.GlobalID
    name: str
    effective_on: datetime.date
    decision: DecisionInput | None = None
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class MoveOrganizationInput:
    organization_id: relay.GlobalID
    new_parent_id: relay.GlobalID = strawberry.field(description="The new superior organisation.")
    effective_on: datetime.date
    decision: DecisionInput | None = None
    idempotency_key: IdempotencyKeyText | None = None


@checked_input(description="Organisations merged into a target (sáp nhập).")
class MergerInput:
    source_ids: list[relay.GlobalID]
    target_id: relay.GlobalID


@checked_input
class MergeOrganizationsInput:
    mergers: list[MergerInput] = strawberry.field(
        description="Every merger of the decision; all are recorded together or none is.")
    effective_on: datetime.date
    decision: DecisionInput | None = None
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class ConsolidateOrganizationsInput:
    source_ids: list[relay.GlobalID] = strawberry.field(description="At least two organisations.")
    name: str
    kind: OrganizationKind  # type: ignore[valid-type]
    parent_id: relay.GlobalID
    effective_on: datetime.date
    decision: DecisionInput | None = None
    idempotency_key: IdempotencyKeyText | None = None


@checked_input(description="An organisation a split founds.")
class SuccessorInput:
    name: str
    kind: OrganizationKind  # type: ignore[valid-type]


@checked_input(description="Where one member (of a cell) or child organisation goes.")
class AllocationInput:
    id: relay.GlobalID = strawberry.field(description="A Member or an Organization ID.")
    successor: int | None = strawberry.field(
        description="Index in the command's list of successors (or subordinate cells); null: "
        "stays in the organisation, when it continues.")


@checked_input
class SplitOrganizationInput:
    organization_id: relay.GlobalID
    successors: list[SuccessorInput]
    allocation: list[AllocationInput] = strawberry.field(
        description="Each member and child organisation exactly once.")
    continues: bool = strawberry.field(default=False, description="Whether the organisation goes on.")
    effective_on: datetime.date
    decision: DecisionInput | None = None
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class ChangeOrganizationKindInput:
    organization_id: relay.GlobalID
    kind: OrganizationKind = strawberry.field(  # type: ignore[valid-type]
        description="GRASSROOTS_COMMITTEE for a grassroots cell, GRASSROOTS_CELL for a grassroots "
        "committee (its subordinate cells then merge into it).")
    effective_on: datetime.date
    decision: DecisionInput | None = None
    consent: DecisionInput | None = strawberry.field(
        default=None, description="The superior's written consent, needed across the 30-member line.")
    subordinate_cells: list[str] = strawberry.field(
        default_factory=list, description="Names of the cells a cell becoming a committee founds.")
    allocation: list[AllocationInput] = strawberry.field(
        default_factory=list, description="Each member of a cell becoming a committee, to one "
        "of `subordinateCells`.")
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class DissolveOrganizationInput:
    organization_id: relay.GlobalID
    effective_on: datetime.date
    decision: DecisionInput | None = None
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class ReconcileCellRosterInput:
    cell_id: relay.GlobalID
    member_ids: list[relay.GlobalID]
    effective_on: datetime.date
    idempotency_key: IdempotencyKeyText | None = None


@checked_input
class ReconcileOrganizationChildrenInput:
    organization_id: relay.GlobalID
    child_ids: list[relay.GlobalID]
    effective_on: datetime.date
    idempotency_key: IdempotencyKeyText | None = None


@strawberry.type
class ReorganisationPayload:
    organization: Organization | None
    organizations: list[Organization] = strawberry.field(
        description="The organisations it went into: merger targets, the consolidated one, split "
        "successors, new subordinate cells.")
    user_errors: list[UserError]
    position: str | None = strawberry.field(description="Log position to wait for in queries.")


Command = Callable[[Ledger], Outcome]


def _org(value: relay.GlobalID, field: str) -> UUID:
    return uuid_of(value, "Organization", field)


def _decision(given: DecisionInput | None) -> Any:
    return given.to_domain() if given else None


def _allocation(given: list[AllocationInput]) -> list[tuple[UUID, int | None]]:
    for line in given:
        if line.id.type_name not in ("Member", "Organization"):
            raise BadInputError("allocation.id: expected the ID of a Member or an Organization")
    return [(uuid_of(line.id, line.id.type_name, "allocation.id"), line.successor) for line in given]


def _node(organization: DomainOrganization) -> Organization:
    return Organization.of(OrganizationRow(organization.id, organization.name, organization.kind.name,
                                           organization.parent_id, organization.founded_on))


async def _reorganise(info: Info[Any, Any], key: str | None, command: Command,
                      related: Callable[[DomainOrganization], Any] = lambda o: ()) -> ReorganisationPayload:
    outcome, errors = await run_command(info, key, command)
    if outcome is None:
        return ReorganisationPayload(organization=None, organizations=[], user_errors=errors, position=None)
    register = ledger(info).register

    def read() -> tuple[DomainOrganization, list[DomainOrganization]]:
        organization = register.organization(outcome.subject_id)
        return organization, [register.organization(i) for i in related(organization)]

    organization, others = await anyio.to_thread.run_sync(read)
    return ReorganisationPayload(organization=_node(organization), organizations=[_node(o) for o in others],
                                 user_errors=[], position=str(outcome.position))


@strawberry.type
class ReorganisationMutation:
    @strawberry.mutation(description="Rename an organisation; its identity stays.")
    async def rename_organization(self, info: Info[Any, Any], input: RenameOrganizationInput) -> ReorganisationPayload:
        return await _reorganise(info, input.idempotency_key, lambda c: c.register.rename_organization(
            c.actor, organization_id=_org(input.organization_id, "organizationId"), name=input.name,
            effective_on=input.effective_on, decision=_decision(input.decision)))

    @strawberry.mutation(description="Place an organisation under another superior; its members "
                         "stay in it, with no transfer letters.")
    async def move_organization(self, info: Info[Any, Any], input: MoveOrganizationInput) -> ReorganisationPayload:
        return await _reorganise(info, input.idempotency_key, lambda c: c.register.move_organization(
            c.actor, organization_id=_org(input.organization_id, "organizationId"),
            new_parent_id=_org(input.new_parent_id, "newParentId"), effective_on=input.effective_on,
            decision=_decision(input.decision)))

    @strawberry.mutation(description="Merge organisations into targets, in one save: members of "
                         "merged cells and children of merged committees move to the target.")
    async def merge_organizations(self, info: Info[Any, Any], input: MergeOrganizationsInput) -> ReorganisationPayload:
        mergers = [Merger(tuple(_org(s, "sourceIds") for s in m.source_ids), _org(m.target_id, "targetId"))
                   for m in input.mergers]
        return await _reorganise(info, input.idempotency_key, lambda c: c.register.merge_organizations(
            c.actor, mergers=mergers, effective_on=input.effective_on, decision=_decision(input.decision)),
            lambda _: [m.target_id for m in mergers[1:]])

    @strawberry.mutation(description="Fuse organisations into a new one, which names its predecessors.")
    async def consolidate_organizations(
        self, info: Info[Any, Any], input: ConsolidateOrganizationsInput,
    ) -> ReorganisationPayload:
        return await _reorganise(info, input.idempotency_key, lambda c: c.register.consolidate_organizations(
            c.actor, source_ids=[_org(s, "sourceIds") for s in input.source_ids], name=input.name,
            kind=DomainKind[input.kind.name], parent_id=_org(input.parent_id, "parentId"),
            effective_on=input.effective_on, decision=_decision(input.decision)))

    @strawberry.mutation(description="Split an organisation, allocating every member and child "
                         "organisation to one of its successors.")
    async def split_organization(self, info: Info[Any, Any], input: SplitOrganizationInput) -> ReorganisationPayload:
        successors = [Successor(s.name, DomainKind[s.kind.name]) for s in input.successors]
        return await _reorganise(info, input.idempotency_key, lambda c: c.register.split_organization(
            c.actor, organization_id=_org(input.organization_id, "organizationId"), successors=successors,
            allocation=_allocation(input.allocation), continues=input.continues,
            effective_on=input.effective_on, decision=_decision(input.decision)),
            lambda o: o.successor_ids)

    @strawberry.mutation(description="Turn a grassroots cell into a grassroots committee (with "
                         "subordinate cells) or back.")
    async def change_organization_kind(
        self, info: Info[Any, Any], input: ChangeOrganizationKindInput,
    ) -> ReorganisationPayload:
        return await _reorganise(info, input.idempotency_key, lambda c: c.register.change_organization_kind(
            c.actor, organization_id=_org(input.organization_id, "organizationId"),
            kind=DomainKind[input.kind.name], effective_on=input.effective_on,
            decision=_decision(input.decision), consent=_decision(input.consent),
            subordinate_cells=input.subordinate_cells, allocation=_allocation(input.allocation)),
            lambda o: sorted(o.children))

    @strawberry.mutation(description="Dissolve an organisation; refused while a member or a live "
                         "organisation is in it.")
    async def dissolve_organization(self, info: Info[Any, Any], input: DissolveOrganizationInput) -> ReorganisationPayload:
        return await _reorganise(info, input.idempotency_key, lambda c: c.register.dissolve_organization(
            c.actor, organization_id=_org(input.organization_id, "organizationId"),
            effective_on=input.effective_on, decision=_decision(input.decision)))

    @strawberry.mutation(description="Enter on a cell's roster members recorded before rosters "
                         "were kept; each member's record must name the cell.")
    async def reconcile_cell_roster(self, info: Info[Any, Any], input: ReconcileCellRosterInput) -> ReorganisationPayload:
        return await _reorganise(info, input.idempotency_key, lambda c: c.register.reconcile_cell_roster(
            c.actor, cell_id=_org(input.cell_id, "cellId"),
            member_ids=[uuid_of(m, "Member", "memberIds") for m in input.member_ids],
            effective_on=input.effective_on))

    @strawberry.mutation(description="Enter as an organisation's children those founded before "
                         "children were kept; each child's record must name it as its superior.")
    async def reconcile_organization_children(
        self, info: Info[Any, Any], input: ReconcileOrganizationChildrenInput,
    ) -> ReorganisationPayload:
        return await _reorganise(info, input.idempotency_key, lambda c: c.register.reconcile_organization_children(
            c.actor, organization_id=_org(input.organization_id, "organizationId"),
            child_ids=[_org(i, "childIds") for i in input.child_ids], effective_on=input.effective_on))

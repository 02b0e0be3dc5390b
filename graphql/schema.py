"""The schema, composed from per-feature query and mutation mixins."""

import logging
from collections.abc import Callable
from typing import Any

import strawberry
from strawberry import relay
from strawberry.extensions import DisableIntrospection, SchemaExtension
from strawberry.schema.config import StrawberryConfig
from graphql.error import GraphQLError
from strawberry.types import ExecutionContext, Info

from partyledger.graphql.admission import AdmissionMutation
from partyledger.graphql.badges import BadgesMutation
from partyledger.graphql.calendar import CalendarMutation, CalendarQuery
from partyledger.graphql.discipline import DisciplineMutation
from partyledger.graphql.errors import ErrorCodes
from partyledger.graphql.exits import ExitsMutation
from partyledger.graphql.history import HISTORY_TYPES
from partyledger.graphql.limits import CostBudget, QueryLimits, RequestLimits
from partyledger.graphql.members import MembersQuery
from partyledger.graphql.operation_choice import OneOperationOrNamed
from partyledger.graphql.org_committee import CommitteeMutation
from partyledger.graphql.org_meetings import MeetingsMutation, MeetingsQuery
from partyledger.graphql.org_reorganisation import ReorganisationMutation
from partyledger.graphql.organizations import OrganizationsMutation, OrganizationsQuery
from partyledger.graphql.ratings import RatingsMutation
from partyledger.graphql.screening import ScreeningMutation
from partyledger.graphql.security import SecurityMutation, SecurityQuery
from partyledger.graphql.statistics import StatisticsQuery
from partyledger.graphql.tracing import PrivateTracing
from partyledger.graphql.transfers import TransfersMutation, TransfersQuery
from partyledger.graphql.viewer import ViewerQuery

log = logging.getLogger(__name__)


@strawberry.type
class NodeQuery:
    # Written out rather than relay.node(): that field can be put in only one schema per process.
    @strawberry.field(description="Any object by its global ID, within your tenant.")
    async def node(self, info: Info[Any, Any], id: relay.GlobalID) -> relay.Node | None:
        return await id.resolve_node(info, required=False)  # type: ignore[no-any-return]


@strawberry.type
class Query(
    ViewerQuery, MembersQuery, StatisticsQuery, OrganizationsQuery, CalendarQuery, TransfersQuery, MeetingsQuery, NodeQuery,
    SecurityQuery,
):
    pass


@strawberry.type
class Mutation(
    AdmissionMutation, TransfersMutation, DisciplineMutation, ExitsMutation, RatingsMutation,
    BadgesMutation, CalendarMutation, OrganizationsMutation, ReorganisationMutation,
    CommitteeMutation, MeetingsMutation, SecurityMutation, ScreeningMutation,
):
    pass


class LedgerSchema(strawberry.Schema):
    """Strawberry logs every error as graphql-core prints it, with the lines of the document
    around its location, so a name written inline in a query would reach the server log. Here
    an error is logged by its code and path only; an unexpected one was logged with its stack
    and trace id when it was masked (graphql/errors.py)."""

    def process_errors(self, errors: list[GraphQLError],
                       execution_context: ExecutionContext | None = None) -> None:
        for error in errors:
            code = (error.extensions or {}).get("code")
            log.debug("GraphQL error %s at %s", code, error.path)


def build_schema(
    *, limits: QueryLimits | None = None, budget: CostBudget | None = None,
    production: bool = False,
) -> LedgerSchema:
    """Production: no introspection and no "Did you mean" suggestions; the limits apply always."""
    limits = limits or QueryLimits()
    guards: list[Callable[[], SchemaExtension]] = [DisableIntrospection] if production else []
    return LedgerSchema(
        query=Query,
        mutation=Mutation,
        types=HISTORY_TYPES,
        config=StrawberryConfig(auto_camel_case=True, disable_field_suggestions=production),
        extensions=[
            lambda: ErrorCodes(hide_suggestions=production),
            lambda: RequestLimits(limits, budget),
            *guards,
            OneOperationOrNamed,  # after RequestLimits, which sets the validation's errors
            PrivateTracing,
        ],
    )

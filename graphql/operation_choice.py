"""Which operation of a document runs: with several, only the one the request names.

strawberry runs the first operation of a document when the request names none, so a document
holding a query and a mutation would quietly do one of them. graphql-core refuses that; so do we.
"""

from collections.abc import Iterator

from graphql import GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

UNNAMED = "Must provide operation name if query contains multiple operations."


class OneOperationOrNamed(SchemaExtension):
    """Refuses, before validation, a document of several operations sent without
    ``operationName``. Listed after any extension that sets the validation's errors itself."""

    def on_operation(self) -> Iterator[None]:
        # before parsing this is the name the request sent (strawberry later defaults it to
        # the first operation's)
        self.named = self.execution_context.operation_name is not None
        yield

    def on_validate(self) -> Iterator[None]:
        context, document = self.execution_context, self.execution_context.graphql_document
        operations = [d for d in document.definitions
                      if isinstance(d, OperationDefinitionNode)] if document else []
        if not self.named and len(operations) > 1:
            refusal = GraphQLError(UNNAMED, extensions={"code": "BAD_USER_INPUT"})
            context.pre_execution_errors = [*(context.pre_execution_errors or ()), refusal]
        yield

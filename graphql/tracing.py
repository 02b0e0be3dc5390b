"""Traces of GraphQL operations that carry no personal data.

strawberry's ``OpenTelemetryExtension`` puts the whole document on the operation's span and
each resolver's argument values on its span; a document's literals and arguments may hold names,
birth dates or identity numbers. Here the operation's span carries the operation's name as the
document spells it, a hash of the document with every literal blanked (the same operation
hashes alike whatever values it was sent with, and no value can be guessed back from it) and
the tenant; resolver spans carry the names of their arguments, never a value. The request's own
span (HTTP) gets the tenant too, for reads as for writes.
"""

import hashlib
from collections.abc import Generator
from typing import Any

from graphql import (
    DocumentNode,
    FloatValueNode,
    GraphQLResolveInfo,
    IntValueNode,
    StringValueNode,
    Visitor,
    get_operation_ast,
    print_ast,
    visit,
)
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind
from strawberry.extensions import LifecycleStep
from strawberry.extensions.tracing import OpenTelemetryExtension
from strawberry.extensions.utils import get_path_from_info


class _WithoutValues(Visitor):
    """Blanks every literal of a document, keeping its shape."""

    def enter_string_value(self, node: StringValueNode, *_: Any) -> StringValueNode:
        return StringValueNode(value="")

    def enter_int_value(self, node: IntValueNode, *_: Any) -> IntValueNode:
        return IntValueNode(value="0")

    def enter_float_value(self, node: FloatValueNode, *_: Any) -> FloatValueNode:
        return FloatValueNode(value="0")


def document_hash(document: DocumentNode) -> str:
    """SHA-256 of the document printed with its literals blanked."""
    return hashlib.sha256(print_ast(visit(document, _WithoutValues())).encode()).hexdigest()


class PrivateTracing(OpenTelemetryExtension):
    """strawberry's spans for an operation, its parsing, validation and resolvers, without the
    document's text or any argument's value."""

    def on_operation(self) -> Generator[None, None, None]:
        tenant = self._tenant()
        span = self._tracer.start_span("GraphQL Query", kind=SpanKind.SERVER,
                                       attributes={"component": "graphql"})
        self._span_holder[LifecycleStep.OPERATION] = span
        if tenant is not None:
            span.set_attribute("tenant.id", tenant)
            trace.get_current_span().set_attribute("tenant.id", tenant)  # the HTTP request's
        yield
        document = self.execution_context.graphql_document
        if document is not None:
            span.set_attribute("graphql.document.hash", document_hash(document))
            name = self._operation_name_in(document)
            if name is not None:
                span.set_attribute("graphql.operation.name", name)
                span.update_name(f"GraphQL Query: {name}")
        span.end()

    def add_tags(self, span: Span, info: GraphQLResolveInfo, kwargs: Any) -> None:
        span.set_attribute("component", "graphql")
        span.set_attribute("graphql.parentType", info.parent_type.name)
        span.set_attribute("graphql.path", ".".join(map(str, get_path_from_info(info))))
        if kwargs:
            span.set_attribute("graphql.arguments", sorted(kwargs))
        if (tenant := self._tenant()) is not None:
            span.set_attribute("tenant.id", tenant)

    def _operation_name_in(self, document: DocumentNode) -> str | None:
        """The name of the operation that runs, as the document spells it: never the client's
        ``operationName`` unchecked, which may be any text."""
        operation = get_operation_ast(document, self.execution_context.operation_name)
        return operation.name.value if operation is not None and operation.name else None

    def _tenant(self) -> str | None:
        context = self.execution_context.context
        ledger = context.get("ledger") if isinstance(context, dict) else None
        return ledger.actor.tenant if ledger is not None else None

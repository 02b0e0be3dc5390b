"""Error translation in one place: domain rules become userErrors, everything else a coded error.

Top-level ``errors[].extensions.code``: UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, BAD_USER_INPUT,
INTERNAL. Unexpected errors are masked and logged with the trace id; no stack trace or SQL
ever reaches the client.
"""

import logging
from collections.abc import Iterator

import strawberry
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.error import GraphQLError
from opentelemetry import trace
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionResult

from partyledger.domain.errors import DomainError
from partyledger.services.access import AccessDeniedError

log = logging.getLogger(__name__)


@strawberry.type(description="A rule of the register refused the command; nothing was written.")
class UserError:
    field: list[str] | None = strawberry.field(description="Path to the input field concerned.")
    message: str
    code: str = strawberry.field(description="UPPER_SNAKE name of the rule, stable for programs.")

    @classmethod
    def from_domain(cls, error: DomainError) -> "UserError":
        return cls(field=["input", error.field] if error.field else None, message=error.message,
                   code=error.code)


class NotFoundError(Exception):
    """The object does not exist in the caller's tenant (or is not visible to the caller)."""


class BadInputError(Exception):
    """The request's arguments are malformed (an ID of the wrong kind, a bad cursor...)."""


_CODES: tuple[tuple[type[Exception], str], ...] = (
    (AccessDeniedError, "FORBIDDEN"),
    (NotFoundError, "NOT_FOUND"),
    (BadInputError, "BAD_USER_INPUT"),
    (DomainError, "BAD_USER_INPUT"),
)


def _coded(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if original is None:  # parse and validation errors: the document itself is wrong
        code = "BAD_USER_INPUT" if error.locations else "INTERNAL"
        return _with_code(error, error.message, code)
    for kind, code in _CODES:
        if isinstance(original, kind):
            return _with_code(error, str(original), code)
    trace_id = format(trace.get_current_span().get_span_context().trace_id, "032x")
    log.error("unexpected error (trace %s)", trace_id, exc_info=original)
    masked = _with_code(error, "Internal error; it has been logged.", "INTERNAL")
    masked.extensions["traceId"] = trace_id  # type: ignore[index]
    return masked


def _with_code(error: GraphQLError, message: str, code: str) -> GraphQLError:
    return GraphQLError(message, nodes=error.nodes, source=error.source, positions=error.positions,
                        path=error.path, extensions={"code": code})


class ErrorCodes(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if isinstance(result, GraphQLExecutionResult | ExecutionResult) and result.errors:
            result.errors = [_coded(e) for e in result.errors]

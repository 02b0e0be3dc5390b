"""Error translation in one place: domain rules become userErrors, everything else a coded error.

Top-level ``errors[].extensions.code``: UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, BAD_USER_INPUT,
QUERY_TOO_COMPLEX, RATE_LIMITED, DATABASE_UNAVAILABLE, INTERNAL. Unexpected errors are masked
and logged with the trace id; no stack trace or SQL ever reaches the client. With
``hide_suggestions`` (production) no message says "Did you mean ...", which would spell the
schema out to a caller.
"""

import logging
import re
from collections.abc import Iterator

import strawberry
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql.error import GraphQLError
from opentelemetry import trace
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.extensions import SchemaExtension
from strawberry.relay import GlobalIDValueError
from strawberry.types.execution import ExecutionResult

from partyledger.domain.errors import DomainError, MemberNotFoundError, OrganizationNotFoundError
from partyledger.graphql import unavailable
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
    """The request's arguments are malformed (an ID of the wrong kind, a bad cursor...).

    ``field`` is the path to the argument concerned (``["input", "fullName"]``) and ``reason``
    the rule's code (``CONTROL_CHARACTER``); both reach ``extensions`` beside the code.
    """

    def __init__(self, message: str, *, field: list[str | int] | None = None,
                 reason: str | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.reason = reason

    def extensions(self) -> dict[str, object]:
        found = {"field": self.field, "reason": self.reason}
        return {k: v for k, v in found.items() if v is not None}


_CODES: tuple[tuple[type[Exception], str], ...] = (
    (AccessDeniedError, "FORBIDDEN"),
    (NotFoundError, "NOT_FOUND"),
    (MemberNotFoundError, "NOT_FOUND"),
    (OrganizationNotFoundError, "NOT_FOUND"),
    (BadInputError, "BAD_USER_INPUT"),
    (DomainError, "BAD_USER_INPUT"),
    (StrawberryInputCoercionError, "BAD_USER_INPUT"),  # an argument's value, e.g. a bad ID
    (GlobalIDValueError, "BAD_USER_INPUT"),  # an ID naming no type of this schema
)
KNOWN_CODES = frozenset({"UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "BAD_USER_INPUT",
                         "QUERY_TOO_COMPLEX", "RATE_LIMITED", "INTERNAL",
                         unavailable.CODE})
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def coded(error: GraphQLError, *, hide_suggestions: bool = False) -> GraphQLError:
    """The error as the client sees it; an error that already carries a known code is kept."""
    code = (error.extensions or {}).get("code")
    if code in KNOWN_CODES:
        return _without_suggestions(error) if hide_suggestions else error
    original = error.original_error
    if error.path is None and error.locations:  # the document or its variables are wrong
        message = _SUGGESTION.sub("", error.message) if hide_suggestions else error.message
        return _with_code(error, message, "BAD_USER_INPUT")
    for kind, code in _CODES:
        if isinstance(original, kind):
            coded_error = _with_code(error, str(original), code)
            if code == "BAD_USER_INPUT" and isinstance(original, BadInputError | DomainError):
                coded_error.extensions.update(_located(original))  # type: ignore[union-attr]
            return coded_error
    if unavailable.database_unavailable(original):  # nothing wrong with the request: retry it
        refused = _with_code(error, unavailable.MESSAGE, unavailable.CODE)
        refused.extensions.update(unavailable.RETRY)  # type: ignore[union-attr]
        return refused
    trace_id = format(trace.get_current_span().get_span_context().trace_id, "032x")
    log.error("unexpected error (trace %s): %s", trace_id, error.message,
              exc_info=original or error)
    masked = _with_code(error, "Internal error; it has been logged.", "INTERNAL")
    masked.extensions["traceId"] = trace_id  # type: ignore[index]
    return masked


def _located(error: BadInputError | DomainError) -> dict[str, object]:
    """The field and rule of a refused argument, beside the code (a domain rule names its field
    as a dotted path, e.g. ``input.fullName``)."""
    if isinstance(error, BadInputError):
        return error.extensions()
    found = {"field": error.field.split(".") if error.field else None, "reason": error.code}
    return {k: v for k, v in found.items() if v is not None}


def _without_suggestions(error: GraphQLError) -> GraphQLError:
    error.message = _SUGGESTION.sub("", error.message)
    return error


def _with_code(error: GraphQLError, message: str, code: str) -> GraphQLError:
    return GraphQLError(message, nodes=error.nodes, source=error.source, positions=error.positions,
                        path=error.path, extensions={"code": code})


class ErrorCodes(SchemaExtension):
    def __init__(self, *, hide_suggestions: bool = False) -> None:
        self.hide_suggestions = hide_suggestions

    def on_validate(self) -> Iterator[None]:
        yield  # what validation refuses is the document's fault, located or not (a bad literal)
        for error in self.execution_context.pre_execution_errors or ():
            if (error.extensions or {}).get("code") not in KNOWN_CODES:
                error.extensions = {**(error.extensions or {}), "code": "BAD_USER_INPUT"}

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if isinstance(result, GraphQLExecutionResult | ExecutionResult) and result.errors:
            hide = self.hide_suggestions
            result.errors = [coded(e, hide_suggestions=hide) for e in result.errors]

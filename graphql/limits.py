"""Request limits: tokens, depth, aliases, directives and repeated fields, then a cost per query.

The shape is checked before graphql-core validates (validation is itself what a hostile document
aims at). The cost is computed before execution from the parsed document, fragments and
variables resolved: a connection costs 1 + ``first`` times its edges, another list
``default_page_size`` times its items, an object 1, a scalar nothing, a mutation field 10 more.
Above ``max_cost`` the query is refused (QUERY_TOO_COMPLEX); otherwise its cost is charged to
the client's budget (RATE_LIMITED once spent). ``extensions.cost`` reports it on every response.
Time spent waiting for a position (``waitForPosition``) is charged afterwards, in proportion:
``wait_cost_per_second`` points a second waited, reported as ``extensions.cost.waitCost``.
"""

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

from graphql import (
    BooleanValueNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    is_list_type,
    value_from_ast_untyped,
)
from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension

from partyledger.graphql.waiting import freshness
from partyledger.projections.progress import Reached

PARSER_LIMITS = ("Document contains more than", "Source contains more than",
                 "Document is nested too deeply")
MAX_SOURCE_LENGTH = 100_000
MUTATION_COST = 10


@dataclass(frozen=True)
class QueryLimits:
    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 2000
    max_directives: int = 4
    max_field_repeats: int = 3
    max_cost: int = 5000
    default_page_size: int = 20
    wait_cost_per_second: int = 100  # 1 point per 10 ms waited for a position


@dataclass(frozen=True)
class Throttle:
    """A client's budget after a request, in cost points (Shopify's ``throttleStatus``)."""

    allowed: bool
    maximum_available: int
    currently_available: int
    restore_rate: float
    retry_after_seconds: float = 0.0


class CostBudget(Protocol):
    def spend(self, client: str, cost: int) -> Throttle: ...

    def charge(self, client: str, cost: int) -> Throttle:
        """Take a cost known only afterwards, whatever the budget holds (it may go below 0)."""


def too_complex(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "QUERY_TOO_COMPLEX"})


@dataclass
class _Shape:
    depth: int = 0
    aliases: int = 0
    directives: int = 0
    repeats: int = 0

    def merge(self, other: "_Shape", step: int | None = 0) -> None:
        """``step``: the levels ``other`` sits below; None leaves its depth out (introspection)."""
        self.depth = self.depth if step is None else max(self.depth, other.depth + step)
        self.aliases += other.aliases
        self.directives = max(self.directives, other.directives)
        self.repeats = max(self.repeats, other.repeats)


@dataclass
class _Walk:
    """Measures selection sets; each fragment once, however often it is spread."""

    fragments: dict[str, FragmentDefinitionNode]
    shapes: dict[str, _Shape] = field(default_factory=dict)

    def shape(self, selection_set: SelectionSetNode | None) -> _Shape:
        shape, seen = _Shape(), dict[str, int]()
        for node in selection_set.selections if selection_set else ():
            shape.directives = max(shape.directives, len(node.directives or ()))
            if isinstance(node, FieldNode):
                key = (node.alias or node.name).value
                seen[key] = seen.get(key, 0) + 1
                shape.aliases += node.alias is not None
                step = None if node.name.value.startswith("__") else 1  # as graphql-depth-limit
                shape.merge(self.shape(node.selection_set), step)
            elif isinstance(node, InlineFragmentNode):
                shape.merge(self.shape(node.selection_set))
            elif isinstance(node, FragmentSpreadNode):
                shape.merge(self.fragment(node.name.value))
        shape.repeats = max([shape.repeats, *seen.values()])
        return shape

    def fragment(self, name: str) -> _Shape:
        if name not in self.shapes:
            self.shapes[name] = _Shape()  # a cycle is cut here; validation then refuses it
            fragment = self.fragments.get(name)
            self.shapes[name] = self.shape(fragment.selection_set if fragment else None)
        return self.shapes[name]


def shape_errors(document: DocumentNode, limits: QueryLimits) -> list[GraphQLError]:
    """Every operation and fragment of the document counts: all of them would be validated."""
    walk, shape = _Walk(_fragments(document)), _Shape()
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            shape.merge(walk.shape(definition.selection_set))
    for name in walk.fragments:
        if name not in walk.shapes:
            shape.merge(walk.fragment(name))
    checks = (
        (shape.depth, limits.max_depth, "Query depth {} exceeds the maximum of {}."),
        (shape.aliases, limits.max_aliases, "{} aliases exceed the maximum of {}."),
        (shape.directives, limits.max_directives,
         "{} directives on one selection exceed the maximum of {}."),
        (shape.repeats, limits.max_field_repeats,
         "A field selected {} times in one selection set exceeds the maximum of {}."),
    )
    return [too_complex(text.format(found, limit))
            for found, limit, text in checks if found > limit]


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


@dataclass
class QueryCost:
    """The cost of one operation of a valid document, for these variables."""

    schema: GraphQLSchema
    document: DocumentNode
    operation: OperationDefinitionNode
    variables: Mapping[str, Any]
    default_page_size: int
    costs: dict[tuple[str, int | None], int] = field(default_factory=dict)

    def total(self) -> int:
        root = self.schema.get_root_type(self.operation.operation)
        cost = self.selections(self.operation.selection_set, root, None)
        if self.operation.operation == OperationType.MUTATION:
            cost += MUTATION_COST * sum(
                isinstance(s, FieldNode) and not s.name.value.startswith("__") and self.included(s)
                for s in self.operation.selection_set.selections)
        return max(cost, 1)

    def selections(self, selection_set: SelectionSetNode | None,
                   parent: GraphQLNamedType | None, page: int | None) -> int:
        """``page``: the connection's size, when ``parent`` is a connection."""
        total = 0
        for node in selection_set.selections if selection_set else ():
            if not self.included(node):
                continue
            if isinstance(node, FieldNode):
                total += self.field(node, parent, page)
            elif isinstance(node, InlineFragmentNode):
                condition = node.type_condition and self.schema.get_type(
                    node.type_condition.name.value)
                total += self.selections(node.selection_set, condition or parent, page)
            elif isinstance(node, FragmentSpreadNode):
                total += self.fragment(node.name.value, page)
        return total

    def fragment(self, name: str, page: int | None) -> int:
        if (name, page) not in self.costs:
            self.costs[name, page] = 0
            fragment = _fragments(self.document).get(name)
            if fragment is not None:
                condition = self.schema.get_type(fragment.type_condition.name.value)
                self.costs[name, page] = self.selections(fragment.selection_set, condition, page)
        return self.costs[name, page]

    def field(self, node: FieldNode, parent: GraphQLNamedType | None, page: int | None) -> int:
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return 0  # a union selects nothing but __typename
        definition = parent.fields.get(node.name.value)
        if definition is None or node.selection_set is None:
            return 0  # scalars, enums, and introspection's meta-fields
        named = get_named_type(definition.type)
        if named.name.endswith("Connection"):
            return 1 + self.selections(node.selection_set, named, self.page_size(node, definition))
        children = 1 + self.selections(node.selection_set, named, None)
        if page is not None and node.name.value in ("edges", "nodes"):
            return page * children
        if is_list_type(get_nullable_type(definition.type)):
            return self.default_page_size * children
        return children

    def page_size(self, node: FieldNode, definition: GraphQLField) -> int:
        asked = [self.argument(node, name) for name in ("first", "last")]
        sizes = [int(a) for a in asked if isinstance(a, int | float) and not isinstance(a, bool)
                 and float(a).is_integer()]  # JSON may spell 100 as 100.0; Int accepts it
        if sizes:
            return max(0, *sizes)
        default = definition.args["first"].default_value if "first" in definition.args else None
        return default if isinstance(default, int) else self.default_page_size

    def argument(self, node: FieldNode, name: str) -> object:
        value = next((a.value for a in node.arguments or () if a.name.value == name), None)
        if isinstance(value, VariableNode):
            return self.variable(value.name.value)
        return int(value.value) if isinstance(value, IntValueNode) else None

    def variable(self, name: str) -> object:
        if name in self.variables:
            return self.variables[name]
        declared = next((d for d in self.operation.variable_definitions or ()
                         if d.variable.name.value == name), None)
        default = declared.default_value if declared else None
        return None if default is None else value_from_ast_untyped(default)

    def included(self, node: SelectionNode) -> bool:
        for directive in node.directives or ():
            condition = next((a.value for a in directive.arguments or () if a.name.value == "if"),
                             None)
            value = (self.variable(condition.name.value) if isinstance(condition, VariableNode)
                     else condition.value if isinstance(condition, BooleanValueNode) else None)
            if (directive.name.value, value) in (("skip", True), ("include", False)):
                return False
        return True


class RequestLimits(SchemaExtension):
    def __init__(self, limits: QueryLimits, budget: CostBudget | None = None) -> None:
        self.limits, self.budget = limits, budget
        self.cost: int | None = None
        self.throttle: Throttle | None = None
        self.waits: list[Reached] = []

    def on_operation(self) -> Iterator[None]:
        options = cast(dict[str, Any], self.execution_context.parse_options)
        options.update(max_lexical_tokens=self.limits.max_tokens,
                       max_comments=self.limits.max_tokens, max_source_length=MAX_SOURCE_LENGTH)
        yield

    def on_parse(self) -> Iterator[None]:
        yield
        for error in self.execution_context.pre_execution_errors or ():
            if error.message.removeprefix("Syntax Error: ").startswith(PARSER_LIMITS):
                error.extensions = {"code": "QUERY_TOO_COMPLEX"}

    def on_validate(self) -> Iterator[None]:
        # Errors set here stand in for graphql-core's validation, which then does not run.
        document = self.execution_context.graphql_document
        if document is not None:
            errors = shape_errors(document, self.limits)
            self.execution_context.pre_execution_errors = errors or None
        yield

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        operation = document and get_operation_ast(document, context.operation_name)
        if document and operation:
            self.cost = QueryCost(context.schema._schema, document, operation,
                                  context.variables or {}, self.limits.default_page_size).total()
            refusal = self.refusal(self.cost, _client(context.context))
            if refusal is not None:  # a result set before execution stands in for it
                context.result = GraphQLExecutionResult(data=None, errors=[refusal])
        yield
        self.waits = _waits(context.context)
        self.charge_waits(_client(context.context))

    def charge_waits(self, client: str | None) -> None:
        """The time this request's fields waited for a position, charged now it is known."""
        cost = self.wait_cost()
        if cost and self.budget is not None and client is not None:
            self.throttle = self.budget.charge(client, cost)

    def wait_cost(self) -> int:
        return math.ceil(sum(w.waited for w in self.waits) * self.limits.wait_cost_per_second)

    def refusal(self, cost: int, client: str | None) -> GraphQLError | None:
        if cost > self.limits.max_cost:
            return too_complex(f"Query cost {cost} exceeds the maximum of {self.limits.max_cost}: "
                               "ask for fewer items (`first`) or fewer nested lists.")
        if self.budget is None or client is None:
            return None
        self.throttle = self.budget.spend(client, cost)
        if self.throttle.allowed:
            return None
        wait = round(self.throttle.retry_after_seconds, 1)
        return GraphQLError(
            f"Cost budget spent: this query costs {cost}, {self.throttle.currently_available} "
            f"is available and {self.throttle.restore_rate:g} is restored each second; retry in "
            f"{wait} s.", extensions={"code": "RATE_LIMITED", "retryAfterSeconds": wait})

    def get_results(self) -> dict[str, Any]:
        throttle = self.throttle and {"throttleStatus": {
            "maximumAvailable": self.throttle.maximum_available,
            "currentlyAvailable": self.throttle.currently_available,
            "restoreRate": self.throttle.restore_rate,
        }}
        waited = {"waitCost": self.wait_cost()} if self.waits else {}
        fresh = freshness(self.waits)
        return {"cost": {"requestedQueryCost": self.cost, **waited,
                         "maximumQueryCost": self.limits.max_cost, **(throttle or {})},
                **({"freshness": fresh} if fresh else {})}


def _waits(context: object) -> list[Reached]:
    ledger = context.get("ledger") if isinstance(context, dict) else None
    return list(getattr(ledger, "waits", ()))


def _client(context: object) -> str | None:
    """The budget's key: the token's subject within its tenant."""
    ledger = context.get("ledger") if isinstance(context, dict) else None
    actor = getattr(ledger, "actor", None)
    return None if actor is None else f"{actor.tenant}\x1f{actor.subject}"

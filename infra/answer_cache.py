"""Answers to read-only GraphQL queries, kept until the tenant's projections move on.

Partner dashboards ask the same queries again and again; between two appends to a tenant's log
every answer stays the same. An answer is kept under the tenant, the caller (subject, roles and
scope), the document, the operation, the variables, the date (some figures depend on it) and
the position the tenant's projections have reached in this process — which the projector
advances after every append it projects, so a new event makes new keys and an old answer is
never served after the projections have moved past it.

Only answers made from the projections alone are kept (``graphql.projected``): reads of the
event store change the moment an event is appended, before the projections move on. Only
tenant administrators' answers are kept: officers' and inspectors' reads of personal data
must each reach the read audit, and partners' answers depend on a policy (the minimum cell size)
kept outside the log. Only queries are kept, only answers without errors, never a query that
waits for a position (what changes outside the log — read audit, partner keys and policy — is
not a projected field, so never kept either). A kept answer still spends the caller's cost budget.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import msgspec
from graphql import OperationType, get_operation_ast, parse
from graphql.error import GraphQLError
from litestar import Response

from partyledger.graphql.limits import CostBudget
from partyledger.graphql.projected import reads_projections_only
from partyledger.projections.progress import ProjectionProgress
from partyledger.services.access import Actor, Role

ADMIN = frozenset({Role.TENANT_ADMIN})
MAX_ANSWERS = 2048
MAX_ANSWER_BYTES = 512 * 1024


@dataclass(frozen=True)
class _Kept:
    body: dict[str, Any]
    cost: int


class AnswerCache:
    def __init__(self, progress: ProjectionProgress, budget: CostBudget | None,
                 max_answers: int = MAX_ANSWERS) -> None:
        self.progress, self.budget, self.max_answers = progress, budget, max_answers
        self._answers: OrderedDict[tuple[Any, ...], _Kept] = OrderedDict()
        self._lock = threading.Lock()
        self._writes: dict[str, int] = {}
        self.hits = self.misses = 0

    def written(self, tenant: str) -> None:
        """A mutation ran here for ``tenant``: nothing kept before it is served after it (reads
        of the event store are current at once; the projections' position moves later)."""
        with self._lock:
            self._writes[tenant] = self._writes.get(tenant, 0) + 1

    def key(self, payload: Any, actor: Actor | None) -> tuple[Any, ...] | None:
        """The key for a request's JSON ``payload``, or ``None`` when its answer is not kept."""
        if actor is None or actor.roles != ADMIN or not isinstance(payload, dict):
            return None
        document, operation = payload.get("query"), payload.get("operationName")
        variables = payload.get("variables") or {}
        if not isinstance(document, str) or not isinstance(variables, dict) \
                or "waitForPosition" in document \
                or not _is_query(document, operation):
            return None
        return (actor.tenant, actor.subject, tuple(sorted(r.value for r in actor.roles)),
                tuple(sorted(map(str, actor.organization_scope))), document, operation,
                json.dumps(variables, sort_keys=True, default=str),
                self.progress.position(actor.tenant), self._writes.get(actor.tenant, 0), date.today())

    def answer(self, key: tuple[Any, ...], actor: Actor) -> Response[Any] | None:
        """The kept answer, its cost spent from the caller's budget; ``None`` when none is kept
        (or the budget refuses it: the query then runs, and is refused the usual way)."""
        with self._lock:
            kept = self._answers.get(key)
            if kept is None:
                self.misses += 1
                return None
            self._answers.move_to_end(key)
            self.hits += 1
        cost: dict[str, Any] = {"requestedQueryCost": kept.cost}
        if self.budget is not None:
            throttle = self.budget.spend(f"{actor.tenant}\x1f{actor.subject}", kept.cost)
            if not throttle.allowed:
                return None
            cost["throttleStatus"] = {
                "maximumAvailable": throttle.maximum_available,
                "currentlyAvailable": throttle.currently_available,
                "restoreRate": throttle.restore_rate}
        extensions = {**kept.body.get("extensions", {}), "cost": {
            **kept.body.get("extensions", {}).get("cost", {}), **cost}}
        return Response(content=msgspec.json.encode({**kept.body, "extensions": extensions}),
                        media_type="application/json")

    def keep(self, key: tuple[Any, ...], response: Response[Any]) -> None:
        body = response.content
        if isinstance(body, bytes):
            try:
                body = msgspec.json.decode(body)
            except msgspec.DecodeError:
                return
        if response.status_code != 200 or not isinstance(body, dict) or body.get("errors") \
                or "data" not in body:
            return
        cost = body.get("extensions", {}).get("cost", {}).get("requestedQueryCost")
        if not isinstance(cost, int) or len(msgspec.json.encode(body)) > MAX_ANSWER_BYTES:
            return
        with self._lock:
            self._answers[key] = _Kept(body, cost)
            self._answers.move_to_end(key)
            while len(self._answers) > self.max_answers:
                self._answers.popitem(last=False)


def is_mutation(payload: Any) -> bool:
    """Whether a request's JSON payload asks for a mutation (what cannot be parsed asks for none)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return False
    return _operation(payload["query"], payload.get("operationName")) is OperationType.MUTATION


@lru_cache(maxsize=1024)
def _is_query(document: str, operation: str | None) -> bool:
    """A query whose every field answers from the projections (``graphql.projected``)."""
    if _operation(document, operation) is not OperationType.QUERY:
        return False
    return reads_projections_only(parse(document, max_tokens=5000))


@lru_cache(maxsize=1024)
def _operation(document: str, operation: str | None) -> OperationType | None:
    try:
        found = get_operation_ast(parse(document, max_tokens=5000), operation)
    except GraphQLError:
        return None
    return found.operation if found is not None else None

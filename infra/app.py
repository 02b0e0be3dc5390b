"""The Litestar application: GraphQL at /graphql, authenticated per request, and /health.

GraphQL is POSTed as one JSON object: no batches, no forms or multipart, and in production no
GET at all (405), so no IDE either; every refusal answers a GraphQL-shaped JSON error body.
"""

from __future__ import annotations

import logging
import os
import random
import re
import threading
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio.to_thread
import psycopg
from cross_web import HTTPException
from eventsourcing.persistence import OperationalError as PersistenceOperationalError
from litestar import Litestar, Request, Response, get
from litestar.connection import ASGIConnection
from litestar.datastructures import Headers
from litestar.exceptions import MethodNotAllowedException, NotAuthorizedException
from litestar.openapi import OpenAPIConfig
from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin
from strawberry.http import GraphQLHTTPResponse
from strawberry.litestar import make_graphql_controller
from strawberry.litestar.controller import GraphQLController
from strawberry.types import ExecutionResult

from partyledger.domain.provenance import Provenance
from partyledger.graphql.context import Ledger
from partyledger.graphql import unavailable
from partyledger.graphql.errors import coded
from partyledger.graphql.limits import QueryLimits
from partyledger.graphql.schema import build_schema
from partyledger.infra.api_keys import ApiKeyStore
from partyledger.infra.auth import AuthenticationError, TokenVerifier
from partyledger.infra import reachability
from partyledger.infra.deadline import SharedRun
from partyledger.infra.preflight import open_database
from partyledger.infra.projector import Projector, probe
from partyledger.infra.answer_cache import AnswerCache, is_mutation
from partyledger.infra.rate_limits import CostBudgets
from partyledger.infra.request_body import BodyRefusedError, decode_body
from partyledger.infra.read_audit import ReadAuditLog, ReadTrail
from partyledger.infra.settings import GraphQLSettings, Settings, load_settings
from partyledger.infra.telemetry import configure_telemetry
from partyledger.infra.tenants import TenantDirectory, TenantNotFoundError, TenantRuntime
from partyledger.projections.progress import ProjectionProgress, Reached
from partyledger.services.access import Actor
from partyledger.services.api_keys import PartnerKeyBook

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HealthSettings:
    """``PARTYLEDGER_HEALTH_MAX_LAG``: ``/health`` answers ``degraded`` while any projection of
    any tenant is more than this many events behind the tenant's log."""

    max_projection_lag: int = 1000

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> HealthSettings:
        raw = (os.environ if environ is None else environ).get("PARTYLEDGER_HEALTH_MAX_LAG")
        return cls(int(raw)) if raw else cls()


@dataclass
class Services:
    settings: Settings
    directory: TenantDirectory
    verifier: TokenVerifier
    progress: ProjectionProgress
    projector: Projector
    keys: ApiKeyStore
    health: HealthSettings = field(default_factory=HealthSettings)
    answers: AnswerCache | None = None
    audit_logs: dict[str, ReadAuditLog] = field(default_factory=dict)
    health_check: SharedRun[dict[str, Any]] = field(init=False)
    _audit_lock: threading.Lock = field(default_factory=threading.Lock)
    _health_run: list[float] = field(default_factory=lambda: [0.0, -1.0])
    """When the running health report began, and when the database last answered it."""

    def __post_init__(self) -> None:
        self.health_check = SharedRun(lambda: _health_report(self), name="health")

    def database_answered(self) -> bool:
        """Whether the database answered the health report under way."""
        began, answered = self._health_run
        return answered >= began

    def read_audit_log(self, runtime: TenantRuntime) -> ReadAuditLog:
        """The tenant's read audit, its table made if missing on first use in this process."""
        slug = runtime.tenant.slug
        with self._audit_lock:
            if slug not in self.audit_logs:
                audit = ReadAuditLog(runtime.register.factory.datastore, slug)  # type: ignore[attr-defined]
                audit.ensure_table()
                self.audit_logs[slug] = audit
            return self.audit_logs[slug]


def _refusal(message: str, code: str, status: int, **headers: str) -> Response[Any]:
    body = {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}
    return Response(body, status_code=status, headers=headers)


def _unauthenticated(_: Request[Any, Any, Any], __: Exception) -> Response[Any]:
    return _refusal("Authentication required: a valid bearer token or partner key for a tenant.",
                    "UNAUTHENTICATED", 401, **{"WWW-Authenticate": "Bearer, ApiKey"})


def _method_not_allowed(request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
    if request.url.path != "/graphql":
        return _refusal("Method not allowed.", "BAD_USER_INPUT", 405)
    return _refusal("Method not allowed: GraphQL requests are POSTed with a JSON body.",
                    "BAD_USER_INPUT", 405, Allow="POST")


async def _json_only(request: Request[Any, Any, Any]) -> Response[Any] | None:
    """Before authentication: a form or a multipart body is refused, never read (no CSRF)."""
    if request.method == "POST" and request.content_type[0].lower() != "application/json":
        return _refusal("GraphQL requests are POSTed as `application/json`.", "BAD_USER_INPUT", 415)
    return None


async def _before_graphql(request: Request[Any, Any, Any]) -> Response[Any] | None:
    """Refuse what is not JSON; answer from the kept answers when one is kept for this caller
    and document (``answer_cache``), before the GraphQL machinery is set up at all."""
    refused = await _json_only(request)
    if refused is not None or request.method != "POST":
        return refused
    services: Services = request.app.state.services
    if services.answers is None or not _bearer(request.headers):
        return None
    try:
        actor = _authenticate(services, request.headers)
    except AuthenticationError:
        return None  # the request goes on and is refused the usual way
    if services.directory.loaded(actor.tenant) is None:
        return None
    key = services.answers.key(_payload(await request.body()), actor)
    if key is None:
        return None
    # kept under the key taken now: an answer computed while a write lands is never kept
    # under the key of the state after it
    request.state.answer_key = key
    return services.answers.answer(key, actor)


def _payload(body: bytes) -> Any:
    try:
        return decode_body(body)
    except BodyRefusedError:
        return None


def _graphql_controller(settings: GraphQLSettings, budget: CostBudgets) -> type[GraphQLController]:
    schema = build_schema(
        limits=QueryLimits(
            max_depth=settings.max_depth, max_aliases=settings.max_aliases,
            max_tokens=settings.max_tokens, max_directives=settings.max_directives,
            max_field_repeats=settings.max_field_repeats, max_cost=settings.max_cost,
            default_page_size=settings.default_page_size,
        ),
        budget=budget, production=settings.production,
    )
    base = make_graphql_controller(
        schema, path="/graphql", graphql_ide=None if settings.production else "graphiql",
        allow_queries_via_get=False, context_getter=_ledger, subscription_protocols=(),
    )

    class LedgerGraphQL(base):  # type: ignore[valid-type,misc]
        before_request = _before_graphql
        websocket_endpoint = None
        if settings.production:
            handle_http_get = None  # GET is then 405, IDE included

        def parse_json(self, data: str | bytes) -> Any:
            try:
                parsed = decode_body(data)
            except BodyRefusedError as refused:
                raise HTTPException(400, str(refused)) from None
            if isinstance(parsed, list):
                raise HTTPException(400, "Batched requests are not accepted: POST one operation "
                                         "per request.")
            if not isinstance(parsed, dict):
                raise HTTPException(400, "The body must be a JSON object with a `query`.")
            return parsed

        async def execute_request(self, request: Request[Any, Any, Any], context: Any,
                                  root_value: Any) -> Response[Any]:
            try:
                response: Response[Any] = await self.run(request, context=context,
                                                         root_value=root_value)
            except HTTPException as refused:
                response = _refusal(refused.reason, "BAD_USER_INPUT", refused.status_code)
                return _correlated(context, response)
            response = _correlated(context, await _audited(context, response))
            answers: AnswerCache | None = request.app.state.services.answers
            if answers is not None and isinstance(context, dict) and "ledger" in context:
                actor, payload = context["ledger"].actor, _payload(await request.body())
                key = request.state.get("answer_key")  # taken before it ran: see _before_graphql
                if is_mutation(payload):
                    answers.written(actor.tenant)
                elif key is not None:
                    answers.keep(key, response)
            return response

        async def process_result(self, request: Request[Any, Any, Any],
                                 result: ExecutionResult) -> GraphQLHTTPResponse:
            # The schema's ErrorCodes misses errors raised around it (an extension failing).
            if result.errors:
                result.errors = [coded(e, hide_suggestions=settings.production)
                                 for e in result.errors]
            return await super().process_result(request, result)  # type: ignore[no-any-return]

    return LedgerGraphQL


async def _audited(context: Any, response: Response[Any]) -> Response[Any]:
    """The request's reads of personal data are recorded before its answer leaves; an answer
    whose reads cannot be recorded is withheld."""
    trail: ReadTrail | None = context.get("read_audit") if isinstance(context, dict) else None
    if trail is None:
        return response
    try:
        await anyio.to_thread.run_sync(trail.flush)
    except Exception:
        log.exception("the read audit could not be written; the answer is withheld")
        return _refusal("Internal error; it has been logged.", "INTERNAL", 500)
    return response


def _authenticate(services: Services, headers: Headers) -> Actor:
    """``Authorization: Bearer <jwt>`` for people; ``X-Api-Key: <key>`` or ``Authorization:
    ApiKey <key>`` for partner keys. Both at once, or anything else, authenticates no one."""
    scheme, _, credential = headers.get("authorization", "").partition(" ")
    api_key, credential = headers.get("x-api-key"), credential.strip()
    if api_key is not None and scheme:
        raise AuthenticationError("two credentials")
    if api_key is not None:
        return services.keys.actor(api_key)
    if scheme.lower() == "apikey" and credential:
        return services.keys.actor(credential)
    if scheme.lower() == "bearer" and credential:
        return services.verifier.actor(credential)
    raise AuthenticationError("no credentials")


CORRELATION_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
"""What a client's ``X-Correlation-Id`` may be to be kept: it is stored in immutable events."""


def _correlation_id(sent: str | None) -> str:
    """The id naming one request's work: the client's ``X-Correlation-Id`` if it is 1–64
    characters of ``[A-Za-z0-9._:-]``, else a fresh random one (markup, control characters or
    a long text never reach an event). Not a secret: drawn from the process's PRNG, because
    the system's entropy source can take milliseconds a call on a busy machine."""
    if sent is not None and CORRELATION_ID.fullmatch(sent):
        return sent
    return str(uuid.UUID(int=random.getrandbits(128), version=4))


def _correlated(context: Any, response: Response[Any]) -> Response[Any]:
    """The answer names the correlation id its request's work was recorded under."""
    ledger: Ledger | None = context.get("ledger") if isinstance(context, dict) else None
    if ledger is not None:
        response.headers["X-Correlation-Id"] = ledger.provenance.correlation_id
    return response


def _bearer(headers: Headers) -> bool:
    return headers.get("authorization", "")[:7].lower() == "bearer " and "x-api-key" not in headers


async def _ledger(request: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
    if isinstance(request, Request) and request.method == "GET":
        # Only the development IDE: GET never executes an operation (no queries over GET).
        return {}
    services: Services = request.app.state.services
    try:
        # A bearer token is checked in the loop (a signature, no I/O); partner keys and a
        # tenant not yet loaded in this process are read from the database in a worker thread.
        actor = (_authenticate(services, request.headers) if _bearer(request.headers)
                 else await anyio.to_thread.run_sync(_authenticate, services, request.headers))
        runtime = services.directory.loaded(actor.tenant) or await anyio.to_thread.run_sync(
            services.directory.runtime, actor.tenant)
    except (AuthenticationError, TenantNotFoundError):
        raise NotAuthorizedException() from None
    correlation = _correlation_id(request.headers.get("x-correlation-id"))
    slug = runtime.tenant.slug

    async def wait(position: int) -> Reached:
        """On the event loop; the database is read in a worker thread only for a moment."""
        def head() -> int:
            return runtime.register.recorder.max_notification_id() or 0

        return await services.progress.wait_for(
            slug, position, waiter=f"{actor.tenant}\x1f{actor.subject}",
            timeout=services.settings.graphql.projection_wait_seconds,
            read_position=lambda: anyio.to_thread.run_sync(runtime.position),
            read_head=lambda: anyio.to_thread.run_sync(head),
        )

    provenance = Provenance(recorded_by=actor.subject, correlation_id=correlation[:100])
    audit = services.audit_logs.get(slug) or await anyio.to_thread.run_sync(
        services.read_audit_log, runtime)
    keys = PartnerKeyBook(services.keys, slug,
                          default_minimum_cell_size=services.settings.partners.minimum_cell_size)
    return {"ledger": Ledger(actor, runtime.tenant.name, provenance, runtime.register,
                             runtime.queries, wait, runtime.tree),
            "partner_keys": keys, "read_audit_log": audit,
            "read_audit": ReadTrail(audit, actor, provenance.correlation_id)
            if actor.reads_are_audited else None}


HEALTH_DEADLINE_SECONDS = 0.8
"""/health answers within a second: what is not known by then is reported as not answering."""
HEALTH_READERS = 4


@get("/health")
async def health(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    """Liveness, and for each tenant and projection: its position, the log's head and the lag.

    Counts and positions only, never a row. Like a liveness probe it asks for no credentials,
    and it names the tenants: an operators' endpoint, kept off the public ingress. 200 with
    ``status`` ``ok``, or ``degraded`` while serving with something wrong (a lag over the
    threshold, a tenant that cannot be read, events a projection set aside, or ``incomplete``:
    the database answered but not every tenant's projections were read in time); 503
    ``unavailable`` with the reason while the database cannot be reached or does not answer in
    time.
    """
    services: Services = request.app.state.services
    report = await services.health_check.within(HEALTH_DEADLINE_SECONDS)
    if report is None and services.database_answered():
        # the database answers; reading every tenant's projections takes longer (hundreds of
        # tenants, a busy machine): serving, but not all checked
        report = {"status": "degraded", "database": "ok", "incomplete": "the tenants'"
                  f" projections were not all read within {HEALTH_DEADLINE_SECONDS} s"}
    elif report is None:
        report = _unavailable(f"no answer within {HEALTH_DEADLINE_SECONDS} s")
    return Response(report, status_code=503 if report["status"] == "unavailable" else 200)


def _unavailable(reason: str) -> dict[str, Any]:
    return {"status": "unavailable", "database": reason}


def _tenant_health(services: Services, slug: str) -> tuple[int | None, dict[str, Any]]:
    """A tenant's largest lag and its entry in ``/health``; None and ``unavailable`` when its
    projections cannot be read (one tenant's failure is reported, not the whole answer)."""
    try:
        found = probe(services.directory.runtime(slug))
    except Exception:
        log.exception("health: projections of tenant %s could not be read", slug)
        return None, {"status": "unavailable"}
    views = found.lags
    entry: dict[str, Any] = {
        "head": max((v.head for v in views), default=0),
        "projections": {v.projection: {"position": v.position, "head": v.head, "lag": v.lag,
                                       "rebuilding": v.projection in found.rebuilding}
                        for v in views},
    }
    if found.set_aside:  # events a view could not apply: named by view and position, no content
        entry["setAside"] = {"events": found.set_aside, "first": [
            {"projection": e.projection, "position": e.position, "reason": e.reason}
            for e in found.first_set_aside]}
    return max((v.lag for v in views), default=0), entry


def _health_report(services: Services) -> dict[str, Any]:
    """In a worker thread (``Services.health_check``): the database first, then each tenant."""
    services._health_run[:] = [time.monotonic(), -1.0]
    try:
        listed = services.directory.list()
    except Exception as error:
        if not unavailable.database_unavailable(error):
            raise
        outage = services.directory.pool(services.directory.control_shard).outage
        return _unavailable(outage or reachability.reason(error))
    services._health_run[1] = time.monotonic()
    threshold = services.health.max_projection_lag
    lags: dict[str, int | None] = {}
    tenants: dict[str, Any] = {}
    # The reads are round trips that release the GIL: a few tenants at a time keep a database
    # of hundreds of tenants within the deadline, and leave most of the pool to requests.
    with ThreadPoolExecutor(HEALTH_READERS, thread_name_prefix="health") as readers:
        found = readers.map(lambda t: _tenant_health(services, t.slug), listed)
        for tenant, (lag, entry) in zip(listed, found, strict=True):
            lags[tenant.slug], tenants[tenant.slug] = lag, entry
    degraded = any(lag is None or lag > threshold for lag in lags.values()) or any(
        "setAside" in t for t in tenants.values())
    return {"status": "degraded" if degraded else "ok", "projectionLag": lags,
            "maxProjectionLag": threshold, "tenants": tenants}


def _database_error(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    """A request that failed on the database before GraphQL ran (its tenant, its partner key,
    the read audit): 503 with the code when the database cannot be reached, else INTERNAL."""
    if not unavailable.database_unavailable(error):
        log.error("database error on %s", request.url.path, exc_info=error)
        return _refusal("Internal error; it has been logged.", "INTERNAL", 500)
    return _refusal(unavailable.MESSAGE, unavailable.CODE, 503,
                    **{"Retry-After": str(unavailable.RETRY_AFTER_SECONDS)})


def create_app(
    settings: Settings | None = None, *, directory: TenantDirectory | None = None,
    run_projector: bool = True, health_settings: HealthSettings | None = None,
) -> Litestar:
    """Build the app. Without ``directory`` the database is resolved (or embedded) at startup."""
    settings = settings or load_settings()
    health_settings = health_settings or HealthSettings.from_environ()
    configure_telemetry()
    production = settings.graphql.production
    budget = CostBudgets(settings.graphql.cost_budget, settings.graphql.cost_budget_seconds)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        tenants = directory or await anyio.to_thread.run_sync(open_database, settings)
        progress = ProjectionProgress()
        projector = Projector(tenants, progress)
        verifier = TokenVerifier.from_settings(settings.auth, trust_dev_key=not production)
        keys = ApiKeyStore(tenants.pool(tenants.control_shard), pepper=settings.partners.key_pepper)
        await anyio.to_thread.run_sync(keys.install)
        # answers are kept only while a projector here tells when the projections move on
        answers = AnswerCache(progress, budget) if run_projector else None
        app.state.services = Services(settings, tenants, verifier, progress, projector, keys,
                                      health=health_settings, answers=answers)
        if run_projector:
            projector.start()
        try:
            yield
        finally:
            projector.stop()

    return Litestar(
        route_handlers=[_graphql_controller(settings.graphql, budget), health],
        lifespan=[lifespan],
        # one server span per request; not two more for reading the body and sending the answer
        plugins=[OpenTelemetryPlugin(OpenTelemetryConfig(exclude=["/health"],
                                                         exclude_spans=["receive", "send"]))],
        exception_handlers={NotAuthorizedException: _unauthenticated,
                            MethodNotAllowedException: _method_not_allowed,
                            psycopg.OperationalError: _database_error,
                            PersistenceOperationalError: _database_error},
        # the OpenAPI pages (/schema) describe only /health here; production serves none
        openapi_config=None if production else OpenAPIConfig(title="PartyLedger", version="1"),
        debug=False,
    )

"""The Litestar application: GraphQL at /graphql, authenticated per request, and /health."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from litestar import Litestar, Request, Response, get
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin
from strawberry.litestar import make_graphql_controller

from partyledger.domain.provenance import Provenance
from partyledger.graphql.context import Ledger
from partyledger.graphql.schema import build_schema
from partyledger.infra.auth import AuthenticationError, TokenVerifier
from partyledger.infra.database import resolve_database
from partyledger.infra.projector import Projector
from partyledger.infra.settings import Settings, load_settings
from partyledger.infra.telemetry import configure_telemetry
from partyledger.infra.tenants import TenantDirectory, TenantNotFoundError
from partyledger.projections.progress import ProjectionProgress


@dataclass
class Services:
    settings: Settings
    directory: TenantDirectory
    verifier: TokenVerifier
    progress: ProjectionProgress
    projector: Projector


def _unauthenticated(_: Request[Any, Any, Any], __: Exception) -> Response[Any]:
    body = {"data": None, "errors": [{"message": "Authentication required: a valid bearer token "
                                      "for a tenant.", "extensions": {"code": "UNAUTHENTICATED"}}]}
    return Response(body, status_code=401, headers={"WWW-Authenticate": "Bearer"})


async def _ledger(request: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Ledger]:
    services: Services = request.app.state.services
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    try:
        if scheme.lower() != "bearer" or not token:
            raise AuthenticationError("no bearer token")
        actor = services.verifier.actor(token.strip())
        runtime = await anyio.to_thread.run_sync(services.directory.runtime, actor.tenant)
    except (AuthenticationError, TenantNotFoundError):
        raise NotAuthorizedException() from None
    correlation = request.headers.get("x-correlation-id") or str(uuid.uuid4())
    slug = runtime.tenant.slug

    def wait(position: int) -> bool:
        return services.progress.wait_for(
            slug, position, timeout=services.settings.graphql.projection_wait_seconds,
            read_position=runtime.roster.position,
        )

    provenance = Provenance(recorded_by=actor.subject, correlation_id=correlation[:100])
    return {"ledger": Ledger(actor, runtime.tenant.name, provenance, runtime.register,
                             runtime.queries, wait)}


@get("/health", sync_to_thread=True)
def health(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """Liveness, and how many events each tenant's projections still have to process."""
    services: Services = request.app.state.services
    lags = {t.slug: services.projector.lag(services.directory.runtime(t.slug))
            for t in services.directory.list()}
    return {"status": "ok", "projectionLag": lags}


def create_app(
    settings: Settings | None = None, *, directory: TenantDirectory | None = None,
    run_projector: bool = True,
) -> Litestar:
    """Build the app. Without ``directory`` the database is resolved (or embedded) at startup."""
    settings = settings or load_settings()
    configure_telemetry()
    production = settings.graphql.production

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        tenants = directory or await anyio.to_thread.run_sync(resolve_database, settings)
        progress = ProjectionProgress()
        projector = Projector(tenants, progress)
        verifier = TokenVerifier.from_settings(settings.auth, trust_dev_key=not production)
        app.state.services = Services(settings, tenants, verifier, progress, projector)
        if run_projector:
            projector.start()
        try:
            yield
        finally:
            projector.stop()

    graphql = make_graphql_controller(
        build_schema(max_depth=settings.graphql.max_depth), path="/graphql",
        graphql_ide=None if production else "graphiql", allow_queries_via_get=False,
        context_getter=_ledger, subscription_protocols=(),
    )
    return Litestar(
        route_handlers=[graphql, health],
        lifespan=[lifespan],
        plugins=[OpenTelemetryPlugin(OpenTelemetryConfig(exclude=["/health"]))],
        exception_handlers={NotAuthorizedException: _unauthenticated},
        debug=False,
    )

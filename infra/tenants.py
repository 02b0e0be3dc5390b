"""The tenant directory (``control`` schema) and provisioning of one schema per tenant.

Each tenant schema is owned by the tenant's own PostgreSQL roles (``db_roles``): the directory
provisions them when it creates the tenant, and again (idempotently, a few catalog reads when
nothing is to do) when it builds a runtime, which also brings schemas made before roles existed
up to date. The runtime's datastore then acts as the tenant's roles only. The ``control`` schema
is read and written as the login role.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any


from partyledger.infra.db_roles import Provisioned, TenantRoles, provision
from partyledger.infra.eventstore import (
    POOL_APPLICATION_NAME,
    POOL_SIZE,
    event_store_objects,
    tenant_env,
)
from partyledger.infra.shards import shard_pool
from partyledger.projections.org_tree import OrgTreeView
from partyledger.projections.org_tree_queries import OrgTreeQueries
from partyledger.projections.roster import RosterView
from partyledger.projections.roster_queries import RosterQueries
from partyledger.services.tenant_register import TenantRegister
from partyledger.services.register import TENANT

SLUG = re.compile(r"^[a-z][a-z0-9-]{1,39}$")
_CONTROL = (
    "CREATE SCHEMA IF NOT EXISTS control",
    "CREATE TABLE IF NOT EXISTS control.tenants ("
    " slug text PRIMARY KEY, name text NOT NULL, shard text NOT NULL,"
    " schema_name text NOT NULL UNIQUE, state text NOT NULL DEFAULT 'ACTIVE',"
    " created_at timestamptz NOT NULL DEFAULT now())",
)


class TenantNotFoundError(LookupError):
    pass


class TenantExistsError(ValueError):
    pass


@dataclass(frozen=True)
class Tenant:
    slug: str
    name: str
    shard: str
    schema_name: str
    state: str
    created_at: datetime


@dataclass
class TenantRuntime:
    """A tenant's application, its projections and their reads, bound to its shard's pool."""

    tenant: Tenant
    register: TenantRegister
    roster: RosterView
    queries: RosterQueries
    org_tree: OrgTreeView
    tree: OrgTreeQueries

    @property
    def views(self) -> tuple[RosterView, OrgTreeView]:
        return (self.roster, self.org_tree)

    def position(self) -> int:
        """The log position every projection of the tenant has reached."""
        return min(view.position() for view in self.views)


class TenantDirectory:
    """Tenants and their shards. ``shards`` maps a shard name to its DSN; the directory lives on
    the shard named ``control_shard``."""

    def __init__(
        self, shards: dict[str, str], *, control_shard: str = "main", pool_size: int = 8,
        application_name: str = "partyledger",
    ) -> None:
        self.shards = shards
        self.control_shard = control_shard
        self.pool_size = pool_size
        self.application_name = application_name
        self._runtimes: dict[str, TenantRuntime] = {}
        self._lock = threading.Lock()

    def pool(self, shard: str) -> Any:
        return shard_pool(self.shards[shard], size=self.pool_size,
                          application_name=self.application_name)

    def install(self) -> None:
        with self.pool(self.control_shard).connection() as conn:
            for statement in _CONTROL:
                conn.execute(statement)

    def create(self, slug: str, name: str, *, shard: str | None = None) -> Tenant:
        """Register the tenant, create its schema, event store, tracking and projection tables."""
        if not SLUG.match(slug):
            msg = f"tenant slug {slug!r}: 2–40 characters, lower-case letters, digits and '-'"
            raise ValueError(msg)
        shard = shard or self.control_shard
        if shard not in self.shards:
            raise ValueError(f"unknown shard {shard!r}; known: {', '.join(self.shards)}")
        schema = "tenant_" + slug.replace("-", "_")
        with self.pool(self.control_shard).connection() as conn:
            inserted = conn.execute(
                "INSERT INTO control.tenants (slug, name, shard, schema_name) VALUES (%s, %s, %s, %s)"
                " ON CONFLICT DO NOTHING RETURNING slug", (slug, name.strip(), shard, schema),
            ).fetchone()
        if inserted is None:
            raise TenantExistsError(f"tenant {slug!r} exists already")
        with self.pool(shard).connection() as conn:
            provisioned = provision(conn, TenantRoles.for_schema(schema), create_schema=True)
        runtime = self._build(self.get(slug), create_tables=True, provisioned=provisioned)
        with self._lock:
            self._runtimes[slug] = runtime
        return runtime.tenant

    def get(self, slug: str) -> Tenant:
        with self.pool(self.control_shard).connection() as conn:
            row = conn.execute("SELECT * FROM control.tenants WHERE slug = %s", (slug,)).fetchone()
        if row is None:
            raise TenantNotFoundError(f"no tenant {slug!r}")
        return Tenant(**row)

    def list(self) -> list[Tenant]:
        with self.pool(self.control_shard).connection() as conn:
            rows = conn.execute("SELECT * FROM control.tenants ORDER BY slug").fetchall()
        return [Tenant(**r) for r in rows]

    def loaded(self, slug: str) -> TenantRuntime | None:
        """The tenant's runtime when this process has built it already (no I/O), else None."""
        with self._lock:
            return self._runtimes.get(slug)

    def runtime(self, slug: str) -> TenantRuntime:
        with self._lock:
            runtime = self._runtimes.get(slug)
        if runtime is None:
            runtime = self._build(self.get(slug), create_tables=False)
            with self._lock:
                runtime = self._runtimes.setdefault(slug, runtime)
        return runtime

    def _build(self, tenant: Tenant, *, create_tables: bool,
               provisioned: Provisioned | None = None) -> TenantRuntime:
        """The tenant's runtime, acting as its roles; its roles and schema are provisioned first
        (idempotent: a few catalog reads when they are in order)."""
        if provisioned is None:
            with self.pool(tenant.shard).connection() as conn:
                provisioned = provision(conn, TenantRoles.for_schema(tenant.schema_name))
        guard, no_truncate, lock = event_store_objects(f"{TenantRegister.name}_events")
        functions, triggers = provisioned.functions, provisioned.triggers
        if not ({guard, lock} <= functions and {guard, no_truncate} <= triggers):
            create_tables = True  # an event store of an earlier release: add what it lacks
        env = tenant_env(
            self.shards[tenant.shard], tenant.schema_name, roles=True,
            CREATE_TABLE="y" if create_tables else "n",
            **{TENANT: tenant.slug, POOL_SIZE: str(self.pool_size),
               POOL_APPLICATION_NAME: self.application_name},
        )
        register = TenantRegister(env=env)
        datastore = register.factory.datastore  # type: ignore[attr-defined]
        roster, org_tree = RosterView(datastore), OrgTreeView(datastore)
        for view in (roster, org_tree):
            # idempotent; also brings tables of earlier releases up to date. As the app role,
            # which owns the projection and tracking tables (the event store is the owner's).
            view.create_table()
        return TenantRuntime(tenant, register, roster, RosterQueries(datastore), org_tree,
                             OrgTreeQueries(datastore))

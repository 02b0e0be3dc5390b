"""The tenant directory (``control`` schema) and provisioning of one schema per tenant.

The directory serves tenants on the service's login (``shards``) and provisions them on an
administrator's (``admin_shards``; ``provisioning``): creating a tenant, and upgrading one made
by an earlier release, happen only there. Before it serves a tenant, the directory checks, with
catalog reads only, that the tenant's schema is in order for the service; when it is not, it
provisions the tenant if it can and refuses to serve it otherwise. The runtime's datastore then
acts as the tenant's app and writer roles only (``db_roles``); ``control`` is read as the
service's login, which may only read tenants.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg import errors

from partyledger.infra.db_roles import TenantRoles
from partyledger.infra.eventstore import POOL_APPLICATION_NAME, POOL_SIZE, tenant_env
from partyledger.infra.logins import login_of
from partyledger.infra.provisioning import Provisioner, readiness
from partyledger.infra.shards import shard_pool
from partyledger.projections.org_tree import OrgTreeView
from partyledger.projections.org_tree_queries import OrgTreeQueries
from partyledger.projections.roster import RosterView
from partyledger.projections.roster_queries import RosterQueries
from partyledger.services.tenant_register import TenantRegister
from partyledger.services.register import TENANT

SLUG = re.compile(r"^[a-z][a-z0-9-]{1,39}$")


class TenantNotFoundError(LookupError):
    pass


class TenantExistsError(ValueError):
    pass


class ProvisioningUnavailableError(PermissionError):
    """This process has no administrator's connection, and the work needs one."""

    def __init__(self, work: str) -> None:
        super().__init__(f"{work} needs provisioning, which needs an administrator's connection"
                         " (PARTYLEDGER_ADMIN_DATABASE_URL); the service's login may not do it")


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
    """Tenants and their shards. ``shards`` maps a shard name to the DSN the service's pools use;
    ``admin_shards`` to an administrator's DSN that provisions it: by default the same DSNs (one
    login does both, as benchmarks run), ``{}`` for a directory that cannot provision. The
    directory lives on the shard named ``control_shard``."""

    def __init__(
        self, shards: dict[str, str], *, control_shard: str = "main", pool_size: int = 8,
        application_name: str = "partyledger", admin_shards: dict[str, str] | None = None,
    ) -> None:
        self.shards = shards
        self.control_shard = control_shard
        self.pool_size = pool_size
        self.application_name = application_name
        self._runtimes: dict[str, TenantRuntime] = {}
        self._lock = threading.Lock()
        self._building: dict[str, threading.Lock] = {}
        self.provisioner: Provisioner | None = None
        if admin_shards is None:
            self.provisioner = Provisioner(
                shards, dict.fromkeys(shards), control_shard=control_shard, pool_size=pool_size,
                application_name=application_name)
        elif admin_shards:
            self.provisioner = Provisioner(
                admin_shards, {name: login_of(dsn) for name, dsn in shards.items()},
                control_shard=control_shard, application_name=f"{application_name}-provisioning")

    def pool(self, shard: str) -> Any:
        return shard_pool(self.shards[shard], size=self.pool_size,
                          application_name=self.application_name)

    def install(self) -> None:
        """Provision what is missing (the ``control`` schema, the service's login, tenants of an
        earlier release) when this directory can; otherwise check the directory is there."""
        if self.provisioner is not None:
            self.provisioner.install()
            return
        with self.pool(self.control_shard).connection() as conn:
            row = conn.execute("SELECT to_regclass('control.tenants') IS NOT NULL AS ok").fetchone()
        if not row["ok"]:
            raise ProvisioningUnavailableError("installing the tenant directory")

    def create(self, slug: str, name: str, *, shard: str | None = None) -> Tenant:
        """Register the tenant, create its roles, schema, event store and read audit (all as an
        administrator), then its projection tables (as the service)."""
        if not SLUG.match(slug):
            msg = f"tenant slug {slug!r}: 2–40 characters, lower-case letters, digits and '-'"
            raise ValueError(msg)
        shard = shard or self.control_shard
        if shard not in self.shards:
            raise ValueError(f"unknown shard {shard!r}; known: {', '.join(self.shards)}")
        if self.provisioner is None:
            try:
                self.get(slug)
            except TenantNotFoundError:
                raise ProvisioningUnavailableError(f"creating tenant {slug!r}") from None
            raise TenantExistsError(f"tenant {slug!r} exists already")
        schema = "tenant_" + slug.replace("-", "_")
        if not self.provisioner.register(slug, name.strip(), shard, schema):
            raise TenantExistsError(f"tenant {slug!r} exists already")
        self.provisioner.provision_tenant(shard, schema, slug, create_schema=True)
        with self._building_lock(slug):
            runtime = self._build(self.get(slug))
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
        if runtime is not None:
            return runtime
        with self._building_lock(slug):  # one build per tenant in this process at a time
            with self._lock:
                runtime = self._runtimes.get(slug)
            if runtime is None:
                runtime = self._build(self.get(slug))
                with self._lock:
                    runtime = self._runtimes.setdefault(slug, runtime)
        return runtime

    def _building_lock(self, slug: str) -> threading.Lock:
        with self._lock:
            return self._building.setdefault(slug, threading.Lock())

    def _build(self, tenant: Tenant) -> TenantRuntime:
        """The tenant's runtime, acting as its roles. Its schema is checked first, with catalog
        reads as the service's login; a schema not in order (an earlier release's) is
        provisioned when this directory can, and refused otherwise."""
        with self.pool(tenant.shard).connection() as conn:
            problems = readiness(conn, TenantRoles.for_schema(tenant.schema_name))
        if problems:
            if self.provisioner is None:
                raise ProvisioningUnavailableError(
                    f"tenant {tenant.slug!r} ({'; '.join(problems)})")
            self.provisioner.provision_tenant(tenant.shard, tenant.schema_name, tenant.slug)
        env = tenant_env(
            self.shards[tenant.shard], tenant.schema_name, roles=True, CREATE_TABLE="n",
            **{TENANT: tenant.slug, POOL_SIZE: str(self.pool_size),
               POOL_APPLICATION_NAME: self.application_name},
        )
        register = TenantRegister(env=env)
        datastore = register.factory.datastore  # type: ignore[attr-defined]
        roster, org_tree = RosterView(datastore), OrgTreeView(datastore)
        for view in (roster, org_tree):
            # idempotent; also brings tables of earlier releases up to date. As the app role,
            # which owns the projection and tracking tables (the event store is the owner's).
            _create_tables(view)
        return TenantRuntime(tenant, register, roster, RosterQueries(datastore), org_tree,
                             OrgTreeQueries(datastore))


_DDL_RACES = (errors.UniqueViolation, errors.DuplicateTable, errors.DuplicateObject,
              errors.DeadlockDetected)


def _create_tables(view: RosterView | OrgTreeView, attempts: int = 5) -> None:
    """``CREATE … IF NOT EXISTS`` is not safe against itself: two processes making a new
    tenant's tables at once can collide on the catalog (a duplicate row type, a deadlock). The
    loser tries again, and then finds the tables made."""
    for attempt in range(attempts):
        try:
            view.create_table()
            return
        except _DDL_RACES:
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))

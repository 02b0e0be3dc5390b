"""Fixtures: a real PostgreSQL (embedded by default, or PARTYLEDGER_DATABASE_URL) and tenants."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from partyledger.domain.organization import OrganizationKind
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.infra.embedded_postgres import start_embedded_postgres
from partyledger.infra.logins import SERVICE_LOGIN, as_login
from partyledger.infra.shards import shutdown_pools
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.services.access import Actor, Role
from support import new_slug

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    external = os.environ.get("PARTYLEDGER_DATABASE_URL")
    if external:
        yield external
        return
    (ROOT / ".partyledger").mkdir(exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="test-pgdata-", dir=ROOT / ".partyledger"))
    data_dir.chmod(0o755)  # the embedded server runs as its own OS user when started as root
    url, server = start_embedded_postgres(data_dir, cleanup="delete")
    yield url
    shutdown_pools()
    server.cleanup()


@pytest.fixture(scope="session")
def service_url(database_url: str) -> str:
    """The service's own login, which provisioning makes: no superuser, owner of nothing."""
    return as_login(database_url, SERVICE_LOGIN)


@pytest.fixture(scope="session")
def directory(database_url: str, service_url: str) -> Iterator[TenantDirectory]:
    """Tenants provisioned on ``database_url`` (a superuser's), served on ``service_url``: every
    test runs the service without an administrator's rights."""
    tenants = TenantDirectory({"main": service_url}, admin_shards={"main": database_url},
                              application_name="partyledger-tests")
    tenants.install()
    yield tenants
    shutdown_pools()


@pytest.fixture
def tenant(directory: TenantDirectory) -> TenantRuntime:
    slug = new_slug()
    directory.create(slug, f"Đảng bộ thử nghiệm {slug}")
    return directory.runtime(slug)


@pytest.fixture
def admin(tenant: TenantRuntime) -> Actor:
    return Actor("admin@" + tenant.tenant.slug, tenant.tenant.slug, frozenset({Role.TENANT_ADMIN}))


@pytest.fixture
def cell_id(tenant: TenantRuntime, admin: Actor) -> uuid.UUID:
    """A province with one grassroots cell under it."""
    with recorded_by(Provenance.system(admin.subject)):
        root = tenant.register.found_organization(
            admin, name="Đảng bộ tỉnh", kind=OrganizationKind.PROVINCIAL_ORGANIZATION,
            parent_id=None, effective_on=date(2020, 1, 1), decision=None,
        )
        cell = tenant.register.found_organization(
            admin, name="Chi bộ Thôn Đông", kind=OrganizationKind.GRASSROOTS_CELL,
            parent_id=root.subject_id, effective_on=date(2020, 1, 1), decision=None,
        )
    return cell.subject_id

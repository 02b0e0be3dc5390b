"""Record the tenant the fault suite writes into: one grassroots cell per writer, and one official
member to introduce applicants. Run as a process of its own, so that no pool of the test process
stays connected to the server the test crashes:

    python seed_tenant.py ADMIN_URL SERVICE_URL SLUG CELLS

provisions the tenant as the administrator (``ADMIN_URL``), records through the services as the
service's login, and prints the ids as JSON.
"""

from __future__ import annotations

import json
import sys
from datetime import date

from partyledger.domain.organization import OrganizationKind
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.infra.shards import shutdown_pools
from partyledger.infra.tenants import TenantDirectory
from partyledger.services.access import Actor, Role

VILLAGES = ("Thôn Đông", "Thôn Tây", "Thôn Nam", "Thôn Bắc", "Xóm Chùa", "Xóm Bến", "Xóm Giữa",
            "Xóm Đình", "Thôn Thượng", "Thôn Hạ", "Thôn Trung", "Xóm Mới")


def seed(admin_url: str, service_url: str, slug: str, cells: int) -> dict[str, object]:
    directory = TenantDirectory({"main": service_url}, admin_shards={"main": admin_url},
                                application_name="partyledger-fault-seed")
    directory.install()
    directory.create(slug, f"Đảng bộ thử nghiệm {slug}")
    runtime = directory.runtime(slug)
    admin = Actor("admin@" + slug, slug, frozenset({Role.TENANT_ADMIN}))
    register = runtime.register
    with recorded_by(Provenance.system(admin.subject)):
        province = register.found_organization(
            admin, name="Đảng bộ tỉnh", kind=OrganizationKind.PROVINCIAL_ORGANIZATION,
            parent_id=None, effective_on=date(2010, 1, 1), decision=None).subject_id
        founded = [register.found_organization(
            admin, name=f"Chi bộ {village}", kind=OrganizationKind.GRASSROOTS_CELL,
            parent_id=province, effective_on=date(2010, 1, 1), decision=None).subject_id
            for village in VILLAGES[:cells]]
        introducer = register.enroll_member(
            admin, full_name="Trần Văn Bảo", birth_date=date(1970, 5, 1), cell_id=founded[0],
            admitted_on=date(1998, 3, 2), ceremony_on=date(1998, 3, 20),
            recognized_on=date(1999, 4, 1)).subject_id
    return {"slug": slug, "schema": runtime.tenant.schema_name,
            "cells": [str(c) for c in founded], "introducer": str(introducer)}


if __name__ == "__main__":
    admin_url, service_url, slug, cells = sys.argv[1:]
    try:
        print(json.dumps(seed(admin_url, service_url, slug, int(cells))))
    finally:
        shutdown_pools()

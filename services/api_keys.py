"""Partner keys of a tenant: issued, listed and revoked by its administrators, and the tenant's
minimum cell size below which partners see no count.

Keys live outside the tenant's log (in the ``control`` schema, stored hashed); this book is the
one way to change them, so every change is checked here and recorded with who made it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from opentelemetry import trace

from partyledger.domain.errors import DomainError
from partyledger.services.access import AccessDeniedError, Actor, Role

log = logging.getLogger(__name__)
_tracer = trace.get_tracer("partyledger.services")

LABEL_MAX = 100
CELL_SIZE_RANGE = range(1, 101)


class PartnerKeyNotFoundError(DomainError):
    code = "PARTNER_KEY_NOT_FOUND"


class PartnerKeyLabelInvalidError(DomainError):
    code = "PARTNER_KEY_LABEL_INVALID"


class MinimumCellSizeOutOfRangeError(DomainError):
    code = "MINIMUM_CELL_SIZE_OUT_OF_RANGE"


@dataclass(frozen=True)
class PartnerKey:
    """What is known of a key once issued: never its secret."""

    key_id: str
    tenant: str
    label: str
    issued_by: str
    issued_at: datetime
    revoked_by: str | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None

    @property
    def prefix(self) -> str:
        """The key's public part, ``pl_<id>``: how a key is recognised in logs and lists."""
        return f"pl_{self.key_id}"


@dataclass(frozen=True)
class IssuedPartnerKey:
    """A key just issued; ``secret`` (the whole key) is shown this once, ``None`` on a replay."""

    key: PartnerKey
    secret: str | None


class PartnerKeyStore(Protocol):
    """Where keys are kept (infra): hashing, the table, the record of changes."""

    def issue(self, tenant: str, *, label: str, issued_by: str,
              idempotency_key: str | None) -> IssuedPartnerKey: ...

    def keys(self, tenant: str, *, include_revoked: bool) -> list[PartnerKey]: ...

    def revoke(self, tenant: str, key_id: str, *, revoked_by: str) -> PartnerKey | None: ...

    def minimum_cell_size(self, tenant: str) -> int | None: ...

    def set_minimum_cell_size(self, tenant: str, size: int, *, set_by: str) -> None: ...


class PartnerKeyBook:
    """One tenant's partner keys and disclosure policy, as its administrators manage them."""

    def __init__(self, store: PartnerKeyStore, tenant: str, *, default_minimum_cell_size: int) -> None:
        self.store = store
        self.tenant = tenant
        self.default_minimum_cell_size = default_minimum_cell_size

    def issue_partner_key(self, actor: Actor, *, label: str,
                          idempotency_key: str | None = None) -> IssuedPartnerKey:
        """Issue a read-only key for a partner's dashboard (statistics and aggregates only)."""
        self._administrator(actor)
        label = label.strip()
        if not 0 < len(label) <= LABEL_MAX:
            raise PartnerKeyLabelInvalidError(f"a label of 1 to {LABEL_MAX} characters names "
                                              "whom the key is for", field="label")
        with _tracer.start_as_current_span("partner_key.issue", attributes={"tenant.id": self.tenant}):
            issued = self.store.issue(self.tenant, label=label, issued_by=actor.subject,
                                      idempotency_key=idempotency_key)
        log.info("partner key %s issued in %s by %s", issued.key.prefix, self.tenant, actor.subject)
        return issued

    def partner_keys(self, actor: Actor, *, include_revoked: bool = False) -> list[PartnerKey]:
        """The tenant's keys, newest first; revoked ones only when asked for."""
        self._administrator(actor)
        return self.store.keys(self.tenant, include_revoked=include_revoked)

    def revoke_partner_key(self, actor: Actor, *, key_id: str) -> PartnerKey:
        """Revoke a key: from now on it authenticates nothing. Revoking twice changes nothing."""
        self._administrator(actor)
        with _tracer.start_as_current_span("partner_key.revoke", attributes={"tenant.id": self.tenant}):
            revoked = self.store.revoke(self.tenant, key_id, revoked_by=actor.subject)
        if revoked is None:
            raise PartnerKeyNotFoundError(f"no partner key {key_id} in this tenant", field="keyId")
        log.info("partner key %s revoked in %s by %s", revoked.prefix, self.tenant, actor.subject)
        return revoked

    def minimum_cell_size(self, actor: Actor) -> int:
        """Counts below this are withheld from partner keys (the tenant's, or the default)."""
        self._in_tenant(actor)
        return self.store.minimum_cell_size(self.tenant) or self.default_minimum_cell_size

    def set_minimum_cell_size(self, actor: Actor, *, size: int) -> int:
        """Set the tenant's minimum cell size (1 shows every count)."""
        self._administrator(actor)
        if size not in CELL_SIZE_RANGE:
            msg = f"between {CELL_SIZE_RANGE.start} and {CELL_SIZE_RANGE.stop - 1}"
            raise MinimumCellSizeOutOfRangeError(msg, field="minimumCellSize")
        self.store.set_minimum_cell_size(self.tenant, size, set_by=actor.subject)
        log.info("minimum cell size of %s set to %d by %s", self.tenant, size, actor.subject)
        return size

    def _in_tenant(self, actor: Actor) -> None:
        if actor.tenant != self.tenant:
            raise AccessDeniedError("these credentials belong to another tenant")

    def _administrator(self, actor: Actor) -> None:
        self._in_tenant(actor)
        actor.require(Role.TENANT_ADMIN)

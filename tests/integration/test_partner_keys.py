"""Partner keys: issued and revoked by a tenant's administrators, stored only as a salted HMAC,
authenticating a partner of their own tenant until revoked; every change is in the key audit."""

from __future__ import annotations

import hashlib
import hmac

import psycopg.errors
import pytest

from partyledger.domain.errors import IdempotencyKeyReusedError
from partyledger.infra.api_keys import ApiKeyStore
from partyledger.infra.auth import AuthenticationError
from partyledger.infra.tenants import TenantDirectory, TenantRuntime
from partyledger.services.access import AccessDeniedError, Actor, Role
from partyledger.services.api_keys import (
    MinimumCellSizeOutOfRangeError,
    PartnerKeyBook,
    PartnerKeyLabelInvalidError,
    PartnerKeyNotFoundError,
)
from support import new_slug

PEPPER = "integration-test-pepper"


@pytest.fixture
def store(directory: TenantDirectory) -> ApiKeyStore:
    keys = ApiKeyStore(directory.pool(directory.control_shard), pepper=PEPPER)
    keys.install()
    return keys


@pytest.fixture
def book(store: ApiKeyStore, tenant: TenantRuntime) -> PartnerKeyBook:
    return PartnerKeyBook(store, tenant.tenant.slug, default_minimum_cell_size=5)


@pytest.fixture
def other_book(store: ApiKeyStore, directory: TenantDirectory) -> PartnerKeyBook:
    slug = new_slug()
    directory.create(slug, "Đảng bộ tỉnh bên cạnh")
    return PartnerKeyBook(store, slug, default_minimum_cell_size=5)


def actor(book: PartnerKeyBook, *roles: Role) -> Actor:
    return Actor(f"{roles[0].value.lower()}@{book.tenant}", book.tenant, frozenset(roles))


def test_an_issued_key_authenticates_a_partner_of_its_own_tenant(
    store: ApiKeyStore, book: PartnerKeyBook,
) -> None:
    issued = book.issue_partner_key(actor(book, Role.TENANT_ADMIN), label="  Dashboard of the board ")
    assert issued.secret is not None and issued.secret.startswith(f"pl_{issued.key.key_id}_")
    assert issued.key.label == "Dashboard of the board"
    assert issued.key.issued_by == f"tenant_admin@{book.tenant}"
    partner = store.actor(issued.secret)
    assert partner == Actor(f"partner-key:{issued.key.key_id}", book.tenant, frozenset({Role.PARTNER}))
    assert not partner.reads_personal_data


def test_the_secret_is_stored_only_as_a_salted_hmac_under_the_pepper(
    store: ApiKeyStore, book: PartnerKeyBook,
) -> None:
    issued = book.issue_partner_key(actor(book, Role.TENANT_ADMIN), label="Dashboard")
    assert issued.secret is not None
    secret = issued.secret.split("_", 2)[2]
    with store.pool.connection() as conn:
        row = conn.execute("SELECT * FROM control.api_keys WHERE key_id = %s",
                           (issued.key.key_id,)).fetchone()
    assert row is not None
    assert secret not in repr(row) and secret.encode() not in bytes(row["digest"])
    expected = hmac.new(PEPPER.encode(), bytes(row["salt"]) + secret.encode(), hashlib.sha256)
    assert bytes(row["digest"]) == expected.digest()
    with pytest.raises(AuthenticationError):  # the table alone does not let anyone in
        ApiKeyStore(store.pool, pepper="another pepper").actor(issued.secret)


def test_a_revoked_key_authenticates_nothing_and_revoking_twice_changes_nothing(
    store: ApiKeyStore, book: PartnerKeyBook,
) -> None:
    admin = actor(book, Role.TENANT_ADMIN)
    issued = book.issue_partner_key(admin, label="Dashboard")
    assert issued.secret is not None
    revoked = book.revoke_partner_key(admin, key_id=issued.key.key_id)
    assert revoked.revoked_by == admin.subject and revoked.revoked_at is not None
    with pytest.raises(AuthenticationError):
        store.actor(issued.secret)
    again = book.revoke_partner_key(Actor("later@x", book.tenant, frozenset({Role.TENANT_ADMIN})),
                                    key_id=issued.key.key_id)
    assert (again.revoked_by, again.revoked_at) == (revoked.revoked_by, revoked.revoked_at)
    assert book.partner_keys(admin) == []
    assert [k.key_id for k in book.partner_keys(admin, include_revoked=True)] == [issued.key.key_id]


@pytest.mark.parametrize("presented", [
    "", "pl_", "Bearer x", "pl_0123456789abcdef_short", "pl_0123456789abcdef_" + "A" * 43,
    "pl_0123456789ABCDEF_" + "A" * 43, "x" * 5000,
])
def test_malformed_and_unknown_keys_authenticate_nothing(store: ApiKeyStore, presented: str) -> None:
    with pytest.raises(AuthenticationError):
        store.actor(presented)


def test_a_tampered_secret_authenticates_nothing(store: ApiKeyStore, book: PartnerKeyBook) -> None:
    issued = book.issue_partner_key(actor(book, Role.TENANT_ADMIN), label="Dashboard")
    assert issued.secret is not None
    last = issued.secret[-1]
    with pytest.raises(AuthenticationError):
        store.actor(issued.secret[:-1] + ("A" if last != "A" else "B"))


@pytest.mark.parametrize("role", [Role.OFFICER, Role.INSPECTOR, Role.PARTNER])
def test_only_tenant_administrators_manage_keys_and_the_policy(book: PartnerKeyBook, role: Role) -> None:
    someone = actor(book, role)
    with pytest.raises(AccessDeniedError):
        book.issue_partner_key(someone, label="Dashboard")
    with pytest.raises(AccessDeniedError):
        book.partner_keys(someone)
    with pytest.raises(AccessDeniedError):
        book.revoke_partner_key(someone, key_id="0123456789abcdef")
    with pytest.raises(AccessDeniedError):
        book.set_minimum_cell_size(someone, size=1)
    assert book.minimum_cell_size(someone) == 5  # what partners may see is no secret


def test_an_administrator_neither_sees_nor_revokes_another_tenants_keys(
    store: ApiKeyStore, book: PartnerKeyBook, other_book: PartnerKeyBook,
) -> None:
    theirs = other_book.issue_partner_key(actor(other_book, Role.TENANT_ADMIN), label="Theirs")
    assert theirs.secret is not None
    admin = actor(book, Role.TENANT_ADMIN)
    assert book.partner_keys(admin, include_revoked=True) == []
    with pytest.raises(PartnerKeyNotFoundError) as refused:
        book.revoke_partner_key(admin, key_id=theirs.key.key_id)
    assert "Theirs" not in str(refused.value) and other_book.tenant not in str(refused.value)
    with pytest.raises(AccessDeniedError):  # credentials of another tenant, whatever their role
        other_book.partner_keys(admin)
    assert store.actor(theirs.secret).tenant == other_book.tenant


def test_a_retried_issue_returns_the_first_key_without_its_secret(book: PartnerKeyBook) -> None:
    admin = actor(book, Role.TENANT_ADMIN)
    first = book.issue_partner_key(admin, label="Dashboard", idempotency_key="k-1")
    again = book.issue_partner_key(admin, label="Dashboard", idempotency_key="k-1")
    assert again.key == first.key and first.secret is not None and again.secret is None
    with pytest.raises(IdempotencyKeyReusedError):
        book.issue_partner_key(admin, label="Another dashboard", idempotency_key="k-1")
    assert len(book.partner_keys(admin)) == 1


def test_an_idempotency_key_is_its_senders_own(book: PartnerKeyBook) -> None:
    """A second administrator using the same key issues a key of their own and learns nothing
    of the first one's (receipts are keyed by sender, as for commands)."""
    first_admin = actor(book, Role.TENANT_ADMIN)
    second_admin = Actor(f"second-admin@{book.tenant}", book.tenant,
                         frozenset({Role.TENANT_ADMIN}))
    first = book.issue_partner_key(first_admin, label="Dashboard", idempotency_key="k-1")
    second = book.issue_partner_key(second_admin, label="Other dashboard", idempotency_key="k-1")
    assert second.secret is not None and second.key.key_id != first.key.key_id
    assert second.key.issued_by == second_admin.subject
    again = book.issue_partner_key(second_admin, label="Other dashboard", idempotency_key="k-1")
    assert again.key == second.key and again.secret is None
    assert len(book.partner_keys(first_admin)) == 2


def test_a_label_names_whom_the_key_is_for(book: PartnerKeyBook) -> None:
    for label in ("", "   ", "x" * 101):
        with pytest.raises(PartnerKeyLabelInvalidError):
            book.issue_partner_key(actor(book, Role.TENANT_ADMIN), label=label)


def test_issues_revocations_and_policy_changes_are_in_the_append_only_key_audit(
    store: ApiKeyStore, book: PartnerKeyBook,
) -> None:
    admin = actor(book, Role.TENANT_ADMIN)
    issued = book.issue_partner_key(admin, label="Dashboard")
    book.revoke_partner_key(admin, key_id=issued.key.key_id)
    book.revoke_partner_key(admin, key_id=issued.key.key_id)
    book.set_minimum_cell_size(admin, size=3)
    with store.pool.connection() as conn:
        rows = conn.execute("SELECT action, key_id, actor, detail FROM control.api_key_audit"
                            " WHERE tenant = %s ORDER BY id", (book.tenant,)).fetchall()
        assert [(r["action"], r["key_id"], r["actor"]) for r in rows] == [
            ("ISSUED", issued.key.key_id, admin.subject), ("REVOKED", issued.key.key_id, admin.subject),
            ("MINIMUM_CELL_SIZE_SET", None, admin.subject)]
        for change in ("UPDATE control.api_key_audit SET actor = 'someone else'",
                       "DELETE FROM control.api_key_audit"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege), conn.transaction():
                conn.execute(change)


def test_the_minimum_cell_size_is_the_default_until_the_tenant_sets_its_own(book: PartnerKeyBook) -> None:
    admin = actor(book, Role.TENANT_ADMIN)
    assert book.minimum_cell_size(admin) == 5
    assert book.set_minimum_cell_size(admin, size=10) == 10
    assert book.minimum_cell_size(actor(book, Role.PARTNER)) == 10
    for size in (0, -1, 101):
        with pytest.raises(MinimumCellSizeOutOfRangeError):
            book.set_minimum_cell_size(admin, size=size)
    assert book.minimum_cell_size(admin) == 10

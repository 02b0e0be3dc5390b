"""Access control in GraphQL: partner keys and the read audit for tenant administrators, and the
field guards that note members' personal fields read and keep partner keys to aggregates.

The request context (built in infra) carries ``partner_keys`` (the tenant's ``PartnerKeyBook``),
``read_audit_log`` (the tenant's read audit) and ``read_audit`` (this request's trail, or
``None`` when the caller's reads are not audited).
"""

import copy
import datetime
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Annotated, Any, Protocol, TypeVar
from uuid import UUID

import anyio.to_thread
import strawberry
from strawberry import relay
from strawberry.extensions import FieldExtension
from strawberry.types import Info
from strawberry.utils.await_maybe import await_maybe
from strawberry.utils.str_converters import to_camel_case

from partyledger.domain.errors import DomainError
from partyledger.graphql.context import ledger
from partyledger.graphql.contracts import IdempotencyKeyText, IdentifierText, checked_input
from partyledger.graphql.errors import BadInputError, UserError
from partyledger.graphql.ids import (
    cursor_number, decode_cursor, encode_cursor, to_global_id, uuid_of,
)
from partyledger.services.access import AccessDeniedError
from partyledger.services.api_keys import PartnerKey as KeyRecord
from partyledger.services.api_keys import PartnerKeyBook

if TYPE_CHECKING:
    from partyledger.graphql.members import PageInfo

T = TypeVar("T")
MAX_PAGE = 100


# -- what the request context provides ----------------------------------------------------------

class ReadTrail(Protocol):
    def saw(self, member_id: UUID, field: str) -> None: ...


class AuditPage(Protocol):
    entries: list[Any]  # each with id, at, subject, roles, member_id, fields
    has_next: bool
    total_count: int


class ReadAuditReader(Protocol):
    def entries(self, actor: Any, *, member_id: UUID | None, first: int,
                before: int | None) -> AuditPage: ...


def partner_keys(info: Info[Any, Any]) -> PartnerKeyBook:
    book: PartnerKeyBook = info.context["partner_keys"]
    return book


async def minimum_cell_size(info: Info[Any, Any]) -> int:
    """The tenant's minimum cell size, read once per request."""
    found: int | None = info.context.get("minimum_cell_size")
    if found is None:
        book, actor = partner_keys(info), ledger(info).actor
        found = info.context["minimum_cell_size"] = await anyio.to_thread.run_sync(
            book.minimum_cell_size, actor)
    return found


# -- field guards -------------------------------------------------------------------------------

class ReadAudited(FieldExtension):
    """Notes each personal field resolved on a member in the request's read trail, once read."""

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info[Any, Any], **kwargs: Any) -> Any:
        result = next_(source, info, **kwargs)
        _note(source, info)
        return result

    async def resolve_async(self, next_: Callable[..., Any], source: Any, info: Info[Any, Any],
                            **kwargs: Any) -> Any:
        result = await await_maybe(next_(source, info, **kwargs))
        _note(source, info)
        return result


def _note(source: Any, info: Info[Any, Any]) -> None:
    trail: ReadTrail | None = info.context.get("read_audit")
    if trail is not None:
        trail.saw(UUID(source.member_id), info.field_name)


class PartnersRefused(FieldExtension):
    """A field partner keys may not read: they see the tree and suppressed counts only."""

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info[Any, Any], **kwargs: Any) -> Any:
        _refuse_partners(info)
        return next_(source, info, **kwargs)

    async def resolve_async(self, next_: Callable[..., Any], source: Any, info: Info[Any, Any],
                            **kwargs: Any) -> Any:
        _refuse_partners(info)
        return await await_maybe(next_(source, info, **kwargs))


def _refuse_partners(info: Info[Any, Any]) -> None:
    if not ledger(info).actor.reads_personal_data:
        raise AccessDeniedError(f"partner keys do not read `{info.field_name}`; they read the "
                                "organisation tree and `memberTally`")


def guard_fields(cls: type, extension: Callable[[], FieldExtension], *, except_: Collection[str]) -> None:
    """Give every field of a strawberry type but ``except_`` (GraphQL names) the extension, the
    fields its mixins bring included, and any field added later: allow-listing, not deny-listing."""
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    guarded = []
    for field in definition.fields:
        if (field.graphql_name or to_camel_case(field.python_name)) in except_:
            guarded.append(field)
            continue
        own = copy.copy(field)
        own.extensions = [*field.extensions, extension()]
        guarded.append(own)
    definition.fields = guarded


# -- the types ----------------------------------------------------------------------------------

@strawberry.type(description="A partner key as kept once issued: never its secret.")
class PartnerKey:
    key_id: str
    prefix: str = strawberry.field(description="`pl_<keyId>`, the key's public part: how it "
                                   "is recognised in lists and logs.")
    label: str = strawberry.field(description="Whom or what the key was issued for.")
    issued_by: str
    issued_at: datetime.datetime
    revoked_by: str | None
    revoked_at: datetime.datetime | None
    last_used_at: datetime.datetime | None = strawberry.field(
        description="When it last authenticated a request (noted at most once a minute).")

    @classmethod
    def of(cls, key: KeyRecord) -> "PartnerKey":
        return cls(key_id=key.key_id, prefix=key.prefix, label=key.label, issued_by=key.issued_by,
                   issued_at=key.issued_at, revoked_by=key.revoked_by, revoked_at=key.revoked_at,
                   last_used_at=key.last_used_at)


@checked_input
class IssuePartnerKeyInput:
    label: str = strawberry.field(description="Whom or what the key is for, e.g. a dashboard.")
    idempotency_key: IdempotencyKeyText | None = None


@strawberry.type
class IssuePartnerKeyPayload:
    partner_key: PartnerKey | None
    secret: str | None = strawberry.field(description="The whole key, `pl_<keyId>_<secret>`, to "
                                          "send as `X-Api-Key`: in this answer only (null on a "
                                          "retry with the same idempotencyKey); it is not stored.")
    user_errors: list[UserError]


@checked_input
class RevokePartnerKeyInput:
    key_id: IdentifierText
    idempotency_key: IdempotencyKeyText | None = None


@strawberry.type
class RevokePartnerKeyPayload:
    partner_key: PartnerKey | None
    user_errors: list[UserError]


@strawberry.type(description="What partner keys of the tenant may see.")
class PartnerPolicy:
    minimum_cell_size: int = strawberry.field(
        description="Counts below this are suppressed (null) for partner keys.")


@checked_input
class SetPartnerPolicyInput:
    minimum_cell_size: int = strawberry.field(description="From 1 (every count shown) to 100.")
    idempotency_key: IdempotencyKeyText | None = None


@strawberry.type
class PartnerPolicyPayload:
    partner_policy: PartnerPolicy | None
    user_errors: list[UserError]


@strawberry.type(description="A read of a member's personal data by an officer or an inspector.")
class ReadAuditEntry:
    at: datetime.datetime
    subject: str = strawberry.field(description="Who read (the credentials' subject).")
    roles: list[str]
    member_id: relay.GlobalID = strawberry.field(description="Whose data was read.")
    fields: list[str] = strawberry.field(description="Which fields of the member were read.")


@strawberry.type
class ReadAuditEdge:
    cursor: str
    node: ReadAuditEntry


@strawberry.type
class ReadAuditConnection:
    edges: list[ReadAuditEdge]
    page_info: Annotated["PageInfo", strawberry.lazy("partyledger.graphql.members")]
    total_count: int


# -- queries and mutations ----------------------------------------------------------------------

async def _kept(info: Info[Any, Any], change: Callable[[PartnerKeyBook, Any], T]) -> tuple[T | None, list[UserError]]:
    book, actor = partner_keys(info), ledger(info).actor
    try:
        return await anyio.to_thread.run_sync(change, book, actor), []
    except DomainError as error:
        return None, [UserError.from_domain(error)]


@strawberry.type
class SecurityQuery:
    @strawberry.field(description="The tenant's partner keys, newest first (tenant administrators).")
    async def partner_keys(self, info: Info[Any, Any], include_revoked: bool = False) -> list[PartnerKey]:
        book, actor = partner_keys(info), ledger(info).actor
        keys = await anyio.to_thread.run_sync(
            lambda: book.partner_keys(actor, include_revoked=include_revoked))
        return [PartnerKey.of(k) for k in keys]

    @strawberry.field(description="What partner keys of the tenant may see.")
    async def partner_policy(self, info: Info[Any, Any]) -> PartnerPolicy:
        return PartnerPolicy(minimum_cell_size=await minimum_cell_size(info))

    @strawberry.field(description="Reads of members' personal data by officers and inspectors, "
                      "newest first, optionally of one member (tenant administrators).")
    async def read_audit(
        self, info: Info[Any, Any], member_id: relay.GlobalID | None = None, first: int = 20,
        after: str | None = None,
    ) -> ReadAuditConnection:
        from partyledger.graphql.members import PageInfo  # noqa: PLC0415 (it imports this module)

        if not 0 <= first <= MAX_PAGE:
            raise BadInputError(f"first: between 0 and {MAX_PAGE}")
        member = uuid_of(member_id, "Member", "memberId") if member_id else None
        before = _entry_id(after) if after else None
        log: ReadAuditReader = info.context["read_audit_log"]
        actor = ledger(info).actor
        page = await anyio.to_thread.run_sync(
            lambda: log.entries(actor, member_id=member, first=first, before=before))
        edges = [ReadAuditEdge(cursor=encode_cursor(e.id), node=ReadAuditEntry(
            at=e.at, subject=e.subject, roles=list(e.roles), member_id=to_global_id("Member", e.member_id),
            fields=list(e.fields))) for e in page.entries]
        return ReadAuditConnection(edges=edges, total_count=page.total_count, page_info=PageInfo(
            has_next_page=page.has_next, has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None))


def _entry_id(cursor: str) -> int:
    return cursor_number(decode_cursor(cursor, 1)[0])


@strawberry.type
class SecurityMutation:
    @strawberry.mutation(description="Issue a read-only partner key: statistics and aggregates, no "
                         "personal field (tenant administrators). The secret is shown once.")
    async def issue_partner_key(self, info: Info[Any, Any], input: IssuePartnerKeyInput) -> IssuePartnerKeyPayload:
        issued, errors = await _kept(info, lambda book, actor: book.issue_partner_key(
            actor, label=input.label, idempotency_key=input.idempotency_key))
        if issued is None:
            return IssuePartnerKeyPayload(partner_key=None, secret=None, user_errors=errors)
        return IssuePartnerKeyPayload(partner_key=PartnerKey.of(issued.key), secret=issued.secret,
                                      user_errors=[])

    @strawberry.mutation(description="Revoke a partner key at once (tenant administrators). To rotate: "
                         "issue the new key, move the dashboard to it, then revoke the old one.")
    async def revoke_partner_key(self, info: Info[Any, Any], input: RevokePartnerKeyInput) -> RevokePartnerKeyPayload:
        revoked, errors = await _kept(info, lambda book, actor: book.revoke_partner_key(
            actor, key_id=input.key_id))
        return RevokePartnerKeyPayload(partner_key=PartnerKey.of(revoked) if revoked else None,
                                       user_errors=errors)

    @strawberry.mutation(description="Set the minimum cell size below which partner keys see no "
                         "count (tenant administrators).")
    async def set_partner_policy(self, info: Info[Any, Any], input: SetPartnerPolicyInput) -> PartnerPolicyPayload:
        size, errors = await _kept(info, lambda book, actor: book.set_minimum_cell_size(
            actor, size=input.minimum_cell_size))
        if size is None:
            return PartnerPolicyPayload(partner_policy=None, user_errors=errors)
        info.context["minimum_cell_size"] = size
        return PartnerPolicyPayload(partner_policy=PartnerPolicy(minimum_cell_size=size), user_errors=[])

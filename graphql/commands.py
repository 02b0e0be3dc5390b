"""Running a command from a mutation: provenance and idempotency key applied, rules translated."""

import datetime
from collections.abc import Callable
from typing import Any

import anyio.to_thread
import strawberry
from strawberry.types import Info

from partyledger.domain.decision import Decision
from partyledger.domain.errors import DomainError
from partyledger.domain.provenance import idempotency_key, recorded_by
from partyledger.graphql.context import Ledger, ledger
from partyledger.graphql.contracts import AuthorityText, DecisionNumberText, checked_input
from partyledger.graphql.errors import UserError
from partyledger.services.register import Outcome


@checked_input(description="The decision document the change rests on.")
class DecisionInput:
    number: DecisionNumberText = strawberry.field(description="Document number, e.g. 125-QĐ/HU.")
    date: datetime.date
    authority: AuthorityText = strawberry.field(
        description="Issuing body, e.g. Ban Thường vụ Huyện ủy.")

    def to_domain(self) -> Decision:
        try:
            return Decision(self.number, self.date, self.authority)
        except ValueError as error:
            raise DomainError(str(error), field="decision") from None


@strawberry.type(description="The decision document a change rests on.")
class DecisionRecord:
    number: str
    date: datetime.date
    authority: str

    @classmethod
    def of(cls, decision: Decision | None) -> "DecisionRecord | None":
        return cls(number=decision.number, date=decision.date, authority=decision.authority) if decision else None


async def run_command(
    info: Info[Any, Any], key: str | None, command: Callable[[Ledger], Outcome]
) -> tuple[Outcome | None, list[UserError]]:
    """Run ``command`` in a worker thread under the request's provenance.

    A broken rule comes back as userErrors (nothing was written); access and unexpected errors
    propagate to the error extension.
    """
    context = ledger(info)

    def work() -> Outcome:
        with recorded_by(context.provenance), idempotency_key(key):
            return command(context)

    try:
        return await anyio.to_thread.run_sync(work), []
    except DomainError as error:
        return None, [UserError.from_domain(error)]


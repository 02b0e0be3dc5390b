"""Party card numbers, unique within a tenant: a reservation with a deterministic id."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import event

from partyledger.domain.aggregate import RegisterAggregate
from partyledger.domain.errors import PartyCardNumberTakenError

_NAMESPACE = uuid5(NAMESPACE_URL, "urn:partyledger:party-card-number")


class PartyCardNumber(RegisterAggregate):
    class Reserved(RegisterAggregate.Created):
        number: str
        member_id: UUID

    @event(Reserved)
    def __init__(self, *, number: str, member_id: UUID) -> None:
        self.number = number
        self.member_id = member_id

    @classmethod
    def reserve(cls, register: Any, number: str, member_id: UUID) -> PartyCardNumber:
        """Refused when another member holds the number; the event store refuses a race."""
        reservation_id = uuid5(_NAMESPACE, number)
        try:
            holder = register.repository.get(reservation_id)
        except AggregateNotFoundError:
            return cls._create(cls.Reserved, id=reservation_id, number=number, member_id=member_id)
        msg = f"party card number {number} belongs to another member"
        if holder.member_id != member_id:
            raise PartyCardNumberTakenError(msg, field="cardNumber")
        raise PartyCardNumberTakenError(f"party card number {number} is already this member's", field="cardNumber")

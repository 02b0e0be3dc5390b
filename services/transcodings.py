"""How the domain's value objects are stored in event JSON."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder, Transcoding

from partyledger.domain.decision import Decision
from partyledger.domain.member import Introducer, IntroducerKind, MemberStatus
from partyledger.domain.organization import OrganizationKind


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class DecisionAsDict(Transcoding):
    type = Decision
    name = "decision"

    def encode(self, obj: Decision) -> dict[str, str]:
        return {"number": obj.number, "date": obj.date.isoformat(), "authority": obj.authority}

    def decode(self, data: dict[str, str]) -> Decision:
        return Decision(data["number"], date.fromisoformat(data["date"]), data["authority"])


class IntroducerAsDict(Transcoding):
    type = Introducer
    name = "introducer"

    def encode(self, obj: Introducer) -> dict[str, Any]:
        member_id = str(obj.member_id) if obj.member_id else None
        return {"kind": obj.kind.name, "member_id": member_id, "committee": obj.committee_name}

    def decode(self, data: dict[str, Any]) -> Introducer:
        member_id = UUID(data["member_id"]) if data["member_id"] else None
        return Introducer(IntroducerKind[data["kind"]], member_id, data["committee"])


class EnumByName(Transcoding):
    def __init__(self, enum: type[Enum]) -> None:
        self.type = enum
        self.name = f"enum:{enum.__name__}"

    def encode(self, obj: Enum) -> str:
        return obj.name

    def decode(self, data: str) -> Enum:
        return self.type[data]  # type: ignore[no-any-return,misc]


def register_domain_transcodings(transcoder: JSONTranscoder) -> None:
    for transcoding in (DateAsISO(), DecisionAsDict(), IntroducerAsDict()):
        transcoder.register(transcoding)
    for enum in (OrganizationKind, MemberStatus, IntroducerKind):
        transcoder.register(EnumByName(enum))

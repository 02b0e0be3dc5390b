"""How the domain's value objects are stored in event JSON.

Value objects are stored field by field; a field added later with a default loads from older
events without it. Encodings of the first release stay registered by name so its events load.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from datetime import date
from enum import Enum
from typing import Any
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder, Transcoding

from partyledger import domain
from partyledger.domain.decision import Decision
from partyledger.domain.member_state import Introducer, IntroducerKind


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class ValueObjectAsDict(Transcoding):
    def __init__(self, value_type: type[Any]) -> None:
        self.type = value_type
        self.name = f"vo:{value_type.__name__}"

    def encode(self, obj: Any) -> dict[str, Any]:
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**data)


class EnumByName(Transcoding):
    def __init__(self, enum: type[Enum]) -> None:
        self.type = enum
        self.name = f"enum:{enum.__name__}"

    def encode(self, obj: Enum) -> str:
        return obj.name

    def decode(self, data: str) -> Enum:
        return self.type[data]  # type: ignore[no-any-return,misc]


class FirstReleaseDecision(ValueObjectAsDict):
    """Decisions as the first release stored them (dates as plain ISO strings)."""

    def __init__(self) -> None:
        super().__init__(Decision)
        self.name = "decision"

    def decode(self, data: dict[str, Any]) -> Decision:
        return Decision(data["number"], date.fromisoformat(data["date"]), data["authority"])


class FirstReleaseIntroducer(ValueObjectAsDict):
    def __init__(self) -> None:
        super().__init__(Introducer)
        self.name = "introducer"

    def decode(self, data: dict[str, Any]) -> Introducer:
        member_id = UUID(data["member_id"]) if data["member_id"] else None
        return Introducer(IntroducerKind[data["kind"]], member_id, data["committee"])


def _domain_types() -> list[type[Any]]:
    """Every class defined in a domain module: value objects and enums are picked from these."""
    found: dict[str, type[Any]] = {}
    for info in pkgutil.iter_modules(domain.__path__, domain.__name__ + "."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, type) and value.__module__ == module.__name__:
                found[f"{module.__name__}.{value.__qualname__}"] = value
    return list(found.values())


def register_domain_transcodings(transcoder: JSONTranscoder) -> None:
    transcoder.register(DateAsISO())
    for legacy in (FirstReleaseDecision(), FirstReleaseIntroducer()):
        transcoder.register(legacy)  # decoders by name; the encoders are replaced just below
    for kind in _domain_types():
        if issubclass(kind, Enum):
            transcoder.register(EnumByName(kind))
        elif dataclasses.is_dataclass(kind) and not hasattr(kind, "originator_id"):
            transcoder.register(ValueObjectAsDict(kind))

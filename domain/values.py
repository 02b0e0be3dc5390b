"""What the register accepts from outside, declared once: texts by kind, and counts.

Whatever an event stores is stored for good, so every name, document number, label, free text,
identifier and count a command carries passes one of these kinds first. Texts are stored in
Unicode NFC with their spaces collapsed; control and format characters (NUL, C0/C1 controls,
bidirectional overrides, zero-width characters, lone surrogates) are refused, except line breaks
in free text. A refusal is one ``ValueRefusedError`` naming the field and a stable code.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import fields, is_dataclass
from typing import ClassVar

from partyledger.domain.errors import DomainError

BLANK = "BLANK"
TEXT_TOO_LONG = "TEXT_TOO_LONG"
CONTROL_CHARACTER = "CONTROL_CHARACTER"
WHITESPACE_NOT_ALLOWED = "WHITESPACE_NOT_ALLOWED"
NUMBER_OUT_OF_RANGE = "NUMBER_OUT_OF_RANGE"
VOTE_INCONSISTENT = "VOTE_INCONSISTENT"

# Cc controls, Cf format characters (bidi overrides, zero-width joiners, BOM), Cs surrogates,
# and the line and paragraph separators.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_SPACES = re.compile(r"\s+")
# NFC composes at most a few code points into one (e + circumflex + tilde = ễ): anything longer
# than this many times the limit is too long before it is even normalised.
_NFC_SHRINK = 4


class ValueRefusedError(DomainError):
    """A value is not one the register stores; ``code`` says why (e.g. ``TEXT_TOO_LONG``)."""

    code = "VALUE_REFUSED"

    def __init__(self, message: str, *, field: str, code: str) -> None:
        super().__init__(message, field=field)
        self.code = code


class Text:
    """A kind of text: its longest length (in characters, after NFC) and what it may contain.

    Subclasses only set the class variables; ``parse`` returns the text to store.
    """

    what: ClassVar[str] = "text"
    max_length: ClassVar[int] = 200
    multiline: ClassVar[bool] = False
    spaces: ClassVar[bool] = True
    may_be_blank: ClassVar[bool] = False

    @classmethod
    def parse(cls, raw: str, *, field: str) -> str:
        """The normalised text, or a ``ValueRefusedError`` for ``field``."""
        if len(raw) > cls.max_length * _NFC_SHRINK:
            raise cls._too_long(field)
        text = unicodedata.normalize("NFC", raw)
        if cls.multiline:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        cls._refuse_controls(text, field)
        text = cls._collapse(text)
        if not text and not cls.may_be_blank:
            raise ValueRefusedError(f"{field}: the {cls.what} is blank", field=field, code=BLANK)
        if len(text) > cls.max_length:
            raise cls._too_long(field)
        return text

    @classmethod
    def parse_optional(cls, raw: str | None, *, field: str) -> str | None:
        return None if raw is None else cls.parse(raw, field=field)

    @classmethod
    def _refuse_controls(cls, text: str, field: str) -> None:
        for character in text:
            if character == "\n" and cls.multiline:
                continue
            if unicodedata.category(character) in _REFUSED_CATEGORIES:
                msg = f"{field}: the {cls.what} holds a control character (U+{ord(character):04X})"
                raise ValueRefusedError(msg, field=field, code=CONTROL_CHARACTER)
            if not cls.spaces and character.isspace():
                msg = f"{field}: the {cls.what} may not hold spaces"
                raise ValueRefusedError(msg, field=field, code=WHITESPACE_NOT_ALLOWED)

    @classmethod
    def _collapse(cls, text: str) -> str:
        if not cls.multiline:
            return _SPACES.sub(" ", text).strip()
        lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
        return "\n".join(lines).strip("\n")

    @classmethod
    def _too_long(cls, field: str) -> ValueRefusedError:
        msg = f"{field}: the {cls.what} is longer than {cls.max_length} characters"
        return ValueRefusedError(msg, field=field, code=TEXT_TOO_LONG)


class PersonName(Text):
    """A person's full name, e.g. "Nguyễn Văn An"."""

    what = "name"
    max_length = 200


class Label(Text):
    """A short label on one line: an organisation's name, a campaign, a key's label."""

    what = "label"
    max_length = 200


class OptionalLabel(Label):
    """A label that may be left empty (then stored empty), e.g. a search or a caption."""

    may_be_blank = True


class Authority(Label):
    """The body that issued a decision, e.g. "Ban Thường vụ Huyện ủy"."""

    what = "issuing authority"


class DecisionNumber(Text):
    """A document's number, e.g. "125-QĐ/ĐU" (also letters' and cards' numbers)."""

    what = "document number"
    max_length = 64


class FreeText(Text):
    """Reasons and notes: several lines allowed, no other control characters."""

    what = "text"
    max_length = 4000
    multiline = True


class Identifier(Text):
    """An opaque identifier given by a client or this register: printable, no spaces."""

    what = "identifier"
    max_length = 128
    spaces = False


class IdempotencyKey(Identifier):
    """The key a client retries a command under; the same key answers the first result."""

    what = "idempotency key"


def check_recordable(value: object, *, field: str, depth: int = 3) -> None:
    """The last guard before an event is recorded, whatever the entry point (GraphQL, the CLI, a
    generator, an import): no text PostgreSQL cannot hold (a NUL, a lone surrogate) and none
    longer than free text may be, in the value or the value objects it holds."""
    if isinstance(value, str):
        if len(value) > FreeText.max_length:
            raise Text._too_long(field)
        if "\x00" in value or not _encodable(value):
            msg = f"{field}: the text holds a character that cannot be stored"
            raise ValueRefusedError(msg, field=field, code=CONTROL_CHARACTER)
    elif depth and isinstance(value, list | tuple | frozenset | set):
        for item in value:
            check_recordable(item, field=field, depth=depth - 1)
    elif depth and is_dataclass(value) and not isinstance(value, type):
        for part in fields(value):
            check_recordable(getattr(value, part.name), field=field, depth=depth - 1)


def _encodable(text: str) -> bool:
    """Whether ``text`` has a UTF-8 form (a lone surrogate has none)."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


class Count:
    """A number of people, days, points or versions: whole, non-negative and realistic."""

    minimum: ClassVar[int] = 0
    maximum: ClassVar[int] = 1_000_000

    @classmethod
    def parse(cls, raw: int, *, field: str) -> int:
        if isinstance(raw, bool) or not cls.minimum <= raw <= cls.maximum:
            msg = f"{field}: {raw} is not between {cls.minimum} and {cls.maximum}"
            raise ValueRefusedError(msg, field=field, code=NUMBER_OUT_OF_RANGE)
        return raw

    @classmethod
    def parse_optional(cls, raw: int | None, *, field: str) -> int | None:
        return None if raw is None else cls.parse(raw, field=field)


class Year(Count):
    """A calendar year a date can be in."""

    minimum = 1
    maximum = 9999


def check_vote(*, in_favour: int, against: int, present: int, eligible: int,
               field: str = "vote") -> None:
    """A tally adds up: each a count, ``in_favour + against ≤ present ≤ eligible``, and a body
    to vote (``eligible > 0``)."""
    for name, value in (("inFavour", in_favour), ("against", against), ("present", present),
                        ("eligible", eligible)):
        Count.parse(value, field=f"{field}.{name}")
    if not vote_adds_up(in_favour=in_favour, against=against, present=present, eligible=eligible):
        msg = (f"{field}: {in_favour} for and {against} against with {present} present of "
               f"{eligible} eligible do not add up")
        raise ValueRefusedError(msg, field=field, code=VOTE_INCONSISTENT)


def vote_adds_up(*, in_favour: int, against: int, present: int, eligible: int) -> bool:
    """None negative, ``in_favour + against ≤ present ≤ eligible``, and a body that votes."""
    return min(in_favour, against, present, eligible) >= 0 and (
        in_favour + against <= present <= eligible and eligible > 0)

"""Input contracts: every text and whole number of an input passes a kind of ``domain/values``.

An input type is declared with ``@checked_input`` instead of ``@strawberry.input``, and each of
its fields says its kind in its annotation (``full_name: PersonNameText``); a text field that
says none is a ``Label``, a whole number a ``Count``. Strawberry builds every input value through
``from_input`` with its path in the arguments, so the checks run here, once, before any resolver:
a refusal is ``BAD_USER_INPUT`` naming the field (``input.fullName``) and nothing is written; what
passes reaches the resolver normalised (NFC, spaces collapsed), and that is what gets stored.
An input type may add a check across its fields with a ``check_contract(self, field)`` method.
"""

import typing
from collections.abc import Callable, Mapping
from dataclasses import MISSING
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry.types.arguments import InputContext
from strawberry.types.base import StrawberryList, StrawberryOptional

from partyledger.domain import values
from partyledger.domain.values import ValueRefusedError
from partyledger.graphql.errors import BadInputError

PersonNameText = Annotated[str, values.PersonName]
LabelText = Annotated[str, values.Label]
OptionalLabelText = Annotated[str, values.OptionalLabel]
AuthorityText = Annotated[str, values.Authority]
DecisionNumberText = Annotated[str, values.DecisionNumber]
FreeText = Annotated[str, values.FreeText]
IdentifierText = Annotated[str, values.Identifier]
IdempotencyKeyText = Annotated[str, values.IdempotencyKey]
CountInt = Annotated[int, values.Count]

Kind = type[values.Text] | type[values.Count]
T = TypeVar("T", bound=type)


def checked_input(cls: T | None = None, **options: Any) -> Any:
    """``@strawberry.input`` whose values pass their fields' kinds (see the module's doc)."""

    def wrap(given: T) -> T:
        made = strawberry.input(given, **options)
        made.__strawberry_definition__.from_input = _from_input
        return made  # type: ignore[no-any-return]

    return wrap(cls) if cls is not None else wrap


def is_checked(cls: type) -> bool:
    """Whether an input type's values pass through the contracts (a test walks the schema)."""
    return cls.__strawberry_definition__.from_input is _from_input  # type: ignore[attr-defined]


def _from_input(cls: type, value: Mapping[str, Any], context: InputContext) -> Any:
    definition = cls.__strawberry_definition__  # type: ignore[attr-defined]
    kwargs: dict[str, Any] = {
        f.python_name: None for f in definition.fields
        if f.default_value is MISSING and f.default_factory is MISSING
    }
    for field in definition.fields:
        name = context.config.name_converter.from_field(field)
        if name in value:
            converted = context.convert(
                value[name], field.resolve_type(type_definition=definition), name)
            kwargs[field.python_name] = _checked(converted, _kind_of(field), [*context.path, name])
    made = cls(**kwargs)
    check = getattr(made, "check_contract", None)
    if check is not None:
        _refusing(list(context.path), lambda path: check(path))
    return made


def _checked(value: Any, kind: Kind | None, path: list[str | int]) -> Any:
    if kind is None or value is None:
        return value
    if isinstance(value, list):
        return [_checked(item, kind, [*path, index]) for index, item in enumerate(value)]
    if isinstance(value, str) and issubclass(kind, values.Text):
        return _refusing(path, lambda field: kind.parse(value, field=field))
    if isinstance(value, int) and issubclass(kind, values.Count):
        return _refusing(path, lambda field: kind.parse(value, field=field))
    return value


def _refusing(path: list[str | int], parse: Callable[[str], Any]) -> Any:
    try:
        return parse(".".join(str(step) for step in path))
    except ValueRefusedError as error:
        raise BadInputError(error.message, field=path, reason=error.code) from None


def _kind_of(field: Any) -> Kind | None:
    """The kind an input field declares in its annotation, or the default for its type."""
    declared = _declared(field.type_annotation.annotation if field.type_annotation else None)
    if declared is not None:
        return declared
    base = field.type
    while isinstance(base, StrawberryOptional | StrawberryList):
        base = base.of_type
    return values.Label if base is str else values.Count if base is int else None


def _declared(annotation: Any) -> Kind | None:
    if typing.get_origin(annotation) is Annotated:
        return next((m for m in annotation.__metadata__ if _is_kind(m)), None)
    return next((k for k in map(_declared, typing.get_args(annotation)) if k), None)


def _is_kind(candidate: object) -> bool:
    return isinstance(candidate, type) and issubclass(candidate, values.Text | values.Count)

"""The kinds of value the register stores: texts normalised or refused, counts and votes bounded."""

from __future__ import annotations

import unicodedata
import uuid
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partyledger.domain.decision import Decision
from partyledger.domain.errors import DomainError
from partyledger.domain.member import Member
from partyledger.domain.organization import Organization, OrganizationKind
from partyledger.domain.provenance import Provenance, recorded_by
from partyledger.domain.values import (
    Authority, Count, DecisionNumber, FreeText, IdempotencyKey, Label, OptionalLabel, PersonName,
    ValueRefusedError, check_vote,
)
from partyledger.domain.votes import VoteTally

NAME = "Nguyễn Văn Ân"
printable_text = st.text(st.characters(categories=["L", "M", "N", "P", "S", "Zs"]), max_size=60)


def refusal(parse: object, *args: object) -> tuple[str, str | None]:
    with pytest.raises(ValueRefusedError) as refused:
        parse(*args, field="input.fullName")  # type: ignore[operator]
    return refused.value.code, refused.value.field


def test_a_decomposed_name_with_stray_spaces_is_stored_composed_and_collapsed() -> None:
    given_name = unicodedata.normalize("NFD", f"  Nguyễn \u00a0 Văn\u3000Ân ")
    assert PersonName.parse(given_name, field="fullName") == NAME


@given(printable_text)
def test_a_parsed_text_is_nfc_trimmed_single_spaced_and_parses_to_itself(raw: str) -> None:
    try:
        text = PersonName.parse(raw, field="fullName")
    except ValueRefusedError as refused:
        assert refused.code in ("BLANK", "TEXT_TOO_LONG", "CONTROL_CHARACTER")
        return
    assert unicodedata.is_normalized("NFC", text)
    assert text == text.strip() and "  " not in text
    assert PersonName.parse(text, field="fullName") == text


@given(printable_text, st.characters(categories=["Cc", "Cf", "Cs", "Zl", "Zp"]), printable_text)
def test_any_control_or_format_character_in_a_name_is_refused(
    before: str, control: str, after: str,
) -> None:
    assert refusal(PersonName.parse, f"{NAME}{before}{control}{after}") == (
        "CONTROL_CHARACTER", "input.fullName")


@pytest.mark.parametrize("character", ["\u0000", "\u0085", "\u202e", "\u2066", "\u200b",
                                       "\ufeff", "\ud800", "\t", "\n", "\u2028"])
def test_the_characters_seen_in_attacks_are_refused_in_every_kind_of_text(character: str) -> None:
    for kind in (PersonName, Label, Authority, DecisionNumber, IdempotencyKey):
        assert refusal(kind.parse, f"A{character}B")[0] == "CONTROL_CHARACTER"


def test_a_name_is_refused_beyond_its_limit_counted_after_composition() -> None:
    assert PersonName.parse("A" * 200, field="fullName") == "A" * 200
    assert refusal(PersonName.parse, "A" * 201) == ("TEXT_TOO_LONG", "input.fullName")
    composed_100 = unicodedata.normalize("NFD", "ễ" * 100)
    assert len(composed_100) == 300
    assert PersonName.parse(composed_100, field="fullName") == "ễ" * 100
    assert refusal(PersonName.parse, "Nguyễn " * 150_000)[0] == "TEXT_TOO_LONG"


@pytest.mark.parametrize("blank", ["", "   ", "\u00a0\u3000"])
def test_a_blank_name_is_refused_and_an_optional_label_is_kept_empty(blank: str) -> None:
    assert refusal(PersonName.parse, blank)[0] == "BLANK"
    assert OptionalLabel.parse(blank, field="search") == ""


def test_free_text_keeps_its_lines_and_refuses_other_controls() -> None:
    note = FreeText.parse("Quyết định 12-QĐ/TU\r\n  nghỉ   bù \r\n\n", field="reason")
    assert note == "Quyết định 12-QĐ/TU\nnghỉ bù"
    assert refusal(FreeText.parse, "a\tb")[0] == "CONTROL_CHARACTER"
    assert FreeText.parse("x" * 4000, field="reason") == "x" * 4000
    assert refusal(FreeText.parse, "x" * 4001)[0] == "TEXT_TOO_LONG"


def test_a_decision_number_and_an_idempotency_key_have_short_limits() -> None:
    assert DecisionNumber.parse(" 125-QĐ/ĐU ", field="number") == "125-QĐ/ĐU"
    assert refusal(DecisionNumber.parse, "1" * 65)[0] == "TEXT_TOO_LONG"
    assert IdempotencyKey.parse("form-2015-07-24-phuong", field="key") == "form-2015-07-24-phuong"
    assert refusal(IdempotencyKey.parse, "k" * 129)[0] == "TEXT_TOO_LONG"
    assert refusal(IdempotencyKey.parse, "form 12")[0] == "WHITESPACE_NOT_ALLOWED"


@pytest.mark.parametrize("count", [-1, 1_000_001, 2**31 - 1, True])
def test_a_count_outside_what_a_register_could_hold_is_refused(count: int) -> None:
    assert refusal(Count.parse, count)[0] == "NUMBER_OUT_OF_RANGE"
    assert Count.parse(1_000_000, field="n") == 1_000_000


@given(*(st.integers(-2, 12) for _ in range(4)))
def test_a_vote_is_accepted_exactly_when_it_adds_up(
    in_favour: int, against: int, present: int, eligible: int,
) -> None:
    adds_up = (min(in_favour, against, present, eligible) >= 0
               and in_favour + against <= present <= eligible and eligible > 0)
    try:
        check_vote(in_favour=in_favour, against=against, present=present, eligible=eligible,
                   field="input.vote")
    except ValueRefusedError as refused:
        assert not adds_up
        assert refused.code in ("VOTE_INCONSISTENT", "NUMBER_OUT_OF_RANGE")
        assert refused.field is not None and refused.field.startswith("input.vote")
    else:
        assert adds_up


def test_a_stored_tally_beyond_the_bounds_of_a_command_still_loads() -> None:
    huge = 2**31 - 1
    assert VoteTally(huge, 0, huge, huge).in_favour == huge  # decoded from an older event
    with pytest.raises(ValueRefusedError) as refused:
        check_vote(in_favour=huge, against=0, present=huge, eligible=huge)
    assert refused.value.code == "NUMBER_OUT_OF_RANGE"
    with pytest.raises(ValueRefusedError) as inconsistent:
        VoteTally(9, 2, 10, 10)
    assert inconsistent.value.code == "VOTE_INCONSISTENT"


def test_a_refusal_is_a_domain_error_naming_its_field_and_code() -> None:
    with pytest.raises(DomainError) as refused:
        Label.parse("\u0000", field="name")
    assert (refused.value.code, refused.value.field) == ("CONTROL_CHARACTER", "name")
    assert "U+0000" in refused.value.message


def test_a_member_entered_without_graphql_gets_the_same_contract() -> None:
    """The CLI, the synthetic generator and imports create members through the same methods."""
    dates = {"birth_date": date(1970, 5, 1), "cell_id": uuid.uuid4(),
             "admitted_on": date(1998, 3, 2), "ceremony_on": date(1998, 3, 20),
             "recognized_on": None}
    with recorded_by(Provenance.system()):
        member = Member.enroll(full_name=unicodedata.normalize("NFD", f" {NAME}  "), **dates)
        assert member.full_name == NAME
        with pytest.raises(ValueRefusedError) as refused:
            Member.enroll(full_name="Nguyễn\u0000Văn", **dates)
    assert (refused.value.code, refused.value.field) == ("CONTROL_CHARACTER", "fullName")


@pytest.mark.parametrize("number", ["12\u0000-QĐ/TU", "12-QĐ/TU\ud800", "1" * 4001])
def test_no_event_is_recorded_with_a_text_the_database_cannot_hold(number: str) -> None:
    """Whatever a command passes in, a value object included, is checked as the event is made."""
    with recorded_by(Provenance.system()):
        province = Organization.found(
            name="Đảng bộ tỉnh", kind=OrganizationKind.PROVINCIAL_ORGANIZATION, parent=None,
            effective_on=date(2020, 1, 1), decision=None)
        with pytest.raises(ValueRefusedError) as refused:
            province.rename(name="Đảng bộ tỉnh Bắc", effective_on=date(2021, 1, 1),
                            decision=Decision(number, date(2021, 1, 1), "Ban Thường vụ Tỉnh ủy"))
    assert refused.value.field == "decision"
    assert refused.value.code in ("CONTROL_CHARACTER", "TEXT_TOO_LONG")
    assert province.name == "Đảng bộ tỉnh" and len(province.collect_events()) == 1

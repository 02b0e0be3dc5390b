"""Unit tests for the synthetic Vietnamese people generator."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from partyledger.domain.names import fold_name
from partyledger.infra.synthetic_people import PROVINCE_CODES, PeopleGenerator

ADULTS = (date(1940, 1, 1), date(2007, 12, 31))
ACROSS_CENTURIES = (date(1960, 1, 1), date(2012, 12, 31))


def _is_nfc(text: str) -> bool:
    return unicodedata.normalize("NFC", text) == text


def test_same_seed_gives_same_people() -> None:
    first = PeopleGenerator(42).people(500, born_between=ADULTS)
    second = PeopleGenerator(42).people(500, born_between=ADULTS)
    assert first == second
    a, b = PeopleGenerator(7), PeopleGenerator(7)
    assert [a.cell_name() for _ in range(50)] == [b.cell_name() for _ in range(50)]
    assert [a.commune_name() for _ in range(50)] == [b.commune_name() for _ in range(50)]


def test_different_seeds_give_different_people() -> None:
    first = PeopleGenerator(1).people(200, born_between=ADULTS)
    second = PeopleGenerator(2).people(200, born_between=ADULTS)
    assert first != second
    assert len({p.citizen_id for p in first} & {p.citizen_id for p in second}) < 5


def test_birth_dates_fall_within_range() -> None:
    start, end = date(1975, 4, 30), date(1980, 9, 2)
    people = PeopleGenerator(3).people(5000, born_between=(start, end))
    assert all(start <= p.birth_date <= end for p in people)
    assert min(p.birth_date for p in people).year == 1975
    assert max(p.birth_date for p in people).year == 1980
    one_day = date(2000, 2, 29)
    assert PeopleGenerator(3).person(born_between=(one_day, one_day)).birth_date == one_day


def test_invalid_birth_range_is_rejected() -> None:
    gen = PeopleGenerator(0)
    with pytest.raises(ValueError):
        gen.person(born_between=(date(1990, 1, 2), date(1990, 1, 1)))
    with pytest.raises(ValueError):
        gen.people(3, born_between=(date(1899, 12, 31), date(1950, 1, 1)))


def test_citizen_id_follows_cccd_structure() -> None:
    people = PeopleGenerator(11).people(5000, born_between=ACROSS_CENTURIES)
    assert {p.birth_date.year >= 2000 for p in people} == {True, False}
    for p in people:
        cid = p.citizen_id
        assert len(cid) == 12 and cid.isdigit(), cid
        province = p.birthplace.split(", ")[-1]
        assert cid[:3] == PROVINCE_CODES[province]
        century = 0 if p.birth_date.year < 2000 else 2
        assert int(cid[3]) == century + (1 if p.gender == "FEMALE" else 0)
        assert cid[4:6] == f"{p.birth_date.year % 100:02d}"


def test_citizen_ids_are_unique_within_a_generator() -> None:
    people = PeopleGenerator(5).people(20_000, born_between=(date(1990, 1, 1), date(1990, 12, 31)))
    assert len({p.citizen_id for p in people}) == len(people)


def test_province_list_is_the_34_units_after_the_2025_merger() -> None:
    assert len(PROVINCE_CODES) == 34
    assert len(set(PROVINCE_CODES.values())) == 34
    assert PROVINCE_CODES["thành phố Hồ Chí Minh"] == "079"
    assert PROVINCE_CODES["thành phố Huế"] == "046"
    assert PROVINCE_CODES["tỉnh Phú Thọ"] == "025"
    cities = {name for name in PROVINCE_CODES if name.startswith("thành phố ")}
    assert len(cities) == 6
    assert all(name.startswith(("tỉnh ", "thành phố ")) for name in PROVINCE_CODES)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nguyễn Văn Ân", "nguyen van an"),
        ("ĐẶNG THỊ Ửng", "dang thi ung"),
        ("  Trần   Thị\tThu  Hà ", "tran thi thu ha"),
        ("Đỗ Đức Đạt", "do duc dat"),
        ("Huỳnh Thúc Kháng, Quảng Ngãi", "huynh thuc khang, quang ngai"),
        ("", ""),
    ],
)
def test_fold_name_examples(text: str, expected: str) -> None:
    assert fold_name(text) == expected


def test_fold_name_gives_same_result_for_nfd_input() -> None:
    for text in ("Nguyễn Văn Ân", "ĐẶNG THỊ Ửng", "Phạm Thị Hồng Nhung", "Lê Quý Đôn"):
        nfd = unicodedata.normalize("NFD", text)
        assert nfd != text
        assert fold_name(nfd) == fold_name(text)


def test_fold_name_strips_every_vietnamese_vowel_and_tone() -> None:
    bases = {"a": "a", "ă": "a", "â": "a", "e": "e", "ê": "e", "i": "i", "o": "o", "ô": "o",
             "ơ": "o", "u": "u", "ư": "u", "y": "y"}
    tones = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")  # huyền sắc ngã hỏi nặng
    for base, plain in bases.items():
        for tone in tones:
            syllable = unicodedata.normalize("NFC", base + tone)
            assert fold_name(syllable) == plain, syllable
            assert fold_name(syllable.upper()) == plain, syllable.upper()
    assert fold_name("đĐ") == "dd"


def test_names_have_at_least_three_words_and_are_nfc() -> None:
    gen = PeopleGenerator(9)
    people = gen.people(5000, born_between=ADULTS)
    for p in people:
        assert len(p.full_name.split()) >= 3, p.full_name
        assert all(_is_nfc(s) for s in (p.full_name, p.birthplace, p.occupation)), p
        assert p.gender in ("MALE", "FEMALE")
        assert p.birthplace.startswith(("xã ", "phường "))
    assert any(len(p.full_name.split()) == 4 for p in people)
    assert len({p.full_name.split()[-1] for p in people}) >= 100  # male + female given names


def test_share_of_nguyen_and_gender_split_are_realistic() -> None:
    people = PeopleGenerator(2025).people(10_000, born_between=ADULTS)
    nguyen = sum(p.full_name.split()[0] == "Nguyễn" for p in people) / len(people)
    assert 0.30 <= nguyen <= 0.46
    male = sum(p.gender == "MALE" for p in people) / len(people)
    assert 0.51 <= male <= 0.59
    female_thi = [p for p in people if p.gender == "FEMALE" and " Thị " in p.full_name]
    assert female_thi and all(p.gender == "FEMALE" for p in female_thi)


def test_occupations_fit_the_age() -> None:
    young = PeopleGenerator(4).people(2000, born_between=(date(2003, 1, 1), date(2006, 12, 31)))
    assert sum(p.occupation == "sinh viên" for p in young) > 500
    old = PeopleGenerator(4).people(500, born_between=(date(1940, 1, 1), date(1950, 12, 31)))
    assert "sinh viên" not in {p.occupation for p in old}


def test_commune_and_cell_names_look_right() -> None:
    gen = PeopleGenerator(12)
    communes = [gen.commune_name() for _ in range(500)]
    assert all(c.startswith(("Xã ", "Phường ")) and _is_nfc(c) for c in communes)
    assert {c.split()[0] for c in communes} == {"Xã", "Phường"}
    cells = [gen.cell_name() for _ in range(1000)]
    assert all(c.startswith("Chi bộ ") and _is_nfc(c) and "{" not in c for c in cells)
    assert len(set(cells)) > 300
    kinds = {c.split()[2] for c in cells}
    assert {"Trường", "Thôn", "Khu", "Phòng"} <= kinds

"""Deterministic generator of fictitious Vietnamese people, communes and party cells for demos."""

from __future__ import annotations

import unicodedata
from bisect import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import accumulate
from random import Random

__all__ = ["PROVINCE_CODES", "PeopleGenerator", "SyntheticPerson"]

REFERENCE_YEAR = 2025  # only used to keep occupations plausible for a person's age


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _words(spec: str, sep: str | None = None) -> tuple[str, ...]:
    return tuple(_nfc(w.strip()) for w in spec.split(sep))


class _Table:
    """Weighted choice over strings, parsed from "name:weight|name:weight"; O(log n) per pick."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, spec: str) -> None:
        pairs = [p.rsplit(":", 1) for p in spec.split("|")]
        self.items = tuple(_nfc(name.strip()) for name, _ in pairs)
        self.cum = list(accumulate(float(w) for _, w in pairs))
        self.total = self.cum[-1]

    def pick(self, rnd: Callable[[], float]) -> str:
        return self.items[bisect(self.cum, rnd() * self.total)]


_FAMILY = _Table(
    "Nguyễn:38|Trần:11|Lê:9.5|Phạm:7|Hoàng:3.4|Huỳnh:1.7|Phan:4.5|Vũ:2.2|Võ:1.8|Đặng:2.1|Bùi:2"
    "|Đỗ:1.4|Hồ:1.3|Ngô:1.3|Dương:1|Lý:0.5|Đinh:0.6|Trương:0.5|Đoàn:0.5|Đào:0.4|Trịnh:0.4"
    "|Lương:0.4|Lâm:0.4|Mai:0.4|Hà:0.4|Cao:0.3|Tô:0.3|Lưu:0.3|Tạ:0.2|Chu:0.2|Nông:0.2"
    "|Kiều:0.1|Quách:0.1|Thái:0.1|Đàm:0.1|Lò:0.1|Triệu:0.1|Vương:0.1|Phùng:0.1|Khổng:0.05"
)
# female? -> (middle-name table, the traditional "lead" middle name, given names)
_BY_GENDER = {
    False: (
        _Table(
            "Văn:30|Hữu:8|Đức:10|Minh:10|Quốc:8|Thanh:6|Công:8|Xuân:6|Đình:6|Ngọc:4|Trọng:5"
            "|Quang:6|Bá:3|Duy:5|Tuấn:3|Hoàng:4|Thành:4|Gia:3|Anh:3|Trung:3|Hải:2|Mạnh:2|Thế:3"
        ),
        _nfc("Văn"),
        _words(
            "An Anh Bảo Bình Cường Chiến Công Dũng Duy Dương Đạt Định Đông Đức Giang Hải Hào Hậu"
            " Hiếu Hiệp Hòa Hoàng Hùng Huy Hưng Khải Khang Khánh Khoa Kiên Lâm Lực Long Lộc Lợi"
            " Mạnh Minh Nam Nghĩa Nhân Phát Phong Phúc Phương Quân Quang Quý Sơn Tài Tâm Tân Thắng"
            " Thành Thịnh Thông Tiến Toàn Trí Trung Trường Tú Tuấn Tùng Việt Vinh Vũ Hiển Kiệt Sang"
        ),
    ),
    True: (
        _Table(
            "Thị:45|Ngọc:8|Thu:6|Thanh:6|Minh:4|Kim:5|Hồng:5|Phương:3|Bảo:3|Mai:3|Thùy:4|Diệu:2"
            "|Khánh:3|Hải:2|Quỳnh:2|Mỹ:3|Lan:2|Tuyết:2|Hoài:2|Bích:3|Ánh:2|Thúy:2|Hương:2"
        ),
        _nfc("Thị"),
        _words(
            "An Anh Ánh Bích Chi Dung Diệp Dịu Duyên Giang Hà Hạnh Hằng Hân Hiền Hoa Hồng Huệ Hương"
            " Hường Huyền Khánh Lan Liên Linh Loan Mai My Nga Ngân Ngọc Nguyệt Nhung Nhi Oanh"
            " Phương Phượng Quyên Quỳnh Tâm Thảo Thắm Thanh Thơ Thu Thúy Thủy Thư Trang Trâm Trinh"
            " Tú Tuyết Uyên Vân Vy Xuân Yến Hoài Lý Mơ Nhàn Hảo Diệu Lụa Thoa Hậu"
        ),
    ),
}
_GENDERS = ("MALE", "FEMALE")

# 2025 provinces: "name CCCD-code ~population(millions)"; the code is that of the retained
# pre-merger unit. The first six are centrally-run cities ("thành phố"), the rest "tỉnh".
_PROVINCE_SPEC = (
    "Hà Nội 001 8.7|Huế 046 1.4|Hải Phòng 031 4.7|Đà Nẵng 048 3.1|Hồ Chí Minh 079 14.0"
    "|Cần Thơ 092 4.2|Tuyên Quang 008 1.9|Lào Cai 010 1.8|Thái Nguyên 019 1.8|Phú Thọ 025 4.0"
    "|Bắc Ninh 027 3.6|Hưng Yên 033 3.6|Ninh Bình 037 4.4|Quảng Trị 045 1.9"
    "|Quảng Ngãi 051 2.2|Gia Lai 064 3.6|Khánh Hòa 056 2.2|Lâm Đồng 068 3.9|Đắk Lắk 066 3.3"
    "|Đồng Nai 075 4.5|Tây Ninh 072 3.3|Vĩnh Long 086 4.3|Đồng Tháp 087 4.4|Cà Mau 096 2.6"
    "|An Giang 089 4.9|Cao Bằng 004 0.6|Lai Châu 012 0.5|Điện Biên 011 0.6|Lạng Sơn 020 0.8"
    "|Sơn La 014 1.3|Thanh Hóa 038 4.3|Nghệ An 040 3.8|Hà Tĩnh 042 1.6|Quảng Ninh 022 1.4"
)
_PROVINCES = tuple(
    (_nfc(("thành phố " if i < 6 else "tỉnh ") + name), int(code), i < 6, float(pop))
    for i, (name, code, pop) in enumerate(e.rsplit(" ", 2) for e in _PROVINCE_SPEC.split("|"))
)
_PROVINCE_CUM = list(accumulate(pop for *_, pop in _PROVINCES))
_PROVINCE_TOTAL = _PROVINCE_CUM[-1]
#: "tỉnh Phú Thọ" / "thành phố Hà Nội" -> 3-digit CCCD place code.
PROVINCE_CODES: dict[str, str] = {full: f"{code:03d}" for full, code, *_ in _PROVINCES}

_PLACE_HEAD = _words(
    "Tân An Yên Đông Tây Nam Bắc Phú Hòa Thạnh Vĩnh Long Quang Minh Hưng Thuận Phước Bình"
    " Thanh Trung Hợp Đại Mỹ Thái Hồng Kim Xuân Cẩm Lạc Định Hải Sơn Quảng Nghĩa Đức Thượng"
)
_PLACE_TAIL = _words(
    "Lập Lạc Hưng Bình Phú Thịnh Hòa An Thành Lợi Phong Sơn Hà Tiến Thắng Lộc Phúc Điền Xuân Hải"
    " Giang Đức Mỹ Nghĩa Thuận Tân Long Quang Trung Hiệp Khê Lâm Thủy Vinh Định Tường Nguyên"
)
_PLACES = tuple(f"{h} {t}" for h in _PLACE_HEAD for t in _PLACE_TAIL if h != t)  # ~1,400 names
_WARDS = _words(
    "Đống Đa|Ba Đình|Hoàn Kiếm|Cầu Giấy|Hai Bà Trưng|Ngô Quyền|Lê Chân|Hải Châu|Sơn Trà|Ninh Kiều"
    "|Bến Thành|Sài Gòn|Tân Định|Thuận Hóa|Phú Xuân|Hồng Bàng|Thanh Xuân|Hoàng Mai|Gia Lâm"
    "|Ngũ Hành Sơn|Cái Khế|Bình Thạnh|Gò Vấp|Thủ Đức|Hạc Thành|Trường Vinh|Thành Sen",
    "|",
)
_HAMLETS = _words("Đông Tây Nam Bắc Thượng Hạ Trung Đoài Chùa Đình Mới Cầu Chợ Giữa Ngoài Trong")
_HIGHLAND = _words("Nà Tấu|Phiêng Luông|Co Mạ|Pá Khoang|Hua Pe|Nậm Cắn|Huổi Só|Khuổi Nặm", "|")
_SCHOOL_LEVELS = _words("Mầm non|Tiểu học|THCS|THPT", "|")
_NOTABLES = _words(
    "Nguyễn Du|Lê Quý Đôn|Trần Phú|Chu Văn An|Lê Lợi|Quang Trung|Nguyễn Trãi|Lý Thường Kiệt"
    "|Trần Hưng Đạo|Võ Thị Sáu|Kim Đồng|Phan Bội Châu|Nguyễn Huệ|Lê Hồng Phong|Nguyễn Văn Trỗi"
    "|Hai Bà Trưng|Ngô Quyền|Nguyễn Đình Chiểu|Phan Chu Trinh|Huỳnh Thúc Kháng|Lương Thế Vinh"
    "|Nguyễn Bỉnh Khiêm|Tô Hiến Thành|Lý Tự Trọng|Trần Quốc Toản|Nguyễn Thị Minh Khai",
    "|",
)
_DEPARTMENTS = _words(
    "Kế hoạch - Tài chính|Nội vụ|Tư pháp|Văn hóa - Xã hội|Kinh tế|Tài nguyên và Môi trường"
    "|Giáo dục và Đào tạo|Y tế|Quản lý đô thị|Kinh tế - Hạ tầng và Đô thị|Tổ chức - Hành chính",
    "|",
)
_UNITS = _words(
    "Văn phòng Đảng ủy|Văn phòng HĐND và UBND|Công an xã|Công an phường|Ban Chỉ huy Quân sự"
    "|Trạm Y tế|Trung tâm Phục vụ hành chính công|Cơ quan Ủy ban MTTQ và các đoàn thể"
    "|Bệnh viện Đa khoa|Trung tâm Y tế|Hợp tác xã Nông nghiệp|Khoa Nội|Khoa Ngoại|Điện lực",
    "|",
)
_CELL_TEMPLATES = _Table(
    "Trường {level} {notable}:5|Thôn {hamlet}:2.4|Thôn {place}:1.8|Thôn {n15}:1.8|Khu phố {n20}:4"
    "|Tổ dân phố {n30}:3|Ấp {place}:2|Bản {highland}:1|Phòng {dept}:3|{unit}:4"
)
_CELL_POOLS = {
    "level": _SCHOOL_LEVELS, "notable": _NOTABLES, "hamlet": _HAMLETS, "place": _PLACES,
    "highland": _HIGHLAND, "dept": _DEPARTMENTS, "unit": _UNITS,
    **{f"n{n}": tuple(str(i) for i in range(1, n + 1)) for n in (15, 20, 30)},
}

_OCC_MINOR = _Table("học sinh:1")
_OCC_YOUNG = _Table(
    "sinh viên:45|công nhân:15|bộ đội:8|công an:4|lao động tự do:8|nông dân:6"
    "|nhân viên văn phòng:6|kinh doanh:3|giáo viên:2|điều dưỡng:2|kỹ thuật viên:1"
)
_OCC_WORK = _Table(
    "nông dân:16|công nhân:14|giáo viên:10|công chức:9|viên chức:7|kinh doanh:6|bộ đội:4|công an:4"
    "|bác sĩ:3|điều dưỡng:2|y sĩ:1|dược sĩ:1|kỹ sư xây dựng:3|kỹ sư công nghệ thông tin:3"
    "|kỹ sư điện:1|kế toán:3|giảng viên:2|nhân viên văn phòng:5|lao động tự do:4|luật sư:0.5"
    "|phóng viên:0.5|ngư dân:1|thợ điện:1"
)
_OCC_RETIRED = _Table("cán bộ hưu trí:55|nông dân:25|cựu chiến binh:12|lao động tự do:8")


@dataclass(frozen=True, slots=True)
class SyntheticPerson:
    full_name: str  # NFC, e.g. "Nguyễn Thị Thu Hà"
    gender: str  # "MALE" | "FEMALE"
    birth_date: date
    birthplace: str  # e.g. "xã Tân Lập, tỉnh Phú Thọ"
    occupation: str
    citizen_id: str  # place(3) + century/gender(1) + yy(2) + serial(6); unique per generator


class PeopleGenerator:
    """Seeded source of synthetic people and names: same seed and call order -> same output."""

    def __init__(self, seed: int) -> None:
        self._rnd = Random(seed).random
        self._issued: set[int] = set()  # citizen ids already handed out, as ints

    def person(self, *, born_between: tuple[date, date]) -> SyntheticPerson:
        return self._person(*_ordinal_span(born_between))

    def people(self, n: int, *, born_between: tuple[date, date]) -> list[SyntheticPerson]:
        if n < 0:
            raise ValueError("n must be >= 0")
        first, span = _ordinal_span(born_between)
        make = self._person
        return [make(first, span) for _ in range(n)]

    def commune_name(self) -> str:
        r = self._rnd
        if r() < 0.3:
            return f"Phường {_any(_WARDS if r() < 0.3 else _PLACES, r)}"
        return f"Xã {_any(_PLACES, r)}"

    def cell_name(self) -> str:
        r = self._rnd
        template = _CELL_TEMPLATES.pick(r)
        slots = {k: _any(pool, r) for k, pool in _CELL_POOLS.items() if f"{{{k}}}" in template}
        return "Chi bộ " + template.format(**slots)

    def _person(self, first: int, span: int) -> SyntheticPerson:
        r = self._rnd
        female = r() >= 0.55
        birth = date.fromordinal(first + int(r() * span))
        year = birth.year
        middle_table, lead, given_pool = _BY_GENDER[female]
        pick_middle = middle_table.pick
        middle = pick_middle(r)
        modern = year >= 1995  # "Văn"/"Thị" are rarer among younger people
        if modern and middle == lead and r() < 0.6:
            middle = pick_middle(r)
        if r() < (0.08 if modern else 0.18 if female else 0.1):
            while middle == lead:
                middle = pick_middle(r)
            middles: tuple[str, ...] = (lead, middle)
        else:
            middles = (middle,)
        n_given = len(given_pool)
        given = given_pool[int(r() * n_given)]
        while given in middles:
            given = given_pool[int(r() * n_given)]
        full_name = " ".join((_FAMILY.pick(r), *middles, given))

        province, code, city, _ = _PROVINCES[bisect(_PROVINCE_CUM, r() * _PROVINCE_TOTAL)]
        if r() < (0.6 if city else 0.15):
            birthplace = f"phường {_any(_WARDS if r() < 0.3 else _PLACES, r)}, {province}"
        else:
            birthplace = f"xã {_any(_PLACES, r)}, {province}"

        age = REFERENCE_YEAR - year
        jobs = _OCC_MINOR if age < 18 else _OCC_YOUNG if age < 23 else _OCC_WORK
        if age >= 62:
            jobs = _OCC_RETIRED
        # CCCD century/gender digit: 0/1 = 1900s male/female, 2/3 = 2000s, 4/5 = 2100s ...
        prefix = ((code * 10 + (year // 100 - 19) * 2 + female) * 100 + year % 100) * 1_000_000
        issued = self._issued
        for _ in range(1000):
            cid = prefix + int(r() * 1_000_000)
            if cid not in issued:
                break
        else:
            raise RuntimeError("citizen id serials exhausted for one place/gender/birth year")
        issued.add(cid)
        gender = _GENDERS[female]
        return SyntheticPerson(full_name, gender, birth, birthplace, jobs.pick(r), f"{cid:012d}")


def _any(items: Sequence[str], rnd: Callable[[], float]) -> str:
    return items[int(rnd() * len(items))]


def _ordinal_span(born_between: tuple[date, date]) -> tuple[int, int]:
    start, end = born_between
    if end < start:
        raise ValueError("born_between must be (earliest, latest)")
    if start.year < 1900 or end.year > 2399:
        raise ValueError("CCCD century digits only cover birth years 1900-2399")
    return start.toordinal(), end.toordinal() - start.toordinal() + 1

"""Vietnamese names folded for search: 'Nguyễn Văn Ân' and 'nguyen van an' match."""

from __future__ import annotations

import unicodedata

_D = str.maketrans({"đ": "d", "Đ": "d"})


def fold_name(text: str) -> str:
    """Lower-case, without tone marks or vowel diacritics, đ as d, single spaces."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.lower().split())

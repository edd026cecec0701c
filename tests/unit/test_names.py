"""Names: Vietnamese list order, and finding a cell or unit however its name was typed."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from bot.names import closest, match_name, plain_key, sort_key


@dataclass(frozen=True)
class Named:
    id: int
    name: str


def by_name(*names: str) -> list[Named]:
    return [Named(i, name) for i, name in enumerate(names, start=1)]


def find(ref: str, items: list[Named]) -> int | None:
    found = match_name(ref, items, lambda item: item.name)
    return found.id if found else None


# --- order ----------------------------------------------------------------------------------------


def test_people_are_ordered_by_given_name_then_family_and_middle_names() -> None:
    names = ["Hoàng Văn Thắng", "Hà Thị Thủy", "Đặng Minh Khôi", "Nguyễn Văn An"]
    assert sorted(names, key=sort_key) == [
        "Nguyễn Văn An",
        "Đặng Minh Khôi",
        "Hoàng Văn Thắng",
        "Hà Thị Thủy",
    ]


def test_equal_given_names_are_ordered_by_family_name() -> None:
    names = ["Lê Văn Ánh", "Dương Thị Ngọc Ánh", "Đỗ Thị Ánh", "Bùi Văn Ánh"]
    assert sorted(names, key=sort_key) == ["Bùi Văn Ánh", "Dương Thị Ngọc Ánh", "Đỗ Thị Ánh", "Lê Văn Ánh"]


def test_letters_follow_the_vietnamese_alphabet() -> None:
    # a ă â ... d đ ... o ô ơ ... u ư: each marked letter after its base letter, not at the end.
    given = ["Ưng", "Uy", "Ơn", "Ôn", "On", "Đức", "Dung", "Ân", "Ăn", "An"]
    names = [f"Trần Văn {g}" for g in given]
    assert [sort_key(n) for n in sorted(names, key=sort_key)] == [
        sort_key(f"Trần Văn {g}") for g in ["An", "Ăn", "Ân", "Dung", "Đức", "On", "Ôn", "Ơn", "Uy", "Ưng"]
    ]


def test_tones_sort_after_letters_in_dictionary_order() -> None:
    given = ["Mạ", "Má", "Mã", "Mả", "Mà", "Ma", "Mai"]
    ordered = sorted((f"Lê {g}" for g in given), key=sort_key)
    assert [n.split()[-1] for n in ordered] == ["Ma", "Mà", "Mả", "Mã", "Má", "Mạ", "Mai"]


def test_the_order_does_not_depend_on_unicode_form_or_case() -> None:
    composed = "Hoàng Thị Yến"
    assert (
        sort_key(unicodedata.normalize("NFD", composed)) == sort_key(composed) == sort_key(composed.upper())
    )


# --- finding by name ------------------------------------------------------------------------------


CELLS = by_name("Chi bộ thôn 3", "Chi bộ thôn 7", "Chi bộ cơ quan Đảng ủy xã")


def test_a_name_typed_in_decomposed_unicode_is_found() -> None:
    assert find(unicodedata.normalize("NFD", "Chi bộ thôn 3"), CELLS) == 1


def test_a_name_typed_in_another_case_is_found() -> None:
    assert find("CHI BỘ THÔN 7", CELLS) == 2


def test_a_name_typed_without_diacritics_is_found_when_only_one_fits() -> None:
    assert find("chi bo co quan dang uy xa", CELLS) == 3


def test_a_name_without_diacritics_that_fits_two_names_finds_neither() -> None:
    assert find("Xa Thai Binh", by_name("Xã Thái Bình", "Xa Thái Bình")) is None


def test_an_exact_name_wins_over_one_that_differs_only_in_diacritics() -> None:
    assert find("Xa Thai Binh", by_name("Xã Thái Bình", "Xa Thai Binh")) == 2


def test_the_closest_names_are_suggested_best_first() -> None:
    assert closest("Chi bo thon 33", [c.name for c in CELLS])[:2] == ["Chi bộ thôn 3", "Chi bộ thôn 7"]
    assert closest("Hội Phụ nữ", [c.name for c in CELLS]) == []


def test_the_plain_key_drops_diacritics_and_d_stroke() -> None:
    assert plain_key("  Đảng ủy   XÃ ") == "dang uy xa"

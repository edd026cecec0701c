"""The core's markup: *bold*, _italic_, [links](…), escaping, and cutting that keeps formatting."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.markup import Span, bold, escape, italic, length, link, parse, plain, render, split


@pytest.mark.parametrize(
    ("markup", "spans"),
    [
        ("Họp *chi bộ* tối", [Span("Họp "), Span("chi bộ", bold=True), Span(" tối")]),
        ("_thứ Năm_", [Span("thứ Năm", italic=True)]),
        ("*đậm _và nghiêng_*", [Span("đậm ", bold=True), Span("và nghiêng", bold=True, italic=True)]),
        ("[nhà văn hóa](https://x.example/a)", [Span("nhà văn hóa", url="https://x.example/a")]),
        ("5*3*2 và chi_bo_3", [Span("5*3*2 và chi_bo_3")]),
        ("* không đậm*", [Span("* không đậm*")]),
        ("*mở\nđóng*", [Span("*mở\nđóng*")]),
        ("\\*sao\\*", [Span("*sao*")]),
        ("[nhãn](javascript:alert)", [Span("[nhãn](javascript:alert)")]),
    ],
)
def test_markup_shows_these_runs(markup: str, spans: list[Span]) -> None:
    assert parse(markup) == spans


def test_escaped_text_shows_as_written() -> None:
    odd = "a*b_c [d](e) \\ *f*"
    assert plain(escape(odd)) == odd
    assert parse(escape(odd)) == [Span(odd)]


def test_builders_escape_what_they_wrap() -> None:
    assert parse(bold("x*y")) == [Span("x*y", bold=True)]
    assert parse(italic("chi_bo")) == [Span("chi_bo", italic=True)]
    assert parse(link("a]b", "https://x.example")) == [Span("a]b", url="https://x.example")]


def test_the_length_is_what_shows() -> None:
    assert length("*🇻🇳 Họp*") == len("🇻🇳 Họp")


def test_a_cut_keeps_formatting_on_both_sides() -> None:
    text = "_" + " ".join(["nghiêng"] * 20) + "_"
    pieces = split(text, 60)
    assert len(pieces) > 1 and all(length(p) <= 60 for p in pieces)
    assert all(span.italic for piece in pieces for span in parse(piece) if span.text.strip())
    assert "".join(plain(p) for p in pieces).split() == plain(text).split()


def test_cuts_prefer_paragraphs_then_lines() -> None:
    text = "một\n\n" + "hai " * 10 + "\nba"
    assert split(text, 30) == ["một\n\n", "hai " * 7, "hai " * 3 + "\nba"]


def styled(markup: str) -> list[tuple[str, bool, bool, str | None]]:
    """Each visible character with its formatting; spaces carry none that anyone could see."""
    return [
        (c, span.bold, span.italic, span.url) if not c.isspace() else (c, False, False, None)
        for span in parse(markup)
        for c in span.text
    ]


words = st.lists(st.text(alphabet="ab *_\\[]()\nđ🇻", min_size=1, max_size=12), min_size=1, max_size=40)


@given(words, st.integers(min_value=4, max_value=60))
def test_any_text_survives_a_round_trip_and_a_cut(parts: list[str], limit: int) -> None:
    text = "".join(parts)
    assert styled(render(parse(text))) == styled(text)
    pieces = split(text, limit)
    assert all(length(p) <= limit for p in pieces)
    joined = "".join(plain(p) for p in pieces)
    assert [c for c in joined if not c.isspace()] == [c for c in plain(text) if not c.isspace()]

"""Telegram's text rules (handlers.telegram.html): counting, the HTML parse mode and cutting."""

from __future__ import annotations

import html

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.telegram.html import (
    MAX_TEXT,
    Entity,
    HTMLError,
    ParsedHTML,
    checked_link,
    is_blank,
    parse_telegram_html,
    split_html,
    split_text,
    truncate,
    utf16_length,
    visible_length,
)

GRIN = "\U0001f600"  # one astral code point, two UTF-16 code units
FLAG = "\U0001f1fb\U0001f1f3"  # 🇻🇳: two code points
E_ACUTE = "e\u0301"  # e + combining acute: two code points


def visible(piece: str) -> str:
    return parse_telegram_html(piece).text


def only_whitespace_removed(original: str, joined: str) -> bool:
    """Whether joined is original with some blank characters (spaces, newlines, controls) left out."""
    index = 0
    for char in original:
        if index < len(joined) and joined[index] == char:
            index += 1
        elif not is_blank(char):
            return False
    return index == len(joined)


# --- counting -------------------------------------------------------------------------------------


def test_length_counts_code_points_while_entity_offsets_count_utf16_units() -> None:
    assert (visible_length(GRIN), utf16_length(GRIN)) == (1, 2)
    assert (visible_length(FLAG), utf16_length(FLAG)) == (2, 4)
    assert (visible_length(E_ACUTE), utf16_length(E_ACUTE)) == (2, 2)
    assert visible_length("Chi bộ") == 6


def test_markup_does_not_count_toward_the_limit() -> None:
    assert visible_length(visible("<b>" + "a" * 4095 + "</b>&amp;")) == 4096


def test_the_splitter_counts_like_telegram_so_4096_emoji_stay_one_message() -> None:
    assert split_text(GRIN * 4096) == [GRIN * 4096]
    assert split_html(f"<b>{GRIN * 4096}</b>") == [f"<b>{GRIN * 4096}</b>"]
    assert [visible_length(visible(p)) for p in split_html(f"<b>{GRIN * 4097}</b>")] == [4096, 1]
    assert split_text(FLAG * 2048) == [FLAG * 2048]
    assert split_text(FLAG * 2049) == [FLAG * 2048, FLAG]
    assert split_text(E_ACUTE * 2049) == [E_ACUTE * 2048, E_ACUTE]


# --- Telegram's HTML, as tdlib parses it ----------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "description"),
    [
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("Đậm <br/>", 'Unsupported start tag "br/" at byte offset 7'),  # offsets are UTF-8 bytes
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ('<span class="spoiler">x</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b", "Unclosed start tag at byte offset 0"),
        ('<a href="x.y>z</a>', "Unclosed start tag at byte offset 0"),
        ("<b =1>x</b>", 'Empty attribute name in the tag "b" at byte offset 0'),
        ("<a href=x.y/>z</a>", "Unexpected end of name token at byte offset 8"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ('<tg-emoji emoji-id="abc">👍</tg-emoji>', "Invalid custom emoji identifier specified"),
        ('<tg-emoji emoji-id="05">👍</tg-emoji>', "Invalid custom emoji identifier specified"),
        (
            "&#xD83D;&#xDE00;",
            "Text contains invalid Unicode characters after decoding HTML entities, check for unmatched "
            "surrogate code units",
        ),
    ],
)
def test_markup_telegram_refuses_is_refused_with_telegrams_description(source: str, description: str) -> None:
    with pytest.raises(HTMLError) as caught:
        parse_telegram_html(source)

    assert caught.value.description == description


@pytest.mark.parametrize(
    ("source", "text", "entities"),
    [
        ("<B>x</B><STRONG>y</STRONG>", "xy", [Entity("bold", 0, 1), Entity("bold", 1, 1)]),
        ('<b title="ignored" data-x=1 hidden>x</b>', "x", [Entity("bold", 0, 1)]),  # unknown: ignored
        ('<span class="tg-spoiler">x</span>', "x", [Entity("spoiler", 0, 1)]),
        ("<tg-spoiler>x</tg-spoiler>", "x", [Entity("spoiler", 0, 1)]),
        ("<blockquote expandable>q</blockquote>", "q", [Entity("expandable_blockquote", 0, 1)]),
        ('<pre><code class="language-python">x</code></pre>', "x", [Entity("pre", 0, 1, language="python")]),
        ('<code class="language-python">x</code>', "x", [Entity("code", 0, 1)]),
        ("<pre><code>x</code></pre>", "x", [Entity("pre", 0, 1), Entity("code", 0, 1)]),
        ("<b>x</>", "x", [Entity("bold", 0, 1)]),  # "</>" closes whatever is open
        ("<b></b><a href='https://a.example'></a>x", "x", []),  # empty elements: no entity, no error
        ("&nbsp;&copy; &amp &lt;&gt;&quot; & &#65;&#x42;&#X43;&#0;", '&nbsp;&copy; & <>" & AB&#X43;&#0;', []),
        (f"{GRIN}<i>{FLAG}</i>", f"{GRIN}{FLAG}", [Entity("italic", 2, 4)]),  # offsets in UTF-16
        ('<a href="tg://user?id=42">An</a>', "An", [Entity("text_mention", 0, 2, user_id=42)]),
        (
            '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
            "👍",
            [Entity("custom_emoji", 0, 2, custom_emoji_id="5368324170671202286")],
        ),
        ("<b>a<i>b</i></b>", "ab", [Entity("bold", 0, 2), Entity("italic", 1, 1)]),
    ],
)
def test_markup_telegram_accepts_gives_its_text_and_entities(
    source: str, text: str, entities: list[Entity]
) -> None:
    assert parse_telegram_html(source) == ParsedHTML(text, tuple(entities))


@pytest.mark.parametrize(
    ("url", "stored"),
    [
        ("https://x.example", "https://x.example/"),
        ("example.com/a b", "http://example.com/a%20b"),
        ("HTTP://Example.COM:8080/p?q=1#f", "http://example.com:8080/p?q=1#f"),
        ("tg://resolve?domain=chibo_bot", "tg://resolve?domain=chibo_bot"),
        ("ftp://files.example", None),
        ("localhost", None),
        ("https://", None),
        ("bấm vào đây", None),
        ("https://a.example:0", None),
    ],
)
def test_links_are_checked_and_normalised_as_telegram_does(url: str, stored: str | None) -> None:
    assert checked_link(url) == stored


def test_a_link_telegram_cannot_use_is_silently_plain_text() -> None:
    assert parse_telegram_html('<a href="nhà văn hóa">here</a>').entities == ()


def test_unknown_named_entities_are_shown_literally() -> None:
    assert visible("A&nbsp;B &copy;") == "A&nbsp;B &copy;"


# --- cutting --------------------------------------------------------------------------------------


def test_a_long_announcement_with_a_preview_header_is_cut_into_pieces_telegram_accepts() -> None:
    # Issue #7: a 4,090-character body whose last <i>…</i> spans lines, behind the preview header.
    body = "Họp chi bộ tháng 12.\n" + "x" * 3800 + "\n<i>Lưu ý:\n" + "y" * 250 + "\nhết</i>"
    assert visible_length(visible(body)) <= MAX_TEXT
    header = "To: Chi bộ thôn 3, all members. Preview:\n\n"

    pieces = split_html(header + body)

    assert pieces == [header, body]  # cut at the blank line, the body whole and valid


def test_a_cut_inside_formatting_that_spans_lines_closes_and_reopens_it() -> None:
    text = "x" * 4000 + "\n<i>Lưu ý:\n" + "y" * 250 + "\nhết</i>"

    pieces = split_html(text)

    assert pieces[0].endswith("\n<i>Lưu ý:\n</i>")
    assert pieces[1] == "<i>" + "y" * 250 + "\nhết</i>"
    assert [visible_length(visible(piece)) for piece in pieces] == [4008, 254]


def test_tags_open_at_a_cut_are_closed_and_opened_again() -> None:
    pieces = split_html('<b>Một <a href="https://a.example">hai ba</a> bốn</b>', 8)

    assert pieces == [
        '<b>Một <a href="https://a.example">hai </a></b>',
        '<b><a href="https://a.example">ba</a> bốn</b>',
    ]


def test_cuts_prefer_paragraphs_then_lines_then_words() -> None:
    assert split_text("aa bb\ncc dd\n\nee ff gg", 18) == ["aa bb\ncc dd\n\n", "ee ff gg"]
    assert split_text("aa bb\ncc dd ee", 12) == ["aa bb\n", "cc dd ee"]
    assert split_text("aa bb cc", 6) == ["aa bb ", "cc"]
    assert split_text("abcdefgh", 3) == ["abc", "def", "gh"]


def test_a_cut_never_falls_inside_a_character_reference_a_flag_or_a_combining_mark() -> None:
    assert split_html("a&amp;b&lt;c", 2) == ["a&amp;", "b&lt;", "c"]
    assert split_text(f"{FLAG}{FLAG}{FLAG}", 3) == [FLAG, FLAG, FLAG]
    assert split_text(f"x{E_ACUTE}{E_ACUTE}", 2) == ["x", E_ACUTE, E_ACUTE]


def test_no_piece_is_blank_or_starts_with_a_line_break() -> None:
    assert split_text("abc" + "\n" * 10 + "def", 3) == ["abc", "def"]
    assert split_html("<b>abc</b>\n\n\n\n<i>def</i>", 4) == ["<b>abc</b>\n", "<i>def</i>"]
    assert split_text(" \n ") == []


def test_truncate_cuts_at_a_safe_boundary_and_says_so_with_an_ellipsis() -> None:
    assert truncate("<b>Một hai ba bốn</b>", 10, html=True) == "<b>Một hai </b>…"
    assert truncate("short") == "short"
    assert visible_length(visible(truncate("<i>" + "x" * 5000 + "</i>", html=True))) == MAX_TEXT


# --- properties -----------------------------------------------------------------------------------

WORDS = st.sampled_from(
    ["chi", "bộ", "Đảng", "họp", GRIN, FLAG, E_ACUTE, "a&b", "1<2", "x>y", '"q"']
    + [" ", "  ", "\n", "\n\n", "\t", "\r\n"]
)
TAGS = st.sampled_from(
    [
        ("<b>", "</b>"),
        ("<i>", "</i>"),
        ("<u>", "</u>"),
        ("<s>", "</s>"),
        ("<code>", "</code>"),
        ("<tg-spoiler>", "</tg-spoiler>"),
        ('<span class="tg-spoiler">', "</span>"),
        ('<a href="https://chibo.example/x?a=1&amp;b=2">', "</a>"),
        ("<blockquote expandable>", "</blockquote>"),
        ('<pre><code class="language-python">', "</code></pre>"),
    ]
)


@st.composite
def telegram_html(draw: st.DrawFn, depth: int = 0) -> str:
    """Valid Telegram HTML: escaped words, some wrapped in (nested) tags."""
    parts = []
    for _ in range(draw(st.integers(0, 6))):
        if depth < 3 and draw(st.booleans()):
            opening, closing = draw(TAGS)
            parts.append(opening + draw(telegram_html(depth + 1)) + closing)
        else:
            parts.append(html.escape(draw(WORDS), quote=False))
    return "".join(parts)


@settings(max_examples=300, deadline=None, database=None)
@given(source=telegram_html(), limit=st.integers(1, 40))
def test_every_piece_of_split_html_is_valid_fits_and_together_keeps_the_text(source: str, limit: int) -> None:
    original = visible(source)

    pieces = split_html(source, limit)

    texts = [visible(piece) for piece in pieces]  # raises if a piece is not valid Telegram HTML
    assert all(visible_length(text) <= limit and not is_blank(text) for text in texts)
    assert only_whitespace_removed(original, "".join(texts))
    if visible_length(original) <= limit and not is_blank(original):
        assert pieces == [source]


@settings(max_examples=300, deadline=None, database=None)
@given(text=st.lists(WORDS).map("".join), limit=st.integers(1, 40))
def test_every_piece_of_split_text_fits_and_together_they_keep_the_text(text: str, limit: int) -> None:
    pieces = split_text(text, limit)

    assert all(visible_length(piece) <= limit and not is_blank(piece) for piece in pieces)
    assert only_whitespace_removed(text, "".join(pieces))

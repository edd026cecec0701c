"""The core's one small markup, which every transport renders: *bold*, _italic_, [a link](https://…).

Lists are lines starting with "• ". A backslash before \\ * _ [ ] makes it plain (\\* is a star). A star
or underscore formats only when it opens before a non-space and closes after one, on one line, not
inside a word, so "5*3" and "chi_bo_3" stay as typed. Telegram renders the spans as its HTML, a
text-only messenger as the plain text; nothing here knows either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bot import textcut

_ESCAPABLE = "\\*_[]"
_SPECIAL = re.compile(r"([\\*_\[\]])")
_LINK = re.compile(r"\[((?:\\.|[^\]\\\n])+)\]\(((?:https?|tg)://[^\s()]+)\)")
_MARKERS = "*_"


@dataclass(frozen=True)
class Span:
    """A run of text with one formatting."""

    text: str
    bold: bool = False
    italic: bool = False
    url: str | None = None

    def styled_like(self, other: Span) -> bool:
        """Whether the two runs are formatted the same."""
        return (self.bold, self.italic, self.url) == (other.bold, other.italic, other.url)


def escape(text: str) -> str:
    """Text that shows as written, whatever markup characters it holds."""
    return _SPECIAL.sub(r"\\\1", text)


def bold(text: str) -> str:
    """Text shown in bold."""
    return render([Span(text, bold=True)])


def italic(text: str) -> str:
    """Text shown in italics."""
    return render([Span(text, italic=True)])


def link(label: str, url: str) -> str:
    """A link with a label."""
    return render([Span(label, url=url)])


def _word(c: str) -> bool:
    return c.isalnum()


def _closing(s: str, start: int, marker: str) -> int | None:
    """Where the marker opened at start closes, or None when it does not format anything."""
    after = start + 1
    if after >= len(s) or s[after].isspace() or s[after] == marker:
        return None
    if start > 0 and _word(s[start - 1]):
        return None  # inside a word: "chi_bo_3"
    i = after
    while i < len(s) and s[i] != "\n":
        if s[i] == "\\" and i + 1 < len(s) and s[i + 1] in _ESCAPABLE:
            i += 2  # an escaped character never closes
            continue
        closes = s[i] == marker and not s[i - 1].isspace() and not (i + 1 < len(s) and _word(s[i + 1]))
        if i > after and closes:
            return i
        i += 1
    return None


def _parse(s: str, style: Span, out: list[Span]) -> None:
    buffer: list[str] = []

    def flush() -> None:
        if buffer:
            out.append(replace(style, text="".join(buffer)))
            buffer.clear()

    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s) and s[i + 1] in _ESCAPABLE:
            buffer.append(s[i + 1])
            i += 2
            continue
        if c in _MARKERS and (end := _closing(s, i, c)) is not None:
            flush()
            inner = replace(style, bold=True) if c == "*" else replace(style, italic=True)
            _parse(s[i + 1 : end], inner, out)
            i = end + 1
            continue
        if c == "[" and style.url is None and (match := _LINK.match(s, i)):
            flush()
            _parse(match.group(1), replace(style, url=match.group(2)), out)
            i = match.end()
            continue
        buffer.append(c)
        i += 1
    flush()


def parse(markup: str) -> list[Span]:
    """The runs of text the markup shows, with their formatting (adjacent equal runs merged)."""
    spans: list[Span] = []
    _parse(markup, Span(""), spans)
    merged: list[Span] = []
    for span in spans:
        if merged and merged[-1].styled_like(span):
            merged[-1] = replace(merged[-1], text=merged[-1].text + span.text)
        elif span.text:
            merged.append(span)
    return merged


def render(spans: list[Span]) -> str:
    """Markup that shows these runs (the inverse of parse)."""
    parts = []
    for span in spans:
        core = span.text.strip()
        if not core or not (span.bold or span.italic or span.url):
            parts.append(escape(span.text))
            continue
        # Spaces stay outside the markers: "* x*" would not format.
        lead = span.text[: len(span.text) - len(span.text.lstrip())]
        trail = span.text[len(span.text.rstrip()) :]
        text = escape(core)
        if span.italic:
            text = f"_{text}_"
        if span.bold:
            text = f"*{text}*"
        if span.url:
            text = f"[{text}]({span.url})"
        parts.append(lead + text + trail)
    return "".join(parts)


def plain(markup: str) -> str:
    """What the markup shows, without formatting: how a text-only messenger renders it."""
    return "".join(span.text for span in parse(markup))


def length(markup: str) -> int:
    """The visible length in code points, the unit messengers limit text by."""
    return len(plain(markup))


def split(markup: str, limit: int) -> list[str]:
    """Cut markup into pieces of at most limit visible characters, at paragraphs, lines, then words.

    Formatting carries across a cut: each piece is markup of its own.
    """
    spans = parse(markup)
    text = "".join(span.text for span in spans)
    cuts = textcut.ranges(text, limit)
    if cuts == [(0, len(text))] or not cuts:
        return [markup] if text.strip() else []
    pieces = []
    for start, end in cuts:
        piece: list[Span] = []
        offset = 0
        for span in spans:
            a, b = max(start, offset), min(end, offset + len(span.text))
            if a < b:
                piece.append(replace(span, text=span.text[a - offset : b - offset]))
            offset += len(span.text)
        pieces.append(render(piece))
    return pieces

"""Cutting long text into pieces a messenger takes: at paragraphs, then lines, then words.

A cut never falls inside what a reader sees as one character (a flag, an emoji with a skin tone, a
letter with a combining mark). Transport-neutral: each transport gives its own limit.
"""

from __future__ import annotations

import re
import unicodedata

_BREAKS = re.compile(r"[ \t\r\n]+")
_ZWJ = "\u200d"


def _is_regional_indicator(c: str) -> bool:
    return 0x1F1E6 <= ord(c) <= 0x1F1FF


def splits_character(text: str, cut: int) -> bool:
    """Whether cutting text at cut would separate parts of what people see as one character."""
    before, after = text[cut - 1], text[cut]
    code = ord(after)
    if unicodedata.category(after) in ("Mn", "Mc", "Me") or _ZWJ in (before, after):
        return True
    if 0xFE00 <= code <= 0xFE0F or 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F:
        return True  # variation selectors, skin tones, flag tags
    if _is_regional_indicator(before) and _is_regional_indicator(after):
        run = 0
        while cut - run - 1 >= 0 and _is_regional_indicator(text[cut - run - 1]):
            run += 1
        return run % 2 == 1  # flags are pairs: an odd run before the cut would split one
    return False


def _cut(text: str, start: int, end: int) -> int:
    """Where to end a piece that starts at start and may reach end: paragraph, line, word, else anywhere."""
    best, best_rank = -1, -1
    for match in _BREAKS.finditer(text, start + 1):
        if match.start() >= end:
            break
        gap = match.group()  # ranked whole, even where it runs past the end of the piece
        rank = 2 if gap.count("\n") >= 2 else 1 if "\n" in gap else 0
        if rank >= best_rank:
            best, best_rank = min(match.end(), end), rank
    if best > start:
        return best
    cut = end
    while cut > start + 1 and splits_character(text, cut):
        cut -= 1
    return cut if not splits_character(text, cut) else end


def ranges(text: str, limit: int, *, blank: object = None) -> list[tuple[int, int]]:
    """Spans of text, each at most limit code points and not blank; between them only whitespace.

    `blank` decides what counts as blank (default: only whitespace); a transport may pass its own.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    is_blank = blank if callable(blank) else (lambda piece: not piece.strip())
    spans, start = [], 0
    while start < len(text):
        end = len(text) if len(text) - start <= limit else _cut(text, start, start + limit)
        if not is_blank(text[start:end]):
            spans.append((start, end))
        start = end
        while start < len(text) and text[start] in "\r\n":
            start += 1  # a piece starting with a line break would show an empty first line
    return spans


def split_text(text: str, limit: int) -> list[str]:
    """Cut plain text into pieces of at most limit code points: at paragraphs, then lines, then words."""
    return [text[a:b] for a, b in ranges(text, limit)]

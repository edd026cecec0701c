"""Record ids typed by people: one parser, so odd digits and huge numbers are "no such …", not a crash."""

from __future__ import annotations

import re

# PostgreSQL's INTEGER primary keys; a larger number can name no row.
MAX_ID = 2**31 - 1
_ASCII_DIGITS = re.compile(r"[0-9]{1,10}")


def parse_id(text: str, *, prefix: str = "") -> int | None:
    """The id written as ASCII digits (after an optional prefix such as "#"), or None.

    "²", "①" or Arabic-Indic digits pass str.isdigit() but are not ids; neither is 0 or a number
    beyond MAX_ID.
    """
    text = text.strip()
    if prefix:
        if not text.startswith(prefix):
            return None
        text = text[len(prefix) :]
    if not _ASCII_DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None

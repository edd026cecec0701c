"""How names are written and compared: NFC, single spaces, diacritics kept (Ân is not An)."""

from __future__ import annotations

import unicodedata

# The five Vietnamese tone marks (combining, NFD). Other marks (circumflex, breve, horn) are letters.
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
_VOWELS = frozenset("aeiouyAEIOUY")


def normalise_name(s: str) -> str:
    """Return s in NFC with runs of whitespace collapsed to one space, for display and storage."""
    return " ".join(unicodedata.normalize("NFC", s).split())


def _place_tone(word: str) -> str:
    """Move a word's single tone mark onto its last vowel, so "hoà"/"hòa" and "thuỷ"/"thủy" agree."""
    chars = unicodedata.normalize("NFD", word)
    tones = [c for c in chars if c in _TONES]
    if len(tones) != 1:
        return word
    bare = [c for c in chars if c not in _TONES]
    vowel_at = max((i for i, c in enumerate(bare) if c in _VOWELS), default=-1)
    if vowel_at < 0:
        return word
    end = vowel_at + 1
    while end < len(bare) and unicodedata.combining(bare[end]):
        end += 1  # keep the vowel's own circumflex/breve/horn before the tone
    return unicodedata.normalize("NFC", "".join(bare[:end] + tones + bare[end:]))


def name_key(s: str) -> str:
    """Return the matching key of a name: normalised, casefolded, tone mark placed consistently."""
    folded = unicodedata.normalize("NFC", normalise_name(s).casefold())
    return " ".join(_place_tone(word) for word in folded.split(" ")) if folded else ""

"""How names are written, compared and ordered.

Names are stored in NFC with single spaces, and compared with their diacritics (Ân is not An); only a
cell or unit typed without any diacritics falls back to plain_key, and only when one name fits.
People are listed in Vietnamese alphabetical order by given name (sort_key).
"""

from __future__ import annotations

import difflib
import functools
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

_T = TypeVar("_T")

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


def plain_key(s: str) -> str:
    """Return the key of a name typed without diacritics: "Xã Thái Bình" and "xa thai binh" agree."""
    decomposed = unicodedata.normalize("NFD", normalise_name(s).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("đ", "d")


def match_name(ref: str, items: Sequence[_T], name: Callable[[_T], str]) -> _T | None:
    """The item called `ref` however it was typed: in any Unicode form or case, else, if only one item
    fits, without diacritics. Items come in order of preference; the first of equal names wins."""
    key = name_key(ref)
    for item in items:
        if name_key(name(item)) == key:
            return item
    plain = plain_key(ref)
    matches = {name(item): item for item in reversed(items) if plain_key(name(item)) == plain}
    return next(iter(matches.values())) if len(matches) == 1 else None


def closest(ref: str, names: Iterable[str], limit: int = 3) -> list[str]:
    """The names most like `ref`, best first, compared without case or diacritics (for "did you mean")."""
    by_key: dict[str, str] = {}
    for name in names:
        by_key.setdefault(plain_key(name), name)
    matches = difflib.get_close_matches(plain_key(ref), list(by_key), n=limit, cutoff=0.6)
    return [by_key[key] for key in matches]


# Vietnamese alphabetical order. f, j, w and z appear only in foreign names; they take their Latin places.
_ALPHABET = "0123456789aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_RANK = {letter: rank for rank, letter in enumerate(_ALPHABET)}
# Tones sort after letters, in dictionary order: level, huyền, hỏi, ngã, sắc, nặng.
_TONE_RANK = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


@functools.lru_cache(maxsize=4096)  # pure, and lists sort the same few hundred words again and again
def _word_key(word: str) -> tuple[tuple[int, ...], int]:
    """One word's letters in Vietnamese order, then its tone."""
    letters: list[int] = []
    tone = 0
    for char in unicodedata.normalize("NFD", word.casefold()):
        if char in _TONE_RANK:
            tone = _TONE_RANK[char]
        elif unicodedata.combining(char) and letters:
            # A breve, circumflex or horn makes another letter: a → ă, â; o → ô, ơ; u → ư.
            base = _ALPHABET[letters[-1]] if letters[-1] < len(_ALPHABET) else ""
            composed = unicodedata.normalize("NFC", base + char)
            letters[-1] = _LETTER_RANK.get(composed, letters[-1])
        else:
            letters.append(_LETTER_RANK.get(char, len(_ALPHABET) + ord(char)))
    return tuple(letters), tone


@functools.lru_cache(maxsize=8192)  # pure: a cell's names are sorted in every list and summary
def sort_key(full_name: str) -> tuple[object, ...]:
    """Order people as Vietnamese lists do: by given name (the last word), then family and middle names."""
    words = normalise_name(full_name).split()
    if not words:
        return ((), ())
    return (_word_key(words[-1]), tuple(_word_key(word) for word in words[:-1]))

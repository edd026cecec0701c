"""Translations: gettext catalogs kept as .po files, compiled in memory on first use.

Compiling at load time means a fresh clone (or an editable install) works without a build step,
and the .po files stay the single source of truth.
"""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "chibo"
LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return message


@cache
def translator(language: str) -> gettext.NullTranslations:
    """Return the catalog for a language, falling back to the msgid (English) when one is missing."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language not in LANGUAGES or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def pick_language(chosen: str | None, platform_code: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """The person's own choice wins, then the messenger's language if we have it, then the default."""
    if chosen in LANGUAGES:
        return chosen
    if platform_code:
        base = platform_code.split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return default

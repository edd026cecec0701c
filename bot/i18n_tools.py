"""Keep the catalogs in step with the code: `python -m bot.i18n_tools` extracts and updates.

English msgids are the source; the English catalog copies them so it is complete by construction,
and the Vietnamese catalog is filled by hand. A test fails while any Vietnamese entry is missing.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.i18n import DOMAIN, LANGUAGES, LOCALE_DIR

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("bot", "handlers")
KEYWORDS = {"N_": None, "gettext": None, "ngettext": (1, 2)}


def extract() -> Catalog:
    """Every msgid used in the code."""
    catalog = Catalog(domain=DOMAIN, project="chibo")
    for folder in SOURCES:
        for filename, lineno, message, comments, _context in extract_from_dir(
            ROOT / folder,
            method_map=[("**.py", "python")],
            keywords=KEYWORDS,
            comment_tags=("TRANSLATORS:",),
        ):
            if isinstance(message, str) and message:
                catalog.add(message, locations=[(f"{folder}/{filename}", lineno)], auto_comments=comments)
    return catalog


def path(language: str) -> Path:
    """Where a language's .po file lives."""
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def load(language: str) -> Catalog:
    """A language's catalog (empty if the file does not exist yet)."""
    if not path(language).exists():
        return Catalog(locale=language, domain=DOMAIN)
    with path(language).open("rb") as fh:
        return read_po(fh, locale=language, domain=DOMAIN)


def missing(language: str) -> list[str]:
    """msgids in the code that the language's catalog does not translate."""
    catalog = load(language)
    result = []
    for message in extract():
        if not isinstance(message.id, str) or not message.id:
            continue
        translated = catalog.get(message.id)
        if translated is None or not translated.string:
            result.append(message.id)
    return result


def update() -> dict[str, int]:
    """Add new msgids to every catalog, drop ones no longer used; return missing counts."""
    template = extract()
    result = {}
    for language in LANGUAGES:
        catalog = load(language)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        for message in catalog:
            if language == "en" and message.id:
                message.string = message.id
            message.flags.discard("fuzzy")
        path(language).parent.mkdir(parents=True, exist_ok=True)
        with path(language).open("wb") as fh:
            write_po(fh, catalog, width=0, omit_header=False, sort_output=False)
        result[language] = len([m for m in catalog if m.id and not m.string])
    return result


if __name__ == "__main__":
    counts = update()
    print(", ".join(f"{lang}: {n} untranslated" for lang, n in counts.items()))
    sys.exit(0)

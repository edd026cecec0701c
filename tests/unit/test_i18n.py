"""Translations: the catalogs cover the code, keep their placeholders, and languages are picked by rule."""

from __future__ import annotations

import re

import pytest
from babel.messages.catalog import Message

from bot import i18n_tools
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, pick_language, translator

PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]")
KNOWN = "No person with id or card number %(ref)s."  # an admin error every operator sees


def entries(language: str) -> list[Message]:
    """The catalog's translated entries, without the header."""
    return [m for m in i18n_tools.load(language) if m.id and m.string]


def forms(message: Message) -> tuple[list[str], list[str]]:
    ids = list(message.id) if isinstance(message.id, tuple) else [message.id]
    strings = list(message.string) if isinstance(message.string, tuple) else [message.string]
    return ids, [s for s in strings if s]


def placeholders(text: str) -> set[str]:
    return {match.group(0) for match in PLACEHOLDER.finditer(text)}


# --- the catalogs cover the code ----------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_in_the_code_is_translated(language: str) -> None:
    assert i18n_tools.missing(language) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_translation_is_left_fuzzy_where_it_would_be_ignored(language: str) -> None:
    # write_mo drops fuzzy entries, so a fuzzy translation shows English although missing() counts it done.
    assert [m.id for m in entries(language) if m.fuzzy] == []


# --- placeholders -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_translation_keeps_exactly_the_placeholders_of_its_msgid(language: str) -> None:
    wrong = []
    for message in entries(language):
        ids, strings = forms(message)
        expected = set().union(*(placeholders(i) for i in ids))
        wrong += [(ids[0], s) for s in strings if placeholders(s) != expected]
    assert wrong == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_translation_with_placeholders_can_be_filled(language: str) -> None:
    broken = []
    for message in entries(language):
        ids, strings = forms(message)
        names = {name for i in ids for name in PLACEHOLDER.findall(i)}
        if not names:
            continue  # such messages are printed as they are, never %-formatted
        for string in strings:
            try:
                string % dict.fromkeys(names, 1)
            except (KeyError, TypeError, ValueError) as exc:
                broken.append((ids[0], repr(exc)))
    assert broken == []


# --- translators --------------------------------------------------------------------------------


def test_the_vietnamese_translator_translates_a_known_message() -> None:
    translated = translator("vi").gettext(KNOWN)
    assert translated != KNOWN
    assert placeholders(translated) == {"%(ref)s"}


def test_the_english_translator_returns_the_msgid() -> None:
    assert translator("en").gettext(KNOWN) == KNOWN


def test_an_unknown_language_falls_back_to_the_msgid() -> None:
    assert translator("fr").gettext(KNOWN) == KNOWN


def test_an_unknown_msgid_is_returned_unchanged() -> None:
    assert translator("vi").gettext("No such message in any catalog.") == "No such message in any catalog."


# --- picking a language -------------------------------------------------------------------------


def test_the_persons_own_choice_wins_over_the_messenger() -> None:
    assert pick_language("en", "vi-VN") == "en"
    assert pick_language("vi", "en-US", default="en") == "vi"


def test_the_messengers_language_is_used_when_the_person_chose_none() -> None:
    assert pick_language(None, "en-US") == "en"
    assert pick_language(None, "vi", default="en") == "vi"


def test_the_messengers_region_and_case_do_not_matter() -> None:
    assert pick_language(None, "EN-gb") == "en"


def test_without_choice_or_messenger_language_the_default_is_used() -> None:
    assert pick_language(None, None) == DEFAULT_LANGUAGE == "vi"
    assert pick_language(None, "", default="en") == "en"


def test_an_unsupported_messenger_language_gives_the_default() -> None:
    assert pick_language(None, "fr") == "vi"
    assert pick_language(None, "fr-FR", default="en") == "en"


def test_an_unsupported_choice_is_ignored_for_the_messenger_language() -> None:
    assert pick_language("fr", "en-US") == "en"
    assert pick_language("fr", None) == "vi"

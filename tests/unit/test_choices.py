"""Choices: tokens fit Telegram's callback data, typed answers pick the choice they name, ids parse once."""

from __future__ import annotations

import pytest

from bot.chat import clean_language_code, parse_command
from bot.choices import form_answer, pick_typed, token
from storage.ids import MAX_ID, parse_id

OPTIONS = [
    {"label": "Tiếng Việt", "data": "f:ab12:choose:vi"},
    {"label": "English", "data": "f:ab12:choose:en"},
    {"label": "Trần Văn Ân", "data": "c:members #1 4"},
    {"label": "Trần Văn Bình", "data": "c:members #1 5"},
]


def test_a_token_is_at_most_15_bytes_for_any_set_and_choice() -> None:
    assert len(token(MAX_ID, 999).encode()) <= 15 <= 64


@pytest.mark.parametrize(
    ("typed", "data"),
    [
        ("2", "f:ab12:choose:en"),
        (" 1 ", "f:ab12:choose:vi"),
        ("english", "f:ab12:choose:en"),
        ("Engl", "f:ab12:choose:en"),
        ("tiếng việt", "f:ab12:choose:vi"),
        ("TIE\u0302\u0301NG VIỆT", "f:ab12:choose:vi"),  # decomposed, upper case
        ("Trần Văn B", "c:members #1 5"),
    ],
)
def test_a_typed_number_label_or_unique_start_picks_the_choice(typed: str, data: str) -> None:
    assert pick_typed(OPTIONS, typed) == data


@pytest.mark.parametrize("typed", ["0", "5", "²", "E", "Trần", "Trần Văn", "xin chào", "-1", "1.0"])
def test_an_ambiguous_or_unknown_typed_answer_picks_nothing(typed: str) -> None:
    assert pick_typed(OPTIONS, typed) is None


def test_a_form_answer_names_its_form_step_and_value() -> None:
    assert form_answer("f:ab12:confirm:send") == ("ab12", "confirm", "send")
    assert form_answer("f:ab12:text:a:b") == ("ab12", "text", "a:b")
    assert form_answer("c:members #1") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7", 7),
        ("#7", None),
        ("0", None),
        ("²", None),
        ("①", None),
        ("٣", None),
        ("1" * 20, None),
        (str(MAX_ID), MAX_ID),
    ],
)
def test_ids_are_ascii_digits_within_the_databases_range(text: str, expected: int | None) -> None:
    assert parse_id(text) == expected


def test_ids_may_carry_a_prefix() -> None:
    assert parse_id("#12", prefix="#") == 12
    assert parse_id("12", prefix="#") is None
    assert parse_id("#²", prefix="#") is None


@pytest.mark.parametrize(
    ("code", "stored"),
    [
        (None, None),
        ("", None),
        ("vi", "vi"),
        ("pt-br", "pt-br"),
        ("en-x-a-very-long-private-tag", "en"),
        ("x" * 40, "x" * 16),
    ],
)
def test_a_messenger_language_code_is_stored_within_sixteen_characters(
    code: str | None, stored: str | None
) -> None:
    assert clean_language_code(code) == stored


def test_commands_addressed_to_a_bot_name_the_command_only() -> None:
    assert parse_command("/members@chibo_bot #3 x") == ("members", ["#3", "x"])
    assert parse_command("members") is None

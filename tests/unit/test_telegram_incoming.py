"""What Telegram says about a message's formatting reaches the core as its markup."""

from __future__ import annotations

from telegram import Message

from bot.markup import Span, parse
from handlers.telegram.app import markup_of


def message(text: str, entities: list[dict[str, object]]) -> Message:
    return Message.de_json(
        {
            "message_id": 1,
            "date": 0,
            "chat": {"id": 1, "type": "private"},
            "from": {"id": 1, "is_bot": False, "first_name": "A"},
            "text": text,
            "entities": entities,
        },
        None,  # type: ignore[arg-type]
    )


def test_bold_italic_and_links_become_markup_with_utf16_offsets() -> None:
    text = "🇻🇳 Họp chi bộ ở nhà văn hóa"
    # Offsets count UTF-16 units: the flag is 4 of them.
    entities = [
        {"type": "bold", "offset": 5, "length": 10},
        {"type": "text_link", "offset": 18, "length": 11, "url": "https://x.example/"},
    ]
    assert parse(markup_of(message(text, entities)) or "") == [
        Span("🇻🇳 "),
        Span("Họp chi bộ", bold=True),
        Span(" ở "),
        Span("nhà văn hóa", url="https://x.example/"),
    ]


def test_typed_markup_characters_next_to_formatting_stay_as_typed() -> None:
    text = "5*3 và *đậm*"
    shown = markup_of(message(text, [{"type": "italic", "offset": 0, "length": 3}])) or ""
    assert [s.text for s in parse(shown)] == ["5*3", " và *đậm*"]


def test_without_formatting_the_text_as_typed_is_the_markup() -> None:
    assert markup_of(message("Họp *chi bộ*", [{"type": "bot_command", "offset": 0, "length": 0}])) is None

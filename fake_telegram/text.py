"""Text and entities: Telegram HTML into plain text and entities, and the bot commands in a user's text.

Text is trimmed as Telegram trims it; `bot_command_entities` marks commands as Telegram's apps do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fake_telegram.errors import JSONDict, bad_request
from handlers.telegram.html import Entity, HTMLError, parse_telegram_html, utf16_length

utf16_len = utf16_length  # the name tests and older code use


def parse_html(source: str) -> tuple[str, list[JSONDict]]:
    """Parse Telegram HTML into (plain text, entities); raise ApiError 400 like Telegram on bad markup."""
    try:
        parsed = parse_telegram_html(source)
    except HTMLError as error:
        raise bad_request(f"can't parse entities: {error.description}") from None
    return parsed.text, [_entity_json(entity) for entity in parsed.entities]


def _entity_json(entity: Entity) -> JSONDict:
    """A MessageEntity as the Bot API shows it (text mentions get their user filled in later)."""
    result: JSONDict = {"type": entity.type, "offset": entity.offset, "length": entity.length}
    for key in ("url", "language", "custom_emoji_id", "user_id"):
        if getattr(entity, key) is not None:
            result[key] = getattr(entity, key)
    return result


def _trim(text: str, entities: list[JSONDict]) -> tuple[str, list[JSONDict]]:
    """Trim spaces and newlines as Telegram does: trailing ones, and leading ones before any entity."""
    kept = text.rstrip(_TRIMMED)
    end = utf16_length(kept)
    entities = [{**e, "length": min(e["length"], end - e["offset"])} for e in entities if e["offset"] < end]
    first = min((e["offset"] for e in entities), default=len(kept))
    lead = 0
    while lead < min(first, len(kept)) and kept[lead] in _TRIMMED:
        lead += 1
    return kept[lead:], [{**e, "offset": e["offset"] - lead} for e in entities]


_TRIMMED = "".join(chr(c) for c in range(33))  # control characters count as spaces in Telegram


def bot_command_entities(text: str) -> list[JSONDict]:
    """The bot_command entities Telegram marks in a user's text (tdlib's match_bot_commands)."""
    result = []
    for slash in re.finditer("/", text):
        start = slash.start()
        if start > 0 and _is_command_neighbour(text[start - 1]):
            continue
        end = start + 1
        while end < len(text) and text[end] in _COMMAND_CHARS:
            end += 1
        if not 1 <= end - start - 1 <= 64:
            continue
        if end < len(text) and text[end] == "@":
            name_end = end + 1
            while name_end < len(text) and text[name_end] in _COMMAND_CHARS:
                name_end += 1
            if not 3 <= name_end - end - 1 <= 32:
                continue
            end = name_end
        if end < len(text) and _is_command_neighbour(text[end]):
            continue
        offset = utf16_length(text[:start])
        result.append({"type": "bot_command", "offset": offset, "length": utf16_length(text[start:end])})
    return result


_COMMAND_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def _is_command_neighbour(c: str) -> bool:
    """A character that may not touch a bot command: a letter, digit, "_", "/", "<" or ">"."""
    return c.isalnum() or c in "_/<>"


def _message_text(message: Mapping[str, Any]) -> str:
    """A message's text, or its caption for media."""
    return str(message.get("text") or message.get("caption") or "")

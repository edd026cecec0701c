"""A fake Telegram Bot API server (aiohttp) for tests, the offline demo (`chibo demo`) and benchmarks.

Point a real ``telegram.Bot`` at it with ``base_url=fake.base_url``. It answers the way Telegram
does (same HTTP status, same ``{"ok": false, "error_code": ..., "description": ...}`` bodies),
records every call, and lets a test play the user side (``user_sends``, ``user_presses``,
``user_edits``, ``user_sends_media``). All methods must be called from the event loop thread that
runs the server.

It is as strict as Telegram, because whatever it lets through ships: text is parsed and counted by
`handlers.telegram.html` (Telegram's HTML rules; 4,096 code points of text, 1,024 of caption, 200 of callback
answer), callback data is at most 64 bytes, a callback query is answered once, an edit that changes
nothing is "message is not modified", and with ``limit_group_rate`` a group takes only so many
messages a minute. Not modelled: MarkdownV2 parsing, and the formatting Telegram silently drops when
entities nest in ways it does not allow.

By area: `server` (FakeBotAPI: lifecycle, request routing, recording), composed of `users` (the user
side), `faults` (injected failures, rate limits), `updates` (getUpdates, webhooks), `messages` (what
the bot sends and edits, files, commands) and `inspection` (what tests read and wait for), over
`base` (the shared state); with `errors`, `text`, `decoding` and `state`. It takes Telegram's text
rules from `handlers.telegram.html` and imports nothing from bot/ or storage/; the real Telegram edge
(handlers/) never imports it (tests/unit/test_boundaries.py).
"""

from fake_telegram.errors import (
    MAX_CALLBACK_DATA_BYTES,
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    MAX_UPLOAD_BYTES,
    NOT_MODIFIED,
    QUERY_INVALID,
    ApiError,
    JSONDict,
    bad_request,
)
from fake_telegram.server import FakeBotAPI
from fake_telegram.state import Call, TranscriptEntry, UploadedFile
from fake_telegram.text import bot_command_entities, parse_html, utf16_len

__all__ = [
    "MAX_CALLBACK_DATA_BYTES",
    "MAX_CAPTION_LENGTH",
    "MAX_TEXT_LENGTH",
    "MAX_UPLOAD_BYTES",
    "NOT_MODIFIED",
    "QUERY_INVALID",
    "ApiError",
    "Call",
    "FakeBotAPI",
    "JSONDict",
    "TranscriptEntry",
    "UploadedFile",
    "bad_request",
    "bot_command_entities",
    "parse_html",
    "utf16_len",
]

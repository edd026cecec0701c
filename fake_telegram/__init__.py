"""A fake Telegram Bot API server (aiohttp) for tests, the offline demo and benchmarks.

The server itself is `fake_telegram.server`; its docstring says how to use it and what it models.
It takes Telegram's text rules from `handlers.telegram.html` and imports nothing from bot/ or
storage/; the real Telegram edge (handlers/) never imports it (tests/unit/test_boundaries.py).
"""

from fake_telegram.server import (
    MAX_CALLBACK_DATA_BYTES,
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    MAX_UPLOAD_BYTES,
    NOT_MODIFIED,
    QUERY_INVALID,
    ApiError,
    Call,
    FakeBotAPI,
    JSONDict,
    TranscriptEntry,
    UploadedFile,
    bad_request,
    bot_command_entities,
    parse_html,
    utf16_len,
)

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

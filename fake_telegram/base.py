"""What the parts of FakeBotAPI share: its state's annotations, and the helpers more than one part uses."""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from aiohttp import web

from fake_telegram.decoding import _chat_id
from fake_telegram.errors import JSONDict
from fake_telegram.state import Call, TranscriptEntry, _Chat, _Injection, _Signal, _StoredFile, _TokenBucket


class FakeBotAPIBase:
    """The state of a FakeBotAPI (set, and explained, in FakeBotAPI.__init__) and the shared helpers."""

    token: str
    bot_id: int
    bot_user: JSONDict
    on_call: Callable[[Call], None] | None
    rate_limited_count: int
    _host: str
    _port: int
    _clock: Callable[[], float]
    _runner: web.AppRunner | None
    _closing: bool

    _users: dict[int, JSONDict]
    _chats: dict[int | str, _Chat]
    _sent_order: list[tuple[int, int]]
    _calls: list[Call]
    _call_counts: dict[str, int]
    _transcript: list[TranscriptEntry]
    _updates: deque[JSONDict]
    _next_update_id: int
    _allowed_updates: frozenset[str] | None
    _poll_generation: int
    _webhook_url: str
    _open_queries: dict[str, tuple[int, int]]
    _query_ids: itertools.count[int]
    _files: dict[str, _StoredFile]
    _commands: dict[tuple[str, str], list[JSONDict]]
    _injections: list[_Injection]
    _bucket: _TokenBucket | None
    _group_rate: int | None
    _group_sends: dict[int | str, deque[float]]
    _updates_signal: _Signal
    _calls_signal: _Signal

    def _find_chat(self, chat_id: int | str | None) -> _Chat | None:
        key = _chat_id(chat_id)
        return None if key is None else self._chats.get(key)

    def _new_message(self, chat: _Chat, sender: JSONDict, **content: Any) -> JSONDict:
        message = {
            "message_id": chat.next_message_id,
            "from": sender,
            "chat": chat.info,
            "date": int(time.time()),
            **content,
        }
        chat.messages[chat.next_message_id] = message
        chat.next_message_id += 1
        return message

    def _register_file(self, kind: str, filename: str | None, content: bytes, mime: str) -> _StoredFile:
        """Store a file so getFile and downloads find it by its new file_id."""
        number = len(self._files) + 1
        filename = filename or f"file_{number}"
        file_id = f"{kind[:3].upper()}{self.bot_id}_{number}"
        path = f"{kind}s/file_{number}_{filename}"
        stored = _StoredFile(file_id, f"U{number}", filename, content, mime, path)
        self._files[file_id] = stored
        return stored

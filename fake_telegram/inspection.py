"""Inspecting FakeBotAPI from a test: recorded calls, what the bot sent, the transcript, and waiting."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from fake_telegram.base import FakeBotAPIBase
from fake_telegram.decoding import _buttons, _chat_id, _scope_key
from fake_telegram.errors import JSONDict
from fake_telegram.state import Call, TranscriptEntry
from fake_telegram.text import _message_text


class InspectionMixin(FakeBotAPIBase):
    """calls, sent, texts, last, document, buttons, commands_for, transcript, pending_updates, wait_for_*."""

    def calls(self, method: str | None = None, *, chat_id: int | str | None = None) -> list[Call]:
        """Recorded calls in order, optionally only one method (any case) and/or one chat."""
        wanted_method = method.lower() if method else None
        wanted_chat = _chat_id(chat_id)
        return [
            call
            for call in self._calls
            if (wanted_method is None or call.method.lower() == wanted_method)
            and (wanted_chat is None or call.params.get("chat_id") == wanted_chat)
        ]

    def sent(self, chat_id: int | str | None = None) -> list[JSONDict]:
        """Messages the bot sent successfully (latest version, deleted ones included), in order."""
        if chat_id is None:
            return [self._chats[c].messages[m] for c, m in self._sent_order]
        chat = self._find_chat(chat_id)
        return [chat.messages[m] for m in chat.sent] if chat else []

    def texts(self, chat_id: int | str | None = None) -> list[str]:
        """Text (or caption) of every message the bot sent, optionally to one chat."""
        return [_message_text(m) for m in self.sent(chat_id)]

    def last(self, chat_id: int | str) -> JSONDict:
        """The latest version of the last message the bot sent to chat_id."""
        chat = self._find_chat(chat_id)
        if chat is None or not chat.sent:
            raise LookupError(f"the bot sent nothing to chat {chat_id}")
        return chat.messages[chat.sent[-1]]

    def document(self, message: Mapping[str, Any]) -> tuple[str, bytes]:
        """The file name and the bytes of a document the bot sent in this message."""
        sent = message["document"]
        return sent["file_name"], self._files[sent["file_id"]].content

    @staticmethod
    def buttons(message: Mapping[str, Any]) -> list[tuple[str, str | None]]:
        """A message's keyboard buttons as (text, callback_data), row by row."""
        return _buttons(message.get("reply_markup"))

    def commands_for(self, scope: Mapping[str, Any] | None = None, language_code: str = "") -> list[JSONDict]:
        """Commands stored by setMyCommands for exactly this scope and language."""
        return list(self._commands.get((_scope_key(scope), language_code), []))

    def transcript(self) -> list[TranscriptEntry]:
        """The conversation so far: user messages and presses, bot sends, edits and answers."""
        return list(self._transcript)

    @property
    def pending_updates(self) -> int:
        """Updates queued and not yet confirmed by getUpdates."""
        return len(self._updates)

    def _sent_count(self, chat_id: int | str | None) -> int:
        if chat_id is None:
            return len(self._sent_order)
        chat = self._find_chat(chat_id)
        return len(chat.sent) if chat else 0

    async def wait_for_sent(
        self,
        chat_id: int | str | None = None,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - a plain argument keeps test code short
    ) -> list[JSONDict]:
        """Wait until the bot has sent at least count messages (to chat_id, or anywhere) in total."""
        if await self._calls_signal.wait_until(lambda: self._sent_count(chat_id) >= count, timeout):
            return self.sent(chat_id)
        failures = [f"{c.method} {c.status} {c.description}" for c in self._calls if c.status != 200][-5:]
        where = "in total" if chat_id is None else f"to chat {chat_id}"
        raise TimeoutError(
            f"waited {timeout}s for {count} message(s) {where}; the bot sent {self._sent_count(chat_id)}: "
            f"{self.texts(chat_id)!r}; last failed calls: {failures!r}"
        )

    async def wait_for_calls(
        self,
        method: str,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - a plain argument keeps test code short
    ) -> list[Call]:
        """Wait until method has been called at least count times (any outcome); return those calls."""
        key = method.lower()
        if await self._calls_signal.wait_until(lambda: self._call_counts.get(key, 0) >= count, timeout):
            return self.calls(method)
        raise TimeoutError(
            f"waited {timeout}s for {count} {method} call(s), got {self._call_counts.get(key, 0)}; "
            f"methods called: {sorted(self._call_counts)}"
        )

    async def wait_until(
        self,
        predicate: Callable[[], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 - a plain argument keeps test code short
        what: str = "the condition",
    ) -> None:
        """Wait until predicate() holds, re-checking after every call the bot makes."""
        if not await self._calls_signal.wait_until(predicate, timeout):
            recent = [c.method for c in self._calls[-5:]]
            raise TimeoutError(f"waited {timeout}s for {what}; last calls: {recent}")

"""Failure injection for FakeBotAPI: errors and dropped connections on demand, and Telegram's rate limits."""

from __future__ import annotations

import math
from collections import deque
from http import HTTPStatus
from typing import Any

from aiohttp import web

from fake_telegram.base import FakeBotAPIBase
from fake_telegram.decoding import _chat_id
from fake_telegram.errors import ApiError, JSONDict
from fake_telegram.state import _Injection, _TokenBucket

_RATE_LIMITED = frozenset({"sendMessage", "sendDocument", "sendPhoto"})


class FaultsMixin(FakeBotAPIBase):
    """fail_next, drop_next, limit_rate and limit_group_rate, and how a request meets them."""

    def fail_next(
        self,
        method: str,
        status: int,
        *,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | str | None = None,
    ) -> None:
        """Answer the next `times` calls of method (optionally only for chat_id) with an error."""
        parameters = None
        if status == 429:
            retry_after = retry_after or 1
            description = description or f"Too Many Requests: retry after {retry_after}"
            parameters = {"retry_after": retry_after}
        elif description is None:
            try:
                description = HTTPStatus(status).phrase
            except ValueError:
                description = f"Error {status}"
        error = ApiError(status, description, parameters)
        self._injections.append(_Injection(method.lower(), _chat_id(chat_id), times, error))

    def drop_next(
        self, method: str, *, times: int = 1, chat_id: int | str | None = None, deliver: bool = False
    ) -> None:
        """Close the connection without answering the next matching call(s).

        With deliver=True the call takes effect first and only the answer is lost.
        """
        self._injections.append(_Injection(method.lower(), _chat_id(chat_id), times, None, deliver))

    def limit_rate(self, per_second: float | None, burst: int = 30) -> None:
        """Enforce a global token bucket on message sends (None disables it); excess gets 429."""
        if per_second is None or per_second <= 0:
            self._bucket = None
        else:
            self._bucket = _TokenBucket(per_second, burst, float(burst), self._clock())

    def limit_group_rate(self, per_minute: int | None) -> None:
        """Like Telegram, refuse with 429 more than per_minute messages to one group a minute (None: off)."""
        self._group_rate = per_minute if per_minute and per_minute > 0 else None
        self._group_sends.clear()

    def _take_injection(self, method: str, params: JSONDict) -> _Injection | None:
        for injection in self._injections:
            if injection.method == method.lower() and injection.chat_id in (None, params.get("chat_id")):
                injection.remaining -= 1
                if injection.remaining <= 0:
                    self._injections.remove(injection)
                return injection
        return None

    def _check_rate(self, method: str, params: JSONDict) -> None:
        if method not in _RATE_LIMITED:
            return
        now = self._clock()
        wait = self._group_wait(params.get("chat_id"), now)
        if not wait and self._bucket is not None:
            wait = self._bucket.take(now)
        if wait:
            self.rate_limited_count += 1
            retry_after = max(1, math.ceil(wait))
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})

    def _group_wait(self, chat_id: Any, now: float) -> float:
        """Record a send to a group; return 0, or the seconds until the group's last minute has room."""
        chat = self._chats.get(chat_id)
        if self._group_rate is None or chat is None or chat.info["type"] not in ("group", "supergroup"):
            return 0.0
        sends = self._group_sends.setdefault(chat_id, deque())
        while sends and now - sends[0] >= 60:
            sends.popleft()
        if len(sends) >= self._group_rate:
            return 60 - (now - sends[0])
        sends.append(now)
        return 0.0


def _drop_connection(request: web.Request) -> web.StreamResponse:
    """Abort the TCP connection so the client sees it closed without any response."""
    transport = request.transport
    request.protocol.force_close()
    if transport is not None:
        transport.abort()
    return web.Response()

"""The fake's records and state: calls, uploads, the transcript, chats, injected faults, rate buckets."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from fake_telegram.errors import ApiError, JSONDict


@dataclass(frozen=True, slots=True)
class Call:
    """One recorded API call; status 0 means the connection was dropped, 499 the client went away."""

    method: str
    params: JSONDict
    status: int
    at: float
    description: str | None = None


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file part of a multipart request, as found in ``Call.params``."""

    filename: str
    content: bytes
    content_type: str


@dataclass(frozen=True, slots=True)
class TranscriptEntry:
    """One line of the conversation: kind is message, press, edit, answer, or a media kind (photo ...)."""

    direction: str  # "user" or "bot"
    chat_id: int
    actor: str
    text: str
    buttons: tuple[tuple[str, str | None], ...] = ()
    kind: str = "message"

    @property
    def edited(self) -> bool:
        """Whether this entry is an edit of an earlier bot message."""
        return self.kind == "edit"


class _Signal:
    """Wakes waiters when state changes; notify() is synchronous so user_* helpers can call it."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def notify(self) -> None:
        """Wake every current waiter so it re-checks its predicate."""
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:  # noqa: ASYNC109
        """Wait until predicate() is true; False if timeout passes first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.add(waiter)
            try:
                await asyncio.wait_for(waiter, remaining)
            except TimeoutError:
                return predicate()
            finally:
                self._waiters.discard(waiter)
        return True


@dataclass(slots=True)
class _Chat:
    info: JSONDict
    messages: dict[int, JSONDict] = field(default_factory=dict)  # latest version of every message
    sent: list[int] = field(default_factory=list)  # ids of messages the bot sent, in order
    deleted: set[int] = field(default_factory=set)
    next_message_id: int = 1
    unavailable: str | None = None  # the 403 description once the user blocked us / left Telegram


@dataclass(slots=True)
class _Injection:
    method: str  # lower-case
    chat_id: int | str | None
    remaining: int
    error: ApiError | None = None  # None: drop the connection instead
    deliver: bool = False  # for drops: perform the call, then lose the answer


@dataclass(slots=True)
class _TokenBucket:
    rate: float
    burst: int
    tokens: float
    updated: float

    def take(self, now: float) -> float:
        """Consume a token; return 0 on success or the seconds until one is available."""
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


@dataclass(frozen=True, slots=True)
class _StoredFile:
    file_id: str
    file_unique_id: str
    filename: str
    content: bytes
    mime_type: str
    path: str

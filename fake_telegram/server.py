"""FakeBotAPI itself: lifecycle, URLs, request routing and recording, joined with its parts by area.

How to use it and what it models: the package docstring (fake_telegram/__init__.py).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import socket
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from fake_telegram.decoding import _read_params
from fake_telegram.errors import MAX_UPLOAD_BYTES, ApiError, JSONDict
from fake_telegram.faults import FaultsMixin, _drop_connection
from fake_telegram.inspection import InspectionMixin
from fake_telegram.messages import MessagesMixin
from fake_telegram.state import Call, TranscriptEntry, _Chat, _Injection, _Signal, _StoredFile, _TokenBucket
from fake_telegram.updates import UpdatesMixin
from fake_telegram.users import UsersMixin

logger = logging.getLogger(__name__)

_Handler = Callable[[JSONDict], Awaitable[Any]]


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class FakeBotAPI(UsersMixin, FaultsMixin, UpdatesMixin, MessagesMixin, InspectionMixin):
    """An in-process Telegram Bot API server; see the package docstring (fake_telegram)."""

    def __init__(
        self,
        token: str = "123456:TEST",
        *,
        bot_username: str = "chibo_test_bot",
        bot_id: int | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = token
        prefix = token.split(":", 1)[0]
        self.bot_id = bot_id if bot_id is not None else int(prefix) if prefix.isdigit() else 123456
        self.bot_user: JSONDict = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Chibo",
            "username": bot_username,
        }
        self.on_call: Callable[[Call], None] | None = None
        self.rate_limited_count = 0
        self._host, self._port = host, port
        self._clock = clock  # seconds, for rate limits; tests may pass a fake one
        self._runner: web.AppRunner | None = None
        self._closing = False

        self._users: dict[int, JSONDict] = {}
        self._chats: dict[int | str, _Chat] = {}
        self._sent_order: list[tuple[int, int]] = []  # (chat_id, message_id) across all chats
        self._calls: list[Call] = []
        self._call_counts: dict[str, int] = {}
        self._transcript: list[TranscriptEntry] = []
        self._updates: deque[JSONDict] = deque()
        self._next_update_id = 1
        self._allowed_updates: frozenset[str] | None = None
        self._poll_generation = 0
        self._webhook_url = ""
        self._open_queries: dict[str, tuple[int, int]] = {}  # callback query id -> (chat id, message id)
        self._query_ids = itertools.count(1)
        self._files: dict[str, _StoredFile] = {}
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._injections: list[_Injection] = []
        self._bucket: _TokenBucket | None = None
        self._group_rate: int | None = None
        self._group_sends: dict[int | str, deque[float]] = {}  # chat id -> times of recent sends
        self._updates_signal = _Signal()
        self._calls_signal = _Signal()

        handlers: dict[str, _Handler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "logOut": self._true,
            "close": self._true,
            "getChat": self._get_chat,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "sendChatAction": self._send_chat_action,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
            "getFile": self._get_file,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
        }
        # Telegram matches method names case-insensitively.
        self._methods = {name.lower(): (name, handler) for name, handler in handlers.items()}

    # ------------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Bind host:port (a free port by default) and start serving."""
        if self._runner is not None:
            raise RuntimeError("FakeBotAPI is already running")
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_request)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        # handler_cancellation: a long poll whose client went away must not linger until its timeout.
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
        # Binding our own socket tells us the port the OS picked, without private aiohttp attributes.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self._host, self._port))
        except OSError:
            sock.close()
            raise
        self._port = sock.getsockname()[1]
        await runner.setup()
        await web.SockSite(runner, sock).start()
        self._runner, self._closing = runner, False
        logger.debug("fake Bot API listening on %s", self.url)

    async def stop(self) -> None:
        """Stop serving; pending long polls return [] at once."""
        if self._runner is None:
            return
        self._closing = True
        self._updates_signal.notify()
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def __aenter__(self) -> FakeBotAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """Root URL, e.g. http://127.0.0.1:PORT."""
        if self._runner is None:
            raise RuntimeError("FakeBotAPI is not running; call start() first")
        return f"http://{self._host}:{self._port}"

    @property
    def base_url(self) -> str:
        """Value for telegram.Bot(base_url=...), which appends token and method."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for telegram.Bot(base_file_url=...)."""
        return f"{self.url}/file/bot"

    # ------------------------------------------------------------------------ HTTP layer

    async def _handle_request(self, request: web.Request) -> web.StreamResponse:
        raw_method = request.match_info["method"]
        method, handler = self._methods.get(raw_method.lower(), (raw_method, None))
        params: JSONDict = {}
        injection: _Injection | None = None
        try:
            params = await _read_params(request)
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            if handler is None:
                raise ApiError(404, "Not Found")
            injection = self._take_injection(method, params) if self._injections else None
            if injection is not None and injection.error is not None:
                raise injection.error
            if injection is not None and not injection.deliver:
                self._record(method, params, 0, "connection dropped")
                return _drop_connection(request)
            self._check_rate(method, params)
            result = await handler(params)
        except ApiError as exc:
            self._record(method, params, exc.status, exc.description)
            return web.json_response(exc.body(), status=exc.status, dumps=_dumps)
        except asyncio.CancelledError:
            self._record(method, params, 499, "client closed the connection")
            raise
        self._record(method, params, 200)
        if injection is not None:
            return _drop_connection(request)
        return web.json_response({"ok": True, "result": result}, dumps=_dumps)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        stored = next((f for f in self._files.values() if f.path == path), None)
        if request.match_info["token"] != self.token or stored is None:
            return web.json_response(ApiError(404, "Not Found").body(), status=404, dumps=_dumps)
        return web.Response(body=stored.content, content_type=stored.mime_type)

    def _record(self, method: str, params: JSONDict, status: int, description: str | None = None) -> None:
        call = Call(method, params, status, time.monotonic(), description)
        self._calls.append(call)
        key = method.lower()
        self._call_counts[key] = self._call_counts.get(key, 0) + 1
        if status != 200:
            logger.debug("%s -> %s %s", method, status, description)
        self._calls_signal.notify()
        if self.on_call is not None:
            try:
                self.on_call(call)
            except Exception:
                logger.exception("on_call hook failed for %s", method)

    # ------------------------------------------------------------------------ API methods

    async def _true(self, params: JSONDict) -> bool:
        return True

    async def _get_me(self, params: JSONDict) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

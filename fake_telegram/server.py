"""A fake Telegram Bot API server (aiohttp) for tests, the offline demo and benchmarks.

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
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import math
import re
import socket
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from handlers.telegram.html import (
    MAX_CALLBACK_ANSWER,
    MAX_CAPTION,
    MAX_TEXT,
    Entity,
    HTMLError,
    is_blank,
    parse_telegram_html,
    utf16_length,
    visible_length,
)

logger = logging.getLogger(__name__)

JSONDict = dict[str, Any]

# Lengths count code points after entity parsing (see handlers.telegram.html, which the transport shares).
MAX_TEXT_LENGTH = MAX_TEXT
MAX_CAPTION_LENGTH = MAX_CAPTION
MAX_CALLBACK_DATA_BYTES = 64
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # Telegram's limit for bot uploads

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
_CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
    "the webhook first"
)
_CONFLICT_POLLING = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)

# python-telegram-bot sends form data in which every non-string value is JSON-encoded, so the
# server has to know which fields to turn back into objects, numbers and booleans.
_JSON_PARAMS = frozenset(
    "reply_markup scope commands entities caption_entities allowed_updates link_preview_options"
    " reply_parameters media results permissions reaction".split()
)
_INT_PARAMS = frozenset(
    "message_id offset limit user_id reply_to_message_id message_thread_id cache_time".split()
)
_FLOAT_PARAMS = frozenset({"timeout"})
_BOOL_PARAMS = frozenset(
    "show_alert disable_notification protect_content disable_web_page_preview drop_pending_updates"
    " allow_sending_without_reply has_spoiler revoke_messages disable_content_type_detection"
    " allow_paid_broadcast show_caption_above_media".split()
)
_CHAT_ID_PARAMS = frozenset({"chat_id", "from_chat_id"})
_RATE_LIMITED = frozenset({"sendMessage", "sendDocument", "sendPhoto"})
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_INT_RE = re.compile(r"-?\d+")


class ApiError(Exception):
    """A Telegram-style error answer: HTTP status plus description."""

    def __init__(self, status: int, description: str, parameters: JSONDict | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> JSONDict:
        """The JSON body Telegram would send."""
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str) -> ApiError:
    """A 400 with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {reason}")


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


utf16_len = utf16_length  # the name tests and older code use


# ---------------------------------------------------------------------------- text and entities


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


# ---------------------------------------------------------------------------- request decoding


def _chat_id(value: Any) -> int | str | None:
    """Chat ids arrive as int or str; "@channel" names stay strings."""
    if isinstance(value, str) and _INT_RE.fullmatch(value.strip()):
        return int(value)
    if value is None or isinstance(value, int | str):
        return value
    return str(value)


def _decode_param(name: str, value: Any) -> Any:
    if isinstance(value, str):
        try:
            if name in _JSON_PARAMS:
                return json.loads(value)
            if name in _INT_PARAMS:
                return int(value)
            if name in _FLOAT_PARAMS:
                return float(value)
        except ValueError:
            raise bad_request(f"can't parse {name}") from None
        if name in _BOOL_PARAMS:
            return value.lower() in ("true", "1")
    if name in _CHAT_ID_PARAMS:
        return _chat_id(value)
    return value


async def _read_params(request: web.Request) -> JSONDict:
    """Merge query string and JSON / urlencoded / multipart body into decoded parameters."""
    raw: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON request body") from None
            if not isinstance(body, dict):
                raise bad_request("request body must be a JSON object")
            raw.update(body)
        else:
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    with value.file as handle:
                        raw[key] = UploadedFile(value.filename, handle.read(), value.content_type)
                else:
                    raw[key] = value
    return {key: _decode_param(key, value) for key, value in raw.items()}


def _buttons(markup: Any) -> list[tuple[str, str | None]]:
    """Flatten inline or reply keyboard buttons to (text, callback_data)."""
    if not isinstance(markup, dict):
        return []
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    return [
        (button, None) if isinstance(button, str) else (button.get("text", ""), button.get("callback_data"))
        for row in rows
        for button in row
    ]


def _inline_markup(params: JSONDict) -> JSONDict | None:
    """Validate reply_markup; return it if it is an inline keyboard (the only kind a Message echoes)."""
    markup = params.get("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if not rows:  # a reply keyboard, or an empty inline one, which Telegram treats as none
        return None
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays')
    for button in itertools.chain.from_iterable(rows):
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise bad_request("can't parse inline keyboard button: Text must be a String")
        data = button.get("callback_data")
        if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
        if len(button) == 1:
            raise bad_request("text buttons are unallowed in the inline keyboard")
    return markup


# ---------------------------------------------------------------------------- state


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


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _scope_key(scope: Mapping[str, Any] | None) -> str:
    """Canonical JSON for a BotCommandScope so equal scopes share one command list."""
    scope = scope or {"type": "default"}
    canonical = {k: _chat_id(v) if k in ("chat_id", "user_id") else v for k, v in scope.items()}
    return json.dumps(canonical, sort_keys=True, separators=(",", ":"))


def _message_text(message: Mapping[str, Any]) -> str:
    """A message's text, or its caption for media."""
    return str(message.get("text") or message.get("caption") or "")


def _png_size(content: bytes) -> tuple[int, int]:
    if content[:8] == b"\x89PNG\r\n\x1a\n" and len(content) >= 24:
        return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")
    return 0, 0


_Handler = Callable[[JSONDict], Awaitable[Any]]

# What a user can send with user_sends_media: file name, MIME type and the kind's own fields.
_MEDIA: dict[str, tuple[str, str, JSONDict]] = {
    "photo": ("photo.jpg", "image/jpeg", {"width": 1280, "height": 960}),
    "sticker": (
        "sticker.webp",
        "image/webp",
        {"width": 512, "height": 512, "emoji": "👍", "type": "regular", "is_animated": False}
        | {"is_video": False},
    ),
    "voice": ("voice.ogg", "audio/ogg", {"duration": 3}),
    "document": ("bien-ban-hop.pdf", "application/pdf", {}),
    "location": ("", "", {}),
}


class FakeBotAPI:
    """An in-process Telegram Bot API server; see the module docstring."""

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

    # ------------------------------------------------------------------------ people and chats

    def add_user(
        self,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "vi",
    ) -> JSONDict:
        """Create a user and their private chat (chat id == user id); return the User dict."""
        user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        chat: JSONDict = {"id": user_id, "type": "private", "first_name": first_name}
        for key, value in (("last_name", last_name), ("username", username)):
            if value is not None:
                user[key] = chat[key] = value
        if language_code is not None:
            user["language_code"] = language_code
        self._users[user_id] = user
        if user_id in self._chats:  # re-adding renames the user but keeps the chat's history
            self._chats[user_id].info = chat
        else:
            self._chats[user_id] = _Chat(chat)
        return user

    def add_group(self, chat_id: int, title: str) -> JSONDict:
        """Create a group (a supergroup if the id looks like -100...); return the Chat dict."""
        kind = "supergroup" if chat_id <= -1_000_000_000_000 else "group"
        self._chats[chat_id] = _Chat({"id": chat_id, "type": kind, "title": title})
        return self._chats[chat_id].info

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends to their chat answer 403."""
        self._chat(user_id).unavailable = "Forbidden: bot was blocked by the user"

    def unblock(self, user_id: int) -> None:
        """The user unblocks the bot."""
        self._chat(user_id).unavailable = None

    def delete_account(self, user_id: int) -> None:
        """The user deletes their account: sends to their chat answer 403."""
        self._chat(user_id).unavailable = "Forbidden: user is deactivated"

    def _find_chat(self, chat_id: int | str | None) -> _Chat | None:
        key = _chat_id(chat_id)
        return None if key is None else self._chats.get(key)

    def _chat(self, chat_id: int | str) -> _Chat:
        chat = self._find_chat(chat_id)
        if chat is None:
            raise KeyError(f"unknown chat {chat_id!r}: call add_user()/add_group() first")
        return chat

    def _user(self, user_id: int) -> JSONDict:
        try:
            return self._users[user_id]
        except KeyError:
            raise KeyError(f"unknown user {user_id!r}: call add_user() first") from None

    # ------------------------------------------------------------------------ simulated users

    def user_sends(
        self, user_id: int, text: str, *, chat_id: int | None = None, queue: bool = True
    ) -> JSONDict:
        """The user sends text (to their private chat unless chat_id); return the Update dict."""
        user = self._user(user_id)
        chat = self._chat(user_id if chat_id is None else chat_id)
        message = self._new_message(chat, user, text=text)
        if entities := bot_command_entities(text):
            message["entities"] = entities
        self._transcript.append(TranscriptEntry("user", chat.info["id"], user["first_name"], text))
        return self._new_update({"message": message}, queue)

    def user_edits(
        self, user_id: int, message_id: int, new_text: str, *, chat_id: int | None = None, queue: bool = True
    ) -> JSONDict:
        """The user edits the text of a message they sent; return the edited_message Update dict."""
        user = self._user(user_id)
        chat = self._chat(user_id if chat_id is None else chat_id)
        old = chat.messages.get(message_id)
        if old is None or message_id in chat.deleted:
            raise KeyError(f"chat {chat.info['id']} has no message {message_id}")
        if old["from"]["id"] != user_id or "text" not in old:
            raise ValueError(f"user {user_id} did not send text message {message_id}")
        new = {k: v for k, v in old.items() if k != "entities"}
        new.update(text=new_text, edit_date=int(time.time()))
        if entities := bot_command_entities(new_text):
            new["entities"] = entities
        chat.messages[message_id] = new
        entry = TranscriptEntry("user", chat.info["id"], user["first_name"], new_text, kind="edit")
        self._transcript.append(entry)
        return self._new_update({"edited_message": new}, queue)

    def user_sends_media(
        self,
        user_id: int,
        kind: str,
        *,
        chat_id: int | None = None,
        caption: str | None = None,
        queue: bool = True,
    ) -> JSONDict:
        """The user sends a photo, sticker, voice, location or document; return the Update dict."""
        if kind not in _MEDIA:
            raise ValueError(f"kind must be one of {sorted(_MEDIA)}, not {kind!r}")
        if caption is not None and kind in ("sticker", "location"):
            raise ValueError(f"a {kind} has no caption")
        if caption is not None and visible_length(caption) > MAX_CAPTION_LENGTH:
            raise ValueError("Telegram apps do not send captions over 1,024 characters")
        user = self._user(user_id)
        chat = self._chat(user_id if chat_id is None else chat_id)
        content: JSONDict = {kind: self._user_media(kind)}
        if caption:
            content["caption"] = caption
        message = self._new_message(chat, user, **content)
        text = caption or f"[{kind}]"
        self._transcript.append(TranscriptEntry("user", chat.info["id"], user["first_name"], text, kind=kind))
        return self._new_update({"message": message}, queue)

    def _user_media(self, kind: str) -> Any:
        """The payload Telegram puts in a user's message for one kind of media."""
        if kind == "location":
            return {"latitude": 21.028511, "longitude": 105.804817}
        filename, mime, extra = _MEDIA[kind]
        stored = self._register_file(kind, filename, b"\0" * 1024, mime)
        file = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "file_size": 1024}
        file.update(extra)
        if kind == "photo":  # Telegram sends several sizes, smallest first
            thumbnail = self._register_file(kind, filename, b"\0" * 128, mime)
            small = {"file_id": thumbnail.file_id, "file_unique_id": thumbnail.file_unique_id}
            return [{**small, "file_size": 128, "width": 90, "height": 68}, file]
        if kind == "document":
            file.update(file_name=filename, mime_type=mime)
        if kind == "voice":
            file["mime_type"] = mime
        return file

    def user_presses(
        self, user_id: int, message_id: int, data: str, *, chat_id: int | None = None, queue: bool = True
    ) -> JSONDict:
        """The user presses an inline button carrying data on a bot message; return the Update dict."""
        user = self._user(user_id)
        chat = self._chat(user_id if chat_id is None else chat_id)
        message = chat.messages.get(message_id)
        if message is None or message_id in chat.deleted:
            raise KeyError(f"chat {chat.info['id']} has no message {message_id}")
        query_id = f"{self.bot_id}{next(self._query_ids):08d}"
        self._open_queries[query_id] = (chat.info["id"], message_id)
        label = next((text for text, value in _buttons(message.get("reply_markup")) if value == data), data)
        entry = TranscriptEntry("user", chat.info["id"], user["first_name"], label, kind="press")
        self._transcript.append(entry)
        query = {
            "id": query_id,
            "from": user,
            "message": message,
            "chat_instance": str(chat.info["id"]),
            "data": data,
        }
        return self._new_update({"callback_query": query}, queue)

    def _new_update(self, payload: JSONDict, queue: bool) -> JSONDict:
        update = {"update_id": self._next_update_id, **payload}
        self._next_update_id += 1
        if queue:
            self._updates.append(update)
            self._updates_signal.notify()
        return update

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

    # ------------------------------------------------------------------------ failure injection

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

    async def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        if self._webhook_url:
            raise ApiError(409, _CONFLICT_WEBHOOK)
        offset = params.get("offset")
        limit = min(max(params.get("limit") or 100, 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        if "allowed_updates" in params:
            self._allowed_updates = frozenset(params["allowed_updates"] or ()) or None  # [] means all
        if offset is not None:
            self._confirm(offset)
        # Like Telegram, a newer getUpdates terminates an older pending one with 409.
        self._poll_generation += 1
        generation = self._poll_generation
        self._updates_signal.notify()
        if timeout > 0:
            await self._updates_signal.wait_until(
                lambda: self._closing or generation != self._poll_generation or self._has_pending(offset),
                timeout,
            )
            if generation != self._poll_generation and not self._closing:
                raise ApiError(409, _CONFLICT_POLLING)
        return list(itertools.islice(self._pending(offset), limit))

    def _confirm(self, offset: int) -> None:
        if offset < 0:  # -N keeps only the last N updates
            while len(self._updates) > -offset:
                self._updates.popleft()
            return
        while self._updates and self._updates[0]["update_id"] < offset:
            self._updates.popleft()

    def _pending(self, offset: int | None) -> Iterable[JSONDict]:
        allowed = self._allowed_updates
        for update in self._updates:
            if offset is not None and 0 <= update["update_id"] < offset:
                continue
            if allowed is None or not allowed.isdisjoint(update.keys()):
                yield update

    def _has_pending(self, offset: int | None) -> bool:
        return next(iter(self._pending(offset)), None) is not None

    async def _delete_webhook(self, params: JSONDict) -> bool:
        self._webhook_url = ""
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _set_webhook(self, params: JSONDict) -> bool:
        self._webhook_url = str(params.get("url") or "")
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._updates_signal.notify()
        return True

    async def _get_webhook_info(self, params: JSONDict) -> JSONDict:
        return {
            "url": self._webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def _target(self, params: JSONDict) -> _Chat:
        """The chat a method addresses: 400 if unknown, 403 if the user blocked us or left."""
        if params.get("chat_id") in (None, ""):
            raise bad_request("chat_id is empty")
        chat = self._chats.get(params["chat_id"])
        if chat is None:
            raise bad_request("chat not found")
        if chat.unavailable:
            raise ApiError(403, chat.unavailable)
        return chat

    async def _get_chat(self, params: JSONDict) -> JSONDict:
        chat = self._chats.get(params.get("chat_id", ""))
        if chat is None:
            raise bad_request("chat not found")
        # getChat answers a ChatFullInfo, which requires these two fields.
        return {**chat.info, "accent_color_id": 0, "max_reaction_count": 11}

    def _format(self, text: str, params: JSONDict, entities_key: str) -> tuple[str, list[JSONDict]]:
        """Apply parse_mode and trim like Telegram; only HTML is parsed, other modes are stored verbatim."""
        parse_mode = params.get("parse_mode")
        entities: list[JSONDict]
        if parse_mode and str(parse_mode).lower() == "html":
            text, entities = parse_html(text)
        elif parse_mode and str(parse_mode).lower() not in ("markdown", "markdownv2"):
            raise bad_request("unsupported parse_mode")
        else:
            entities = list(params.get(entities_key) or [])
        for entity in entities:
            if "user_id" in entity:  # a tg://user?id= link: Telegram shows the user it names
                user_id = entity.pop("user_id")
                entity["user"] = self._users.get(user_id, {"id": user_id, "is_bot": False, "first_name": ""})
        return _trim(text, entities)

    def _message_text(self, params: JSONDict) -> tuple[str, list[JSONDict]]:
        raw = params.get("text")
        if not isinstance(raw, str):
            raise bad_request("message text is empty")
        text, entities = self._format(raw, params, "entities")
        if is_blank(text):
            raise bad_request("message text is empty")
        if visible_length(text) > MAX_TEXT_LENGTH:
            raise bad_request("message is too long")
        return text, entities

    def _caption(self, params: JSONDict) -> JSONDict:
        raw = params.get("caption")
        if not raw:
            return {}
        caption, entities = self._format(str(raw), params, "caption_entities")
        if visible_length(caption) > MAX_CAPTION_LENGTH:
            raise bad_request("message caption is too long")
        if is_blank(caption):
            return {}
        return {"caption": caption, **({"caption_entities": entities} if entities else {})}

    def _store_sent(
        self, chat: _Chat, content: JSONDict, params: JSONDict, markup: JSONDict | None
    ) -> JSONDict:
        reply_parameters = params.get("reply_parameters") or {}
        reply_to = params.get("reply_to_message_id") or reply_parameters.get("message_id")
        if reply_to in chat.messages:
            # Telegram nests one level only: the replied-to message carries no reply_to_message itself.
            replied = chat.messages[reply_to]
            content["reply_to_message"] = {k: v for k, v in replied.items() if k != "reply_to_message"}
        if markup is not None:
            content["reply_markup"] = markup
        message = self._new_message(chat, self.bot_user, **content)
        chat.sent.append(message["message_id"])
        self._sent_order.append((chat.info["id"], message["message_id"]))
        return message

    def _note_bot(self, chat: _Chat, message: JSONDict, kind: str, text: str | None = None) -> None:
        text = text if text is not None else _message_text(message)
        buttons = tuple(_buttons(message.get("reply_markup")))
        actor = self.bot_user["first_name"]
        self._transcript.append(TranscriptEntry("bot", chat.info["id"], actor, text, buttons, kind))

    async def _send_message(self, params: JSONDict) -> JSONDict:
        chat = self._target(params)
        text, entities = self._message_text(params)
        markup = _inline_markup(params)
        content: JSONDict = {"text": text}
        if entities:
            content["entities"] = entities
        message = self._store_sent(chat, content, params, markup)
        self._note_bot(chat, message, "message")
        return message

    def _editable(self, chat: _Chat, params: JSONDict) -> JSONDict:
        if "inline_message_id" in params:
            raise bad_request("inline messages are not supported by the fake Bot API")
        message_id = params.get("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None or message_id in chat.deleted:
            raise bad_request("message to edit not found")
        if message["from"]["id"] != self.bot_id:
            raise bad_request("message can't be edited")
        return message

    def _replace(self, chat: _Chat, old: JSONDict, changes: JSONDict, removed: Iterable[str]) -> JSONDict:
        """Store a new version of a message; earlier dicts handed out stay unchanged snapshots."""
        new = {k: v for k, v in old.items() if k not in removed}
        new.update(changes, edit_date=int(time.time()))
        if all(new.get(k) == old.get(k) for k in {*new, *old} - {"edit_date"}):
            raise ApiError(400, NOT_MODIFIED)
        chat.messages[old["message_id"]] = new
        self._note_bot(chat, new, "edit")
        return new

    async def _edit_message_text(self, params: JSONDict) -> JSONDict:
        chat = self._target(params)
        old = self._editable(chat, params)
        if "text" not in old:
            raise bad_request("there is no text in the message to edit")
        text, entities = self._message_text(params)
        markup = _inline_markup(params)
        # Telegram drops the inline keyboard when editMessageText comes without reply_markup.
        changes: JSONDict = {"text": text}
        removed = []
        for key, value in (("entities", entities), ("reply_markup", markup)):
            if value:
                changes[key] = value
            else:
                removed.append(key)
        return self._replace(chat, old, changes, removed)

    async def _edit_message_reply_markup(self, params: JSONDict) -> JSONDict:
        chat = self._target(params)
        old = self._editable(chat, params)
        markup = _inline_markup(params)
        if markup:
            return self._replace(chat, old, {"reply_markup": markup}, ())
        return self._replace(chat, old, {}, ("reply_markup",))

    async def _delete_message(self, params: JSONDict) -> bool:
        chat = self._target(params)
        message_id = params.get("message_id")
        if message_id not in chat.messages or message_id in chat.deleted:
            raise bad_request("message to delete not found")
        chat.deleted.add(message_id)
        return True

    async def _answer_callback_query(self, params: JSONDict) -> bool:
        if visible_length(str(params.get("text") or "")) > MAX_CALLBACK_ANSWER:
            raise bad_request("MESSAGE_TOO_LONG")
        target = self._open_queries.pop(str(params.get("callback_query_id", "")), None)
        if target is None:  # unknown, or answered already: a query can be answered once
            raise ApiError(400, QUERY_INVALID)
        if params.get("text"):
            actor = self.bot_user["first_name"]
            self._transcript.append(TranscriptEntry("bot", target[0], actor, params["text"], kind="answer"))
        return True

    async def _send_chat_action(self, params: JSONDict) -> bool:
        self._target(params)
        if not params.get("action"):
            raise bad_request("action is empty")
        return True

    def _file_for(self, value: Any, kind: str) -> _StoredFile:
        if isinstance(value, UploadedFile):
            mime = value.content_type or "application/octet-stream"
            return self._register_file(kind, value.filename, value.content, mime)
        if isinstance(value, str) and value in self._files:
            return self._files[value]
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            filename = urlsplit(value).path.rsplit("/", 1)[-1]
            return self._register_file(kind, filename, b"", "application/octet-stream")
        if not value:
            raise bad_request(f"there is no {kind} in the request")
        raise bad_request("wrong file identifier/HTTP URL specified")

    def _register_file(self, kind: str, filename: str | None, content: bytes, mime: str) -> _StoredFile:
        """Store a file so getFile and downloads find it by its new file_id."""
        number = len(self._files) + 1
        filename = filename or f"file_{number}"
        file_id = f"{kind[:3].upper()}{self.bot_id}_{number}"
        path = f"{kind}s/file_{number}_{filename}"
        stored = _StoredFile(file_id, f"U{number}", filename, content, mime, path)
        self._files[file_id] = stored
        return stored

    async def _send_document(self, params: JSONDict) -> JSONDict:
        chat = self._target(params)
        stored = self._file_for(params.get("document"), "document")
        content: JSONDict = self._caption(params)
        markup = _inline_markup(params)
        content["document"] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": stored.filename,
            "mime_type": stored.mime_type,
            "file_size": len(stored.content),
        }
        message = self._store_sent(chat, content, params, markup)
        self._note_bot(chat, message, "document", content.get("caption") or f"[document {stored.filename}]")
        return message

    async def _send_photo(self, params: JSONDict) -> JSONDict:
        chat = self._target(params)
        stored = self._file_for(params.get("photo"), "photo")
        content: JSONDict = self._caption(params)
        markup = _inline_markup(params)
        width, height = _png_size(stored.content)
        content["photo"] = [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": width,
                "height": height,
                "file_size": len(stored.content),
            }
        ]
        message = self._store_sent(chat, content, params, markup)
        self._note_bot(chat, message, "photo", content.get("caption") or "[photo]")
        return message

    async def _get_file(self, params: JSONDict) -> JSONDict:
        stored = self._files.get(str(params.get("file_id", "")))
        if stored is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.path,
        }

    def _commands_key(self, params: JSONDict) -> tuple[str, str]:
        scope = params.get("scope")
        if scope is not None and not isinstance(scope, dict):
            raise bad_request("can't parse BotCommandScope JSON object")
        if scope and "chat_id" in scope and _chat_id(scope["chat_id"]) not in self._chats:
            raise bad_request("chat not found")
        return _scope_key(scope), str(params.get("language_code") or "")

    async def _set_my_commands(self, params: JSONDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND_RE.fullmatch(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params)
        if commands:
            self._commands[key] = [
                {"command": c["command"], "description": c["description"]} for c in commands
            ]
        else:
            self._commands.pop(key, None)
        return True

    async def _get_my_commands(self, params: JSONDict) -> list[JSONDict]:
        return list(self._commands.get(self._commands_key(params), []))

    async def _delete_my_commands(self, params: JSONDict) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    # ------------------------------------------------------------------------ inspection

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


def _drop_connection(request: web.Request) -> web.StreamResponse:
    """Abort the TCP connection so the client sees it closed without any response."""
    transport = request.transport
    request.protocol.force_close()
    if transport is not None:
        transport.abort()
    return web.Response()

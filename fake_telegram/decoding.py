"""Request decoding: parameters turned back into values, and inline keyboards checked like Telegram.

Also the keys under which equal command scopes share one command list.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from fake_telegram.errors import MAX_CALLBACK_DATA_BYTES, JSONDict, bad_request
from fake_telegram.state import UploadedFile

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
_INT_RE = re.compile(r"-?\d+")


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


def _scope_key(scope: Mapping[str, Any] | None) -> str:
    """Canonical JSON for a BotCommandScope so equal scopes share one command list."""
    scope = scope or {"type": "default"}
    canonical = {k: _chat_id(v) if k in ("chat_id", "user_id") else v for k, v in scope.items()}
    return json.dumps(canonical, sort_keys=True, separators=(",", ":"))

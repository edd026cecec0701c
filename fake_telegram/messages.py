"""What the bot does through FakeBotAPI: send, edit and delete messages, answer callback queries.

Also chat actions, documents and photos, getFile, getChat, and the bot's command lists.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from fake_telegram.base import FakeBotAPIBase
from fake_telegram.decoding import _buttons, _chat_id, _inline_markup, _scope_key
from fake_telegram.errors import (
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    NOT_MODIFIED,
    QUERY_INVALID,
    ApiError,
    JSONDict,
    bad_request,
)
from fake_telegram.state import TranscriptEntry, UploadedFile, _Chat, _StoredFile
from fake_telegram.text import _message_text, _trim, parse_html
from handlers.telegram.html import MAX_CALLBACK_ANSWER, is_blank, visible_length

_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")


def _png_size(content: bytes) -> tuple[int, int]:
    if content[:8] == b"\x89PNG\r\n\x1a\n" and len(content) >= 24:
        return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")
    return 0, 0


class MessagesMixin(FakeBotAPIBase):
    """The Bot API methods a bot talks with: messages, callback answers, files, chats and commands."""

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

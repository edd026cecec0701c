"""The user side of FakeBotAPI: people and chats, and what users do (send, edit, press, send media)."""

from __future__ import annotations

import time
from typing import Any

from fake_telegram.base import FakeBotAPIBase
from fake_telegram.decoding import _buttons
from fake_telegram.errors import MAX_CAPTION_LENGTH, JSONDict
from fake_telegram.state import TranscriptEntry, _Chat
from fake_telegram.text import bot_command_entities
from handlers.telegram.html import visible_length

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


class UsersMixin(FakeBotAPIBase):
    """Users, groups and their chats, and the user's side of a conversation."""

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

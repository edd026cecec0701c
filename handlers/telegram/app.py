"""The python-telegram-bot Application: updates in, core replies out. No decisions are made here."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any, cast

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import markup
from bot.config import Config
from bot.domain import Attachment, ChatRef, Incoming, Sender
from bot.runtime import Runtime
from handlers.telegram.transport import PLATFORM, TelegramTransport

log = logging.getLogger(__name__)

# Kinds of non-text message people send; the first one a message has names it for the core.
MEDIA_KINDS = (
    "photo",
    "sticker",
    "voice",
    "video_note",
    "video",
    "audio",
    "animation",
    "document",
    "location",
    "venue",
    "contact",
    "poll",
    "dice",
)


def build_application(config: Config, runtime: Runtime) -> Application[Any, Any, Any, Any, Any, Any]:
    """Build the Application against the configured Bot API, with Telegram's flood limits."""
    limits = config.telegram
    application = (
        ApplicationBuilder()
        .token(config.token())
        .base_url(limits.base_url)
        .base_file_url(limits.base_file_url)
        .rate_limiter(
            AIORateLimiter(
                *smooth(limits.overall_max_rate, limits.overall_time_period),
                group_max_rate=limits.group_max_rate,
                group_time_period=limits.group_time_period,
                max_retries=3,
            )
        )
        .get_updates_read_timeout(limits.poll_timeout + 10)
        .connection_pool_size(max(8, config.delivery.senders + 4))
        .build()
    )
    application.bot_data["runtime"] = runtime
    application.bot_data["queues"] = ChatQueues()
    # Messages and edits of them (one cheap filter: a status update is told apart in on_message).
    messages = filters.UpdateType.MESSAGES
    application.add_handler(MessageHandler(messages, in_order(on_message), block=False))
    application.add_handler(CallbackQueryHandler(in_order(on_button), block=False))
    application.add_error_handler(on_error)
    runtime.attach(TelegramTransport(application.bot))
    return application


class ChatQueues:
    """One chat's updates one after another, in order; different chats side by side.

    Replies into a group wait for that group's flood limit. Handled one update at a time, that wait
    stalled every other chat (a stranger flooding a group delayed a member's private /help), so the
    handlers run as tasks (block=False) and only wait for their own chat's earlier updates.

    A command written in a group works on the sender's private form (the core keeps forms in private
    chats), so a group update also waits for the sender's private queue: otherwise a group command and
    a private answer could close the same form at once.
    """

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[int | None, asyncio.Lock] = weakref.WeakValueDictionary()

    def _lock(self, key: int | None) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock

    def of(self, update: Update) -> list[asyncio.Lock]:
        """The locks that order this update: its chat's, then (in a group) its sender's private chat's.

        Always taken in that order (a private update takes only its own), so no two updates wait for
        each other in a circle.
        """
        chat = update.effective_chat.id if update.effective_chat is not None else None
        sender = update.effective_user.id if update.effective_user is not None else None
        keys = [chat] if sender is None or sender == chat else [chat, sender]
        return [self._lock(key) for key in keys]


def smooth(max_rate: float, period: float) -> tuple[float, float]:
    """The same rate with a bucket of a tenth of a second's worth, as (max_rate, period) for AIORateLimiter.

    A full second's bucket lets a burst of max_rate go at once; Telegram counts over its own window, so
    two equal buckets drift apart and it answers 429. Small, even steps keep under it.
    """
    per_second = max_rate / period
    bucket = max(1.0, round(per_second / 10))
    return bucket, bucket / per_second


Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]


def in_order(handler: Handler) -> Handler:
    """Run the handler after the earlier updates of the same chat (see ChatQueues)."""

    async def ordered(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        async with contextlib.AsyncExitStack() as held:
            for lock in cast(ChatQueues, context.bot_data["queues"]).of(update):
                await held.enter_async_context(lock)
            await handler(update, context)

    ordered.__doc__ = handler.__doc__
    return ordered


def _runtime(context: ContextTypes.DEFAULT_TYPE) -> Runtime:
    return cast(Runtime, context.bot_data["runtime"])


def _incoming(update: Update, **fields: Any) -> Incoming:
    user = update.effective_user
    chat = update.effective_chat
    assert user is not None and chat is not None
    return Incoming(
        chat=ChatRef(PLATFORM, str(chat.id)),
        sender=Sender(PLATFORM, str(user.id), user.full_name, user.language_code),
        update_id=str(update.update_id),
        private=chat.type == ChatType.PRIVATE,
        **fields,
    )


FORMATTING = frozenset({"bold", "italic", "text_link"})


def markup_of(message: Message) -> str | None:
    """The message's text in the core's markup, when Telegram says how it was formatted (else None)."""
    text = message.text or ""
    entities = [e for e in message.entities if e.type in FORMATTING]
    if not entities:
        return None
    units = text.encode("utf-16-le")

    def index(offset: int) -> int:  # Telegram's offsets count UTF-16 code units
        return len(units[: offset * 2].decode("utf-16-le"))

    styles: list[dict[str, object]] = [{} for _ in text]
    for entity in entities:
        key, value = ("url", entity.url) if entity.type == "text_link" else (entity.type, True)
        for i in range(index(entity.offset), index(entity.offset + entity.length)):
            styles[i][key] = value
    spans: list[markup.Span] = []
    for char, style in zip(text, styles, strict=True):
        span = markup.Span(char, bool(style.get("bold")), bool(style.get("italic")), style.get("url"))  # type: ignore[arg-type]
        if spans and spans[-1].styled_like(span):
            spans[-1] = markup.Span(spans[-1].text + char, span.bold, span.italic, span.url)
        else:
            spans.append(span)
    return markup.render(spans)


def attachment_of(message: Message) -> Attachment | None:
    """A voice note, or a photo (its largest size), as the core keeps it: the file id, not the file."""
    if message.voice is not None:
        voice = message.voice
        length = voice.duration  # seconds, or a timedelta when PTB_TIMEDELTA is set
        seconds = int(length.total_seconds()) if isinstance(length, timedelta) else int(length)
        return Attachment("voice", voice.file_id, seconds, voice.file_size, message.caption)
    if message.photo:
        largest = message.photo[-1]  # Telegram sends the sizes smallest first
        return Attachment("photo", largest.file_id, None, largest.file_size, message.caption)
    return None


def _for_another_bot(message: Message, username: str | None) -> bool:
    """True for '/command@otherbot': in a group, a command addressed to someone else."""
    for entity in message.entities:
        if entity.type == "bot_command" and entity.offset == 0:
            command = message.parse_entity(entity)
            _, at, addressee = command.partition("@")
            return bool(at) and addressee.lower() != (username or "").lower()
    return False


async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A text, a /command, an edit of one, or a photo, sticker, voice ... from a user."""
    message = update.effective_message
    if message is None or update.effective_user is None:
        return
    if _for_another_bot(message, context.bot.username):
        return
    media = None if message.text is not None else next((k for k in MEDIA_KINDS if getattr(message, k)), None)
    if message.text is None and media is None:
        return  # joins, leaves, pins and other service messages: nobody is talking
    incoming = _incoming(
        update,
        text=message.text,
        markup=markup_of(message) if message.text else None,
        edited=update.edited_message is not None,
        media=media,
        attachment=attachment_of(message) if media else None,
        sent_id=str(message.message_id),
        location=(message.location.latitude, message.location.longitude) if message.location else None,
    )
    await _runtime(context).receive(incoming)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An inline button press: the work first, then the answer, so a failed answer loses nothing."""
    query = update.callback_query
    if query is None or update.effective_user is None:
        return
    pressed = query.message if isinstance(query.message, Message) else None
    message_id = str(pressed.message_id) if pressed else None
    incoming = _incoming(
        update,
        button=query.data,
        message_id=message_id,
        message_text=(pressed.text or pressed.caption or "") if pressed else None,
        message_labels=tuple(tuple(b.text for b in row) for row in pressed.reply_markup.inline_keyboard)
        if pressed and pressed.reply_markup
        else (),
    )

    async def answer(text: str | None) -> None:
        try:
            await query.answer(text)
        except TelegramError as error:  # "query is too old" after downtime: the work is done all the same
            log.info("press %s not answered: %s", query.id, error)

    await _runtime(context).receive(incoming, answer=answer)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure and say sorry, so the user is not left waiting in silence."""
    log.error("update %s failed", getattr(update, "update_id", "?"), exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None and update.effective_user is not None:
        incoming = _incoming(update)
        await _runtime(context).apologise(incoming.chat, incoming)

"""The python-telegram-bot Application: updates in, core replies out. No decisions are made here."""

from __future__ import annotations

import logging
from typing import Any, cast

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.config import Config
from bot.domain import ChatRef, Incoming, Outcome, Sender
from bot.ports import DeliveryError
from bot.runtime import Runtime
from handlers.telegram.transport import PLATFORM, TelegramTransport

log = logging.getLogger(__name__)


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
    application.add_handler(MessageHandler(filters.TEXT, on_message))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_error_handler(on_error)
    runtime.attach(TelegramTransport(application.bot))
    return application


def smooth(max_rate: float, period: float) -> tuple[float, float]:
    """The same rate with a bucket of a tenth of a second's worth, as (max_rate, period) for AIORateLimiter.

    A full second's bucket lets a burst of max_rate go at once; Telegram counts over its own window, so
    two equal buckets drift apart and it answers 429. Small, even steps keep under it.
    """
    per_second = max_rate / period
    bucket = max(1.0, round(per_second / 10))
    return bucket, bucket / per_second


def _runtime(context: ContextTypes.DEFAULT_TYPE) -> Runtime:
    return cast(Runtime, context.bot_data["runtime"])


def _incoming(
    update: Update, *, text: str | None = None, button: str | None = None, message_id: str | None = None
) -> Incoming:
    user = update.effective_user
    chat = update.effective_chat
    assert user is not None and chat is not None
    return Incoming(
        chat=ChatRef(PLATFORM, str(chat.id)),
        sender=Sender(PLATFORM, str(user.id), user.full_name, user.language_code),
        text=text,
        button=button,
        update_id=str(update.update_id),
        private=chat.type == ChatType.PRIVATE,
        message_id=message_id,
    )


async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A text or /command from a user."""
    if update.effective_message is None or update.effective_user is None:
        return
    incoming = _incoming(update, text=update.effective_message.text)
    await _deliver(context, incoming, await _runtime(context).chat.handle(incoming), None)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An inline button press."""
    query = update.callback_query
    if query is None or update.effective_user is None:
        return
    # Answer at once so the user's spinner stops even if the work takes a moment.
    await query.answer()
    message_id = str(query.message.message_id) if query.message else None
    incoming = _incoming(update, button=query.data, message_id=message_id)
    await _deliver(context, incoming, await _runtime(context).chat.handle(incoming), message_id)


async def _deliver(
    context: ContextTypes.DEFAULT_TYPE, incoming: Incoming, outcome: Outcome, pressed: str | None
) -> None:
    runtime = _runtime(context)
    transport = runtime.transports[PLATFORM]
    for reply in outcome.replies:
        chat = reply.chat or incoming.chat
        try:
            if reply.edit and pressed is not None and chat == incoming.chat:
                await transport.edit(chat, pressed, reply)
            else:
                await transport.send(chat, reply)
        except DeliveryError as error:
            log.warning("reply to %s not delivered: %r", chat.chat_id, error)
    if outcome.wake_delivery:
        runtime.delivery.wake()
    if outcome.refresh_menu:
        await runtime.menus.refresh(
            platform=PLATFORM,
            external_id=incoming.sender.user_id,
            language_code=incoming.sender.language_code,
        )


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the failure and say sorry, so the user is not left waiting in silence."""
    log.error("update %s failed", getattr(update, "update_id", "?"), exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        from bot.i18n import pick_language, translator

        user = update.effective_user
        lang = pick_language(
            None, user.language_code if user else None, _runtime(context).config.default_language
        )
        try:
            await context.bot.send_message(
                update.effective_chat.id,
                translator(lang).gettext(
                    "Sorry, something went wrong on my side. Please try again in a minute."
                ),
            )
        except Exception:  # noqa: BLE001  (nothing more we can do)
            log.exception("could not apologise")

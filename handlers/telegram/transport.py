"""Sending through python-telegram-bot, with its errors mapped to the core's delivery outcomes.

The core's markup is rendered as Telegram HTML and cut by handlers.telegram.html's rules, the ones the
fake Bot API enforces. The core already cuts replies to `capabilities.max_text`; as a safety net
`send` spreads a text still too long over several messages (buttons on the last), and `edit`, which
can only replace one message, cuts it at a safe boundary ending with "…" (and logs a warning). A blank
text is Rejected without calling Telegram.
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat, InputFile
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.domain import ChatRef, CommandInfo, Reply
from bot.ports import Capabilities, Rejected, RetryLater, Unreachable
from handlers.telegram.html import MAX_TEXT, HTMLError, is_blank
from handlers.telegram.render import PARSE_MODE, caption, keyboard, one_message, pieces, to_html

log = logging.getLogger(__name__)
MAX_BUTTONS = 100  # inline keyboard buttons Telegram shows in one message
PLATFORM = "telegram"


def classify(error: Exception) -> Exception:
    """Map a python-telegram-bot error to Unreachable, RetryLater or Rejected."""
    text = str(error).lower()
    if isinstance(error, RetryAfter):
        after = error.retry_after
        return RetryLater(
            "flood control", after.total_seconds() if hasattr(after, "total_seconds") else float(after)
        )
    if isinstance(error, Forbidden):
        return Unreachable("deleted" if "deactivated" in text else "blocked")
    if isinstance(error, ChatMigrated):
        return Rejected(f"group moved to {error.new_chat_id}")
    if isinstance(error, BadRequest):
        if "chat not found" in text or "user not found" in text:
            return Unreachable("chat_not_found")
        return Rejected(str(error))
    if isinstance(error, TimedOut | NetworkError):
        return RetryLater(str(error) or error.__class__.__name__)
    return error


class TelegramTransport:
    """The core's Transport over a python-telegram-bot Bot."""

    platform = PLATFORM
    capabilities = Capabilities(
        buttons=True, edits=True, command_menu=True, files=True, max_text=MAX_TEXT, max_buttons=MAX_BUTTONS
    )

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat: ChatRef, reply: Reply) -> str:
        """Send a reply (long texts in several messages, buttons on the last, whose id is returned)."""
        texts = [] if reply.document is not None else _texts(reply, one=False)
        try:
            if reply.document is not None:
                message = await self.bot.send_document(
                    chat_id=int(chat.chat_id),
                    document=InputFile(reply.document.content, filename=reply.document.filename),
                    caption=caption(reply.document.caption),
                )
                return str(message.message_id)
            message_id = ""
            for index, text in enumerate(texts):
                last = index == len(texts) - 1
                message = await self.bot.send_message(
                    chat_id=int(chat.chat_id),
                    text=text,
                    parse_mode=PARSE_MODE,
                    reply_markup=keyboard(reply) if last else None,
                )
                message_id = str(message.message_id)
            return message_id
        except Exception as error:  # noqa: BLE001  (mapped, or re-raised unchanged)
            raise classify(error) from error

    async def edit(self, chat: ChatRef, message_id: str, reply: Reply) -> None:
        """Replace a message's text and buttons (a text too long is cut, ending "…"); no change is fine."""
        [text] = _texts(reply, one=True)
        try:
            await self.bot.edit_message_text(
                chat_id=int(chat.chat_id),
                message_id=int(message_id),
                text=text,
                parse_mode=PARSE_MODE,
                reply_markup=keyboard(reply),
            )
        except BadRequest as error:
            if "not modified" in str(error).lower():
                return
            raise classify(error) from error
        except Exception as error:  # noqa: BLE001
            raise classify(error) from error

    async def set_commands(self, chat: ChatRef, commands: list[CommandInfo]) -> None:
        """Set the chat's command menu (descriptions already in the person's language)."""
        scope = BotCommandScopeChat(chat_id=int(chat.chat_id))
        try:
            if commands:
                await self.bot.set_my_commands(
                    [BotCommand(c.name, c.description[:256]) for c in commands], scope=scope
                )
            else:
                await self.bot.delete_my_commands(scope=scope)
        except Exception as error:  # noqa: BLE001
            raise classify(error) from error


def _texts(reply: Reply, *, one: bool) -> list[str]:
    """The message texts for a reply (one, for an edit); Rejected if Telegram would refuse them."""
    try:
        texts = [one_message(reply)] if one else pieces(reply)
    except HTMLError as error:
        raise Rejected(f"can't parse entities: {error.description}") from error
    if not texts or is_blank(texts[0]):
        raise Rejected("message text is empty")
    if one and texts[0] != to_html(reply):
        log.warning("an edit was cut to fit one message (%d characters)", len(texts[0]))
    return texts

"""Core replies to Telegram: message texts cut to Telegram's limits, parse mode and inline keyboards."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode

from bot.domain import Reply
from bot.markup import MAX_CAPTION, MAX_TEXT, split_html, split_text, truncate


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """The reply's buttons as an inline keyboard."""
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in reply.buttons]
    )


def parse_mode(reply: Reply) -> str | None:
    """HTML only where the core allows markup; everything else is plain text."""
    return ParseMode.HTML if reply.html else None


def pieces(reply: Reply, limit: int = MAX_TEXT) -> list[str]:
    """The reply's text as messages Telegram accepts (HTML-aware when it has markup); [] if blank.

    Raises bot.markup.HTMLError if the markup itself is invalid.
    """
    return split_html(reply.text, limit) if reply.html else split_text(reply.text, limit)


def one_message(reply: Reply, limit: int = MAX_TEXT) -> str:
    """The reply's text in one message: cut at a safe boundary and ended with "…" if too long."""
    return truncate(reply.text, limit, html=reply.html)


def caption(text: str) -> str | None:
    """A document caption within Telegram's limit (cut with "…" if longer), or None for none."""
    return truncate(text, MAX_CAPTION) if text.strip() else None

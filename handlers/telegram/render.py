"""Core replies to Telegram: the core's markup as Telegram HTML, cut to Telegram's limits, and keyboards."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode

from bot import markup
from bot.domain import Reply
from handlers.telegram.html import MAX_CAPTION, MAX_TEXT, is_blank, split_html, truncate

# Everything goes as HTML: plain replies escaped, markup replies with their formatting.
PARSE_MODE = ParseMode.HTML


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """The reply's buttons as an inline keyboard."""
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in reply.buttons]
    )


def _span(span: markup.Span) -> str:
    text = html.escape(span.text, quote=False)
    if span.italic:
        text = f"<i>{text}</i>"
    if span.bold:
        text = f"<b>{text}</b>"
    if span.url:
        text = f'<a href="{html.escape(span.url, quote=True)}">{text}</a>'
    return text


def to_html(reply: Reply) -> str:
    """The reply's text as Telegram HTML."""
    if not reply.markup:
        return html.escape(reply.text, quote=False)
    return "".join(_span(span) for span in markup.parse(reply.text))


def pieces(reply: Reply, limit: int = MAX_TEXT) -> list[str]:
    """The reply's text as messages Telegram accepts, cut HTML-aware; [] if blank.

    Raises handlers.telegram.html.HTMLError if the HTML is invalid (it never is when made by to_html).
    """
    text = to_html(reply)
    if len(text) <= limit:  # what shows is never longer than its HTML: one message, nothing to parse
        return [] if is_blank(text) else [text]
    return split_html(text, limit)


def one_message(reply: Reply, limit: int = MAX_TEXT) -> str:
    """The reply's text in one message: cut at a safe boundary and ended with "…" if too long."""
    return truncate(to_html(reply), limit, html=True)


def caption(text: str) -> str | None:
    """A document caption (plain text) within Telegram's limit, cut with "…" if longer; None for none."""
    return truncate(html.escape(text, quote=False), MAX_CAPTION, html=True) if text.strip() else None

"""Fitting a reply to the messenger it goes to, from what its transport says it can show.

Without buttons the choices are numbered in the text (a typed number or label picks one, see
bot.choices); without edits a reply meant to replace a message is sent anew; without files a document
is left out; and every text is cut to the messenger's length at paragraphs, lines, then words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bot import markup, textcut
from bot.domain import Reply
from bot.i18n import N_
from bot.ports import Capabilities

# What a messenger that says nothing can show: Telegram's set.
FULL = Capabilities(buttons=True, edits=True, command_menu=True, files=True, max_text=4096, max_buttons=100)
TYPE_A_NUMBER = N_("Reply with the number of your choice.")


def numbered(reply: Reply, gettext: Callable[[str], str]) -> str:
    """The reply's text with its choices listed by number (unless it lists them), to be picked by typing."""
    labels = [button.label for line in reply.buttons for button in line]
    lines = [] if reply.listed else [f"{number}. {label}" for number, label in enumerate(labels, start=1)]
    addition = "\n\n" + "".join(f"{line}\n" for line in lines) + gettext(TYPE_A_NUMBER)
    return reply.text + (markup.escape(addition) if reply.markup else addition)


def present(reply: Reply, capabilities: Capabilities, gettext: Callable[[str], str]) -> list[Reply]:
    """The messages showing one reply on a messenger with these capabilities (none: a file it cannot take)."""
    if reply.document is not None:
        return [reply] if capabilities.files else []
    text, buttons = reply.text, reply.buttons
    if buttons and (not capabilities.buttons or sum(map(len, buttons)) > capabilities.max_buttons):
        text, buttons = numbered(reply, gettext), ()
    cut = markup.split if reply.markup else textcut.split_text
    pieces = cut(text, capabilities.max_text) or [text]
    # An edit replaces one message: a reply in several pieces, or on a messenger without edits, is sent anew.
    edit = reply.edit and capabilities.edits and len(pieces) == 1
    last = len(pieces) - 1
    return [
        replace(reply, text=piece, buttons=buttons if i == last else (), edit=edit)
        for i, piece in enumerate(pieces)
    ]

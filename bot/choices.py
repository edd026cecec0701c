"""Choices offered to a person, kept server-side and picked by a button or by typing.

A button carries only a token, "k<set id>.<index>": Telegram's 64 bytes always suffice whatever the
choice stands for, and a press is honoured only from the person the choices were shown to. The same
rows let a typed number ("2") or the start of a label ("Engl") pick a choice, for people who do not
press buttons and for messengers that have none.

Inside the core a choice's data is either "c:<command> <args>" (run a command, checked afresh) or
"f:<form>:<step>:<value>" (answer that step of that form; any other step or form makes it stale).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import Button, ChatRef, Reply
from storage import repo
from storage.models import ChoiceSet

COMMAND_PREFIX = "c:"
FORM_PREFIX = "f:"
_TOKEN = re.compile(r"k([0-9]{1,10})\.([0-9]{1,3})")
# A typed label must be at least this long to count as "the start of a label".
MIN_TYPED_PREFIX = 2


def token(set_id: int, index: int) -> str:
    """The callback data of the index-th choice of a set (at most 15 bytes)."""
    return f"k{set_id}.{index}"


@dataclass(frozen=True)
class Press:
    """What a pressed token turned out to be."""

    data: str | None = None  # the choice's data when it may be acted on
    stale: bool = False  # unknown, forgotten or used-up choices, or another chat's
    foreign: bool = False  # the choices were shown to someone else
    set_id: int | None = None


async def resolve_press(*, session: AsyncSession, data: str, chat: ChatRef, user_id: str) -> Press:
    """Look up a pressed button's token; only its owner, in its chat, gets the choice."""
    match = _TOKEN.fullmatch(data)
    if match is None:
        return Press(stale=True)
    row = await session.get(ChoiceSet, int(match[1]))
    index = int(match[2])
    if (
        row is None
        or (row.platform, row.chat_id) != (chat.platform, chat.chat_id)
        or index >= len(row.options)
    ):
        return Press(stale=True)
    if row.owner_user_id != user_id:
        return Press(foreign=True)
    return Press(data=str(row.options[index]["data"]), set_id=row.id)


async def use_up(*, session: AsyncSession, set_id: int) -> None:
    """Forget a message's choices once the message has been replaced: a second tap is then stale."""
    row = await session.get(ChoiceSet, set_id)
    if row is not None:
        await session.delete(row)
        await session.flush()


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _words(label: str) -> str:
    """A label as typed: without the marks in front of its words ("« Back", "✓ housing", "⚠ …")."""
    return re.sub(r"^[^\w]+", "", _fold(label))


def pick_typed(options: list[dict[str, str]], text: str) -> str | None:
    """The data of the choice a typed answer names: its number, its label, or the unique start of one."""
    typed = _fold(text)
    if typed.isascii() and typed.isdigit():
        number = int(typed)
        return options[number - 1]["data"] if 1 <= number <= len(options) else None
    exact = [o for o in options if _fold(o["label"]) == typed] or [
        o for o in options if _words(o["label"]) == _words(typed)
    ]
    if len(exact) == 1:
        return exact[0]["data"]
    if len(typed) < MIN_TYPED_PREFIX:
        return None
    # Only the label's own start: a free answer such as a name ("Ba") must not pick "« Back".
    starts = [o for o in options if _fold(o["label"]).startswith(typed)]
    return starts[0]["data"] if len(starts) == 1 else None


async def latest_options(*, session: AsyncSession, chat: ChatRef, user_id: str) -> list[dict[str, str]]:
    """The choices last shown to this person in this chat (empty when none)."""
    row = await repo.latest_choice_set(
        session=session, platform=chat.platform, chat_id=chat.chat_id, owner_user_id=user_id
    )
    return list(row.options) if row else []


async def store(
    *,
    session: AsyncSession,
    reply: Reply,
    chat: ChatRef,
    user_id: str,
    now: datetime,
    form: tuple[str, str] | None,
) -> Reply:
    """Store the reply's choices for this person and give its buttons tokens instead of data.

    `form` is (form id, step) of the person's open form: form answers are bound to it, so they go
    stale once the form moves on, ends or is replaced.
    """
    options = [
        {"label": button.label, "data": _bind(button.data, form)} for line in reply.buttons for button in line
    ]
    row = await repo.add_choice_set(
        session=session,
        platform=chat.platform,
        chat_id=chat.chat_id,
        owner_user_id=user_id,
        options=options,
        now=now,
    )
    assert row.id is not None
    numbered = iter(range(len(options)))
    buttons = tuple(
        tuple(Button(b.label, token(row.id, next(numbered))) for b in line) for line in reply.buttons
    )
    return replace(reply, buttons=buttons)


def _bind(data: str, form: tuple[str, str] | None) -> str:
    if not data.startswith(FORM_PREFIX):
        return data
    if form is None:  # a form answer with no form open: it can never be taken
        return f"{FORM_PREFIX}-:-:{data.removeprefix(FORM_PREFIX)}"
    return f"{FORM_PREFIX}{form[0]}:{form[1]}:{data.removeprefix(FORM_PREFIX)}"


def form_answer(data: str) -> tuple[str, str, str] | None:
    """(form id, step, value) of a bound form answer, or None for any other data."""
    if not data.startswith(FORM_PREFIX):
        return None
    parts = data.removeprefix(FORM_PREFIX).split(":", 2)
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 else None

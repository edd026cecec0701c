"""What the meeting commands share: the meeting a command acts on, the cell's time zone and the rules."""

from __future__ import annotations

from datetime import tzinfo

from bot.chat import Ctx
from bot.meetings.rules import Rules
from bot.scopes import MeetingTarget
from bot.services import meetings
from bot.services.meetings import MeetingRow


def rules(ctx: Ctx) -> Rules:
    """The meeting rules of the configuration (grace, lateness, charter thresholds)."""
    return ctx.config.meetings.rules()


def zone(ctx: Ctx) -> tzinfo:
    """The time zone of the cell the command acts on."""
    assert ctx.cell is not None
    return meetings.cell_zone(ctx.cell, ctx.config.tz)


def meeting_of(ctx: Ctx) -> MeetingRow:
    """The meeting a meeting-scoped command acts on."""
    assert isinstance(ctx.target, MeetingTarget)
    return ctx.target.meeting


def typed_after(ctx: Ctx, skip: int = 0) -> str:
    """What was typed after the command, the '#id' naming its target and `skip` more words, line breaks
    kept (a contribution, a conclusion); from a button, the arguments as given."""
    text = (ctx.incoming.text or "").strip()
    if ctx.incoming.button is not None or not text.startswith("/"):
        return " ".join(ctx.args[skip:])
    rest = text.split(None, 1)[1] if len(text.split(None, 1)) > 1 else ""
    head = rest.split(None, 1)
    if head and head[0].startswith("#") and head[0][1:].isdigit():
        rest = head[1] if len(head) > 1 else ""
    for _ in range(skip):
        words = rest.split(None, 1)
        rest = words[1] if len(words) > 1 else ""
    return rest.strip()


def typed_numbers(answer: str, count: int) -> list[int] | None:
    """The choices of a list of `count` named by typing their numbers ("1 3", "1, 3"), as 0-based
    indexes in the order typed, without repeats; None when the answer is not such a list."""
    numbers = answer.replace(",", " ").split()
    if not numbers or not all(n.isdigit() and 1 <= int(n) <= count for n in numbers):
        return None
    return list(dict.fromkeys(int(n) - 1 for n in numbers))

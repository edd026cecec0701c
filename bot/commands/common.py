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

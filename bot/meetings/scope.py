"""Meetings as a scope of the core (bot.scopes): commands like /attend, /open and /close act on a
meeting, found by "#id" or as the one the person could mean; its chair holds Role.CHAIR towards it."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, replace
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import DEFAULT_TIMEZONE
from bot.i18n import N_
from bot.meetings.rules import Rules, State
from bot.permissions import Command, Role, Scope
from bot.services import access, meetings
from bot.services.units import zone
from storage.models import Cell, Meeting

# What to say when a person may use the command but no meeting fits it now.
NOTHING = {
    "attend": N_("There is no planned meeting to answer: answers are taken until a meeting opens."),
    "absent": N_("There is no planned meeting to answer: answers are taken until a meeting opens."),
    "meeting_edit": N_("There is no planned meeting to change."),
    "open": N_("There is no planned meeting to open."),
    "checkin": N_("No meeting of your cell is open now."),
    "tick": N_("No meeting of your cell is open now."),
    "close": N_("There is no open meeting to close."),
    "record": N_("There is no meeting waiting to be recorded."),
    "rollcall": N_("There is no recent meeting to show."),
}
# Which meetings a person could mean, by command: the states in which the command makes sense.
WANTED = {
    "attend": {State.PLANNED},
    "absent": {State.PLANNED},
    "meeting_edit": {State.PLANNED},
    "open": {State.PLANNED},
    "checkin": {State.OPEN},
    "tick": {State.OPEN},
    "close": {State.OPEN, State.CLOSED},
    "record": {State.NOT_RECORDED},
}


@dataclass(frozen=True)
class MeetingTarget:
    """A meeting with its cell: what a meeting-scoped command acts on."""

    meeting: Meeting
    cell: Cell

    @property
    def id(self) -> int:
        """The meeting's id ("#id" in commands and buttons)."""
        assert self.meeting.id is not None
        return self.meeting.id

    @property
    def name(self) -> str:
        """How a choice between meetings names it."""
        tz = zone(self.cell.timezone) or zoneinfo.ZoneInfo(DEFAULT_TIMEZONE)
        return f"{self.cell.name} · {meetings.local(self.meeting.starts_at, tz)}"


class MeetingScope:
    """A cell's meeting: the person's roles towards its cell, and chair or minute-taker of it."""

    scope: str = Scope.MEETING
    which = N_("Which meeting?")
    missing = N_("There is no such meeting.")

    def __init__(self, rules: Rules) -> None:
        self.rules = rules

    async def get(self, session: AsyncSession, target_id: int) -> MeetingTarget | None:
        """The meeting, with its cell (of any state: the command says what it can do with it)."""
        meeting = await session.get(Meeting, target_id)
        cell = await session.get(Cell, meeting.cell_id) if meeting is not None else None
        return MeetingTarget(meeting, cell) if meeting is not None and cell is not None else None

    async def candidates(
        self, session: AsyncSession, *, person_id: int, command: Command, day: Any, now: Any
    ) -> list[Any]:
        """Meetings of the person's cells in which the command makes sense now, soonest first."""
        member_of = replace(command, scope=Scope.CELL, roles=command.roles | {Role.MEMBER})
        cells = await access.cells_for(session=session, person_id=person_id, command=member_of, day=day)
        found = await meetings.find_meetings(
            session=session, cell_ids=[c.id for c in cells if c.id is not None], since=now
        )
        by_id = {c.id: c for c in cells}
        wanted = WANTED.get(command.name)
        result = []
        for meeting in found:
            current = meetings.state(meeting, now, self.rules)
            if wanted is not None and current not in wanted:
                continue
            if (
                command.name == "close"
                and current is State.CLOSED
                and meeting.roll_call_confirmed
                and meeting.closed_at
            ):
                continue  # closed and confirmed: nothing left to close
            target = MeetingTarget(meeting, by_id[meeting.cell_id])
            if command.roles & await self.roles(session, person_id=person_id, target=target, day=day):
                result.append(target)
        return result

    async def nothing(
        self, session: AsyncSession, *, person_id: int, command: Command, day: Any
    ) -> str | None:
        """Why there is no candidate, when the person may use the command in some cell."""
        if await access.cells_for(session=session, person_id=person_id, command=_in_cell(command), day=day):
            return NOTHING.get(command.name)
        return None

    async def roles(self, session: AsyncSession, *, person_id: int, target: Any, day: Any) -> set[Role]:
        """Roles towards the meeting's cell, plus chair and minute-taker of this meeting."""
        roles = await access.roles_in_cell(session=session, person_id=person_id, cell=target.cell, day=day)
        if target.meeting.chair_person_id == person_id:
            roles.add(Role.CHAIR)
        if target.meeting.minute_taker_person_id == person_id:
            roles.add(Role.MINUTE_TAKER)
        return roles


def _in_cell(command: Command) -> Command:
    """The command as if it acted on a cell, allowed by the cell roles in it (not by chairing)."""
    return replace(command, scope=Scope.CELL, roles=command.roles - {Role.CHAIR, Role.MINUTE_TAKER})

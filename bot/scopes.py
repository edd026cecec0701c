"""What a command acts on (a cell, a unit, a meeting), and how a person's roles towards it are found.

Each scope is a resolver the core asks, whatever the command: find a target by id, list the targets a
person could mean, and work out their roles towards one on a day. A new scope (meetings, with the
chair and the minute-taker) plugs in with `register`, without touching the core.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, replace
from typing import Any, Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import DEFAULT_TIMEZONE
from bot.i18n import N_
from bot.meetings.rules import Rules, State
from bot.permissions import Command, Role, Scope
from bot.services import access, meetings
from bot.services.units import zone
from storage.models import Cell, Meeting, Unit


class Resolver(Protocol):
    """How the core finds the target of a command of one scope, and the person's roles towards it."""

    scope: str  # a Scope
    which: str  # msgid of the question when a person could mean several ("Which cell?")
    missing: str  # msgid when the target named does not exist ("There is no such cell.")

    async def get(self, session: AsyncSession, target_id: int) -> Any | None:
        """The target with this id, if it exists and can be acted on."""
        ...

    async def candidates(
        self, session: AsyncSession, *, person_id: int, command: Command, day: Any, now: Any
    ) -> list[Any]:
        """The targets a person could mean when they name none, each with an `id` and a `name`."""
        ...

    async def roles(self, session: AsyncSession, *, person_id: int, target: Any, day: Any) -> set[Role]:
        """The person's roles towards the target on `day`."""
        ...

    # A resolver may also have `async nothing(session, *, person_id, command, day) -> str | None`: when a
    # person who may use the command somewhere has no candidate now, the msgid saying why.


class CellScope:
    """A cell: members, officers, acting secretaries and organisers of the units above it."""

    scope: str = Scope.CELL
    which = N_("Which cell?")
    missing = N_("There is no such cell.")

    async def get(self, session: AsyncSession, target_id: int) -> Cell | None:
        """An open cell."""
        cell = await session.get(Cell, target_id)
        return cell if cell is not None and cell.closed_at is None else None

    async def candidates(
        self, session: AsyncSession, *, person_id: int, command: Command, day: Any, now: Any
    ) -> list[Any]:
        """The cells where the person may use the command."""
        return list(await access.cells_for(session=session, person_id=person_id, command=command, day=day))

    async def roles(self, session: AsyncSession, *, person_id: int, target: Any, day: Any) -> set[Role]:
        """Roles towards the cell."""
        return await access.roles_in_cell(session=session, person_id=person_id, cell=target, day=day)


class UnitScope:
    """A unit (a commune, a province): its organisers, and the organisers of the units above it."""

    scope: str = Scope.UNIT
    which = N_("Which unit?")
    missing = N_("There is no such unit.")

    async def get(self, session: AsyncSession, target_id: int) -> Unit | None:
        """The unit."""
        return await session.get(Unit, target_id)

    async def candidates(
        self, session: AsyncSession, *, person_id: int, command: Command, day: Any, now: Any
    ) -> list[Any]:
        """The units the person organises."""
        return list(await access.units_for(session=session, person_id=person_id, day=day))

    async def roles(self, session: AsyncSession, *, person_id: int, target: Any, day: Any) -> set[Role]:
        """Roles towards the unit."""
        return await access.roles_in_unit(session=session, person_id=person_id, unit=target, day=day)


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
    "say": N_(
        "No meeting of your cell is open now. Contributions are taken while a meeting is open; "
        "nothing was saved."
    ),
    "said": N_("No meeting of your cell is open now; contributions can be changed until it closes."),
    "say_for": N_("No meeting of your cell is open now."),
    "next": N_("No meeting of your cell is open now."),
    "contributions": N_("There is no recent meeting to show."),
    "conclude": N_("There is no meeting open or just held."),
    "vote": N_("There is no meeting open or just held."),
    "ballot": N_("No meeting of your cell is open now."),
    "task": N_("There is no meeting open or just held: tasks come from a meeting."),
    "resolution": N_("There is no recent meeting to show."),
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
    "say": {State.PLANNED, State.OPEN},
    "said": {State.PLANNED, State.OPEN},
    "say_for": {State.OPEN},
    "next": {State.OPEN},
    "contributions": {State.OPEN, State.CLOSED},
    "conclude": {State.OPEN, State.CLOSED},
    "vote": {State.OPEN, State.CLOSED},
    "ballot": {State.OPEN},
    "task": {State.OPEN, State.CLOSED},
    "resolution": {State.OPEN, State.CLOSED},
}
# Commands that mean the open meeting when there is one (a written view goes to a planned one).
PREFER_OPEN = {"say", "said"}


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
                result.append((current, target))
        if command.name in PREFER_OPEN and any(current is State.OPEN for current, _ in result):
            result = [(current, target) for current, target in result if current is State.OPEN]
        return [target for _, target in result]

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


_RESOLVERS: dict[str, Resolver] = {}


def register(resolver: Resolver) -> None:
    """Let commands of the resolver's scope find their targets through it."""
    _RESOLVERS[resolver.scope] = resolver


def resolver(scope: str) -> Resolver:
    """The resolver of a scope (every scope but NONE has one)."""
    return _RESOLVERS[scope]


register(CellScope())
register(UnitScope())

"""A member's own year (/me): their attendance, contributions, tasks and household visits, across every
cell they belonged to (history follows the person through moves and merges)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import markup
from bot.i18n import N_
from bot.meetings.resolution import Status
from bot.meetings.rules import Attendance as Final
from bot.services import resolution
from bot.services.rollcall import FINAL_NAMES
from storage.models import Attendance, Cell, Contribution, Meeting, Task, TaskAssignee, Visit

YOUR_YEAR = N_("Your year %(year)s")


@dataclass
class MyYear:
    """What /me shows."""

    year: int
    meetings: list[tuple[date, str, Final]] = field(default_factory=list)  # (day, cell, final state)
    contributions: int = 0
    spoke_at: int = 0  # meetings where they contributed
    tasks: list[tuple[str, date, Status]] = field(default_factory=list)
    visits: int = 0
    households_visited: int = 0


async def my_year(session: AsyncSession, person_id: int, *, year: int, tz: tzinfo) -> MyYear:
    """The person's closed meetings, contributions, tasks and visits in a calendar year."""
    start = datetime.combine(date(year, 1, 1), time(), tz)
    end = datetime.combine(date(year + 1, 1, 1), time(), tz)
    mine = MyYear(year)
    rows = (
        await session.exec(
            select(Attendance, Meeting, Cell)
            .join(Meeting, col(Meeting.id) == Attendance.meeting_id)
            .join(Cell, col(Cell.id) == Meeting.cell_id)
            .where(
                Attendance.person_id == person_id,
                col(Attendance.primary_tie).is_(True),  # not a cell they only live in (QĐ 213)
                col(Attendance.final).is_not(None),
                col(Meeting.cancelled_at).is_(None),
                col(Meeting.starts_at) >= start,
                col(Meeting.starts_at) < end,
            )
            .order_by(col(Meeting.starts_at))
        )
    ).all()
    mine.meetings = [
        (m.starts_at.astimezone(tz).date(), c.name, Final(a.final or Final.UNCONFIRMED)) for a, m, c in rows
    ]
    said = (
        await session.exec(
            select(func.count(), func.count(func.distinct(Contribution.meeting_id)))
            .join(Meeting, col(Meeting.id) == Contribution.meeting_id)
            .where(
                Contribution.person_id == person_id,
                col(Contribution.withdrawn_at).is_(None),
                col(Meeting.starts_at) >= start,
                col(Meeting.starts_at) < end,
            )
        )
    ).one()
    mine.contributions, mine.spoke_at = int(said[0]), int(said[1])
    tasks = (
        await session.exec(
            select(Task, TaskAssignee)
            .join(TaskAssignee, col(TaskAssignee.task_id) == Task.id)
            .where(
                TaskAssignee.person_id == person_id,
                col(Task.cancelled_at).is_(None),
                col(Task.due) >= date(year, 1, 1),
                col(Task.due) < date(year + 1, 1, 1),
            )
            .order_by(col(Task.due), col(Task.id))
        )
    ).all()
    mine.tasks = [(t.title, t.due, Status(a.status)) for t, a in tasks]
    visited = (
        await session.exec(
            select(func.count(), func.count(func.distinct(Visit.household_id))).where(
                Visit.person_id == person_id,
                Visit.visited_on >= date(year, 1, 1),
                Visit.visited_on < date(year + 1, 1, 1),
            )
        )
    ).one()
    mine.visits, mine.households_visited = int(visited[0]), int(visited[1])
    return mine


def render(mine: MyYear, gettext: Callable[[str], str]) -> str:
    """/me in the core's markup: four short sections."""

    def _(msgid: str, **params: object) -> str:
        text = gettext(msgid)
        return text % {k: str(v) for k, v in params.items()} if params else text

    came = sum(1 for _day, _cell, final in mine.meetings if final in (Final.PRESENT, Final.LATE))
    counted = sum(1 for _day, _cell, final in mine.meetings if final not in (Final.EXEMPT, Final.UNCONFIRMED))
    lines = [
        markup.bold(_(YOUR_YEAR, year=mine.year)),
        markup.escape(_(N_("Meetings: present at %(came)s of %(count)s."), came=came, count=counted)),
    ]
    lines += [
        "• " + markup.escape(f"{day:%d/%m} {cell}: {_(FINAL_NAMES[final])}")
        for day, cell, final in mine.meetings
    ]
    lines.append(
        markup.escape(
            _(
                N_("Contributions: %(count)s, at %(meetings)s meetings."),
                count=mine.contributions,
                meetings=mine.spoke_at,
            )
        )
    )
    lines.append(markup.escape(_(N_("Tasks: %(count)s"), count=len(mine.tasks))))
    lines += [
        "• " + markup.escape(f"{title} ({due:%d/%m/%Y}): {_(resolution.STATUS_NAMES[status])}")
        for title, due, status in mine.tasks
    ]
    lines.append(
        markup.escape(
            _(
                N_("Household visits: %(count)s, to %(households)s households."),
                count=mine.visits,
                households=mine.households_visited,
            )
        )
    )
    return "\n".join(lines)

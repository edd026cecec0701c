"""Meetings from the command line: `chibo meeting add` (the notice goes out through the outbox) and
`chibo meeting list`."""

from __future__ import annotations

import argparse
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.errors import UserError
from bot.i18n import N_
from storage.vocabulary import MEETING_KINDS

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from bot.cli.common import Commands, Context


def add(sub: Any, commands: Commands) -> None:
    """Add these commands to the `chibo` parser."""
    gettext = commands.gettext
    meeting = commands.group(sub, "meeting", gettext("meetings of a cell"))
    p = commands.command(meeting, "add", gettext("plan a meeting and send its notice to the members"))
    p.add_argument("--cell", required=True, metavar=gettext("CELL"), help=gettext("the cell, by name or id"))
    p.add_argument("--kind", choices=MEETING_KINDS, default="regular", help=gettext("the kind of meeting"))
    p.add_argument(
        "--at",
        required=True,
        metavar=gettext("TIME"),
        help=gettext('when it starts, e.g. "19:30 05/12/2026"'),
    )
    p.add_argument("--place", required=True, metavar=gettext("PLACE"), help=gettext("where it takes place"))
    p.add_argument(
        "--month",
        metavar=gettext("MONTH"),
        help=gettext("the reporting month it counts for, e.g. 01/2027 (default: the month it is held in)"),
    )
    p.add_argument(
        "--minutes", type=int, metavar=gettext("MINUTES"), help=gettext("how long it is expected to last")
    )
    p.add_argument(
        "--agenda",
        action="append",
        default=[],
        metavar=gettext("ITEM"),
        help=gettext("an agenda item (repeatable)"),
    )
    p.add_argument("--chair", metavar=gettext("PERSON"), help=gettext("the chair, by card number or id"))
    p.set_defaults(action=_add)

    p = commands.command(meeting, "list", gettext("a cell's meetings and their states"))
    p.add_argument("--cell", required=True, metavar=gettext("CELL"), help=gettext("the cell, by name or id"))
    p.set_defaults(action=_list)


async def _add(session: AsyncSession, args: argparse.Namespace, ctx: Context) -> None:
    from bot.meetings.rules import Kind
    from bot.services import audit, dues, meetings, people, units

    cell = await units.require_cell(session, args.cell)
    tz = meetings.cell_zone(cell, ctx.config.tz)
    starts = meetings.parse_when(args.at, today=ctx.today, tz=tz)
    chair = await people.require_person(session, args.chair) if args.chair else None
    length = timedelta(minutes=args.minutes or ctx.config.meetings.default_length_minutes)
    if args.minutes is not None and args.minutes <= 0:
        raise UserError(N_("A meeting lasts at least one minute."))
    created = await meetings.create(
        session=session,
        cell=cell,
        plan=meetings.Plan(
            kind=Kind(args.kind),
            starts_at=starts,
            place=args.place,
            month=dues.parse_month(args.month, ctx.today) if args.month else None,
            expected_end=starts + length,
            agenda=tuple(meetings.parse_agenda("\n".join(args.agenda))),
            chair_person_id=chair.id if chair else None,
        ),
        actor=audit.CLI,
        now=ctx.now,
        rules=ctx.config.meetings.rules(),
        default_length=length,
        tz=tz,
        group_language=ctx.config.default_language,
    )
    assert created.id is not None
    invited = [r for r in await meetings.roster(session, created.id) if not r.exempt]
    ctx.say(
        N_("Meeting #%(id)s of %(cell)s at %(when)s is planned; the notice is queued for %(count)s members."),
        id=created.id,
        cell=cell.name,
        when=meetings.local(created.starts_at, tz),
        count=len(invited),
    )


async def _list(session: AsyncSession, args: argparse.Namespace, ctx: Context) -> None:
    from sqlmodel import col, select

    from bot.meetings.rules import Kind
    from bot.services import meetings, units
    from storage.models import Meeting

    cell = await units.require_cell(session, args.cell)
    tz = meetings.cell_zone(cell, ctx.config.tz)
    rules = ctx.config.meetings.rules()
    found = (
        await session.exec(select(Meeting).where(Meeting.cell_id == cell.id).order_by(col(Meeting.starts_at)))
    ).all()
    if not found:
        ctx.say(N_("%(cell)s has no meetings yet."), cell=cell.name)
        return
    for meeting in found:
        print(
            f"#{meeting.id}  {meetings.local(meeting.starts_at, tz)}  {meeting.month.strftime('%m/%Y')}  "
            f"{ctx.text(meetings.KIND_NAMES[Kind(meeting.kind)])}  "
            f"{ctx.text(meetings.STATE_NAMES[meetings.state(meeting, ctx.now, rules)])}  {meeting.place}"
        )

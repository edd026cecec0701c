"""A member's record: `chibo member list|status|exempt|end`. Each says what actually took effect."""

from __future__ import annotations

import argparse
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from bot.errors import UserError
from bot.i18n import N_

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from bot.cli.common import Commands, Context


from bot.cli.common import _names, day


def add(sub: Any, commands: Commands) -> None:
    """Add these commands to the `chibo` parser."""
    # The light vocabulary module, so --help need not load the models.
    from bot.texts import STATUS_NAMES
    from storage.vocabulary import MEMBER_STATUSES

    gettext = commands.gettext
    member = commands.group(sub, "member", gettext("members and their record"))
    p = commands.command(member, "list", gettext("the members of a cell, as Vietnamese lists are ordered"))
    p.add_argument("--cell", required=True, metavar=gettext("CELL"), help=gettext("the cell, by name or id"))
    p.set_defaults(action=_member_list)
    p = commands.command(member, "status", gettext("official or probationary from a date"))
    p.add_argument("person", metavar=gettext("PERSON"), help=gettext("a person's card number or id"))
    p.add_argument("status", choices=MEMBER_STATUSES, help=_names(MEMBER_STATUSES, STATUS_NAMES, gettext))
    commands.date_option(
        p, "--from", dest="valid_from", required=True, help=gettext("the first day of the status")
    )
    p.set_defaults(action=_member_status)
    p = commands.command(
        member, "exempt", gettext("exempt from party work and meetings (replaces an overlapping one)")
    )
    p.add_argument("person", metavar=gettext("PERSON"), help=gettext("a person's card number or id"))
    commands.date_option(p, "--from", dest="valid_from", required=True, help=gettext("the first day exempt"))
    commands.date_option(p, "--to", dest="valid_to", help=gettext("the last day exempt (default: no end)"))
    p.add_argument(
        "--reason", required=True, metavar=gettext("TEXT"), help=gettext("why, e.g. illness or age")
    )
    p.set_defaults(action=_member_exempt)
    p = commands.command(member, "end", gettext("end a membership (moved away, died, removed)"))
    p.add_argument("person", metavar=gettext("PERSON"), help=gettext("a person's card number or id"))
    commands.date_option(
        p, "--on", required=True, help=gettext("the day they leave; their last day is the day before")
    )
    p.add_argument("--reason", required=True, metavar=gettext("TEXT"), help=gettext("why they leave"))
    p.set_defaults(action=_member_end)


async def _member_list(session: AsyncSession, args: argparse.Namespace, ctx: Context) -> None:
    from bot.services import people, units
    from bot.texts import member_line

    cell = await units.require_cell(session, args.cell)
    views = await people.list_members(session=session, cell=cell, day=ctx.today)
    ctx.say(N_("%(cell)s: %(count)s members"), cell=cell.name, count=len(views))
    for number, view in enumerate(views, start=1):
        print(member_line(view, ctx.gettext, number=number))


async def _member_status(session: AsyncSession, args: argparse.Namespace, ctx: Context) -> None:
    from bot.services import audit, people, records
    from bot.texts import STATUS_NAMES

    person = await people.require_person(session, args.person)
    assert person.id is not None
    change = await records.set_status(
        session=session,
        person=person,
        status=args.status,
        valid_from=args.valid_from,
        actor=audit.CLI,
        now=ctx.now,
    )
    # Read back what is now in force that day, so the report is what took effect.
    in_force = await records.status_on(session, person.id, args.valid_from)
    if in_force != args.status:
        raise UserError(
            N_("The status of %(name)s did not change; nothing was saved."), name=person.full_name
        )
    status = ctx.text(STATUS_NAMES[args.status])
    if change.until is not None and change.then is not None:
        ctx.say(
            N_(
                "%(name)s is %(status)s from %(date)s until %(until)s; from %(next)s the recorded status "
                "is %(then)s."
            ),
            name=person.full_name,
            status=status,
            date=day(args.valid_from),
            until=day(change.until),
            next=day(change.until + timedelta(days=1)),
            then=ctx.text(STATUS_NAMES[change.then]),
        )
    else:
        ctx.say(
            N_("%(name)s is %(status)s from %(date)s."),
            name=person.full_name,
            status=status,
            date=day(args.valid_from),
        )
    for superseded in change.superseded:
        ctx.say(
            N_("This replaces the status imported on %(date)s, whose start was not known."),
            date=day(superseded),
        )


async def _member_exempt(session: AsyncSession, args: argparse.Namespace, ctx: Context) -> None:
    from bot.services import audit, people, records

    person = await people.require_person(session, args.person)
    change = await records.exempt(
        session=session,
        person=person,
        valid_from=args.valid_from,
        valid_to=args.valid_to,
        reason=args.reason,
        actor=audit.CLI,
        now=ctx.now,
    )
    period = _period(ctx, change.row.valid_from, change.row.valid_to)
    if change.replaced:
        ctx.say(
            N_("The exemption of %(name)s (%(before)s) is changed: now %(period)s."),
            name=person.full_name,
            before="; ".join(_period(ctx, start, end) for start, end in change.replaced),
            period=period,
        )
    else:
        ctx.say(N_("%(name)s is exempt %(period)s."), name=person.full_name, period=period)


def _period(ctx: Context, start: date, end: date | None) -> str:
    if end is None:
        return ctx.text(N_("from %(start)s, with no end date"), start=day(start))
    return ctx.text(N_("from %(start)s to %(end)s"), start=day(start), end=day(end))


async def _member_end(session: AsyncSession, args: argparse.Namespace, ctx: Context) -> None:
    from bot.services import audit, people, records
    from storage.models import Cell

    person = await people.require_person(session, args.person)
    ended = await records.end_membership(
        session=session, person=person, on=args.on, reason=args.reason, actor=audit.CLI, now=ctx.now
    )
    for membership in ended:
        cell = await session.get(Cell, membership.cell_id)
        name = cell.name if cell else "?"
        if membership.valid_from >= args.on:  # never began: end_period removed it
            ctx.say(N_("%(name)s will not join %(cell)s."), name=person.full_name, cell=name)
        else:
            ctx.say(
                N_("%(name)s leaves %(cell)s on %(date)s; their last day there is %(last)s."),
                name=person.full_name,
                cell=name,
                date=day(args.on),
                last=day(membership.valid_to or args.on),
            )

"""Schedules from the command line, for organisers: `chibo schedule set --cell …|--unit … monthly 5 19:30`
and `chibo schedule show`. A running bot sees the change through the change notifications (within
change_poll_seconds) and moves only that cell's or unit's jobs."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from bot.errors import UserError
from bot.i18n import N_

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from bot.cli.common import Commands, Context


def add(sub: Any, commands: Commands) -> None:
    """Add these commands to the `chibo` parser."""
    gettext = commands.gettext
    group = commands.group(sub, "schedule", gettext("when cells meet and when members are reminded"))
    p = commands.command(group, "set", gettext("change a cell's rule, or a unit's default for its cells"))
    _target(p, gettext)
    p.add_argument(
        "change",
        nargs="+",
        metavar=gettext("CHANGE"),
        help=gettext(
            'e.g. "monthly 5 19:30", "weekday 1 mon 19:30", "remind 3d 1d 2h", "notice 14d", or "inherit" '
            "(a cell goes back to its unit's default)"
        ),
    )
    p.set_defaults(action=_set)
    p = commands.command(group, "show", gettext("a cell's rule and next meetings, or every cell of a unit"))
    _target(p, gettext)
    p.set_defaults(action=_show)


def _target(p: argparse.ArgumentParser, gettext: Any) -> None:
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--cell", metavar=gettext("CELL"), help=gettext("the cell, by name or id"))
    which.add_argument("--unit", metavar=gettext("UNIT"), help=gettext("the unit, by name or id"))


async def _set(session: AsyncSession, args: argparse.Namespace, ctx: Context) -> None:
    from bot.meetings import schedule as rule_maths
    from bot.services import audit, schedules, units

    cell = await units.require_cell(session, args.cell) if args.cell else None
    unit = await units.require_unit(session, args.unit) if args.unit else None
    if cell is not None and [word.lower() for word in args.change] == ["inherit"]:
        inherited = await schedules.drop_rule(
            session=session,
            cell=cell,
            actor=audit.CLI,
            now=ctx.now,
            rules=ctx.config.meetings.rules(),
            default_tz=ctx.config.tz,
        )
        ctx.say(
            N_("%(cell)s follows the default of %(unit)s again."),
            cell=cell.name,
            unit=inherited.unit.name if inherited.unit else "?",
        )
        await _show_cells(session, ctx, [cell])
        return
    if cell is not None:
        found = await schedules.effective(session, cell)
        current = found.rule if found else None
    else:
        own = await schedules.own_rule(session, unit=unit)
        current = schedules.to_rule(own) if own else None
    if current is None and rule_maths.keyword(args.change[0]) not in ("monthly", "weekday", "weeks"):
        raise UserError(N_("Set the day and time first, for example: monthly 5 19:30"))
    rule = rule_maths.parse_change(args.change, current or schedules.DEFAULT_CHASE, ctx.today)
    affected = await schedules.set_rule(
        session=session,
        rule=rule,
        actor=audit.CLI,
        now=ctx.now,
        rules=ctx.config.meetings.rules(),
        default_tz=ctx.config.tz,
        cell=cell,
        unit=unit,
    )
    ctx.say(
        N_("Saved: %(rule)s. Cells following it: %(count)s."),
        rule=rule_maths.describe(rule, ctx.gettext),
        count=len(affected),
    )
    await _show_cells(session, ctx, affected)
    if unit is not None:
        _, overriding = await schedules.cells_following(session, unit)
        if overriding:
            ctx.say(
                N_("These cells keep their own rule: %(cells)s"), cells=", ".join(c.name for c in overriding)
            )


async def _show(session: AsyncSession, args: argparse.Namespace, ctx: Context) -> None:
    from bot.services import officers, units

    if args.cell:
        cells = [await units.require_cell(session, args.cell)]
    else:
        cells = await officers.cells_of(session=session, unit=await units.require_unit(session, args.unit))
    await _show_cells(session, ctx, cells)


async def _show_cells(session: AsyncSession, ctx: Context, cells: list[Any]) -> None:
    from bot.meetings import schedule as rule_maths
    from bot.services import meetings, schedules

    for cell in cells:
        found = await schedules.effective(session, cell)
        tz = meetings.cell_zone(cell, ctx.config.tz)
        coming = await schedules.upcoming(session, [cell.id], ctx.now)
        rule = rule_maths.describe(found.rule, ctx.gettext) if found else ctx.text(N_("none"))
        source = (
            ctx.text(N_("own rule"))
            if found and found.unit is None
            else (found.unit.name if found and found.unit else "—")
        )
        line = f"{cell.name}: {rule} ({source})"
        if coming:
            sent = (
                ctx.text(N_("sent"))
                if await schedules.notice_sent(session, coming[0])
                else ctx.text(N_("not yet"))
            )
            line += "; " + ctx.text(
                N_("next #%(id)s %(when)s, notice %(notice)s"),
                id=coming[0].id,
                when=meetings.local(coming[0].starts_at, tz),
                notice=sent,
            )
        print(line)

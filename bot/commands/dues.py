"""/dues: a member reports their party dues paid; the secretary or deputy ticks who paid from a list."""

from __future__ import annotations

from bot.chat import Ctx, cmd_button
from bot.errors import UserError
from bot.i18n import N_
from bot.meetings.rules import month_of
from bot.permissions import DUES_OFFICERS
from bot.services import dues, people


async def dues_(ctx: Ctx) -> None:
    """Officers: /dues lists who has not paid this month, /dues <id> [MM/YYYY] ticks one.
    Members: /dues [MM/YYYY] reports their own as paid, for the secretary to confirm."""
    assert ctx.cell is not None and ctx.cell.id is not None
    if not ctx.roles & DUES_OFFICERS:
        month = dues.parse_month(ctx.args[0], ctx.today) if ctx.args else month_of(ctx.today)
        reported = await dues.report(
            session=ctx.session,
            person=ctx.require_person(),
            cell=ctx.cell,
            month=month,
            actor=ctx.actor,
            now=ctx.now,
            today=ctx.today,
        )
        label = month.strftime("%m/%Y")
        if reported:
            ctx.reply(
                ctx._(
                    N_("Thank you. I have asked the secretary to confirm your party dues for %(month)s."),
                    month=label,
                )
            )
            ctx.outcome.wake_delivery = True
        else:
            ctx.reply(ctx._(N_("Your party dues for %(month)s are already recorded as paid."), month=label))
        return
    month = month_of(ctx.today)
    if ctx.args:
        if not ctx.args[0].isdigit():
            raise UserError(N_("Choose a member from the list, or write /dues followed by their number."))
        month = dues.parse_month(ctx.args[1], ctx.today) if len(ctx.args) > 1 else month
        view = await people.member_in(session=ctx.session, cell=ctx.cell, ref=ctx.args[0], day=ctx.today)
        ticked = await dues.tick(
            session=ctx.session,
            person=view.person,
            month=month,
            actor=ctx.actor,
            now=ctx.now,
            today=ctx.today,
        )
        if not ticked:
            ctx.outcome.answer = ctx._(N_("Already recorded as paid."))
    unpaid = await dues.unpaid(session=ctx.session, cell=ctx.cell, month=month, day=ctx.today)
    label = month.strftime("%m/%Y")
    if not unpaid:
        ctx.reply(
            ctx._(
                N_("Everyone in %(cell)s has paid their party dues for %(month)s."),
                cell=ctx.cell.name,
                month=label,
            )
        )
        return
    ctx.reply(
        ctx._(
            N_("Party dues for %(month)s not yet paid: %(count)s. Tick each member who paid:"),
            month=label,
            count=len(unpaid),
        ),
        tuple((cmd_button(p.full_name, "dues", f"#{ctx.cell.id}", p.id, label),) for p in unpaid),
    )

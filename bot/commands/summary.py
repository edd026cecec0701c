"""/summary (/tonghop): a meeting's summary with the draft minutes, workbook and chart, for the last
meeting, a reporting month or a range of days; /export: the workbook alone; /me (/toi): a member's own year.

Summaries hold names and reasons: they go to the private chat (ctx.here) even when asked in a group.
"""

from __future__ import annotations

import asyncio
from datetime import tzinfo

from bot.chat import Ctx
from bot.domain import Document
from bot.i18n import N_
from bot.permissions import HOUSEHOLD_READERS, Role
from bot.services import meetings, my_year, summary
from bot.services.summary_model import Summary


def _tz(ctx: Ctx) -> tzinfo:
    assert ctx.cell is not None
    return meetings.cell_zone(ctx.cell, ctx.config.tz)


async def _summaries(ctx: Ctx) -> list[Summary]:
    """The summaries asked for (a polite UserError for a period that cannot be read)."""
    assert ctx.cell is not None and ctx.cell.id is not None
    period = summary.parse_period(" ".join(ctx.args), ctx.today)
    found = await summary.find(ctx.session, ctx.cell.id, period, now=ctx.now, tz=_tz(ctx))
    if not found:
        ctx.reply(ctx._(N_("%(cell)s has no meeting to summarise for that."), cell=ctx.cell.name))
        return []
    # Households' names, addresses and requests only for those who may read them (not the committee).
    full = bool(ctx.roles & HOUSEHOLD_READERS)
    return [
        await summary.compile_summary(
            session=ctx.session,
            meeting=meeting,
            now=ctx.now,
            rules=ctx.config.meetings.rules(),
            tz=_tz(ctx),
            today=ctx.today,
            visit_period=ctx.config.visits.period_kind,
            full=full,
        )
        for meeting in found
    ]


async def summary_(ctx: Ctx) -> None:
    """Each meeting's summary, then its files (on a messenger that takes files)."""
    for compiled in await _summaries(ctx):
        # The charter's warnings only in the secretary's own copy, as charter.check tells them.
        text = summary.render(compiled, ctx.gettext, private=Role.SECRETARY in ctx.roles)
        if not ctx.capabilities.files:
            text += "\n\n" + ctx._(summary.NO_FILES)
        ctx.reply(text, markup=True)
        if ctx.capabilities.files:
            made = await asyncio.to_thread(summary.files, compiled, ctx.gettext)  # CPU work, off the loop
            for name, content in made.items():
                ctx.reply("", document=Document(name, content))


async def export(ctx: Ctx) -> None:
    """The workbook of the meetings asked for (the last one, a month, or a range of days) in one file."""
    if not ctx.capabilities.files:
        ctx.reply(ctx._(summary.NO_FILES))
        return
    compiled = await _summaries(ctx)
    if compiled:
        name, content = await asyncio.to_thread(summary.workbook, compiled, ctx.gettext)
        ctx.reply(
            "", document=Document(name, content, ctx._(N_("Workbook of %(cell)s"), cell=compiled[0].cell))
        )


async def me(ctx: Ctx) -> None:
    """The member's own year: attendance, contributions, tasks and visits (/me 2025 for another year)."""
    person = ctx.require_person()
    assert person.id is not None
    year = ctx.today.year
    if ctx.args:
        if not ctx.args[0].isdecimal() or not 2000 <= int(ctx.args[0]) <= ctx.today.year:
            ctx.reply(ctx._(N_("Write the year like %(year)s."), year=ctx.today.year))
            return
        year = int(ctx.args[0])
    mine = await my_year.my_year(ctx.session, person.id, year=year, tz=ctx.config.tz)
    ctx.reply(my_year.render(mine, ctx.gettext), markup=True)

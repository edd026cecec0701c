"""Reports from the command line: `chibo report requests --cell CELL --from DATE --to DATE [--output F]`,
the residents' requests written on household visits (the six-monthly report to the commune), as XLSX;
`chibo summary --cell CELL [--month M/YYYY | --meeting ID] --output DIR`, a meeting's summary with the
draft minutes (DOCX), the workbook (XLSX) and the chart (PNG)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.errors import UserError
from bot.i18n import N_

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from bot.cli.common import Commands, Context


def add(sub: Any, commands: Commands) -> None:
    """Add these commands to the `chibo` parser."""
    gettext = commands.gettext
    group = commands.group(sub, "report", gettext("reports for the commune or district"))
    p = commands.command(group, "requests", gettext("residents' requests from household visits, as XLSX"))
    p.add_argument("--cell", required=True, metavar=gettext("CELL"), help=gettext("the cell, by name or id"))
    commands.date_option(p, "--from", dest="since", required=True, help=gettext("first day"))
    commands.date_option(p, "--to", dest="until", required=True, help=gettext("last day"))
    p.add_argument(
        "--output",
        type=Path,
        metavar=gettext("FILE"),
        help=gettext("where to write the workbook (default: requests-<cell>-<from>-<to>.xlsx here)"),
    )
    p.set_defaults(action=_requests)

    p = commands.command(sub, "summary", gettext("a meeting's summary, draft minutes, workbook and chart"))
    p.add_argument("--cell", required=True, metavar=gettext("CELL"), help=gettext("the cell, by name or id"))
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "--month", metavar="M/YYYY", help=gettext("the reporting month (default: the last meeting)")
    )
    which.add_argument("--meeting", type=int, metavar="ID", help=gettext("the meeting, by id"))
    p.add_argument(
        "--output",
        type=Path,
        required=True,
        metavar=gettext("DIR"),
        help=gettext("the folder to write the files to"),
    )
    p.set_defaults(action=_summary)


async def _requests(session: AsyncSession, args: argparse.Namespace, ctx: Context) -> None:
    from bot.services import units, visits

    if args.until < args.since:
        raise UserError(N_("The last day comes before the first day."))
    cell = await units.require_cell(session, args.cell)
    assert cell.id is not None
    found = await visits.requests(session, cell.id, since=args.since, until=args.until)
    output: Path = args.output or Path(f"requests-{cell.id}-{args.since:%Y%m%d}-{args.until:%Y%m%d}.xlsx")
    content = visits.requests_xlsx(found, cell=cell, since=args.since, until=args.until, gettext=ctx.gettext)
    try:
        output.write_bytes(content)  # noqa: ASYNC240  (a CLI, nothing else runs)
    except OSError as error:
        raise UserError(
            N_("Cannot write %(file)s: %(reason)s"), file=str(output), reason=error.strerror or ""
        ) from None
    ctx.say(
        N_("%(count)s residents' requests of %(cell)s from %(since)s to %(until)s written to %(file)s"),
        count=len(found),
        cell=cell.name,
        since=f"{args.since:%d/%m/%Y}",
        until=f"{args.until:%d/%m/%Y}",
        file=str(output),
    )


async def _summary(session: AsyncSession, args: argparse.Namespace, ctx: Context) -> None:
    from bot.services import meetings, summary, units
    from storage.models import Meeting

    cell = await units.require_cell(session, args.cell)
    assert cell.id is not None
    tz = meetings.cell_zone(cell, ctx.config.tz)
    if args.meeting is not None:
        meeting = await session.get(Meeting, args.meeting)
        if meeting is None or meeting.cell_id != cell.id:
            raise UserError(N_("%(cell)s has no meeting #%(id)s."), cell=cell.name, id=args.meeting)
        found = [meeting]
    else:
        period = summary.parse_period(args.month or "", ctx.today)
        found = await summary.find(session, cell.id, period, now=ctx.now, tz=tz)
    if not found:
        raise UserError(N_("%(cell)s has no meeting to summarise for that."), cell=cell.name)
    try:
        args.output.mkdir(parents=True, exist_ok=True)
        for meeting in found:
            compiled = await summary.compile_summary(
                session=session,
                meeting=meeting,
                now=ctx.now,
                rules=ctx.config.meetings.rules(),
                tz=tz,
                today=ctx.today,
                visit_period=ctx.config.visits.period_kind,
            )
            print(summary.plain(compiled, ctx.gettext, private=True))  # the operator sees all
            for name, content in summary.files(compiled, ctx.gettext).items():
                (args.output / name).write_bytes(content)  # noqa: ASYNC240  (a CLI, nothing else runs)
                ctx.say(N_("Written: %(file)s"), file=str(args.output / name))
    except OSError as error:
        raise UserError(
            N_("Cannot write %(file)s: %(reason)s"), file=str(args.output), reason=error.strerror or ""
        ) from None

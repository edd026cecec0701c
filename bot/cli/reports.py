"""Reports from the command line: `chibo report requests --cell CELL --from DATE --to DATE [--output F]`,
the residents' requests written on household visits (the six-monthly report to the commune), as XLSX."""

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

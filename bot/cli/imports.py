"""Spreadsheets: `chibo import members|households`, all or nothing."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.errors import UserError
from bot.i18n import N_
from bot.services.imports.reading import describe_columns

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from bot.cli.common import Commands, Context


def add(sub: Any, commands: Commands) -> None:
    """Add these commands to the `chibo` parser."""
    # The light vocabulary module, so --help need not load the models.

    gettext = commands.gettext
    importing = commands.group(sub, "import", gettext("import a spreadsheet (CSV or XLSX)"))
    for name, action, summary in (
        (
            "members",
            _import_members,
            gettext("import a cell's members; a file with any bad row imports nothing"),
        ),
        ("households", _import_households, gettext("import a cell's households; import its members first")),
    ):
        p = commands.command(
            importing,
            name,
            summary,
            epilog=describe_columns(name, gettext),  # type: ignore[arg-type]
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.add_argument(
            "file", type=Path, metavar=gettext("FILE"), help=gettext("a .csv (UTF-8) or .xlsx file")
        )
        p.add_argument(
            "--cell", required=True, metavar=gettext("CELL"), help=gettext("the cell, by name or id")
        )
        p.set_defaults(action=action)


async def _import(session: AsyncSession, args: argparse.Namespace, ctx: Context, kind: str) -> None:
    from bot.services import audit, imports, units
    from bot.services.imports.reading import ImportFileError

    cell = await units.require_cell(session, args.cell)
    function = imports.import_members if kind == "members" else imports.import_households
    try:
        report = await function(
            session=session, path=args.file, cell=cell, today=ctx.today, now=ctx.now, actor=audit.CLI
        )
    except ImportFileError as error:
        raise UserError(N_("Nothing was imported: %(reason)s"), reason=error.render(ctx.gettext)) from None
    except imports.ImportRejected as rejected:
        lines = "\n".join(error.render(ctx.gettext) for error in rejected.errors)
        raise UserError(
            N_("Nothing was imported; %(count)s errors need fixing:\n%(lines)s"),
            count=len(rejected.errors),
            lines=lines,
        ) from None
    ctx.say(
        N_("Imported into %(cell)s: %(created)s new, %(updated)s updated, %(unchanged)s unchanged."),
        cell=cell.name,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
    )
    if report.notes:
        ctx.say(N_("Please check:"))
        for note in report.notes:
            print("  " + note.render(ctx.gettext))


async def _import_members(session: AsyncSession, args: argparse.Namespace, ctx: Context) -> None:
    await _import(session, args, ctx, "members")


async def _import_households(session: AsyncSession, args: argparse.Namespace, ctx: Context) -> None:
    await _import(session, args, ctx, "households")

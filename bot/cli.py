"""The `chibo` command: run the bot, the offline demo, and the admin commands.

Admin commands print what they did in the operator's language (config default_language) and write
the audit log; errors are one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.cli_admin import add_commands, now_today, parse_date
from bot.clock import system_clock
from bot.config import Config, ConfigError, config_path, load_config
from bot.errors import UserError
from bot.i18n import N_, translator
from bot.services import identity, org
from storage import migrate, repo
from storage.db import make_engine, make_sessions

log = logging.getLogger("chibo")

Action = Callable[[AsyncSession, argparse.Namespace, Config, "Printer"], Awaitable[None]]


class Printer:
    """Prints translated lines for the operator."""

    def __init__(self, language: str) -> None:
        self.gettext = translator(language).gettext

    def __call__(self, message: str, **params: object) -> None:
        text = self.gettext(message)
        print(text % {k: str(v) for k, v in params.items()} if params else text)


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="chibo", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--config", help="TOML config file (default: $CHIBO_CONFIG or ./config.toml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("run", help="run the bot (Telegram, long polling)")
    demo = sub.add_parser("demo", help="offline demo against a fake Telegram, on a temporary database")
    demo.add_argument("--quiet", action="store_true", help="print only the summary")

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply migrations")

    unit = sub.add_parser("unit", help="units (commune, province ...)").add_subparsers(
        dest="sub", required=True
    )
    p = unit.add_parser("add", help="add a unit")
    p.add_argument("name")
    p.add_argument("--parent", help="parent unit id or name")
    p.set_defaults(action=_unit_add)

    cell = sub.add_parser("cell", help="cells (chi bộ)").add_subparsers(dest="sub", required=True)
    p = cell.add_parser("add", help="add a cell")
    p.add_argument("name")
    p.add_argument("--unit", required=True, help="unit id or name")
    p.add_argument(
        "--kind",
        default="village",
        help="village, office, enterprise, school or armed_forces (default village)",
    )
    p.set_defaults(action=_cell_add)

    person = sub.add_parser("person", help="people").add_subparsers(dest="sub", required=True)
    p = person.add_parser("add", help="add a person as a member of a cell")
    p.add_argument("full_name")
    p.add_argument("--cell", required=True, help="cell id or name")
    p.add_argument("--card", help="party card number")
    p.add_argument("--birth-date", type=parse_date, help="dd/mm/yyyy")
    p.add_argument("--status", default="official", choices=["official", "probationary"])
    p.set_defaults(action=_person_add)

    p = sub.add_parser("invite", help="a one-time invite code and link for a person")
    p.add_argument("person", nargs="?", help="person id or card number")
    p.add_argument("--cell", help="every member of this cell not linked yet")
    p.add_argument("--unit", help="every member of this unit's cells not linked yet")
    p.add_argument("--format", choices=["text", "csv", "xlsx"], default="text")
    p.add_argument("--output", help="file to write (csv/xlsx; default: standard output for csv)")
    p.set_defaults(action=_invite)

    add_commands(sub)
    return parser


async def _unit_add(session: AsyncSession, args: argparse.Namespace, config: Config, out: Printer) -> None:
    unit = await org.add_unit(
        session=session, name=args.name, parent_ref=args.parent, actor=org.CLI, now=system_clock()
    )
    out(N_("Added unit %(name)s (id %(id)s)."), name=unit.name, id=unit.id)


async def _cell_add(session: AsyncSession, args: argparse.Namespace, config: Config, out: Printer) -> None:
    cell = await org.add_cell(
        session=session, name=args.name, unit_ref=args.unit, kind=args.kind, actor=org.CLI, now=system_clock()
    )
    out(N_("Added cell %(name)s (id %(id)s)."), name=cell.name, id=cell.id)


async def _person_add(session: AsyncSession, args: argparse.Namespace, config: Config, out: Printer) -> None:
    cell = await org.require_cell(session, args.cell)
    now, today = now_today(config)
    person = await org.add_person(
        session=session,
        full_name=args.full_name,
        cell=cell,
        actor=org.CLI,
        now=now,
        today=today,
        card_number=args.card,
        birth_date=args.birth_date,
        status=args.status,
    )
    out(N_("Added %(name)s (id %(id)s) to %(cell)s."), name=person.full_name, id=person.id, cell=cell.name)


async def _invite(session: AsyncSession, args: argparse.Namespace, config: Config, out: Printer) -> None:
    from bot.services import invites

    now = system_clock()
    username = config.telegram.bot_username or await repo.get_setting(
        session=session, key=identity.USERNAME_KEY
    )
    if args.person:
        person = await org.require_person(session, args.person)
        code = await identity.invite(
            session=session, person=person, now=now, valid_days=config.invite_valid_days, actor=org.CLI
        )
        out(
            N_("Invite for %(name)s: %(code)s (valid until %(until)s)"),
            name=person.full_name,
            code=code.code,
            until=code.expires_at.astimezone(config.tz).strftime("%d/%m/%Y %H:%M"),
        )
        link = identity.deep_link(username, code.code)
        out(N_("Link: %(link)s"), link=link) if link else out(
            N_("Send it to the bot as: /start %(code)s"), code=code.code
        )
        return
    if not (args.cell or args.unit):
        raise UserError(N_("Name a person, or give --cell or --unit."))
    batch = await invites.for_scope(
        session=session,
        cell_ref=args.cell,
        unit_ref=args.unit,
        now=now,
        config=config,
        username=username,
        actor=org.CLI,
    )
    gettext = out.gettext
    if args.format == "text":
        print(invites.as_text(batch, gettext=gettext, tz=config.tz))
    else:
        content = (
            invites.as_csv(batch, gettext=gettext, tz=config.tz)
            if args.format == "csv"
            else invites.as_xlsx(batch, gettext=gettext, tz=config.tz)
        )
        if args.output:
            Path(args.output).write_bytes(content)  # noqa: ASYNC240  (a CLI, nothing else runs)
            out(N_("Wrote %(count)s invites to %(path)s."), count=len(batch.rows), path=args.output)
        elif args.format == "csv":
            sys.stdout.write(content.decode("utf-8-sig"))
        else:
            raise UserError(N_("Give --output FILE for an xlsx file."))


async def _with_session(config: Config, action: Action, args: argparse.Namespace) -> None:
    engine = make_engine(config.database.url)
    try:
        await migrate.upgrade(engine)
        sessions = make_sessions(engine)
        async with sessions.begin() as session:
            await action(session, args, config, Printer(config.default_language))
    finally:
        await engine.dispose()


async def _run(config: Config) -> None:
    from bot.serve import serve

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await serve(config, stop)


async def _db_upgrade(config: Config) -> None:
    engine = make_engine(config.database.url)
    try:
        await migrate.upgrade(engine)
        print(f"database at revision {await migrate.current_revision(engine)}")
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `chibo` console script."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request URL, and the URL carries the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if not args.verbose:
        for noisy in ("apscheduler", "alembic"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        if args.command == "demo":
            from bot.demo import run_demo

            return asyncio.run(run_demo(quiet=args.quiet))
        config = load_config(config_path(args.config))
        coroutine: Coroutine[Any, Any, None]
        if args.command == "run":
            config.token()
            coroutine = _run(config)
        elif args.command == "db":
            coroutine = _db_upgrade(config)
        else:
            coroutine = _with_session(config, args.action, args)
        asyncio.run(coroutine)
        return 0
    except ConfigError as error:
        print(f"chibo: config error: {error}", file=sys.stderr)
        return 2
    except UserError as error:
        lang = "vi"
        try:
            lang = load_config(config_path(args.config)).default_language
        except ConfigError:
            pass
        print(f"chibo: {error.render(translator(lang).gettext)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head`
        return 0


if __name__ == "__main__":
    sys.exit(main())

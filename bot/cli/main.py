"""The `chibo` command: run the bot, the offline demo, and the admin commands.

One run speaks one language (--lang, else the config's default_language), --help and usage errors
included. Results go to stdout; problems are one line on stderr and a non-zero exit, never a traceback.
Every command takes its time from one clock: the real one, or --now / CHIBO_NOW.

Heavy libraries (SQLAlchemy, python-telegram-bot, openpyxl, Alembic) are imported inside the commands
that use them, so `chibo --help` starts at once.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.clock import NOW_ENV, Clock, clock_at
from bot.config_file import CONFIG_ENV, DEFAULT_TIMEZONE, ConfigError, config_path, peek_language
from bot.errors import UserError
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, translator

if TYPE_CHECKING:
    from bot.config import Config

from bot.cli.common import (
    EXIT_CONFIG,
    EXIT_REFUSED,
    EXIT_UNREACHABLE,
    Commands,
    ConnectionProblem,
    Context,
    Gettext,
    _common_options,
    database_problem,
    describe_database,
    prepare_database,
)

# argparse's own messages (it looks them up through its module-level `_`), so that --help and usage
# errors speak the operator's language too.
ARGPARSE_MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("not allowed with argument %s"),
    N_("unrecognized arguments: %s"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("ignored explicit argument %r"),
    N_("unexpected option string: %s"),
)


def build_parser(gettext: Gettext | None = None) -> argparse.ArgumentParser:
    """The command line, its help in the language `gettext` translates to."""
    from bot.cli import imports, meetings, members, messages, organisation, reports, schedules

    gettext = gettext or translator(DEFAULT_LANGUAGE).gettext
    parser = argparse.ArgumentParser(
        prog="chibo",
        description=gettext(
            "chibo helps party cells run their meetings: the chat bot and its admin commands."
        ),
        parents=[_common_options(gettext, defaults=True)],
        allow_abbrev=False,
    )
    commands = Commands(gettext)
    sub = parser.add_subparsers(dest="command", required=True)

    commands.command(sub, "run", gettext("run the bot (Telegram, long polling)"))
    demo = commands.command(
        sub, "demo", gettext("offline demo against a fake Telegram, on a temporary database")
    )
    demo.add_argument("--quiet", action="store_true", help=gettext("print only the summary"))

    db = commands.group(sub, "db", gettext("the database schema"))
    commands.command(db, "upgrade", gettext("apply migrations"))

    for area in (organisation, messages, members, imports, meetings, schedules, reports):
        area.add(sub, commands)
    _name_the_choices(parser)
    return parser


def _name_the_choices(parser: argparse.ArgumentParser) -> None:
    """Name a missing subcommand by its choices ({list,status,...}), not by an internal dest."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            action.metavar = "{" + ",".join(action.choices) + "}"
            for child in action.choices.values():
                _name_the_choices(child)


async def _with_session(config: Config, clock: Clock, gettext: Gettext, args: argparse.Namespace) -> None:
    from storage.db import make_engine, make_sessions

    engine = make_engine(config.database.url)
    try:
        creates = getattr(args, "creates_database", False)
        await prepare_database(engine, config.database.url, create=creates)
        context = Context(config=config, now=clock(), gettext=gettext)
        try:
            async with make_sessions(engine).begin() as session:
                await args.action(session, args, context)
        except Exception as error:
            problem = None if isinstance(error, UserError) else database_problem(config.database.url, error)
            if problem is None:
                raise
            raise problem from None
    finally:
        await engine.dispose()


async def _run(config: Config, clock: Clock) -> None:
    import asyncio
    import signal

    from bot.runtime import Runtime
    from bot.serve import BotApiUnreachable, serve

    runtime = Runtime(config, clock=clock)
    try:
        await prepare_database(runtime.engine, config.database.url)
    except BaseException:
        await runtime.engine.dispose()
        raise
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await serve(config, stop, runtime=runtime)
    except BotApiUnreachable as error:
        raise ConnectionProblem(
            N_("Cannot reach the Telegram Bot API at %(url)s: %(reason)s. Check the network connection."),
            N_("a connection problem (%(error)s)"),
            {"error": error.reason},
            url=error.url,
        ) from None


async def _db_upgrade(config: Config, gettext: Gettext) -> None:
    from storage import migrate
    from storage.db import make_engine

    engine = make_engine(config.database.url)
    try:
        await prepare_database(engine, config.database.url)
        revision = await migrate.current_revision(engine)
    finally:
        await engine.dispose()
    print(
        gettext(N_("The database %(database)s is at revision %(revision)s."))
        % {"database": describe_database(config.database.url), "revision": revision}
    )


class _EarlyParser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # the real parser reports it, in the right language
        raise ValueError(message)


def _early_options(argv: list[str]) -> argparse.Namespace:
    """--config and --lang wherever they are, before the real parser runs: its help needs the language."""
    early = _EarlyParser(add_help=False, allow_abbrev=False)
    for option in ("--config", "--lang"):
        early.add_argument(option)
    try:
        return early.parse_known_args(argv)[0]
    except ValueError:
        return argparse.Namespace(config=None, lang=None)


@dataclass
class _ArgparseLanguage:
    """Make argparse's own messages speak the operator's language for the length of a run."""

    gettext: Gettext
    ngettext: Callable[[str, str, int], str]

    def __enter__(self) -> None:
        self.saved = (argparse._, argparse.ngettext)  # type: ignore[attr-defined]
        argparse._, argparse.ngettext = self.gettext, self.ngettext  # type: ignore[attr-defined]

    def __exit__(self, *exc: object) -> None:
        argparse._, argparse.ngettext = self.saved  # type: ignore[attr-defined]


def _configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request URL, and the URL carries the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if not verbose:
        for noisy in ("apscheduler", "alembic"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `chibo` console script."""
    argv = sys.argv[1:] if argv is None else list(argv)
    early = _early_options(argv)
    path = config_path(early.config)
    language = early.lang if early.lang in LANGUAGES else peek_language(path) or DEFAULT_LANGUAGE
    translations = translator(language)
    gettext = translations.gettext
    with _ArgparseLanguage(gettext, translations.ngettext):
        try:
            args = build_parser(gettext).parse_args(argv)
        except SystemExit as done:  # --help, or a usage error argparse has printed
            return int(done.code or 0)
    _configure_logging(args.verbose)
    try:
        return _main(args, path, gettext, language)
    except ConfigError as error:
        label = gettext(N_("config error"))  # outside the f-string, where the catalog extractor sees it
        print(f"chibo: {label}: {error.render(gettext)}", file=sys.stderr)
        return EXIT_CONFIG
    except ConnectionProblem as error:
        print(f"chibo: {error.render(gettext)}", file=sys.stderr)
        return EXIT_UNREACHABLE
    except UserError as error:
        print(f"chibo: {error.render(gettext)}", file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head`
        return 0


def _main(args: argparse.Namespace, path: Path | None, gettext: Gettext, language: str) -> int:
    import asyncio

    now_text = args.now or os.environ.get(NOW_ENV)
    if args.command == "demo":
        from zoneinfo import ZoneInfo

        from bot.demo import run_demo

        clock = clock_at(now_text, ZoneInfo(DEFAULT_TIMEZONE))
        return asyncio.run(run_demo(clock=clock, quiet=args.quiet, lang=language))
    from bot.config import load_config

    config = load_config(path)
    clock = clock_at(now_text, config.tz)
    if path is None:
        print(
            "chibo: "
            + gettext(
                N_(
                    "no config file (--config, $%(env)s or ./config.toml); using the defaults, with the "
                    "database %(database)s."
                )
            )
            % {"env": CONFIG_ENV, "database": describe_database(config.database.url)},
            file=sys.stderr,
        )
    if args.command == "run":
        config.token()
        asyncio.run(_run(config, clock))
    elif args.command == "db":
        asyncio.run(_db_upgrade(config, gettext))
    else:
        asyncio.run(_with_session(config, clock, gettext, args))
    return 0

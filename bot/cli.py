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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.clock import NOW_ENV, NOW_FORMATS, Clock, clock_at, parse_day
from bot.config_file import CONFIG_ENV, DEFAULT_TIMEZONE, ConfigError, config_path, peek_language
from bot.errors import UserError
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, translator

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from bot.config import Config

Gettext = Callable[[str], str]

# Exit codes: bad input or a refused action, a bad setting or usage, a service that does not answer.
EXIT_REFUSED, EXIT_CONFIG, EXIT_UNREACHABLE = 1, 2, 3


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


class ConnectionProblem(UserError):
    """A service chibo needs (the database, the Telegram Bot API) did not answer or refused us.

    `reason` is a msgid of its own, translated when the line is rendered.
    """

    def __init__(self, message: str, reason: str, reason_params: dict[str, object], **params: object) -> None:
        super().__init__(message, **params)
        self.reason = reason
        self.reason_params = {key: str(value) for key, value in reason_params.items()}

    def render(self, gettext: Gettext) -> str:
        """The line in the reader's language, its reason translated too."""
        reason = gettext(self.reason) % self.reason_params if self.reason_params else gettext(self.reason)
        return gettext(self.message) % {**self.params, "reason": reason}


@dataclass
class Context:
    """What every admin command gets: the config, the one `now` of this run, and the operator's language."""

    config: Config
    now: datetime
    gettext: Gettext

    @property
    def today(self) -> date:
        """The calendar day of `now` in the configured zone."""
        return self.now.astimezone(self.config.tz).date()

    def text(self, message: str, **params: object) -> str:
        """A message in the operator's language."""
        text = self.gettext(message)
        return text % {key: str(value) for key, value in params.items()} if params else text

    def say(self, message: str, **params: object) -> None:
        """Print a message in the operator's language."""
        print(self.text(message, **params))


# --- the command line -----------------------------------------------------------------------------


def date_argument(gettext: Gettext) -> Callable[[str], date]:
    """An argparse type for a calendar date, with its errors in the operator's language."""

    def parse(value: str) -> date:
        try:
            return parse_day(value)
        except UserError as error:
            raise argparse.ArgumentTypeError(error.render(gettext)) from None

    return parse


def _common_options(gettext: Gettext, *, defaults: bool) -> argparse.ArgumentParser:
    """The options every command takes, before or after its name (`chibo run --config FILE`)."""
    common = argparse.ArgumentParser(add_help=False, allow_abbrev=False)

    def default(value: object) -> object:
        # On subcommands: absent means "keep what the main parser found", not "reset to the default".
        return value if defaults else argparse.SUPPRESS

    common.add_argument(
        "--config",
        metavar=gettext("FILE"),
        default=default(None),
        help=gettext("TOML config file (default: $%(env)s, else ./config.toml)") % {"env": CONFIG_ENV},
    )
    common.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=default(None),
        help=gettext("language of this run (default: the config's default_language)"),
    )
    common.add_argument(
        "--now",
        metavar=gettext("TIME"),
        default=default(None),
        help=gettext(
            "act as if it were this time: %(formats)s or ISO 8601, in the configured time zone unless "
            "an offset is given; then the clock moves on (default: $%(env)s, else the real time)"
        )
        % {"formats": NOW_FORMATS, "env": NOW_ENV},
    )
    common.add_argument(
        "-v", "--verbose", action="store_true", default=default(False), help=gettext("log more")
    )
    return common


class Commands:
    """Builds subcommands that all take the common options and speak the operator's language."""

    def __init__(self, gettext: Gettext) -> None:
        self.gettext = gettext
        self.common = _common_options(gettext, defaults=False)
        self.date = date_argument(gettext)

    def group(self, parent: Any, name: str, help: str) -> Any:
        """A command with subcommands of its own (`chibo member ...`)."""
        parser = self.command(parent, name, help)
        return parser.add_subparsers(dest=f"{name}_command", required=True)

    def command(self, parent: Any, name: str, help: str, **kwargs: Any) -> argparse.ArgumentParser:
        """One command."""
        parser: argparse.ArgumentParser = parent.add_parser(
            name, help=help, description=help, parents=[self.common], allow_abbrev=False, **kwargs
        )
        return parser

    def date_option(self, parser: argparse.ArgumentParser, *flags: str, **kwargs: Any) -> None:
        """A date option; its help says the format."""
        kwargs["help"] = f"{kwargs['help']} (dd/mm/yyyy)"
        parser.add_argument(*flags, type=self.date, metavar=self.gettext("DATE"), **kwargs)


def build_parser(gettext: Gettext | None = None) -> argparse.ArgumentParser:
    """The command line, its help in the language `gettext` translates to."""
    from bot.cli_admin import add_commands

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

    add_commands(sub, commands)
    _name_the_choices(parser)
    return parser


def _name_the_choices(parser: argparse.ArgumentParser) -> None:
    """Name a missing subcommand by its choices ({list,status,...}), not by an internal dest."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            action.metavar = "{" + ",".join(action.choices) + "}"
            for child in action.choices.values():
                _name_the_choices(child)


# --- databases ------------------------------------------------------------------------------------


def describe_database(url: str) -> str:
    """The database for a message: the SQLite file's full path, or the URL with its password hidden."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return str(Path(parsed.database).resolve()) if parsed.database else url
    return parsed.render_as_string(hide_password=True)


def _sqlite_file(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The error and what caused it, SQLAlchemy's wrapped driver error included."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        wrapped = getattr(current, "orig", None)
        if isinstance(wrapped, BaseException) and id(wrapped) not in seen:
            yield from _causes(wrapped)
        current = current.__cause__ or current.__context__


def database_problem(url: str, error: BaseException) -> ConnectionProblem | None:
    """One line saying which database and what is wrong, or None if `error` is not about the database."""
    import socket

    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError

    chain = list(_causes(error))
    if not any(isinstance(e, DBAPIError | OSError) for e in chain):
        return None
    parsed = make_url(url)
    where = {"host": parsed.host or "localhost", "port": parsed.port or 5432, "name": parsed.database or ""}
    names = {type(e).__name__ for e in chain}
    detail = str(chain[-1]).strip().splitlines()[0] if str(chain[-1]).strip() else type(chain[-1]).__name__
    reason: str
    params: dict[str, object] = {}
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        reason, params = N_("nothing answers at %(host)s:%(port)s; is PostgreSQL running there?"), where
    elif any(isinstance(e, socket.gaierror) for e in chain):
        reason, params = N_("the host %(host)s is unknown"), where
    elif any(isinstance(e, TimeoutError) for e in chain):
        reason, params = N_("no answer from %(host)s:%(port)s"), where
    elif "InvalidCatalogNameError" in names:
        reason, params = N_("the database %(name)s does not exist on that server (createdb %(name)s)"), where
    elif names & {"InvalidPasswordError", "InvalidAuthorizationSpecificationError"}:
        reason, params = N_("the server refused the user or password (%(detail)s)"), {"detail": detail}
    elif "unable to open database file" in detail:
        reason, params = N_("the file cannot be opened here (%(detail)s)"), {"detail": detail}
    elif not any(isinstance(e, DBAPIError) for e in chain) and not any(
        isinstance(e, ConnectionError) for e in chain
    ):
        return None  # an OSError of some other kind (a file the command reads or writes)
    else:
        reason = detail  # the driver's own words; no msgid can say it better
    return ConnectionProblem(
        N_("Cannot use the database %(database)s: %(reason)s."),
        reason,
        params,
        database=describe_database(url),
    )


async def prepare_database(engine: AsyncEngine, url: str, *, create: bool = True) -> None:
    """Bring the schema up to date. Without `create`, never create a database or its tables: only
    `unit add` (the first step of a setup), `db upgrade` and `run` start from nothing."""
    from storage import migrate

    sqlite_file = _sqlite_file(url)
    if not create and sqlite_file is not None and not sqlite_file.exists():
        raise UserError(
            N_(
                "There is no database at %(database)s yet: nothing is set up there. Start with chibo unit "
                "add, or name the right config with --config."
            ),
            database=describe_database(url),
        )
    if sqlite_file is not None and not sqlite_file.resolve().parent.is_dir():
        # Said before connecting: a failed aiosqlite connection can outlive the event loop and print a
        # traceback from its thread.
        raise ConnectionProblem(
            N_("Cannot use the database %(database)s: %(reason)s."),
            N_("the folder %(folder)s does not exist"),
            {"folder": sqlite_file.resolve().parent},
            database=describe_database(url),
        )
    try:
        if not create and await migrate.current_revision(engine) is None:
            raise UserError(
                N_("The database %(database)s is empty: nothing is set up yet."),
                database=describe_database(url),
            )
        await migrate.upgrade(engine)
    except Exception as error:
        problem = None if isinstance(error, UserError) else database_problem(url, error)
        if problem is None:
            raise
        raise problem from None


# --- running a command ----------------------------------------------------------------------------


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
        print(f"chibo: {gettext(N_('config error'))}: {error.render(gettext)}", file=sys.stderr)
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


if __name__ == "__main__":
    sys.exit(main())

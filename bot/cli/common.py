"""What every `chibo` command shares: the run's context, subcommands in the operator's language,
and the one-line explanation of a database that cannot be reached."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.clock import NOW_ENV, NOW_FORMATS, parse_day
from bot.config_file import CONFIG_ENV
from bot.errors import UserError
from bot.i18n import LANGUAGES, N_

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine
    from sqlmodel.ext.asyncio.session import AsyncSession

    from bot.config import Config

Gettext = Callable[[str], str]

# Exit codes: bad input or a refused action, a bad setting or usage, a service that does not answer.
EXIT_REFUSED, EXIT_CONFIG, EXIT_UNREACHABLE = 1, 2, 3


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


def day(value: date) -> str:
    """A date as the operator writes it."""
    return value.strftime("%d/%m/%Y")


def _names(values: tuple[str, ...], names: dict[str, str], gettext: Any) -> str:
    """What each value means, in the operator's language: "secretary: bí thư, ..."."""
    return ", ".join(f"{value}: {gettext(names[value])}" for value in values)


async def _scope(session: AsyncSession, args: argparse.Namespace) -> dict[str, Any]:
    from bot.services import units

    if args.cell:
        return {"cell": await units.require_cell(session, args.cell)}
    return {"unit": await units.require_unit(session, args.unit)}

"""Typed configuration loaded from a TOML file; only secrets come from the environment."""

from __future__ import annotations

import os
import tomllib
import zoneinfo
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from bot.config_file import (
    CONFIG_ENV,
    DEFAULT_PATH,
    DEFAULT_TIMEZONE,
    TOKEN_ENV,
    ConfigError,
    config_path,
    peek_language,
)
from bot.i18n import N_
from bot.meetings.rules import Rules
from bot.meetings.visits import DEFAULT_TOPICS, PeriodKind

__all__ = [
    "CONFIG_ENV",
    "DEFAULT_PATH",
    "DEFAULT_TIMEZONE",
    "TOKEN_ENV",
    "Config",
    "ConfigError",
    "DatabaseConfig",
    "DeliveryConfig",
    "TelegramConfig",
    "config_path",
    "load_config",
    "peek_language",
]


class _Section(BaseModel):
    # Strict: `senders = "4"` is a mistake to report, not a string to convert.
    model_config = ConfigDict(extra="forbid", strict=True)


class TelegramConfig(_Section):
    token: SecretStr | None = None
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    bot_username: str | None = None
    poll_timeout: float = Field(default=30, gt=0)
    # Telegram's documented flood limits; the rate limiter waits rather than break them.
    overall_max_rate: float = Field(default=30, gt=0)
    overall_time_period: float = Field(default=1, gt=0)
    group_max_rate: float = Field(default=20, gt=0)
    group_time_period: float = Field(default=60, gt=0)


class DatabaseConfig(_Section):
    url: str = "sqlite+aiosqlite:///chibo.db"
    # Connections kept open. Updates, outbox senders and jobs each hold one while they run; past the
    # pool, SQLAlchemy opens and closes a connection per transaction, which costs more than the work.
    pool_size: int = Field(default=20, ge=1, le=500)

    @field_validator("url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if not (value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://")):
            raise ValueError(N_("expected a sqlite+aiosqlite:// or postgresql+asyncpg:// URL"))
        return value


class DeliveryConfig(_Section):
    senders: int = Field(default=4, ge=1, le=64)
    max_attempts: int = Field(default=8, ge=1)
    backoff_initial: float = Field(default=1.0, gt=0)
    backoff_max: float = Field(default=300.0, gt=0)


class MeetingsConfig(_Section):
    """The meeting figures that provinces set differently (bot.meetings.rules)."""

    grace_hours: float = Field(default=2, gt=0)
    late_after_minutes: float = Field(default=15, ge=0)
    minimum_minutes: int = Field(default=90, ge=1)
    combined_minimum_minutes: int = Field(default=120, ge=1)
    dues_grace_months: int = Field(default=1, ge=0, le=12)
    charter_warn_months: int = Field(default=2, ge=1, le=12)
    charter_flag_months: int = Field(default=3, ge=1, le=12)
    # A meeting created without an end is expected to last this long.
    default_length_minutes: int = Field(default=120, ge=15, le=24 * 60)
    # Answers arriving within this many seconds make one edit of the group chat's tally, not one each.
    tally_debounce_seconds: float = Field(default=10, ge=0)

    def rules(self) -> Rules:
        """These figures as the rules module takes them."""
        return Rules(
            grace=timedelta(hours=self.grace_hours),
            late_after=timedelta(minutes=self.late_after_minutes),
            minimum_minutes=self.minimum_minutes,
            combined_minimum_minutes=self.combined_minimum_minutes,
            dues_grace_months=self.dues_grace_months,
            charter_warn=self.charter_warn_months,
            charter_flag=self.charter_flag_months,
        )


class VisitsConfig(_Section):
    """Household visits (bot.meetings.visits): how often each household is visited, the topics a visit
    can touch, and how often members with overdue households are reminded."""

    period: Literal["month", "quarter"] = "month"
    # Keys of bot.meetings.visits.DEFAULT_TOPICS are translated; any other text is shown as written.
    topics: list[str] = Field(default_factory=lambda: list(DEFAULT_TOPICS), min_length=1, max_length=20)
    # Members with overdue households are reminded at most this often (never more than once a week).
    nudge_every_days: int = Field(default=7, ge=7, le=90)
    # The hour of the day (cell's time) the reminders go out.
    nudge_hour: int = Field(default=9, ge=0, le=23)

    @property
    def period_kind(self) -> PeriodKind:
        """The period as the rules module takes it."""
        return PeriodKind(self.period)


class Config(_Section):
    timezone: str = DEFAULT_TIMEZONE
    default_language: Literal["vi", "en"] = "vi"
    invite_valid_days: int = Field(default=7, ge=1)
    # A form (announcement, a member's exemption ...) left unanswered this long closes itself.
    form_timeout_hours: float = Field(default=24, gt=0)
    # How often the running bot checks whether another process (the CLI) changed something.
    change_poll_seconds: float = Field(default=5.0, gt=0)
    telegram: TelegramConfig = TelegramConfig()
    database: DatabaseConfig = DatabaseConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    meetings: MeetingsConfig = MeetingsConfig()
    visits: VisitsConfig = VisitsConfig()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(N_("expected an IANA time zone such as Asia/Ho_Chi_Minh")) from exc
        return value

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        """The configured time zone."""
        return zoneinfo.ZoneInfo(self.timezone)

    def token(self) -> str:
        """Return the bot token or raise ConfigError naming where to put it."""
        if self.telegram.token is None or not self.telegram.token.get_secret_value().strip():
            raise ConfigError(
                N_("no bot token; set it in the config file or in %(env)s"),
                key="telegram.token",
                env=TOKEN_ENV,
            )
        return self.telegram.token.get_secret_value().strip()


# pydantic's error types, as msgids an operator can read in their language.
_PROBLEMS = {
    "extra_forbidden": N_("unknown key; see config.example.toml for the keys chibo reads"),
    "int_type": N_("expected a whole number, written without quotes"),
    "int_parsing": N_("expected a whole number, written without quotes"),
    "int_from_float": N_("expected a whole number, written without quotes"),
    "float_type": N_("expected a number, written without quotes"),
    "float_parsing": N_("expected a number, written without quotes"),
    "string_type": N_("expected text in quotes"),
    "bool_type": N_("expected true or false"),
    "model_type": N_("expected a table such as [telegram]"),
    "dict_type": N_("expected a table such as [telegram]"),
    "greater_than": N_("expected a number greater than %(limit)s"),
    "greater_than_equal": N_("expected a number of at least %(limit)s"),
    "less_than": N_("expected a number less than %(limit)s"),
    "less_than_equal": N_("expected a number of at most %(limit)s"),
    "literal_error": N_("expected one of %(choices)s"),
}


def _problem(error: Any) -> tuple[str, dict[str, Any]]:
    """The msgid and parameters for one pydantic error."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "value_error":  # our validators raise msgids
        return str(ctx.get("error", error["msg"])), {}
    if kind in _PROBLEMS:
        limit = next((ctx[k] for k in ("gt", "ge", "lt", "le") if k in ctx), "")
        return _PROBLEMS[kind], {"limit": limit, "choices": ctx.get("expected", "")}
    return str(error["msg"]), {}


def load_config(path: Path | None) -> Config:
    """Load and validate the config; raise ConfigError with one clear line on any problem."""
    where = str(path) if path else None
    data: dict[str, object] = {}
    if path is not None:
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(N_("file not found"), where=where) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(N_("not valid TOML (%(reason)s)"), where=where, reason=exc) from None
        except OSError as exc:
            raise ConfigError(N_("cannot be read (%(reason)s)"), where=where, reason=exc.strerror) from None
    token = os.environ.get(TOKEN_ENV)
    if token:
        telegram = data.setdefault("telegram", {})
        if isinstance(telegram, dict):
            telegram["token"] = token
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(str(part) for part in error["loc"]) or "(top level)"
        problem, params = _problem(error)
        raise ConfigError(problem, where=where, key=key, **params) from None

"""Typed configuration loaded from a TOML file; only secrets come from the environment."""

from __future__ import annotations

import os
import tomllib
import zoneinfo
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

TOKEN_ENV = "CHIBO_TELEGRAM_TOKEN"
CONFIG_ENV = "CHIBO_CONFIG"


class ConfigError(Exception):
    """A setting is missing or invalid; the message is one line naming file, key and expectation."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


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

    @field_validator("url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if not (value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://")):
            raise ValueError("expected a sqlite+aiosqlite:// or postgresql+asyncpg:// URL")
        return value


class DeliveryConfig(_Section):
    senders: int = Field(default=4, ge=1, le=64)
    max_attempts: int = Field(default=8, ge=1)
    backoff_initial: float = Field(default=1.0, gt=0)
    backoff_max: float = Field(default=300.0, gt=0)


class Config(_Section):
    timezone: str = "Asia/Ho_Chi_Minh"
    default_language: Literal["vi", "en"] = "vi"
    invite_valid_days: int = Field(default=7, ge=1)
    # A form (announcement, a member's exemption ...) left unanswered this long closes itself.
    form_timeout_hours: float = Field(default=24, gt=0)
    # How often the running bot checks whether another process (the CLI) changed something.
    change_poll_seconds: float = Field(default=5.0, gt=0)
    telegram: TelegramConfig = TelegramConfig()
    database: DatabaseConfig = DatabaseConfig()
    delivery: DeliveryConfig = DeliveryConfig()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("expected an IANA time zone such as Asia/Ho_Chi_Minh") from exc
        return value

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        """The configured time zone."""
        return zoneinfo.ZoneInfo(self.timezone)

    def token(self) -> str:
        """Return the bot token or raise ConfigError naming where to put it."""
        if self.telegram.token is None or not self.telegram.token.get_secret_value().strip():
            raise ConfigError(f"telegram.token: no bot token; set it in the config file or in {TOKEN_ENV}")
        return self.telegram.token.get_secret_value().strip()


def config_path(explicit: str | None) -> Path | None:
    """Pick the config file: --config, then CHIBO_CONFIG, then ./config.toml if present."""
    if explicit:
        return Path(explicit)
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    default = Path("config.toml")
    return default if default.exists() else None


def load_config(path: Path | None) -> Config:
    """Load and validate the config; raise ConfigError with one clear line on any problem."""
    where = str(path) if path else "(defaults)"
    data: dict[str, object] = {}
    if path is not None:
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"{where}: file not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{where}: not valid TOML ({exc})") from None
        except OSError as exc:
            raise ConfigError(f"{where}: cannot be read ({exc.strerror})") from None
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
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key; see config.example.toml for the keys chibo reads"
        # Never echo the offending value: it may be the token.
        raise ConfigError(f"{where}: {key}: {message}") from None

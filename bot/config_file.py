"""Which config file to read, and its language, without loading pydantic.

The CLI needs both before it parses its arguments (its --help speaks the config's language), and
importing pydantic would slow every command's start; bot.config builds the typed Config.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.i18n import LANGUAGES

TOKEN_ENV = "CHIBO_TELEGRAM_TOKEN"
CONFIG_ENV = "CHIBO_CONFIG"
DEFAULT_PATH = Path("config.toml")
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


class ConfigError(Exception):
    """A setting is missing or invalid: one line naming the file, the key and what is expected.

    str() is English (logs, tests); render(gettext) is the same line in the operator's language.
    The offending value is never part of the message: it may be the token.
    """

    def __init__(
        self, problem: str, *, where: str | None = None, key: str | None = None, **params: Any
    ) -> None:
        self.problem = problem
        self.where = where
        self.key = key
        self.params = {name: str(value) for name, value in params.items()}
        super().__init__(self.render(lambda text: text))

    def render(self, gettext: Callable[[str], str]) -> str:
        """The line in the reader's language."""
        problem = gettext(self.problem)
        try:
            problem = problem % self.params if self.params else problem
        except (KeyError, TypeError, ValueError):  # a malformed translation: fall back to English
            problem = self.problem % self.params if self.params else self.problem
        return ": ".join(part for part in (self.where, self.key, problem) if part)


def config_path(explicit: str | None) -> Path | None:
    """Pick the config file: --config, then CHIBO_CONFIG, then ./config.toml if present."""
    if explicit:
        return Path(explicit)
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    return DEFAULT_PATH if DEFAULT_PATH.exists() else None


def peek_language(path: Path | None) -> str | None:
    """The file's default_language, read without validating the rest (help must work on a broken file)."""
    if path is None:
        return None
    try:
        with path.open("rb") as fh:
            value = tomllib.load(fh).get("default_language")
    except (OSError, tomllib.TOMLDecodeError):
        return None
    return value if value in LANGUAGES else None

"""The `chibo` command line: main (parsing, language, errors), common (what commands share), and one
module per area of commands. Heavy libraries load inside the commands that use them, so --help is quick."""

from __future__ import annotations

from bot.cli.main import main

__all__ = ["main"]

"""The conversation core, by area: context (what a step is given), registry (commands and forms),
authority (targets and roles at every step) and core (routing one event into replies)."""

from bot.chat.context import (
    EXPIRED,
    FOREIGN,
    GREETING,
    MAX_ANSWER,
    NOT_TEXT,
    NOT_UNDERSTOOD,
    POINTER,
    REFUSED,
    REVOKED,
    STALE,
    Ctx,
    cmd_button,
    flow_button,
)
from bot.chat.core import ChatCore, clean_language_code, parse_command
from bot.chat.registry import CommandFn, FormEntry, FormFn, Registry, TextFn

__all__ = [
    "EXPIRED",
    "FOREIGN",
    "GREETING",
    "MAX_ANSWER",
    "NOT_TEXT",
    "NOT_UNDERSTOOD",
    "POINTER",
    "REFUSED",
    "REVOKED",
    "STALE",
    "ChatCore",
    "CommandFn",
    "Ctx",
    "FormEntry",
    "FormFn",
    "Registry",
    "TextFn",
    "clean_language_code",
    "cmd_button",
    "flow_button",
    "parse_command",
]

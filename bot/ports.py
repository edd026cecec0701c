"""What the core needs from a messenger, implemented by each edge under handlers/."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.domain import ChatRef, CommandInfo, Reply


class DeliveryError(Exception):
    """Base of the outcomes a send can have other than success."""


@dataclass
class Unreachable(DeliveryError):
    """The recipient cannot get messages: blocked, deleted, chat not found. Not retried."""

    reason: str  # one of storage.vocabulary.UNREACHABLE_REASONS


@dataclass
class RetryLater(DeliveryError):
    """A passing failure (network, timeout, 5xx, flood wait): try again after `after` seconds or backoff."""

    detail: str
    after: float | None = None


@dataclass
class Rejected(DeliveryError):
    """The messenger refused this one message (a 400); other messages are unaffected."""

    detail: str


class Transport(Protocol):
    """Sending on one messenger."""

    platform: str

    async def send(self, chat: ChatRef, reply: Reply) -> str:
        """Send a message and return the messenger's message id; raise a DeliveryError otherwise."""
        ...

    async def edit(self, chat: ChatRef, message_id: str, reply: Reply) -> None:
        """Replace the text (and buttons) of a message the bot sent."""
        ...

    async def set_commands(self, chat: ChatRef, commands: list[CommandInfo]) -> None:
        """Show these commands in the chat's command menu."""
        ...

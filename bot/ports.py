"""What the core needs from a messenger, implemented by each edge under handlers/."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

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


@dataclass(frozen=True)
class Capabilities:
    """What a messenger can show; the core adapts every reply to it.

    Without buttons (or with more choices than max_buttons), choices are numbered in the text and picked
    by typing; without edits, a reply
    that would replace a message is sent anew; without a command menu, none is kept; without files, a
    document is left out; and text is cut into messages of at most max_text characters.
    """

    buttons: bool
    edits: bool
    command_menu: bool
    files: bool
    max_text: int
    max_buttons: int = 0  # more choices than this are typed, not pressed


class Transport(Protocol):
    """Sending on one messenger."""

    platform: str
    capabilities: Capabilities

    async def send(self, chat: ChatRef, reply: Reply) -> str:
        """Send a message and return the messenger's message id; raise a DeliveryError otherwise."""
        ...

    async def edit(self, chat: ChatRef, message_id: str, reply: Reply) -> None:
        """Replace the text (and buttons) of a message the bot sent."""
        ...

    async def set_commands(self, chat: ChatRef, commands: list[CommandInfo]) -> None:
        """Show these commands in the chat's command menu."""
        ...


# A job function: it receives ids only (as keyword arguments) and loads what it needs from the database.
JobFn = Callable[..., Awaitable[Any]]


class Scheduler(Protocol):
    """When the core's background work runs. The database is the truth: jobs are rebuilt from it at
    start-up and after a change, so a restart loses nothing and no job state is pickled."""

    def schedule(
        self,
        job_id: str,
        fn: JobFn,
        *,
        at: datetime | None = None,
        every: timedelta | None = None,
        **ids: Any,
    ) -> None:
        """Run fn(**ids) once at `at`, or every `every`; a job with the same id is replaced."""
        ...

    def cancel(self, job_id: str) -> None:
        """Forget the job, if there is one."""
        ...

    def jobs(self) -> dict[str, datetime | None]:
        """The jobs scheduled, by id, with when each runs next."""
        ...

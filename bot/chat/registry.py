"""The commands and forms the core routes to, named explicitly and checked against the permission table."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from bot.chat.context import Ctx
from bot.permissions import COMMANDS, Command, Role
from storage.models import FlowState

CommandFn = Callable[[Ctx], Awaitable[None]]
FormFn = Callable[[Ctx, FlowState, str], Awaitable[None]]
# Free text (or a caption) that is no command, choice or form answer: True when it was dealt with.
TextFn = Callable[[Ctx, str], Awaitable[bool]]


@dataclass(frozen=True)
class FormEntry:
    """A multi-step form: its step function, and the roles each step needs (else its command's)."""

    step: FormFn
    requires: frozenset[Role] | None = None
    # The form also takes a voice note, photo or other media (the step finds it in ctx.incoming).
    media: bool = False


@dataclass(frozen=True)
class Registry:
    """The permission table's commands with their implementations, and every form, named explicitly.

    Built from the table (bot.permissions.COMMANDS), not from what happens to be imported; see
    bot.commands.registry.
    """

    specs: Mapping[str, Command]
    commands: Mapping[str, CommandFn]
    forms: Mapping[str, FormEntry]
    aliases: Mapping[str, str] = field(default_factory=dict)  # another name -> the command's name
    # Runs for a private message the user edited (a contribution corrected); other edits run nothing.
    on_edit: CommandFn | None = None
    # Runs for a private message that is no command, choice or form answer (an unprompted contribution),
    # before "I did not understand".
    on_text: TextFn | None = None

    @classmethod
    def build(
        cls,
        *,
        commands: Mapping[str, CommandFn],
        forms: Mapping[str, FormEntry],
        table: tuple[Command, ...] = COMMANDS,
        on_edit: CommandFn | None = None,
        on_text: TextFn | None = None,
    ) -> Registry:
        """Check the implementations against the table: one for each command in it, no more."""
        names = {spec.name for spec in table} | {"start"}  # /start links an account; it needs no permission
        if missing := names - set(commands):
            raise ValueError(f"commands in the permission table with no implementation: {sorted(missing)}")
        if unknown := set(commands) - names:
            raise ValueError(
                f"implementations of commands missing from the permission table: {sorted(unknown)}"
            )
        aliases = {alias: spec.name for spec in table for alias in spec.aliases}
        if clash := set(aliases) & names:
            raise ValueError(f"aliases that are also command names: {sorted(clash)}")
        return cls(
            {spec.name: spec for spec in table}, dict(commands), dict(forms), aliases, on_edit, on_text
        )

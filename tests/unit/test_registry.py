"""The command registry is explicit and agrees with the permission table."""

from __future__ import annotations

import pytest

from bot.chat import FormEntry, Registry
from bot.commands import registry
from bot.permissions import COMMANDS


async def _noop(ctx: object) -> None:
    return None


def test_every_command_of_the_permission_table_has_one_implementation() -> None:
    built = registry()
    assert set(built.commands) == {c.name for c in COMMANDS} | {"start"}


def test_a_command_without_an_implementation_is_refused_at_start() -> None:
    commands = {name: _noop for name in registry().commands if name != "roles"}
    with pytest.raises(ValueError, match="roles"):
        Registry.build(commands=commands, forms={})


def test_an_implementation_outside_the_permission_table_is_refused_at_start() -> None:
    commands = {**registry().commands, "secret": _noop}
    with pytest.raises(ValueError, match="secret"):
        Registry.build(commands=commands, forms={})


def test_forms_name_their_step_function() -> None:
    forms = registry().forms
    assert set(forms) == {
        "lang",
        "announce",
        "member_reason",
        "meeting",
        "meeting_edit",
        "absent",
        "close",
        "record",
        "schedule",
        "say",
        "said_fix",
        "said_item",
        "say_for",
        "conclude",
        "vote",
        "task",
        "task_note",
        "visit",
        "household_edit",
        "household_retire",
    }
    assert all(isinstance(entry, FormEntry) and callable(entry.step) for entry in forms.values())


def test_each_command_and_alias_is_listed_once() -> None:
    from bot.permissions import COMMANDS

    names = [command.name for command in COMMANDS]
    aliases = [alias for command in COMMANDS for alias in command.aliases]
    assert len(set(names)) == len(names)
    assert len(set(aliases)) == len(aliases) and not set(aliases) & set(names)

"""Forms that survive restarts, languages, /help and menus by role, and the permission table end to end."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from bot.chat import GREETING
from bot.config import Config
from bot.i18n import translator
from bot.meetings.rules import Kind, Rules
from bot.permissions import COMMANDS, Command, Role, Scope, allowed
from bot.services import audit, meetings
from fake_telegram import FakeBotAPI
from storage.models import Cell, Person
from tests.support import TODAY, FakeClock, RunningBot, Seed, add_users, answers, button, running_bot, seed

pytestmark = pytest.mark.e2e
REFUSAL = "is not available to you here"


async def test_lang_en_switches_the_language_of_replies_and_menu(
    config: Config, fake: FakeBotAPI, clock: FakeClock
) -> None:
    bot = RunningBot(config, clock)
    s = await seed(bot.runtime.sessions, clock)
    add_users(fake, s, language_code="vi")
    async with running_bot(config, clock, bot):
        member = s.tg("member")
        [before] = await _say(fake, member, "/help")
        assert "Các lệnh đồng chí có thể dùng" in before["text"]
        [switched] = await _say(fake, member, "/lang en")
        assert switched["text"] == "From now on I will write to you in English."
        [after] = await _say(fake, member, "/help")
        assert after["text"].startswith("Commands you can use:")
        await fake.wait_until(
            lambda: _menu(fake, member) and _menu(fake, member)[0]["description"] == "what I can do for you",
            what="the English menu",
        )


async def test_a_form_left_open_survives_a_restart(
    config: Config, fake: FakeBotAPI, clock: FakeClock
) -> None:
    first = RunningBot(config, clock)
    s = await seed(first.runtime.sessions, clock)
    add_users(fake, s)
    member = s.tg("member")
    async with running_bot(config, clock, first):
        [question] = await _say(fake, member, "/lang")
        assert [label for label, _ in fake.buttons(question)] == ["Tiếng Việt", "English"]
    # A new process: nothing in memory survives, only the database.
    second = RunningBot(config, clock)
    async with running_bot(config, clock, second):
        before = len(fake.calls("editMessageText"))
        fake.user_presses(member, question["message_id"], button(fake, question, "English"))
        await fake.wait_until(
            lambda: len(fake.calls("editMessageText")) > before, what="the answer to the press"
        )
        assert fake.last(member)["text"] == "From now on I will write to you in English."
        async with second.runtime.sessions() as session:
            person = await session.get(Person, s.people["member"])
            assert person is not None and person.language == "en"


async def test_a_button_of_a_finished_form_says_so_and_changes_nothing(
    config: Config, fake: FakeBotAPI, clock: FakeClock
) -> None:
    bot = RunningBot(config, clock)
    s = await seed(bot.runtime.sessions, clock)
    add_users(fake, s, language_code="en")
    member = s.tg("member")
    async with running_bot(config, clock, bot):
        [question] = await _say(fake, member, "/lang")
        await _say(fake, member, "/cancel")
        fake.user_presses(member, question["message_id"], button(fake, question, "Tiếng Việt"))
        await fake.wait_until(lambda: bool(answers(fake)), what="the answer")
        async with bot.runtime.sessions() as session:
            person = await session.get(Person, s.people["member"])
    assert answers(fake) == ["That choice is no longer open. Send the command again."]
    assert fake.sent(member)[0] == question, "the question stays as it was"
    assert not fake.calls("editMessageText")
    assert person is not None and person.language is None


async def test_typing_the_answer_to_a_form_works_without_buttons(
    config: Config, fake: FakeBotAPI, clock: FakeClock
) -> None:
    bot = RunningBot(config, clock)
    s = await seed(bot.runtime.sessions, clock)
    add_users(fake, s)
    async with running_bot(config, clock, bot):
        await _say(fake, s.tg("member"), "/lang")
        [done] = await _say(fake, s.tg("member"), "2")
    assert done["text"] == "From now on I will write to you in English."


async def test_help_lists_only_what_each_role_may_use(
    config: Config, fake: FakeBotAPI, clock: FakeClock
) -> None:
    bot = RunningBot(config, clock)
    s = await seed(bot.runtime.sessions, clock)
    add_users(fake, s, language_code="en")
    async with running_bot(config, clock, bot):
        helps = {
            who: (await _say(fake, s.tg(who), "/help"))[0]["text"]
            for who in ("member", "secretary", "organiser")
        }
    assert "/members" not in helps["member"] and "/announce" not in helps["member"]
    assert (
        "/members" in helps["secretary"]
        and "/announce" in helps["secretary"]
        and "/roles" not in helps["secretary"]
    )
    assert "/roles" in helps["organiser"] and "/announce_unit" in helps["organiser"]


async def test_command_menus_differ_by_role_and_language(
    config: Config, fake: FakeBotAPI, clock: FakeClock
) -> None:
    bot = RunningBot(config, clock)
    s = await seed(bot.runtime.sessions, clock)
    for who, language in (("member", "en"), ("secretary", "vi"), ("organiser", "en"), ("deputy", "vi")):
        fake.add_user(s.tg(who), who, language_code=language)
    async with running_bot(config, clock, bot):
        for who in ("member", "secretary", "organiser"):
            await _say(fake, s.tg(who), "/help")  # the bot learns each account's Telegram language
        await fake.wait_until(
            lambda: (
                [c["description"] for c in _menu(fake, s.tg("member"))[:1]] == ["what I can do for you"]
                and [c["description"] for c in _menu(fake, s.tg("organiser"))[:1]]
                == ["what I can do for you"]
            ),
            what="the English speakers' menus in English",
        )
        names = {
            w: [c["command"] for c in _menu(fake, s.tg(w))] for w in ("member", "secretary", "organiser")
        }
        secretary_menu = _menu(fake, s.tg("secretary"))
    assert names["member"] == [
        "help",
        "lang",
        "cancel",
        "attend",
        "absent",
        "checkin",
        "say",
        "tasks",
        "resolution",
        "households",
        "visit",
        "followups",
        "dues",
        "me",
    ]
    assert names["secretary"] == [
        "help",
        "lang",
        "cancel",
        "members",
        "invite",
        "announce",
        "unreachable",
        "delegate",
        "meeting",
        "meeting_edit",
        "attend",
        "absent",
        "open",
        "checkin",
        "tick",
        "close",
        "record",
        "rollcall",
        "say",
        "say_for",
        "next",
        "contributions",
        "relay",
        "conclude",
        "vote",
        "task",
        "tasks",
        "cell_tasks",
        "resolution",
        "households",
        "visit",
        "followups",
        "dues",
        "schedule",
        "linkgroup",
        "summary",
        "export",
        "me",
    ]
    # Organisers see and stop delegations in their unit (only the secretary starts one).
    assert "roles" in names["organiser"] and "delegate" in names["organiser"]
    assert secretary_menu[0]["description"] == translator("vi").gettext("what I can do for you")
    assert _menu(fake, s.tg("member"))[0]["description"] == "what I can do for you"


# Who each seeded person is towards "this cell" (Chi bộ thôn 3) and "this unit" (Xã Thái Bình).
CELL_ROLES: dict[str, set[Role]] = {
    "member": {Role.MEMBER},
    "other_member": set(),
    "committee": {Role.MEMBER, Role.COMMITTEE},
    "deputy": {Role.MEMBER, Role.DEPUTY},
    "secretary": {Role.MEMBER, Role.SECRETARY},
    "organiser": {Role.ORGANISER},
    "other_organiser": set(),
}
UNIT_ROLES: dict[str, set[Role]] = {
    who: ({Role.ORGANISER} if who == "organiser" else set()) for who in CELL_ROLES
}


# The chair of the meeting planned in this cell holds Role.CHAIR towards it (see planned_meeting).
CHAIR = "committee"


def expected(command: Command, who: str) -> bool:
    """What the permission table says, for a seeded person acting on this cell, unit or meeting."""
    if command.scope == Scope.NONE:
        return True  # every linked person
    roles = UNIT_ROLES[who] if command.scope == Scope.UNIT else set(CELL_ROLES[who])
    if command.scope == Scope.MEETING and who == CHAIR:
        roles.add(Role.CHAIR)
    return allowed(command, roles)


def invocation(command: Command, s: Seed, meeting_id: int = 0) -> str:
    """The command aimed at this cell, unit or meeting explicitly, as a button would send it."""
    target = {
        Scope.CELL: f" #{s.cell}",
        Scope.UNIT: f" #{s.commune}",
        Scope.MEETING: f" #{meeting_id}",
        Scope.NONE: "",
    }[command.scope]
    return f"/{command.name}{target}"


async def planned_meeting(bot: RunningBot, s: Seed, clock: FakeClock) -> int:
    """A regular meeting of this cell in two days, chaired by the committee member."""
    async with bot.runtime.sessions.begin() as session:
        cell = await session.get(Cell, s.cell)
        assert cell is not None
        meeting = await meetings.create(
            session=session,
            cell=cell,
            plan=meetings.Plan(
                kind=Kind.REGULAR,
                starts_at=clock() + timedelta(days=2),
                place="Nhà văn hóa",
                chair_person_id=s.people[CHAIR],
            ),
            actor=audit.CLI,
            now=clock(),
            rules=Rules(),
            default_length=timedelta(hours=2),
            tz=bot.runtime.config.tz,
        )
        assert meeting.id is not None
        return meeting.id


async def test_every_command_is_allowed_or_refused_as_the_permission_table_says(
    config: Config, fake: FakeBotAPI, clock: FakeClock
) -> None:
    bot = RunningBot(config, clock)
    s = await seed(bot.runtime.sessions, clock)
    add_users(fake, s, language_code="en")
    fake.add_user(999, "Unknown", language_code="en")
    meeting_id = await planned_meeting(bot, s, clock)
    outcomes: dict[tuple[str, str], bool] = {}
    wanted: dict[tuple[str, str], bool] = {}
    async with running_bot(config, clock, bot):
        for command in COMMANDS:
            [greeting] = await _say(fake, 999, invocation(command, s, meeting_id))
            assert greeting["text"] == GREETING.replace("\\n", "\n"), f"/{command.name} by an unknown person"
            for who in CELL_ROLES:
                [reply] = await _say(fake, s.tg(who), invocation(command, s, meeting_id))
                outcomes[(command.name, who)] = REFUSAL not in reply["text"]
                wanted[(command.name, who)] = expected(command, who)
                await _say(fake, s.tg(who), "/cancel")  # close any form the command opened
    assert outcomes == wanted


async def test_a_role_granted_from_the_command_line_reaches_the_running_bot(
    config: Config, fake: FakeBotAPI, clock: FakeClock, tmp_path: Path
) -> None:
    bot = RunningBot(config, clock)
    s = await seed(bot.runtime.sessions, clock)
    add_users(fake, s, language_code="en")
    member = s.tg("member")
    config_file = tmp_path / "chibo.toml"
    config_file.write_text(f'[database]\nurl = "{config.database.url}"\n', encoding="utf-8")
    async with running_bot(config, clock, bot):
        await fake.wait_until(lambda: bool(_menu(fake, member)), what="the member's first menu")
        [refused] = await _say(fake, member, "/members")
        assert REFUSAL in refused["text"]
        # Another process changes the role, as an organiser at the district office would, on the bot's day.
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "role",
            "grant",
            str(s.people["member"]),
            "committee_member",
            "--cell",
            str(s.cell),
            env={**os.environ, "CHIBO_CONFIG": str(config_file), "CHIBO_NOW": clock().isoformat()},
        )
        assert await asyncio.wait_for(process.wait(), 60) == 0
        await fake.wait_until(
            lambda: "members" in [c["command"] for c in _menu(fake, member)],
            timeout=10,
            what="the new menu within 10 seconds",
        )
        [allowed_now] = await _say(fake, member, "/members")
    assert REFUSAL not in allowed_now["text"]


async def _say(fake: FakeBotAPI, user: int, text: str, replies: int = 1) -> list[dict[str, object]]:
    """A user writes; return the bot's new replies in that chat."""
    before = len(fake.sent(user))
    fake.user_sends(user, text)
    return (await fake.wait_for_sent(chat_id=user, count=before + replies))[before:]


def _menu(fake: FakeBotAPI, user: int) -> list[dict[str, str]]:
    return fake.commands_for({"type": "chat", "chat_id": user})


async def test_a_role_changed_elsewhere_refreshes_only_that_persons_menu(
    config: Config, fake: FakeBotAPI, clock: FakeClock
) -> None:
    from bot.services import audit, people, roles, units

    bot = RunningBot(config, clock)
    s = await seed(bot.runtime.sessions, clock)
    add_users(fake, s, language_code="en")
    async with running_bot(config, clock, bot):
        await fake.wait_until(
            lambda: all(_menu(fake, s.tg(w)) for w in s.people), what="everyone's first menu"
        )
        before = len(fake.calls("setMyCommands"))
        async with bot.runtime.sessions.begin() as session:  # as another process (the CLI) would
            person = await people.require_person(session, str(s.people["member"]))
            cell = await units.require_cell(session, str(s.cell))
            await roles.grant_role(
                session=session,
                person=person,
                role="committee_member",
                cell=cell,
                actor=audit.CLI,
                now=clock(),
                today=TODAY,
            )
        await fake.wait_until(
            lambda: "members" in [c["command"] for c in _menu(fake, s.tg("member"))],
            what="the member's new menu",
        )
        await bot.runtime.check_changes()  # nothing new: the watcher already reloaded it
    refreshed = [call.params["scope"]["chat_id"] for call in fake.calls("setMyCommands")[before:]]
    assert refreshed == [s.tg("member")], "only the person whose role changed"

"""Every choice works by typing: its number, its label, or the unique start of the label."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.config import Config
from fake_telegram import FakeBotAPI
from storage.models import Announcement, Person
from tests.support import FakeClock, RunningBot, Seed, running_bot, say

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("typed", ["2", "English", "engl"])
async def test_typing_a_choice_of_lang_picks_it(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed], typed: str
) -> None:
    bot, s = seeded
    async with running_bot(config, clock, bot):
        await say(fake, s.tg("member"), "/lang vi")
        await say(fake, s.tg("member"), "/lang")
        [done] = await say(fake, s.tg("member"), typed)
        async with bot.runtime.sessions() as session:
            person = await session.get(Person, s.people["member"])
    assert done["text"] == "From now on I will write to you in English."
    assert person is not None and person.language == "en"


async def test_typing_the_number_of_a_member_opens_their_card_and_then_an_action(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    boss = s.tg("secretary")
    async with running_bot(config, clock, bot):
        [listing] = await say(fake, boss, "/members")
        labels = [label for label, _ in fake.buttons(listing)]
        [card] = await say(fake, boss, str(labels.index("Trần Văn Ân") + 1))
        [question] = await say(fake, boss, "Leaves")
        [confirm] = await say(fake, boss, "Moved to Kim Phú")
        [done] = await say(fake, boss, "1")
    assert str(card["text"]).startswith("• Trần Văn Ân")
    assert "Why does Trần Văn Ân leave" in str(question["text"])
    assert "Confirm?" in str(confirm["text"])
    assert "is no longer a member" in str(done["text"])


async def test_typing_send_at_the_preview_sends_the_announcement(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    boss = s.tg("secretary")
    async with running_bot(config, clock, bot):
        await say(fake, boss, "/announce")
        await say(fake, boss, "Họp chi bộ tối thứ Năm.")
        [report] = await say(fake, boss, "1")
        async with bot.runtime.sessions() as session:
            rows = (await session.exec(select(Announcement))).all()
    assert "Announcement delivery" in str(report["text"])
    assert len(rows) == 1


async def test_typing_which_cell_picks_the_cell(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    from bot.services import audit, units

    bot, s = seeded
    async with bot.runtime.sessions.begin() as session:
        await units.add_cell(
            session=session,
            name="Chi bộ thôn 5",
            unit_ref=str(s.commune),
            kind="village",
            actor=audit.CLI,
            now=clock(),
        )
    async with running_bot(config, clock, bot):
        [question] = await say(fake, s.tg("organiser"), "/unreachable")
        [answer] = await say(fake, s.tg("organiser"), "Chi bộ thôn 5")
    assert question["text"] == "Which cell?"
    assert "Chi bộ thôn 5" in str(answer["text"])

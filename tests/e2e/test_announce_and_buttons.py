"""Announcements and buttons against a strict Bot API: double taps, no-op edits, failed previews,
reachability, and messages in the reader's language."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.chat import STALE
from bot.config import Config
from bot.domain import Outcome
from bot.i18n import translator
from fake_telegram import NOT_MODIFIED, FakeBotAPI
from storage.models import Announcement, OutboxMessage, Person
from tests.e2e.test_announcements import announced, thon3
from tests.support import (
    FakeClock,
    RunningBot,
    Seed,
    answers,
    button,
    press,
    press_for_answer,
    running_bot,
    say,
    settle,
)

pytestmark = pytest.mark.e2e

TEXT = "Họp chi bộ tối thứ Năm, 19:30 tại nhà văn hóa thôn."


async def test_a_second_tap_on_send_changes_nothing_and_queues_the_announcement_once(
    config: Config, fake: FakeBotAPI, clock: FakeClock
) -> None:
    bot = RunningBot(config, clock)
    ids = await thon3(bot.runtime.sessions, clock, fake)
    secretary = 5000 + ids["secretary"]
    async with running_bot(config, clock, bot):
        await say(fake, secretary, "/announce")
        [preview] = await say(fake, secretary, TEXT)
        send = button(fake, preview, "Gửi")
        fake.user_presses(secretary, int(str(preview["message_id"])), send)
        fake.user_presses(secretary, int(str(preview["message_id"])), send)  # a double tap
        await fake.wait_until(
            lambda: len(fake.calls("answerCallbackQuery")) == 2, what="both presses answered"
        )
        await bot.runtime.delivery.wait_settled()
        await bot.runtime.update_reports()
        await settle(fake, secretary)
        report = fake.sent(secretary)[1]
        async with bot.runtime.sessions() as session:
            rows = (await session.exec(select(Announcement))).all()
    assert len(rows) == 1 and len(announced(fake)) == 17
    assert "đã gửi 17," in str(report["text"]), "the live report was not replaced"
    assert answers(fake) == [translator("vi").gettext(STALE)]


async def test_a_second_tap_on_a_language_choice_changes_nothing(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    member = s.tg("member")
    async with running_bot(config, clock, bot):
        [question] = await say(fake, member, "/lang")
        done = await press(fake, member, question, "Tiếng Việt")
        second = await press_for_answer(fake, member, question, "Tiếng Việt")
        assert fake.sent(member)[0] == done, "the success message stays"
    assert second == translator("vi").gettext(STALE)


async def test_the_bot_never_sends_an_edit_that_changes_nothing(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    boss = s.tg("secretary")
    async with running_bot(config, clock, bot):
        [listing] = await say(fake, boss, "/members")
        member = button(fake, listing, "Trần Văn Ân")
        for _ in range(2):  # a double tap: both presses carry the list as it was
            fake.user_presses(boss, int(str(listing["message_id"])), member)
        await fake.wait_until(
            lambda: len(fake.calls("answerCallbackQuery")) == 2, what="both presses answered"
        )
        await settle(fake, boss)
        card = fake.sent(boss)[0]
        await press(fake, boss, card, "« Back to the list")
        await say(fake, boss, "/announce")
        [preview] = await say(fake, boss, TEXT)
        await press(fake, boss, preview, "Send")
        await bot.runtime.delivery.wait_settled()
        for _ in range(3):
            await bot.runtime.update_reports()
    assert answers(fake) == [STALE]
    refused = [c for c in fake.calls("editMessageText") if c.description == NOT_MODIFIED]
    assert refused == []


async def test_a_member_who_writes_to_the_bot_again_is_no_longer_listed_as_unreachable(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    boss, member = s.tg("secretary"), s.tg("member")
    fake.block(member)
    async with running_bot(config, clock, bot):
        await say(fake, boss, "/announce")
        [preview] = await say(fake, boss, TEXT)
        await press(fake, boss, preview, "Send")
        await bot.runtime.delivery.wait_settled()
        [before] = await say(fake, boss, "/unreachable")
        clock.advance(minutes=5)
        fake.unblock(member)
        await say(fake, member, "/help")
        [after] = await say(fake, boss, "/unreachable")
    assert "Trần Văn Ân: blocked the bot" in str(before["text"])
    assert "Trần Văn Ân" not in str(after["text"])


async def test_the_apology_after_an_internal_error_speaks_the_language_chosen_with_lang(
    config: Config,
    fake: FakeBotAPI,
    clock: FakeClock,
    seeded: tuple[RunningBot, Seed],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bot, s = seeded
    member = s.tg("member")  # Telegram says Vietnamese, the member chose English
    fake.add_user(member, "Member", language_code="vi")
    async with bot.runtime.sessions.begin() as session:
        person = await session.get(Person, s.people["member"])
        assert person is not None
        person.language = "en"

    async def broken(incoming: object) -> Outcome:
        raise RuntimeError("a bug")

    async with running_bot(config, clock, bot):
        monkeypatch.setattr(bot.runtime.chat, "handle", broken)
        [apology] = await say(fake, member, "/help")
    assert apology["text"] == "Sorry, something went wrong on my side. Please try again in a minute."


async def test_the_announce_prompt_shows_the_markup_one_may_type(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    async with running_bot(config, clock, bot):
        [prompt] = await say(fake, s.tg("secretary"), "/announce")
    assert "*bold*" in str(prompt["text"]) and "_italics_" in str(prompt["text"])
    assert "entities" not in prompt, "shown as written, not formatted"


async def test_a_preview_telegram_refuses_closes_the_form_so_a_typed_send_queues_nothing(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    boss = s.tg("secretary")
    async with running_bot(config, clock, bot):
        await say(fake, boss, "/announce")
        fake.fail_next("sendMessage", 400, description="Bad Request: can't parse entities", chat_id=boss)
        [apology] = await say(fake, boss, TEXT)
        [reply] = await say(fake, boss, "Send")
        async with bot.runtime.sessions() as session:
            queued = (await session.exec(select(OutboxMessage))).all()
    assert apology["text"] == "Sorry, I could not show you that, so the form is closed. Please try again."
    assert "did not understand" in str(reply["text"])
    assert queued == []

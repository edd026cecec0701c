"""Messages the bot sends on its own are rendered for each recipient: their language, their messenger's
format, their choices; a messenger that is not running keeps its messages waiting."""

from __future__ import annotations

import pytest
from sqlmodel import delete, select

from bot.choices import resolve_press
from bot.config import Config
from bot.domain import ChatRef, Document
from bot.i18n import N_
from bot.services import delivery
from bot.services.delivery import Recipient
from fake_telegram import FakeBotAPI
from storage.models import ChatIdentity, OutboxMessage, Person
from tests.support import (
    FakeClock,
    RunningBot,
    Seed,
    TextChat,
    TextTransport,
    add_users,
    running_bot,
    say,
    seed,
)

pytestmark = pytest.mark.e2e


async def move_to_text_messenger(bot: RunningBot, s: Seed, who: str) -> int:
    """The person uses the text-only messenger (as Zalo is) instead of Telegram; return their id there."""
    async with bot.runtime.sessions.begin() as session:
        await session.exec(delete(ChatIdentity).where(ChatIdentity.person_id == s.people[who]))  # type: ignore[call-overload]
        session.add(
            ChatIdentity(
                platform=TextTransport.platform,
                external_id=str(s.tg(who)),
                person_id=s.people[who],
                linked_at=bot.runtime.clock(),
            )
        )
    return s.tg(who)


async def choose_language(bot: RunningBot, s: Seed, who: str, language: str) -> None:
    async with bot.runtime.sessions.begin() as session:
        person = await session.get(Person, s.people[who])
        assert person is not None
        person.language = language


async def test_an_announcement_reaches_each_member_in_their_language_and_messengers_format(
    config: Config, fake: FakeBotAPI, clock: FakeClock
) -> None:
    bot = RunningBot(config, clock)
    s = await seed(bot.runtime.sessions, clock)
    add_users(fake, s, language_code="vi")
    text_only = TextTransport()
    bot.runtime.attach(text_only)
    deputy = await move_to_text_messenger(bot, s, "deputy")
    await choose_language(bot, s, "deputy", "en")
    await choose_language(bot, s, "committee", "en")  # Telegram says Vietnamese; they chose English
    async with running_bot(config, clock, bot):
        boss = s.tg("secretary")
        await say(fake, boss, "/announce")
        [preview] = await say(fake, boss, "Họp *chi bộ* tối thứ Năm")
        fake.user_presses(boss, int(str(preview["message_id"])), dict(fake.buttons(preview))["Gửi"] or "")
        await fake.wait_until(lambda: len(fake.sent(s.tg("member"))) == 1, what="the member's announcement")
        await bot.runtime.delivery.wait_settled()
        [vietnamese] = fake.sent(s.tg("member"))
        [english] = fake.sent(s.tg("committee"))
    assert vietnamese["text"] == "Thông báo của Chi bộ thôn 3:\n\nHọp chi bộ tối thứ Năm"
    assert english["text"] == "Announcement from Chi bộ thôn 3:\n\nHọp chi bộ tối thứ Năm"
    assert [e["type"] for e in vietnamese["entities"]] == [e["type"] for e in english["entities"]] == ["bold"]
    assert text_only.texts(deputy) == ["Announcement from Chi bộ thôn 3:\n\nHọp chi bộ tối thứ Năm"]


async def test_a_message_for_a_messenger_not_running_waits_until_it_is(
    config: Config, clock: FakeClock
) -> None:
    bot = RunningBot(config, clock)
    s = await seed(bot.runtime.sessions, clock)
    runtime = bot.runtime
    async with runtime.sessions.begin() as session:
        await delivery.queue(
            session=session,
            purpose="test",
            subject="waiting",
            occurrence="1",
            recipients=[Recipient(s.people["member"], ChatRef("text", str(s.tg("member"))))],
            message_key=N_("Announcement from %(target)s:"),
            params={"target": "Chi bộ thôn 3"},
            now=clock(),
        )
    await runtime.delivery.start()
    try:
        runtime.delivery.wake()
        await runtime.delivery.wait_until(lambda session: _status(session, "pending"), timeout=2)
        text_only = TextTransport()
        runtime.attach(text_only)
        runtime.delivery.wake()
        await runtime.delivery.wait_until(lambda session: _status(session, "sent"))
    finally:
        await runtime.delivery.stop()
        await runtime.engine.dispose()
    assert text_only.texts(s.tg("member")) == ["Thông báo của Chi bộ thôn 3:"]


async def _status(session: object, wanted: str) -> bool:
    rows = (await session.exec(select(OutboxMessage))).all()  # type: ignore[attr-defined]
    return [row.status for row in rows] == [wanted]


async def test_choices_and_a_file_ride_on_a_message_and_the_choice_works_when_pressed(
    config: Config, fake: FakeBotAPI, clock: FakeClock
) -> None:
    bot = RunningBot(config, clock)
    s = await seed(bot.runtime.sessions, clock)
    add_users(fake, s, language_code="en")
    member = s.tg("member")
    await choose_language(bot, s, "member", "en")
    async with running_bot(config, clock, bot):
        async with bot.runtime.sessions.begin() as session:
            for occurrence, document in (
                ("text", None),
                ("file", Document("bien-ban.csv", b"a,b\n", "Biên bản")),
            ):
                await delivery.queue(
                    session=session,
                    purpose="test",
                    subject="choices",
                    occurrence=occurrence,
                    recipients=[Recipient(s.people["member"], ChatRef("telegram", str(member)))],
                    message_key=N_("Announcement from %(target)s:"),
                    params={"target": "Chi bộ thôn 3"},
                    buttons=[[{"label": N_("Send"), "data": "c:help"}]] if document is None else None,
                    document=document,
                    now=clock(),
                )
        bot.runtime.delivery.wake()
        await bot.runtime.delivery.wait_settled()
        [message, file] = fake.sent(member)
        [(label, token)] = fake.buttons(message)
        async with bot.runtime.sessions() as session:
            press = await resolve_press(
                session=session, data=token or "", chat=ChatRef("telegram", str(member)), user_id=str(member)
            )
        fake.user_presses(member, int(str(message["message_id"])), token or "")
        await fake.wait_until(
            lambda: "Commands you can use" in fake.texts(member)[0], what="/help run by the press"
        )
    assert message["text"] == "Announcement from Chi bộ thôn 3:" and label == "Send"
    assert press.data == "c:help"
    assert file["document"]["file_name"] == "bien-ban.csv"
    assert "Commands you can use" in fake.texts(member)[0], (
        "the press ran /help, shown in place of the message"
    )


async def test_where_reports_cannot_be_edited_a_new_one_comes_only_when_it_says_something_new(
    config: Config, fake: FakeBotAPI, clock: FakeClock
) -> None:
    bot = RunningBot(config, clock)
    s = await seed(bot.runtime.sessions, clock)
    add_users(fake, s, language_code="en")
    text_only = TextTransport()
    bot.runtime.attach(text_only)
    boss = await move_to_text_messenger(bot, s, "secretary")
    fake.block(s.tg("member"))
    chat = TextChat(bot.runtime, text_only)
    async with running_bot(config, clock, bot):
        await chat.say(boss, "/announce")
        await chat.say(boss, "Họp chi bộ tối thứ Năm")
        [first] = await chat.say(boss, "1")
        await bot.runtime.delivery.wait_settled()
        for _ in range(3):
            await bot.runtime.update_reports()
        reports = [t for t in text_only.texts(boss) if t.startswith("Announcement delivery")]
    assert "Still sending" in first or "Delivery finished" in first
    # The blocked member made the gist change, and delivery finished: one new report says so, at once.
    assert len(reports) == 2 and "Trần Văn Ân: blocked the bot" in reports[-1]
    assert reports[-1].endswith("Delivery finished.")

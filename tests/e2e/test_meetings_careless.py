"""Meetings with careless input, as real people type: impossible and past dates, overlong or emoji-laden
text, a double tap on Send or on an answer, and a bot restarted half-way through the form."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import func, select

from bot.config import Config
from bot.meetings.rules import Kind, Rules
from bot.runtime import Runtime
from bot.services import audit, meetings
from fake_telegram import FakeBotAPI
from storage.models import AgendaItem, Attendance, Cell, Meeting, OutboxMessage
from tests.support import (
    FakeClock,
    RunningBot,
    Seed,
    TextChat,
    TextTransport,
    button,
    running_bot,
    say,
    seed,
)

pytestmark = pytest.mark.e2e


@pytest.fixture
async def world(config: Config, clock: FakeClock) -> AsyncIterator[tuple[TextChat, Seed, Runtime]]:
    runtime = Runtime(config, clock=clock)
    transport = TextTransport()
    runtime.attach(transport)
    s = await seed(runtime.sessions, clock, platform=TextTransport.platform)
    try:
        yield TextChat(runtime, transport), s, runtime
    finally:
        await runtime.engine.dispose()


async def count(runtime: Runtime, model: type) -> int:
    async with runtime.sessions() as session:
        return int((await session.exec(select(func.count()).select_from(model))).one())


async def test_bad_dates_and_text_are_explained_and_the_form_waits(
    world: tuple[TextChat, Seed, Runtime],
) -> None:
    chat, s, runtime = world
    boss = s.tg("secretary")
    await chat.say(boss, "/help")
    await chat.say(boss, "/meeting")
    await chat.say(boss, "1")
    [impossible] = await chat.say(boss, "19:30 31/02/2026")
    assert "is not a date and time I can read" in impossible
    [shapeless] = await chat.say(boss, "tối thứ Năm")
    assert "19:30 05/12/2026" in shapeless
    [past] = await chat.say(boss, "19:30 01/11/2026")
    assert "already passed" in past
    [month] = await chat.say(boss, "7h30 28/11")  # "7h30" and no year: this year's 28 November
    assert "11/2026" in month
    await chat.say(boss, "1")
    [too_long] = await chat.say(boss, "Nhà văn hóa " * 30)
    assert "at most 200 characters" in too_long
    [agenda] = await chat.say(boss, "🏠 Nhà văn hóa thôn 3 🇻🇳")
    assert "agenda" in agenda
    [too_many] = await chat.say(boss, "\n".join(f"Mục {n}" for n in range(25)))
    assert "At most 20 agenda items" in too_many
    [chair] = await chat.say(boss, "1. Kiểm điểm 🙂\n2. Nhiệm vụ tháng 12")
    assert "chairs" in chair
    [nonsense] = await chat.say(boss, "someone else")
    assert "Please choose one of the choices" in nonsense
    await chat.say(boss, "1")
    [preview] = await chat.say(boss, "1")
    assert "🏠 Nhà văn hóa thôn 3 🇻🇳" in preview and "1. Kiểm điểm 🙂" in preview
    await chat.say(boss, "Send")
    async with runtime.sessions() as session:
        meeting = (await session.exec(select(Meeting))).one()
        items = [
            i.title for i in (await session.exec(select(AgendaItem).order_by(AgendaItem.position))).all()
        ]
    assert meeting.place == "🏠 Nhà văn hóa thôn 3 🇻🇳" and items == ["Kiểm điểm 🙂", "Nhiệm vụ tháng 12"]


async def test_a_restart_half_way_through_the_form_loses_nothing(
    world: tuple[TextChat, Seed, Runtime], config: Config, clock: FakeClock
) -> None:
    chat, s, runtime = world
    boss = s.tg("secretary")
    await chat.say(boss, "/help")
    await chat.say(boss, "/hop")
    await chat.say(boss, "1")
    await chat.say(boss, "19:30 28/11/2026")
    await chat.say(boss, "1")
    # The bot restarts: a new runtime on the same database takes the form up where it was.
    again = Runtime(config, clock=clock)
    transport = TextTransport()
    again.attach(transport)
    try:
        chat2 = TextChat(again, transport)
        chat2._updates = 1000
        [agenda] = await chat2.say(boss, "Nhà văn hóa thôn 3")
        assert "agenda" in agenda
        await chat2.say(boss, "-")
        await chat2.say(boss, "1")
        [preview] = await chat2.say(boss, "1")
        assert "Nhà văn hóa thôn 3" in preview
        [done] = await chat2.say(boss, "1")
        assert "is planned" in done
    finally:
        await again.engine.dispose()
    assert await count(runtime, Meeting) == 1


async def test_a_member_with_a_reason_of_only_spaces_or_over_500_characters_is_asked_again(
    world: tuple[TextChat, Seed, Runtime], clock: FakeClock
) -> None:
    chat, s, runtime = world
    async with runtime.sessions.begin() as session:
        cell = await session.get(Cell, s.cell)
        assert cell is not None
        await meetings.create(
            session=session,
            cell=cell,
            plan=meetings.Plan(kind=Kind.REGULAR, starts_at=clock() + timedelta(days=2), place="Nhà văn hóa"),
            actor=audit.CLI,
            now=clock(),
            rules=Rules(),
            default_length=timedelta(hours=2),
            tz=runtime.config.tz,
        )
    member = s.tg("member")
    await chat.say(member, "/help")
    await chat.say(member, "/vang")
    [blank] = await chat.say(member, "   ")
    assert blank  # an empty message is not a reason: the form asks again or explains
    [long] = await chat.say(member, "ốm " * 200)
    assert "at most 500 characters" in long
    [noted] = await chat.say(member, "ill")  # the start of a choice's label, typed
    assert "reason: illness" in noted
    async with runtime.sessions() as session:
        row = (await session.exec(select(Attendance).where(Attendance.person_id == s.people["member"]))).one()
    assert (row.answer, row.reason) == ("absent", ":illness")


async def test_a_double_tap_on_send_plans_one_meeting_and_on_attend_tells_the_secretary_once(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    boss, member = s.tg("secretary"), s.tg("member")
    async with running_bot(config, clock, bot):
        await say(fake, boss, "/meeting")
        fake.user_presses(
            boss,
            int(str(fake.sent(boss)[-1]["message_id"])),
            button(fake, fake.sent(boss)[-1], "regular meeting"),
        )
        await fake.wait_until(lambda: "When does it start" in str(fake.sent(boss)[-1]["text"]))
        await say(fake, boss, "19:30 28/11/2026")
        fake.user_presses(
            boss, int(str(fake.sent(boss)[-1]["message_id"])), button(fake, fake.sent(boss)[-1], "11/2026")
        )
        await fake.wait_until(lambda: "Where" in str(fake.sent(boss)[-1]["text"]))
        await say(fake, boss, "Nhà văn hóa")
        [chairs] = await say(fake, boss, "-")
        fake.user_presses(boss, int(str(chairs["message_id"])), button(fake, chairs, "Me (Hoàng Văn Thắng)"))
        await fake.wait_until(lambda: "minutes" in str(fake.sent(boss)[-1]["text"]))
        takers = fake.sent(boss)[-1]
        fake.user_presses(boss, int(str(takers["message_id"])), button(fake, takers, "Chosen at the meeting"))
        await fake.wait_until(lambda: "Send" in str(fake.buttons(fake.sent(boss)[-1])))
        preview = fake.sent(boss)[-1]
        send = button(fake, preview, "Send")
        fake.user_presses(boss, int(str(preview["message_id"])), send)
        fake.user_presses(boss, int(str(preview["message_id"])), send)  # a double tap
        await fake.wait_until(lambda: len(fake.calls("answerCallbackQuery")) >= 6)
        await bot.runtime.delivery.wait_settled()
        notice = next(
            m
            for m in reversed(fake.sent(member))
            if "Notice" in str(m["text"]) or "Thông báo" in str(m["text"])
        )
        attend = button(fake, notice, next(label for label, _ in fake.buttons(notice)))
        told_before = len(fake.sent(boss))
        fake.user_presses(member, int(str(notice["message_id"])), attend)
        fake.user_presses(member, int(str(notice["message_id"])), attend)  # a double tap
        await fake.wait_until(lambda: len(fake.calls("answerCallbackQuery")) >= 8)
        await bot.runtime.delivery.wait_settled()
        told = [
            m for m in fake.sent(boss)[told_before:] if "attend" in str(m["text"]) or "dự" in str(m["text"])
        ]
        planned = await count(bot.runtime, Meeting)
        async with bot.runtime.sessions() as session:
            rows = (
                await session.exec(select(OutboxMessage).where(OutboxMessage.purpose == "meeting_answer"))
            ).all()
    assert planned == 1
    assert len(rows) == 1 and len(told) == 1

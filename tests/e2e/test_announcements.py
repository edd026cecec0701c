"""Announcements: the form, delivery through the outbox, and the live report, through the fake Bot API."""

from __future__ import annotations

import pytest

from bot import seeding
from bot.config import Config
from fake_telegram import FakeBotAPI
from storage.db import Sessions
from tests.support import TODAY, FakeClock, RunningBot, button, running_bot

pytestmark = pytest.mark.e2e


async def thon3(
    sessions: Sessions, clock: FakeClock, fake: FakeBotAPI, *, unlinked: int = 2
) -> dict[str, int]:
    """Chi bộ thôn 3 from the samples (the demo's world); everyone linked but the last `unlinked` by name."""
    async with sessions.begin() as session:
        world = await seeding.thon3(session, now=clock(), today=TODAY)
        assert world.cell.id is not None
        ids: dict[str, int] = {"cell": world.cell.id, "secretary": world.secretary}
        for index, person in enumerate(world.members):
            assert person.id is not None
            ids[person.full_name] = person.id
            if index < len(world.members) - unlinked:
                seeding.link(
                    session, person, platform="telegram", external_id=str(5000 + person.id), now=clock()
                )
                fake.add_user(5000 + person.id, person.full_name.split()[-1], language_code="vi")
    return ids


async def test_an_announcement_reports_sent_unlinked_and_blocked(
    config: Config, fake: FakeBotAPI, clock: FakeClock
) -> None:
    bot = RunningBot(config, clock)
    ids = await thon3(bot.runtime.sessions, clock, fake)
    secretary = 5000 + ids["secretary"]
    blocked = next(
        5000 + pid
        for name, pid in ids.items()
        if name not in ("cell", "secretary") and pid != ids["secretary"]
    )
    fake.block(blocked)
    async with running_bot(config, clock, bot):
        fake.user_sends(secretary, "/announce")
        await fake.wait_for_sent(chat_id=secretary, count=1)
        fake.user_sends(secretary, "Họp chi bộ tối *thứ Năm*, 19:30 tại nhà văn hóa thôn.")
        [_, preview] = await fake.wait_for_sent(chat_id=secretary, count=2)
        assert "thứ Năm" in preview["text"]
        fake.user_sends(secretary, "not a button")  # typed text at the confirm step does not send it
        fake.user_presses(secretary, preview["message_id"], button(fake, preview, "Gửi"))
        # 19 members: 2 not linked, 1 blocked the bot, 16 receive it (the secretary too).
        await fake.wait_until(lambda: len(announced(fake)) == 16, what="16 announcements")
        await bot.runtime.delivery.wait_settled()
        await bot.runtime.update_reports()
        report = fake.sent(secretary)[1]  # the preview, edited into the live report
    assert "đã gửi 16," in report["text"] and "đang chờ gửi 0," in report["text"]
    assert "chưa liên kết" in report["text"]
    assert "chặn" in report["text"]
    received = announced(fake)
    assert len(received) == 16 and blocked not in received and secretary in received


def announced(fake: FakeBotAPI) -> set[int]:
    """Chats that received the test announcement."""
    return {
        m["chat"]["id"]
        for m in fake.sent()
        if str(m.get("text", "")).endswith("\n\nHọp chi bộ tối thứ Năm, 19:30 tại nhà văn hóa thôn.")
    }

"""Linking a Telegram account with an invite code, through the real bot and the fake Bot API."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from bot.config import Config
from bot.services import audit, identity, people, units
from fake_telegram import FakeBotAPI
from storage.models import ChatIdentity
from tests.support import TODAY, FakeClock, RunningBot, running_bot, seed

pytestmark = pytest.mark.e2e


async def _invite_for_new_member(bot: RunningBot, clock: FakeClock) -> str:
    """Seed the organisation and one new member; return that member's invite code (before the bot starts)."""
    s = await seed(bot.runtime.sessions, clock)
    async with bot.runtime.sessions.begin() as session:
        cell = await units.require_cell(session, str(s.cell))
        person = await people.add_person(
            session=session, full_name="Ma Thị Xuân", cell=cell, actor=audit.CLI, now=clock(), today=TODAY
        )
        code = await identity.invite(
            session=session, person=person, now=clock(), valid_days=7, actor=audit.CLI
        )
    return code.code


async def test_start_with_a_code_links_the_account_once(
    config: Config, fake: FakeBotAPI, clock: FakeClock
) -> None:
    bot = RunningBot(config, clock)
    code = await _invite_for_new_member(bot, clock)
    async with running_bot(config, clock, bot):
        fake.add_user(501, "Xuân", language_code="vi")
        fake.user_sends(501, f"/start {code}")
        [welcome] = await fake.wait_for_sent(chat_id=501, count=1)
        assert "Ma Thị Xuân" in welcome["text"]
        assert "Chào mừng" in welcome["text"]
        # The command menu follows at once, in the person's language and for this chat only.
        # Seven seeded people got their menus at start-up; the eighth is the one just linked.
        await fake.wait_for_calls("setMyCommands", 8)
        menu = fake.commands_for({"type": "chat", "chat_id": 501})
        assert [c["command"] for c in menu][:2] == ["help", "lang"]

        fake.add_user(502, "Someone else", language_code="en")
        fake.user_sends(502, f"/start {code}")
        [refusal] = await fake.wait_for_sent(chat_id=502, count=1)
        assert "already been used" in refusal["text"]
        async with bot.runtime.sessions() as session:
            query = select(ChatIdentity).where(col(ChatIdentity.external_id).in_(["501", "502"]))
            linked = (await session.exec(query)).all()
    assert [i.external_id for i in linked] == ["501"]


async def test_an_expired_or_wrong_code_is_refused_politely(
    config: Config, fake: FakeBotAPI, clock: FakeClock
) -> None:
    bot = RunningBot(config, clock)
    code = await _invite_for_new_member(bot, clock)
    async with running_bot(config, clock, bot):
        clock.advance(days=7, seconds=1)
        fake.add_user(503, "Late", language_code="en")
        fake.user_sends(503, f"/start {code}")
        fake.user_sends(503, "/start NOSUCHCODE")
        expired, wrong = await fake.wait_for_sent(chat_id=503, count=2)
    assert "expired" in expired["text"]
    assert "do not know this invite code" in wrong["text"]


async def test_an_unknown_person_gets_only_an_explanation(
    config: Config, fake: FakeBotAPI, clock: FakeClock
) -> None:
    async with running_bot(config, clock):
        fake.add_user(601, "Stranger", language_code="en")
        fake.add_user(602, "Người lạ", language_code="vi")
        fake.add_user(603, "Étranger", language_code="fr")
        for user in (601, 602, 603):
            fake.user_sends(user, "/members")
        [en] = await fake.wait_for_sent(chat_id=601, count=1)
        [vi] = await fake.wait_for_sent(chat_id=602, count=1)
        [fr] = await fake.wait_for_sent(chat_id=603, count=1)
    assert "invite code" in en["text"]
    assert "mã mời" in vi["text"]
    assert fr["text"] == vi["text"], "a language we do not speak falls back to Vietnamese"
    assert not en.get("reply_markup")

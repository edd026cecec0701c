"""Fixtures for end-to-end tests: a bot (not yet running) and the people of every role, on Telegram."""

from __future__ import annotations

import pytest

from bot.config import Config
from fake_telegram import FakeBotAPI
from tests.support import FakeClock, RunningBot, Seed, add_users, seed


@pytest.fixture
async def seeded(config: Config, fake: FakeBotAPI, clock: FakeClock) -> tuple[RunningBot, Seed]:
    """One person per role in Chi bộ thôn 3 and around it, linked and known to the fake Telegram (in
    English), and the bot to run with `running_bot(config, clock, bot)`."""
    bot = RunningBot(config, clock)
    s = await seed(bot.runtime.sessions, clock)
    add_users(fake, s, language_code="en")
    return bot, s

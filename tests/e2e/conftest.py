"""Fixtures for end-to-end tests: a bot (not yet running) and the people of every role, on Telegram."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.config import Config
from bot.runtime import Runtime
from fake_telegram import FakeBotAPI
from tests.support import FakeClock, RunningBot, Seed, TextChat, TextTransport, add_users, seed


@pytest.fixture
async def seeded(config: Config, fake: FakeBotAPI, clock: FakeClock) -> tuple[RunningBot, Seed]:
    """One person per role in Chi bộ thôn 3 and around it, linked and known to the fake Telegram (in
    English), and the bot to run with `running_bot(config, clock, bot)`."""
    bot = RunningBot(config, clock)
    s = await seed(bot.runtime.sessions, clock)
    add_users(fake, s, language_code="en")
    return bot, s


@pytest.fixture
async def text_world(config: Config, clock: FakeClock) -> AsyncIterator[tuple[TextChat, Seed, Runtime]]:
    """The runtime over a text-only messenger (as Zalo is), its outbox sending, and everyone seeded and
    linked there: what people type, and what the bot sends them."""
    runtime = Runtime(config, clock=clock)
    transport = TextTransport()
    runtime.attach(transport)
    s = await seed(runtime.sessions, clock, platform=TextTransport.platform)
    await runtime.delivery.start()
    try:
        yield TextChat(runtime, transport), s, runtime
    finally:
        await runtime.delivery.stop()
        await runtime.engine.dispose()

"""Start-up against the fake Bot API: a rejected token, an unreachable API, a token kept out of logs."""

from __future__ import annotations

import asyncio
import logging

import pytest
from pydantic import SecretStr

from bot.config import Config, ConfigError
from bot.serve import serve
from fake_telegram import FakeBotAPI
from tests.conftest import TOKEN
from tests.support import FakeClock, RunningBot, add_users, running_bot, seed

pytestmark = pytest.mark.e2e


async def test_a_token_telegram_rejects_stops_start_up_with_one_line(config: Config) -> None:
    wrong = config.model_copy(
        update={"telegram": config.telegram.model_copy(update={"token": SecretStr("654321:WRONG-SECRET")})}
    )
    with pytest.raises(ConfigError) as error:
        await serve(wrong, asyncio.Event())
    assert str(error.value).startswith("telegram.token:")
    assert "WRONG-SECRET" not in str(error.value) and "\n" not in str(error.value)


async def test_an_unreachable_bot_api_stops_start_up_with_one_line(config: Config) -> None:
    nowhere = config.model_copy(
        update={"telegram": config.telegram.model_copy(update={"base_url": "http://127.0.0.1:9/bot"})}
    )
    with pytest.raises(ConfigError) as error:
        await serve(nowhere, asyncio.Event())
    assert str(error.value).startswith("telegram.base_url:")


async def test_the_token_never_appears_in_logs(
    config: Config, fake: FakeBotAPI, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bot = RunningBot(config, clock)
    s = await seed(bot.runtime.sessions, clock)
    add_users(fake, s)
    async with running_bot(config, clock, bot):
        fake.user_sends(s.tg("member"), "/help")
        await fake.wait_for_sent(chat_id=s.tg("member"))
    assert any("getUpdates" in record.getMessage() for record in caplog.records), "requests were logged"
    assert not [r.getMessage() for r in caplog.records if TOKEN in r.getMessage()]

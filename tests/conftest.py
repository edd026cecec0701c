"""Shared fixtures: SQLite always, PostgreSQL when CHIBO_TEST_POSTGRES_URL is set, and the fake Bot API."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.pool import NullPool

from bot.config import Config
from fake_telegram import FakeBotAPI
from storage import migrate
from storage.db import make_engine
from tests.support import FakeClock

# The fake Bot API listens on loopback; never send that through a proxy.
os.environ["NO_PROXY"] = ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1", "localhost"]))
os.environ["no_proxy"] = os.environ["NO_PROXY"]

POSTGRES_URL = os.environ.get("CHIBO_TEST_POSTGRES_URL")
TOKEN = "123456:TEST-TOKEN-never-logged"


async def reset_postgres(url: str) -> None:
    """Drop every table so each test starts from an empty, freshly migrated schema."""
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgres",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(
                    not POSTGRES_URL, reason="CHIBO_TEST_POSTGRES_URL is not set; .ci/run sets it"
                ),
            ],
        ),
    ]
)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A migrated, empty database on each engine."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'chibo.db'}"
    else:
        assert POSTGRES_URL is not None
        url = POSTGRES_URL
        await reset_postgres(url)
    engine = make_engine(url, poolclass=NullPool)
    await migrate.upgrade(engine)
    await engine.dispose()
    yield url


@pytest.fixture
def clock() -> FakeClock:
    """A clock at 10:00 on 26/11/2026 in Hanoi, moved only by the test."""
    return FakeClock(datetime(2026, 11, 26, 3, 0, tzinfo=UTC))


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    """A running fake Telegram Bot API."""
    async with FakeBotAPI(TOKEN) as server:
        yield server


@pytest.fixture
def config(database_url: str, fake: FakeBotAPI) -> Config:
    """A config pointing the bot at the fake Bot API and the test database."""
    return Config.model_validate(
        {
            "telegram": {
                "token": TOKEN,
                "base_url": fake.base_url,
                "base_file_url": fake.base_file_url,
                "poll_timeout": 1,
            },
            "database": {"url": database_url},
            "change_poll_seconds": 0.2,
            "delivery": {"backoff_initial": 0.05, "backoff_max": 0.2},
        }
    )

"""Shared fixtures: SQLite always, PostgreSQL when CHIBO_TEST_POSTGRES_URL is set, and the fake Bot API."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
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


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of this test run's own on the PostgreSQL server (dropped at the end), so two runs at
    once (CI and a developer, or two checkouts) never drop each other's tables."""
    assert POSTGRES_URL is not None
    server, name = POSTGRES_URL.rsplit("/", 1)[0], f"chibo_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"

    async def execute(statement: str) -> None:
        engine = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        async with engine.connect() as conn:
            await conn.execute(text(statement))
        await engine.dispose()

    def run(statement: str) -> None:  # first asked for inside a test's running loop: a loop of its own
        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(asyncio.run, execute(statement)).result()

    run(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
        url = request.getfixturevalue("postgres_url")
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

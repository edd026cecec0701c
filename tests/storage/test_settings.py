"""Settings on both engines: two writers of one key (the chat and the change watcher) never collide."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from storage import repo
from storage.db import Sessions, make_engine, make_sessions


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Sessions]:
    engine = make_engine(database_url)
    try:
        yield make_sessions(engine)
    finally:
        await engine.dispose()


async def test_two_writers_who_both_saw_no_value_both_succeed_and_the_last_one_wins(
    sessions: Sessions,
) -> None:
    # The race the demo hit: both read "no digest yet", then both store one.
    async with sessions.begin() as first, sessions.begin() as second:
        assert await repo.get_setting(session=first, key="menu:telegram:7") is None
        assert await repo.get_setting(session=second, key="menu:telegram:7") is None
        await repo.set_setting(session=first, key="menu:telegram:7", value="a")
        await first.commit()
        await repo.set_setting(session=second, key="menu:telegram:7", value="b")
    async with sessions() as session:
        assert await repo.get_setting(session=session, key="menu:telegram:7") == "b"


async def write(sessions: Sessions, key: str, value: str) -> None:
    async with sessions.begin() as session:
        await repo.set_setting(session=session, key=key, value=value)


async def waiting_for_a_lock(sessions: Sessions) -> bool:
    async with sessions() as session:
        if (await session.connection()).dialect.name != "postgresql":
            return True
        query = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
        return bool((await session.exec(query)).one()[0])  # type: ignore[call-overload]


async def test_a_writer_blocked_by_an_uncommitted_insert_of_the_same_key_updates_it(
    sessions: Sessions,
) -> None:
    async with sessions.begin() as first:
        await repo.set_setting(session=first, key="menu:telegram:8", value="a")  # inserted, not committed
        second = asyncio.create_task(write(sessions, "menu:telegram:8", "b"))
        # Let the second writer reach its write and wait on the first one's lock (PostgreSQL shows it;
        # SQLite's writer waits in its busy handler, which a short pause lets it reach).
        for _ in range(200):
            await asyncio.sleep(0.01)
            if await waiting_for_a_lock(sessions):
                break
        await asyncio.sleep(0.05)
    await second  # before the fix: IntegrityError, the key inserted twice
    async with sessions() as session:
        assert await repo.get_setting(session=session, key="menu:telegram:8") == "b"


async def test_a_setting_read_after_writing_it_in_the_same_session_is_the_new_value(
    sessions: Sessions,
) -> None:
    async with sessions.begin() as session:
        await repo.set_setting(session=session, key="k", value="old")
    async with sessions.begin() as session:
        assert await repo.get_setting(session=session, key="k") == "old"
        await repo.set_setting(session=session, key="k", value="new")
        assert await repo.get_setting(session=session, key="k") == "new"

"""Choice sets on both engines: a forgotten set's id is never given to a newer one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.choices import resolve_press, token, use_up
from bot.domain import ChatRef
from storage import repo
from storage.db import Sessions, make_engine, make_sessions

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
CHAT = ChatRef("telegram", "1001")


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Sessions]:
    engine = make_engine(database_url)
    try:
        yield make_sessions(engine)
    finally:
        await engine.dispose()


async def add(sessions: Sessions, label: str) -> int:
    async with sessions.begin() as session:
        row = await repo.add_choice_set(
            session=session,
            platform=CHAT.platform,
            chat_id=CHAT.chat_id,
            owner_user_id="1001",
            options=[{"label": label, "data": f"c:{label}"}],
            now=NOW,
        )
        assert row.id is not None
        return row.id


async def test_a_used_up_sets_token_never_names_a_newer_set(sessions: Sessions) -> None:
    first = await add(sessions, "first")
    async with sessions.begin() as session:
        await use_up(session=session, set_id=first)
    second = await add(sessions, "second")
    async with sessions() as session:
        press = await resolve_press(session=session, data=token(first, 0), chat=CHAT, user_id="1001")
    assert second != first
    assert press.stale and press.data is None


async def test_a_press_is_honoured_only_for_its_owner_in_its_chat(sessions: Sessions) -> None:
    set_id = await add(sessions, "help")
    async with sessions() as session:
        mine = await resolve_press(session=session, data=token(set_id, 0), chat=CHAT, user_id="1001")
        theirs = await resolve_press(session=session, data=token(set_id, 0), chat=CHAT, user_id="1002")
        elsewhere = await resolve_press(
            session=session, data=token(set_id, 0), chat=ChatRef("telegram", "-100"), user_id="1001"
        )
        beyond = await resolve_press(session=session, data=token(set_id, 1), chat=CHAT, user_id="1001")
        legacy = await resolve_press(session=session, data="c:members #1", chat=CHAT, user_id="1001")
    assert mine.data == "c:help"
    assert theirs.foreign and theirs.data is None
    assert elsewhere.stale and beyond.stale and legacy.stale


async def test_old_choices_are_pruned(sessions: Sessions) -> None:
    set_id = await add(sessions, "old")
    async with sessions.begin() as session:
        assert await repo.prune_choice_sets(session=session, before=NOW.replace(day=27)) == 1
    async with sessions() as session:
        press = await resolve_press(session=session, data=token(set_id, 0), chat=CHAT, user_id="1001")
    assert press.stale

"""Background jobs of the runtime, run by hand with a controlled clock."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.clock import FakeClock
from bot.config import Config
from bot.runtime import Runtime
from storage.models import ProcessedUpdate


async def test_update_ids_older_than_two_days_are_forgotten(database_url: str, clock: FakeClock) -> None:
    runtime = Runtime(Config.model_validate({"database": {"url": database_url}}), clock=clock)
    async with runtime.sessions.begin() as session:
        session.add(
            ProcessedUpdate(platform="telegram", update_id="1", processed_at=clock() - timedelta(days=3))
        )
        session.add(
            ProcessedUpdate(platform="telegram", update_id="2", processed_at=clock() - timedelta(hours=5))
        )
    assert await runtime.prune_processed_updates() == 1
    async with runtime.sessions() as session:
        kept = (await session.exec(select(ProcessedUpdate.update_id))).all()
    await runtime.stop()
    assert kept == ["2"]


async def test_the_change_watcher_notices_a_change_once(database_url: str, clock: FakeClock) -> None:
    from storage import repo

    runtime = Runtime(Config.model_validate({"database": {"url": database_url}}), clock=clock)
    calls: list[str] = []

    async def listener() -> None:
        calls.append("reload")

    runtime.change_listeners = [listener]
    assert await runtime.check_changes() is True  # first look: the counter is news
    assert await runtime.check_changes() is False
    async with runtime.sessions.begin() as session:
        await repo.bump_changes(session=session)
    assert await runtime.check_changes() is True
    await runtime.stop()
    assert calls == ["reload", "reload"]


async def test_stopping_lets_a_running_job_finish_and_starts_no_new_one(
    database_url: str, clock: FakeClock
) -> None:
    import asyncio

    runtime = Runtime(Config.model_validate({"database": {"url": database_url}}), clock=clock)
    entered, release = asyncio.Event(), asyncio.Event()
    finished: list[bool] = []

    async def slow_reload() -> None:
        entered.set()
        await release.wait()
        finished.append(True)

    runtime.change_listeners = [slow_reload]
    job = asyncio.create_task(runtime._tracked(runtime.check_changes))
    await entered.wait()
    stopping = asyncio.create_task(runtime.stop())
    for _ in range(5):
        await asyncio.sleep(0)  # let stop() run as far as it can
    assert not stopping.done(), "stop() waits for the running job"
    release.set()
    await stopping
    await job
    await runtime._tracked(runtime.check_changes)  # fired after stop: does nothing
    assert finished == [True]


async def test_a_claim_takes_exactly_as_many_rows_as_asked(database_url: str, clock: FakeClock) -> None:
    from sqlmodel import col

    from storage import repo
    from storage.models import OutboxMessage

    runtime = Runtime(Config.model_validate({"database": {"url": database_url}}), clock=clock)
    rows = [
        {
            "purpose": "t",
            "subject": "s",
            "occurrence": "1",
            "platform": "telegram",
            "chat_id": str(i),
            "text": "x",
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": clock() - timedelta(seconds=i),
            "created_at": clock(),
        }
        for i in range(5)
    ]
    async with runtime.sessions.begin() as session:
        await repo.queue_outbox(session=session, rows=rows)
        claimed = await repo.claim_due_outbox(session=session, now=clock(), limit=2)
    async with runtime.sessions() as session:
        sending = (
            await session.exec(select(OutboxMessage.chat_id).where(col(OutboxMessage.status) == "sending"))
        ).all()
    await runtime.stop()
    assert [r.chat_id for r in claimed] == ["4", "3"], "the two oldest, oldest first"
    assert sorted(sending) == ["3", "4"], "and no other row was taken"


async def test_only_changes_to_what_people_may_do_make_running_bots_reload(
    database_url: str, clock: FakeClock
) -> None:
    from bot.services import identity, org
    from storage import repo
    from tests.support import TODAY, add_commune_with_cell

    runtime = Runtime(Config.model_validate({"database": {"url": database_url}}), clock=clock)
    async with runtime.sessions.begin() as session:
        _, cell = await add_commune_with_cell(session, clock(), "Xã Thái Bình", "Chi bộ thôn 3")
        person = await org.add_person(
            session=session, full_name="Hoàng Văn Thắng", cell=cell, actor=org.CLI, now=clock(), today=TODAY
        )
        before = await repo.read_changes(session=session)
        await identity.invite(session=session, person=person, now=clock(), valid_days=7, actor=org.CLI)
        after_invite = await repo.read_changes(session=session)
        await org.grant_role(
            session=session,
            person=person,
            role="secretary",
            cell=cell,
            actor=org.CLI,
            now=clock(),
            today=TODAY,
        )
        after_grant = await repo.read_changes(session=session)
    await runtime.stop()
    assert after_invite == before
    assert after_grant == before + 1

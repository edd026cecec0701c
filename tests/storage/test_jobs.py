"""Background jobs of the runtime, run by hand with a controlled clock."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.config import Config
from bot.runtime import Runtime
from storage.models import ProcessedUpdate
from tests.support import FakeClock


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


async def test_the_change_watcher_hands_each_change_to_its_watcher_once(
    database_url: str, clock: FakeClock
) -> None:
    from storage import repo

    runtime = Runtime(Config.model_validate({"database": {"url": database_url}}), clock=clock)
    seen: list[tuple[str, set[str]]] = []

    async def people(keys: set[str]) -> None:
        seen.append(("person", keys))

    runtime.watchers = {"person": people}
    assert await runtime.check_changes() is False, "nothing recorded yet"
    async with runtime.sessions.begin() as session:
        await repo.add_changes(
            session=session, at=clock(), touched=[("person", "7"), ("person", "9"), ("cell", "1")]
        )
    assert await runtime.check_changes() is True
    assert await runtime.check_changes() is False, "each change once"
    await runtime.stop()
    assert seen == [("person", {"7", "9"})], "an unwatched kind is skipped"


async def test_stopping_lets_a_running_job_finish_and_starts_no_new_one(
    database_url: str, clock: FakeClock
) -> None:
    import asyncio

    runtime = Runtime(Config.model_validate({"database": {"url": database_url}}), clock=clock)
    entered, release = asyncio.Event(), asyncio.Event()
    finished: list[bool] = []

    async def slow_job() -> None:
        entered.set()
        await release.wait()
        finished.append(True)

    job = asyncio.create_task(runtime.jobs._tracked(slow_job))
    await entered.wait()
    stopping = asyncio.create_task(runtime.stop())
    for _ in range(5):
        await asyncio.sleep(0)  # let stop() run as far as it can
    assert not stopping.done(), "stop() waits for the running job"
    release.set()
    await stopping
    await job
    await runtime.jobs._tracked(slow_job)  # fired after stop: does nothing
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


async def test_only_changes_to_what_people_may_do_are_recorded_and_they_name_whom(
    database_url: str, clock: FakeClock
) -> None:
    from bot.services import audit, identity, people, roles
    from storage import repo
    from tests.support import TODAY, add_commune_with_cell

    runtime = Runtime(Config.model_validate({"database": {"url": database_url}}), clock=clock)
    async with runtime.sessions.begin() as session:
        _, cell = await add_commune_with_cell(session, clock(), "Xã Thái Bình", "Chi bộ thôn 3")
        person = await people.add_person(
            session=session, full_name="Hoàng Văn Thắng", cell=cell, actor=audit.CLI, now=clock(), today=TODAY
        )
        before = await repo.last_change_id(session=session)
        await identity.invite(session=session, person=person, now=clock(), valid_days=7, actor=audit.CLI)
        after_invite = await repo.changes_after(session=session, change_id=before)
        await roles.grant_role(
            session=session,
            person=person,
            role="secretary",
            cell=cell,
            actor=audit.CLI,
            now=clock(),
            today=TODAY,
        )
        after_grant = await repo.changes_after(session=session, change_id=before)
    await runtime.stop()
    assert list(after_invite) == []
    assert [(c.kind, c.key) for c in after_grant] == [("person", str(person.id))]

"""The scheduler port: jobs by id, rebuilt from the database at start-up; due times as pure functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.config import Config
from bot.domain import ChatRef
from bot.runtime import REPORT_EVERY, Runtime, report_due, report_job
from bot.services import announcements, audit, people
from tests.support import TODAY, FakeClock, add_commune_with_cell

T0 = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("edits", "done", "shown_ago", "due"),
    [
        (True, False, timedelta(seconds=1), True),  # an edit in place costs nothing
        (False, False, None, True),  # never shown
        (False, False, REPORT_EVERY - timedelta(seconds=1), False),  # too soon for a new message
        (False, False, REPORT_EVERY, True),
        (False, True, timedelta(seconds=1), True),  # delivery finished: say so at once
    ],
)
def test_a_report_is_shown_again_only_when_due(
    edits: bool, done: bool, shown_ago: timedelta | None, due: bool
) -> None:
    shown_at = None if shown_ago is None else T0 - shown_ago
    assert report_due(edits=edits, done=done, shown_at=shown_at, now=T0) is due


async def test_jobs_are_scheduled_replaced_and_cancelled_by_id(database_url: str, clock: FakeClock) -> None:
    runtime = Runtime(Config.model_validate({"database": {"url": database_url}}), clock=clock)
    ran: list[int] = []

    async def job(*, thing_id: int) -> None:
        ran.append(thing_id)

    runtime.jobs.schedule("thing:1", job, at=T0 + timedelta(days=1), thing_id=1)
    runtime.jobs.schedule("thing:1", job, every=timedelta(minutes=5), thing_id=1)  # replaces the first
    runtime.jobs.schedule("thing:2", job, every=timedelta(minutes=5), thing_id=2)
    runtime.jobs.cancel("thing:2")
    runtime.jobs.cancel("nothing")  # no such job: nothing to do
    assert set(runtime.jobs.jobs()) == {"thing:1"}
    await runtime.jobs._tracked(job, thing_id=1)  # fire it by hand: no waiting for the clock
    await runtime.stop()
    assert ran == [1]


async def _announce_with_report(runtime: Runtime, clock: FakeClock) -> int:
    async with runtime.sessions.begin() as session:
        _, cell = await add_commune_with_cell(session, clock(), "Xã Thái Bình", "Chi bộ thôn 3")
        await people.add_person(
            session=session, full_name="Hoàng Văn Thắng", cell=cell, actor=audit.CLI, now=clock(), today=TODAY
        )
        created = await announcements.create(
            session=session,
            text="Họp chi bộ",
            audience="members",
            actor=audit.CLI,
            now=clock(),
            day=TODAY,
            cell=cell,
            report_chat=ChatRef("telegram", "1001"),
            report_message_id="5",
        )
        assert created.id is not None
        return created.id


async def test_a_restart_rebuilds_the_same_jobs_from_the_database(
    database_url: str, clock: FakeClock
) -> None:
    config = Config.model_validate({"database": {"url": database_url}})
    first = Runtime(config, clock=clock)
    announcement_id = await _announce_with_report(first, clock)
    await first.start()
    before = set(first.jobs.jobs())
    await first.stop()
    second = Runtime(config, clock=clock)
    await second.start()
    after = set(second.jobs.jobs())
    await second.stop()
    assert (
        before
        == after
        == {"changes", "prune", "meetings", "schedules", "visit_nudges", report_job(announcement_id)}
    )


async def test_a_change_schedules_only_the_job_it_touched(database_url: str, clock: FakeClock) -> None:
    config = Config.model_validate({"database": {"url": database_url}})
    runtime = Runtime(config, clock=clock)
    await runtime.start()
    assert set(runtime.jobs.jobs()) == {"changes", "prune", "meetings", "schedules", "visit_nudges"}
    announcement_id = await _announce_with_report(runtime, clock)  # as the command line would
    refreshed: list[set[str]] = []

    async def people(keys: set[str]) -> None:
        refreshed.append(keys)

    runtime.watchers["person"] = people
    assert await runtime.check_changes() is True
    jobs = set(runtime.jobs.jobs())
    await runtime.stop()
    assert jobs == {"changes", "prune", "meetings", "schedules", "visit_nudges", report_job(announcement_id)}
    assert refreshed == [], "no one's menu was touched"

"""Schedules and reminders (issue 10) through the real runtime: a rule set in chat creates the next
meeting and its jobs, reminders reach only members who have not answered, a change in chat moves the
pending jobs at once, a restart rebuilds the same jobs, and steps missed while the bot was down run or
are dropped. Jobs are asserted on the scheduler and fired by calling the job function: no sleeping.

The clock starts at 10:00 on 26/11/2026 in Hanoi (the fixture's)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from bot.config import Config
from bot.runtime import Runtime
from fake_telegram import FakeBotAPI
from storage.models import AuditLog, Meeting, MeetingRule, OutboxMessage
from tests.support import (
    FakeClock,
    RunningBot,
    Seed,
    TextChat,
    TextTransport,
    delivered,
    numbered,
    press,
    running_bot,
    say,
    settle,
)

pytestmark = pytest.mark.e2e

HANOI = timedelta(hours=7)


def local(text: str) -> datetime:
    """A Hanoi wall-clock time ("2026-12-05 19:30") as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC) - HANOI


def meeting_jobs(runtime: Runtime) -> dict[str, datetime | None]:
    return {
        job: at
        for job, at in runtime.jobs.jobs().items()
        if job.startswith("meeting:") and "tally" not in job
    }


async def the_meeting(runtime: Runtime) -> Meeting:
    async with runtime.sessions() as session:
        found = (await session.exec(select(Meeting).where(col(Meeting.scheduled)))).all()
    assert len(found) == 1, [(m.id, m.starts_at, m.created_at) for m in found]
    return found[0]


async def starts(runtime: Runtime) -> list[datetime]:
    """When each of the cell's meetings starts, in order."""
    async with runtime.sessions() as session:
        return [
            m.starts_at for m in (await session.exec(select(Meeting).order_by(col(Meeting.starts_at)))).all()
        ]


async def set_monthly_5(chat: TextChat, s: Seed) -> list[str]:
    """The secretary types the rule and saves it (typed number 1 = Save)."""
    boss = s.tg("secretary")
    await delivered(chat.runtime)  # anything queued before (a notice) is out, not mixed with the replies
    await chat.say(boss, "/help")
    [preview] = await chat.say(boss, "/lich monthly 5 19:30")
    assert numbered(preview) == ["Save", "Cancel"]
    replies = await chat.say(boss, "1")
    await delivered(chat.runtime)  # the notice, so later replies are not mixed with it
    return replies


async def test_a_rule_typed_in_chat_creates_the_next_meeting_sends_its_overdue_notice_and_schedules_the_rest(
    text_world: tuple[TextChat, Seed, Runtime], clock: FakeClock
) -> None:
    chat, s, runtime = text_world
    boss = s.tg("secretary")
    await chat.say(boss, "/help")
    [preview] = await chat.say(boss, "/schedule monthly 31 19:30")
    # The preview names the next three dates, and says where a short month moves the day.
    assert "19:30 30/11/2026 (the month has no day 31: its last day instead)" in preview
    assert "19:30 31/12/2026" in preview and "19:30 31/01/2027" in preview
    assert "Reminders: 3d, 1d, 2h before" in preview
    async with runtime.sessions() as session:
        assert (await session.exec(select(MeetingRule))).first() is None  # not saved before Save
    await chat.say(boss, "Cancel")  # the start of a label picks it too
    async with runtime.sessions() as session:
        assert (await session.exec(select(MeetingRule))).first() is None

    replies = await set_monthly_5(chat, s)
    assert replies[0].startswith("Saved.")
    meeting = await the_meeting(runtime)
    assert meeting.starts_at == local("2026-12-05 19:30") and meeting.month.isoformat() == "2026-12-01"
    # The notice was due on 21/11 (14 days before): the meeting was planned late, so it goes now.
    assert meeting.steps_done == ["notice"]
    assert meeting_jobs(runtime) == {
        f"meeting:{meeting.id}:remind:3d": local("2026-12-02 19:30"),
        f"meeting:{meeting.id}:tasks": local("2026-12-02 19:30"),
        f"meeting:{meeting.id}:remind:1d": local("2026-12-04 19:30"),
        f"meeting:{meeting.id}:brief": local("2026-12-05 07:00"),
        f"meeting:{meeting.id}:remind:2h": local("2026-12-05 17:30"),
    }
    await delivered(runtime)
    for who in ("secretary", "deputy", "committee", "member"):
        # Each in their own language: those who never wrote get Vietnamese, the default.
        notices = ("Notice: regular meeting", "Thông báo: sinh hoạt thường kỳ")
        assert any(t.startswith(notices) for t in chat.transport.texts(s.tg(who))), who
    async with runtime.sessions() as session:
        entry = (await session.exec(select(AuditLog).where(AuditLog.action == "schedule.set"))).one()
    assert entry.before is None and entry.after is not None and entry.after["day"] == 5
    assert entry.actor_person_id == s.people["secretary"]


async def test_reminders_reach_only_the_members_who_have_not_answered(
    text_world: tuple[TextChat, Seed, Runtime], clock: FakeClock
) -> None:
    chat, s, runtime = text_world
    await set_monthly_5(chat, s)
    meeting = await the_meeting(runtime)
    await delivered(runtime)
    await chat.say(s.tg("member"), "/attend")
    [reasons] = await chat.say(s.tg("deputy"), "/absent")
    await chat.say(s.tg("deputy"), "1")  # illness
    clock.now = local("2026-12-02 19:30")
    assert meeting.id is not None
    assert await runtime.meeting_jobs.run_step(meeting_id=meeting.id, step="remind:3d")
    await delivered(runtime)

    def reminded(who: str) -> int:  # in English, or Vietnamese for those who never wrote
        return sum(t.startswith(("Reminder:", "Nhắc lịch:")) for t in chat.transport.texts(s.tg(who)))

    assert {who: reminded(who) for who in ("secretary", "committee", "member", "deputy")} == {
        "secretary": 1,
        "committee": 1,
        "member": 0,
        "deputy": 0,
    }
    # Fired twice (a job and a restart racing), it reminds once.
    assert not await runtime.meeting_jobs.run_step(meeting_id=meeting.id, step="remind:3d")
    # The committee member answers; the next reminder goes to the secretary alone.
    await chat.say(s.tg("committee"), "/attend")
    clock.now = local("2026-12-04 19:30")
    assert await runtime.meeting_jobs.run_step(meeting_id=meeting.id, step="remind:1d")
    await delivered(runtime)
    assert (reminded("secretary"), reminded("committee")) == (2, 1)
    # The brief on the day: who comes, who is excused, who is silent.
    clock.now = local("2026-12-05 07:00")
    assert await runtime.meeting_jobs.run_step(meeting_id=meeting.id, step="brief")
    await delivered(runtime)
    [brief] = [t for t in chat.transport.texts(s.tg("secretary")) if "Today:" in t]
    assert brief.startswith("No tasks from the last meeting.")  # it opens with the last meeting's tasks
    assert "Coming (2): Trần Văn Ân, Lê Văn Bình" in brief
    assert "Excused (1): Nguyễn Thị Hoa" in brief
    assert "No answer yet (1): Hoàng Văn Thắng" in brief


async def test_a_change_in_chat_moves_the_pending_jobs_at_once_and_tells_who_answered(
    text_world: tuple[TextChat, Seed, Runtime], clock: FakeClock
) -> None:
    chat, s, runtime = text_world
    boss = s.tg("secretary")
    await set_monthly_5(chat, s)
    meeting = await the_meeting(runtime)
    await delivered(runtime)
    await chat.say(s.tg("member"), "/attend")
    await delivered(runtime)  # the secretary is told of the answer
    # By buttons' numbers alone: the schedule, "Change the day and time", the rest typed, Save.
    [shown] = await chat.say(boss, "/schedule")
    assert numbered(shown) == ["Change the day and time", "Change the reminders", "Change the notice"]
    assert f"Coming meeting: #{meeting.id}, 19:30 05/12/2026. Notice: sent." in shown
    await chat.say(boss, "1")
    [preview] = await chat.say(boss, "weekday 2 thu 18:00")
    assert "monthly on Thursday no. 2 at 18:00" in preview and "18:00 10/12/2026" in preview
    await chat.say(boss, "1")
    moved = await the_meeting(runtime)
    assert moved.id == meeting.id and moved.starts_at == local("2026-12-10 18:00")
    assert moved.month.isoformat() == "2026-12-01"
    assert meeting_jobs(runtime) == {
        f"meeting:{meeting.id}:remind:3d": local("2026-12-07 18:00"),
        f"meeting:{meeting.id}:tasks": local("2026-12-07 18:00"),
        f"meeting:{meeting.id}:remind:1d": local("2026-12-09 18:00"),
        f"meeting:{meeting.id}:brief": local("2026-12-10 07:00"),
        f"meeting:{meeting.id}:remind:2h": local("2026-12-10 16:00"),
    }
    await delivered(runtime)
    changed = [t for t in chat.transport.texts(s.tg("member")) if "has changed" in t]
    assert len(changed) == 1 and "18:00 10/12/2026" in changed[0]
    assert not any("has changed" in t for t in chat.transport.texts(s.tg("committee")))  # did not answer
    # The reminders: typed, with a preset's number.
    await chat.say(boss, "/schedule remind")
    [preview] = await chat.say(boss, "2")  # "1d 2h"
    assert "Reminders: 1d, 2h before" in preview
    await chat.say(boss, "Save")
    assert set(meeting_jobs(runtime)) == {
        f"meeting:{meeting.id}:remind:1d",
        f"meeting:{meeting.id}:tasks",
        f"meeting:{meeting.id}:brief",
        f"meeting:{meeting.id}:remind:2h",
    }


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("monthly 5 25:00", "'25:00' is not a time of day"),
        ("monthly 0 19:30", "'0' is not a day of the month"),
        ("weekday 1 xyz 19:30", "'xyz' is not a day of the week"),
        ("weekday 6 mon 19:30", "'6' is not a week of the month"),
        ("remind 3d 1d 2h", "Set the day and time first"),
        ("every friday", "Write one of:"),
    ],
)
async def test_invalid_input_says_exactly_what_is_wrong_and_changes_nothing(
    text_world: tuple[TextChat, Seed, Runtime], typed: str, problem: str
) -> None:
    chat, s, runtime = text_world
    boss = s.tg("secretary")
    await chat.say(boss, "/help")
    [answer] = await chat.say(boss, f"/schedule {typed}")
    assert problem in answer
    async with runtime.sessions() as session:
        assert (await session.exec(select(MeetingRule))).first() is None
        assert (await session.exec(select(Meeting))).first() is None


async def test_a_reminder_before_the_notice_is_refused_and_the_rule_stays(
    text_world: tuple[TextChat, Seed, Runtime],
) -> None:
    chat, s, runtime = text_world
    await set_monthly_5(chat, s)
    [answer] = await chat.say(s.tg("secretary"), "/schedule remind 20d 1d")
    assert "A reminder 20d before the meeting would come before the notice (14d before)" in answer
    async with runtime.sessions() as session:
        row = (await session.exec(select(MeetingRule))).one()
    assert row.reminder_minutes == [3 * 1440, 1440, 120]


async def test_members_may_not_change_the_schedule(text_world: tuple[TextChat, Seed, Runtime]) -> None:
    chat, s, runtime = text_world
    [answer] = await chat.say(s.tg("member"), "/schedule monthly 5 19:30")
    assert "not available to you" in answer
    async with runtime.sessions() as session:
        assert (await session.exec(select(MeetingRule))).first() is None


async def test_an_organiser_sets_the_units_default_and_sees_every_cell(
    text_world: tuple[TextChat, Seed, Runtime], clock: FakeClock
) -> None:
    chat, s, runtime = text_world
    organiser = s.tg("organiser")
    await chat.say(organiser, "/help")
    [preview] = await chat.say(organiser, f"/schedule_unit #{s.commune} monthly 12 19:30")
    assert "New schedule for Xã Thái Bình" in preview
    await chat.say(organiser, "1")
    meeting = await the_meeting(runtime)
    assert meeting.cell_id == s.cell and meeting.starts_at == local("2026-12-12 19:30")
    # The cell then sets its own rule: it overrides the default, which the organiser is shown.
    await set_monthly_5(chat, s)
    [overview] = await chat.say(organiser, f"/lichdonvi #{s.commune}")
    assert "Default for its cells: monthly on day 12 at 19:30" in overview
    assert (
        "• Chi bộ thôn 3: monthly on day 5 at 19:30 (own rule); next 19:30 05/12/2026, notice sent"
        in overview
    )
    [preview] = await chat.say(organiser, f"/schedule_unit #{s.commune} monthly 19 19:30")
    assert "These cells keep their own rule: Chi bộ thôn 3" in preview


async def test_a_restart_rebuilds_exactly_the_same_jobs(
    text_world: tuple[TextChat, Seed, Runtime], config: Config, clock: FakeClock
) -> None:
    chat, s, runtime = text_world
    await set_monthly_5(chat, s)
    before = meeting_jobs(runtime)
    assert len(before) == 5
    again = Runtime(config, clock=clock)
    try:
        await again.rebuild_jobs()
        assert meeting_jobs(again) == before
    finally:
        await again.engine.dispose()


async def test_steps_missed_while_the_bot_was_down_run_if_useful_and_are_dropped_if_not(
    text_world: tuple[TextChat, Seed, Runtime],
    config: Config,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    chat, s, runtime = text_world
    await set_monthly_5(chat, s)
    meeting = await the_meeting(runtime)
    await delivered(runtime)
    caplog.set_level(logging.INFO)
    # Down from 1/12 to 19:00 on 4/12: the 3d and 1d reminders were missed; only the latest goes.
    clock.now = local("2026-12-04 20:00")
    again = Runtime(config, clock=clock)
    transport = TextTransport()
    again.attach(transport)
    try:
        await again.rebuild_jobs()
        await again.delivery.start()
        again.delivery.wake()
        await again.delivery.wait_settled()
        await again.delivery.stop()
        async with again.sessions() as session:
            rows = (
                await session.exec(select(OutboxMessage).where(OutboxMessage.purpose == "meeting_reminder"))
            ).all()
        assert {row.occurrence.split("@")[0] for row in rows} == {"remind:1d"}
        assert "remind:3d dropped" in caplog.text
        # Down again until the meeting has started: the brief and the last reminder are dropped.
        clock.now = local("2026-12-05 19:45")
        await again.rebuild_jobs()
        async with again.sessions() as session:
            done = (await session.get(Meeting, meeting.id)).steps_done  # type: ignore[union-attr]
            count = len(
                (
                    await session.exec(
                        select(OutboxMessage).where(OutboxMessage.purpose == "meeting_reminder")
                    )
                ).all()
            )
        assert set(done) == {"notice", "remind:3d", "tasks", "remind:1d", "remind:2h", "brief"}
        assert count == len(rows)  # nothing more went out
        assert "remind:2h dropped" in caplog.text and "brief dropped" in caplog.text
    finally:
        await again.engine.dispose()


async def test_the_next_meeting_is_created_after_the_last_one_whatever_became_of_it(
    text_world: tuple[TextChat, Seed, Runtime], clock: FakeClock
) -> None:
    chat, s, runtime = text_world
    await set_monthly_5(chat, s)
    first = await the_meeting(runtime)
    # Never opened: after its end and the grace it is "not recorded"; the next month's is planned.
    clock.now = local("2026-12-06 09:00")
    await runtime.run_due_meetings()
    await runtime.meeting_jobs.plan()
    async with runtime.sessions() as session:
        planned = (await session.exec(select(Meeting).order_by(col(Meeting.starts_at)))).all()
    assert [m.starts_at for m in planned] == [first.starts_at, local("2027-01-05 19:30")]
    # Cancelled for Tết: the rule does not recreate that month, it plans the one after.
    async with runtime.sessions.begin() as session:
        from bot.services import audit, meetings

        january = await session.get(Meeting, planned[1].id)
        assert january is not None
        await meetings.cancel(
            session=session,
            meeting=january,
            actor=audit.CLI,
            now=clock(),
            rules=runtime.config.meetings.rules(),
            tz=runtime.config.tz,
        )
    await runtime.meeting_jobs.plan()
    async with runtime.sessions() as session:
        starts = [
            m.starts_at for m in (await session.exec(select(Meeting).order_by(col(Meeting.starts_at)))).all()
        ]
    assert starts == [first.starts_at, local("2027-01-05 19:30"), local("2027-02-05 19:30")]


async def test_an_ad_hoc_regular_meeting_takes_its_months_place(
    text_world: tuple[TextChat, Seed, Runtime], clock: FakeClock
) -> None:
    chat, s, runtime = text_world
    boss = s.tg("secretary")
    await chat.say(boss, "/help")
    # December's regular meeting planned by hand first; then the rule plans January, not a second December.
    from bot.meetings.rules import Kind
    from bot.services import audit, meetings
    from storage.models import Cell

    async with runtime.sessions.begin() as session:
        cell = await session.get(Cell, s.cell)
        assert cell is not None
        await meetings.create(
            session=session,
            cell=cell,
            plan=meetings.Plan(kind=Kind.REGULAR, starts_at=local("2026-12-08 19:30"), place="Nhà văn hóa"),
            actor=audit.CLI,
            now=clock(),
            rules=runtime.config.meetings.rules(),
            default_length=timedelta(hours=2),
            tz=runtime.config.tz,
        )
    await set_monthly_5(chat, s)
    # December's place is taken, and it is the next meeting: no second December; January's is planned
    # once December's has passed.
    assert await starts(runtime) == [local("2026-12-08 19:30")]
    clock.now = local("2026-12-09 09:00")
    await runtime.meeting_jobs.plan()
    assert await starts(runtime) == [local("2026-12-08 19:30"), local("2027-01-05 19:30")]


async def test_on_telegram_the_schedule_changes_with_buttons(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    boss = s.tg("secretary")
    async with running_bot(config, clock, bot):
        [shown] = await say(fake, boss, "/schedule")
        assert "has no meeting schedule yet" in str(shown["text"])
        ask = await press(fake, boss, shown, "Change the day and time")
        assert "Write the new day and time" in str(ask["text"])
        [preview] = await say(fake, boss, "monthly 5 19:30")
        saved = await press(fake, boss, preview, "Save")
        await settle(fake, boss)
        assert str(saved["text"]).startswith("Saved.")
        meeting = await the_meeting(bot.runtime)
        assert f"meeting:{meeting.id}:remind:3d" in bot.runtime.jobs.jobs()
        # A CLI change reaches the running bot through the change notifications.
        from bot.meetings import schedule as rule_maths
        from bot.services import audit, schedules
        from storage.models import Cell

        async with bot.runtime.sessions.begin() as session:
            cell = await session.get(Cell, s.cell)
            assert cell is not None
            found = await schedules.effective(session, cell)
            assert found is not None
            await schedules.set_rule(
                session=session,
                rule=rule_maths.parse_change(["remind", "1d", "2h"], found.rule, clock().date()),
                actor=audit.CLI,
                now=clock(),
                rules=config.meetings.rules(),
                default_tz=config.tz,
                cell=cell,
            )
        assert f"meeting:{meeting.id}:remind:3d" in bot.runtime.jobs.jobs()  # not yet seen
        assert await bot.runtime.check_changes()
        assert f"meeting:{meeting.id}:remind:3d" not in bot.runtime.jobs.jobs()
        assert bot.runtime.jobs.jobs()[f"meeting:{meeting.id}:remind:1d"] == local("2026-12-04 19:30")


async def test_a_secretary_whose_role_ends_before_save_changes_nothing(
    text_world: tuple[TextChat, Seed, Runtime], clock: FakeClock
) -> None:
    chat, s, runtime = text_world
    boss = s.tg("secretary")
    await chat.say(boss, "/help")
    [preview] = await chat.say(boss, "/schedule monthly 5 19:30")
    from bot.services import audit, people, roles
    from storage.models import Cell

    async with runtime.sessions.begin() as session:
        cell = await session.get(Cell, s.cell)
        person = await people.require_person(session, str(s.people["secretary"]))
        await roles.revoke_role(
            session=session,
            person=person,
            role="secretary",
            actor=audit.CLI,
            now=clock(),
            today=clock().date(),
            cell=cell,
        )
    clock.advance(days=1)  # the role ended yesterday's evening: today it is gone
    [answer] = await chat.say(boss, "Save")
    assert "your role has changed" in answer
    async with runtime.sessions() as session:
        assert (await session.exec(select(MeetingRule))).first() is None
        assert (await session.exec(select(Meeting))).first() is None


async def test_a_meeting_moved_by_hand_stays_when_the_rule_changes(
    text_world: tuple[TextChat, Seed, Runtime], clock: FakeClock
) -> None:
    chat, s, runtime = text_world
    await set_monthly_5(chat, s)
    meeting = await the_meeting(runtime)
    from bot.services import audit, meetings

    async with runtime.sessions.begin() as session:
        held = await session.get(Meeting, meeting.id)
        assert held is not None
        await meetings.edit(
            session=session,
            meeting=held,
            actor=audit.CLI,
            now=clock(),
            rules=runtime.config.meetings.rules(),
            tz=runtime.config.tz,
            starts_at=local("2026-12-03 19:30"),  # moved for the commune's conference, by hand
        )
    boss = s.tg("secretary")
    await chat.say(boss, "/schedule monthly 12 19:30")
    await chat.say(boss, "1")
    moved = await the_meeting(runtime)
    assert moved.starts_at == local("2026-12-03 19:30") and moved.moved_by_hand
    assert runtime.jobs.jobs()[f"meeting:{meeting.id}:remind:1d"] == local("2026-12-02 19:30")


async def test_a_member_who_left_after_the_meeting_was_planned_is_not_reminded(
    text_world: tuple[TextChat, Seed, Runtime], clock: FakeClock
) -> None:
    chat, s, runtime = text_world
    await set_monthly_5(chat, s)
    meeting = await the_meeting(runtime)
    from datetime import date

    from bot.services import audit, people, records

    async with runtime.sessions.begin() as session:
        person = await people.require_person(session, str(s.people["committee"]))
        await records.end_membership(
            session=session,
            person=person,
            on=date(2026, 11, 30),
            reason="moved away",
            actor=audit.CLI,
            now=clock(),
        )
    clock.now = local("2026-12-02 19:30")
    assert meeting.id is not None
    assert await runtime.meeting_jobs.run_step(meeting_id=meeting.id, step="remind:3d")
    await delivered(runtime)
    async with runtime.sessions() as session:
        rows = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.purpose == "meeting_reminder"))
        ).all()
    assert {row.person_id for row in rows} == {s.people["secretary"], s.people["deputy"], s.people["member"]}


async def test_a_step_not_due_or_not_in_the_rule_does_nothing(
    text_world: tuple[TextChat, Seed, Runtime], clock: FakeClock
) -> None:
    chat, s, runtime = text_world
    await set_monthly_5(chat, s)
    meeting = await the_meeting(runtime)
    assert meeting.id is not None
    # A job left from before a change fires early, or names a reminder the rule no longer has.
    assert not await runtime.meeting_jobs.run_step(meeting_id=meeting.id, step="remind:1d")
    clock.now = local("2026-12-02 19:30")
    assert not await runtime.meeting_jobs.run_step(meeting_id=meeting.id, step="remind:7d")
    async with runtime.sessions() as session:
        held = await session.get(Meeting, meeting.id)
        reminders = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.purpose == "meeting_reminder"))
        ).all()
    assert held is not None and held.steps_done == ["notice"] and reminders == []


async def test_odd_digits_and_a_first_unit_default_are_handled_politely(
    text_world: tuple[TextChat, Seed, Runtime],
) -> None:
    chat, s, runtime = text_world
    boss, organiser = s.tg("secretary"), s.tg("organiser")
    await chat.say(boss, "/help")
    [answer] = await chat.say(boss, "/schedule monthly ² 19:30")
    assert "'²' is not a day of the month" in answer
    # The cell has no rule: it will follow the unit's first default, so it is not said to override it.
    await chat.say(organiser, "/help")
    [preview] = await chat.say(organiser, f"/schedule_unit #{s.commune} monthly 12 19:30")
    assert "keep their own rule" not in preview


async def test_a_cell_warned_when_leaving_its_units_default_can_go_back_to_it(
    text_world: tuple[TextChat, Seed, Runtime], clock: FakeClock
) -> None:
    chat, s, runtime = text_world
    boss, organiser = s.tg("secretary"), s.tg("organiser")
    await chat.say(organiser, "/help")
    await chat.say(organiser, f"/schedule_unit #{s.commune} monthly 12 19:30")
    await chat.say(organiser, "Save")
    await delivered(runtime)
    await chat.say(boss, "/help")
    [preview] = await chat.say(boss, "/schedule remind 1d")
    assert "will then have its own rule: later changes to the default of Xã Thái Bình" in preview
    await chat.say(boss, "Save")
    assert (await the_meeting(runtime)).starts_at == local("2026-12-12 19:30")  # the day is the same
    [back] = await chat.say(boss, "/schedule inherit")
    assert "would follow the default of Xã Thái Bình again" in back
    [saved] = await chat.say(boss, "Save")
    assert "(the default of Xã Thái Bình)" in saved and "Reminders: 3d, 1d, 2h" in saved
    async with runtime.sessions() as session:
        actions = (
            await session.exec(
                select(AuditLog.action)
                .where(col(AuditLog.action).startswith("schedule"))
                .order_by(col(AuditLog.id))
            )
        ).all()
    assert list(actions) == ["schedule.set", "schedule.set", "schedule.inherit"]
    [again] = await chat.say(boss, "/schedule inherit")
    assert "already follows its unit's default" in again

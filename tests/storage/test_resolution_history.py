"""A cell's resolutions over three meetings (bot.services.resolution), from the database: the tasks each
meeting gives, what the secretary's brief before the next meeting says of the LAST meeting's tasks
(bot.services.schedules, step "brief"), who is asked how their task stands three days before (step
"tasks", resolution.follow_up), and who may vote; on each engine.

Chi bộ thôn 3 is seeded on 26/11/2026 (tests.support.seed: Hoàng Văn Thắng secretary, Nguyễn Thị Hoa,
Lê Văn Bình, Trần Văn Ân, all official and linked to Telegram), plus Nông Thị Lan (probationary, no chat
linked) and Ma Văn Cường (official, exempt from meetings from 01/12/2026, no chat linked). Every step goes
through the services at its own time on a fake clock, Hà Nội time:

M0, 10/12/2026 19:30 (held: opened, Thắng Hoa Ân check in, closed 21:10). At 20:00 it gives
    A  "Lập danh sách hộ nghèo năm 2027", due 31/01/2027, to Ân and Hoa
    B  "Chuẩn bị đại hội chi bộ", due 31/03/2027 (after M2), to Thắng
    05/01/2027: Hoa reports A blocked, "Chờ số liệu của xã".
M1, 14/01/2027 19:30 (held: opened, Thắng Hoa Bình Lan Cường check in, Ân absent, closed 21:10). At 20:00:
    T1 "Thu đảng phí quý I", due 31/01/2027, to Hoa           -> 20/01/2027 Hoa: done
    T2 "Sửa đường liên thôn", due 11/02/2027 (M2's day), to Bình and Thắng
                                                              -> 25/01/2027 Bình: in progress,
                                                                 "Đã mua xi măng"; Thắng never reports
    T3 "Tổ chức Tết trồng cây", due 05/02/2027, to Ân         -> 28/01/2027 cancelled by the secretary
M2, 11/02/2027 19:30, planned 01/02/2027 09:00 with its notice (Lan's is unreachable: no chat). Answers:
    Hoa and Bình will attend (05/02), Ân asks to be excused (06/02, work); Thắng never answers.

By hand, the brief of 07:00 on 11/02/2027 (to the secretary, Thắng) opens with M1's tasks only: M0's A and
B are from an earlier meeting; T3 is cancelled; tasks soonest deadline first, each one's people by given
name (Bình before Thắng, though Hoàng sorts before Lê), each with their status and note:

    Tasks from the last meeting:
    - Thu đảng phí quý I (31/01/2027)
        Nguyễn Thị Hoa: done
    - Sửa đường liên thôn (11/02/2027)
        Lê Văn Bình: in progress — Đã mua xi măng
        Hoàng Văn Thắng: not started

    Today: regular meeting of Chi bộ thôn 3 at 19:30, Nhà văn hóa thôn 3.
    Coming (2): Lê Văn Bình, Nguyễn Thị Hoa
    Excused (1): Trần Văn Ân
    No answer yet (1): Hoàng Văn Thắng
    Unreachable (1): Nông Thị Lan
    Send /rollcall for the reasons.

(Cường is exempt: not invited, so in no list.)

By hand, the follow-up at 19:30 on 08/02/2027 (three days before M2) asks about every open part of a task
of the cell due by 11/02/2027, whichever meeting gave it:
    A  Ân (not started, overdue since 31/01)   asked
    A  Hoa (blocked)                           asked
    B  Thắng (due 31/03, after M2)             not asked
    T1 Hoa (done)                              not asked
    T2 Bình (in progress, due on M2's day)     asked
    T2 Thắng (not started, due on M2's day)    asked
    T3 Ân (cancelled)                          not asked
so 4 messages, one per assignee and task: Ân, Hoa, Bình, Thắng one each; asked again, nobody is.

Votes at M1: the voters are the official members present who are not exempt: Thắng, Hoa, Bình (3). Lan
(probationary) and Cường (exempt) were there but do not vote; Ân was absent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot.errors import UserError
from bot.i18n import translator
from bot.meetings.resolution import Choice, Status, Tally
from bot.meetings.rules import Answer, Kind, Rules
from bot.services import attendance, audit, meetings, people, records, resolution, schedules
from bot.services.audit import Actor
from bot.services.delivery import render_param
from storage.db import Sessions, make_engine, make_sessions
from storage.models import Cell, Meeting, OutboxMessage, Person, Task, TaskAssignee, Vote
from tests.support import TODAY, FakeClock, Seed, seed

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
RULES = Rules()
AGENDA = ("Tình hình an ninh", "Thu đảng phí", "Nhiệm vụ tháng tới")
PLACE = "Nhà văn hóa thôn 3"


def hanoi(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=HANOI)


def render(row: OutboxMessage, language: str = "en") -> str:
    """The queued message as its reader sees it (before markup): its key in their language, each
    parameter rendered by render_param."""
    gettext = translator(language).gettext
    assert row.message_key is not None
    return gettext(row.message_key) % {k: render_param(v, gettext) for k, v in (row.params or {}).items()}


@dataclass
class World:
    sessions: Sessions
    clock: FakeClock
    s: Seed
    ids: dict[str, int] = field(default_factory=dict)  # T H B A (seeded), L C (added)
    held: dict[str, int] = field(default_factory=dict)  # "M0".."M2" -> meeting id
    tasks: dict[str, int] = field(default_factory=dict)  # "A" "B" "T1" "T2" "T3" -> task id

    def at(self, when: datetime) -> datetime:
        """Move the fake clock forward to `when` (never back) and return it."""
        assert when >= self.clock(), f"the clock would go back to {when}"
        self.clock.advance(seconds=(when - self.clock()).total_seconds())
        return self.clock()

    def who(self, key: str) -> Actor:
        return Actor("test", self.ids[key])

    def key_of(self, person_id: int) -> str:
        return next(k for k, v in self.ids.items() if v == person_id)

    async def plan(
        self, label: str, starts: datetime, *, planned: datetime, send_notice: bool, kind: Kind = Kind.REGULAR
    ) -> None:
        now = self.at(planned)
        async with self.sessions.begin() as session:
            cell = await session.get(Cell, self.s.cell)
            assert cell is not None
            meeting = await meetings.create(
                session=session,
                cell=cell,
                plan=meetings.Plan(kind=kind, starts_at=starts, place=PLACE, agenda=AGENDA),
                actor=self.who("T"),
                now=now,
                rules=RULES,
                default_length=timedelta(hours=2),
                tz=HANOI,
                send_notice=send_notice,
            )
            assert meeting.id is not None
            self.held[label] = meeting.id

    async def answer(self, label: str, key: str, given: Answer, reason: str | None, when: datetime) -> None:
        now = self.at(when)
        async with self.sessions.begin() as session:
            meeting = await session.get(Meeting, self.held[label])
            person = await session.get(Person, self.ids[key])
            assert meeting is not None and person is not None
            await attendance.answer(
                session=session,
                meeting=meeting,
                person=person,
                given=given,
                reason=reason,
                actor=self.who(key),
                now=now,
                rules=RULES,
                tz=HANOI,
            )

    async def open(self, label: str, when: datetime) -> None:
        now = self.at(when)
        async with self.sessions.begin() as session:
            meeting = await session.get(Meeting, self.held[label])
            assert meeting is not None
            await attendance.open_meeting(
                session=session, meeting=meeting, actor=self.who("T"), now=now, rules=RULES, tz=HANOI
            )

    async def check_in(self, label: str, keys: str, when: datetime) -> None:
        now = self.at(when)
        for key in keys:
            async with self.sessions.begin() as session:
                meeting = await session.get(Meeting, self.held[label])
                assert meeting is not None
                row = await attendance.check_in(
                    session=session,
                    meeting=meeting,
                    person_id=self.ids[key],
                    actor=self.who(key),
                    now=now,
                    rules=RULES,
                    tz=HANOI,
                )
                assert row is not None, key

    async def close(self, label: str, when: datetime) -> None:
        now = self.at(when)
        async with self.sessions.begin() as session:
            meeting = await session.get(Meeting, self.held[label])
            assert meeting is not None
            await attendance.close(
                session=session,
                meeting=meeting,
                verdicts={},
                actor=self.who("T"),
                now=now,
                rules=RULES,
                tz=HANOI,
            )

    async def assign(self, label: str, name: str, title: str, due: date, keys: str, when: datetime) -> None:
        now = self.at(when)
        async with self.sessions.begin() as session:
            meeting = await session.get(Meeting, self.held[label])
            cell = await session.get(Cell, self.s.cell)
            assert meeting is not None and cell is not None
            task = await resolution.assign(
                session=session,
                meeting=meeting,
                cell=cell,
                item_id=None,
                title=title,
                due=due,
                person_ids=[self.ids[k] for k in keys],
                actor=self.who("T"),
                now=now,
                rules=RULES,
                tz=HANOI,
            )
            assert task.id is not None
            self.tasks[name] = task.id

    async def report(self, name: str, key: str, status: Status, note: str | None, when: datetime) -> None:
        now = self.at(when)
        async with self.sessions.begin() as session:
            task = await session.get(Task, self.tasks[name])
            assert task is not None
            assert await resolution.set_status(
                session=session,
                task=task,
                person_id=self.ids[key],
                status=status,
                note=note,
                actor=self.who(key),
                now=now,
                may_change_others=False,
            )

    async def cancel(self, name: str, when: datetime) -> None:
        now = self.at(when)
        async with self.sessions.begin() as session:
            task = await session.get(Task, self.tasks[name])
            cell = await session.get(Cell, self.s.cell)
            assert task is not None and cell is not None
            assert await resolution.change(
                session=session, task=task, cell=cell, actor=self.who("T"), now=now, cancel=True
            )

    async def outbox(self, purpose: str) -> list[OutboxMessage]:
        async with self.sessions() as session:
            query = (
                select(OutboxMessage).where(OutboxMessage.purpose == purpose).order_by(col(OutboxMessage.id))
            )
            return list((await session.exec(query)).all())

    async def run_step(self, label: str, step: str, when: datetime) -> bool:
        now = self.at(when)
        async with self.sessions.begin() as session:
            meeting = await session.get(Meeting, self.held[label])
            assert meeting is not None
            cell = await session.get(Cell, meeting.cell_id)
            assert cell is not None
            chase = await schedules.chase_rule(session, cell)
            assert chase == schedules.DEFAULT_CHASE  # thôn 3 has no schedule of its own
            return await schedules.run_step(
                session=session, meeting=meeting, step=step, now=now, rules=RULES, tz=HANOI, chase=chase
            )

    async def follow_up(self, label: str, when: datetime) -> int:
        now = self.at(when)
        async with self.sessions.begin() as session:
            meeting = await session.get(Meeting, self.held[label])
            assert meeting is not None
            cell = await session.get(Cell, meeting.cell_id)
            assert cell is not None
            return await resolution.follow_up(session=session, meeting=meeting, cell=cell, now=now, tz=HANOI)


async def add_lan_and_cuong(w: World) -> None:
    """Nông Thị Lan, probationary, and Ma Văn Cường, exempt from 01/12/2026; neither linked a chat."""
    async with w.sessions.begin() as session:
        cell = await session.get(Cell, w.s.cell)
        assert cell is not None
        for key, name, status in (("L", "Nông Thị Lan", "probationary"), ("C", "Ma Văn Cường", "official")):
            person = await people.add_person(
                session=session,
                full_name=name,
                cell=cell,
                actor=audit.CLI,
                now=w.clock(),
                today=TODAY,
                status=status,
            )
            assert person.id is not None
            w.ids[key] = person.id
        cuong = await session.get(Person, w.ids["C"])
        assert cuong is not None
        await records.exempt(
            session=session,
            person=cuong,
            valid_from=date(2026, 12, 1),
            valid_to=None,
            reason="Tuổi cao, sức yếu",
            actor=audit.CLI,
            now=w.clock(),
        )


async def seeded(database_url: str) -> tuple[World, AsyncEngine]:
    engine = make_engine(database_url)
    sessions = make_sessions(engine)
    clock = FakeClock(hanoi(2026, 11, 26, 10))
    s = await seed(sessions, clock)
    w = World(sessions, clock, s)
    w.ids.update(T=s.people["secretary"], H=s.people["deputy"], B=s.people["committee"], A=s.people["member"])
    await add_lan_and_cuong(w)
    return w, engine


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    """The history above, up to 09:00 on 07/02/2027 (M2 planned and answered, nothing sent before it yet)."""
    w, engine = await seeded(database_url)
    try:
        # M0, 10/12/2026.
        await w.plan("M0", hanoi(2026, 12, 10, 19, 30), planned=hanoi(2026, 11, 26, 11), send_notice=False)
        await w.open("M0", hanoi(2026, 12, 10, 19, 30))
        await w.check_in("M0", "THA", hanoi(2026, 12, 10, 19, 35))
        await w.assign(
            "M0", "A", "Lập danh sách hộ nghèo năm 2027", date(2027, 1, 31), "AH", hanoi(2026, 12, 10, 20)
        )
        await w.assign(
            "M0", "B", "Chuẩn bị đại hội chi bộ", date(2027, 3, 31), "T", hanoi(2026, 12, 10, 20, 5)
        )
        await w.close("M0", hanoi(2026, 12, 10, 21, 10))

        # M1, 14/01/2027 (planned on 04/01; Hoa reports on M0's task A the day after).
        await w.plan("M1", hanoi(2027, 1, 14, 19, 30), planned=hanoi(2027, 1, 4, 9), send_notice=False)
        await w.report("A", "H", Status.BLOCKED, "Chờ số liệu của xã", hanoi(2027, 1, 5, 9))
        await w.open("M1", hanoi(2027, 1, 14, 19, 30))
        await w.check_in("M1", "THBLC", hanoi(2027, 1, 14, 19, 35))
        await w.assign("M1", "T1", "Thu đảng phí quý I", date(2027, 1, 31), "H", hanoi(2027, 1, 14, 20))
        await w.assign("M1", "T2", "Sửa đường liên thôn", date(2027, 2, 11), "BT", hanoi(2027, 1, 14, 20, 5))
        await w.assign("M1", "T3", "Tổ chức Tết trồng cây", date(2027, 2, 5), "A", hanoi(2027, 1, 14, 20, 10))
        await w.close("M1", hanoi(2027, 1, 14, 21, 10))
        await w.report("T1", "H", Status.DONE, None, hanoi(2027, 1, 20, 9))
        await w.report("T2", "B", Status.IN_PROGRESS, "Đã mua xi măng", hanoi(2027, 1, 25, 9))
        await w.cancel("T3", hanoi(2027, 1, 28, 9))

        # M2, 11/02/2027, planned with its notice.
        await w.plan("M2", hanoi(2027, 2, 11, 19, 30), planned=hanoi(2027, 2, 1, 9), send_notice=True)
        await w.answer("M2", "H", Answer.ATTEND, None, hanoi(2027, 2, 5, 8))
        await w.answer("M2", "B", Answer.ATTEND, None, hanoi(2027, 2, 5, 9))
        await w.answer("M2", "A", Answer.ABSENT, ":work", hanoi(2027, 2, 6, 8))
        w.at(hanoi(2027, 2, 7, 9))
        yield w
    finally:
        await engine.dispose()


# ----------------------------------------------------------------------------------------- the history


async def test_the_history_is_as_described(world: World) -> None:
    """What the database holds before M2: a guard that the scenario is what the expectations assume."""
    async with world.sessions() as session:
        cell = await session.get(Cell, world.s.cell)
        assert cell is not None and cell.id is not None
        m1 = await resolution.tasks_of_cell(session, cell.id, meeting_id=world.held["M1"])
        assert [t.id for t in m1] == [world.tasks["T1"], world.tasks["T2"]]  # T3 cancelled
        every = await resolution.tasks_of_cell(session, cell.id)
        assert [t.id for t in every] == [
            world.tasks[n] for n in ("A", "T1", "T2", "B")
        ]  # by deadline, then id
        m2 = await session.get(Meeting, world.held["M2"])
        assert m2 is not None
        previous = await resolution.previous_meeting(session, m2)
        assert previous is not None and previous.id == world.held["M1"]
        m1_meeting = await session.get(Meeting, world.held["M1"])
        assert m1_meeting is not None
        earlier = await resolution.previous_meeting(session, m1_meeting)
        assert earlier is not None and earlier.id == world.held["M0"]

        # Each person's own list: open ones, soonest first; done ones only when asked; never cancelled.
        def ids(rows: list[tuple[Task, TaskAssignee]]) -> list[int]:
            return [t.id or 0 for t, _ in rows]

        assert ids(await resolution.tasks_of(session, world.ids["H"])) == [world.tasks["A"]]
        assert ids(await resolution.tasks_of(session, world.ids["H"], include_done=True)) == [
            world.tasks["A"],  # due 31/01/2027, like T1, and given first
            world.tasks["T1"],
        ]
        assert ids(await resolution.tasks_of(session, world.ids["A"], include_done=True)) == [
            world.tasks["A"]
        ]
        assert ids(await resolution.tasks_of(session, world.ids["T"])) == [
            world.tasks["T2"],
            world.tasks["B"],
        ]


# ------------------------------------------------------------------------------------------- the brief

ENGLISH_BRIEF = """\
Tasks from the last meeting:
- Thu đảng phí quý I (31/01/2027)
    Nguyễn Thị Hoa: done
- Sửa đường liên thôn (11/02/2027)
    Lê Văn Bình: in progress — Đã mua xi măng
    Hoàng Văn Thắng: not started

Today: regular meeting of Chi bộ thôn 3 at 19:30, Nhà văn hóa thôn 3.
Coming (2): Lê Văn Bình, Nguyễn Thị Hoa
Excused (1): Trần Văn Ân
No answer yet (1): Hoàng Văn Thắng
Unreachable (1): Nông Thị Lan
Send /rollcall for the reasons."""

VIETNAMESE_TASKS = """\
Nhiệm vụ giao tại cuộc họp trước:
- Thu đảng phí quý I (31/01/2027)
    Nguyễn Thị Hoa: đã hoàn thành
- Sửa đường liên thôn (11/02/2027)
    Lê Văn Bình: đang thực hiện — Đã mua xi măng
    Hoàng Văn Thắng: chưa bắt đầu

Hôm nay: sinh hoạt thường kỳ của Chi bộ thôn 3 lúc 19:30, Nhà văn hóa thôn 3.
"""


async def test_the_brief_opens_with_the_last_meetings_tasks(world: World) -> None:
    # Not before its time (07:00 on the day, by the default chase rule).
    assert not await world.run_step("M2", "brief", hanoi(2027, 2, 11, 6, 0))
    assert await world.outbox(schedules.BRIEF_PURPOSE) == []

    assert await world.run_step("M2", "brief", hanoi(2027, 2, 11, 7, 0))
    [brief] = await world.outbox(schedules.BRIEF_PURPOSE)
    assert brief.person_id == world.ids["T"]  # the secretary (and chair)
    assert brief.message_key == schedules.BRIEF_TEXT
    assert render(brief, "en") == ENGLISH_BRIEF
    assert render(brief, "vi").startswith(VIETNAMESE_TASKS)
    # Nothing of M0's tasks, nor of the cancelled one.
    for title in ("Lập danh sách hộ nghèo", "Chuẩn bị đại hội", "Tết trồng cây"):
        assert title not in render(brief, "en")

    # Once only.
    assert not await world.run_step("M2", "brief", hanoi(2027, 2, 11, 7, 5))
    assert len(await world.outbox(schedules.BRIEF_PURPOSE)) == 1


async def test_the_brief_says_so_when_the_last_meeting_left_no_task_standing(world: World) -> None:
    # Both of M1's remaining tasks cancelled: the brief does not fall back to M0's tasks.
    await world.cancel("T1", hanoi(2027, 2, 9, 9))
    await world.cancel("T2", hanoi(2027, 2, 9, 9, 5))
    assert await world.run_step("M2", "brief", hanoi(2027, 2, 11, 7, 0))
    [brief] = await world.outbox(schedules.BRIEF_PURPOSE)
    text = render(brief, "en")
    assert text.startswith("No tasks from the last meeting.\n\nToday: regular meeting of Chi bộ thôn 3")
    assert render(brief, "vi").startswith("Cuộc họp trước không giao nhiệm vụ nào.\n\nHôm nay: ")


# ----------------------------------------------------------------------------------------- follow-up


async def test_follow_up_asks_each_open_part_due_by_the_meeting_once(world: World) -> None:
    asked = await world.follow_up("M2", hanoi(2027, 2, 8, 19, 30))
    assert asked == 4
    rows = await world.outbox(resolution.FOLLOW_UP_PURPOSE)
    by_person = {(world.key_of(r.person_id or 0), r.subject) for r in rows}
    assert by_person == {
        ("A", f"task:{world.tasks['A']}"),
        ("H", f"task:{world.tasks['A']}"),
        ("B", f"task:{world.tasks['T2']}"),
        ("T", f"task:{world.tasks['T2']}"),
    }
    # One row per assignee (each has one open task due by the meeting), each to their Telegram chat.
    assert sorted(world.key_of(r.person_id or 0) for r in rows) == ["A", "B", "H", "T"]
    assert all(r.platform == "telegram" and r.status == "pending" for r in rows)
    assert all(r.chat_id == str(1000 + (r.person_id or 0)) for r in rows)  # seed: chat 1000 + person id

    texts = {world.key_of(r.person_id or 0): render(r, "en") for r in rows}
    head = "Before the meeting of Chi bộ thôn 3 on 19:30 11/02/2027: how is your task going?\n"
    assert texts == {
        "A": head + "Lập danh sách hộ nghèo năm 2027 (deadline 31/01/2027, now: not started)",
        "H": head + "Lập danh sách hộ nghèo năm 2027 (deadline 31/01/2027, now: blocked)",
        "B": head + "Sửa đường liên thôn (deadline 11/02/2027, now: in progress)",
        "T": head + "Sửa đường liên thôn (deadline 11/02/2027, now: not started)",
    }
    # Buttons to answer with: one per status, for that task.
    bình = next(r for r in rows if r.person_id == world.ids["B"])
    assert bình.buttons == [
        [
            {"label": "not started", "data": f"c:tasks {world.tasks['T2']} not_started"},
            {"label": "in progress", "data": f"c:tasks {world.tasks['T2']} in_progress"},
            {"label": "done", "data": f"c:tasks {world.tasks['T2']} done"},
            {"label": "blocked", "data": f"c:tasks {world.tasks['T2']} blocked"},
        ]
    ]

    # Asked again (a job run twice, a restart): nobody is asked twice.
    assert await world.follow_up("M2", hanoi(2027, 2, 8, 19, 31)) == 0
    assert len(await world.outbox(resolution.FOLLOW_UP_PURPOSE)) == 4
    # The step itself, due now, finds nothing new to send either.
    assert not await world.run_step("M2", "tasks", hanoi(2027, 2, 8, 19, 32))
    assert len(await world.outbox(resolution.FOLLOW_UP_PURPOSE)) == 4


async def test_the_tasks_step_runs_the_follow_up_three_days_before(world: World) -> None:
    assert not await world.run_step("M2", "tasks", hanoi(2027, 2, 8, 19, 0))  # not due yet
    assert await world.outbox(resolution.FOLLOW_UP_PURPOSE) == []
    assert await world.run_step("M2", "tasks", hanoi(2027, 2, 8, 19, 30))
    rows = await world.outbox(resolution.FOLLOW_UP_PURPOSE)
    assert sorted(world.key_of(r.person_id or 0) for r in rows) == ["A", "B", "H", "T"]
    async with world.sessions() as session:
        meeting = await session.get(Meeting, world.held["M2"])
        assert meeting is not None and "tasks" in meeting.steps_done
    assert not await world.run_step("M2", "tasks", hanoi(2027, 2, 9, 9))  # done: once only


async def test_follow_up_leaves_out_those_who_have_answered_since(world: World) -> None:
    # Before the follow-up, Thắng reports T2 done and Ân his part of A done: only Hoa and Bình remain.
    await world.report("T2", "T", Status.DONE, None, hanoi(2027, 2, 7, 10))
    await world.report("A", "A", Status.DONE, None, hanoi(2027, 2, 7, 11))
    assert await world.follow_up("M2", hanoi(2027, 2, 8, 19, 30)) == 2
    rows = await world.outbox(resolution.FOLLOW_UP_PURPOSE)
    assert sorted(world.key_of(r.person_id or 0) for r in rows) == ["B", "H"]


# ---------------------------------------------------------------------------------------------- votes


async def test_votes_at_the_held_meeting_count_only_official_members_present(world: World) -> None:
    now = world.at(hanoi(2027, 2, 7, 10))
    async with world.sessions.begin() as session:
        m1 = await session.get(Meeting, world.held["M1"])
        assert m1 is not None
        # Closed: the final attendance counts. Lan (probationary), Cường (exempt) came; Ân did not.
        assert sorted(await resolution.voters(session, m1)) == sorted(world.ids[k] for k in "THB")
        with pytest.raises(UserError) as refused:
            await resolution.record_hands(
                session=session,
                meeting=m1,
                item_id=None,
                counts=(3, 1, 0),
                actor=world.who("T"),
                now=now,
                rules=RULES,
            )
        assert refused.value.message == resolution.COUNT_ERRORS["too_many"]
        assert refused.value.params == {"cast": "4", "voters": "3"}
        assert refused.value.render(translator("en").gettext).startswith(
            "That is 4 hands, but only 3 official members are present"
        )
        vote, counted = await resolution.record_hands(
            session=session,
            meeting=m1,
            item_id=None,
            counts=(2, 0, 1),
            actor=world.who("T"),
            now=now,
            rules=RULES,
        )
        assert counted == Tally(2, 0, 1, 3) and counted.adopted
        assert (vote.for_count, vote.against_count, vote.abstain_count, vote.voters) == (2, 0, 1, 3)
        assert [v.id for v in await resolution.votes_of(session, world.held["M1"])] == [vote.id]


@pytest.fixture
async def fresh(database_url: str) -> AsyncIterator[World]:
    """Thôn 3 as seeded, with Lan and Cường, and an extraordinary meeting at 19:30 on 03/12/2026."""
    w, engine = await seeded(database_url)
    try:
        await w.plan(
            "X",
            hanoi(2026, 12, 3, 19, 30),
            planned=hanoi(2026, 11, 26, 11),
            send_notice=False,
            kind=Kind.EXTRAORDINARY,
        )
        yield w
    finally:
        await engine.dispose()


async def test_a_vote_in_the_bot_takes_one_ballot_from_each_official_member_present(fresh: World) -> None:
    w = fresh
    await w.open("X", hanoi(2026, 12, 3, 19, 30))
    async with w.sessions() as session:
        meeting = await session.get(Meeting, w.held["X"])
        assert meeting is not None
        assert await resolution.voters(session, meeting) == []  # nobody checked in yet
    await w.check_in("X", "THLC", hanoi(2026, 12, 3, 19, 35))  # Bình and Ân stay away

    now = w.at(hanoi(2026, 12, 3, 19, 50))
    async with w.sessions.begin() as session:
        meeting = await session.get(Meeting, w.held["X"])
        cell = await session.get(Cell, w.s.cell)
        assert meeting is not None and cell is not None
        # Open: the check-ins count. Lan is probationary, Cường exempt, Bình and Ân absent.
        assert sorted(await resolution.voters(session, meeting)) == sorted(w.ids[k] for k in "TH")
        with pytest.raises(UserError) as refused:
            await resolution.record_hands(
                session=session,
                meeting=meeting,
                item_id=None,
                counts=(2, 0, 1),
                actor=w.who("T"),
                now=now,
                rules=RULES,
            )
        assert refused.value.params == {"cast": "3", "voters": "2"}
        vote = await resolution.open_ballot(
            session=session, meeting=meeting, cell=cell, item_id=None, actor=w.who("T"), now=now, rules=RULES
        )
        assert vote.voters == 2
        with pytest.raises(UserError):  # one vote open at a time
            await resolution.open_ballot(
                session=session,
                meeting=meeting,
                cell=cell,
                item_id=None,
                actor=w.who("T"),
                now=now,
                rules=RULES,
            )
    ballots = await w.outbox(resolution.VOTE_PURPOSE)
    assert sorted(w.key_of(r.person_id or 0) for r in ballots) == ["H", "T"]
    assert render(ballots[0], "en").startswith("Vote of Chi bộ thôn 3 on: the whole resolution\n")

    async def cast(key: str, choice: Choice) -> None:
        async with w.sessions.begin() as session:
            meeting = await session.get(Meeting, w.held["X"])
            row = await session.get(Vote, vote.id)
            assert meeting is not None and row is not None
            await resolution.cast(
                session=session, meeting=meeting, vote=row, person_id=w.ids[key], choice=choice, now=w.clock()
            )

    for key in "LCAB":  # probationary, exempt, absent, absent
        with pytest.raises(UserError) as refused:
            await cast(key, Choice.FOR)
        assert "Only the official members checked in when the vote opened" in refused.value.message, key
    await cast("H", Choice.FOR)
    with pytest.raises(UserError):
        await cast("H", Choice.AGAINST)  # once, never changed
    await cast("T", Choice.AGAINST)

    async with w.sessions.begin() as session:
        meeting = await session.get(Meeting, w.held["X"])
        closing = await resolution.open_vote(session, w.held["X"])
        assert meeting is not None and closing is not None
        assert await resolution.result(session, closing) == Tally(1, 1, 0, 2)
        counted = await resolution.close_ballot(
            session=session, meeting=meeting, vote=closing, actor=w.who("T"), now=w.at(hanoi(2026, 12, 3, 20))
        )
        assert counted == Tally(1, 1, 0, 2) and not counted.adopted  # exactly half is not adopted
    results = [r for r in await w.outbox(resolution.VOTE_PURPOSE) if r.occurrence.startswith("result:")]
    assert sorted(w.key_of(r.person_id or 0) for r in results) == ["H", "T"]
    assert render(results[0], "en") == (
        "Result of the vote on: the whole resolution\nFor 1, against 1, abstain 0, of 2 voters: not adopted"
    )
    with pytest.raises(UserError) as refused:
        await cast("B", Choice.FOR)
    assert refused.value.message == "That vote has closed."

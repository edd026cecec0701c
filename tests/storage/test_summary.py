"""The secretary's summary of a meeting (bot.services.summary, issue 14): its text in English and in
Vietnamese compared whole with what a secretary would write by hand, its files re-opened (XLSX with
openpyxl, DOCX with python-docx), the committee's copy, how it is cut for Telegram, what `send` queues,
the periods /summary takes, and a member's own year (bot.services.my_year); on both engines.

The meeting is the roll-call report's (tests/storage/test_rollcall_report.py), as the secretary lived it,
every step through the services at its own time (Hà Nội):

- Chi bộ thôn 3 is seeded on 26/11/2026: 17 official members and 2 probationary (Hoàng Thị Yến, Ma Đức
  Thịnh); Trần Văn Bình is exempt from meetings since 15/03/2021; each of the 19 has 10 households (190).
  Đỗ Minh Tuấn, of the commune office's cell, also has a residence tie (đảng viên 213) to thôn 3. He and
  every member link a Telegram account, but for the two the sample list has no phone for: Trần Văn Bình
  and Triệu Văn Long.
- The regular meeting is planned at 10:00 on 26/11 for 19:30 on 28/11/2026, Nhà văn hóa thôn 3, with two
  agenda items (1. Tình hình an ninh trật tự tháng 11, 2. Kế hoạch làm đường bê tông xóm Việt Tiến);
  Hoàng Văn Thắng (secretary) chairs, Nguyễn Thị Hương (deputy) takes the minutes. The notice reaches
  everyone invited but Triệu Văn Long, who has no chat linked (Bình, exempt, is not invited).
- 27/11, 16:00: Hoàng Văn Thắng visits the household of Bùi Văn Tuấn (Xóm Việt Thắng, thôn 3; housing),
  who asks for help to repair the roof before the rainy season (follow up by 15/12/2026); Lê Quang Hải
  visits Quan Công Nghĩa (Xóm Ngành Nghề, thôn 3; income and poverty status, policy explained).
- 27/11, 20:00, answers: nine say they will attend (Triệu Văn Long through the secretary: no phone);
  Nông Thị Lan asks to be excused for illness, Nguyễn Văn Sơn for a business trip, Lý Văn Phúc for his
  daughter's wedding; the six others never answer. 21:00: Lan sends a written view.
- 28/11: opened at 19:30. At 19:35 eight of those who said they would come check in, with two who never
  answered (Quan Văn Tuấn, Hoàng Thị Yến) and Đỗ Minh Tuấn; at 19:40 the secretary ticks in Bùi Xuân
  Trường; Ma Đức Thịnh checks in at 19:55, late. Triệu Văn Long said he would come and never did.
- 19:45 item 1: Lê Quang Hải speaks (19:50); Phạm Đức Minh sends a voice note of 1:23 (20:00); 20:10 the
  chair concludes item 1. 20:15 item 2: Vũ Thị Mai makes a proposal (20:20, tagged at 20:21).
- 20:50 the whole resolution by show of hands: 8 for, 0 against, 1 abstaining, of the 9 official
  members present. 20:55 a task on item 2, due 31/12/2026, for Vũ Thị Mai and Lê Quang Hải.
- Closed at 21:10: Lan's reason accepted, Sơn's rejected, Phúc's left as it stands. 21:15 dues for
  11/2026 ticked for everyone but Triệu Văn Long and Hà Thị Thủy (Đỗ Minh Tuấn pays in his own cell).
  21:18 Lê Quang Hải reports his part of the task in progress, "Đã họp với các hộ xóm Việt Tiến".
- The summary is compiled at 21:20.

So, by hand: the roll call is the report's (19 members, 1 exempt, 11 of 18 present, 1 late, 2 absent
with reason, 5 without, 1 of QĐ 213, 2 unpaid, 100 minutes); 3 of the 11 present spoke (Hải, Minh, Mai:
27 %, half up), Lan's written view is not "spoken"; the vote is adopted (8 of 9 is more than half); the
task lists Hải before Mai (given names); visits are counted from a month before the meeting (there was
no meeting before it): 2 visits, 2 of 190 households this month (1 %), none overdue (assigned on 26/11,
so no household had a whole month yet), 1 follow-up open (its request is listed just above it, and not
written twice); coverage per member in alphabetical order by given name, the exempt Trần Văn Bình among
them (he still has households). The notice could not reach Triệu Văn Long (no chat linked).

Apart from that meeting: one nobody closed (closed by the job at the expected end plus the grace), one
without a single contribution, one where Đỗ Minh Tuấn (QĐ 213) stays away, each on its own database; and
a summary of 40 members and 150 contributions built by hand, to see how it is cut for Telegram.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import docx
import openpyxl
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bot import markup, seeding
from bot.config import Config
from bot.domain import Attachment, Reply
from bot.errors import UserError
from bot.i18n import translator
from bot.meetings import schedule as rule_maths
from bot.meetings.contributions import Kind as SaidKind
from bot.meetings.resolution import Status
from bot.meetings.rules import Answer, Kind, Rules, State, Verdict
from bot.meetings.rules import Attendance as Final
from bot.meetings.visits import PeriodKind
from bot.present import FULL, present
from bot.services import (
    attendance,
    contributions,
    dues,
    meetings,
    my_year,
    resolution,
    schedules,
    summary,
    visits,
)
from bot.services.audit import Actor
from bot.services.rollcall import RollCall
from bot.services.summary_model import (
    CharterLine,
    Item,
    MemberCoverageLine,
    Said,
    ScheduleChange,
    Summary,
    TaskPart,
    VisitsPart,
    VoteLine,
)
from storage.db import Sessions, make_engine, make_sessions
from storage.models import Cell, Household, Meeting, Membership, OutboxMessage, Person, Task

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
SEEDED = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # 10:00 on 26/11/2026 in Hanoi
SEED_DAY = date(2026, 11, 26)
MEETING_DAY = date(2026, 11, 28)
RULES = Rules()
EN = translator("en").gettext
VI = translator("vi").gettext

PLACE = "Nhà văn hóa thôn 3"
ITEM_1 = "Tình hình an ninh trật tự tháng 11"
ITEM_2 = "Kế hoạch làm đường bê tông xóm Việt Tiến"
SAID_HAI = "Tháng 11 trên địa bàn thôn không xảy ra vụ việc phức tạp về an ninh trật tự."
SAID_MAI = "Đề nghị mỗi hộ xóm Việt Tiến góp 5 ngày công để làm đường bê tông."
SAID_LAN = "Tôi nhất trí với kế hoạch làm đường, đề nghị chi bộ vận động các hộ cùng góp ngày công."
CONCLUSION_1 = "Giữ vững an ninh trật tự; duy trì tổ tuần tra ban đêm."
TASK = "Vận động các hộ xóm Việt Tiến góp ngày công làm đường"
TASK_DUE = date(2026, 12, 31)
TASK_NOTE = "Đã họp với các hộ xóm Việt Tiến"
HEAD_1, ADDRESS_1 = "Bùi Văn Tuấn", "Xóm Việt Thắng, thôn 3"  # Hoàng Văn Thắng's household
HEAD_2, ADDRESS_2 = "Quan Công Nghĩa", "Xóm Ngành Nghề, thôn 3"  # Lê Quang Hải's household
REQUEST = "Xin hỗ trợ sửa mái nhà trước mùa mưa"
FOLLOW_UP_DUE = date(2026, 12, 15)
NO_PHONE = {"Trần Văn Bình", "Triệu Văn Long"}  # the two members the sample list has no phone for

THANG, HUONG, HAI, MAI, MINH, LAN = (
    "Hoàng Văn Thắng",
    "Nguyễn Thị Hương",
    "Lê Quang Hải",
    "Vũ Thị Mai",
    "Phạm Đức Minh",
    "Nông Thị Lan",
)
# Each of the 19 members, in Vietnamese alphabetical order by given name.
MEMBERS = (
    "Dương Thị Ngọc Ánh",
    "Trần Văn Bình",
    "Ma Văn Cường",
    "Đỗ Thị Thu Hà",
    "Lê Quang Hải",
    "Nguyễn Thị Hương",
    "Đặng Minh Khôi",
    "Nông Thị Lan",
    "Triệu Văn Long",
    "Vũ Thị Mai",
    "Phạm Đức Minh",
    "Lý Văn Phúc",
    "Nguyễn Văn Sơn",
    "Hoàng Văn Thắng",
    "Ma Đức Thịnh",
    "Hà Thị Thủy",
    "Bùi Xuân Trường",
    "Quan Văn Tuấn",
    "Hoàng Thị Yến",
)
VISITORS = {HAI, THANG}


def at(hour: int, minute: int, day: int = 28) -> datetime:
    """A moment in November 2026, Hanoi time."""
    return datetime(2026, 11, day, hour, minute, tzinfo=HANOI)


# ------------------------------------------------------------------------------------------ the story


@dataclass
class Thon3:
    """Chi bộ thôn 3 and one meeting of it, driven step by step through the services."""

    sessions: Sessions
    cell_id: int
    secretary: Actor
    people: dict[str, Person] = field(default_factory=dict)  # by full name
    meeting_id: int = 0

    def id(self, name: str) -> int:
        person_id = self.people[name].id
        assert person_id is not None
        return person_id

    def own(self, name: str) -> Actor:
        return Actor("test", self.id(name))

    async def plan(self, agenda: tuple[str, ...], *, minute_taker: str | None = None) -> None:
        async with self.sessions.begin() as session:
            cell = await session.get(Cell, self.cell_id)
            assert cell is not None
            meeting = await meetings.create(
                session=session,
                cell=cell,
                plan=meetings.Plan(
                    kind=Kind.REGULAR,
                    starts_at=at(19, 30),
                    place=PLACE,
                    agenda=agenda,
                    minute_taker_person_id=self.id(minute_taker) if minute_taker else None,
                ),
                actor=self.secretary,
                now=SEEDED,
                rules=RULES,
                default_length=timedelta(hours=2),
                tz=HANOI,
            )
            assert meeting.id is not None
            self.meeting_id = meeting.id

    async def visit(
        self, name: str, head: str, topics: tuple[str, ...], request: str | None, due: date | None
    ) -> None:
        async with self.sessions.begin() as session:
            cell = await session.get(Cell, self.cell_id)
            assert cell is not None
            household = (
                await session.exec(
                    select(Household).where(Household.cell_id == self.cell_id, Household.head_name == head)
                )
            ).one()
            assert household.id is not None
            await visits.record_visit(
                session=session,
                cell=cell,
                person_id=self.id(name),
                household_id=household.id,
                form=visits.VisitForm(
                    day=date(2026, 11, 27), topics=topics, request=request, follow_up_due=due
                ),
                today=date(2026, 11, 27),
                kind=PeriodKind.MONTH,
                actor=self.own(name),
                now=at(16, 0, day=27),
            )

    async def answer(self, name: str, given: Answer, reason: str | None, when: datetime) -> None:
        async with self.sessions.begin() as session:
            meeting = await session.get(Meeting, self.meeting_id)
            assert meeting is not None
            await attendance.answer(
                session=session,
                meeting=meeting,
                person=self.people[name],
                given=given,
                reason=reason,
                actor=self.secretary if name in NO_PHONE else self.own(name),
                now=when,
                rules=RULES,
                tz=HANOI,
            )

    async def open(self, when: datetime) -> None:
        async with self.sessions.begin() as session:
            meeting = await session.get(Meeting, self.meeting_id)
            assert meeting is not None
            await attendance.open_meeting(
                session=session, meeting=meeting, actor=self.secretary, now=when, rules=RULES, tz=HANOI
            )

    async def check_in(self, name: str, when: datetime, *, by_secretary: bool = False) -> None:
        async with self.sessions.begin() as session:
            meeting = await session.get(Meeting, self.meeting_id)
            assert meeting is not None
            row = await attendance.check_in(
                session=session,
                meeting=meeting,
                person_id=self.id(name),
                actor=self.secretary if by_secretary else self.own(name),
                now=when,
                rules=RULES,
                tz=HANOI,
            )
            assert row is not None, name

    async def next_item(self, when: datetime) -> None:
        async with self.sessions.begin() as session:
            meeting = await session.get(Meeting, self.meeting_id)
            assert meeting is not None
            assert await contributions.move_to(
                session=session, meeting=meeting, wanted=None, actor=self.secretary, now=when, rules=RULES
            )

    async def say(self, name: str, when: datetime, body: str, *, attachment: Attachment | None = None) -> int:
        async with self.sessions.begin() as session:
            meeting = await session.get(Meeting, self.meeting_id)
            cell = await session.get(Cell, self.cell_id)
            assert meeting is not None and cell is not None
            said = await contributions.add(
                session=session,
                meeting=meeting,
                cell=cell,
                person_id=self.id(name),
                body=body,
                actor=self.own(name),
                now=when,
                rules=RULES,
                tz=HANOI,
                attachment=attachment,
            )
            assert said.id is not None
            return said.id

    async def close(self, when: datetime, verdicts: dict[str, Verdict]) -> None:
        async with self.sessions.begin() as session:
            meeting = await session.get(Meeting, self.meeting_id)
            assert meeting is not None
            await attendance.close(
                session=session,
                meeting=meeting,
                verdicts={self.id(name): verdict for name, verdict in verdicts.items()},
                actor=self.secretary,
                now=when,
                rules=RULES,
                tz=HANOI,
            )

    async def compile(self, *, full: bool = True, now: datetime | None = None) -> Summary:
        async with self.sessions() as session:
            meeting = await session.get(Meeting, self.meeting_id)
            assert meeting is not None
            return await summary.compile_summary(
                session=session,
                meeting=meeting,
                now=now or at(21, 20),
                rules=RULES,
                tz=HANOI,
                today=MEETING_DAY,
                visit_period=PeriodKind.MONTH,
                full=full,
            )


async def seeded(engine: AsyncEngine) -> Thon3:
    """Chi bộ thôn 3 as seeded on 26/11/2026, Đỗ Minh Tuấn's residence tie, the members' chats linked."""
    sessions = make_sessions(engine)
    async with sessions.begin() as session:
        world = await seeding.thon3(session, now=SEEDED, today=SEED_DAY)
        assert world.cell.id is not None and world.organiser.id is not None
        session.add(
            Membership(
                person_id=world.organiser.id, cell_id=world.cell.id, kind="residence", valid_from=SEED_DAY
            )
        )
        for number, person in enumerate([*world.members, world.organiser], start=1):
            if person.full_name not in NO_PHONE:
                seeding.link(session, person, platform="telegram", external_id=str(7000 + number), now=SEEDED)
    thon3 = Thon3(sessions, world.cell.id, Actor("test", world.secretary))
    thon3.people = {p.full_name: p for p in [*world.members, world.organiser]}
    assert len(world.members) == 19 and thon3.id(THANG) == world.secretary and thon3.id(HUONG) == world.deputy
    return thon3


@pytest.fixture
async def story(database_url: str) -> AsyncIterator[Thon3]:
    """The meeting of 28/11/2026 as told in the module's docstring, summarised at 21:20."""
    engine = make_engine(database_url)
    try:
        w = await seeded(engine)
        await w.plan((ITEM_1, ITEM_2), minute_taker=HUONG)

        await w.visit(THANG, HEAD_1, ("housing",), REQUEST, FOLLOW_UP_DUE)
        await w.visit(HAI, HEAD_2, ("income", "policy"), None, None)

        for name in (THANG, HUONG, "Ma Văn Cường", HAI, MINH, "Đỗ Thị Thu Hà", MAI, "Bùi Xuân Trường"):
            await w.answer(name, Answer.ATTEND, None, at(20, 0, day=27))
        await w.answer("Triệu Văn Long", Answer.ATTEND, None, at(20, 0, day=27))
        await w.answer(LAN, Answer.ABSENT, ":illness", at(20, 0, day=27))
        await w.answer("Nguyễn Văn Sơn", Answer.ABSENT, ":work", at(20, 0, day=27))
        await w.answer("Lý Văn Phúc", Answer.ABSENT, "Đám cưới con gái", at(20, 0, day=27))
        await w.say(LAN, at(21, 0, day=27), SAID_LAN)  # excused: a written view

        await w.open(at(19, 30))
        for name in (THANG, HUONG, "Ma Văn Cường", HAI, MINH, "Đỗ Thị Thu Hà", MAI):
            await w.check_in(name, at(19, 35))
        await w.check_in("Quan Văn Tuấn", at(19, 35))  # never answered, came all the same
        await w.check_in("Hoàng Thị Yến", at(19, 35))  # probationary, never answered, came
        await w.check_in("Đỗ Minh Tuấn", at(19, 35))  # the residence tie
        await w.check_in("Bùi Xuân Trường", at(19, 40), by_secretary=True)
        await w.check_in("Ma Đức Thịnh", at(19, 55))  # late: more than 15 minutes after opening

        await w.next_item(at(19, 45))
        await w.say(HAI, at(19, 50), SAID_HAI)
        await w.say(
            MINH, at(20, 0), "", attachment=Attachment("voice", "voice-minh-1", duration=83, size=96_000)
        )
        async with w.sessions.begin() as session:
            meeting = await session.get(Meeting, w.meeting_id)
            assert meeting is not None
            item_1, item_2 = await meetings.agenda_items(session, w.meeting_id)
            assert await resolution.conclude(
                session=session,
                meeting=meeting,
                item=item_1,
                text=CONCLUSION_1,
                actor=w.secretary,
                now=at(20, 10),
                rules=RULES,
            )
            item_2_id = item_2.id
        await w.next_item(at(20, 15))
        proposal = await w.say(MAI, at(20, 20), SAID_MAI)
        async with w.sessions.begin() as session:
            meeting = await session.get(Meeting, w.meeting_id)
            assert meeting is not None
            said = await contributions.get_own(session, proposal, meeting, w.id(MAI))
            assert await contributions.revise(
                session=session,
                contribution=said,
                meeting=meeting,
                actor=w.own(MAI),
                now=at(20, 21),
                rules=RULES,
                kind=SaidKind.PROPOSAL,
            )

        async with w.sessions.begin() as session:
            meeting = await session.get(Meeting, w.meeting_id)
            cell = await session.get(Cell, w.cell_id)
            assert meeting is not None and cell is not None
            await resolution.record_hands(
                session=session,
                meeting=meeting,
                item_id=None,
                counts=(8, 0, 1),
                actor=w.secretary,
                now=at(20, 50),
                rules=RULES,
            )
            task = await resolution.assign(
                session=session,
                meeting=meeting,
                cell=cell,
                item_id=item_2_id,
                title=TASK,
                due=TASK_DUE,
                person_ids=[w.id(MAI), w.id(HAI)],
                actor=w.secretary,
                now=at(20, 55),
                rules=RULES,
                tz=HANOI,
            )
            task_id = task.id

        await w.close(at(21, 10), {LAN: Verdict.ACCEPTED, "Nguyễn Văn Sơn": Verdict.REJECTED})

        unpaid = {"Triệu Văn Long", "Hà Thị Thủy", "Đỗ Minh Tuấn"}  # Đỗ Minh Tuấn pays in his own cell
        async with w.sessions.begin() as session:
            for name, person in w.people.items():
                if name not in unpaid:
                    assert await dues.tick(
                        session=session,
                        person=person,
                        month=date(2026, 11, 1),
                        actor=w.secretary,
                        now=at(21, 15),
                        today=MEETING_DAY,
                    )
            task_row = await session.get(Task, task_id)
            assert task_row is not None
            assert await resolution.set_status(
                session=session,
                task=task_row,
                person_id=w.id(HAI),
                status=Status.IN_PROGRESS,
                note=TASK_NOTE,
                actor=w.own(HAI),
                now=at(21, 18),
                may_change_others=False,
            )
        yield w
    finally:
        await engine.dispose()


# ------------------------------------------------------------------------------------ 1. golden text

COVERAGE_EN = "\n".join(f"• {name}: {1 if name in VISITORS else 0}/10 visited, 0 overdue" for name in MEMBERS)
COVERAGE_VI = "\n".join(f"• {name}: đã thăm {1 if name in VISITORS else 0}/10, quá hạn 0" for name in MEMBERS)

ENGLISH = f"""\
Summary of the meeting
Roll call: regular meeting of Chi bộ thôn 3, 19:30 28/11/2026 (month 11/2026)
Members: 19 (official 17, probationary 2)
Exempt from meetings: 1 — Trần Văn Bình
Present: 11 of 18 — Ma Văn Cường, Đỗ Thị Thu Hà, Lê Quang Hải, Nguyễn Thị Hương, Vũ Thị Mai, \
Phạm Đức Minh, Hoàng Văn Thắng, Ma Đức Thịnh, Bùi Xuân Trường, Quan Văn Tuấn, Hoàng Thị Yến
Late: 1 — Ma Đức Thịnh (19:55)
Absent with reason: 2 — Nông Thị Lan (illness), Lý Văn Phúc (Đám cưới con gái)
Absent without reason: 5 — Dương Thị Ngọc Ánh, Đặng Minh Khôi, Triệu Văn Long, Nguyễn Văn Sơn, Hà Thị Thủy
Members working elsewhere (QĐ 213) present: 1 — Đỗ Minh Tuấn
Party dues not paid for 11/2026: 2 — Triệu Văn Long, Hà Thị Thủy
The notice could not reach: 1 — Triệu Văn Long (has not linked a chat account yet)
Opened 19:30, closed 21:10: 100 minutes.

Discussion
Spoke: 3 of 11 members present (27%). Written views: 1.
1. {ITEM_1}
• Lê Quang Hải: {SAID_HAI}
• Phạm Đức Minh: [voice note 1:23]
Conclusion: {CONCLUSION_1}
2. {ITEM_2}
• Vũ Thị Mai (proposal): {SAID_MAI}
Written views from absent members:
• Nông Thị Lan: {SAID_LAN}

Votes and tasks
• Vote on the whole resolution: 8 for, 0 against, 1 abstaining, of 9: adopted.
Tasks given: 1
• {TASK} (31/12/2026)
    Lê Quang Hải: in progress — {TASK_NOTE}
    Vũ Thị Mai: not started

Household visits
Visits since 28/10/2026: 2. This period (11/2026): households visited 2 of 190 (1%), overdue: 0, \
follow-ups open: 1.
{COVERAGE_EN}
Residents' requests:
• 27/11 Bùi Văn Tuấn (Hoàng Văn Thắng): {REQUEST}
Open follow-ups:
• 15/12 Bùi Văn Tuấn (Hoàng Văn Thắng)"""

VIETNAMESE = f"""\
Tổng hợp cuộc họp
Kết quả điểm danh: sinh hoạt thường kỳ của Chi bộ thôn 3, 19:30 28/11/2026 (kỳ sinh hoạt tháng 11/2026)
Tổng số đảng viên: 19 (chính thức 17, dự bị 2)
Miễn sinh hoạt: 1 — Trần Văn Bình
Có mặt: 11/18 — Ma Văn Cường, Đỗ Thị Thu Hà, Lê Quang Hải, Nguyễn Thị Hương, Vũ Thị Mai, Phạm Đức Minh, \
Hoàng Văn Thắng, Ma Đức Thịnh, Bùi Xuân Trường, Quan Văn Tuấn, Hoàng Thị Yến
Đi muộn: 1 — Ma Đức Thịnh (19:55)
Vắng có lý do: 2 — Nông Thị Lan (Ốm), Lý Văn Phúc (Đám cưới con gái)
Vắng không lý do: 5 — Dương Thị Ngọc Ánh, Đặng Minh Khôi, Triệu Văn Long, Nguyễn Văn Sơn, Hà Thị Thủy
Đảng viên làm việc nơi khác (QĐ 213) có mặt: 1 — Đỗ Minh Tuấn
Chưa đóng đảng phí tháng 11/2026: 2 — Triệu Văn Long, Hà Thị Thủy
Thông báo không gửi tới được: 1 — Triệu Văn Long (chưa liên kết tài khoản)
Khai mạc lúc 19:30, kết thúc lúc 21:10: 100 phút.

Thảo luận
Đã phát biểu: 3/11 đảng viên có mặt (27%). Ý kiến bằng văn bản: 1.
1. {ITEM_1}
• Lê Quang Hải: {SAID_HAI}
• Phạm Đức Minh: [tin nhắn thoại 1:23]
Kết luận: {CONCLUSION_1}
2. {ITEM_2}
• Vũ Thị Mai (kiến nghị, đề xuất): {SAID_MAI}
Ý kiến bằng văn bản của đảng viên vắng mặt:
• Nông Thị Lan: {SAID_LAN}

Biểu quyết và nhiệm vụ
• Biểu quyết toàn văn nghị quyết: 8 tán thành, 0 không tán thành, 1 không biểu quyết, trên 9: được thông qua.
Nhiệm vụ được giao: 1
• {TASK} (31/12/2026)
    Lê Quang Hải: đang thực hiện — {TASK_NOTE}
    Vũ Thị Mai: chưa bắt đầu

Thăm hộ gia đình
Từ 28/10/2026: 2 lượt thăm. Kỳ này (11/2026): đã thăm 2/190 hộ (1%), 0 hộ quá hạn, 1 việc cần theo dõi.
{COVERAGE_VI}
Kiến nghị của nhân dân:
• 27/11 Bùi Văn Tuấn (Hoàng Văn Thắng): {REQUEST}
Việc cần theo dõi:
• 15/12 Bùi Văn Tuấn (Hoàng Văn Thắng)"""


async def test_the_summary_reads_as_a_secretary_would_write_it_in_english(story: Thon3) -> None:
    assert summary.plain(await story.compile(), EN) == ENGLISH


async def test_the_summary_reads_as_a_secretary_would_write_it_in_vietnamese(story: Thon3) -> None:
    assert summary.plain(await story.compile(), VI) == VIETNAMESE


async def test_the_summary_names_the_member_the_notice_could_not_reach(story: Thon3) -> None:
    """Issue 14 lists "unreachable" among the summary's attendance figures. Triệu Văn Long has no chat
    linked, so the notice never reached him; the roll call knows it, the summary should say it (in the
    roll call's own words for it)."""
    compiled = await story.compile()
    assert compiled.roll.unreachable == [("Triệu Văn Long", "not_linked")]
    text = summary.plain(compiled, EN)
    assert "The notice could not reach: 1 — Triệu Văn Long (has not linked a chat account yet)" in text


async def test_a_schedule_change_before_the_close_is_listed_in_words(story: Thon3) -> None:
    """At noon on 28/11 the secretary sets the cell's rhythm, monthly on the 5th at 19:30; at 21:19,
    after the close, he moves it to the 10th. The summary lists the first (day, who, what it became, in
    words in the reader's language) and not the second: it came after this meeting."""
    for when, day in ((at(12, 0), 5), (at(21, 19), 10)):
        async with story.sessions.begin() as session:
            cell = await session.get(Cell, story.cell_id)
            assert cell is not None
            await schedules.set_rule(
                session=session,
                rule=rule_maths.Rule(rhythm=rule_maths.Rhythm.DAY, at=time(19, 30), day=day),
                actor=story.secretary,
                now=when,
                rules=RULES,
                default_tz=HANOI,
                cell=cell,
            )
    compiled = await story.compile()
    assert [(c.day, c.who, c.what) for c in compiled.schedule_changes] == [
        (MEETING_DAY, THANG, "schedule.set")
    ]
    english = summary.plain(compiled, EN).split("\n\n")
    assert english[:-1] == ENGLISH.split("\n\n")  # the rest as it was
    assert english[-1] == (
        "Schedule changes since the last meeting\n"
        "• 28/11/2026 Hoàng Văn Thắng: schedule changed; monthly on day 5 at 19:30"
    )
    assert summary.plain(compiled, VI).split("\n\n")[-1] == (
        "Thay đổi lịch từ cuộc họp trước\n"
        "• 28/11/2026 Hoàng Văn Thắng: đổi lịch sinh hoạt; ngày 5 hằng tháng, lúc 19:30"
    )


# ------------------------------------------------------------------------------------- 2. the workbook


def workbook(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def the_file(made: dict[str, bytes], extension: str) -> bytes:
    [content] = [content for name, content in made.items() if name.endswith(f".{extension}")]
    return content


def all_cells(book: openpyxl.Workbook) -> str:
    return "\n".join(
        str(value) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for value in row
    )


async def test_the_workbook_holds_the_roll_call_the_task_and_the_visits(story: Thon3) -> None:
    compiled = await story.compile()
    made = summary.files(compiled, EN)
    assert sorted(made) == [
        f"bien-ban-chi-bo-thon-3-11-2026-{story.meeting_id}.docx",
        f"so-lieu-chi-bo-thon-3-11-2026-{story.meeting_id}.xlsx",
    ]  # one meeting held: no chart yet
    book = workbook(the_file(made, "xlsx"))
    assert book.sheetnames == ["Attendance", "Contributions", "Tasks", "Visits"]
    assert all(sheet.freeze_panes == "A2" for sheet in book.worksheets)

    rows = list(book["Attendance"].iter_rows(values_only=True))
    assert rows[0] == ("Full name", "Attendance", "Reason", "Dues paid for 11/2026")
    assert [row[0] for row in rows[1:]] == list(MEMBERS)  # every member once, by given name
    states = Counter(row[1] for row in rows[1:])
    assert states == {
        "present": 10,
        "late (19:55)": 1,
        "absent with reason": 2,
        "absent without reason": 5,
        "exempt": 1,
    }
    roll = compiled.roll
    assert (len(roll.present), len(roll.late), len(roll.excused), len(roll.unexcused), len(roll.exempt)) == (
        states["present"],
        states["late (19:55)"],
        states["absent with reason"],
        states["absent without reason"],
        states["exempt"],
    )
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name[LAN][1:3] == ("absent with reason", "illness")
    assert by_name["Lý Văn Phúc"][1:3] == ("absent with reason", "Đám cưới con gái")
    assert by_name["Nguyễn Văn Sơn"][1] == "absent without reason"  # his reason was rejected
    assert {name for name, *_, paid in rows[1:] if paid == "no"} == {"Triệu Văn Long", "Hà Thị Thủy"}

    said = list(book["Contributions"].iter_rows(values_only=True))[1:]
    assert [(row[0], row[2], row[3], row[5]) for row in said] == [
        (1, HAI, "comment", "no"),
        (1, MINH, "comment", "no"),
        (2, MAI, "proposal", "no"),
        (None, LAN, "comment", "yes"),
    ]

    tasks = list(book["Tasks"].iter_rows(values_only=True))
    assert tasks[0] == ("Task", "Deadline", "Full name", "Progress", "Note", "Given at")
    assert [(t[0], t[1].date(), t[2], t[3], t[4]) for t in tasks[1:]] == [
        (TASK, TASK_DUE, HAI, "in progress", TASK_NOTE),
        (TASK, TASK_DUE, MAI, "not started", None),
    ]

    visited = list(book["Visits"].iter_rows(values_only=True))
    assert visited[0] == ("Day", "Member", "Head of household", "Address", "Topics")
    assert [(v[0].date(), v[1], v[2], v[3]) for v in visited[1:3]] == [
        (date(2026, 11, 27), THANG, HEAD_1, ADDRESS_1),
        (date(2026, 11, 27), HAI, HEAD_2, ADDRESS_2),
    ]
    assert REQUEST in all_cells(book)
    # Columns fit their longest value (within reason): the longest name, the request.
    assert book["Attendance"].column_dimensions["A"].width >= len("Dương Thị Ngọc Ánh")
    assert book["Visits"].column_dimensions["D"].width >= len(REQUEST)


async def test_the_committee_copy_names_no_household_and_no_request(story: Thon3) -> None:
    """A committee member's copy (full=False) keeps the visit counts and coverage but no household's
    head, address or request: not in the text, the workbook or the minutes, in either language."""
    compiled = await story.compile(full=False)
    secret = (HEAD_1, HEAD_2, ADDRESS_1, ADDRESS_2, REQUEST, "Xóm Việt Thắng", "Xóm Ngành Nghề")
    for gettext in (EN, VI):
        made = summary.files(compiled, gettext)
        shown = {
            "text": summary.render(compiled, gettext),
            "xlsx": all_cells(workbook(the_file(made, "xlsx"))),
            "docx": docx_text(the_file(made, "docx")),
        }
        for where, text in shown.items():
            for word in secret:
                assert word not in text, f"{word!r} in the committee's {where}"
    text = summary.plain(compiled, EN)
    assert "Visits since 28/10/2026: 2. This period (11/2026): households visited 2 of 190 (1%)" in text
    assert "• Hoàng Văn Thắng: 1/10 visited, 0 overdue" in text
    visits_sheet = list(
        workbook(the_file(summary.files(compiled, EN), "xlsx"))["Visits"].iter_rows(values_only=True)
    )
    assert visits_sheet[0] == ("Member", "Households", "Visited", "Overdue")
    assert sum(row[2] for row in visits_sheet[1:]) == 2 and sum(row[1] for row in visits_sheet[1:]) == 190


# ---------------------------------------------------------------------------------- 3. the minutes


def docx_paragraphs(content: bytes) -> list[str]:
    """The text of every paragraph, then of every table cell, of a Word document."""
    document = docx.Document(io.BytesIO(content))
    found = [p.text for p in document.paragraphs]
    found += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return found


def docx_text(content: bytes) -> str:
    return "\n".join(docx_paragraphs(content))


@pytest.mark.parametrize("language", ["en", "vi"])
async def test_the_minutes_name_every_absentee_speaker_and_task(story: Thon3, language: str) -> None:
    gettext = translator(language).gettext
    compiled = await story.compile()
    paragraphs = docx_paragraphs(the_file(summary.files(compiled, gettext), "docx"))

    def line_with(*words: str) -> int:
        found = [i for i, p in enumerate(paragraphs) if all(w in p for w in words)]
        assert found, f"no paragraph holds {words}"
        return found[0]

    illness = {"en": "illness", "vi": "Ốm"}[language]
    line_with(LAN, illness)
    line_with("Lý Văn Phúc", "Đám cưới con gái")
    unexcused = line_with(
        "Dương Thị Ngọc Ánh", "Đặng Minh Khôi", "Triệu Văn Long", "Nguyễn Văn Sơn", "Hà Thị Thủy"
    )
    assert paragraphs[unexcused].startswith(gettext("Absent without reason: %(count)s") % {"count": 5})
    # Each speaker under their item, in order; the written view after the items.
    item_1, item_2 = line_with(ITEM_1), line_with(ITEM_2)
    assert item_1 < line_with(HAI, SAID_HAI) < line_with(MINH) < item_2 < line_with(MAI, SAID_MAI)
    assert item_2 < line_with(LAN, SAID_LAN)
    line_with(CONCLUSION_1)
    task = line_with(TASK)
    assert HAI in paragraphs[task] and MAI in paragraphs[task]
    document = docx.Document(io.BytesIO(the_file(summary.files(compiled, gettext), "docx")))
    assert document.styles["Normal"].font.name == "Times New Roman"  # a font with Vietnamese letters


async def test_the_vietnamese_minutes_and_workbook_are_in_vietnamese(story: Thon3) -> None:
    """The fixed phrases of the minutes (issue 14: "T/M CHI BỘ — BÍ THƯ", "THƯ KÝ") and the workbook's
    sheet names, for a Vietnamese reader."""
    made = summary.files(await story.compile(), VI)
    text = docx_text(the_file(made, "docx"))
    for phrase in ("ĐẢNG CỘNG SẢN VIỆT NAM", "BIÊN BẢN", "T/M CHI BỘ", "BÍ THƯ", "THƯ KÝ"):
        assert phrase in text, phrase
    for english in ("MINUTES", "SECRETARY", "Comrade", "Chair", "Minute-taker"):
        assert english not in text, english
    names = workbook(the_file(made, "xlsx")).sheetnames
    assert not {"Attendance", "Contributions", "Tasks", "Visits"} & set(names), names


async def test_the_chair_signs_the_minutes_under_the_office_they_held_that_day(story: Thon3) -> None:
    """Thắng, the secretary, chairs: "T/M CHI BỘ — BÍ THƯ". Had Hương (deputy) or Hải (no office)
    chaired, the minutes would say "PHÓ BÍ THƯ" or "CHỦ TRÌ" above their name, never "BÍ THƯ"."""
    assert (await story.compile()).chair_office == "secretary"
    for name, office in ((HUONG, "deputy_secretary"), (HAI, "")):
        async with story.sessions.begin() as session:
            meeting = await session.get(Meeting, story.meeting_id)
            assert meeting is not None
            meeting.chair_person_id = story.id(name)
        compiled = await story.compile()
        assert (compiled.chair, compiled.chair_office) == (name, office)
    async with story.sessions.begin() as session:  # no chair recorded: the secretary signs, as on paper
        meeting = await session.get(Meeting, story.meeting_id)
        assert meeting is not None
        meeting.chair_person_id = None
    assert ((compiled := await story.compile()).chair, compiled.chair_office) == ("", "secretary")


# ------------------------------------------------------------------------- 4. a meeting nobody closed


async def test_the_summary_of_a_meeting_nobody_closed(database_url: str) -> None:
    """Opened at 19:30, five check in (Ma Đức Thịnh at 19:55, late), Lê Quang Hải speaks on item 1; Nông
    Thị Lan had asked to be excused (illness). Nobody closes it: at 23:30 (expected end 21:30 + 2 h
    grace) the job closes it, and the summary is compiled at 23:35.

    By hand: 5 of 18 present, 1 late; nobody is absent yet, with or without reason: the 13 others, Lan
    included, are unconfirmed until the secretary confirms the roll call, and the summary names them as
    such. Nobody knows how long the meeting lasted: the summary must not write 240 minutes (19:30 to
    the job's 23:30) into the minutes as its duration. 1 of 5 spoke (20 %)."""
    engine = make_engine(database_url)
    try:
        w = await seeded(engine)
        await w.plan((ITEM_1, ITEM_2))
        await w.answer(LAN, Answer.ABSENT, ":illness", at(20, 0, day=27))
        await w.open(at(19, 30))
        for name in (THANG, HUONG, HAI, MAI):
            await w.check_in(name, at(19, 35))
        await w.check_in("Ma Đức Thịnh", at(19, 55))
        await w.next_item(at(19, 45))
        await w.say(HAI, at(19, 50), SAID_HAI)
        async with w.sessions.begin() as session:
            meeting = await session.get(Meeting, w.meeting_id)
            assert meeting is not None
            assert meeting.expected_end + RULES.grace == at(23, 30)
            assert (
                await attendance.auto_close(
                    session=session, meeting=meeting, now=at(23, 30), rules=RULES, tz=HANOI
                )
                == "meeting.auto_close"
            )
        compiled = await w.compile(now=at(23, 35))
    finally:
        await engine.dispose()

    unconfirmed = [n for n in MEMBERS if n not in {THANG, HUONG, HAI, MAI, "Ma Đức Thịnh", "Trần Văn Bình"}]
    assert len(unconfirmed) == 13 and LAN in unconfirmed
    assert compiled.roll.state is State.CLOSED
    assert compiled.roll.unconfirmed == unconfirmed
    text = summary.plain(compiled, EN)
    lines = text.split("\n")
    assert (
        "Present: 5 of 18 — Lê Quang Hải, Nguyễn Thị Hương, Vũ Thị Mai, Hoàng Văn Thắng, Ma Đức Thịnh"
        in lines
    )
    assert "Late: 1 — Ma Đức Thịnh (19:55)" in lines
    assert "Absent with reason: 0" in lines and "Absent without reason: 0" in lines
    assert f"Unconfirmed (roll call not yet confirmed): 13 — {', '.join(unconfirmed)}" in lines
    assert "Spoke: 1 of 5 members present (20%). Written views: 0." in lines
    assert "No vote was taken in the bot." in lines and "Tasks given: 0" in lines
    assert "240" not in text, [line for line in lines if "240" in line]


# ------------------------------------------------------------------------ 5. no contributions at all


async def test_the_summary_of_a_meeting_without_a_single_contribution(database_url: str) -> None:
    """Six check in, nobody says anything in the bot, closed at 21:10: the discussion says so plainly,
    participation 0 of 6, and the files are made all the same."""
    engine = make_engine(database_url)
    try:
        w = await seeded(engine)
        await w.plan((ITEM_1, ITEM_2), minute_taker=HUONG)
        await w.open(at(19, 30))
        for name in (THANG, HUONG, HAI, MAI, MINH, LAN):
            await w.check_in(name, at(19, 35))
        await w.close(at(21, 10), {})
        compiled = await w.compile()
    finally:
        await engine.dispose()

    assert (compiled.spoke, compiled.present, compiled.participation, compiled.contributions) == (0, 6, 0, 0)
    sections = summary.plain(compiled, EN).split("\n\n")
    assert sections[1] == (
        "Discussion\n"
        "Spoke: 0 of 6 members present (0%). Written views: 0.\n"
        f"1. {ITEM_1}\n"
        f"2. {ITEM_2}\n"
        "No contributions were recorded in the bot for this meeting."
    )
    assert sections[2] == "Votes and tasks\nNo vote was taken in the bot.\nTasks given: 0"
    vietnamese = summary.plain(compiled, VI).split("\n\n")[1]
    assert "Đã phát biểu: 0/6 đảng viên có mặt (0%)" in vietnamese
    assert "Cuộc họp này không có ý kiến nào được ghi qua bot." in vietnamese
    made = summary.files(compiled, EN)
    assert docx_paragraphs(the_file(made, "docx")).count("Nobody spoke on this item.") == 2
    assert list(workbook(the_file(made, "xlsx"))["Contributions"].iter_rows(values_only=True))[1:] == []


# ------------------------------------------------------------------------------------- 6. the split

GIVEN = (
    "An", "Bảo", "Cúc", "Dũng", "Đào", "Giang", "Hạnh", "Hiếu", "Khánh", "Lâm",
    "Linh", "Lộc", "Mạnh", "Nga", "Ngọc", "Nhung", "Phong", "Quang", "Quyên", "Sang",
)  # fmt: skip
WORDS = (
    "chi bộ thảo luận kế hoạch phát triển kinh tế xã hội của thôn trong năm tới, đề nghị tăng cường "
    "công tác vận động nhân dân tham gia xây dựng nông thôn mới và giữ gìn an ninh trật tự"
).split()


def long_text(length: int) -> str:
    """Words, and only words, up to about `length` characters."""
    words: list[str] = []
    while len(" ".join(words)) < length:
        words.append(WORDS[len(words) % len(WORDS)])
    return " ".join(words)


def big_summary() -> Summary:
    """A meeting of 40 members, 150 contributions on three items and one more of 5,200 characters (more
    than a Telegram message; the database would cap it at 4,000, so the summary is built by hand)."""
    names = [
        f"{family} {middle} {given}"
        for family, middle in (("Nguyễn", "Văn"), ("Trần", "Thị"))
        for given in GIVEN
    ]
    assert len(set(names)) == 40
    roll = RollCall(
        cell="Chi bộ thôn Đông Xuân",
        kind=Kind.REGULAR,
        when="19:30 05/12/2026",
        month=date(2026, 12, 1),
        state=State.CLOSED,
        official=38,
        probationary=2,
        present=names[:34],
        late=[(names[34], "19:50")],
        excused=[(names[35], ":illness"), (names[36], "Đi làm ăn xa"), (names[37], ":work")],
        unexcused=names[38:],
        unpaid=names[38:],
        opened="19:30",
        closed="21:30",
        minutes=120,
    )
    agenda = [Item(1, "Tình hình kinh tế"), Item(2, "Công tác dân vận"), Item(3, "Nhiệm vụ tháng tới")]
    for number in range(150):
        text = f"Ý kiến số {number + 1}: " + long_text(40 + (number * 37) % 160)
        agenda[number % 3].said.append(Said(names[number % 35], SaidKind.COMMENT, text))
    agenda[1].said.insert(25, Said(names[3], SaidKind.PROPOSAL, LONG))
    agenda[0].conclusion = "Tập trung phát triển kinh tế hộ."
    return Summary(
        meeting_id=99,
        unit="Xã Thái Bình",
        cell=roll.cell,
        place="Nhà văn hóa",
        chair=names[0],
        minute_taker=names[1],
        day=date(2026, 12, 5),
        roll=roll,
        agenda=agenda,
        written=[Said(names[35], SaidKind.COMMENT, "Tôi nhất trí với các nội dung.", written=True)],
        spoke=35,
        present=35,
        votes=[VoteLine(None, 30, 2, 1, 33, True, True)],
        tasks=[TaskPart("Sửa đường liên thôn", date(2026, 12, 31), ((names[2], Status.NOT_STARTED, None),))],
        visits=VisitsPart(
            since=date(2026, 11, 6),
            until=date(2026, 12, 5),
            period="12/2026",
            count=12,
            households=400,
            covered=120,
            coverage=[MemberCoverageLine(name, 10, 3, 0) for name in names],
        ),
        schedule_changes=[ScheduleChange(date(2026, 11, 20), names[0], "meeting.edit", place="Hội trường")],
        charter=[CharterLine(names[38], "warn", "10/2026, 11/2026")],
    )


LONG = "Đề xuất: " + long_text(5200)


def sections_of(text: str) -> list[str]:
    return text.split("\n\n")


def test_a_long_summary_is_cut_at_sections_then_lines_then_words() -> None:
    big = big_summary()
    assert big.contributions == 152 and len(LONG) > 4096
    text = summary.render(big, EN, private=True)  # the secretary's copy: the charter's warnings too
    whole = markup.plain(text)
    pieces = present(Reply(text, markup=True), FULL, EN)
    shown = [markup.plain(piece.text) for piece in pieces]
    assert len(pieces) >= 6
    assert all(piece.markup for piece in pieces)
    assert all(markup.length(piece.text) <= 4096 for piece in pieces), [markup.length(p.text) for p in pieces]

    # The pieces are the whole text in order, with only whitespace left out between them.
    assert " ".join(" ".join(shown).split()) == " ".join(whole.split())
    cursor, cuts = 0, []
    for piece in shown:
        start = whole.index(piece, cursor)
        assert not whole[cursor:start].strip(), whole[cursor:start]
        cuts.append((start, start + len(piece)))
        cursor = start + len(piece)
    assert not whole[cursor:].strip()

    # No cut falls inside a word: where one piece ends and the next begins with nothing left out, one
    # side of the cut is whitespace.
    for (_, end), (start, _) in zip(cuts, cuts[1:], strict=False):
        if end == start:
            assert whole[end - 1].isspace() or whole[start].isspace(), whole[end - 30 : end + 30]

    # A section that fits in a message is never cut; each heading opens a piece or follows a blank line.
    for section in sections_of(whole):
        heading = section.split("\n")[0]
        holding = [piece for piece in shown if heading in piece]
        assert holding, heading
        assert any(p.startswith(heading) or f"\n\n{heading}" in p for p in holding), heading
        if len(section) <= 4096:
            assert any(section in piece for piece in shown), heading
    headings = [section.split("\n")[0] for section in sections_of(whole)]
    assert headings == [
        "Summary of the meeting",
        "Discussion",
        "Votes and tasks",
        "Household visits",
        "Schedule changes since the last meeting",
        "Charter warnings",
    ]
    discussion = sections_of(whole)[1]
    assert len(discussion) > 4096  # so it must be cut, at lines

    # The long contribution is cut across pieces, at word boundaries.
    long_line = next(line for line in whole.split("\n") if LONG in line)
    assert not any(long_line in piece for piece in shown)
    line_start = whole.index(long_line)
    line_end = line_start + len(long_line)
    across = [(start, end) for start, end in cuts if start < line_end and end > line_start]
    assert len(across) >= 2, across  # 5,200 characters: two pieces at least
    inner = [end for _, end in across if line_start < end < line_end]
    assert inner and all(whole[end - 1].isspace() or whole[end].isspace() for end in inner)
    # Every other line lies whole within one piece.
    for line in whole.split("\n"):
        if line and line != long_line:
            assert any(line in piece for piece in shown), line[:80]


# ------------------------------------------------------------------------------------- 7. send


async def outbox(story: Thon3) -> list[OutboxMessage]:
    async with story.sessions() as session:
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.purpose == summary.PURPOSE)
            .order_by(col(OutboxMessage.id))
        )
        return list((await session.exec(query)).all())


async def test_send_queues_the_text_and_files_for_the_secretary_and_deputy_each_in_their_language(
    story: Thon3,
) -> None:
    """Hoàng Văn Thắng (secretary and chair) reads Vietnamese (no choice: the default); Nguyễn Thị
    Hương (deputy) chose English. Each gets one text and the two files (no chart: one meeting held);
    sending again with the same occurrence queues nothing."""
    async with story.sessions.begin() as session:
        deputy = await session.get(Person, story.id(HUONG))
        assert deputy is not None
        deputy.language = "en"

    async def send() -> int:
        async with story.sessions.begin() as session:
            meeting = await session.get(Meeting, story.meeting_id)
            assert meeting is not None
            return await summary.send(
                session=session,
                meeting=meeting,
                config=Config(),
                now=at(21, 20),
                tz=HANOI,
                today=MEETING_DAY,
                occurrence="closed",
            )

    assert await send() == 6
    rows = await outbox(story)
    compiled = await story.compile()
    stem = f"chi-bo-thon-3-11-2026-{story.meeting_id}"
    minutes, figures = f"bien-ban-{stem}.docx", f"so-lieu-{stem}.xlsx"
    by_person: dict[int | None, list[OutboxMessage]] = {}
    for row in rows:
        by_person.setdefault(row.person_id, []).append(row)
    assert set(by_person) == {story.id(THANG), story.id(HUONG)}
    for name, gettext, private in ((THANG, VI, True), (HUONG, EN, False)):
        mine = by_person[story.id(name)]
        assert all(r.subject == f"meeting:{story.meeting_id}" and r.platform == "telegram" for r in mine)
        assert all(r.status == "pending" for r in mine)
        [text] = [r for r in mine if r.document_name is None]
        assert text.text == summary.render(compiled, gettext, private=private)
        files = {r.document_name: r.document for r in mine if r.document_name is not None}
        assert sorted(files) == [minutes, figures]
        expected = summary.files(compiled, gettext)
        assert docx_paragraphs(files[minutes] or b"") == docx_paragraphs(expected[minutes])
        assert all_cells(workbook(files[figures] or b"")) == all_cells(workbook(expected[figures]))
    assert by_person[story.id(THANG)][0].text.startswith("*Tổng hợp cuộc họp*")
    assert by_person[story.id(HUONG)][0].text.startswith("*Summary of the meeting*")

    assert await send() == 0
    assert len(await outbox(story)) == 6


# ------------------------------------------------------------------------------ 8. periods and find


def test_parse_period_reads_nothing_a_month_or_two_days() -> None:
    today = MEETING_DAY
    assert summary.parse_period("", today) == summary.Period()
    assert summary.parse_period("  ", today) == summary.Period()
    assert summary.parse_period("11/2026", today) == summary.Period(month=date(2026, 11, 1))
    assert summary.parse_period("01/10/2026-30/11/2026", today) == summary.Period(
        since=date(2026, 10, 1), until=date(2026, 11, 30)
    )
    assert summary.parse_period("1/10/2026 – 30/11/2026", today) == summary.Period(
        since=date(2026, 10, 1), until=date(2026, 11, 30)
    )
    assert summary.parse_period("01/10-30/11", today) == summary.Period(
        since=date(2026, 10, 1), until=date(2026, 11, 30)
    )


@pytest.mark.parametrize(
    "text", ["31/02/2026-01/03/2026", "30/11/2026-01/10/2026", "abc", "13/2026", "1/2/3/4", "11/2026-"]
)
def test_parse_period_refuses_what_is_no_period(text: str) -> None:
    with pytest.raises(UserError):
        summary.parse_period(text, MEETING_DAY)


async def test_find_the_meeting_by_month_by_days_or_the_last_one_held(story: Thon3) -> None:
    async def found(text: str) -> list[int | None]:
        async with story.sessions() as session:
            period = summary.parse_period(text, MEETING_DAY)
            return [
                m.id for m in await summary.find(session, story.cell_id, period, now=at(21, 20), tz=HANOI)
            ]

    assert await found("") == [story.meeting_id]
    assert await found("11/2026") == [story.meeting_id]
    assert await found("28/11/2026-28/11/2026") == [story.meeting_id]
    assert await found("10/2026") == []
    assert await found("01/10/2026-27/11/2026") == []


# ------------------------------------------------------------------------------------- 9. my year


async def test_my_year_counts_a_members_meetings_contributions_tasks_and_visits(story: Thon3) -> None:
    """Lê Quang Hải in 2026: present at the one meeting, one contribution there, his part of the task
    in progress, one visit to one household. Nông Thị Lan: excused, her written view counted."""
    async with story.sessions() as session:
        hai = await my_year.my_year(session, story.id(HAI), year=2026, tz=HANOI)
        lan = await my_year.my_year(session, story.id(LAN), year=2026, tz=HANOI)
        next_year = await my_year.my_year(session, story.id(HAI), year=2027, tz=HANOI)
    assert hai.meetings == [(MEETING_DAY, "Chi bộ thôn 3", Final.PRESENT)]
    assert (hai.contributions, hai.spoke_at) == (1, 1)
    assert hai.tasks == [(TASK, TASK_DUE, Status.IN_PROGRESS)]
    assert (hai.visits, hai.households_visited) == (1, 1)
    assert my_year.render(hai, EN) == (
        "*Your year 2026*\n"
        "Meetings: present at 1 of 1.\n"
        "• 28/11 Chi bộ thôn 3: present\n"
        "Contributions: 1, at 1 meetings.\n"
        "Tasks: 1\n"
        f"• {TASK} (31/12/2026): in progress\n"
        "Household visits: 1, to 1 households."
    )
    assert lan.meetings == [(MEETING_DAY, "Chi bộ thôn 3", Final.EXCUSED)]
    assert (lan.contributions, lan.tasks, lan.visits) == (1, [], 0)
    assert my_year.render(lan, EN).split("\n")[1] == "Meetings: present at 0 of 1."
    assert (next_year.meetings, next_year.contributions, next_year.tasks, next_year.visits) == ([], 0, [], 0)


async def test_my_year_reads_in_vietnamese(story: Thon3) -> None:
    """Lê Quang Hải's year for a Vietnamese reader: every line in Vietnamese, the heading too."""
    async with story.sessions() as session:
        hai = await my_year.my_year(session, story.id(HAI), year=2026, tz=HANOI)
    heading, *rest = my_year.render(hai, VI).split("\n")
    assert rest == [
        "Sinh hoạt: có mặt 1/1 buổi.",
        "• 28/11 Chi bộ thôn 3: có mặt",
        "Ý kiến: 1, tại 1 buổi sinh hoạt.",
        "Nhiệm vụ: 1",
        f"• {TASK} (31/12/2026): đang thực hiện",
        "Thăm hộ: 1 lượt, 1 hộ.",
    ]
    assert "2026" in heading
    assert "Your year" not in heading, heading


async def test_my_year_does_not_count_a_meeting_of_the_cell_a_member_only_lives_in(database_url: str) -> None:
    """Đỗ Minh Tuấn belongs to the commune office's cell and only lives in thôn 3 (QĐ 213): he may come
    to its meetings and is never counted there (the roll call lists him apart). He does not come to the
    meeting of 28/11, closed at 21:10; his own year must not show him absent without reason from it,
    nor count it among his meetings."""
    engine = make_engine(database_url)
    try:
        w = await seeded(engine)
        await w.plan((ITEM_1, ITEM_2))
        await w.open(at(19, 30))
        await w.check_in(THANG, at(19, 35))
        await w.close(at(21, 10), {})
        async with w.sessions() as session:
            mine = await my_year.my_year(session, w.id("Đỗ Minh Tuấn"), year=2026, tz=HANOI)
    finally:
        await engine.dispose()
    assert Final.UNEXCUSED not in [final for _day, _cell, final in mine.meetings], mine.meetings
    assert my_year.render(mine, EN).split("\n")[1] == "Meetings: present at 0 of 0."

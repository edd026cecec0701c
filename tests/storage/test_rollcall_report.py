"""The roll-call report the minutes open with (bot.services.rollcall), for the 19 members of Chi bộ thôn 3,
compared as whole texts, in Vietnamese and in English, with what a secretary would write by hand.

The meeting, as the secretary lived it (every step through the services, at its own time):

- Chi bộ thôn 3 is seeded on 26/11/2026: 17 official members and 2 probationary (Hoàng Thị Yến,
  Ma Đức Thịnh); Trần Văn Bình is exempt from meetings since 15/03/2021. Đỗ Minh Tuấn, a member of the
  commune office's cell, also has a residence tie (đảng viên 213) to thôn 3.
- The regular meeting is planned for 19:30 on 28/11/2026, Hanoi time.
- Answers: nine say they will attend; Nông Thị Lan asks to be excused for illness, Nguyễn Văn Sơn for a
  business trip, Lý Văn Phúc for his daughter's wedding; the six others never answer.
- Opened at 19:30. At 19:35 eight of those who said they would come check in, with two who never
  answered (Quan Văn Tuấn, Hoàng Thị Yến) and Đỗ Minh Tuấn; at 19:40 the secretary ticks in Bùi Xuân
  Trường; Ma Đức Thịnh checks in at 19:55, late. Triệu Văn Long said he would come and never did.
- Closed at 21:10: Lan's reason accepted, Sơn's rejected, Phúc's left as it stands.
- Dues for 11/2026 are ticked for everyone but Triệu Văn Long and Hà Thị Thủy.

So, by hand: 19 members (17 official, 2 probationary); 1 exempt, so 18 expected; 11 present, one of them
late; 2 absent with reason (Lan, Phúc); 5 absent without reason (Sơn rejected, Long came not, Ánh, Khôi
and Thủy never answered); Đỗ Minh Tuấn counted apart; 2 unpaid; 19:30 to 21:10 is 100 minutes. Names are
in Vietnamese alphabetical order by given name: Cường, Hà, Hải, Hương, Mai, Minh, Thắng, Thịnh, Trường,
Tuấn, Yến; Ánh, Khôi, Long, Sơn, Thủy.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import seeding
from bot.i18n import translator
from bot.meetings.rules import Answer, Kind, Rules, Verdict
from bot.services import attendance, dues, meetings, rollcall
from bot.services.audit import Actor
from storage.db import make_engine, make_sessions
from storage.models import Meeting, Membership

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
SEEDED = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)  # 10:00 on 26/11/2026 in Hanoi
SEED_DAY = date(2026, 11, 26)
MEETING_DAY = date(2026, 11, 28)
RULES = Rules()


def at(hour: int, minute: int, day: int = 28) -> datetime:
    """A moment in November 2026, Hanoi time."""
    return datetime(2026, 11, day, hour, minute, tzinfo=HANOI)


@pytest.fixture
async def report(database_url: str) -> AsyncIterator[rollcall.RollCall]:
    """The roll call of the regular meeting of 28/11/2026, closed as described above."""
    engine = make_engine(database_url)
    sessions = make_sessions(engine)
    try:
        async with sessions.begin() as session:
            world = await seeding.thon3(session, now=SEEDED, today=SEED_DAY)
            assert world.cell.id is not None and world.organiser.id is not None
            # A member of another cell who lives in thôn 3 (QĐ 213): may come, never counted.
            session.add(
                Membership(
                    person_id=world.organiser.id, cell_id=world.cell.id, kind="residence", valid_from=SEED_DAY
                )
            )
        by_name = {p.full_name: p for p in [*world.members, world.organiser]}
        assert len(world.members) == 19 and len(by_name) == 20

        def pid(name: str) -> int:
            person_id = by_name[name].id
            assert person_id is not None
            return person_id

        secretary = Actor("test", world.secretary)
        assert by_name["Hoàng Văn Thắng"].id == world.secretary

        def own(name: str) -> Actor:
            return Actor("test", pid(name))

        async with sessions.begin() as session:
            meeting = await meetings.create(
                session=session,
                cell=world.cell,
                plan=meetings.Plan(kind=Kind.REGULAR, starts_at=at(19, 30), place="Nhà văn hóa thôn 3"),
                actor=secretary,
                now=SEEDED,
                rules=RULES,
                default_length=timedelta(hours=2),
                tz=HANOI,
            )
            meeting_id = meeting.id
            assert meeting_id is not None

        answers: list[tuple[str, Answer, str | None]] = [
            ("Hoàng Văn Thắng", Answer.ATTEND, None),
            ("Nguyễn Thị Hương", Answer.ATTEND, None),
            ("Ma Văn Cường", Answer.ATTEND, None),
            ("Lê Quang Hải", Answer.ATTEND, None),
            ("Phạm Đức Minh", Answer.ATTEND, None),
            ("Đỗ Thị Thu Hà", Answer.ATTEND, None),
            ("Vũ Thị Mai", Answer.ATTEND, None),
            ("Bùi Xuân Trường", Answer.ATTEND, None),
            ("Triệu Văn Long", Answer.ATTEND, None),
            ("Nông Thị Lan", Answer.ABSENT, ":illness"),
            ("Nguyễn Văn Sơn", Answer.ABSENT, ":work"),
            ("Lý Văn Phúc", Answer.ABSENT, "Đám cưới con gái"),
        ]
        for name, given, reason in answers:
            async with sessions.begin() as session:
                meeting = await session.get(Meeting, meeting_id)
                assert meeting is not None
                await attendance.answer(
                    session=session,
                    meeting=meeting,
                    person=by_name[name],
                    given=given,
                    reason=reason,
                    actor=own(name),
                    now=at(20, 0, day=27),
                    rules=RULES,
                    tz=HANOI,
                )

        async with sessions.begin() as session:
            meeting = await session.get(Meeting, meeting_id)
            assert meeting is not None
            await attendance.open_meeting(
                session=session, meeting=meeting, actor=secretary, now=at(19, 30), rules=RULES, tz=HANOI
            )

        check_ins: list[tuple[str, datetime, Actor | None]] = [
            ("Hoàng Văn Thắng", at(19, 35), None),
            ("Nguyễn Thị Hương", at(19, 35), None),
            ("Ma Văn Cường", at(19, 35), None),
            ("Lê Quang Hải", at(19, 35), None),
            ("Phạm Đức Minh", at(19, 35), None),
            ("Đỗ Thị Thu Hà", at(19, 35), None),
            ("Vũ Thị Mai", at(19, 35), None),
            ("Quan Văn Tuấn", at(19, 35), None),  # never answered, came all the same
            ("Hoàng Thị Yến", at(19, 35), None),  # probationary, never answered, came
            ("Đỗ Minh Tuấn", at(19, 35), None),  # the residence tie
            ("Bùi Xuân Trường", at(19, 40), secretary),  # ticked in by the secretary
            ("Ma Đức Thịnh", at(19, 55), None),  # late: more than 15 minutes after opening
        ]
        for name, when, actor in check_ins:
            async with sessions.begin() as session:
                meeting = await session.get(Meeting, meeting_id)
                assert meeting is not None
                row = await attendance.check_in(
                    session=session,
                    meeting=meeting,
                    person_id=pid(name),
                    actor=actor or own(name),
                    now=when,
                    rules=RULES,
                    tz=HANOI,
                )
                assert row is not None, name

        async with sessions.begin() as session:
            meeting = await session.get(Meeting, meeting_id)
            assert meeting is not None
            await attendance.close(
                session=session,
                meeting=meeting,
                verdicts={pid("Nông Thị Lan"): Verdict.ACCEPTED, pid("Nguyễn Văn Sơn"): Verdict.REJECTED},
                actor=secretary,
                now=at(21, 10),
                rules=RULES,
                tz=HANOI,
            )

        unpaid = {"Triệu Văn Long", "Hà Thị Thủy", "Đỗ Minh Tuấn"}  # Đỗ Minh Tuấn pays in his own cell
        async with sessions.begin() as session:
            for name, person in by_name.items():
                if name not in unpaid:
                    assert await dues.tick(
                        session=session,
                        person=person,
                        month=date(2026, 11, 1),
                        actor=secretary,
                        now=at(21, 15),
                        today=MEETING_DAY,
                    )

        async with sessions() as session:
            meeting = await session.get(Meeting, meeting_id)
            assert meeting is not None
            yield await rollcall.build(
                session=session, meeting=meeting, now=at(21, 20), rules=RULES, tz=HANOI, today=MEETING_DAY
            )
    finally:
        await engine.dispose()


VIETNAMESE = """\
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
Khai mạc lúc 19:30, kết thúc lúc 21:10: 100 phút."""

ENGLISH = """\
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
Opened 19:30, closed 21:10: 100 minutes."""


async def test_the_roll_call_of_a_19_member_cell_reads_as_expected_in_vietnamese(
    report: rollcall.RollCall,
) -> None:
    assert rollcall.render(report, translator("vi").gettext) == VIETNAMESE


async def test_the_roll_call_of_a_19_member_cell_reads_as_expected_in_english(
    report: rollcall.RollCall,
) -> None:
    assert rollcall.render(report, translator("en").gettext) == ENGLISH

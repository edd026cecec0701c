"""A whole meeting on a messenger without buttons (as Zalo is), by typing alone: the notice, an answer
with a reason, check-in, a tick by the secretary, a late arrival, and the close with the report."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.runtime import Runtime
from storage.models import Attendance, Meeting
from tests.support import FakeClock, Seed, TextChat, delivered, numbered

pytestmark = pytest.mark.e2e


async def test_a_meeting_from_notice_to_report_by_typing_alone(
    text_world: tuple[TextChat, Seed, Runtime], clock: FakeClock
) -> None:
    chat, s, runtime = text_world
    boss, deputy, member, committee = (s.tg(k) for k in ("secretary", "deputy", "member", "committee"))
    for person in (boss, deputy, member, committee):
        await chat.say(person, "/help")  # the bot learns each one writes in English

    [kinds] = await chat.say(boss, "/hop")
    assert numbered(kinds)[0] == "regular meeting"
    await chat.say(boss, "1")
    [month] = await chat.say(boss, "19:30 28/11/2026")
    assert numbered(month) == ["11/2026", "10/2026", "12/2026"]
    await chat.say(boss, "1")
    await chat.say(boss, "Nhà văn hóa thôn 3")
    [chair] = await chat.say(boss, "Kiểm điểm nghị quyết tháng 11\nNhiệm vụ tháng 12")
    assert numbered(chair)[0].startswith("Me (Hoàng Văn Thắng)")
    [takers] = await chat.say(boss, "1")
    assert numbered(takers)[0] == "Chosen at the meeting"
    [preview] = await chat.say(boss, "Lê Văn")  # the start of a name picks it
    assert "Minutes: Lê Văn Bình" in preview
    assert "Nhà văn hóa thôn 3" in preview and "2. Nhiệm vụ tháng 12" in preview
    # The secretary's own notice may arrive in the same breath: the answer is the first message.
    planned, *_ = await chat.say(boss, "send")
    assert "Meeting #1 is planned" in planned
    await delivered(runtime)

    notice = chat.transport.texts(member)[-1]
    assert "Notice: regular meeting of Chi bộ thôn 3" in notice and "19:30 28/11/2026" in notice
    assert numbered(notice)[-2:] == ["Attend", "Ask to be excused"]
    [reasons] = await chat.say(member, "2")
    assert numbered(reasons) == ["illness", "business trip", "sudden family matter"]
    [noted] = await chat.say(member, "1")
    assert "reason: illness" in noted
    [coming] = await chat.say(deputy, "/comat")
    assert "you will attend" in coming
    await delivered(runtime)
    told = "\n".join(chat.transport.texts(boss))
    assert "Trần Văn Ân asks to be excused" in told and "Reason: illness" in told
    assert "Nguyễn Thị Hoa will attend" in told

    clock.advance(days=2, hours=9, minutes=30)  # 19:30 on 28/11 in Hanoi
    [opened] = await chat.say(boss, "/open")
    assert "Checked in: 0 of 4." in opened
    [ticked] = await chat.say(boss, str(numbered(opened).index("Lê Văn Bình") + 1))
    assert "Checked in: 1 of 4." in ticked and "Lê Văn Bình" not in numbered(ticked)
    await delivered(runtime)
    assert "Check in" in numbered(chat.transport.texts(deputy)[-1])
    [welcome] = await chat.say(deputy, "1")
    assert "Checked in at 19:30" in welcome
    clock.advance(minutes=20)
    [late] = await chat.say(boss, "/diemdanh")
    assert "recorded as late" in late

    clock.advance(minutes=80)
    [question] = await chat.say(boss, "/close")
    assert "Trần Văn Ân asked to be excused. Reason: illness" in question
    report, *after = await chat.say(boss, "reject")
    # The summary follows; this messenger takes no files, so it says how to get them.
    assert any(
        t.startswith("Summary of the meeting") and "cannot be sent on this messenger" in t for t in after
    ), after
    assert "Present: 3 of 4" in report
    assert "Late: 1 — Hoàng Văn Thắng (19:50)" in report
    assert "Absent without reason: 1 — Trần Văn Ân" in report
    assert "Absent with reason: 0" in report
    async with runtime.sessions() as session:
        meeting = (await session.exec(select(Meeting))).one()
        finals = {r.person_id: r.final for r in (await session.exec(select(Attendance))).all()}
    assert meeting.closed_at is not None and not meeting.closed_early
    assert finals == {
        s.people["secretary"]: "late",
        s.people["deputy"]: "present",
        s.people["committee"]: "present",
        s.people["member"]: "unexcused",
    }

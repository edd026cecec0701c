"""Contributions on a messenger without buttons (as Zalo is), by typing alone: /say, Speak then the
next message, marks, another item, a correction, a withdrawal, a written view from an excused member,
a contribution recorded for a member without a phone, /next and the participation report."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.runtime import Runtime
from bot.services import audit
from storage.models import Cell, Contribution, ContributionVersion
from tests.support import FakeClock, Seed, TextChat, delivered, numbered, plan_meeting

pytestmark = pytest.mark.e2e


async def plan(runtime: Runtime, s: Seed, clock: FakeClock) -> int:
    """A meeting of Chi bộ thôn 3 in two hours, with a three-item agenda."""
    return await plan_meeting(runtime.sessions, s.cell, clock, runtime.config)


async def rows(runtime: Runtime) -> list[Contribution]:
    async with runtime.sessions() as session:
        return list((await session.exec(select(Contribution).order_by(Contribution.id))).all())


async def test_contributions_by_typing_alone(
    text_world: tuple[TextChat, Seed, Runtime], clock: FakeClock
) -> None:
    chat, s, runtime = text_world
    boss, deputy, member, committee = (s.tg(k) for k in ("secretary", "deputy", "member", "committee"))
    for person in (boss, deputy, member, committee):
        await chat.say(person, "/help")
    await plan(runtime, s, clock)
    await delivered(runtime)

    # Before the meeting opens: nothing is taken, and the member is told why.
    [early] = await chat.say(deputy, "/ykien Tôi đồng ý")
    assert "has not opened yet" in early and "Nothing was saved" in early
    # The member asks to be excused: a written view is taken while it is planned.
    await chat.say(member, "/vang ốm")
    [written] = await chat.say(member, "/ykien Tôi đề nghị tăng cường tuần tra ban đêm")
    assert "written view is noted" in written
    [view] = await rows(runtime)
    assert view.written and view.person_id == s.people["member"]

    clock.advance(hours=2)
    await chat.say(boss, "/open")
    await delivered(runtime)
    welcome = await chat.say(deputy, "/checkin")
    assert "Speak" in numbered(welcome[-1])
    # Not checked in: refused, nothing stored.
    [refused] = await chat.say(committee, "/say Ý kiến")
    assert "check in first" in refused.lower() and len(await rows(runtime)) == 1

    [moved] = await chat.say(boss, "/next")
    assert "Now on item 1 of 3: Tình hình an ninh" in moved
    assert "Nguyễn Thị Hoa" in moved  # present and not heard yet: invited

    # Speak, then the next message.
    [ask] = await chat.say(deputy, "/say")
    assert "Under discussion: item 1. Tình hình an ninh" in ask
    [noted] = await chat.say(deputy, "An ninh thôn ổn định 🙂")
    assert "Your contribution is noted: item 1. Tình hình an ninh" in noted
    choices = numbered(noted)
    assert choices[:3] == ["A question", "A proposal", "Self-criticism"]
    # Mark it a proposal by typing the start of the label.
    [marked] = await chat.say(deputy, "A prop")
    assert "Marked" in marked and "proposal" in marked
    # Move it to item 2: choose the action by number, then the item by number.
    [which] = await chat.say(deputy, str(numbered(marked).index("Another agenda item") + 1))
    assert numbered(which)[1] == "2. Thu đảng phí"
    [item] = await chat.say(deputy, "2")
    assert "item 2. Thu đảng phí" in item
    # Correct it.
    [fix] = await chat.say(deputy, str(numbered(item).index("Correct") + 1))
    assert "corrected text" in fix
    [fixed] = await chat.say(deputy, "An ninh thôn ổn định, cần thêm đèn đường")
    assert "version" in fixed

    # The secretary records a contribution for the committee member, ticked in without a phone.
    [ticks] = await chat.say(boss, "/tick")
    await chat.say(boss, str(numbered(ticks).index("Lê Văn Bình") + 1))
    [who] = await chat.say(boss, "/ghiykien")
    assert "Lê Văn Bình" in numbered(who)
    [write] = await chat.say(boss, "Lê")
    assert "Lê Văn Bình" in write
    [recorded] = await chat.say(boss, "Đề nghị sửa đường liên thôn")
    assert "recorded by you" in recorded

    # A second contribution from the deputy, then withdrawn.
    [second] = await chat.say(deputy, "/ykien Tôi xin rút ý kiến này")
    [gone] = await chat.say(deputy, str(numbered(second).index("Withdraw") + 1))
    assert "Withdrawn" in gone

    [report] = await chat.say(boss, "/ykienhop")
    assert "Spoke: 2 of 2 members present (100%). Written views: 1." in report
    assert "cần thêm đèn đường" in report and "rút ý kiến" not in report
    assert "recorded for them" in report and "written view" in report
    # Per member, meetings attended since they last spoke; the excused member attended none, so is not listed.
    assert (
        "Meetings attended since each last spoke, this one included: Lê Văn Bình 0, Nguyễn Thị Hoa 0."
        in report
    )

    stored = await rows(runtime)
    assert len(stored) == 4
    async with runtime.sessions() as session:
        versions = (
            await session.exec(
                select(ContributionVersion).where(ContributionVersion.contribution_id == stored[1].id)
            )
        ).all()
    assert [v.body for v in versions][0] == "An ninh thôn ổn định 🙂"
    assert versions[-1].body == "An ninh thôn ổn định, cần thêm đèn đường"
    assert stored[3].withdrawn_at is not None


async def test_a_message_without_speak_is_offered_as_a_contribution_only_to_members_checked_in(
    text_world: tuple[TextChat, Seed, Runtime], clock: FakeClock
) -> None:
    chat, s, runtime = text_world
    boss, deputy, member = (s.tg(k) for k in ("secretary", "deputy", "member"))
    for person in (boss, deputy, member):
        await chat.say(person, "/help")
    await plan(runtime, s, clock)
    clock.advance(hours=2)
    await chat.say(boss, "/open")
    await chat.say(boss, "/next")
    await delivered(runtime)
    await chat.say(deputy, "/checkin")

    # Not checked in: plain text is not understood, and nothing is kept.
    [lost] = await chat.say(member, "Tôi có ý kiến")
    assert "did not understand" in lost
    # Checked in: the bot asks before recording; "No" keeps nothing.
    [offer] = await chat.say(deputy, "Đề nghị lắp thêm đèn đường")
    assert "Record this as your contribution" in offer and "item 1. Tình hình an ninh" in offer
    assert numbered(offer) == ["Yes, record it", "No"]
    [no] = await chat.say(deputy, "2")
    assert "Not recorded" in no and await rows(runtime) == []
    await chat.say(deputy, "Đề nghị lắp thêm đèn đường")
    [yes] = await chat.say(deputy, "yes")
    assert "Your contribution is noted: item 1. Tình hình an ninh" in yes
    [row] = await rows(runtime)
    assert row.body == "Đề nghị lắp thêm đèn đường"


async def test_speak_then_the_meeting_ends_the_member_is_told_once_and_nothing_is_stored(
    text_world: tuple[TextChat, Seed, Runtime], clock: FakeClock
) -> None:
    chat, s, runtime = text_world
    boss, deputy = s.tg("secretary"), s.tg("deputy")
    for person in (boss, deputy):
        await chat.say(person, "/help")
    await plan(runtime, s, clock)
    clock.advance(hours=2)
    await chat.say(boss, "/open")
    await delivered(runtime)
    await chat.say(deputy, "/checkin")
    [ask] = await chat.say(deputy, "/ykien")
    assert "Send your contribution now" in ask
    clock.advance(hours=5)  # past the expected end and the grace: closed by itself
    [over] = await chat.say(deputy, "Ý kiến muộn")
    assert "is over" in over and "Nothing was saved" in over
    [again] = await chat.say(deputy, "Ý kiến muộn nữa")
    assert "did not understand" in again  # the form closed: not refused over and over
    assert await rows(runtime) == []
    [late] = await chat.say(deputy, "/ykien Ý kiến sau khi họp")
    assert "No meeting of your cell is open now" in late or "is over" in late
    assert await rows(runtime) == []


async def test_looking_at_a_past_meetings_contributions_never_adds_members_who_joined_since(
    text_world: tuple[TextChat, Seed, Runtime], clock: FakeClock
) -> None:
    from bot.services import people
    from storage.models import Attendance

    chat, s, runtime = text_world
    boss, deputy = s.tg("secretary"), s.tg("deputy")
    for person in (boss, deputy):
        await chat.say(person, "/help")
    meeting_id = await plan(runtime, s, clock)
    clock.advance(hours=2)
    await chat.say(boss, "/open")
    await delivered(runtime)
    await chat.say(deputy, "/checkin")
    await chat.say(deputy, "/ykien Tôi nhất trí")
    clock.advance(hours=5)  # closed by itself
    async with runtime.sessions.begin() as session:
        cell = await session.get(Cell, s.cell)
        assert cell is not None
        await people.add_person(
            session=session,
            full_name="Người Mới Đến",
            cell=cell,
            actor=audit.CLI,
            now=clock(),
            today=clock().date(),
        )
    async with runtime.sessions() as session:
        before = len(
            (await session.exec(select(Attendance).where(Attendance.meeting_id == meeting_id))).all()
        )
    [report] = await chat.say(boss, f"/ykienhop #{meeting_id}")
    assert "Spoke: 1 of 1 members present (100%)" in report
    assert "Người Mới Đến" not in report
    async with runtime.sessions() as session:
        after = len((await session.exec(select(Attendance).where(Attendance.meeting_id == meeting_id))).all())
    assert after == before

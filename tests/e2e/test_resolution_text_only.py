"""The resolution on a messenger without buttons (as Zalo is), by typing alone: a conclusion, a show of
hands checked against those present, a vote in the bot cast once each, a task for two members who
report on it, and the resolution as the secretary and members see it."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.runtime import Runtime
from storage.models import Ballot, Task, TaskAssignee, Vote
from tests.support import FakeClock, Seed, TextChat, delivered, numbered, plan_meeting

pytestmark = pytest.mark.e2e


async def test_a_resolution_by_typing_alone(
    text_world: tuple[TextChat, Seed, Runtime], clock: FakeClock
) -> None:
    chat, s, runtime = text_world
    boss, deputy, member, committee = (s.tg(k) for k in ("secretary", "deputy", "member", "committee"))
    for person in (boss, deputy, member, committee):
        await chat.say(person, "/help")
    await plan_meeting(runtime.sessions, s.cell, clock, runtime.config)
    clock.advance(hours=2)
    await chat.say(boss, "/open")
    await delivered(runtime)
    for person in (boss, deputy, committee):
        await chat.say(person, "/checkin")

    # A conclusion on item 1: pick the item by number, then write it.
    [which] = await chat.say(boss, "/ketluan")
    assert numbered(which)[0] == "1. Tình hình an ninh"
    await chat.say(boss, "1")
    [saved] = await chat.say(boss, "Tăng cường tuần tra ban đêm")
    assert "Conclusion on item 1 saved" in saved

    # A show of hands: more hands than official members present is refused, then the right count.
    [subject] = await chat.say(boss, "/bieuquyet")
    assert numbered(subject) == ["1. Tình hình an ninh", "the whole resolution"]
    [how] = await chat.say(boss, "1")
    assert numbered(how) == ["Count hands", "Vote in the bot"]
    [ask] = await chat.say(boss, "Count")
    assert "3 official members are present" in ask
    [refused] = await chat.say(boss, "3 1 0")
    assert "only 3 official members are present" in refused
    [result] = await chat.say(boss, "3 0 0")
    assert "For 3, against 0, abstain 0, of 3 voters: adopted" in result

    # A vote in the bot on the whole resolution: each present member votes once; the absent cannot.
    await chat.say(boss, "/vote")
    await chat.say(boss, "2")
    [opened] = await chat.say(boss, "2")
    assert "Vote open: 0 of 3 have voted" in opened
    await delivered(runtime)
    ballot = chat.transport.texts(deputy)[-1]
    assert "Vote of Chi bộ thôn 3 on: the whole resolution" in ballot
    assert numbered(ballot) == ["For", "Against", "Abstain"]
    [counted] = await chat.say(deputy, "1")
    assert "Your vote is counted: For" in counted
    [again] = await chat.say(deputy, "/ballot 2 against")
    assert "voted already" in again
    [absent] = await chat.say(member, "/ballot 2 for")
    assert "Only the official members checked in when the vote opened" in absent
    [live] = await chat.say(boss, "/vote")
    assert "1 of 3 have voted (for 1" in live
    [closed] = await chat.say(boss, "1")  # Close the vote
    assert "For 1, against 0, abstain 0, of 3 voters: not adopted" in closed
    await delivered(runtime)
    assert "Result of the vote on: the whole resolution" in chat.transport.texts(committee)[-1]

    # A task for two members, chosen by typing their numbers.
    [who] = await chat.say(boss, "/giaoviec")
    names = numbered(who)
    picks = [str(names.index(n) + 1) for n in ("Lê Văn Bình", "Trần Văn Ân")]
    [chosen] = await chat.say(boss, " ".join(picks))
    assert "Chosen: Lê Văn Bình, Trần Văn Ân" in chosen
    [what] = await chat.say(boss, "Done")
    assert "What is to be done" in what
    await chat.say(boss, "Lắp đèn đường xóm Đồng")
    [item] = await chat.say(boss, "31/13/2026")
    assert "Write the deadline as a date" in item
    [item] = await chat.say(boss, "20/12/2026")
    [given] = await chat.say(boss, "1")
    assert "Task #1 is given" in given
    await delivered(runtime)
    told = chat.transport.texts(member)[-1]
    assert "A task for you from Chi bộ thôn 3: Lắp đèn đường xóm Đồng" in told and "20/12/2026" in told

    # The member reports progress by typing; someone else cannot change it.
    [mine] = await chat.say(member, "/nhiemvu")
    [statuses] = await chat.say(member, "1")
    assert numbered(statuses) == ["not started", "in progress", "done", "blocked"]
    [noted] = await chat.say(member, "in prog")
    assert "is in progress" in noted
    [other] = await chat.say(deputy, "/tasks 1 done")
    assert "not for this member" in other or "Only the member" in other

    [report] = await chat.say(member, "/nghiquyet")
    assert "Tăng cường tuần tra ban đêm" in report
    assert "Trần Văn Ân: in progress" in report and "Lê Văn Bình: not started" in report

    async with runtime.sessions() as session:
        votes = (await session.exec(select(Vote))).all()
        ballots = (await session.exec(select(Ballot))).all()
        tasks = (await session.exec(select(Task))).all()
        parts = (await session.exec(select(TaskAssignee))).all()
    assert [(v.by_hands, v.for_count) for v in votes] == [(True, 3), (False, 1)]
    assert len(ballots) == 1 and len(tasks) == 1 and len(parts) == 2


async def test_a_conclusion_typed_with_the_meeting_named_keeps_its_lines(
    text_world: tuple[TextChat, Seed, Runtime], clock: FakeClock
) -> None:
    from storage.models import AgendaItem

    chat, s, runtime = text_world
    boss = s.tg("secretary")
    await chat.say(boss, "/help")
    meeting_id = await plan_meeting(runtime.sessions, s.cell, clock, runtime.config)
    clock.advance(hours=2)
    await chat.say(boss, "/open")
    [saved] = await chat.say(boss, f"/ketluan #{meeting_id} 2 Thu đủ đảng phí tháng 12\nBáo cáo cấp trên 🙂")
    assert "Conclusion on item 2 saved" in saved
    [member_refused] = await chat.say(s.tg("member"), f"/ketluan #{meeting_id} 1 Không được")
    assert "not available to you" in member_refused
    async with runtime.sessions() as session:
        items = (await session.exec(select(AgendaItem).order_by(AgendaItem.position))).all()
    assert [i.conclusion for i in items] == [None, "Thu đủ đảng phí tháng 12\nBáo cáo cấp trên 🙂", None]


async def test_closing_the_meeting_closes_a_vote_still_open_and_tells_the_voters(
    text_world: tuple[TextChat, Seed, Runtime], clock: FakeClock
) -> None:
    chat, s, runtime = text_world
    boss, deputy = s.tg("secretary"), s.tg("deputy")
    for person in (boss, deputy):
        await chat.say(person, "/help")
    await plan_meeting(runtime.sessions, s.cell, clock, runtime.config)
    clock.advance(hours=2)
    await chat.say(boss, "/open")
    await delivered(runtime)
    for person in (boss, deputy):
        await chat.say(person, "/checkin")
    await chat.say(boss, "/vote")
    await chat.say(boss, "1")  # the whole resolution (no conclusion yet)
    await chat.say(boss, "Vote in")
    await delivered(runtime)
    await chat.say(deputy, "1")  # For, on the ballot
    clock.advance(hours=5)  # nobody closed it: the meeting closes by itself
    async with runtime.sessions.begin() as session:
        from bot.services import attendance
        from storage.models import Meeting

        meeting = (await session.exec(select(Meeting))).one()
        assert await attendance.auto_close(
            session=session,
            meeting=meeting,
            now=clock(),
            rules=runtime.config.meetings.rules(),
            tz=runtime.config.tz,
        )
    await delivered(runtime)
    async with runtime.sessions() as session:
        [vote] = (await session.exec(select(Vote))).all()
    assert vote.closed_at is not None and (vote.for_count, vote.voters) == (1, 2)
    assert "Result of the vote on: the whole resolution" in chat.transport.texts(deputy)[-1]
    [late] = await chat.say(deputy, f"/ballot {vote.id} against")
    assert "No meeting of your cell is open now" in late or "has closed" in late

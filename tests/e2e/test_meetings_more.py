"""More of meetings (issue 9) through the real Application and the fake Bot API: the roll call as it
stands before and during the meeting (who will come, who asked to be excused and why, who is silent,
whom the notice could not reach), the charter's private warning to the secretary, dues ticked from the
list, buttons of a closed meeting, and a change of time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from bot.config import Config
from bot.meetings.rules import Kind
from bot.services import attendance, audit, meetings, units
from fake_telegram import FakeBotAPI
from storage.models import DuesPayment, Meeting, Membership, MemberStatus, OutboxMessage
from tests.e2e.test_meetings import (
    NAMES,
    TO_START,
    add_member,
    delivered,
    labels,
    meeting_row,
    message,
    notice_of,
    plan,
    rows,
    speak_english,
)
from tests.support import (
    FakeClock,
    RunningBot,
    Seed,
    answers,
    button,
    press,
    press_for_answer,
    running_bot,
    say,
    settle,
)

pytestmark = pytest.mark.e2e

HEADER = "Roll call so far: regular meeting of Chi bộ thôn 3, 19:30 28/11/2026 (month 11/2026)"
UNPAID = "Party dues not paid for 11/2026: 4 — Trần Văn Ân, Lê Văn Bình, Nguyễn Thị Hoa, Hoàng Văn Thắng"


# ----------------------------------------------------------------- the roll call before the close


async def test_the_roll_call_before_and_during_the_meeting_names_who_answered_and_who_did_not(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await speak_english(bot)
    boss = s.tg("secretary")
    async with running_bot(config, clock, bot):
        await plan(fake, bot, s)
        [silent] = await say(fake, boss, "/rollcall")
        await say(fake, s.tg("deputy"), "/attend")
        [reasons] = await say(fake, s.tg("member"), "/absent")
        await press(fake, s.tg("member"), reasons, "illness")
        await say(fake, s.tg("committee"), "/comat")
        await delivered(bot)
        [answered] = await say(fake, boss, "/rollcall")
        clock.advance(**TO_START)
        await say(fake, boss, "/open")
        await delivered(bot)  # the check-in buttons are out before anyone answers
        await say(fake, s.tg("committee"), "/checkin")
        [during] = await say(fake, boss, "/rollcall")
    # Planned, nobody has answered yet: all four are named as silent, none as absent.
    assert silent["text"] == (
        f"{HEADER}\n"
        "Members: 4 (official 4, probationary 0)\n"
        "Exempt from meetings: 0\n"
        "Present: 0 of 4\n"
        "Said they will attend: 0\n"
        "Absent with reason: 0\n"
        "No answer yet: 4 — Trần Văn Ân, Lê Văn Bình, Nguyễn Thị Hoa, Hoàng Văn Thắng\n"
        f"{UNPAID}"
    )
    # Two will come, one asked to be excused (the secretary sees why), one has not answered.
    assert answered["text"] == (
        f"{HEADER}\n"
        "Members: 4 (official 4, probationary 0)\n"
        "Exempt from meetings: 0\n"
        "Present: 0 of 4\n"
        "Said they will attend: 2 — Lê Văn Bình, Nguyễn Thị Hoa\n"
        "Absent with reason: 1 — Trần Văn Ân (illness)\n"
        "No answer yet: 1 — Hoàng Văn Thắng\n"
        f"{UNPAID}"
    )
    # Open: the one who checked in is present, the other who said they will come is still expected.
    assert during["text"] == (
        f"{HEADER}\n"
        "Members: 4 (official 4, probationary 0)\n"
        "Exempt from meetings: 0\n"
        "Present: 1 of 4 — Lê Văn Bình\n"
        "Said they will attend: 1 — Nguyễn Thị Hoa\n"
        "Absent with reason: 1 — Trần Văn Ân (illness)\n"
        "No answer yet: 1 — Hoàng Văn Thắng\n"
        f"{UNPAID}"
    )


async def test_the_secretary_sees_whom_the_notice_could_not_reach_and_why(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await speak_english(bot)
    await add_member(bot, s, clock, "Ma Thị Xuân", exempt=False)  # never linked a chat account
    fake.block(s.tg("member"))  # blocked the bot
    boss = s.tg("secretary")
    async with running_bot(config, clock, bot):
        await plan(fake, bot, s)
        [before] = await say(fake, boss, "/rollcall")
        clock.advance(**TO_START)
        await say(fake, boss, "/open")
        await delivered(bot)
        clock.advance(minutes=100)
        [final] = await say(fake, boss, "/close")
    lines = str(before["text"]).splitlines()
    assert lines[0] == HEADER
    assert (
        "No answer yet: 5 — Trần Văn Ân, Lê Văn Bình, Nguyễn Thị Hoa, Hoàng Văn Thắng, Ma Thị Xuân" in lines
    )
    assert lines[-1] == (
        "The notice could not reach: 2 — Trần Văn Ân (blocked the bot), "
        "Ma Thị Xuân (has not linked a chat account yet)"
    )
    # The minutes name the absent, not whom a message failed to reach.
    assert str(final["text"]).startswith("Roll call: regular meeting of Chi bộ thôn 3")
    assert "could not reach" not in str(final["text"])


# ------------------------------------------------------------------------ the charter's warning


async def test_a_second_month_of_unexcused_absence_warns_the_secretary_privately(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await speak_english(bot)
    boss, member = s.tg("secretary"), s.tg("member")
    rules, tz = config.meetings.rules(), config.tz
    # The cell's members have been members all year; in September the cell met without the bot and the
    # secretary recorded it afterwards: everyone came but Trần Văn Ân, who gave no reason.
    async with bot.runtime.sessions.begin() as session:
        for model in (Membership, MemberStatus):
            await session.exec(  # type: ignore[call-overload]
                update(model)
                .where(col(model.valid_from) == date(2026, 11, 26))
                .values(valid_from=date(2026, 1, 1))
            )
        cell = await units.require_cell(session, str(s.cell))
        starts = datetime(2026, 9, 24, 12, 30, tzinfo=UTC)  # 19:30 in Hanoi
        september = await meetings.create(
            session=session,
            cell=cell,
            plan=meetings.Plan(kind=Kind.REGULAR, starts_at=starts, place="Nhà văn hóa thôn 3"),
            actor=audit.CLI,
            now=starts - timedelta(days=3),
            rules=rules,
            default_length=timedelta(hours=2),
            tz=tz,
            send_notice=False,
        )
        await attendance.record_late(
            session=session,
            meeting=september,
            came={s.people[who] for who in ("secretary", "deputy", "committee")},
            verdicts={},
            actor=audit.CLI,
            now=starts + timedelta(days=1),
            rules=rules,
            tz=tz,
        )
    async with running_bot(config, clock, bot):
        await plan(fake, bot, s)
        clock.advance(**TO_START)
        await say(fake, boss, "/open")
        await delivered(bot)
        for who in ("secretary", "deputy", "committee"):
            await say(fake, s.tg(who), "/checkin")
        clock.advance(minutes=100)
        told_before = len(fake.sent(boss))
        [report] = await say(fake, boss, "/close")
        await delivered(bot)
        # What the secretary is told after the report, the summary and its files apart.
        told = [
            t for t in fake.texts(boss)[told_before + 1 :] if t and not t.startswith("Summary of the meeting")
        ]
        deputy_summary = next(t for t in fake.texts(s.tg("deputy")) if t.startswith("Summary of the meeting"))
        boss_summary = next(t for t in fake.texts(boss) if t.startswith("Summary of the meeting"))
        async with bot.runtime.sessions() as session:
            queued = (
                await session.exec(select(OutboxMessage).where(OutboxMessage.purpose == "charter"))
            ).all()
        member_saw = fake.texts(member)
        others_saw = [t for who in ("deputy", "committee") for t in fake.texts(s.tg(who))]
    assert "Absent without reason: 1 — Trần Văn Ân" in str(report["text"])
    assert told == [
        "Private: Trần Văn Ân has 2 months in 2026 with an unexcused absence from the regular meeting or "
        "unpaid party dues (09/2026, 11/2026)."
    ]
    assert [(m.person_id, m.occurrence) for m in queued] == [(s.people["secretary"], "warn")]
    assert not any(t.startswith("Private:") for t in member_saw + others_saw), "told to the secretary only"
    assert "Trần Văn Ân: 09/2026, 11/2026 (warned)" in boss_summary, "the secretary's summary repeats it"
    assert "Trần Văn Ân: 09/2026" not in deputy_summary, "the deputy's copy leaves the warning out"


# ----------------------------------------------------------------------------------------- dues


async def paid(bot: RunningBot) -> dict[int, DuesPayment]:
    async with bot.runtime.sessions() as session:
        found = (await session.exec(select(DuesPayment))).all()
    return {row.person_id: row for row in found if row.paid_on is not None}


async def test_the_secretary_and_the_deputy_tick_dues_from_the_list_and_a_member_cannot(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await speak_english(bot)
    boss, deputy, member = s.tg("secretary"), s.tg("deputy"), s.tg("member")
    async with running_bot(config, clock, bot):
        [listing] = await say(fake, boss, "/dues")
        listed = labels(fake, listing)
        ticked = await press(fake, boss, listing, "Trần Văn Ân")
        by_secretary = await paid(bot)
        [deputy_listing] = await say(fake, deputy, "/dues")
        deputy_ticked = await press(fake, deputy, deputy_listing, "Lê Văn Bình")
        by_deputy = await paid(bot)
        # A plain member presses a tick from the secretary's list (say, a forwarded or shared one).
        [current] = await say(fake, boss, "/dues")
        answered = len(fake.calls("answerCallbackQuery"))
        fake.user_presses(
            member, int(str(current["message_id"])), button(fake, current, "Nguyễn Thị Hoa"), chat_id=boss
        )
        await fake.wait_until(lambda: len(fake.calls("answerCallbackQuery")) > answered, what="the answer")
        await settle(fake, member)
        refused = answers(fake)[-1]
        after_member = await paid(bot)
        current_now = message(fake, boss, current["message_id"])
    assert listing["text"] == "Party dues for 11/2026 not yet paid: 4. Tick each member who paid:"
    assert listed == ["Trần Văn Ân", "Lê Văn Bình", "Nguyễn Thị Hoa", "Hoàng Văn Thắng"]
    assert ticked["text"] == "Party dues for 11/2026 not yet paid: 3. Tick each member who paid:"
    assert labels(fake, ticked) == ["Lê Văn Bình", "Nguyễn Thị Hoa", "Hoàng Văn Thắng"]
    assert set(by_secretary) == {s.people["member"]}
    row = by_secretary[s.people["member"]]
    assert (row.month, row.paid_on, row.confirmed_by_person_id) == (
        date(2026, 11, 1),
        date(2026, 11, 26),
        s.people["secretary"],
    )
    assert deputy_listing["text"] == "Party dues for 11/2026 not yet paid: 3. Tick each member who paid:"
    assert labels(fake, deputy_ticked) == ["Nguyễn Thị Hoa", "Hoàng Văn Thắng"]
    assert set(by_deputy) == {s.people["member"], s.people["committee"]}
    assert by_deputy[s.people["committee"]].confirmed_by_person_id == s.people["deputy"]
    assert refused == "These buttons are for someone else."
    assert after_member == by_deputy, "nothing was ticked"
    assert current_now == current, "the secretary's list stays as it was"


async def test_a_plain_member_typing_a_tick_does_not_tick_anyone_else(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await speak_english(bot)
    member = s.tg("member")
    async with running_bot(config, clock, bot):
        await say(fake, member, f"/dues #{s.cell} {s.people['committee']} 11/2026")
        await delivered(bot)
        after = await paid(bot)
    assert s.people["committee"] not in after
    assert after == {}


# -------------------------------------------------------------------- buttons of a closed meeting


async def test_buttons_of_a_closed_meeting_explain_and_change_nothing(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await speak_english(bot)
    boss, deputy, member = s.tg("secretary"), s.tg("deputy"), s.tg("member")
    async with running_bot(config, clock, bot):
        meeting_id = await plan(fake, bot, s)
        await say(fake, deputy, "/attend")
        await delivered(bot)
        clock.advance(**TO_START)
        await say(fake, boss, "/open")
        await delivered(bot)
        check_in = fake.sent(deputy)[-1]
        assert labels(fake, check_in) == ["Check in"]
        clock.advance(minutes=100)
        await say(fake, boss, "/close")
        await delivered(bot)
        before = await rows(bot, meeting_id)
        told_before = len(fake.sent(boss))
        notice = notice_of(fake, member)
        stale_attend = await press_for_answer(fake, member, notice, "Attend")
        stale_excuse = await press_for_answer(fake, member, notice, "Ask to be excused")
        stale_check_in = await press_for_answer(fake, deputy, check_in, "Check in")
        await delivered(bot)
        after = await rows(bot, meeting_id)
        shown = message(fake, member, notice["message_id"])
    assert [stale_attend, stale_excuse, stale_check_in] == ["Meeting #1 has closed."] * 3
    assert after == before
    assert (after[s.people["member"]].answer, after[s.people["member"]].final) == (None, "unexcused")
    assert (after[s.people["deputy"]].checked_in_at, after[s.people["deputy"]].final) == (None, "unexcused")
    assert shown == notice, "the old notice stays as it was"
    assert len(fake.sent(boss)) == told_before, "the secretary is told nothing"


# ------------------------------------------------------------------------------- /meeting_edit


async def test_a_change_of_time_is_told_to_those_who_answered_and_keeps_their_answers(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await speak_english(bot)
    boss = s.tg("secretary")
    async with running_bot(config, clock, bot):
        meeting_id = await plan(fake, bot, s)
        await say(fake, s.tg("deputy"), "/attend")
        await say(fake, s.tg("member"), "/absent ốm")
        await delivered(bot)
        before = {who: len(fake.sent(s.tg(who))) for who in NAMES}
        [what] = await say(fake, boss, "/meeting_edit")
        asked = await press(fake, boss, what, "Time")
        [changed] = await say(fake, boss, "19:30 29/11/2026")
        await delivered(bot)
        new = {who: fake.texts(s.tg(who))[before[who] :] for who in NAMES}
        meeting = await meeting_row(bot, meeting_id)
        kept = await rows(bot, meeting_id)
    assert asked["text"] == (
        "When does it start? Write the date and time, for example 19:30 05/12/2026. Send /cancel to stop."
    )
    assert changed["text"] == "Meeting #1 is changed. Members who had answered are being told."
    change = (
        "The regular meeting of Chi bộ thôn 3 has changed. It is now:\n"
        "When: 19:30 29/11/2026, until about 21:30\n"
        "Place: Nhà văn hóa thôn 3\n"
        "Agenda:\n\n"
        "1. Kiểm điểm nghị quyết tháng 11\n"
        "2. Nhiệm vụ tháng 12"
    )
    assert new["deputy"] == [change] and new["member"] == [change]
    assert new["committee"] == [], "had not answered"
    assert change not in new["secretary"], "had not answered"
    assert meeting.starts_at.replace(tzinfo=UTC) == datetime(2026, 11, 29, 12, 30, tzinfo=UTC)
    assert meeting.month == date(2026, 11, 1), "it still counts for its month"
    assert (kept[s.people["deputy"]].answer, kept[s.people["member"]].answer) == ("attend", "absent")


async def test_a_meeting_cannot_be_changed_once_it_is_open(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await speak_english(bot)
    boss, chair = s.tg("secretary"), s.tg("committee")
    async with running_bot(config, clock, bot):
        meeting_id = await plan(fake, bot, s, chair="Lê Văn Bình")
        await say(fake, s.tg("deputy"), "/attend")
        await delivered(bot)
        # The secretary starts a change just before the chair opens the meeting ...
        clock.advance(**TO_START)
        [what] = await say(fake, boss, "/meeting_edit")
        await press(fake, boss, what, "Place")
        await say(fake, chair, "/open")
        await delivered(bot)
        told_before = {who: len(fake.sent(s.tg(who))) for who in ("deputy", "member")}
        # ... and finishes it once it is open; then tries again.
        [late] = await say(fake, boss, "Hội trường UBND xã Thái Bình")
        [again] = await say(fake, boss, "/meeting_edit")
        [named] = await say(fake, boss, f"/meeting_edit #{meeting_id}")
        await delivered(bot)
        meeting = await meeting_row(bot, meeting_id)
        told = {who: fake.texts(s.tg(who))[told_before[who] :] for who in ("deputy", "member")}
    assert late["text"] == "Meeting #1 is open now."
    assert again["text"] == "There is no planned meeting to change."
    assert named["text"] == "Meeting #1 is open now."
    assert meeting.place == "Nhà văn hóa thôn 3"
    assert meeting.opened_at is not None
    assert told == {"deputy": [], "member": []}, "nobody is told of a change"
    assert isinstance(meeting, Meeting)

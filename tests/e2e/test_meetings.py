"""Meetings (issue 9) through the real Application and the fake Bot API: the notice and its answers,
changes and cancelling, who may run a meeting, check-in, the close with its roll call, the jobs that
close a forgotten meeting or note one never opened, the group chat's tally, and party dues."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from bot.config import Config
from bot.meetings.rules import Kind, State
from bot.services import audit, meetings, people, records, units
from fake_telegram import FakeBotAPI
from storage.models import Attendance, ChatIdentity, DuesPayment, Meeting, OutboxMessage
from tests.support import (
    TODAY,
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

Message = dict[str, Any]

WHEN = "19:30 28/11/2026"
PLACE = "Nhà văn hóa thôn 3"
AGENDA = "Kiểm điểm nghị quyết tháng 11\nNhiệm vụ tháng 12"
# From 10:00 on 26/11 (the fixture's clock) to the meeting's start, 19:30 on 28/11 in Hanoi.
TO_START = {"days": 2, "hours": 9, "minutes": 30}
NAMES = {
    "secretary": "Hoàng Văn Thắng",
    "deputy": "Nguyễn Thị Hoa",
    "committee": "Lê Văn Bình",
    "member": "Trần Văn Ân",
}
GROUP = -1001234567890


async def speak_english(bot: RunningBot) -> None:
    """Everyone linked by /start from an English Telegram, so the bot knows their language before they
    write again (what the outbox renders notices in)."""
    async with bot.runtime.sessions.begin() as session:
        await session.exec(update(ChatIdentity).values(language_code="en"))  # type: ignore[call-overload]


def message(fake: FakeBotAPI, chat: int, message_id: object) -> Message:
    """The message as it shows now (after any edits)."""
    return next(m for m in fake.sent(chat) if m["message_id"] == message_id)


def labels(fake: FakeBotAPI, shown: Message) -> list[str]:
    return [label for label, _ in fake.buttons(shown)]


async def delivered(bot: RunningBot) -> None:
    """Everything queued in the outbox has been sent."""
    bot.runtime.delivery.wake()
    await bot.runtime.delivery.wait_settled()


async def plan(fake: FakeBotAPI, bot: RunningBot, s: Seed, *, chair: str = "Me (Hoàng Văn Thắng)") -> int:
    """The secretary plans the regular meeting of 11/2026 with buttons and typing, and sends its notice;
    return the meeting's id once every notice is out."""
    boss = s.tg("secretary")
    [kinds] = await say(fake, boss, "/meeting")
    await press(fake, boss, kinds, "regular meeting")
    [month] = await say(fake, boss, WHEN)
    await press(fake, boss, month, "11/2026")
    await say(fake, boss, PLACE)
    [chairs] = await say(fake, boss, AGENDA)
    takers = await press(fake, boss, chairs, chair)
    preview = await press(fake, boss, takers, "Chosen at the meeting")
    sent = await press(fake, boss, preview, "Send")
    planned = message(fake, boss, sent["message_id"])
    assert str(planned["text"]).startswith("Meeting #"), planned["text"]
    await delivered(bot)
    async with bot.runtime.sessions() as session:
        meeting = (await session.exec(select(Meeting).order_by(col(Meeting.id).desc()))).first()
    assert meeting is not None and meeting.id is not None
    return meeting.id


def notice_of(fake: FakeBotAPI, user: int) -> Message:
    """The meeting notice in a member's chat."""
    found = [m for m in fake.sent(user) if str(m.get("text", "")).startswith("Notice:")]
    assert len(found) == 1, [m.get("text") for m in fake.sent(user)]
    return found[0]


async def rows(bot: RunningBot, meeting_id: int) -> dict[int, Attendance]:
    async with bot.runtime.sessions() as session:
        found = (await session.exec(select(Attendance).where(Attendance.meeting_id == meeting_id))).all()
    return {row.person_id: row for row in found}


async def meeting_row(bot: RunningBot, meeting_id: int) -> Meeting:
    async with bot.runtime.sessions() as session:
        meeting = await session.get(Meeting, meeting_id)
    assert meeting is not None
    return meeting


async def exempt(bot: RunningBot, s: Seed, who: str, clock: FakeClock) -> None:
    """The cell exempts a member from meetings (recorded from the command line)."""
    async with bot.runtime.sessions.begin() as session:
        person = await people.require_person(session, str(s.people[who]))
        await records.exempt(
            session=session,
            person=person,
            valid_from=TODAY,
            valid_to=None,
            reason="Ốm dài ngày",
            actor=audit.CLI,
            now=clock(),
        )


async def add_member(bot: RunningBot, s: Seed, clock: FakeClock, name: str, *, exempt: bool) -> int:
    """Another member of Chi bộ thôn 3, never linked to a messenger; exempt from meetings if asked."""
    async with bot.runtime.sessions.begin() as session:
        cell = await units.require_cell(session, str(s.cell))
        person = await people.add_person(
            session=session, full_name=name, cell=cell, actor=audit.CLI, now=clock(), today=TODAY
        )
        if exempt:
            await records.exempt(
                session=session,
                person=person,
                valid_from=TODAY,
                valid_to=None,
                reason="Tuổi cao",
                actor=audit.CLI,
                now=clock(),
            )
        assert person.id is not None
        return person.id


# ------------------------------------------------------------------------------------- 1. the notice


@pytest.mark.parametrize("command", ["/meeting", "/hop"])
async def test_a_planned_meeting_notifies_each_member_privately_except_the_exempt(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed], command: str
) -> None:
    bot, s = seeded
    await speak_english(bot)
    await exempt(bot, s, "member", clock)
    await add_member(bot, s, clock, "Ma Thị Xuân", exempt=False)  # the notice cannot reach her
    fake.add_group(GROUP, "Chi bộ thôn 3")
    boss = s.tg("secretary")
    async with running_bot(config, clock, bot):
        await say(fake, boss, "/linkgroup", chat_id=GROUP)
        await fake.wait_for_sent(GROUP, 1)
        [kinds] = await say(fake, boss, command)
        assert kinds["text"] == (
            "Planning a meeting of Chi bộ thôn 3. What kind of meeting? Send /cancel to stop."
        )
        assert labels(fake, kinds) == [
            "regular meeting",
            "thematic meeting",
            "regular and thematic meeting",
            "extraordinary meeting",
        ]
        asked = await press(fake, boss, kinds, "regular meeting")
        assert asked["text"] == (
            "When does it start? Write the date and time, for example 19:30 05/12/2026. Send /cancel to stop."
        )
        [month] = await say(fake, boss, WHEN)
        assert labels(fake, month) == ["11/2026", "10/2026", "12/2026"]
        where = await press(fake, boss, month, "11/2026")
        assert where["text"] == "Where does the meeting take place?"
        [agenda] = await say(fake, boss, PLACE)
        assert agenda["text"] == "Write the agenda, one item per line. Send - if there is none yet."
        [chairs] = await say(fake, boss, AGENDA)
        assert labels(fake, chairs) == ["Me (Hoàng Văn Thắng)", "Lê Văn Bình", "Nguyễn Thị Hoa"]
        takers = await press(fake, boss, chairs, "Me (Hoàng Văn Thắng)")
        # Any member not exempt may take the minutes (Trần Văn Ân is exempt here).
        assert labels(fake, takers) == [
            "Chosen at the meeting",
            "Lê Văn Bình",
            "Nguyễn Thị Hoa",
            "Hoàng Văn Thắng",
            "Ma Thị Xuân",
        ]
        preview = await press(fake, boss, takers, "Lê Văn Bình")
        assert labels(fake, preview) == ["Send", "Cancel"] and str(preview["text"]).endswith(
            "Minutes: Lê Văn Bình"
        )
        sent = await press(fake, boss, preview, "Send")
        planned = message(fake, boss, sent["message_id"])
        await delivered(bot)
        notices = {who: notice_of(fake, s.tg(who)) for who in ("secretary", "deputy", "committee")}
    assert planned["text"] == (
        "Meeting #1 is planned. The notice is going to 4 members; I will tell you each answer. "
        "/rollcall shows who answered and whom the notice could not reach."
    )
    assert notices["deputy"]["text"] == (
        "Notice: regular meeting of Chi bộ thôn 3\n"
        "When: 19:30 28/11/2026, until about 21:30\n"
        "Place: Nhà văn hóa thôn 3\n"
        "Chair: Hoàng Văn Thắng\n"
        "Counts for the month: 11/2026\n"
        "Agenda:\n\n"
        "1. Kiểm điểm nghị quyết tháng 11\n"
        "2. Nhiệm vụ tháng 12"
    )
    assert all(labels(fake, n) == ["Attend", "Ask to be excused"] for n in notices.values())
    assert not any(str(t).startswith("Notice:") for t in fake.texts(s.tg("member"))), "exempt: no notice"
    for other in ("other_member", "organiser", "other_organiser"):
        assert fake.sent(s.tg(other)) == [], f"{other} is in another cell"
    assert {m["chat"]["id"] for m in fake.sent()} == {
        GROUP,
        *(s.tg(w) for w in ("secretary", "deputy", "committee")),
    }
    # The group sees where the /linkgroup answer went, and the notice with a count: no member list,
    # and nobody is told (anywhere) whom the notice could not reach.
    [pointer, post] = fake.texts(GROUP)
    assert pointer == "I have answered you in a private chat."
    assert "0/4" in post
    for name in ("Nguyễn Thị Hoa", "Lê Văn Bình", "Trần Văn Ân", "Ma Thị Xuân"):
        assert name not in post
    assert not any("Ma Thị Xuân" in text for text in fake.texts())


# ---------------------------------------------------------------------------------- 2. the answers


async def test_each_change_of_answer_is_a_new_notice_to_the_secretary_with_the_reason(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await speak_english(bot)
    member, boss = s.tg("member"), s.tg("secretary")
    async with running_bot(config, clock, bot):
        meeting_id = await plan(fake, bot, s)
        told_before = len(fake.sent(boss))
        asked = await press(fake, member, notice_of(fake, member), "Ask to be excused")
        assert asked["text"] == (
            "Why can you not come? Choose a reason or write your own. Send /cancel to stop."
        )
        assert labels(fake, asked) == ["illness", "business trip", "sudden family matter"]
        noted = await press(fake, member, asked, "illness")
        [coming] = await say(fake, member, "/attend")
        [away] = await say(fake, member, "/absent đi công tác Hà Nội")
        await delivered(bot)
        told = fake.texts(boss)[told_before:]
        row = (await rows(bot, meeting_id))[s.people["member"]]
    assert noted["text"] == ("Noted: you asked to be excused (reason: illness). The secretary has been told.")
    assert coming["text"] == (
        "Thank you: you will attend the meeting of 19:30 28/11/2026. You can change your answer until "
        "it opens."
    )
    assert away["text"] == (
        "Noted: you asked to be excused (reason: đi công tác Hà Nội). The secretary has been told."
    )
    assert told == [
        "Trần Văn Ân asks to be excused from the meeting of 19:30 28/11/2026. Reason: illness",
        "Trần Văn Ân will attend the meeting of 19:30 28/11/2026.",
        "Trần Văn Ân asks to be excused from the meeting of 19:30 28/11/2026. Reason: đi công tác Hà Nội",
    ]
    assert (row.answer, row.reason, row.answers) == ("absent", "đi công tác Hà Nội", 3)


async def test_a_member_who_asked_to_be_excused_can_still_press_attend_on_the_notice(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await speak_english(bot)
    member = s.tg("member")
    async with running_bot(config, clock, bot):
        meeting_id = await plan(fake, bot, s)
        notice = notice_of(fake, member)
        asked = await press(fake, member, notice, "Ask to be excused")
        await press(fake, member, asked, "illness")
        shown = message(fake, member, notice["message_id"])
        texts = "\n".join(fake.texts(member))
        offers = [m for m in fake.sent(member) if "Attend" in labels(fake, m)]
        if offers:  # change to "Attend" from the notice, as the notice invites
            await press(fake, member, offers[-1], "Attend")
        row = (await rows(bot, meeting_id))[s.people["member"]]
    # The member still has the time, the place and the agenda they answered, and its choices.
    assert "Place: Nhà văn hóa thôn 3" in texts and "2. Nhiệm vụ tháng 12" in texts, shown["text"]
    assert offers, 'no "Attend" button is left to change the answer with'
    assert (row.answer, row.reason) == ("attend", None)


# ---------------------------------------------------------------------- 3. no change once it opened


async def test_an_answer_cannot_be_changed_from_the_notice_once_the_meeting_opened(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await speak_english(bot)
    member, boss = s.tg("member"), s.tg("secretary")
    async with running_bot(config, clock, bot):
        meeting_id = await plan(fake, bot, s)
        await say(fake, member, "/attend")  # typed: the notice keeps its buttons
        await delivered(bot)
        clock.advance(**TO_START)
        await say(fake, boss, "/open")
        await delivered(bot)  # the check-in buttons are out before anyone answers
        before = (await rows(bot, meeting_id))[s.people["member"]]
        told_before = len(fake.sent(boss))
        refused = await press_for_answer(fake, member, notice_of(fake, member), "Ask to be excused")
        await delivered(bot)
        after = (await rows(bot, meeting_id))[s.people["member"]]
    assert refused == "Meeting #1 is open now."
    assert after == before and (after.answer, after.reason, after.answers) == ("attend", None, 1)
    assert len(fake.sent(boss)) == told_before, "the secretary is told nothing"


async def test_a_typed_absence_once_the_meeting_opened_says_it_has_opened(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await speak_english(bot)
    member, boss = s.tg("member"), s.tg("secretary")
    async with running_bot(config, clock, bot):
        meeting_id = await plan(fake, bot, s)
        await say(fake, member, "/attend")
        await delivered(bot)
        clock.advance(**TO_START)
        await say(fake, boss, "/open")
        await delivered(bot)  # the member's "Check in" message first, so the next reply is the answer
        [refused] = await say(fake, member, "/vang ốm đột xuất")
        after = (await rows(bot, meeting_id))[s.people["member"]]
    assert (after.answer, after.reason) == ("attend", None)
    # The member may use /absent; what stops them is that the meeting has opened, and they are told so,
    # as when they press "Ask to be excused" on the notice.
    assert (
        refused["text"] == "There is no planned meeting to answer: answers are taken until a meeting opens."
    )


# ----------------------------------------------------------------------- 4. changes and cancelling


async def test_a_change_of_place_is_told_to_those_who_answered_only(
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
        assert what["text"] == "What do you want to change in meeting #1?"
        assert labels(fake, what) == ["Time", "Place", "Agenda", "Cancel the meeting"]
        asked = await press(fake, boss, what, "Place")
        assert asked["text"] == "Where does the meeting take place?"
        [changed] = await say(fake, boss, "Hội trường UBND xã Thái Bình")
        await delivered(bot)
        new = {who: fake.texts(s.tg(who))[before[who] :] for who in NAMES}
        meeting = await meeting_row(bot, meeting_id)
    assert changed["text"] == "Meeting #1 is changed. Members who had answered are being told."
    change = (
        "The regular meeting of Chi bộ thôn 3 has changed. It is now:\n"
        "When: 19:30 28/11/2026, until about 21:30\n"
        "Place: Hội trường UBND xã Thái Bình\n"
        "Agenda:\n\n"
        "1. Kiểm điểm nghị quyết tháng 11\n"
        "2. Nhiệm vụ tháng 12"
    )
    assert new["deputy"] == [change] and new["member"] == [change]
    assert new["committee"] == [], "had not answered"
    assert change not in new["secretary"], "had not answered"
    assert meeting.place == "Hội trường UBND xã Thái Bình"


async def test_cancelling_tells_every_member_and_old_notice_buttons_change_nothing(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await speak_english(bot)
    boss, committee = s.tg("secretary"), s.tg("committee")
    async with running_bot(config, clock, bot):
        meeting_id = await plan(fake, bot, s)
        await say(fake, s.tg("deputy"), "/attend")
        await delivered(bot)
        [what] = await say(fake, boss, "/suahop")
        question = await press(fake, boss, what, "Cancel the meeting")
        assert question["text"] == "Cancel meeting #1 and tell every member?"
        assert labels(fake, question) == ["Yes, cancel it", "No"]
        done = await press(fake, boss, question, "Yes, cancel it")
        done = message(fake, boss, done["message_id"])
        await delivered(bot)
        cancelled = {who: fake.texts(s.tg(who))[-1] for who in NAMES}
        notice = notice_of(fake, committee)
        stale = await press_for_answer(fake, committee, notice, "Attend")
        await delivered(bot)
        row = (await rows(bot, meeting_id))[s.people["committee"]]
        meeting = await meeting_row(bot, meeting_id)
    assert done["text"] == "Meeting #1 is cancelled; every member is being told."
    told = "The regular meeting of Chi bộ thôn 3 on 19:30 28/11/2026 is cancelled."
    assert cancelled == dict.fromkeys(NAMES, told)
    assert stale == "Meeting #1 was cancelled."
    assert message(fake, committee, notice["message_id"]) == notice, "the old notice stays as it was"
    assert (row.answer, row.answers) == (None, 0)
    assert meeting.cancelled_at is not None
    assert fake.texts(boss)[-1] == told, "the secretary was told of no answer"


# -------------------------------------------------------------------------------------- 5. who may


@pytest.mark.parametrize("who", ["secretary", "committee"])
async def test_the_secretary_and_the_chair_open_tick_and_close(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed], who: str
) -> None:
    bot, s = seeded
    await speak_english(bot)
    runner = s.tg(who)
    async with running_bot(config, clock, bot):
        meeting_id = await plan(fake, bot, s, chair="Lê Văn Bình")
        clock.advance(**TO_START)
        [opened] = await say(fake, runner, f"/open #{meeting_id}")
        [ticks] = await say(fake, runner, f"/tick #{meeting_id}")
        clock.advance(minutes=100)
        [report] = await say(fake, runner, f"/close #{meeting_id}")
        meeting = await meeting_row(bot, meeting_id)
    assert str(opened["text"]).startswith("Meeting #1 is open from 19:30. Members check in with /checkin.")
    assert ticks["text"] == "Checked in: 0 of 4.\nTick in a member who came:"
    assert str(report["text"]).startswith("Roll call: regular meeting of Chi bộ thôn 3, 19:30 28/11/2026")
    assert meeting.opened_at is not None and meeting.closed_at is not None


@pytest.mark.parametrize("who", ["member", "organiser"])
async def test_a_plain_member_or_an_organiser_cannot_open_tick_or_close(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed], who: str
) -> None:
    bot, s = seeded
    await speak_english(bot)
    user = s.tg(who)
    async with running_bot(config, clock, bot):
        meeting_id = await plan(fake, bot, s, chair="Lê Văn Bình")
        clock.advance(**TO_START)
        [no_open] = await say(fake, user, f"/open #{meeting_id}")
        not_opened = await meeting_row(bot, meeting_id)
        await say(fake, s.tg("secretary"), "/open")
        [no_tick] = await say(fake, user, f"/tick #{meeting_id} {s.people['member']}")
        clock.advance(minutes=100)
        [no_close] = await say(fake, user, f"/close #{meeting_id}")
        meeting = await meeting_row(bot, meeting_id)
        member_row = (await rows(bot, meeting_id))[s.people["member"]]
    refusal = "Sorry, /%s is not available to you here. Send /help to see what you can do."
    assert [no_open["text"], no_tick["text"], no_close["text"]] == [
        refusal % "open",
        refusal % "tick",
        refusal % "close",
    ]
    assert not_opened.opened_at is None
    assert member_row.checked_in_at is None
    assert meeting.opened_at is not None and meeting.closed_at is None


@pytest.mark.parametrize("who", ["deputy", "organiser"])
async def test_the_deputy_and_the_organiser_see_the_roll_call_with_reasons(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed], who: str
) -> None:
    bot, s = seeded
    await speak_english(bot)
    async with running_bot(config, clock, bot):
        await plan(fake, bot, s)
        await say(fake, s.tg("member"), "/absent đi công tác Hà Nội")
        await delivered(bot)
        [report] = await say(fake, s.tg(who), "/rollcall")
    assert str(report["text"]).startswith(
        "Roll call so far: regular meeting of Chi bộ thôn 3, 19:30 28/11/2026 (month 11/2026)"
    )
    assert "Absent with reason: 1 — Trần Văn Ân (đi công tác Hà Nội)" in str(report["text"])


async def test_a_plain_member_cannot_see_the_roll_call(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await speak_english(bot)
    async with running_bot(config, clock, bot):
        meeting_id = await plan(fake, bot, s)
        await say(fake, s.tg("deputy"), "/absent ốm")
        await delivered(bot)
        [refused] = await say(fake, s.tg("member"), f"/rollcall #{meeting_id}")
    assert refused["text"] == (
        "Sorry, /rollcall is not available to you here. Send /help to see what you can do."
    )


async def test_a_member_cannot_answer_for_a_meeting_of_another_cell(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await speak_english(bot)
    tz = bot.config.tz
    async with bot.runtime.sessions.begin() as session:  # Chi bộ thôn 7's meeting, planned from the CLI
        other = await units.require_cell(session, str(s.other_cell))
        planned = await meetings.create(
            session=session,
            cell=other,
            plan=meetings.Plan(
                kind=Kind.REGULAR,
                starts_at=clock().astimezone(tz).replace(day=29, hour=19, minute=30),
                place="Nhà văn hóa thôn 7",
            ),
            actor=audit.CLI,
            now=clock(),
            rules=config.meetings.rules(),
            default_length=timedelta(minutes=120),
            tz=tz,
        )
        other_id = planned.id
    assert other_id is not None
    async with running_bot(config, clock, bot):
        [refused] = await say(fake, s.tg("member"), f"/attend #{other_id}")
        found = await rows(bot, other_id)
    assert refused["text"] == (
        "Sorry, /attend is not available to you here. Send /help to see what you can do."
    )
    assert s.people["member"] not in found
    assert all(row.answer is None for row in found.values())


# ------------------------------------------------------------------------ 6. check-in and ticking


async def test_check_in_by_button_late_arrival_and_a_tick_from_the_list(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await speak_english(bot)
    boss, deputy, committee = s.tg("secretary"), s.tg("deputy"), s.tg("committee")
    async with running_bot(config, clock, bot):
        meeting_id = await plan(fake, bot, s)
        await say(fake, deputy, "/attend")
        await say(fake, committee, "/comat")
        await delivered(bot)
        clock.advance(**TO_START)
        [opened] = await say(fake, boss, "/open")
        await delivered(bot)
        invites = {who: fake.sent(s.tg(who))[-1] for who in NAMES}
        welcome = await press(fake, deputy, invites["deputy"], "Check in")
        # The secretary ticks in the member who came without a phone, from the list.
        tick = button(fake, opened, "Trần Văn Ân")
        ticked = await press(fake, boss, opened, "Trần Văn Ân")
        ticked_row = (await rows(bot, meeting_id))[s.people["member"]]
        clock.advance(minutes=20)
        late = await press(fake, committee, invites["committee"], "Check in")
        # The same tick again (a double tap on the old list): nothing changes.
        answered = len(fake.calls("answerCallbackQuery"))
        fake.user_presses(boss, int(opened["message_id"]), tick)
        await fake.wait_until(lambda: len(fake.calls("answerCallbackQuery")) > answered, what="the answer")
        await settle(fake, boss)
        final = await rows(bot, meeting_id)
        [report] = await say(fake, boss, "/rollcall")
    opened_text = "The meeting of Chi bộ thôn 3 has opened. Check in when you arrive:"
    assert invites["deputy"]["text"] == opened_text and labels(fake, invites["deputy"]) == ["Check in"]
    assert invites["committee"]["text"] == opened_text
    assert invites["member"]["text"] != opened_text, "did not say they would come"
    assert opened["text"] == (
        "Meeting #1 is open from 19:30. Members check in with /checkin.\n\n"
        "Checked in: 0 of 4.\nTick in a member who came:"
    )
    assert labels(fake, opened) == ["Trần Văn Ân", "Lê Văn Bình", "Nguyễn Thị Hoa", "Hoàng Văn Thắng"]
    assert welcome["text"] == "Checked in at 19:30. Welcome, comrade."
    assert ticked["message_id"] == opened["message_id"], "the list is edited in place"
    assert ticked["text"] == "Checked in: 2 of 4.\nTick in a member who came:"
    assert labels(fake, ticked) == ["Lê Văn Bình", "Hoàng Văn Thắng"]
    assert late["text"] == "Checked in at 19:50, recorded as late."
    assert answers(fake)[-1] == "That choice is no longer open. Send the command again."
    assert final[s.people["member"]] == ticked_row, "the second tick changed nothing"
    assert ticked_row.ticked_by_person_id == s.people["secretary"]
    assert "Late: 1 — Lê Văn Bình (19:50)" in str(report["text"])
    assert "Present: 3 of 4" in str(report["text"])


# ---------------------------------------------------------------------------------------- 7. /close


async def judge_reasons(fake: FakeBotAPI, boss: int, question: Message) -> Message:
    """Accept Trần Văn Ân's reason and reject Nguyễn Thị Hoa's; return what comes after."""
    for _ in range(2):
        verdict = "Accept" if "Trần Văn Ân" in str(question["text"]) else "Reject"
        question = await press(fake, boss, question, verdict)
    return question


async def test_closing_judges_each_reason_confirms_an_early_close_and_gives_the_roll_call(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await speak_english(bot)
    xuan = await add_member(bot, s, clock, "Ma Thị Xuân", exempt=True)
    boss, member = s.tg("secretary"), s.tg("member")
    async with running_bot(config, clock, bot):
        meeting_id = await plan(fake, bot, s)
        [reasons] = await say(fake, member, "/absent")
        await press(fake, member, reasons, "illness")
        await say(fake, s.tg("deputy"), "/absent đi công tác Hà Nội")
        await say(fake, s.tg("committee"), "/attend")
        await delivered(bot)
        clock.advance(**TO_START)
        await say(fake, boss, "/open")
        await delivered(bot)  # the check-in buttons are out before anyone answers
        await say(fake, s.tg("committee"), "/checkin")
        clock.advance(minutes=20)
        await say(fake, boss, "/checkin")
        clock.advance(minutes=10)

        [question] = await say(fake, boss, "/close")
        assert "asked to be excused. Reason:" in str(question["text"])
        early = await judge_reasons(fake, boss, question)
        assert early["text"] == (
            "The meeting has lasted 30 minutes; the minimum is 90. Close it anyway? It will be noted "
            "in the record."
        )
        assert labels(fake, early) == ["Close it", "Keep it open"]
        kept = await press(fake, boss, early, "Keep it open")
        still_open = await meeting_row(bot, meeting_id)
        unjudged = await rows(bot, meeting_id)

        clock.advance(minutes=10)
        [question] = await say(fake, boss, "/close")
        early = await judge_reasons(fake, boss, question)
        report = await press(fake, boss, early, "Close it")
        report = message(fake, boss, report["message_id"])
        meeting = await meeting_row(bot, meeting_id)
        finals = {pid: row.final for pid, row in (await rows(bot, meeting_id)).items()}
    assert kept["text"] == "The meeting stays open. Close it later with /close."
    assert still_open.closed_at is None and not still_open.closed_early
    assert all(row.verdict is None and row.final is None for row in unjudged.values())
    assert meeting.closed_at is not None and meeting.closed_early and meeting.roll_call_confirmed
    assert report["text"] == (
        "Roll call: regular meeting of Chi bộ thôn 3, 19:30 28/11/2026 (month 11/2026)\n"
        "Members: 5 (official 5, probationary 0)\n"
        "Exempt from meetings: 1 — Ma Thị Xuân\n"
        "Present: 2 of 4 — Lê Văn Bình, Hoàng Văn Thắng\n"
        "Late: 1 — Hoàng Văn Thắng (19:50)\n"
        "Absent with reason: 1 — Trần Văn Ân (illness)\n"
        "Absent without reason: 1 — Nguyễn Thị Hoa\n"
        "Party dues not paid for 11/2026: 4 — Trần Văn Ân, Lê Văn Bình, Nguyễn Thị Hoa, Hoàng Văn Thắng\n"
        "Opened 19:30, closed 20:10: 40 minutes.\n"
        "Closed before the minimum duration (confirmed by the secretary)."
    )
    assert finals == {
        s.people["secretary"]: "late",
        s.people["deputy"]: "unexcused",
        s.people["committee"]: "present",
        s.people["member"]: "excused",
        xuan: "exempt",
    }


# ------------------------------------------------------------------------------ 8. closed by the job


async def test_an_open_meeting_nobody_closed_is_closed_by_the_job_and_confirmed_with_close(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await speak_english(bot)
    boss = s.tg("secretary")
    async with running_bot(config, clock, bot):
        meeting_id = await plan(fake, bot, s)
        await say(fake, s.tg("member"), "/absent ốm")
        await delivered(bot)
        clock.advance(**TO_START)
        await say(fake, boss, "/open")
        await delivered(bot)  # the check-in buttons are out before anyone answers
        await say(fake, s.tg("committee"), "/checkin")
        clock.advance(hours=4, minutes=1)  # past 21:30 (the expected end) + 2 hours
        told_before = len(fake.sent(boss))
        assert await bot.runtime.run_due_meetings() == 1
        await delivered(bot)
        told = fake.texts(boss)[told_before:]
        closed = await meeting_row(bot, meeting_id)
        unconfirmed = {pid: row.final for pid, row in (await rows(bot, meeting_id)).items()}

        [question] = await say(fake, boss, "/close")
        assert question["text"] == "Trần Văn Ân asked to be excused. Reason: ốm. Do you accept the reason?"
        report = await press(fake, boss, question, "Accept")
        meeting = await meeting_row(bot, meeting_id)
        confirmed = {pid: row.final for pid, row in (await rows(bot, meeting_id)).items()}
    assert told[0] == (
        "The meeting of 19:30 28/11/2026 was not closed, so I closed it at 23:30 28/11/2026. Members not "
        "ticked in are unconfirmed until you confirm the roll call: send /close."
    )
    # Then the summary (with the draft minutes and the workbook), saying who awaits confirmation.
    assert (
        told[1].startswith("Summary of the meeting\n")
        and "Unconfirmed (roll call not yet confirmed): 3" in told[1]
    )
    assert len(told) == 4, "the summary's text, DOCX and XLSX (no chart before 3 meetings)"
    assert closed.closed_automatically and not closed.roll_call_confirmed
    assert unconfirmed == {
        s.people["secretary"]: "unconfirmed",
        s.people["deputy"]: "unconfirmed",
        s.people["committee"]: "present",
        s.people["member"]: "unconfirmed",
    }
    assert str(report["text"]).startswith("Roll call: regular meeting of Chi bộ thôn 3")
    assert meeting.roll_call_confirmed
    assert confirmed == {
        s.people["secretary"]: "unexcused",
        s.people["deputy"]: "unexcused",
        s.people["committee"]: "present",
        s.people["member"]: "excused",
    }


# ---------------------------------------------------------------------------- 9. not recorded


async def test_a_meeting_never_opened_is_not_recorded_and_can_be_recorded_afterwards(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await speak_english(bot)
    boss = s.tg("secretary")
    async with running_bot(config, clock, bot):
        meeting_id = await plan(fake, bot, s)
        clock.advance(**TO_START)
        clock.advance(hours=4, minutes=1)  # past the expected end + 2 hours, never opened
        told_before = len(fake.sent(boss))
        runs = [await bot.runtime.run_due_meetings(), await bot.runtime.run_due_meetings()]
        await delivered(bot)
        told = fake.texts(boss)[told_before:]
        untouched = await rows(bot, meeting_id)

        [came] = await say(fake, boss, "/record")
        assert came["text"] == (
            "Who came to the meeting of 19:30 28/11/2026? Tick each one, then choose Done. (0 ticked)"
        )
        assert labels(fake, came) == [
            "Trần Văn Ân",
            "Lê Văn Bình",
            "Nguyễn Thị Hoa",
            "Hoàng Văn Thắng",
            "Done",
        ]
        came = await press(fake, boss, came, "Lê Văn Bình")
        came = await press(fake, boss, came, "Hoàng Văn Thắng")
        came = await press(fake, boss, came, "Trần Văn Ân")
        came = await press(fake, boss, came, "✓ Trần Văn Ân")  # ticked by mistake: untick
        assert str(came["text"]).endswith("(2 ticked)")
        assert labels(fake, came)[:4] == [
            "Trần Văn Ân",
            "✓ Lê Văn Bình",
            "Nguyễn Thị Hoa",
            "✓ Hoàng Văn Thắng",
        ]
        report = await press(fake, boss, came, "Done")
        meeting = await meeting_row(bot, meeting_id)
        finals = {pid: row.final for pid, row in (await rows(bot, meeting_id)).items()}
    assert runs == [1, 0]
    assert told == [
        "The meeting of 19:30 28/11/2026 was never opened here, so it is not recorded and nobody is "
        "marked absent. If the cell met, record who came with /record."
    ]
    assert all(row.final is None for row in untouched.values()), "nobody is marked absent"
    assert "Recorded afterwards: the meeting was held without the bot." in str(report["text"])
    assert meeting.recorded_late and meeting.closed_at is not None
    assert meetings.state(meeting, clock(), config.meetings.rules()) is State.CLOSED
    assert finals == {
        s.people["secretary"]: "present",
        s.people["deputy"]: "unexcused",
        s.people["committee"]: "present",
        s.people["member"]: "unexcused",
    }


# ------------------------------------------------------------------------------- 10. the group chat


async def test_the_group_chat_gets_the_notice_once_and_one_edit_of_its_tally_per_burst(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await speak_english(bot)
    fake.add_group(GROUP, "Chi bộ thôn 3")
    boss = s.tg("secretary")
    async with running_bot(config, clock, bot):
        [linked] = await say(fake, boss, "/linkgroup", chat_id=GROUP)
        await fake.wait_for_sent(GROUP, 1)
        meeting_id = await plan(fake, bot, s)
        [_, post] = await fake.wait_for_sent(GROUP, 2)
        # Three answers in a burst: one edit of the tally for all three.
        fake.user_sends(s.tg("deputy"), "/attend")
        fake.user_sends(s.tg("committee"), "/comat")
        fake.user_sends(s.tg("member"), "/absent đi công tác Hà Nội")
        for who in ("deputy", "committee", "member"):
            await fake.wait_for_sent(s.tg(who), 2)
        await delivered(bot)
        await bot.runtime.update_tally(meeting_id=meeting_id)
        edits = fake.calls("editMessageText", chat_id=GROUP)
        again = await bot.runtime.update_tally(meeting_id=meeting_id)
        edits_after = fake.calls("editMessageText", chat_id=GROUP)
        async with bot.runtime.sessions() as session:
            posts = (
                await session.exec(select(OutboxMessage).where(OutboxMessage.chat_id == str(GROUP)))
            ).all()
        tally = message(fake, GROUP, post["message_id"])
    assert linked["text"] == (
        "That group is now the group chat of Chi bộ thôn 3: notices are posted there with a count of "
        "answers, never names or reasons."
    )
    assert fake.texts(GROUP)[0] == "I have answered you in a private chat."
    assert len(fake.sent(GROUP)) == 2, "the pointer, and the notice posted once"
    assert [p.purpose for p in posts] == ["meeting_group"]
    assert "0/4" in str(post["text"])
    assert len(edits) == 1 and edits[0].params["message_id"] == post["message_id"]
    assert "3/4" in str(tally["text"])
    for secret in ("Nguyễn Thị Hoa", "Lê Văn Bình", "Trần Văn Ân", "đi công tác", "Hà Nội"):
        assert secret not in str(tally["text"])
    assert not again and len(edits_after) == 1, "nothing changed: no edit"


async def test_the_group_chat_learns_that_a_meeting_it_was_told_of_is_cancelled(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await speak_english(bot)
    fake.add_group(GROUP, "Chi bộ thôn 3")
    boss = s.tg("secretary")
    async with running_bot(config, clock, bot):
        await say(fake, boss, "/linkgroup", chat_id=GROUP)
        meeting_id = await plan(fake, bot, s)
        await fake.wait_for_sent(GROUP, 2)
        [what] = await say(fake, boss, "/meeting_edit")
        question = await press(fake, boss, what, "Cancel the meeting")
        await press(fake, boss, question, "Yes, cancel it")
        await delivered(bot)
        await bot.runtime.update_tally(meeting_id=meeting_id)
        shown = fake.texts(GROUP)[1:]
    # The group was told of the meeting; it must not go on showing it as still to come.
    assert any("hủy" in text for text in shown), shown


# ------------------------------------------------------------------------ 11. callback data fits


def callback_data(fake: FakeBotAPI) -> list[str]:
    """The callback data of every inline button the bot sent or edited in, whatever became of it."""
    found = []
    for call in fake.calls("sendMessage") + fake.calls("editMessageText"):
        markup = call.params.get("reply_markup") or {}
        for line in markup.get("inline_keyboard", []):
            found += [str(b["callback_data"]) for b in line if "callback_data" in b]
    return found


async def test_the_callback_data_of_every_meeting_button_fits_in_64_bytes(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await speak_english(bot)
    boss, member, deputy = s.tg("secretary"), s.tg("member"), s.tg("deputy")
    async with running_bot(config, clock, bot):
        await plan(fake, bot, s)
        [what] = await say(fake, boss, "/meeting_edit")
        await press(fake, boss, what, "Agenda")
        await say(fake, boss, "Một nội dung rất dài " * 10)
        asked = await press(fake, member, notice_of(fake, member), "Ask to be excused")
        await press(fake, member, asked, "sudden family matter")
        await press(fake, deputy, notice_of(fake, deputy), "Attend")
        await say(fake, member, "/dues")
        await delivered(bot)
        clock.advance(**TO_START)
        [opened] = await say(fake, boss, "/open")
        await delivered(bot)
        await press(fake, deputy, fake.sent(deputy)[-1], "Check in")
        await press(fake, boss, opened, "Lê Văn Bình")
        clock.advance(minutes=30)
        [question] = await say(fake, boss, "/close")
        early = await press(fake, boss, question, "Accept")
        await press(fake, boss, early, "Close it")
        data = callback_data(fake)
    assert len(data) >= 25, "every kind of button was shown"
    assert all(len(d.encode()) <= 64 for d in data), [d for d in data if len(d.encode()) > 64]


# ---------------------------------------------------------------------------------------- 12. dues


async def test_dues_reported_by_a_member_are_confirmed_by_the_secretary_and_shown_in_the_roll_call(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await speak_english(bot)
    boss, member = s.tg("secretary"), s.tg("member")
    async with running_bot(config, clock, bot):
        [reported] = await say(fake, member, "/dues")
        await delivered(bot)
        [confirm] = fake.sent(boss)
        listing = await press(fake, boss, confirm, "Confirm")
        async with bot.runtime.sessions() as session:
            [paid] = (await session.exec(select(DuesPayment))).all()
        await plan(fake, bot, s)
        [report] = await say(fake, boss, "/rollcall")
    assert reported["text"] == (
        "Thank you. I have asked the secretary to confirm your party dues for 11/2026."
    )
    assert confirm["text"] == "Trần Văn Ân says their party dues for 11/2026 are paid. Confirm?"
    assert labels(fake, confirm) == ["Confirm"]
    assert listing["text"] == "Party dues for 11/2026 not yet paid: 3. Tick each member who paid:"
    assert (paid.person_id, paid.month.isoformat(), paid.paid_on) == (
        s.people["member"],
        "2026-11-01",
        TODAY,
    )
    assert paid.confirmed_by_person_id == s.people["secretary"]
    assert "Party dues not paid for 11/2026: 3 — Lê Văn Bình, Nguyễn Thị Hoa, Hoàng Văn Thắng" in str(
        report["text"]
    )

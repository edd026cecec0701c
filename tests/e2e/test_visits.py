"""Household visits (issue 13) through the real Application and the fake Bot API: the visit form by
buttons (happy path, back and skip, abandon and resume, a restart half-way), a household that is not
mine (typed and with a forged button), a reassigned household, days in the future or before the
assignment, who sees what, the secretary's edits and "moved away", a member who leaves, and the
weekly reminder of overdue households."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from bot.config import Config
from fake_telegram import FakeBotAPI
from storage.models import ChatIdentity, FlowState, Household, Visit, VisitDraft, VisitNudge
from tests.support import (
    TODAY,
    FakeClock,
    RunningBot,
    Seed,
    add_households,
    button,
    delivered,
    press,
    running_bot,
    say,
    settle,
)

pytestmark = pytest.mark.e2e

Message = dict[str, Any]

NOT_YOURS = "That household is not one of yours. Send /households to see yours."
NO_LONGER = "That household is no longer yours, so this visit cannot be saved as yours."
STALE = "That choice is no longer open. Send the command again."
WHICH = "Which household did you visit? Choose one, or type part of the name."
MET = "Whom did you meet? (e.g. Mr Tuấn and his wife)"
TOPICS = (
    "What did you talk about? Press topics to choose several (or type their numbers, e.g. 1 3), then Done."
)
NOTES = "Notes on the visit: how the household is doing (a few lines)."
REQUEST = "Did the residents raise a request or complaint (kiến nghị)? Write it, or choose None."
FOLLOW = "Does it need following up? Type the date by which, or choose:"
EXTRAS = "You may send a photo or share your location (optional), then choose Done."
FUTURE = "That day has not come yet: a visit can only be logged once it happened."


def day_question(head: str) -> str:
    return f"Visit to {head}'s household. On which day? Type a date (05/12) or choose:"


# ------------------------------------------------------------------------------------------ helpers


def labels(fake: FakeBotAPI, shown: Message) -> list[str]:
    return [label for label, _ in fake.buttons(shown)]


async def speak_english(bot: RunningBot) -> None:
    """Every seeded account known to read English, so what the outbox sends them is in English."""
    async with bot.runtime.sessions.begin() as session:
        await session.exec(update(ChatIdentity).values(language_code="en"))


async def rows(bot: RunningBot, model: Any) -> list[Any]:
    async with bot.runtime.sessions() as session:
        key = col(model.id) if hasattr(model, "id") else col(model.person_id)
        return list((await session.exec(select(model).order_by(key))).all())


async def household(bot: RunningBot, household_id: int) -> Household:
    async with bot.runtime.sessions() as session:
        found = await session.get(Household, household_id)
    assert found is not None
    return found


async def form_of(bot: RunningBot, user: int) -> FlowState | None:
    async with bot.runtime.sessions() as session:
        query = select(FlowState).where(FlowState.user_id == str(user))
        return (await session.exec(query)).first()


async def forge(fake: FakeBotAPI, user: int, message: Message, data: str) -> str:
    """The user's client sends a press with data of its own making on one of the user's messages;
    return the answer to it once all is done."""
    answered = len(fake.calls("answerCallbackQuery"))
    fake.user_presses(user, int(str(message["message_id"])), data)
    await fake.wait_until(lambda: len(fake.calls("answerCallbackQuery")) > answered, what="the answer")
    await settle(fake, user)
    return str(fake.calls("answerCallbackQuery")[answered].params.get("text", ""))


async def start_visit(fake: FakeBotAPI, user: int, head: str) -> Message:
    """/visit, then the household by its button; return the day question."""
    [which] = await say(fake, user, "/visit")
    assert which["text"] == WHICH, which["text"]
    return await press(fake, user, which, head)


# ------------------------------------------------------------------------------------ 1. happy path


async def test_a_visit_by_buttons_is_saved_once_with_every_answer_and_counts_for_the_month(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    member = s.tg("member")
    pid = s.people["member"]
    [first, second] = (await add_households(bot.runtime.sessions, s.cell, {pid: 2}))[pid]
    async with running_bot(config, clock, bot):
        [which] = await say(fake, member, "/visit")
        day = await press(fake, member, which, f"Hộ {pid}-1")
        met = await press(fake, member, day, "Today")
        [topics] = await say(fake, member, "Ông Tuấn và vợ")
        topics = await press(fake, member, topics, "housing")
        topics = await press(fake, member, topics, "clean water and sanitation")
        chosen_labels = labels(fake, topics)
        notes = await press(fake, member, topics, "Done")
        [request] = await say(fake, member, "Nhà mới sửa mái, con đi học đủ")
        [follow] = await say(fake, member, "Đề nghị sửa đường vào xóm")
        extras = await press(fake, member, follow, "In a week")
        confirm = await press(fake, member, extras, "Done")
        saved = await press(fake, member, confirm, "Save")
        visits, drafts = await rows(bot, Visit), await rows(bot, VisitDraft)
        [listing] = await say(fake, member, "/households")
        form = await form_of(bot, member)
    assert which["text"] == WHICH
    assert labels(fake, which) == [f"Hộ {pid}-1", f"Hộ {pid}-2"]
    assert day["text"] == day_question(f"Hộ {pid}-1")
    assert labels(fake, day) == ["Today", "Yesterday", "« Back"]
    assert met["text"] == MET and labels(fake, met) == ["Skip", "« Back"]
    assert str(topics["text"]).startswith(TOPICS)
    assert "Chosen: housing, clean water and sanitation" in str(topics["text"])
    assert "✓ housing" in chosen_labels and "✓ clean water and sanitation" in chosen_labels
    assert "✓ work" not in chosen_labels and "work" in chosen_labels
    assert notes["text"] == NOTES
    assert request["text"] == REQUEST
    assert follow["text"] == FOLLOW
    assert labels(fake, follow) == ["No", "In a week", "In a month", "« Back"]
    assert extras["text"] == EXTRAS
    assert confirm["text"] == (
        f"Visit to Hộ {pid}-1's household on 26/11/2026\n"
        "Met: Ông Tuấn và vợ\n"
        "Topics: housing, clean water and sanitation\n"
        "Notes: Nhà mới sửa mái, con đi học đủ\n"
        "Request: Đề nghị sửa đường vào xóm\n"
        "Follow up by: 03/12/2026\n"
        "Save this visit?"
    )
    assert labels(fake, confirm) == ["Save", "« Back", "Discard it"]
    [visit] = visits
    assert saved["text"] == (
        f"Visit #{visit.id} is saved. Thank you.\n"
        "The request goes to the secretary's list for the next meeting.\n"
        "It is on your follow-ups until closed: /followups"
    )
    assert (visit.household_id, visit.cell_id, visit.person_id, visit.visited_on) == (
        first,
        s.cell,
        pid,
        TODAY,
    )
    assert visit.met == "Ông Tuấn và vợ"
    assert visit.topics == ["housing", "water"]
    assert visit.notes == "Nhà mới sửa mái, con đi học đủ"
    assert visit.request == "Đề nghị sửa đường vào xóm"
    assert visit.follow_up_due == TODAY + timedelta(days=7)
    assert visit.follow_up_closed_at is None
    assert drafts == [], "the draft goes once the visit is saved"
    assert form is None, "the form is finished"
    text = str(listing["text"])
    assert text.startswith("Your households in Chi bộ thôn 3: 2. 11/2026: 1 visited, 0 overdue."), text
    assert (
        f"1. Hộ {pid}-1 — Xóm 1, thôn 3\n   last visit 26/11/2026 · ✓ visited this month · ↻ follow-up open"
    ) in text
    assert f"2. Hộ {pid}-2 — Xóm 2, thôn 3\n   never visited" in text
    assert second != first


# ------------------------------------------------------------------------------------ 2. back and skip


async def test_back_returns_to_the_previous_question_and_skip_leaves_the_field_empty(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    member = s.tg("member")
    pid = s.people["member"]
    [hid] = (await add_households(bot.runtime.sessions, s.cell, {pid: 1}, on=date(2026, 11, 1)))[pid]
    async with running_bot(config, clock, bot):
        day = await start_visit(fake, member, f"Hộ {pid}-1")
        met = await press(fake, member, day, "Today")
        day_again = await press(fake, member, met, "« Back")
        [met_again] = await say(fake, member, "20/11")  # the day is changed
        [topics] = await say(fake, member, "Bà Hoa")
        met_third = await press(fake, member, topics, "« Back")
        met_third_text = met_third["text"]
        topics = await press(fake, member, met_third, "Skip")  # the earlier answer is taken back
        notes = await press(fake, member, topics, "Done")  # no topic
        request = await press(fake, member, notes, "Skip")
        follow = await press(fake, member, request, "None")
        notes_again = await press(fake, member, await press(fake, member, follow, "« Back"), "« Back")
        request = await press(fake, member, notes_again, "Skip")
        follow = await press(fake, member, request, "None")
        extras = await press(fake, member, follow, "No")
        confirm = await press(fake, member, extras, "Done")
        saved = await press(fake, member, confirm, "Save")
        [visit] = await rows(bot, Visit)
    assert day_again["text"] == day_question(f"Hộ {pid}-1")
    assert met_again["text"] == MET
    assert met_third_text == MET
    assert notes_again["text"] == NOTES
    assert confirm["text"] == (
        f"Visit to Hộ {pid}-1's household on 20/11/2026\n"
        "Met: —\nTopics: —\nNotes: —\nRequest: —\nFollow up by: —\nSave this visit?"
    )
    assert saved["text"] == f"Visit #{visit.id} is saved. Thank you."
    assert (visit.household_id, visit.visited_on) == (hid, date(2026, 11, 20))
    assert (visit.met, visit.topics, visit.notes, visit.request, visit.follow_up_due) == (
        None,
        [],
        None,
        None,
        None,
    )


# ----------------------------------------------------------------------------- 3. abandon and resume


async def test_a_visit_left_half_way_is_offered_again_and_continues_where_it_was(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    member = s.tg("member")
    pid = s.people["member"]
    [hid, _] = (await add_households(bot.runtime.sessions, s.cell, {pid: 2}))[pid]
    async with running_bot(config, clock, bot):
        day = await start_visit(fake, member, f"Hộ {pid}-1")
        met = await press(fake, member, day, "Today")
        [topics] = await say(fake, member, "Bà Lan")
        await press(fake, member, topics, "work")
        await say(fake, member, "/help")  # the member stops half-way
        drafts = await rows(bot, VisitDraft)
        [listing] = await say(fake, member, "/households")  # a draft is never a visit
        [offer] = await say(fake, member, "/visit")
        resumed = await press(fake, member, offer, "Continue")
        resumed_text, resumed_labels = resumed["text"], labels(fake, resumed)
        notes = await press(fake, member, resumed, "Done")
        [request] = await say(fake, member, "Ổn định")
        follow = await press(fake, member, request, "None")
        extras = await press(fake, member, follow, "No")
        confirm = await press(fake, member, extras, "Done")
        await press(fake, member, confirm, "Save")
        [visit] = await rows(bot, Visit)
        left = await rows(bot, VisitDraft)
    assert met["text"] == MET
    [draft] = drafts
    assert (draft.person_id, draft.household_id, draft.step) == (pid, hid, "topics")
    assert draft.data.get("met") == "Bà Lan" and draft.data.get("topics") == ["work"]
    text = str(listing["text"])
    assert "11/2026: 0 visited" in text and f"1. Hộ {pid}-1 — Xóm 1, thôn 3\n   never visited" in text
    assert offer["text"] == (
        f"You have an unfinished visit to Hộ {pid}-1's household (last written 26/11/2026). Continue it?"
    )
    assert labels(fake, offer) == ["Continue", "Discard it"]
    assert str(resumed_text).startswith(TOPICS) and "Chosen: work" in str(resumed_text)
    assert "✓ work" in resumed_labels
    assert notes["text"] == NOTES
    assert (visit.household_id, visit.visited_on, visit.met, visit.topics, visit.notes) == (
        hid,
        TODAY,
        "Bà Lan",
        ["work"],
        "Ổn định",
    )
    assert left == []


async def test_a_discarded_draft_starts_over_and_is_never_a_visit(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    member = s.tg("member")
    pid = s.people["member"]
    await add_households(bot.runtime.sessions, s.cell, {pid: 2})
    async with running_bot(config, clock, bot):
        day = await start_visit(fake, member, f"Hộ {pid}-2")
        met = await press(fake, member, day, "Today")
        await say(fake, member, "Ông Nam")
        await say(fake, member, "/help")
        [offer] = await say(fake, member, "/visit")
        edits = len(fake.calls("editMessageText"))
        await press(fake, member, offer, "Discard it")
        await settle(fake, member)
        restarted = next(m for m in fake.sent(member) if m["message_id"] == offer["message_id"])
        restarted_text, restarted_labels = restarted["text"], labels(fake, restarted)
        told = [str(c.params.get("text")) for c in fake.calls("editMessageText")[edits:]]
        visits, drafts = await rows(bot, Visit), await rows(bot, VisitDraft)
        [again] = await say(fake, member, "/visit")  # nothing is offered any more
        [listing] = await say(fake, member, "/households")
    assert met["text"] == MET
    # One edit that says so and asks again (a second edit of the same message would hide the first).
    assert any(
        t.startswith("The unfinished visit is discarded.\nWhich household did you visit?") for t in told
    )
    assert restarted_text == "The unfinished visit is discarded.\n" + WHICH and restarted_labels == [
        f"Hộ {pid}-1",
        f"Hộ {pid}-2",
    ]
    assert visits == [] and drafts == []
    assert again["text"] == WHICH
    assert "11/2026: 0 visited" in str(listing["text"])
    assert "last visit" not in str(listing["text"])


# -------------------------------------------------------------------------------- 4. a restart


async def test_a_visit_form_survives_a_restart_half_way(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    first, s = seeded
    member = s.tg("member")
    pid = s.people["member"]
    [hid] = (await add_households(first.runtime.sessions, s.cell, {pid: 1}))[pid]
    async with running_bot(config, clock, first):
        day = await start_visit(fake, member, f"Hộ {pid}-1")
        await press(fake, member, day, "Today")
        [topics] = await say(fake, member, "Cả gia đình")
        topics = await press(fake, member, topics, "health insurance")
    # A new process over the same database: the buttons already shown still work.
    second = RunningBot(config, clock)
    async with running_bot(config, clock, second):
        topics = await press(fake, member, topics, "security and order")
        notes = await press(fake, member, topics, "Done")
        [request] = await say(fake, member, "Chưa có thẻ bảo hiểm y tế cho cháu nhỏ")
        [follow] = await say(fake, member, "Xin hỗ trợ làm thẻ BHYT")
        [extras] = await say(fake, member, "15/12/2026")
        confirm = await press(fake, member, extras, "Done")
        saved = await press(fake, member, confirm, "Save")
        [visit] = await rows(second, Visit)
        drafts = await rows(second, VisitDraft)
    assert notes["text"] == NOTES and extras["text"] == EXTRAS
    assert saved["text"].startswith(f"Visit #{visit.id} is saved.")
    assert (visit.household_id, visit.person_id, visit.visited_on, visit.met) == (
        hid,
        pid,
        TODAY,
        "Cả gia đình",
    )
    assert visit.topics == ["insurance", "security"]
    assert visit.notes == "Chưa có thẻ bảo hiểm y tế cho cháu nhỏ"
    assert visit.request == "Xin hỗ trợ làm thẻ BHYT"
    assert visit.follow_up_due == date(2026, 12, 15)
    assert drafts == []


async def test_a_draft_survives_a_restart_and_is_offered_by_the_new_bot(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    first, s = seeded
    member = s.tg("member")
    pid = s.people["member"]
    await add_households(first.runtime.sessions, s.cell, {pid: 1}, on=date(2026, 11, 1))
    async with running_bot(config, clock, first):
        day = await start_visit(fake, member, f"Hộ {pid}-1")
        await press(fake, member, day, "Yesterday")
        await say(fake, member, "Bà Hoa")
    second = RunningBot(config, clock)
    async with running_bot(config, clock, second):
        [offer] = await say(fake, member, "/thamho")
        topics = await press(fake, member, offer, "Continue")
        notes = await press(fake, member, topics, "Done")
        request = await press(fake, member, notes, "Skip")
        follow = await press(fake, member, request, "None")
        extras = await press(fake, member, follow, "No")
        confirm = await press(fake, member, extras, "Done")
        await press(fake, member, confirm, "Save")
        [visit] = await rows(second, Visit)
    assert str(offer["text"]).startswith(f"You have an unfinished visit to Hộ {pid}-1's household")
    assert str(topics["text"]).startswith(TOPICS)
    assert (visit.visited_on, visit.met) == (TODAY - timedelta(days=1), "Bà Hoa")


# ----------------------------------------------------------------------------- 5. not my household


async def test_a_household_that_is_not_mine_is_refused_typed_or_with_a_forged_button(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    member, committee = s.tg("member"), s.tg("committee")
    mine = (await add_households(bot.runtime.sessions, s.cell, {s.people["member"]: 1}))[s.people["member"]]
    theirs = (await add_households(bot.runtime.sessions, s.cell, {s.people["committee"]: 1}))[
        s.people["committee"]
    ]
    other = theirs[0]
    head = f"Hộ {s.people['committee']}-1"
    async with running_bot(config, clock, bot):
        [typed] = await say(fake, member, f"/visit {other}")
        [by_name, by_name_list] = await say(fake, member, f"/visit {head}", replies=2)
        [opened] = await say(fake, member, f"/households {other}")
        [opened_cell] = await say(fake, member, f"/ho #{s.cell} {other}")
        # The committee member's own buttons, pressed from the member's chat: forged presses.
        [their_list] = await say(fake, committee, "/households")
        [their_visit] = await say(fake, committee, "/visit")
        [own_list] = await say(fake, member, "/households")
        [own_visit] = await say(fake, member, "/visit")
        before = len(fake.sent(member))
        forged_open = await forge(fake, member, own_list, button(fake, their_list, head))
        forged_pick = await forge(fake, member, own_visit, button(fake, their_visit, head))
        after = fake.texts(member)[before:]
        visits, drafts = await rows(bot, Visit), await rows(bot, VisitDraft)
    assert typed["text"] == NOT_YOURS
    assert by_name["text"] == f"None of your households matches “{head}”. Choose one:"
    assert labels(fake, by_name_list) == [f"Hộ {s.people['member']}-1"]
    assert opened["text"] == NOT_YOURS and opened_cell["text"] == NOT_YOURS
    for refused in (opened, opened_cell, by_name_list):
        assert "Xóm" not in str(refused["text"]) and head not in str(refused["text"])
    assert head in str(their_list["text"])
    assert head not in str(own_list["text"]) and f"Hộ {s.people['member']}-1" in str(own_list["text"])
    assert forged_open == STALE and forged_pick == STALE
    assert all(head not in text and "Xóm" not in text for text in after), after
    assert visits == []
    assert all(d.household_id != other for d in drafts)
    assert mine


# ------------------------------------------------------------------------- 6. a reassigned household


async def test_a_reassigned_household_moves_to_the_new_member_and_the_old_form_is_refused(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    boss, member, committee = s.tg("secretary"), s.tg("member"), s.tg("committee")
    pid = s.people["member"]
    [hid, _] = (await add_households(bot.runtime.sessions, s.cell, {pid: 2}, on=date(2026, 11, 1)))[pid]
    head = f"Hộ {pid}-1"
    async with running_bot(config, clock, bot):
        # The member has a visit to it open, at the question of whom they met.
        day = await start_visit(fake, member, head)
        met = await press(fake, member, day, "Today")
        # The secretary gives it to the committee member, with buttons.
        [card] = await say(fake, boss, f"/households {hid}")
        who = await press(fake, boss, card, "Give to…")
        given = await press(fake, boss, who, "Lê Văn Bình")
        # The member's form is refused at the next step; the household is gone from their lists.
        [refused] = await say(fake, member, "Ông Tuấn")
        [old_list] = await say(fake, member, "/households")
        [old_visit] = await say(fake, member, "/visit")
        old_drafts = [d for d in await rows(bot, VisitDraft) if d.person_id == pid]
        [old_typed] = await say(fake, member, f"/visit {hid}")
        # The new member sees it and logs a visit to it.
        [new_list] = await say(fake, committee, "/households")
        [which] = await say(fake, committee, "/visit")
        day = await press(fake, committee, which, head)
        met = await press(fake, committee, day, "Today")
        topics = await press(fake, committee, met, "Skip")
        notes = await press(fake, committee, topics, "Done")
        request = await press(fake, committee, notes, "Skip")
        follow = await press(fake, committee, request, "None")
        extras = await press(fake, committee, follow, "No")
        confirm = await press(fake, committee, extras, "Done")
        await press(fake, committee, confirm, "Save")
        visits = await rows(bot, Visit)
    assert labels(fake, card)[:3] == ["Give to…", "Change details", "Moved away"]
    assert "Lê Văn Bình" in labels(fake, who)
    assert given["text"] == f"{head}'s household is now Lê Văn Bình's, from 26/11/2026."
    assert refused["text"] == NO_LONGER
    assert head not in str(old_list["text"]) and f"Hộ {pid}-2" in str(old_list["text"])
    assert head in str(new_list["text"]) and "Your households in Chi bộ thôn 3: 1." in str(new_list["text"])
    assert labels(fake, which) == [head]
    [visit] = visits
    assert (visit.household_id, visit.person_id, visit.visited_on) == (hid, s.people["committee"], TODAY)
    # The form and the draft of the old member's visit are gone: nothing offers it to them again.
    assert old_drafts == [], "the old member's draft on a household no longer theirs is dropped"
    assert old_visit["text"] == WHICH and labels(fake, old_visit) == [f"Hộ {pid}-2"]
    assert old_typed["text"] == NOT_YOURS


# ------------------------------------------------------------------------------------------ 7. dates


async def test_a_future_day_or_one_before_the_assignment_is_refused_with_the_reason(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    member = s.tg("member")
    pid = s.people["member"]
    await add_households(bot.runtime.sessions, s.cell, {pid: 1}, on=date(2026, 11, 20))
    async with running_bot(config, clock, bot):
        await start_visit(fake, member, f"Hộ {pid}-1")
        [future] = await say(fake, member, "27/11/2026")
        [before] = await say(fake, member, "19/11")
        [nonsense] = await say(fake, member, "31/02/2026")
        form = await form_of(bot, member)
        drafts = await rows(bot, VisitDraft)
        visits = await rows(bot, Visit)
        [accepted] = await say(fake, member, "20/11/2026")
        after = await rows(bot, VisitDraft)
    assert future["text"] == FUTURE
    assert before["text"] == (
        "You were given this household on 20/11/2026; a visit before that day cannot be logged as yours."
    )
    assert nonsense["text"] == "Write the day of the visit as a date, for example 05/12 or 05/12/2026."
    assert form is not None and (form.flow, form.step) == ("visit", "day")
    assert [d.step for d in drafts] == ["day"] and "day" not in drafts[0].data
    assert visits == []
    assert accepted["text"] == MET
    assert [(d.step, d.data.get("day")) for d in after] == [("met", "2026-11-20")]


# ------------------------------------------------------------------------------------------ 8. privacy


async def add_visit(bot: RunningBot, s: Seed, household_id: int, who: str, **fields: Any) -> int:
    async with bot.runtime.sessions.begin() as session:
        visit = Visit(
            household_id=household_id,
            cell_id=s.cell,
            person_id=s.people[who],
            created_at=datetime(2026, 11, 26, 3, 0, tzinfo=UTC),
            **{"visited_on": TODAY, **fields},
        )
        session.add(visit)
        await session.flush()
        assert visit.id is not None
        return visit.id


async def test_who_sees_names_and_who_sees_counts_only(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    pm, pd = s.people["member"], s.people["deputy"]
    made = await add_households(bot.runtime.sessions, s.cell, {pm: 2, pd: 1})
    await add_visit(bot, s, made[pm][0], "member", request="Sửa cống", follow_up_due=date(2026, 12, 3))
    await add_visit(
        bot, s, made[pd][0], "deputy", request="Xin hỗ trợ giống", follow_up_due=date(2026, 12, 1)
    )
    heads = [f"Hộ {pm}-1", f"Hộ {pm}-2", f"Hộ {pd}-1"]
    async with running_bot(config, clock, bot):
        [boss] = await say(fake, s.tg("secretary"), "/households")
        [deputy] = await say(fake, s.tg("deputy"), "/households")
        [organiser] = await say(fake, s.tg("organiser"), f"/households #{s.cell}")
        [committee] = await say(fake, s.tg("committee"), "/households")
        [committee_one] = await say(fake, s.tg("committee"), f"/households {made[pm][0]}")
        [committee_follow] = await say(fake, s.tg("committee"), "/followups")
        [member] = await say(fake, s.tg("member"), "/households")
        [member_other] = await say(fake, s.tg("member"), f"/households {made[pd][0]}")
        [member_follow] = await say(fake, s.tg("member"), "/followups")
        [boss_follow] = await say(fake, s.tg("secretary"), "/followups")
        [other_cell] = await say(fake, s.tg("other_member"), "/households")
        [other_cell_one] = await say(fake, s.tg("other_member"), f"/households #{s.cell} {made[pm][0]}")
        [other_unit] = await say(fake, s.tg("other_organiser"), f"/households #{s.cell}")
        [other_unit_one] = await say(fake, s.tg("other_organiser"), f"/households #{s.cell} {made[pm][0]}")
    for reader in (boss, deputy, organiser):
        text = str(reader["text"])
        assert all(head in text for head in heads), text
        assert "Trần Văn Ân" in text and "Nguyễn Thị Hoa" in text, text
    text = str(committee["text"])
    assert text.startswith("Coverage in Chi bộ thôn 3, 11/2026: households visited 2 of 3 (67%)."), text
    assert "• Trần Văn Ân: 1/2 visited" in text and "• Nguyễn Thị Hoa: 1/1 visited" in text
    for hidden in (committee, committee_one, committee_follow, member_other):
        shown = str(hidden["text"])
        assert "Hộ " not in shown and "Xóm" not in shown, shown
        assert "Sửa cống" not in shown and "Xin hỗ trợ giống" not in shown, shown
    assert committee_one["text"] == NOT_YOURS
    assert member_other["text"] == NOT_YOURS
    assert committee_follow["text"] == "No follow-ups are open."
    text = str(member["text"])
    assert f"Hộ {pm}-1" in text and f"Hộ {pm}-2" in text and f"Hộ {pd}-1" not in text, text
    text = str(member_follow["text"])
    assert text.startswith("Open follow-ups: 1"), text
    assert f"Hộ {pm}-1" in text and "Sửa cống" in text
    assert f"Hộ {pd}-1" not in text and "Xin hỗ trợ giống" not in text
    text = str(boss_follow["text"])
    assert text.startswith("Open follow-ups: 2"), text
    assert f"Hộ {pm}-1" in text and f"Hộ {pd}-1" in text and "Xin hỗ trợ giống" in text
    # Another cell's member, and the organiser of another commune: nothing of this cell at all.
    for outsider in (other_cell, other_cell_one, other_unit, other_unit_one):
        shown = str(outsider["text"])
        assert "Hộ " not in shown and "Xóm" not in shown and "Trần Văn Ân" not in shown, shown
    assert other_cell["text"] == "You have no households to visit in Chi bộ thôn 7."
    assert (
        other_unit["text"]
        == "Sorry, /households is not available to you here. Send /help to see what you can do."
    )


# -------------------------------------------------------------------------- 9. edit and moved away


async def test_the_secretary_edits_a_household_and_marks_one_moved_away(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    boss, member = s.tg("secretary"), s.tg("member")
    pid = s.people["member"]
    [first, second] = (await add_households(bot.runtime.sessions, s.cell, {pid: 2}))[pid]
    visit_id = await add_visit(bot, s, second, "member", notes="Gia đình chuẩn bị chuyển đi")
    async with running_bot(config, clock, bot):
        [card] = await say(fake, boss, f"/households {first}")
        which = await press(fake, boss, card, "Change details")
        asked = await press(fake, boss, which, "number of people")
        [changed] = await say(fake, boss, "6")
        [card2] = await say(fake, boss, f"/households {second}")
        confirm = await press(fake, boss, card2, "Moved away")
        retired = await press(fake, boss, confirm, "Confirm")
        [boss_list] = await say(fake, boss, "/households")
        [member_list] = await say(fake, member, "/households")
        [member_visit] = await say(fake, member, "/visit")
        [gone] = await say(fake, boss, f"/households {second}")
        edited, moved = await household(bot, first), await household(bot, second)
        visits = await rows(bot, Visit)
    assert asked["text"] == "Write the new number of people (now: 4). Send /cancel to stop."
    assert changed["text"] == "Saved: number of people is now 6."
    assert edited.people == 6 and edited.active
    assert confirm["text"] == (
        f"Hộ {pid}-2's household will no longer be followed (moved away). Its visits are kept. Confirm?"
    )
    assert retired["text"] == f"Hộ {pid}-2's household is no longer followed; its visits are kept."
    assert moved.active is False
    assert [v.id for v in visits] == [visit_id], "its visits stay"
    for listing in (boss_list, member_list):
        text = str(listing["text"])
        assert f"Hộ {pid}-1" in text and f"Hộ {pid}-2" not in text, text
    assert labels(fake, member_visit) == [f"Hộ {pid}-1"]
    assert f"Hộ {pid}-2" not in str(gone["text"])


# ---------------------------------------------------------------------------- 10. a member leaves


async def test_a_member_who_leaves_leaves_their_households_to_nobody(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    boss = s.tg("secretary")
    pm, pd = s.people["member"], s.people["deputy"]
    await add_households(bot.runtime.sessions, s.cell, {pm: 2, pd: 1}, on=date(2026, 11, 1))
    async with running_bot(config, clock, bot):
        [before] = await say(fake, boss, "/households")
        [card] = await say(fake, boss, f"/members #{s.cell} {pm}")
        await press(fake, boss, card, "Leaves the cell")
        [question] = await say(fake, boss, "Chuyển sinh hoạt về xã Kim Phú")
        confirmed = await press(fake, boss, question, "Confirm")
        [after] = await say(fake, boss, "/households")
    assert "is no longer a member" in str(confirmed["text"])
    assert "Nobody yet" not in str(before["text"])
    text = str(after["text"])
    nobody = text.index("Nobody yet: give them to a member")
    deputy = text.index("Nguyễn Thị Hoa")
    assert nobody < text.index(f"Hộ {pm}-1") < deputy and nobody < text.index(f"Hộ {pm}-2") < deputy, text
    assert "Trần Văn Ân" not in text
    assert text.index(f"Hộ {pd}-1") > deputy


# ---------------------------------------------------------------------------------------- 11. nudges


async def test_members_with_overdue_households_are_reminded_at_most_once_a_week(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await speak_english(bot)
    pm, pc, pd = s.people["member"], s.people["committee"], s.people["deputy"]
    made = await add_households(bot.runtime.sessions, s.cell, {pm: 2, pc: 1})
    late = await add_households(bot.runtime.sessions, s.cell, {pd: 1}, on=date(2026, 12, 15))
    await add_visit(bot, s, made[pc][0], "committee", visited_on=date(2026, 12, 10))
    member, committee, deputy = s.tg("member"), s.tg("committee"), s.tg("deputy")
    async with running_bot(config, clock, bot):
        await delivered(bot.runtime)
        clock.now = datetime(2027, 1, 5, 3, 0, tzinfo=UTC)  # 10:00 in Hanoi
        start = {user: len(fake.sent(user)) for user in (member, committee, deputy)}
        first = await bot.runtime.nudge_visits()
        await delivered(bot.runtime)
        told = {user: fake.texts(user)[start[user] :] for user in start}
        clock.advance(hours=1)
        same_day = await bot.runtime.nudge_visits()
        clock.now = datetime(2027, 1, 11, 3, 0, tzinfo=UTC)  # six days on
        six_days = await bot.runtime.nudge_visits()
        await delivered(bot.runtime)
        quiet = {user: fake.texts(user)[start[user] :] for user in start}
        clock.now = datetime(2027, 1, 12, 3, 0, tzinfo=UTC)  # a week on
        week = await bot.runtime.nudge_visits()
        await delivered(bot.runtime)
        again = {user: fake.texts(user)[start[user] :] for user in start}
        nudges = await rows(bot, VisitNudge)
    assert first == 1
    reminder = (
        "Reminder: 2 of your households have not been visited for a whole month:\n"
        f"• Hộ {pm}-1, Xóm 1, thôn 3\n"
        f"• Hộ {pm}-2, Xóm 2, thôn 3\n"
        "Send /visit after you see them."
    )
    assert told[member] == [reminder]
    assert told[committee] == [] and told[deputy] == [], "nothing overdue, nothing sent"
    assert (same_day, six_days) == (0, 0)
    assert quiet == told
    assert week == 1
    assert again[member] == [reminder, reminder]
    assert again[committee] == [] and again[deputy] == []
    assert [(n.person_id, n.sent_at) for n in nudges] == [(pm, datetime(2027, 1, 12, 3, 0, tzinfo=UTC))]
    assert late[pd]

"""Household visits on a messenger without buttons (as Zalo is), by typing alone: the whole visit form
with numbers and the starts of labels (topics chosen as "1 3"), back and skip, a visit left half-way
then continued or discarded by typing, a refused day, and a follow-up closed by its number."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from bot.runtime import Runtime
from storage.models import Visit, VisitDraft
from tests.support import TODAY, FakeClock, Seed, TextChat, add_households, numbered

pytestmark = pytest.mark.e2e

WHICH = "Which household did you visit? Choose one, or type part of the name."
MET = "Whom did you meet? (e.g. Mr Tuấn and his wife)"
TOPICS = (
    "What did you talk about? Press topics to choose several (or type their numbers, e.g. 1 3), then Done."
)
NOTES = "Notes on the visit: how the household is doing (a few lines)."
REQUEST = "Did the residents raise a request or complaint (kiến nghị)? Write it, or choose None."
FOLLOW = "Does it need following up? Type the date by which, or choose:"
EXTRAS = "You may send a photo or share your location (optional), then choose Done."
TOPIC_LABELS = [
    "housing",
    "income and poverty status",
    "work",
    "children's schooling",
    "health insurance",
    "clean water and sanitation",
    "security and order",
    "policy explained",
    "mediation",
]


async def rows(runtime: Runtime, model: Any) -> list[Any]:
    async with runtime.sessions() as session:
        return list((await session.exec(select(model).order_by(col(model.id)))).all())


async def test_a_visit_by_typing_alone_then_one_left_half_way_and_a_follow_up_closed(
    text_world: tuple[TextChat, Seed, Runtime], clock: FakeClock
) -> None:
    chat, s, runtime = text_world
    member, boss = s.tg("member"), s.tg("secretary")
    pid = s.people["member"]
    [first, second] = (await add_households(runtime.sessions, s.cell, {pid: 2}, on=date(2026, 11, 1)))[pid]
    for person in (member, boss):
        await chat.say(person, "/help")

    # The whole form by typing: a number, "today", text, "1 3", "done", "in a week", "save".
    [which] = await chat.say(member, "/thamho")
    assert which.startswith(WHICH) and numbered(which) == [f"Hộ {pid}-1", f"Hộ {pid}-2"]
    [day] = await chat.say(member, "1")
    assert day.startswith(f"Visit to Hộ {pid}-1's household. On which day?")
    assert numbered(day) == ["Today", "Yesterday", "« Back"]
    [future] = await chat.say(member, "30/11")
    assert future == "That day has not come yet: a visit can only be logged once it happened."
    [met] = await chat.say(member, "today")
    assert met.startswith(MET) and numbered(met) == ["Skip", "« Back"]
    [topics] = await chat.say(member, "Ông Tuấn và vợ")
    assert topics.startswith(TOPICS)
    assert numbered(topics) == [*TOPIC_LABELS, "Done", "« Back"]
    [topics] = await chat.say(member, "1 3")
    assert "Chosen: housing, work" in topics
    assert numbered(topics)[:3] == ["✓ housing", "income and poverty status", "✓ work"]
    [notes] = await chat.say(member, "done")
    assert notes.startswith(NOTES)
    [request] = await chat.say(member, "Nhà mới sửa mái")
    assert request.startswith(REQUEST) and numbered(request) == ["None", "« Back"]
    [follow] = await chat.say(member, "Đề nghị sửa đường vào xóm")
    assert follow.startswith(FOLLOW) and numbered(follow) == ["No", "In a week", "In a month", "« Back"]
    [extras] = await chat.say(member, "in a week")
    assert extras.startswith(EXTRAS)
    [confirm] = await chat.say(member, "done")
    assert confirm.startswith(
        f"Visit to Hộ {pid}-1's household on 26/11/2026\n"
        "Met: Ông Tuấn và vợ\n"
        "Topics: housing, work\n"
        "Notes: Nhà mới sửa mái\n"
        "Request: Đề nghị sửa đường vào xóm\n"
        "Follow up by: 03/12/2026\n"
        "Save this visit?"
    ), confirm
    assert numbered(confirm) == ["Save", "« Back", "Discard it"]
    [saved] = await chat.say(member, "save")
    [visit] = await rows(runtime, Visit)
    assert saved.startswith(f"Visit #{visit.id} is saved. Thank you.")
    assert (visit.household_id, visit.person_id, visit.visited_on, visit.met) == (
        first,
        pid,
        TODAY,
        "Ông Tuấn và vợ",
    )
    assert visit.topics == ["housing", "work"]
    assert (visit.notes, visit.request) == ("Nhà mới sửa mái", "Đề nghị sửa đường vào xóm")
    assert visit.follow_up_due == TODAY + timedelta(days=7)
    assert await rows(runtime, VisitDraft) == []

    # A second visit: back, skip, then left half-way (the member writes /help and goes away).
    await chat.say(member, "/visit")
    [day] = await chat.say(member, "2")
    assert day.startswith(f"Visit to Hộ {pid}-2's household.")
    [met] = await chat.say(member, "today")
    assert met.startswith(MET)
    [day_again] = await chat.say(member, "back")
    assert day_again.startswith(f"Visit to Hộ {pid}-2's household. On which day?")
    [met] = await chat.say(member, "yesterday")
    assert met.startswith(MET)
    [topics] = await chat.say(member, "skip")
    assert topics.startswith(TOPICS)
    [topics] = await chat.say(member, "2")  # one number picks one topic, as a press would
    assert "Chosen: income and poverty status" in topics
    await chat.say(member, "/help")
    [listing] = await chat.say(member, "/households")
    assert f"2. Hộ {pid}-2 — Xóm 2, thôn 3\n   never visited" in listing, "a draft is never a visit"
    [offer] = await chat.say(member, "/visit")
    assert offer.startswith(
        f"You have an unfinished visit to Hộ {pid}-2's household (last written 26/11/2026). Continue it?"
    )
    assert numbered(offer) == ["Continue", "Discard it"]
    [resumed] = await chat.say(member, "continue")
    assert resumed.startswith(TOPICS) and "Chosen: income and poverty status" in resumed
    [notes] = await chat.say(member, "done")
    assert notes.startswith(NOTES)
    [request] = await chat.say(member, "skip")
    assert request.startswith(REQUEST)
    [follow] = await chat.say(member, "none")
    assert follow.startswith(FOLLOW)
    [extras] = await chat.say(member, "no")
    assert extras.startswith(EXTRAS)
    [confirm] = await chat.say(member, "done")
    assert "on 25/11/2026\nMet: —\nTopics: income and poverty status\nNotes: —\nRequest: —" in confirm
    [saved] = await chat.say(member, "save")
    [_, again] = await rows(runtime, Visit)
    assert saved == f"Visit #{again.id} is saved. Thank you."
    assert (again.household_id, again.visited_on, again.met, again.topics, again.notes, again.request) == (
        second,
        TODAY - timedelta(days=1),
        None,
        ["income"],
        None,
        None,
    )
    assert again.follow_up_due is None

    # A third one, left and then discarded by typing: nothing is saved from it.
    await chat.say(member, "/visit")
    await chat.say(member, "1")
    await chat.say(member, "today")
    await chat.say(member, "Bà Lan")
    await chat.say(member, "/help")
    [offer] = await chat.say(member, "/visit")
    assert offer.startswith(f"You have an unfinished visit to Hộ {pid}-1's household")
    [discarded] = await chat.say(member, "discard")  # one message: it says so and asks again
    assert discarded.startswith("The unfinished visit is discarded.\n" + WHICH)
    assert len(await rows(runtime, Visit)) == 2 and await rows(runtime, VisitDraft) == []
    await chat.say(member, "/cancel")

    # The follow-up of the first visit, closed by typing its number.
    [open_items] = await chat.say(member, "/theodoi")
    assert open_items.startswith("Open follow-ups: 1\n")
    assert f"1. Hộ {pid}-1 — by 03/12/2026" in open_items
    assert "Request: Đề nghị sửa đường vào xóm" in open_items
    [closed] = await chat.say(member, "1")
    assert closed == f"The follow-up for Hộ {pid}-1's household is closed."
    [none] = await chat.say(member, "/followups")
    assert none == "No follow-ups are open."
    [first_visit, _] = await rows(runtime, Visit)
    assert first_visit.follow_up_closed_at is not None
    assert first_visit.follow_up_closed_by_person_id == pid
    [boss_list] = await chat.say(boss, "/followups")
    assert boss_list == "No follow-ups are open."

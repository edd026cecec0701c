"""Contributions during a meeting (issue 11) through the real Application and the fake Bot API: what is
refused and stores nothing, Speak then the next message (text, a voice note, a photo; not a sticker),
a Telegram edit that corrects a contribution, a withdrawal, a form that survives a restart, many members
at once, and the relay of contributions to the cell's group chat."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from bot.chat import POINTER
from bot.config import Config
from bot.services import audit, people, units
from fake_telegram import FakeBotAPI
from storage.models import AgendaItem, Cell, ChatIdentity, Contribution, ContributionVersion, FlowState
from tests.support import (
    TODAY,
    FakeClock,
    RunningBot,
    Seed,
    button,
    plan_meeting,
    press,
    running_bot,
    say,
    settle,
)

pytestmark = pytest.mark.e2e

Message = dict[str, Any]

GROUP = -1001234567890
AGENDA = ("Tình hình an ninh", "Thu đảng phí", "Nhiệm vụ tháng 12")
ASK = (
    "Send your contribution now: write it, send a voice note, or a photo with a caption. "
    "Send /cancel to stop."
)
ACTIONS = ["A question", "A proposal", "Self-criticism", "Another agenda item", "Correct", "Withdraw"]

EMPTY = "Please write something, send a voice note, or a photo with a caption."
STALE = "That choice is no longer open. Send the command again."


# ------------------------------------------------------------------------------------------ helpers


def noted(quoted: str, what: str = "no agenda item") -> str:
    """The confirmation of a contribution: what it is, and what was kept, quoted."""
    return f"Your contribution is noted: {what}.\n«{quoted}»"


async def speak_english(bot: RunningBot) -> None:
    """Every seeded account known to write in English, so what the outbox sends them is in English."""
    async with bot.runtime.sessions.begin() as session:
        await session.exec(update(ChatIdentity).values(language_code="en"))


async def delivered(bot: RunningBot) -> None:
    """Everything queued in the outbox has been sent."""
    bot.runtime.delivery.wake()
    await bot.runtime.delivery.wait_settled()


def labels(fake: FakeBotAPI, shown: Message) -> list[str]:
    return [label for label, _ in fake.buttons(shown)]


async def plan(bot: RunningBot, s: Seed, clock: FakeClock) -> int:
    """A regular meeting of Chi bộ thôn 3 in two hours (12:00 in Hanoi), with a three-item agenda; the
    notices are out when this returns."""
    meeting_id = await plan_meeting(bot.runtime.sessions, s.cell, clock, bot.runtime.config, agenda=AGENDA)
    await delivered(bot)
    return meeting_id


async def open_meeting(fake: FakeBotAPI, bot: RunningBot, s: Seed, clock: FakeClock) -> int:
    """Plan the meeting, move to its start and open it (the secretary); return its id."""
    meeting_id = await plan(bot, s, clock)
    clock.advance(hours=2)
    [opened] = await say(fake, s.tg("secretary"), "/open")
    assert str(opened["text"]).startswith(f"Meeting #{meeting_id} is open from 12:00."), opened["text"]
    await delivered(bot)
    return meeting_id


async def close_meeting(fake: FakeBotAPI, bot: RunningBot, s: Seed, clock: FakeClock) -> None:
    """Close the open meeting after 100 minutes (past the minimum: no question asked)."""
    clock.advance(minutes=100)
    [report] = await say(fake, s.tg("secretary"), "/close")
    assert str(report["text"]).startswith("Roll call:"), report["text"]
    await delivered(bot)


async def check_in(fake: FakeBotAPI, user: int) -> Message:
    """The member checks in; return the welcome (with its Speak button)."""
    [welcome] = await say(fake, user, "/checkin")
    assert str(welcome["text"]).startswith("Checked in at "), welcome["text"]
    return welcome


async def speak(fake: FakeBotAPI, user: int, welcome: Message) -> Message:
    """Press Speak on the check-in welcome; return the question it brings (a new message)."""
    before = len(fake.sent(user))
    fake.user_presses(user, int(welcome["message_id"]), button(fake, welcome, "Speak"))
    [asked] = (await fake.wait_for_sent(user, before + 1))[before:]
    return asked


async def send_media(
    fake: FakeBotAPI, user: int, kind: str, *, caption: str | None = None
) -> tuple[Message, Message]:
    """The member sends a voice note, photo or sticker; return what they sent and the bot's reply."""
    before = len(fake.sent(user))
    sent = fake.user_sends_media(user, kind, caption=caption)
    [reply] = (await fake.wait_for_sent(user, before + 1))[before:]
    return sent["message"], reply


async def send(fake: FakeBotAPI, user: int, text: str) -> tuple[Message, Message]:
    """The member writes; return their message (to edit later) and the bot's reply."""
    before = len(fake.sent(user))
    sent = fake.user_sends(user, text)
    [reply] = (await fake.wait_for_sent(user, before + 1))[before:]
    return sent["message"], reply


async def stored(bot: RunningBot) -> list[Contribution]:
    async with bot.runtime.sessions() as session:
        return list((await session.exec(select(Contribution).order_by(col(Contribution.id)))).all())


async def history(bot: RunningBot) -> list[ContributionVersion]:
    async with bot.runtime.sessions() as session:
        query = select(ContributionVersion).order_by(
            col(ContributionVersion.contribution_id), col(ContributionVersion.version)
        )
        return list((await session.exec(query)).all())


async def cell_row(bot: RunningBot, s: Seed) -> Cell:
    async with bot.runtime.sessions() as session:
        cell = await session.get(Cell, s.cell)
    assert cell is not None
    return cell


# ------------------------------------------------------------------------------------ 1. refusals


async def test_contributions_refused_before_the_opening_unchecked_after_the_close_or_in_the_group(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await speak_english(bot)
    fake.add_group(GROUP, "Chi bộ thôn 3")
    boss, member, committee = s.tg("secretary"), s.tg("member"), s.tg("committee")
    async with running_bot(config, clock, bot):
        await say(fake, boss, "/linkgroup", chat_id=GROUP)
        meeting_id = await plan(bot, s, clock)
        # Planned, not open: refused, typed or with Speak.
        [early] = await say(fake, member, "/say Tôi đồng ý với báo cáo")
        [early_speak] = await say(fake, member, "/ykien")
        clock.advance(hours=2)
        await say(fake, boss, "/open")
        await delivered(bot)
        # Open, but the committee member has not checked in.
        [unchecked] = await say(fake, committee, "/say Tôi chưa điểm danh")
        [unchecked_speak] = await say(fake, committee, "/say")
        # Checked in, but written in the group: answered privately, a pointer in the group.
        await check_in(fake, member)
        in_group_before = len(fake.sent(GROUP))
        [in_group] = await say(fake, member, "/say Ý kiến viết trong nhóm", chat_id=GROUP)
        await fake.wait_for_sent(GROUP, in_group_before + 1)
        group_after = fake.texts(GROUP)[in_group_before:]
        # Closed: refused, whether the meeting is named or not.
        await close_meeting(fake, bot, s, clock)
        [late] = await say(fake, member, "/say Ý kiến sau khi họp")
        [late_named] = await say(fake, member, f"/say #{meeting_id} Ý kiến sau khi họp")
        rows, versions = await stored(bot), await history(bot)
    assert (
        early["text"]
        == early_speak["text"]
        == (
            f"Meeting #{meeting_id} has not opened yet. Contributions are taken once it opens, from members "
            "who checked in; members excused from it may send a written view. Nothing was saved."
        )
    )
    assert (
        unchecked["text"]
        == unchecked_speak["text"]
        == ("Please check in first with /checkin, then send your contribution again. Nothing was saved.")
    )
    assert in_group["text"] == (
        "Contributions are sent in your private chat with me, not in the group. Nothing was saved here."
    )
    assert set(group_after) == {POINTER}, "the group sees only where the answer went"
    assert not any("Ý kiến viết trong nhóm" in text for text in fake.texts(GROUP))
    assert late["text"] == (
        "No meeting of your cell is open now. Contributions are taken while a meeting is open; "
        "nothing was saved."
    )
    assert late_named["text"] == (
        f"Meeting #{meeting_id} is over: contributions are no longer taken. Nothing was saved."
    )
    assert rows == [] and versions == []


# ------------------------------------------------------------------------------------ 2. Speak


async def test_speak_then_a_text_is_stored_on_the_item_under_discussion_and_can_be_marked(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await speak_english(bot)
    boss, member = s.tg("secretary"), s.tg("member")
    async with running_bot(config, clock, bot):
        meeting_id = await open_meeting(fake, bot, s, clock)
        welcome = await check_in(fake, member)
        [first] = await say(fake, boss, "/next")
        [second] = await say(fake, boss, "/tieptheo")
        asked = await speak(fake, member, welcome)
        sent, confirmed = await send(fake, member, "Đề nghị thu đảng phí đúng hạn")
        marked = await press(fake, member, confirmed, "A question")
        [row] = await stored(bot)
        versions = await history(bot)
        async with bot.runtime.sessions() as session:
            items = {
                i.position: i.id
                for i in (
                    await session.exec(select(AgendaItem).where(AgendaItem.meeting_id == meeting_id))
                ).all()
            }
    assert welcome["text"] == "Checked in at 12:00. Welcome, comrade."
    assert labels(fake, welcome) == ["Speak"]
    assert first["text"] == (
        "Now on item 1 of 3: Tình hình an ninh\n\n"
        "Not heard from yet; you could invite them to speak: Trần Văn Ân."
    )
    assert str(second["text"]).startswith("Now on item 2 of 3: Thu đảng phí")
    assert asked["text"] == f"Under discussion: item 2. Thu đảng phí\n{ASK}"
    assert confirmed["text"] == noted("Đề nghị thu đảng phí đúng hạn", "item 2. Thu đảng phí")
    assert labels(fake, confirmed) == ACTIONS
    assert marked["message_id"] == confirmed["message_id"], "the confirmation is edited in place"
    assert marked["text"] == "Marked: item 2. Thu đảng phí · question."
    assert labels(fake, marked) == [
        "Plain comment",
        "A proposal",
        "Self-criticism",
        "Another agenda item",
        "Correct",
        "Withdraw",
    ]
    assert (row.meeting_id, row.person_id, row.agenda_item_id) == (meeting_id, s.people["member"], items[2])
    assert (row.body, row.kind, row.version, row.media_kind, row.written) == (
        "Đề nghị thu đảng phí đúng hạn",
        "question",
        2,
        None,
        False,
    )
    assert row.source == f"telegram:{member}:{sent['message_id']}"
    assert [(v.version, v.kind, v.body, v.agenda_item_id) for v in versions] == [
        (1, "comment", "Đề nghị thu đảng phí đúng hạn", items[2]),
        (2, "question", "Đề nghị thu đảng phí đúng hạn", items[2]),
    ]


# ------------------------------------------------------------------------------ 3. voice and photo


async def test_speak_takes_a_voice_note_and_a_photo_with_its_caption_but_not_a_sticker(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await speak_english(bot)
    member = s.tg("member")
    async with running_bot(config, clock, bot):
        await open_meeting(fake, bot, s, clock)
        welcome = await check_in(fake, member)
        await speak(fake, member, welcome)
        voice_sent, voice_noted = await send_media(fake, member, "voice")
        await speak(fake, member, welcome)
        photo_sent, photo_noted = await send_media(
            fake, member, "photo", caption="Ảnh đoạn đường liên thôn bị sạt lở"
        )
        await speak(fake, member, welcome)
        _, sticker_refused = await send_media(fake, member, "sticker")
        after_sticker = len(await stored(bot))
        async with bot.runtime.sessions() as session:
            form = (await session.exec(select(FlowState).where(FlowState.user_id == str(member)))).first()
        _, text_noted = await send(fake, member, "Tôi bổ sung: cần báo cáo xã")
        voice_row, photo_row, text_row = await stored(bot)
    voice, photos = voice_sent["voice"], photo_sent["photo"]
    assert voice_noted["text"] == noted(f"[voice note 0:{voice['duration']:02d}]")
    assert photo_noted["text"] == noted("[photo] Ảnh đoạn đường liên thôn bị sạt lở")
    assert text_noted["text"] == noted("Tôi bổ sung: cần báo cáo xã")
    assert labels(fake, voice_noted) == ACTIONS
    assert (
        voice_row.media_kind,
        voice_row.file_id,
        voice_row.duration_seconds,
        voice_row.file_size,
        voice_row.body,
    ) == ("voice", voice["file_id"], voice["duration"], voice["file_size"], "")
    largest = photos[-1]
    assert largest["file_size"] > photos[0]["file_size"]
    assert (
        photo_row.media_kind,
        photo_row.file_id,
        photo_row.duration_seconds,
        photo_row.file_size,
        photo_row.body,
    ) == ("photo", largest["file_id"], None, largest["file_size"], "Ảnh đoạn đường liên thôn bị sạt lở")
    # A sticker: a polite refusal, nothing stored, the form still open for the next message.
    assert sticker_refused["text"] == EMPTY
    assert after_sticker == 2
    assert form is not None and form.flow == "say"
    assert (text_row.body, text_row.media_kind, text_row.file_id) == (
        "Tôi bổ sung: cần báo cáo xã",
        None,
        None,
    )


# --------------------------------------------------------------------- 4. edit, withdraw, double tap


async def test_an_edit_corrects_the_contribution_until_the_close_and_a_withdrawal_is_kept_once(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await speak_english(bot)
    member = s.tg("member")
    async with running_bot(config, clock, bot):
        await open_meeting(fake, bot, s, clock)
        await check_in(fake, member)
        first_sent, first_noted = await send(fake, member, "/say first words")
        before = len(fake.sent(member))
        fake.user_edits(member, int(first_sent["message_id"]), "/say corrected words")
        [corrected] = (await fake.wait_for_sent(member, before + 1))[before:]

        _, second_noted = await send(fake, member, "/ykien words to take back")
        withdraw = button(fake, second_noted, "Withdraw")
        answered = len(fake.calls("answerCallbackQuery"))
        # A double tap: two presses of Withdraw before the first is answered.
        fake.user_presses(member, int(second_noted["message_id"]), withdraw)
        fake.user_presses(member, int(second_noted["message_id"]), withdraw)
        await fake.wait_until(
            lambda: len(fake.calls("answerCallbackQuery")) >= answered + 2, what="2 answers"
        )
        await settle(fake, member)
        withdrawn_shown = next(m for m in fake.sent(member) if m["message_id"] == second_noted["message_id"])
        tap_answers = [
            str(c.params.get("text") or "")
            for c in fake.calls("answerCallbackQuery")[answered : answered + 2]
        ]
        first_row, second_row = await stored(bot)
        versions_open = await history(bot)

        await close_meeting(fake, bot, s, clock)
        before = len(fake.sent(member))
        fake.user_edits(member, int(first_sent["message_id"]), "/say too late to change")
        [too_late] = (await fake.wait_for_sent(member, before + 1))[before:]
        rows_closed, versions_closed = await stored(bot), await history(bot)
    assert first_noted["text"] == noted("first words")
    assert corrected["text"] == "Your contribution is corrected (version 2)."
    assert (first_row.body, first_row.version, first_row.withdrawn_at) == ("corrected words", 2, None)
    assert [(v.version, v.body, v.withdrawn) for v in versions_open if v.contribution_id == first_row.id] == [
        (1, "first words", False),
        (2, "corrected words", False),
    ]
    assert withdrawn_shown["text"] == "Withdrawn. It no longer counts, but the history keeps it."
    assert labels(fake, withdrawn_shown) == []
    assert tap_answers == ["", STALE], "the second tap changes nothing and says so"
    assert second_row.withdrawn_at is not None and second_row.version == 2
    assert [
        (v.version, v.body, v.withdrawn) for v in versions_open if v.contribution_id == second_row.id
    ] == [(1, "words to take back", False), (2, "words to take back", True)]
    # After the close an edit changes nothing and stores nothing new.
    assert [(r.id, r.body, r.version, r.withdrawn_at) for r in rows_closed] == [
        (first_row.id, "corrected words", 2, None),
        (second_row.id, "words to take back", 2, second_row.withdrawn_at),
    ]
    assert [(v.contribution_id, v.version, v.body) for v in versions_closed] == [
        (v.contribution_id, v.version, v.body) for v in versions_open
    ]
    assert too_late["text"] == "Meeting #1 has closed."


# --------------------------------------------------------------------------------- 5. a restart


async def test_speak_survives_a_restart_before_the_message(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    first, s = seeded
    await speak_english(first)
    member = s.tg("member")
    async with running_bot(config, clock, first):
        meeting_id = await open_meeting(fake, first, s, clock)
        welcome = await check_in(fake, member)
        asked = await speak(fake, member, welcome)
    # A new process: only the database remembers that the member pressed Speak.
    second = RunningBot(config, clock)
    async with second.runtime.sessions() as session:
        form = (await session.exec(select(FlowState).where(FlowState.user_id == str(member)))).first()
    async with running_bot(config, clock, second):
        [confirmed] = await say(fake, member, "Ý kiến gửi sau khi bot khởi động lại")
        rows = await stored(second)
    assert asked["text"] == ASK
    assert form is not None and form.flow == "say"
    assert confirmed["text"] == noted("Ý kiến gửi sau khi bot khởi động lại")
    assert [(r.meeting_id, r.person_id, r.body) for r in rows] == [
        (meeting_id, s.people["member"], "Ý kiến gửi sau khi bot khởi động lại")
    ]


# ------------------------------------------------------------------------------ 6. many at once


async def add_linked_members(
    bot: RunningBot, s: Seed, fake: FakeBotAPI, clock: FakeClock, count: int
) -> dict[int, int]:
    """More members of Chi bộ thôn 3, each linked on Telegram in English; return Telegram id -> person id."""
    linked: dict[int, int] = {}
    async with bot.runtime.sessions.begin() as session:
        cell = await units.require_cell(session, str(s.cell))
        for n in range(1, count + 1):
            person = await people.add_person(
                session=session,
                full_name=f"Đảng viên Số {n:02d}",
                cell=cell,
                actor=audit.CLI,
                now=clock(),
                today=TODAY,
            )
            assert person.id is not None
            user = 1000 + person.id
            session.add(
                ChatIdentity(
                    platform="telegram",
                    external_id=str(user),
                    person_id=person.id,
                    linked_at=clock(),
                    language_code="en",
                )
            )
            linked[user] = person.id
    for n, user in enumerate(linked, start=1):
        fake.add_user(user, f"Member {n:02d}", language_code="en")
    return linked


async def test_nineteen_members_sending_three_contributions_each_at_once_lose_nothing(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await speak_english(bot)
    linked = await add_linked_members(bot, s, fake, clock, 19)
    users = list(linked)
    async with running_bot(config, clock, bot):
        meeting_id = await open_meeting(fake, bot, s, clock)
        before = {user: len(fake.sent(user)) for user in users}
        for user in users:
            fake.user_sends(user, "/checkin")
        for user in users:
            await fake.wait_for_sent(user, before[user] + 1, timeout=30)
        before = {user: len(fake.sent(user)) for user in users}
        # Every update queued before the bot answers any: three rounds of nineteen.
        sent: dict[int, list[tuple[int, str]]] = {user: [] for user in users}
        for round_ in range(1, 4):
            for user in users:
                text = f"Ý kiến số {round_} của {linked[user]}"
                message = fake.user_sends(user, f"/say {text}")["message"]
                sent[user].append((int(message["message_id"]), text))
        for user in users:
            await fake.wait_for_sent(user, before[user] + 3, timeout=60)
        confirmations = {user: fake.texts(user)[before[user] :] for user in users}
        rows = await stored(bot)
    for user, texts in confirmations.items():
        assert texts == [noted(text) for _, text in sent[user]], "each confirmed, in the order sent"
    assert len(rows) == 57
    assert all(r.meeting_id == meeting_id and not r.written for r in rows)
    for user, person_id in linked.items():
        mine = [r for r in rows if r.person_id == person_id]  # in id order
        assert [r.body for r in mine] == [text for _, text in sent[user]], "in the order sent"
        assert [r.source for r in mine] == [f"telegram:{user}:{mid}" for mid, _ in sent[user]]


# ------------------------------------------------------------------------------------ 7. relay


async def test_relay_posts_contributions_in_the_group_only_while_it_is_on(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await speak_english(bot)
    fake.add_group(GROUP, "Chi bộ thôn 3")
    boss, member = s.tg("secretary"), s.tg("member")
    async with running_bot(config, clock, bot):
        await say(fake, boss, "/linkgroup", chat_id=GROUP)
        await open_meeting(fake, bot, s, clock)
        off_by_default = (await cell_row(bot, s)).relay_contributions
        [shown] = await say(fake, boss, "/relay")
        await check_in(fake, member)
        group_before = len(fake.sent(GROUP))
        await say(fake, member, "/say Không chuyển khi tắt")
        await delivered(bot)
        while_off = fake.texts(GROUP)[group_before:]

        turned_on = await press(fake, boss, shown, "Turn on")
        on = (await cell_row(bot, s)).relay_contributions
        await say(fake, member, "/say Đề nghị sửa đường liên thôn")
        await delivered(bot)
        while_on = fake.texts(GROUP)[group_before:]

        [turned_off] = await say(fake, boss, "/chuyennhom off")
        off = (await cell_row(bot, s)).relay_contributions
        await say(fake, member, "/say Sau khi tắt chuyển nhóm")
        await delivered(bot)
        after_off = fake.texts(GROUP)[group_before:]
        rows = await stored(bot)
    assert off_by_default is False
    assert shown["text"] == "Posting contributions in the group chat of Chi bộ thôn 3: off."
    assert labels(fake, shown) == ["Turn on", "Turn off"]
    assert while_off == []
    assert turned_on["text"] == "From now on, each contribution is posted in the group chat of Chi bộ thôn 3."
    assert on is True
    # The group has no language of its own: it is written to in the default one, Vietnamese.
    assert while_on == ["Đ/c Trần Văn Ân: Đề nghị sửa đường liên thôn"]
    assert turned_off["text"] == "Contributions are no longer posted in the group chat of Chi bộ thôn 3."
    assert off is False
    assert after_off == while_on, "nothing more is posted once it is off"
    assert len(rows) == 3, "every contribution is stored, relayed or not"


async def test_a_relayed_voice_note_is_named_in_the_groups_language(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await speak_english(bot)
    fake.add_group(GROUP, "Chi bộ thôn 3")
    boss, member = s.tg("secretary"), s.tg("member")
    async with running_bot(config, clock, bot):
        await say(fake, boss, "/linkgroup", chat_id=GROUP)
        await open_meeting(fake, bot, s, clock)
        await say(fake, boss, "/relay on")
        welcome = await check_in(fake, member)
        group_before = len(fake.sent(GROUP))
        await speak(fake, member, welcome)
        await send_media(fake, member, "voice")
        await delivered(bot)
        relayed = fake.texts(GROUP)[group_before:]
    # The group is written to in Vietnamese: "[voice note]" must be too ("tin nhắn thoại").
    assert relayed == ["Đ/c Trần Văn Ân: [tin nhắn thoại]"]

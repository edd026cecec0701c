"""Input the bot must survive: odd digits, huge ids, long text, overlong language codes, long
arguments behind buttons, presses Telegram no longer accepts answers for."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.chat import GREETING, NOT_TEXT
from bot.config import Config
from bot.i18n import translator
from bot.services import audit, people, records, units
from fake_telegram import MAX_CALLBACK_DATA_BYTES, QUERY_INVALID, FakeBotAPI
from storage.models import ChatIdentity, Delegation, Exemption, FlowState, Person
from tests.support import (
    TODAY,
    FakeClock,
    RunningBot,
    Seed,
    button,
    press,
    running_bot,
    say,
)

pytestmark = pytest.mark.e2e

SORRY = "Sorry, something went wrong on my side. Please try again in a minute."


@pytest.mark.parametrize(
    ("who", "text", "expected"),
    [
        ("secretary", "/members #²", "There is no such cell."),
        ("secretary", "/members #①", "There is no such cell."),
        ("secretary", "/members #99999999999999999999", "There is no such cell."),
        ("secretary", "/members #{cell} ²", "There is no member ² in this cell."),
        ("secretary", "/members #{cell} 99999999999999999999 end", "There is no member"),
        ("secretary", "/delegate ①", "Give the number of days"),
        ("secretary", "/delegate 99999999999999999999", "Give the number of days"),
        ("organiser", "/roles #{commune} revoke ²", "That role is not held any more."),
        ("organiser", "/roles #{commune} revoke 99999999999999999999", "That role is not held any more."),
        ("organiser", "/roles #{commune} cell ٣", "That cell is not in your unit."),
        ("organiser", "/roles #{commune} grant {cell} committee_member ²", "Only a member of the cell"),
        ("organiser", "/roles #99999999999999999999", "There is no such unit."),
    ],
)
async def test_odd_digits_and_huge_numbers_are_no_such_thing(
    config: Config,
    fake: FakeBotAPI,
    clock: FakeClock,
    seeded: tuple[RunningBot, Seed],
    who: str,
    text: str,
    expected: str,
) -> None:
    bot, s = seeded
    async with running_bot(config, clock, bot):
        [reply] = await say(fake, s.tg(who), text.format(cell=s.cell, commune=s.commune))
    assert expected in str(reply["text"])


@pytest.mark.parametrize("action", ["exempt", "end"])
async def test_a_reason_longer_than_the_record_holds_is_refused_politely_and_the_form_waits(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed], action: str
) -> None:
    bot, s = seeded
    boss = s.tg("secretary")
    long_reason = "Ốm dài ngày, điều trị ở bệnh viện tỉnh. " * 16  # 639 characters with the spaces
    async with running_bot(config, clock, bot):
        await say(fake, boss, f"/members #{s.cell} {s.people['member']} {action}")
        [refused] = await say(fake, boss, long_reason.strip())
        [accepted] = await say(fake, boss, "Ốm dài ngày")
        if action == "end":
            await press(fake, boss, accepted, "Confirm")
        async with bot.runtime.sessions() as session:
            exemptions = (await session.exec(select(Exemption))).all()
            forms = (await session.exec(select(FlowState))).all()
    assert f"{len(long_reason.strip())} characters long" in str(refused["text"])
    assert forms == [], "the shorter reason finished the form"
    if action == "exempt":
        assert [e.reason for e in exemptions] == ["Ốm dài ngày"]


async def test_a_reason_too_long_for_the_record_is_refused_on_the_command_line_path_too(
    config: Config, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    from bot.errors import UserError

    bot, s = seeded
    async with bot.runtime.sessions.begin() as session:
        person = await people.require_person(session, str(s.people["member"]))
        with pytest.raises(UserError):
            await records.exempt(
                session=session,
                person=person,
                valid_from=TODAY,
                valid_to=None,
                reason="x" * 501,
                actor=audit.CLI,
                now=clock(),
            )
    await bot.runtime.engine.dispose()


async def test_an_overlong_messenger_language_code_is_kept_to_its_base_language(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    member = s.tg("member")
    fake.add_user(member, "Member", language_code="en-x-a-very-long-private-tag")
    async with running_bot(config, clock, bot):
        [first] = await say(fake, member, "/help")
        [second] = await say(fake, member, "/help")
        async with bot.runtime.sessions() as session:
            identity = (
                await session.exec(select(ChatIdentity).where(ChatIdentity.external_id == str(member)))
            ).one()
    assert first["text"] == second["text"] and "Commands you can use" in str(first["text"])
    assert identity.language_code == "en"


async def test_an_unknown_command_of_many_emoji_is_echoed_shortened(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    async with running_bot(config, clock, bot):
        [reply] = await say(fake, s.tg("member"), "/" + "🇻🇳" * 2047)
    assert str(reply["text"]).startswith("There is no command /" + "🇻🇳" * 16 + "…")


async def test_which_cell_buttons_fit_telegram_whatever_arguments_follow_the_command(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    organiser = s.tg("organiser")
    async with bot.runtime.sessions.begin() as session:
        await units.add_cell(
            session=session,
            name="Chi bộ thôn 5",
            unit_ref=str(s.commune),
            kind="village",
            actor=audit.CLI,
            now=clock(),
        )
    async with running_bot(config, clock, bot):
        [question] = await say(fake, organiser, "/announce " + "Kính mời các đồng chí dự họp " * 20)
        data = [d for _, d in fake.buttons(question)]
        prompt = await press(fake, organiser, question, "Chi bộ thôn 3")
    assert question["text"] == "Which cell?" and len(data) == 2
    assert all(d is not None and len(d.encode()) <= MAX_CALLBACK_DATA_BYTES for d in data)
    assert "Write the announcement for Chi bộ thôn 3" in str(prompt["text"])


async def test_a_press_is_acted_on_even_when_telegram_no_longer_takes_its_answer(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    member = s.tg("member")
    async with running_bot(config, clock, bot):
        [question] = await say(fake, member, "/lang")
        fake.fail_next("answerCallbackQuery", 400, description=QUERY_INVALID)
        done = await press(fake, member, question, "Tiếng Việt")
        async with bot.runtime.sessions() as session:
            person = await session.get(Person, s.people["member"])
    assert [c.status for c in fake.calls("answerCallbackQuery")] == [400]
    assert person is not None and person.language == "vi"
    assert done["text"] == translator("vi").gettext("From now on I will write to you in English.")


async def test_a_reply_to_a_press_on_a_vanished_message_is_sent_as_a_new_message(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    member = s.tg("member")
    async with running_bot(config, clock, bot):
        [question] = await say(fake, member, "/lang")
        fake.fail_next("editMessageText", 400, description="Bad Request: message to edit not found")
        fake.user_presses(member, int(str(question["message_id"])), button(fake, question, "English"))
        [_, anew] = await fake.wait_for_sent(member, 2)
    assert anew["text"] == "From now on I will write to you in English."


async def test_editing_an_old_message_into_a_command_never_runs_it(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    boss = s.tg("secretary")
    async with running_bot(config, clock, bot):
        await say(fake, boss, "Chào đồng chí")
        first = next(e for e in fake.transcript() if e.direction == "user")
        assert first.text == "Chào đồng chí"
        sent_before = len(fake.sent(boss))
        fake.user_edits(boss, 1, f"/delegate #{s.cell} 30")
        await say(fake, boss, "/help")  # handled after the edit: everything before it is done
        async with bot.runtime.sessions() as session:
            delegations = (await session.exec(select(Delegation))).all()
    assert delegations == []
    assert len(fake.sent(boss)) == sent_before + 1, "the edit got no reply; only /help did"


@pytest.mark.parametrize("kind", ["photo", "sticker", "voice", "location", "document"])
async def test_photos_stickers_voice_locations_and_files_get_a_plain_answer(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed], kind: str
) -> None:
    bot, s = seeded
    member = s.tg("member")
    async with running_bot(config, clock, bot):
        fake.user_sends_media(member, kind)
        [answer] = await fake.wait_for_sent(member, 1)
    assert answer["text"] == NOT_TEXT


async def test_a_photo_sent_during_a_form_is_answered_and_the_form_keeps_waiting(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    boss = s.tg("secretary")
    async with running_bot(config, clock, bot):
        await say(fake, boss, f"/members #{s.cell} {s.people['member']} exempt")
        fake.user_sends_media(boss, "photo", caption="giấy ra viện")
        [answer] = (await fake.wait_for_sent(boss, 2))[1:]
        [done] = await say(fake, boss, "Ốm dài ngày")
    assert answer["text"] == NOT_TEXT
    assert "is exempt from" in str(done["text"])


async def test_a_stranger_sending_a_photo_in_private_is_greeted(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, _ = seeded
    fake.add_user(901, "Stranger", language_code="en")
    async with running_bot(config, clock, bot):
        fake.user_sends_media(901, "sticker")
        [answer] = await fake.wait_for_sent(901, 1)
    assert answer["text"] == GREETING.replace("\\n", "\n")

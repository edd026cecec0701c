"""Group chats are public: cell data goes to private chats, buttons obey only their owner, and one
group's flood limit delays nobody else."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.chat import FOREIGN, GREETING, POINTER
from bot.choices import token
from bot.config import Config
from bot.domain import Button, ChatRef, Reply
from fake_telegram import FakeBotAPI
from storage import repo
from storage.models import Person
from tests.support import FakeClock, RunningBot, Seed, press_for_answer, running_bot, say, settle

pytestmark = pytest.mark.e2e

GROUP = -1001234567890


@pytest.fixture(autouse=True)
def group(fake: FakeBotAPI) -> None:
    """The cell's group chat, where every seeded person writes."""
    fake.add_group(GROUP, "Chi bộ thôn 3")


def group_texts(fake: FakeBotAPI) -> list[str]:
    return fake.texts(GROUP)


@pytest.mark.parametrize(
    ("who", "command", "shows"),
    [
        ("secretary", "/members", "Trần Văn Ân"),
        ("committee", "/members", "93.000004"),
        ("secretary", "/unreachable", "Chi bộ thôn 3"),
        ("secretary", "/members #{cell} {member}", "93.000004"),
        ("secretary", "/members #{cell} {member} end", "Why does Trần Văn Ân leave"),
        ("secretary", "/members #{cell} {member} exempt", "Why is Trần Văn Ân exempt"),
        ("organiser", "/roles", "Officer roles"),
        ("organiser", "/roles #{commune} cell {cell}", "Hoàng Văn Thắng"),
        ("secretary", "/delegate", "Nguyễn Thị Hoa"),
        ("secretary", "/announce", "Write the announcement"),
        ("member", "/help", "Commands you can use"),
    ],
)
async def test_a_command_written_in_a_group_is_answered_privately_with_a_pointer_in_the_group(
    config: Config,
    fake: FakeBotAPI,
    clock: FakeClock,
    seeded: tuple[RunningBot, Seed],
    who: str,
    command: str,
    shows: str,
) -> None:
    bot, s = seeded
    text = command.format(cell=s.cell, member=s.people["member"], commune=s.commune)
    async with running_bot(config, clock, bot):
        [private] = await say(fake, s.tg(who), text, chat_id=GROUP)
        await fake.wait_for_sent(GROUP, 1)
        await settle(fake, s.tg(who), chat_id=GROUP)
    assert shows in str(private["text"])
    assert set(group_texts(fake)) == {POINTER}, "the group sees only where the answer went"


async def test_a_refusal_in_a_group_is_private_too(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    async with running_bot(config, clock, bot):
        [private] = await say(fake, s.tg("member"), "/members", chat_id=GROUP)
        await fake.wait_for_sent(GROUP, 1)
    assert "not available" in str(private["text"])
    assert group_texts(fake) == [POINTER]


async def test_only_the_person_a_message_was_for_can_press_its_buttons(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    secretary, member = s.tg("secretary"), s.tg("member")
    async with running_bot(config, clock, bot):
        # A message in the group with a choice for the secretary (as a later feature may post).
        async with bot.runtime.sessions.begin() as session:
            row = await repo.add_choice_set(
                session=session,
                platform="telegram",
                chat_id=str(GROUP),
                owner_user_id=str(secretary),
                options=[{"label": "English", "data": "c:lang en"}],
                now=clock(),
            )
        assert row.id is not None
        transport = bot.runtime.transports["telegram"]
        await transport.send(
            ChatRef("telegram", str(GROUP)),
            Reply("Which language?", ((Button("English", token(row.id, 0)),),)),
        )
        [offer] = fake.sent(GROUP)
        for stranger in (member, s.tg("organiser")):
            assert await press_for_answer(fake, stranger, offer, "English", chat_id=GROUP) == FOREIGN
        assert fake.sent(GROUP)[0] == offer, "the message stays, nobody's press replaced it"
        await press_for_answer(fake, secretary, offer, "English", chat_id=GROUP)
        async with bot.runtime.sessions() as session:
            languages = {
                p.id: p.language
                for p in (await session.exec(select(Person))).all()
                if p.id in (s.people["secretary"], s.people["member"])
            }
    assert languages == {s.people["secretary"]: "en", s.people["member"]: None}


async def test_strangers_in_a_group_are_greeted_at_most_once_a_day(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    for stranger in (901, 902):
        fake.add_user(stranger, f"Stranger {stranger}", language_code="en")
    async with running_bot(config, clock, bot):
        for text in ("/help", "/start", "/members", "/help@chibo_test_bot"):
            for stranger in (901, 902):
                fake.user_sends(stranger, text, chat_id=GROUP)
        await fake.wait_for_sent(GROUP, 1)
        await settle(fake, s.tg("member"), chat_id=GROUP)
        assert group_texts(fake).count(GREETING.replace("\\n", "\n")) == 1
        clock.advance(days=1)
        fake.user_sends(901, "/help", chat_id=GROUP)
        await fake.wait_for_sent(GROUP, 3)  # the member's pointer, and a new day's greeting
    assert group_texts(fake).count(GREETING.replace("\\n", "\n")) == 2
    assert fake.texts(901) == [] and fake.texts(902) == [], "nothing private to strangers"


async def test_group_chatter_media_and_commands_for_other_bots_are_ignored(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    member = s.tg("member")
    fake.add_user(901, "Stranger", language_code="en")
    async with running_bot(config, clock, bot):
        for who in (member, 901):
            for text in ("Chào các đồng chí", "1", "/members@otherbot", "/help@OtherBot please"):
                fake.user_sends(who, text, chat_id=GROUP)
        await settle(fake, member)
        before = len(fake.sent(member))
        await settle(fake, member, chat_id=GROUP)  # a command for this bot, to know all before is done
    assert group_texts(fake) == [POINTER], "only the last /help was for this bot"
    assert len(fake.sent(member)) == before + 1


async def test_a_flood_limited_group_never_delays_another_chat(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    unused, s = seeded
    await unused.runtime.engine.dispose()  # this test runs a bot with its own settings
    # One message per two seconds into a group: the second pointer has to wait.
    slow = config.model_copy(
        update={"telegram": config.telegram.model_copy(update={"group_max_rate": 1, "group_time_period": 2})}
    )
    bot = RunningBot(slow, clock)
    secretary, member = s.tg("secretary"), s.tg("member")
    async with running_bot(slow, clock, bot):
        for _ in range(3):
            fake.user_sends(secretary, "/help", chat_id=GROUP)
        await fake.wait_for_sent(GROUP, 1)
        [answer] = await say(fake, member, "/help")
        pointers_meanwhile = len(group_texts(fake))
        await fake.wait_for_sent(GROUP, 3, timeout=10)
    assert "Commands you can use" in str(answer["text"])
    assert pointers_meanwhile == 1, "the member was answered while the group's next message still waited"

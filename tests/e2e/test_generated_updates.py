"""Hundreds of generated updates, from every role, careless ones included: the bot answers each
politely, never apologises for an internal error, and never sends what Telegram refuses."""

from __future__ import annotations

import logging
import random

import pytest

from bot.config import Config
from bot.i18n import LANGUAGES, translator
from bot.permissions import COMMANDS
from bot.runtime import SORRY
from fake_telegram import FakeBotAPI
from tests.support import FakeClock, RunningBot, add_users, running_bot, seed

pytestmark = pytest.mark.e2e

GROUP = -1009876543210
STRANGER = 990
ROUNDS = 24
NAMES = [c.name for c in COMMANDS] + ["start", "nonexistent", "MEMBERS", "members@otherbot"]
ARGS = [
    "",
    "#{cell}",
    "#{commune}",
    "#{other_cell}",
    "#²",
    "#٣",
    "#99999999999999999999",
    "#0",
    "①",
    "0",
    "-1",
    "7",
    "90",
    "91",
    "stop",
    "{member}",
    "#{cell} {member}",
    "#{cell} {member} end",
    "#{cell} {member} exempt",
    "#{cell} {member} official",
    "#{cell} {member} probationary",
    "#{commune} cell {cell}",
    "#{commune} grant {cell} committee_member {member}",
    "#{commune} grant {cell} secretary {member}",
    "#{commune} revoke 1",
    "#{commune} revoke ²",
    "🇻🇳" * 60,
    "x" * 700,
    "ABCDEFGHJK",
]
TEXTS = [
    "1",
    "2",
    "3",
    "9",
    "yes",
    "no",
    "Send",
    "Gửi",
    "Confirm",
    "Cancel",
    "English",
    "Tiếng Việt",
    "Ốm dài ngày",
    "Ốm " * 300,
    "🇻🇳" * 1015,
    "Họp <b>chi bộ</b> tối *thứ Năm*",
    "<span>ẩn</span>",
    "<i>không đóng _nghiêng",
    "a < b & c",
    "   ",
    "\u200b",
]
MEDIA = ["photo", "sticker", "voice", "location", "document"]


def sorry_texts() -> set[str]:
    return {translator(language).gettext(SORRY) for language in LANGUAGES}


async def test_generated_updates_from_every_role_are_all_answered_without_errors(
    config: Config, fake: FakeBotAPI, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    # The group's flood limit is tested elsewhere; here it would only make the test wait.
    config = config.model_copy(
        update={"telegram": config.telegram.model_copy(update={"group_max_rate": 10_000})}
    )
    bot = RunningBot(config, clock)
    s = await seed(bot.runtime.sessions, clock)
    add_users(fake, s, language_code="en")
    fake.add_user(STRANGER, "Stranger", language_code="vi")
    fake.add_group(GROUP, "Chi bộ thôn 3")
    rng = random.Random(20261127)
    users = [s.tg(who) for who in s.people] + [STRANGER]
    fill = {"cell": s.cell, "commune": s.commune, "other_cell": s.other_cell, "member": s.people["member"]}
    helps = dict.fromkeys(users, 0)
    written: dict[int, int] = {}  # a private text message of each user's, to edit later
    caplog.set_level(logging.ERROR)
    async with running_bot(config, clock, bot):
        for _ in range(ROUNDS):
            for user in users:
                in_group = user != STRANGER and rng.random() < 0.15
                chat = GROUP if in_group else None
                action = rng.choice(["command", "command", "text", "press", "press", "edit", "media"])
                if action == "command":
                    args = rng.choice(ARGS).format(**fill)
                    fake.user_sends(user, f"/{rng.choice(NAMES)} {args}".strip(), chat_id=chat)
                elif action == "text":
                    fake.user_sends(user, rng.choice(TEXTS), chat_id=chat)
                elif action == "press" and fake.sent(user):
                    message = rng.choice(fake.sent(user)[-3:])
                    choices = [data for _, data in fake.buttons(message) if data]
                    if choices:
                        fake.user_presses(user, int(message["message_id"]), rng.choice(choices))
                elif action == "edit" and user in written:
                    fake.user_edits(user, written[user], f"/delegate #{s.cell} 30")
                else:
                    fake.user_sends_media(user, rng.choice(MEDIA), chat_id=chat)
                # A /help in the same chat is handled after the action: its answer says the action is done.
                update = fake.user_sends(user, "/help", chat_id=chat)
                if chat is None:
                    written[user] = update["message"]["message_id"]
                helps[user] += 1
            for user in users:
                await fake.wait_until(
                    lambda user=user: _helps(fake, user) >= helps[user] or user == STRANGER,
                    timeout=15,
                    what=f"the answers to user {user}",
                )
            if rng.random() < 0.2:
                clock.advance(hours=rng.choice([1, 12, 30]))
        await fake.wait_until(lambda: fake.pending_updates == 0, what="every update taken")
    refused = [
        (c.method, c.status, c.description)
        for c in fake.calls()
        if c.status != 200
        and not (c.method == "getUpdates" and c.status == 499)  # the poll left open at stop
    ]
    assert refused == [], "the bot sent something Telegram refuses"
    assert not sorry_texts() & set(fake.texts()), "an internal error reached a user"
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def _helps(fake: FakeBotAPI, user: int) -> int:
    """How many /help answers (or greetings, for a stranger) the user has had privately."""
    return sum(
        1
        for text in fake.texts(user)
        if text.startswith(("Commands you can use", translator("vi").gettext("Commands you can use:")[:20]))
    )

"""Delivery through the outbox: errors, retries under a controlled clock, and unreachable members."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Config, DeliveryConfig
from bot.domain import ChatRef
from bot.services import announcements, audit, delivery, units
from fake_telegram import FakeBotAPI
from storage.models import OutboxMessage
from tests.support import TODAY, FakeClock, RunningBot, Seed, add_users, running_bot, seed

pytestmark = pytest.mark.e2e
TEXT = "Thông báo: họp chi bộ tối thứ Năm."


async def announce(bot: RunningBot, s: Seed, clock: FakeClock, text: str = TEXT) -> int:
    """Queue an announcement from the secretary to the whole cell; return its id."""
    async with bot.runtime.sessions.begin() as session:
        cell = await units.require_cell(session, str(s.cell))
        created = await announcements.create(
            session=session,
            text=text,
            audience="members",
            actor=audit.Actor("test", s.people["secretary"]),
            now=clock(),
            day=TODAY,
            cell=cell,
        )
    bot.runtime.delivery.wake()
    assert created.id is not None
    return created.id


def row_for(fake_user: int) -> Callable[[AsyncSession], Awaitable[OutboxMessage | None]]:
    async def fetch(session: AsyncSession) -> OutboxMessage | None:
        query = select(OutboxMessage).where(OutboxMessage.chat_id == str(fake_user))
        return (await session.exec(query)).first()

    return fetch


async def row_state(bot: RunningBot, user: int) -> OutboxMessage:
    async with bot.runtime.sessions() as session:
        row = await row_for(user)(session)
    assert row is not None
    return row


async def wait_row(bot: RunningBot, user: int, predicate: Callable[[OutboxMessage], bool]) -> OutboxMessage:
    """Wait (on the Deliverer's outcome events, not a timer) until the user's row matches."""

    async def check(session: AsyncSession) -> bool:
        row = await row_for(user)(session)
        return row is not None and predicate(row)

    await bot.runtime.delivery.wait_until(check)
    return await row_state(bot, user)


def received(fake: FakeBotAPI, user: int) -> list[str]:
    """The announcement bodies the user received (each message opens with who it is from)."""
    return [TEXT for m in fake.sent(user) if str(m.get("text", "")).endswith("\n\n" + TEXT)]


@pytest.fixture
async def cell(config: Config, fake: FakeBotAPI, clock: FakeClock) -> tuple[RunningBot, Seed]:
    bot = RunningBot(config, clock)
    s = await seed(bot.runtime.sessions, clock)
    add_users(fake, s, language_code="en")
    return bot, s


async def test_flood_control_delays_then_delivers(
    config: Config, fake: FakeBotAPI, clock: FakeClock, cell
) -> None:
    bot, s = cell
    member = s.tg("member")
    fake.fail_next("sendMessage", 429, retry_after=1, chat_id=member)
    async with running_bot(config, clock, bot):
        await announce(bot, s, clock)
        await bot.runtime.delivery.wait_settled()
        statuses = [c.status for c in fake.calls("sendMessage", chat_id=member)]
    assert statuses == [429, 200], "the rate limiter honours retry_after, then sends"
    assert received(fake, member) == [TEXT]


@pytest.mark.parametrize("failure", ["server error", "dropped connection"])
async def test_passing_failures_are_retried_after_a_backoff(
    config: Config, fake: FakeBotAPI, clock: FakeClock, cell, failure: str
) -> None:
    bot, s = cell
    member = s.tg("member")
    if failure == "server error":
        fake.fail_next("sendMessage", 502, chat_id=member)
    else:
        fake.drop_next("sendMessage", chat_id=member)
    async with running_bot(config, clock, bot):
        await announce(bot, s, clock)
        waiting = await wait_row(bot, member, lambda r: r.attempts == 1 and r.status == "pending")
        assert waiting.next_attempt_at > clock(), "not retried before its backoff"
        assert received(fake, member) == []
        clock.advance(seconds=1)
        bot.runtime.delivery.wake()
        done = await wait_row(bot, member, lambda r: r.status not in ("pending", "sending"))
    assert done.status == "sent" and received(fake, member) == [TEXT]


async def test_a_member_who_blocked_the_bot_is_unreachable_and_not_retried(
    config: Config, fake: FakeBotAPI, clock: FakeClock, cell
) -> None:
    bot, s = cell
    fake.block(s.tg("member"))
    fake.delete_account(s.tg("committee"))
    async with running_bot(config, clock, bot):
        await announce(bot, s, clock)
        await bot.runtime.delivery.wait_settled()
        blocked = await row_state(bot, s.tg("member"))
        deleted = await row_state(bot, s.tg("committee"))
        clock.advance(hours=1)
        bot.runtime.delivery.wake()
        await bot.runtime.delivery.wait_settled()
        fake.user_sends(s.tg("secretary"), f"/unreachable #{s.cell}")
        await fake.wait_for_sent(chat_id=s.tg("secretary"), count=2)  # the announcement, then the listing
        listing = fake.last(s.tg("secretary"))
    assert (blocked.status, blocked.reason) == ("unreachable", "blocked")
    assert (deleted.status, deleted.reason) == ("unreachable", "deleted")
    assert len(fake.calls("sendMessage", chat_id=s.tg("member"))) == 1
    assert "blocked the bot" in listing["text"] and "deleted their account" in listing["text"]
    assert "Trần Văn Ân" in listing["text"]


async def test_a_bad_request_fails_one_message_and_not_the_others(
    config: Config, fake: FakeBotAPI, clock: FakeClock, cell
) -> None:
    bot, s = cell
    fake.fail_next("sendMessage", 400, description="Bad Request: chat not found", chat_id=s.tg("member"))
    fake.fail_next("sendMessage", 400, description="Bad Request: message is too long", chat_id=s.tg("deputy"))
    async with running_bot(config, clock, bot):
        await announce(bot, s, clock)
        await bot.runtime.delivery.wait_settled()
        not_found = await row_state(bot, s.tg("member"))
        rejected = await row_state(bot, s.tg("deputy"))
    assert (not_found.status, not_found.reason) == ("unreachable", "chat_not_found")
    assert rejected.status == "failed" and "too long" in (rejected.reason or "")
    assert received(fake, s.tg("secretary")) == [TEXT] and received(fake, s.tg("committee")) == [TEXT]


async def test_a_message_keeps_failing_until_its_attempts_run_out(
    config: Config, fake: FakeBotAPI, clock: FakeClock, cell
) -> None:
    bot, s = cell
    member = s.tg("member")
    fake.fail_next("sendMessage", 500, chat_id=member, times=config.delivery.max_attempts)
    async with running_bot(config, clock, bot):
        await announce(bot, s, clock)
        for attempt in range(1, config.delivery.max_attempts):
            await wait_row(bot, member, lambda r, a=attempt: r.attempts == a and r.status == "pending")
            clock.advance(seconds=config.delivery.backoff_max)
            bot.runtime.delivery.wake()
        final = await wait_row(bot, member, lambda r: r.status not in ("pending", "sending"))
    assert final.status == "failed" and final.attempts == config.delivery.max_attempts
    assert received(fake, member) == []


async def test_queuing_the_same_key_twice_queues_once(config: Config, clock: FakeClock, cell) -> None:
    bot, s = cell
    recipient = delivery.Recipient(s.people["member"], ChatRef("telegram", str(s.tg("member"))))
    async with bot.runtime.sessions.begin() as session:
        first = await delivery.queue(
            session=session,
            purpose="reminder",
            subject="meeting:12",
            occurrence="1d",
            recipients=[recipient],
            text="x",
            now=clock(),
        )
        second = await delivery.queue(
            session=session,
            purpose="reminder",
            subject="meeting:12",
            occurrence="1d",
            recipients=[recipient, recipient],
            text="x",
            now=clock(),
        )
        rows = (
            await session.exec(select(OutboxMessage).where(col(OutboxMessage.subject) == "meeting:12"))
        ).all()
    await bot.runtime.stop()
    assert (first, second, len(rows)) == (1, 0, 1)


def test_backoff_doubles_from_the_initial_delay_up_to_the_cap() -> None:
    config = DeliveryConfig(backoff_initial=1, backoff_max=10)
    assert [delivery.backoff(n, config) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]

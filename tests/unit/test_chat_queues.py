"""The Telegram edge's ordering: a chat's updates in turn, and a group command after its sender's private
updates (both touch the sender's private form)."""

from __future__ import annotations

import asyncio
import contextlib

from telegram import Chat, Message, Update, User

from handlers.telegram.app import ChatQueues

PRIVATE, GROUP, OTHER = 501, -1001, 502


def _update(update_id: int, chat_id: int, user_id: int) -> Update:
    kind = Chat.PRIVATE if chat_id > 0 else Chat.SUPERGROUP
    user = User(user_id, "Member", is_bot=False)
    message = Message(update_id, None, Chat(chat_id, kind), from_user=user, text="/help")  # type: ignore[arg-type]
    return Update(update_id, message=message)


async def _run(queues: ChatQueues, update: Update, log: list[str], name: str, hold: asyncio.Event) -> None:
    async with contextlib.AsyncExitStack() as held:
        for lock in queues.of(update):
            await held.enter_async_context(lock)
        log.append(f"{name} starts")
        await hold.wait()
        log.append(f"{name} ends")


def test_a_private_update_takes_only_its_chat() -> None:
    queues = ChatQueues()
    assert len(queues.of(_update(1, PRIVATE, PRIVATE))) == 1


def test_a_group_update_takes_the_group_then_the_senders_private_chat() -> None:
    queues = ChatQueues()
    private = queues.of(_update(1, PRIVATE, PRIVATE))
    group = queues.of(_update(2, GROUP, PRIVATE))
    assert len(group) == 2 and group[1] is private[0]
    assert queues.of(_update(3, GROUP, OTHER))[0] is group[0]


async def test_a_group_command_waits_for_its_senders_private_update() -> None:
    queues = ChatQueues()
    log: list[str] = []
    release, free = asyncio.Event(), asyncio.Event()
    free.set()
    private = asyncio.create_task(_run(queues, _update(1, PRIVATE, PRIVATE), log, "private", release))
    await asyncio.sleep(0)
    group = asyncio.create_task(_run(queues, _update(2, GROUP, PRIVATE), log, "group", free))
    other = asyncio.create_task(_run(queues, _update(3, OTHER, OTHER), log, "other", free))
    for _ in range(5):
        await asyncio.sleep(0)
    assert log == ["private starts", "other starts", "other ends"]  # another member is not held up
    release.set()
    await asyncio.wait_for(asyncio.gather(private, group, other), timeout=5)
    assert log[3:] == ["private ends", "group starts", "group ends"]

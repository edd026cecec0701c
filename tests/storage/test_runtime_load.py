"""How the runtime holds up under a burst: connections kept open, and updates handled a few at a time."""

from __future__ import annotations

import asyncio

from sqlalchemy import event, text

from bot.config import Config
from bot.domain import ChatRef, Incoming, Outcome, Sender
from bot.runtime import Runtime
from tests.support import FakeClock


def _runtime(database_url: str, clock: FakeClock, pool_size: int) -> Runtime:
    return Runtime(
        Config.model_validate({"database": {"url": database_url, "pool_size": pool_size}}), clock=clock
    )


async def test_a_burst_within_the_pool_reuses_its_connections(database_url: str, clock: FakeClock) -> None:
    runtime = _runtime(database_url, clock, pool_size=6)
    opened = 0

    def count(*_: object) -> None:
        nonlocal opened
        opened += 1

    event.listen(runtime.engine.sync_engine, "connect", count)
    both = asyncio.Event()

    async def transaction() -> None:
        async with runtime.sessions.begin() as session:
            await session.exec(text("SELECT 1"))
            await both.wait()  # all six hold a connection at once

    try:
        for _ in range(3):
            both.clear()
            tasks = [asyncio.create_task(transaction()) for _ in range(6)]
            await asyncio.sleep(0.2)
            both.set()
            await asyncio.gather(*tasks)
    finally:
        await runtime.stop()
    # SQLAlchemy's default pool keeps 5: the sixth connection was opened and closed on every burst.
    assert opened == 6, "each connection opened once and kept"


async def test_updates_are_handled_half_the_pool_at_a_time(database_url: str, clock: FakeClock) -> None:
    runtime = _runtime(database_url, clock, pool_size=6)
    running = most = handled = 0
    release = asyncio.Event()

    async def slow_handle(incoming: Incoming) -> Outcome:
        nonlocal running, most, handled
        running += 1
        most = max(most, running)
        await release.wait()
        running -= 1
        handled += 1
        return Outcome()

    runtime.chat.handle = slow_handle  # type: ignore[method-assign]
    updates = [
        Incoming(chat=ChatRef("telegram", str(n)), sender=Sender("telegram", str(n), "A", "vi"), text="/help")
        for n in range(10)
    ]
    try:
        tasks = [asyncio.create_task(runtime.receive(update)) for update in updates]
        await asyncio.sleep(0.1)
        assert running == 3, "three at once (half the pool of six); the rest wait their turn"
        release.set()
        await asyncio.gather(*tasks)
    finally:
        await runtime.stop()
    assert (most, handled) == (3, 10), "every update handled, never more than three at once"

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
    all_six = asyncio.Barrier(6)

    async def transaction() -> None:
        async with runtime.sessions.begin() as session:
            await session.exec(text("SELECT 1"))
            await all_six.wait()  # none lets go of its connection before all six hold one

    try:
        for _ in range(3):
            await asyncio.gather(*(transaction() for _ in range(6)))
    finally:
        await runtime.stop()
    # SQLAlchemy's default pool keeps 5: the sixth connection was opened and closed on every burst.
    assert opened == 6, "each connection opened once and kept"


async def test_updates_are_handled_half_the_pool_at_a_time(database_url: str, clock: FakeClock) -> None:
    runtime = _runtime(database_url, clock, pool_size=6)
    running = most = handled = 0
    release, three_in = asyncio.Event(), asyncio.Event()

    async def slow_handle(incoming: Incoming) -> Outcome:
        nonlocal running, most, handled
        running += 1
        most = max(most, running)
        if running == 3:
            three_in.set()
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
        await three_in.wait()
        for _ in range(10):  # give every other update its turn to try to start
            await asyncio.sleep(0)
        assert running == 3, "three at once (half the pool of six); the rest wait their turn"
        release.set()
        await asyncio.gather(*tasks)
    finally:
        await runtime.stop()
    assert (most, handled) == (3, 10), "every update handled, never more than three at once"

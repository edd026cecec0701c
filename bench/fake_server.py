"""The fake Telegram Bot API in a process of its own, so it does not share the bot's event loop.

The parent starts it with :func:`start_fake` and talks to it over a ``multiprocessing`` pipe:
``"stats"`` answers a :class:`FakeStats`, ``"stop"`` ends the process. Only sendMessage calls are
counted; the fake's token bucket (``limit_rate``) answers 429 to whatever exceeds the granted rate.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import resource
from collections import Counter
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from fake_telegram import Call, FakeBotAPI

START_TIMEOUT = 60.0


@dataclass(frozen=True)
class FakeSpec:
    """What the fake serves: a token, users (private chats) and the granted rate and burst."""

    token: str
    first_user_id: int
    users: int
    rate: float
    burst: int


@dataclass(frozen=True)
class FakeStats:
    """What the fake saw of sendMessage, plus its own resource use."""

    calls: int  # every sendMessage call, whatever its answer
    delivered: int  # answered 200
    rate_limited: int  # answered 429 by the token bucket
    other_errors: int  # any other non-200 answer
    duplicates: int  # chats that received more than one message
    chats_reached: int
    first_at: float | None  # time.monotonic() of the first and last delivered message
    last_at: float | None
    peak_one_second: int  # most messages delivered within any one-second window
    second_half_rate: float  # messages/s delivered in the second half of the run (steady state)
    cpu_seconds: float  # user + system CPU of the fake process so far
    peak_rss_kib: int


def _peak_one_second(times: list[float]) -> int:
    """The largest number of timestamps inside any window of one second (times sorted)."""
    best, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def _second_half_rate(times: list[float]) -> float:
    """Messages per second after the midpoint of the run, when the initial burst is long spent."""
    if len(times) < 2 or times[-1] <= times[0]:
        return 0.0
    middle = (times[0] + times[-1]) / 2
    return sum(1 for at in times if at > middle) / (times[-1] - middle)


def collect(fake: FakeBotAPI) -> FakeStats:
    """Summarise the fake's sendMessage calls."""
    calls: list[Call] = fake.calls("sendMessage")
    ok = [call for call in calls if call.status == 200]
    per_chat = Counter(call.params.get("chat_id") for call in ok)
    times = sorted(call.at for call in ok)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return FakeStats(
        calls=len(calls),
        delivered=len(ok),
        rate_limited=fake.rate_limited_count,
        other_errors=sum(1 for call in calls if call.status not in (200, 429)),
        duplicates=sum(1 for count in per_chat.values() if count > 1),
        chats_reached=len(per_chat),
        first_at=times[0] if times else None,
        last_at=times[-1] if times else None,
        peak_one_second=_peak_one_second(times),
        second_half_rate=_second_half_rate(times),
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_rss_kib=usage.ru_maxrss,
    )


async def _serve(spec: FakeSpec, conn: Connection) -> None:
    """Run the fake until told to stop, answering commands from the pipe on the event loop."""
    fake = FakeBotAPI(spec.token)
    for user_id in range(spec.first_user_id, spec.first_user_id + spec.users):
        fake.add_user(user_id, f"Member {user_id}")
    fake.limit_rate(spec.rate, spec.burst)
    await fake.start()
    stopped = asyncio.Event()

    def on_command() -> None:
        command = conn.recv()
        if command == "stats":
            conn.send(collect(fake))
        elif command == "stop":
            stopped.set()

    loop = asyncio.get_running_loop()
    loop.add_reader(conn.fileno(), on_command)
    conn.send((fake.base_url, fake.base_file_url))
    try:
        await stopped.wait()
    finally:
        loop.remove_reader(conn.fileno())
        await fake.stop()
        conn.send("stopped")


def _main(spec: FakeSpec, conn: Connection) -> None:
    """Process entry point."""
    asyncio.run(_serve(spec, conn))


class FakeProcess:
    """Handle on the fake server process: its URLs, its counters, and stopping it."""

    def __init__(self, process: BaseProcess, conn: Connection, base_url: str, base_file_url: str) -> None:
        self.process = process
        self.conn = conn
        self.base_url = base_url
        self.base_file_url = base_file_url

    async def _ask(self, command: str, timeout: float = 30.0) -> object:  # noqa: ASYNC109
        self.conn.send(command)
        if not await asyncio.to_thread(self.conn.poll, timeout):
            raise TimeoutError(f"fake server did not answer {command!r} within {timeout}s")
        return self.conn.recv()

    async def stats(self) -> FakeStats:
        """The fake's counters now."""
        answer = await self._ask("stats")
        assert isinstance(answer, FakeStats)
        return answer

    async def stop(self) -> None:
        """Stop the server and wait for its process to end."""
        if self.process.is_alive():
            try:
                await self._ask("stop", timeout=10)
            except (TimeoutError, OSError, EOFError):
                self.process.terminate()
        await asyncio.to_thread(self.process.join, 10)
        self.conn.close()


async def start_fake(spec: FakeSpec) -> FakeProcess:
    """Start the fake in a fresh (spawned) process and wait until it listens."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_main, args=(spec, child), name="fake-bot-api", daemon=True)
    process.start()
    child.close()
    if not await asyncio.to_thread(parent.poll, START_TIMEOUT):
        process.terminate()
        raise TimeoutError(f"fake server did not start within {START_TIMEOUT}s")
    base_url, base_file_url = parent.recv()
    return FakeProcess(process, parent, base_url, base_file_url)

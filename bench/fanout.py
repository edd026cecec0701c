"""Fan one announcement out to many members through the fake Bot API with the real rate limiter.

    .venv/bin/python -m bench.fanout [--members 10000] [--rate 300] [--burst N] [--senders 1,2,4,8,16]
                                     [--bot-rate R] [--bot-burst N] [--db sqlite|postgres]
                                     [--database-url URL] [--profile]

Each run (one value of --senders) is a fresh process with a fresh database: the real Runtime, its
Deliverer and the real python-telegram-bot Application (with AIORateLimiter at --rate per second)
send one announcement to every member. The fake Bot API runs in a process of its own with a token
bucket of the same rate and burst (unless --bot-rate / --bot-burst say otherwise), so any message
beyond the granted rate is answered 429. See BENCHMARKS.md.

Reported per run: senders, wall time from the first to the last delivered message as a share of the
floor (members / rate), 429s, duplicates, rows not sent, CPU and peak RSS of both processes.
The table is printed and written as JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import functools
import json
import logging
import multiprocessing
import os
import platform
import resource
import sys
import tempfile
import time
import traceback
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bench.fake_server import FakeProcess, FakeSpec, FakeStats, start_fake
from bot.clock import system_clock
from bot.config import Config
from bot.domain import ChatRef
from bot.runtime import Runtime
from bot.services.delivery import Recipient, queue
from storage import repo
from storage.db import Sessions
from storage.models import ChatIdentity, Person

TOKEN = "123456:BENCH-TOKEN"
FIRST_USER_ID = 700_000_001  # Telegram user (= private chat) id of member number 0
PURPOSE = "announcement"
SUBJECT = "announcement:bench"
TEXT = "Họp chi bộ tối <b>thứ Năm</b>, 19:30 tại nhà văn hóa thôn. Đề nghị các đồng chí có mặt đúng giờ."
POLL_SECONDS = 0.5  # how often the database is asked whether every row is settled
RESULTS = Path(__file__).resolve().parent / "results"
MIB = 1024  # ru_maxrss is in KiB on Linux

log = logging.getLogger("bench.fanout")
P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class RunSpec:
    """One benchmark run."""

    members: int
    rate: float  # granted by the fake
    burst: int  # the fake's bucket
    bot_rate: float  # the bot's AIORateLimiter rate ...
    bot_burst: int  # ... and its bucket (overall_max_rate, with overall_time_period = burst / rate)
    senders: int
    db: str  # "sqlite" or "postgres"
    database_url: str | None
    profile: Path | None  # write a cProfile of the bot's delivery phase here


@dataclass(frozen=True)
class RunResult:
    """What one run measured; times are seconds, memory MiB."""

    db: str
    senders: int
    members: int
    rate: float
    burst: int
    bot_rate: float
    bot_burst: int
    queue_seconds: float  # inserting the outbox rows (one transaction)
    wall_seconds: float  # first to last delivered message, on the fake's clock
    floor_seconds: float  # members / rate
    of_granted: float  # floor / wall: 1.0 means the granted rate was used in full
    second_half_rate: float  # messages/s in the second half of the run
    peak_one_second: int  # most messages delivered within one second (the initial burst shows here)
    rate_limited: int  # 429 answers
    duplicates: int  # chats that received more than one message
    not_sent: int  # outbox rows not 'sent' when the run ended
    delivered: int
    other_errors: int
    drain_seconds: float  # Deliverer.start() to all rows settled, on the bot's clock (0.5 s steps)
    db_ms: float  # per message: time inside the Deliverer's transactions (incl. waiting for a lock)
    send_ms: float  # per message: Transport.send, i.e. rate-limiter wait + HTTP round trip + PTB
    transactions_per_message: float  # the Deliverer's transactions (claim, record, idle polls) per message
    bot_cpu_percent: float  # of one core, during the drain
    fake_cpu_percent: float
    bot_peak_rss_mib: float
    fake_peak_rss_mib: float


# ------------------------------------------------------------------------------------- set-up


def no_proxy_for_loopback() -> None:
    """The fake listens on loopback; never send that through a proxy (as tests/conftest.py does)."""
    hosts = ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1", "localhost"]))
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = hosts


@contextlib.asynccontextmanager
async def postgres_database(url: str) -> AsyncIterator[str]:
    """A new, empty database on the server at `url`, dropped afterwards; yields its URL."""
    name = f"chibo_bench_{os.getpid()}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@contextlib.asynccontextmanager
async def fresh_database(spec: RunSpec) -> AsyncIterator[str]:
    """A fresh SQLite file in a temporary folder, or a fresh PostgreSQL database; yields its URL."""
    if spec.db == "sqlite":
        with tempfile.TemporaryDirectory(prefix="chibo-bench-") as folder:
            yield f"sqlite+aiosqlite:///{folder}/bench.db"
    else:
        if not spec.database_url:
            raise SystemExit("--db postgres needs --database-url or CHIBO_TEST_POSTGRES_URL")
        async with postgres_database(spec.database_url) as url:
            yield url


def bench_config(spec: RunSpec, fake: FakeProcess, database_url: str) -> Config:
    """The bot's config: the fake Bot API, the fresh database, the rate and the senders under test."""
    return Config.model_validate(
        {
            "telegram": {
                "token": TOKEN,
                "base_url": fake.base_url,
                "base_file_url": fake.base_file_url,
                # AsyncLimiter(max_rate, time_period): a bucket of max_rate filling at max_rate/period.
                "overall_max_rate": spec.bot_burst,
                "overall_time_period": spec.bot_burst / spec.bot_rate,
            },
            "database": {"url": database_url},
            "delivery": {"senders": spec.senders},
        }
    )


async def seed_members(engine: AsyncEngine, count: int) -> list[Recipient]:
    """Bulk-insert `count` people, each with a linked Telegram account; return them as recipients."""
    now = system_clock()
    people = [
        {"full_name": f"Đảng viên {i:05d}", "name_key": f"đảng viên {i:05d}", "created_at": now}
        for i in range(count)
    ]
    async with engine.begin() as conn:
        await conn.execute(insert(Person), people)
        person_ids = (await conn.execute(select(col(Person.id)).order_by(col(Person.id)))).scalars().all()
        identities = [
            {
                "platform": "telegram",
                "external_id": str(FIRST_USER_ID + i),
                "person_id": pid,
                "linked_at": now,
            }
            for i, pid in enumerate(person_ids)
        ]
        await conn.execute(insert(ChatIdentity), identities)
    return [
        Recipient(row["person_id"], ChatRef("telegram", row["external_id"]))  # type: ignore[arg-type]
        for row in identities
    ]


async def queue_announcement(runtime: Runtime, recipients: Sequence[Recipient]) -> float:
    """Queue the announcement to everyone in one transaction, as the product does; return seconds taken."""
    started = time.perf_counter()
    async with runtime.sessions.begin() as session:
        new = await queue(
            session=session,
            purpose=PURPOSE,
            subject=SUBJECT,
            occurrence="1",
            recipients=recipients,
            text=TEXT,
            now=runtime.clock(),
        )
    assert new == len(recipients), f"queued {new} of {len(recipients)}"
    return time.perf_counter() - started


# ------------------------------------------------------------------------------------- the run


class PhaseTimes:
    """Where a sender's time goes, measured at two stable seams of the Deliverer.

    Every transaction the Deliverer opens (``sessions.begin()``, whatever it claims or records in
    it) and every ``Transport.send`` (rate-limiter wait + HTTP + PTB) are timed. Wrapping these on
    this runtime only, rather than the Deliverer's private methods, keeps the benchmark valid while
    the Deliverer's internals change.
    """

    def __init__(self) -> None:
        self.db_seconds = 0.0
        self.transactions = 0
        self.send_seconds = 0.0
        self.messages = 0

    def install(self, runtime: Runtime) -> None:
        """Wrap the Deliverer's session factory and the Telegram transport's send."""
        runtime.delivery.sessions = _TimedSessions(runtime.delivery.sessions, self)  # type: ignore[assignment]
        transport = runtime.transports["telegram"]
        transport.send = self._timed_send(transport.send)  # type: ignore[method-assign]

    def _timed_send(
        self, function: Callable[P, Coroutine[Any, Any, T]]
    ) -> Callable[P, Coroutine[Any, Any, T]]:
        @functools.wraps(function)
        async def timed(*args: P.args, **kwargs: P.kwargs) -> T:
            started = time.perf_counter()
            try:
                return await function(*args, **kwargs)
            finally:
                self.send_seconds += time.perf_counter() - started
                self.messages += 1

        return timed

    def summary(self) -> tuple[float, float, float]:
        """(db ms per message, send ms per message, transactions per message)."""
        if not self.messages:
            return 0.0, 0.0, 0.0
        per = 1000 / self.messages
        return (
            round(self.db_seconds * per, 2),
            round(self.send_seconds * per, 2),
            round(self.transactions / self.messages, 2),
        )


class _TimedSessions:
    """A stand-in for the session factory that times each ``begin()`` block (a whole transaction)."""

    def __init__(self, sessions: Sessions, times: PhaseTimes) -> None:
        self._sessions = sessions
        self._times = times

    def __call__(self, **kwargs: Any) -> AsyncSession:
        return self._sessions(**kwargs)

    @contextlib.asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncSession]:
        """Open a transaction on the real factory, timing it until it has committed or rolled back."""
        started = time.perf_counter()
        try:
            async with self._sessions.begin() as session:
                yield session
        finally:
            self._times.db_seconds += time.perf_counter() - started
            self._times.transactions += 1


async def status_counts(runtime: Runtime) -> dict[str, int]:
    """Outbox rows of the announcement by status."""
    async with runtime.sessions() as session:
        counts = await repo.outbox_counts(session=session, purpose=PURPOSE, subject=SUBJECT)
    return {status: n for (_, status), n in counts.items()}


async def wait_settled(runtime: Runtime, timeout: float) -> dict[str, int]:  # noqa: ASYNC109
    """Poll until no row is pending or sending (or the timeout passes); return the final counts."""
    deadline = time.monotonic() + timeout
    while True:
        counts = await status_counts(runtime)
        if not counts.get("pending") and not counts.get("sending"):
            return counts
        if time.monotonic() > deadline:
            log.warning("not settled after %.0f s: %s", timeout, counts)
            return counts
        await asyncio.sleep(POLL_SECONDS)


def cpu_seconds() -> float:
    """User + system CPU time of this process (all its threads) so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class Drain:
    """The bot's side of the delivery phase."""

    seconds: float
    cpu_seconds: float
    counts: dict[str, int]
    phases: tuple[float, float, float]  # db ms, send ms, transactions per message


async def drain(runtime: Runtime, spec: RunSpec) -> Drain:
    """Start the Deliverer, wait until every row is settled, stop it; profile it if asked."""
    profiler = cProfile.Profile() if spec.profile else None
    phases = PhaseTimes()
    phases.install(runtime)
    timeout = 3 * spec.members / spec.rate + 60
    cpu, started = cpu_seconds(), time.monotonic()
    if profiler is not None:
        profiler.enable()
    await runtime.delivery.start()
    counts = await wait_settled(runtime, timeout)
    seconds, cpu = time.monotonic() - started, cpu_seconds() - cpu
    if profiler is not None:
        profiler.disable()
        assert spec.profile is not None
        profiler.dump_stats(spec.profile)
    await runtime.delivery.stop()
    return Drain(seconds, cpu, counts, phases.summary())


def summarise(spec: RunSpec, queued: float, drained: Drain, before: FakeStats, after: FakeStats) -> RunResult:
    """Combine the bot's and the fake's numbers into one result."""
    floor = spec.members / spec.rate
    known = after.first_at is not None and after.last_at is not None
    wall = after.last_at - after.first_at if known else float("nan")  # type: ignore[operator]
    return RunResult(
        db=spec.db,
        senders=spec.senders,
        members=spec.members,
        rate=spec.rate,
        burst=spec.burst,
        bot_rate=spec.bot_rate,
        bot_burst=spec.bot_burst,
        queue_seconds=round(queued, 2),
        wall_seconds=round(wall, 2),
        floor_seconds=round(floor, 2),
        of_granted=round(floor / wall, 4),
        second_half_rate=round(after.second_half_rate, 1),
        peak_one_second=after.peak_one_second,
        rate_limited=after.rate_limited,
        duplicates=after.duplicates,
        not_sent=spec.members - drained.counts.get("sent", 0),
        delivered=after.delivered,
        other_errors=after.other_errors,
        drain_seconds=round(drained.seconds, 2),
        db_ms=drained.phases[0],
        send_ms=drained.phases[1],
        transactions_per_message=drained.phases[2],
        bot_cpu_percent=round(100 * drained.cpu_seconds / drained.seconds, 1),
        fake_cpu_percent=round(100 * (after.cpu_seconds - before.cpu_seconds) / drained.seconds, 1),
        bot_peak_rss_mib=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / MIB, 1),
        fake_peak_rss_mib=round(after.peak_rss_kib / MIB, 1),
    )


async def measure_with(spec: RunSpec, fake: FakeProcess, database_url: str) -> RunResult:
    """Seed, queue, deliver through the real Application, and summarise."""
    from handlers.telegram.app import build_application

    config = bench_config(spec, fake, database_url)
    runtime = Runtime(config)
    try:
        await runtime.migrate()
        recipients = await seed_members(runtime.engine, spec.members)
        queued = await queue_announcement(runtime, recipients)
        del recipients
        application = build_application(config, runtime)
        async with application:  # initialize (getMe) and shut down; no polling needed
            before = await fake.stats()
            drained = await drain(runtime, spec)
            after = await fake.stats()
    finally:
        await runtime.stop()
    return summarise(spec, queued, drained, before, after)


async def measure(spec: RunSpec) -> RunResult:
    """One run: the fake in its own process, a fresh database, the bot in this process."""
    fake = await start_fake(FakeSpec(TOKEN, FIRST_USER_ID, spec.members, spec.rate, spec.burst))
    try:
        async with fresh_database(spec) as url:
            return await measure_with(spec, fake, url)
    finally:
        await fake.stop()


def _run_child(spec: RunSpec, conn: Connection) -> None:
    """Process entry point: measure and send back the result, or the traceback."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    no_proxy_for_loopback()
    try:
        conn.send(asyncio.run(measure(spec)))
    except BaseException:
        conn.send(traceback.format_exc())
        raise
    finally:
        conn.close()


def run_in_process(spec: RunSpec) -> RunResult:
    """Run one measurement in a fresh process, so its peak RSS and its event loop are its own."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_run_child, args=(spec, child), name=f"bench-senders-{spec.senders}")
    process.start()
    child.close()
    try:
        answer = parent.recv()
    except EOFError:
        answer = f"the benchmark process died (exit code {process.exitcode})"
    process.join()
    if not isinstance(answer, RunResult):
        raise RuntimeError(f"run with {spec.senders} senders failed:\n{answer}")
    return answer


# ------------------------------------------------------------------------------------- report

COLUMNS: list[tuple[str, str, str]] = [  # (heading, RunResult field, format)
    ("db", "db", "{}"),
    ("senders", "senders", "{}"),
    ("msgs", "members", "{}"),
    ("rate/s", "rate", "{:g}"),
    ("burst", "burst", "{}"),
    ("limiter/s", "bot_rate", "{:g}"),
    ("l.burst", "bot_burst", "{}"),
    ("wall s", "wall_seconds", "{:.2f}"),
    ("floor s", "floor_seconds", "{:.2f}"),
    ("% granted", "of_granted", "{:.1%}"),
    ("2nd-half/s", "second_half_rate", "{:.1f}"),
    ("max 1s", "peak_one_second", "{}"),
    ("429s", "rate_limited", "{}"),
    ("dups", "duplicates", "{}"),
    ("not sent", "not_sent", "{}"),
    ("db ms", "db_ms", "{:.1f}"),
    ("send ms", "send_ms", "{:.1f}"),
    ("txn/msg", "transactions_per_message", "{:.2f}"),
    ("bot CPU%", "bot_cpu_percent", "{:.0f}"),
    ("fake CPU%", "fake_cpu_percent", "{:.0f}"),
    ("bot RSS MiB", "bot_peak_rss_mib", "{:.0f}"),
    ("fake RSS MiB", "fake_peak_rss_mib", "{:.0f}"),
    ("queue s", "queue_seconds", "{:.1f}"),
]


def table(results: Sequence[RunResult]) -> str:
    """The results as a Markdown table."""
    rows = [[fmt.format(getattr(r, name)) for _, name, fmt in COLUMNS] for r in results]
    headings = [heading for heading, _, _ in COLUMNS]
    widths = [max(len(cell) for cell in column) for column in zip(headings, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.rjust(width) for cell, width in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (width + 1) + ":" for width in widths) + "|"
    return "\n".join([line(headings), rule, *(line(row) for row in rows)])


def verdict(result: RunResult) -> str:
    """Whether a run met the targets: >= 95 % of the granted rate, no 429, no duplicate, all sent."""
    misses = [
        label
        for label, failed in (
            (f"{result.of_granted:.1%} < 95% of granted rate", result.of_granted < 0.95),
            (f"{result.rate_limited} x 429", result.rate_limited > 0),
            (f"{result.duplicates} duplicates", result.duplicates > 0),
            (f"{result.not_sent} not sent", result.not_sent > 0),
        )
        if failed
    ]
    return "met" if not misses else "missed: " + ", ".join(misses)


def write_json(results: Sequence[RunResult], argv: Sequence[str]) -> Path:
    """Save the results with the command and the machine to bench/results/."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    path = RESULTS / f"fanout-{now:%Y%m%d-%H%M%S}.json"
    document = {
        "command": " ".join([".venv/bin/python -m bench.fanout", *argv]),
        "date": now.isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "fields": [f.name for f in fields(RunResult)],
        "results": [asdict(r) | {"verdict": verdict(r)} for r in results],
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return path


# ------------------------------------------------------------------------------------- command line


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.fanout", description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=10_000, help="recipients (default 10000)")
    parser.add_argument("--rate", type=float, default=300, help="granted messages/s (default 300)")
    parser.add_argument(
        "--burst",
        type=int,
        default=None,
        help="the fake's bucket size (default: the rate, which is the bucket AIORateLimiter builds)",
    )
    parser.add_argument(
        "--bot-rate", type=float, default=None, help="the bot limiter's rate (default --rate)"
    )
    parser.add_argument(
        "--bot-burst",
        type=int,
        default=None,
        help="the bot's configured messages per period (default: --burst); spent in 0.1 s steps",
    )
    parser.add_argument(
        "--senders", default="4", help="concurrent outbox senders; a comma list runs a sweep (default 4)"
    )
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("CHIBO_TEST_POSTGRES_URL"),
        help="PostgreSQL server for --db postgres; a scratch database is created on it and dropped",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the bot's delivery phase into bench/results/"
    )
    return parser.parse_args(argv)


def specs_from(args: argparse.Namespace) -> list[RunSpec]:
    """One RunSpec per senders value."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    specs = []
    burst = args.burst if args.burst is not None else int(args.rate)
    for senders in (int(value) for value in str(args.senders).split(",")):
        profile = RESULTS / f"fanout-{stamp}-{args.db}-s{senders}.prof" if args.profile else None
        specs.append(
            RunSpec(
                members=args.members,
                rate=args.rate,
                burst=burst,
                bot_rate=args.bot_rate or args.rate,
                bot_burst=args.bot_burst or burst,
                senders=senders,
                db=args.db,
                database_url=args.database_url,
                profile=profile,
            )
        )
    return specs


def main(argv: Sequence[str] | None = None) -> int:
    """Run every configuration one after the other, then print the table and save the JSON."""
    argv = list(sys.argv[1:] if argv is None else argv)
    specs = specs_from(parse_args(argv))
    if any(spec.profile for spec in specs):
        RESULTS.mkdir(parents=True, exist_ok=True)
    results = []
    for spec in specs:
        print(
            f"… {spec.members} members at {spec.rate:g}/s, {spec.senders} senders, {spec.db}", file=sys.stderr
        )
        result = run_in_process(spec)
        print(f"  {result.of_granted:.1%} of granted rate; {verdict(result)}", file=sys.stderr)
        results.append(result)
    print(table(results))
    for result in results:
        print(f"senders={result.senders}: {verdict(result)}")
    print(f"saved {write_json(results, argv)}")
    return 0 if all(verdict(r) == "met" for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())

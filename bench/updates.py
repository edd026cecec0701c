"""Per-update cost: chibo against a bare python-telegram-bot echo bot, at rising open-loop rates.

    .venv/bin/python -m bench.updates [--db sqlite|postgres] [--database-url URL]
                                      [--rates 10,25,50,75,100,...,600] [--seconds 5] [--repeat 3]
                                      [--workload help|members|chatter] [--bot chibo|bare|both]
                                      [--cells 40] [--bare-concurrent] [--profile]

What a person feels is the time from sending a message to seeing the answer, and what the machine
pays is CPU per message; both are measured from outside, on the production path:

- **Processes.** Each bot runs in a process of its own, and so does each bot's fake Telegram Bot API
  (`fake_telegram/`), so the fake's CPU and the load generator never run on a bot's
  event loop. chibo is the real `Runtime` + `bot.serve.serve` (migrations, menus, the rate limiter,
  long polling), configured as in production except `overall_max_rate = 10000` per second, so the
  limiter is in the path but never the bottleneck. The bare bot is PTB's minimal echo bot: one
  `MessageHandler` that answers `reply_text("ok")`, default (sequential) update processing unless
  `--bare-concurrent`, no rate limiter, the same long-polling settings (timeout 30 s, interval 0).
- **Load.** Inside the fake's process a generator makes updates available to `getUpdates` at a fixed
  rate (open loop: it never waits for answers, and catches up if it falls behind), one step per rate,
  `--seconds` long. Updates come round-robin from many linked members (each has a private chat, so
  chibo's per-chat ordering does not serialise them): every member saying `/help`, each cell's
  secretary saying `/members` (19-member cells), or every member saying something that is not a command.
- **Latency** of an update is the fake's clock when the bot's `sendMessage` to that chat arrived minus
  when the update was queued for `getUpdates`; replies are matched to updates per chat, in order.
- **Throughput** is replies received during the step's window per second. A step is *kept up* when
  that is at least 95 % of the offered rate and the backlog (updates queued but not answered) does not
  grow by more than 5 % of the rate per second over the window's second half, and no reply is an
  apology (chibo's "something went wrong"). *Saturation* is the
  highest rate kept up. After two steps not kept up in a row a bot skips the higher rates.
- **CPU per update** is the bot process's user + system CPU (all threads, so aiosqlite's too) from the
  start of the step until its last reply, divided by the replies. It includes the bot's background
  work (chibo's outbox senders and watchers poll the database); the idle CPU of each bot is printed.
- **Queries per update**: chibo's process counts SQL statements (SQLAlchemy `before_cursor_execute` on
  the runtime's engine) and transactions issued while `ChatCore.handle` runs (a context variable
  marks it), by statement and by kind (verb + tables), and the wall time inside `handle` and its SQL.
- **Alternation.** Both bots and both fakes stay up for the whole run; each step runs for one bot, then
  the other (the order flips every step), so the two are measured side by side on this noisy machine
  and their ratio is what to trust. `--repeat` runs the sweep again; tables show medians.
- **Profile** (`--profile`): one more step for each bot at the same rate, not counted, recorded from
  outside by py-spy (GIL holder only) and summarised by `bench/pyspy_summary.py`: CPU per update by
  phase (handle, reply, getUpdates, dispatch) and, inside `ChatCore.handle`, by kind of work. The
  bare bot's phases are the yardstick for chibo's edge.

Prints Markdown tables and writes JSON (and any profile) to bench/results/. See BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import contextvars
import csv
import io
import json
import logging
import multiprocessing
import os
import platform
import re
import resource
import shutil
import statistics
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict, deque
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from subprocess import DEVNULL, PIPE
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bench import pyspy_summary

TOKEN = "123456:BENCH-TOKEN"
USER_BASE = 700_000_000  # a member's Telegram user id (= private chat id) is USER_BASE + person id
POLL_TIMEOUT = 30  # getUpdates long-poll timeout, chibo's default
CONNECTION_POOL = 8  # chibo's connection_pool_size with 4 outbox senders; the bare bot gets the same
BOT_RATE = 10_000  # chibo's overall_max_rate per second: in the path, never the bottleneck
KEPT_UP = 0.95  # of the offered rate
MAX_GROWTH = 0.05  # backlog growth per second, as a share of the offered rate
SAMPLE_SECONDS = 0.25  # how often the fake samples the backlog
START_TIMEOUT = 300.0  # chibo publishes every member's menu before it polls
SAMPLE_CELL = Path(__file__).resolve().parents[1] / "bot" / "samples" / "members_thon3.csv"
RESULTS = Path(__file__).resolve().parent / "results"

log = logging.getLogger("bench.updates")


@dataclass(frozen=True)
class Workload:
    """What the members say, and who says it."""

    text: str
    senders: str  # "everyone" or "secretaries"


WORKLOADS = {
    "help": Workload("/help", "everyone"),
    "members": Workload("/members", "secretaries"),
    "chatter": Workload("Cảm ơn đồng chí, tôi đã nhận được thông báo.", "everyone"),
}


def no_proxy_for_loopback() -> None:
    """The fakes listen on loopback; never send that through a proxy (as tests/conftest.py does)."""
    hosts = ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1", "localhost"]))
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = hosts


# ------------------------------------------------------------------------------------- the database


@dataclass(frozen=True)
class Population:
    """Telegram user ids of the seeded members."""

    everyone: list[int]
    secretaries: list[int]


@contextlib.asynccontextmanager
async def fresh_database(db: str, admin_url: str | None) -> AsyncIterator[str]:
    """A SQLite file in a temporary folder, or a scratch PostgreSQL database dropped afterwards."""
    if db == "sqlite":
        with tempfile.TemporaryDirectory(prefix="chibo-updates-") as folder:
            yield f"sqlite+aiosqlite:///{folder}/bench.db"
        return
    if not admin_url:
        raise SystemExit("--db postgres needs --database-url or CHIBO_TEST_POSTGRES_URL")
    name = f"bench_updates_{os.getpid()}"
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


def cell_file(folder: Path, number: int) -> Path:
    """The sample cell (19 members: secretary, deputy, committee member) with card numbers of its own."""
    rows = list(csv.reader(io.StringIO(SAMPLE_CELL.read_text(encoding="utf-8-sig"))))
    for index, row in enumerate(rows[1:]):
        row[2] = f"93.{number:03d}{index:03d}"  # cards are unique; names repeat across cells, as in life
        row[5] = ""  # phone numbers too
    path = folder / f"cell-{number}.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        csv.writer(out).writerows(rows)
    return path


async def seed(url: str, cells: int) -> Population:
    """Migrate, then import `cells` copies of the sample cell through the product's import and link everyone.

    Identities carry the language the fake's users send ("vi"), so no update changes it (which would
    publish a new menu); that is the steady state of a running bot.
    """
    from bot.clock import system_clock
    from bot.config import Config
    from bot.services import audit, imports, units
    from storage import migrate, repo
    from storage.db import make_engine, make_sessions
    from storage.models import ChatIdentity

    engine = make_engine(url)
    sessions = make_sessions(engine)
    now = system_clock()
    today = now.astimezone(Config().tz).date()
    everyone: list[int] = []
    secretaries: list[int] = []
    try:
        await migrate.upgrade(engine)
        with tempfile.TemporaryDirectory(prefix="chibo-cells-") as folder:
            async with sessions.begin() as session:
                commune = await units.add_unit(
                    session=session, name="Xã Thái Bình", parent_ref=None, actor=audit.CLI, now=now
                )
                for number in range(1, cells + 1):
                    cell = await units.add_cell(
                        session=session,
                        name=f"Chi bộ thôn {number}",
                        unit_ref=str(commune.id),
                        kind="village",
                        actor=audit.CLI,
                        now=now,
                    )
                    assert cell.id is not None
                    await imports.import_members(
                        session=session,
                        path=cell_file(Path(folder), number),
                        cell=cell,
                        today=today,
                        now=now,
                        actor=audit.CLI,
                    )
                    for person, _ in await repo.cell_members(session=session, cell_id=cell.id, day=today):
                        assert person.id is not None
                        everyone.append(USER_BASE + person.id)
                        session.add(
                            ChatIdentity(
                                platform="telegram",
                                external_id=str(USER_BASE + person.id),
                                person_id=person.id,
                                language_code="vi",
                                linked_at=now,
                            )
                        )
                    [secretary] = await repo.role_holders(
                        session=session, role="secretary", day=today, cell_id=cell.id
                    )
                    secretaries.append(USER_BASE + secretary.person_id)
    finally:
        await engine.dispose()
    return Population(everyone, secretaries)


# ------------------------------------------------------------------------------------- the fake and its load


@dataclass(frozen=True)
class StepOrder:
    """One step of load, as the fake's generator runs it."""

    rate: float
    seconds: float
    text: str
    users: tuple[int, ...]
    drain_seconds: float  # how long to wait for the last replies after the window


@dataclass
class StepRecord:
    """What the fake saw of one step; times are seconds on the fake's monotonic clock."""

    injected: int = 0
    answered: int = 0  # replies matched to this step's updates, by the end of the drain
    in_window: int = 0  # ... of which arrived before the window closed
    errors: int = 0  # replies that were an apology or a failed call
    stray: int = 0  # sendMessage calls to a chat with no update waiting (a previous step's, or extra)
    latencies: list[float] = field(default_factory=list)  # seconds, one per answered update
    backlog: list[tuple[float, int]] = field(default_factory=list)  # (seconds into the window, unanswered)
    last_reply: float = 0.0  # seconds from the window's start to the last reply
    late_injections: int = 0  # updates queued over 10 ms after their due time (the generator lagged)
    calls: dict[str, int] = field(default_factory=dict)  # the bot's API calls by method, during the step
    fake_cpu_seconds: float = 0.0


def process_cpu() -> float:
    """User + system CPU seconds of this process (all threads) so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class LoadedFake:
    """The fake Bot API plus an open-loop generator of user updates and a matcher of the bot's replies."""

    def __init__(self, fake: Any, error_texts: frozenset[str]) -> None:
        self.fake = fake
        self.error_texts = error_texts
        self.waiting: dict[int, deque[float]] = defaultdict(deque)  # chat -> queued-at of unanswered updates
        self.unanswered = 0
        self.record = StepRecord()
        self.last_reply_at = 0.0
        self.cursor = 0  # next sender, carried across steps so every member speaks as often
        self.all_answered = asyncio.Event()
        fake.on_call = self.on_call

    def on_call(self, call: Any) -> None:
        """Match a sendMessage to the oldest unanswered update of its chat (a chat is answered in order)."""
        self.record.calls[call.method] = self.record.calls.get(call.method, 0) + 1
        if call.method != "sendMessage":
            return
        queue = self.waiting.get(call.params.get("chat_id"))
        if not queue:
            self.record.stray += 1
            return
        queued_at = queue.popleft()
        self.last_reply_at = call.at
        self.unanswered -= 1
        self.record.answered += 1
        self.record.latencies.append(call.at - queued_at)
        if call.status != 200 or call.params.get("text") in self.error_texts:
            self.record.errors += 1
        if not self.unanswered:
            self.all_answered.set()

    async def step(self, order: StepOrder) -> StepRecord:
        """Queue rate × seconds updates at their due times, then wait for the replies (or the drain limit)."""
        self.waiting.clear()  # a previous step's unanswered updates now count as stray replies
        self.unanswered = 0
        self.record = record = StepRecord()
        self.all_answered.clear()
        cpu = process_cpu()
        count = round(order.rate * order.seconds)
        start = time.monotonic()
        end = start + order.seconds
        sampler = asyncio.create_task(self._sample_backlog(start, end))
        for index in range(count):
            due = start + index / order.rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -0.01:
                record.late_injections += 1
            user = order.users[self.cursor % len(order.users)]
            self.cursor += 1
            self.fake.user_sends(user, order.text)
            self.waiting[user].append(time.monotonic())
            self.unanswered += 1
        record.injected = count
        await sampler
        record.in_window = record.answered  # the sampler returns when the window closes
        deadline = time.monotonic() + order.drain_seconds
        while self.unanswered and (remaining := deadline - time.monotonic()) > 0:
            self.all_answered.clear()  # it may have been set between two updates of the window
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.all_answered.wait(), remaining)
        record.last_reply = self.last_reply_at - start if record.answered else 0.0
        record.fake_cpu_seconds = process_cpu() - cpu
        return record

    async def _sample_backlog(self, start: float, end: float) -> None:
        """Record the unanswered count every SAMPLE_SECONDS until the window closes."""
        while (now := time.monotonic()) < end:
            self.record.backlog.append((now - start, self.unanswered))
            await asyncio.sleep(min(SAMPLE_SECONDS, end - now))
        self.record.backlog.append((end - start, self.unanswered))


async def _serve_fake(users: Sequence[int], error_texts: frozenset[str], conn: Connection) -> None:
    """Run a fake with these users, answering ("step", StepOrder) and ("stop",) from the pipe."""
    from fake_telegram import FakeBotAPI

    fake = FakeBotAPI(TOKEN)
    for user_id in users:
        fake.add_user(user_id, f"Đảng viên {user_id - USER_BASE}", language_code="vi")
    loaded = LoadedFake(fake, error_texts)
    await fake.start()
    commands: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()
    loop = asyncio.get_running_loop()
    loop.add_reader(conn.fileno(), lambda: commands.put_nowait(conn.recv()))
    conn.send((fake.base_url, fake.base_file_url))
    try:
        while True:
            command = await commands.get()
            if command[0] == "step":
                conn.send(await loaded.step(command[1]))
            elif command[0] == "stop":
                break
    finally:
        loop.remove_reader(conn.fileno())
        await fake.stop()
        conn.send("stopped")


def _fake_main(users: Sequence[int], error_texts: frozenset[str], conn: Connection) -> None:
    """Process entry point of a fake."""
    asyncio.run(_serve_fake(users, error_texts, conn))


# ------------------------------------------------------------------------------------- the bots


IN_HANDLE: contextvars.ContextVar[bool] = contextvars.ContextVar("in_handle", default=False)


@dataclass
class Counters:
    """What a bot process counted since it started; differences between two snapshots make a step."""

    cpu_seconds: float = 0.0
    handled: int = 0  # ChatCore.handle calls (chibo) or echo handler calls (bare)
    handle_seconds: float = 0.0  # wall time inside them
    sql_seconds: float = 0.0  # wall time from before to after each cursor execute inside handle
    statements: dict[str, int] = field(default_factory=dict)  # SQL text -> times run inside handle
    other_statements: int = 0  # outside handle: outbox senders, watchers, menus
    begins: int = 0  # transactions begun, committed, rolled back inside handle
    commits: int = 0
    rollbacks: int = 0

    def minus(self, earlier: Counters) -> Counters:
        """The counts between an earlier snapshot and this one."""
        statements = Counter(self.statements)
        statements.subtract(earlier.statements)
        return Counters(
            cpu_seconds=self.cpu_seconds - earlier.cpu_seconds,
            handled=self.handled - earlier.handled,
            handle_seconds=self.handle_seconds - earlier.handle_seconds,
            sql_seconds=self.sql_seconds - earlier.sql_seconds,
            statements={sql: n for sql, n in statements.items() if n},
            other_statements=self.other_statements - earlier.other_statements,
            begins=self.begins - earlier.begins,
            commits=self.commits - earlier.commits,
            rollbacks=self.rollbacks - earlier.rollbacks,
        )


class Probe:
    """Counts in a bot process: handle calls and their SQL, by a context variable set around handle."""

    def __init__(self) -> None:
        self.counters = Counters()
        self._statements: Counter[str] = Counter()

    def snapshot(self) -> Counters:
        """The counters now, with the process's CPU."""
        self.counters.cpu_seconds = process_cpu()
        self.counters.statements = dict(self._statements)
        return Counters(**asdict(self.counters))

    def install(self, runtime: Any) -> None:
        """Listen to the runtime's engine and wrap its ChatCore.handle (this instance only)."""
        counters, statements = self.counters, self._statements
        engine = runtime.engine.sync_engine

        @event.listens_for(engine, "before_cursor_execute")
        def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if IN_HANDLE.get():
                statements[statement] += 1  # the same compiled string each time: a cheap hash
                conn.info["bench_started"] = time.perf_counter()
            else:
                counters.other_statements += 1

        @event.listens_for(engine, "after_cursor_execute")
        def after(conn: Any, *args: Any) -> None:
            started = conn.info.pop("bench_started", None)
            if started is not None:
                counters.sql_seconds += time.perf_counter() - started

        def transaction_counter(name: str) -> Callable[[Any], None]:
            def count(conn: Any) -> None:
                if IN_HANDLE.get():
                    setattr(counters, name, getattr(counters, name) + 1)

            return count

        event.listen(engine, "begin", transaction_counter("begins"))
        event.listen(engine, "commit", transaction_counter("commits"))
        event.listen(engine, "rollback", transaction_counter("rollbacks"))

        handle = runtime.chat.handle

        async def counted_handle(incoming: Any) -> Any:
            token = IN_HANDLE.set(True)
            started = time.perf_counter()
            try:
                return await handle(incoming)
            finally:
                counters.handle_seconds += time.perf_counter() - started
                counters.handled += 1
                IN_HANDLE.reset(token)

        runtime.chat.handle = counted_handle


@dataclass(frozen=True)
class BotSpec:
    """Which bot to run and where its fake and database are."""

    kind: str  # "chibo" or "bare"
    base_url: str
    base_file_url: str
    database_url: str
    bare_concurrent: bool
    log_path: str


def configure_logging(path: str) -> None:
    """Log as `chibo run` does (INFO; httpx and apscheduler at WARNING), into a file of this run."""
    logging.basicConfig(
        filename=path, level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for noisy in ("httpx", "apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


async def _control(conn: Connection, probe: Probe) -> None:
    """Answer the parent's snapshot commands until ("stop",)."""
    commands: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()
    loop = asyncio.get_running_loop()
    loop.add_reader(conn.fileno(), lambda: commands.put_nowait(conn.recv()))
    try:
        while True:
            command = await commands.get()
            if command[0] == "snapshot":
                conn.send(probe.snapshot())
            elif command[0] == "stop":
                return
    finally:
        loop.remove_reader(conn.fileno())


async def _run_chibo(spec: BotSpec, conn: Connection) -> None:
    """The real chibo: Runtime + serve, against the fake, as `chibo run` starts it."""
    from bot.config import Config
    from bot.runtime import Runtime
    from bot.serve import serve

    config = Config.model_validate(
        {
            "telegram": {
                "token": TOKEN,
                "base_url": spec.base_url,
                "base_file_url": spec.base_file_url,
                "poll_timeout": POLL_TIMEOUT,
                "overall_max_rate": BOT_RATE,
                "overall_time_period": 1,
            },
            "database": {"url": spec.database_url},
        }
    )
    runtime = Runtime(config)
    probe = Probe()
    probe.install(runtime)
    stop, started = asyncio.Event(), asyncio.Event()
    serving = asyncio.create_task(serve(config, stop, runtime=runtime, started=started))
    waiter = asyncio.create_task(started.wait())
    await asyncio.wait({serving, waiter}, timeout=START_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
    if serving.done():
        serving.result()  # raises what went wrong
    if not started.is_set():
        raise TimeoutError(f"chibo did not start within {START_TIMEOUT:g} s")
    conn.send(("ready", os.getpid()))
    try:
        await _control(conn, probe)
    finally:
        stop.set()
        await serving


async def _run_bare(spec: BotSpec, conn: Connection) -> None:
    """PTB's minimal echo bot: one MessageHandler answering "ok", the same polling settings as chibo."""
    from telegram import Update
    from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

    probe = Probe()
    counters = probe.counters

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        counters.handled += 1  # before the reply, so a snapshot after the reply arrived counts it
        started = time.perf_counter()
        assert update.message is not None
        await update.message.reply_text("ok")
        counters.handle_seconds += time.perf_counter() - started

    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(spec.base_url)
        .base_file_url(spec.base_file_url)
        .get_updates_read_timeout(POLL_TIMEOUT + 10)
        .connection_pool_size(CONNECTION_POOL)
        .build()
    )
    application.add_handler(MessageHandler(filters.ALL, echo, block=not spec.bare_concurrent))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(
            poll_interval=0, timeout=POLL_TIMEOUT, drop_pending_updates=False
        )
        conn.send(("ready", os.getpid()))
        try:
            await _control(conn, probe)
        finally:
            await application.updater.stop()
            await application.stop()


def _bot_main(spec: BotSpec, conn: Connection) -> None:
    """Process entry point of a bot; a failure to start goes back to the parent as a traceback."""
    configure_logging(spec.log_path)
    no_proxy_for_loopback()
    runner = _run_chibo if spec.kind == "chibo" else _run_bare
    try:
        asyncio.run(runner(spec, conn))
    except BaseException:
        with contextlib.suppress(OSError):
            conn.send(("failed", traceback.format_exc()))
        raise


# ------------------------------------------------------------------------------------- the parent's handles


class Child:
    """A process (fake or bot) and the pipe to it."""

    def __init__(self, name: str, process: BaseProcess, conn: Connection) -> None:
        self.name, self.process, self.conn = name, process, conn

    @classmethod
    async def start(cls, name: str, target: Callable[..., None], *args: Any) -> tuple[Child, Any]:
        """Spawn the process and wait for its first message."""
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(target=target, args=(*args, child), name=name, daemon=True)
        process.start()
        child.close()
        handle = cls(name, process, parent)
        first = await handle.receive(START_TIMEOUT)
        if isinstance(first, tuple) and first and first[0] == "failed":
            raise RuntimeError(f"{name} failed to start:\n{first[1]}")
        return handle, first

    async def receive(self, timeout: float) -> Any:  # noqa: ASYNC109
        """The next message from the child."""
        if not await asyncio.to_thread(self.conn.poll, timeout):
            raise TimeoutError(f"{self.name} did not answer within {timeout:g} s")
        answer = self.conn.recv()
        if isinstance(answer, tuple) and answer and answer[0] == "failed":
            raise RuntimeError(f"{self.name} failed:\n{answer[1]}")
        return answer

    async def ask(self, *command: Any, timeout: float = 60.0) -> Any:  # noqa: ASYNC109
        """Send a command and return the answer."""
        self.conn.send(command)
        return await self.receive(timeout)

    async def stop(self) -> None:
        """Ask the process to stop, and make sure it has."""
        if self.process.is_alive():
            with contextlib.suppress(OSError, EOFError):
                self.conn.send(("stop",))
        await asyncio.to_thread(self.process.join, 30)
        if self.process.is_alive():
            self.process.terminate()
            await asyncio.to_thread(self.process.join, 10)
        self.conn.close()


@dataclass
class Contestant:
    """One bot under test with its own fake."""

    name: str
    fake: Child
    bot: Child
    pid: int
    failures_in_a_row: int = 0


def error_texts() -> frozenset[str]:
    """chibo's apologies in every language: a reply, but not an answer."""
    from bot.i18n import LANGUAGES, translator
    from bot.runtime import SORRY, UNDELIVERED

    return frozenset(translator(lang).gettext(msgid) for lang in LANGUAGES for msgid in (SORRY, UNDELIVERED))


async def start_contestant(
    name: str, population: Population, database_url: str, bare_concurrent: bool, log_path: Path
) -> Contestant:
    """Start a fake with every member, then the bot against it (logging into log_path)."""
    fake, urls = await Child.start(f"fake-{name}", _fake_main, population.everyone, error_texts())
    spec = BotSpec(name, urls[0], urls[1], database_url, bare_concurrent, str(log_path))
    try:
        bot, (_, pid) = await Child.start(f"bot-{name}", _bot_main, spec)
    except BaseException:
        await fake.stop()
        raise
    return Contestant(name, fake, bot, pid)


# ------------------------------------------------------------------------------------- one step


@dataclass(frozen=True)
class StepResult:
    """One bot, one rate, one repetition."""

    bot: str
    repetition: int
    rate: float
    seconds: float
    injected: int
    answered: int
    handled: int  # handle calls in the bot (a repeated update is handled, and skipped, without a reply)
    errors: int
    stray: int
    late_injections: int
    achieved: float  # replies/s inside the window
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    backlog_end: int
    backlog_growth: float  # updates/s, least squares over the window's second half
    kept_up: bool
    drain_seconds: float  # window start to last reply
    cpu_ms_per_update: float
    bot_cpu_percent: float  # of one core, window start to last reply
    fake_cpu_percent: float
    handle_ms: float  # mean wall time inside ChatCore.handle (chibo) or the echo handler (bare)
    sql_ms: float  # mean wall time of SQL inside handle, per update
    queries_per_update: float
    transactions_per_update: float  # BEGINs inside handle per update
    commits_per_update: float
    other_statements: int  # statements outside handle during the step (background work)
    calls: dict[str, int]  # the bot's Bot API calls by method (getUpdates batches many updates)
    statements: dict[str, int]  # SQL text -> count inside handle during the step


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (share in 0..1) of the values; NaN when there are none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def growth(samples: Sequence[tuple[float, int]], seconds: float) -> float:
    """Least-squares slope (per second) of the backlog over the window's second half."""
    late = [(t, n) for t, n in samples if t >= seconds / 2]
    if len(late) < 2:
        return 0.0
    mean_t = statistics.fmean(t for t, _ in late)
    mean_n = statistics.fmean(n for _, n in late)
    spread = sum((t - mean_t) ** 2 for t, _ in late)
    return sum((t - mean_t) * (n - mean_n) for t, n in late) / spread if spread else 0.0


async def run_step(
    contestant: Contestant, order: StepOrder, repetition: int, *, label: str | None = None
) -> StepResult:
    """Drive one step through a contestant's fake and read its bot's counters before and after."""
    before = await contestant.bot.ask("snapshot")
    record: StepRecord = await contestant.fake.ask(
        "step", order, timeout=order.seconds + order.drain_seconds + 60
    )
    after: Counters = await contestant.bot.ask("snapshot")
    counted = after.minus(before)
    answered = max(record.answered, 1)
    handled = max(counted.handled, 1)
    busy = max(record.last_reply, order.seconds)  # the CPU window: step start to its last reply
    achieved = record.in_window / order.seconds
    slope = growth(record.backlog, order.seconds)
    latencies_ms = [1000 * latency for latency in record.latencies]
    return StepResult(
        bot=label or contestant.name,
        repetition=repetition,
        rate=order.rate,
        seconds=order.seconds,
        injected=record.injected,
        answered=record.answered,
        handled=counted.handled,
        errors=record.errors,
        stray=record.stray,
        late_injections=record.late_injections,
        achieved=round(achieved, 1),
        p50_ms=round(percentile(latencies_ms, 0.50), 1),
        p90_ms=round(percentile(latencies_ms, 0.90), 1),
        p99_ms=round(percentile(latencies_ms, 0.99), 1),
        max_ms=round(max(latencies_ms, default=float("nan")), 1),
        backlog_end=record.backlog[-1][1] if record.backlog else 0,
        backlog_growth=round(slope, 1),
        kept_up=achieved >= KEPT_UP * order.rate and slope <= MAX_GROWTH * order.rate and not record.errors,
        drain_seconds=round(busy, 2),
        cpu_ms_per_update=round(1000 * counted.cpu_seconds / answered, 2),
        bot_cpu_percent=round(100 * counted.cpu_seconds / busy, 1),
        fake_cpu_percent=round(100 * record.fake_cpu_seconds / busy, 1),
        handle_ms=round(1000 * counted.handle_seconds / handled, 2),
        sql_ms=round(1000 * counted.sql_seconds / handled, 2),
        queries_per_update=round(sum(counted.statements.values()) / handled, 2),
        transactions_per_update=round(counted.begins / handled, 2),
        commits_per_update=round(counted.commits / handled, 2),
        other_statements=counted.other_statements,
        calls=record.calls,
        statements=counted.statements,
    )


async def idle_cpu_percent(contestant: Contestant, seconds: float = 3.0) -> float:
    """CPU of the bot while nobody writes (chibo's background polling), % of one core."""
    before: Counters = await contestant.bot.ask("snapshot")
    await asyncio.sleep(seconds)
    after: Counters = await contestant.bot.ask("snapshot")
    return round(100 * (after.cpu_seconds - before.cpu_seconds) / seconds, 2)


# ------------------------------------------------------------------------------------- the run


@dataclass
class Options:
    """The command line, parsed."""

    db: str
    database_url: str | None
    rates: list[float]
    seconds: float
    repeat: int
    workload: str
    bots: list[str]
    cells: int
    warmup: float
    drain: float
    bare_concurrent: bool
    profile: bool
    profile_rate: float
    argv: list[str]


async def profile_step(contestant: Contestant, order: StepOrder, stamp: str) -> tuple[Path, int]:
    """One extra step of a bot under py-spy (not counted in the results); the profile and updates handled.

    py-spy samples from outside (250 Hz, only the thread holding the GIL), so unlike cProfile it
    neither slows the bot much nor loses track of SQLAlchemy's greenlets.
    """
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if spy is None:
        raise SystemExit("--profile needs py-spy: .venv/bin/pip install py-spy")
    path = RESULTS / f"updates-{stamp}-{contestant.name}.pyspy.txt"
    command = [spy, "record", "--pid", str(contestant.pid), "--format", "raw", "--output", str(path)]
    command += ["--duration", str(int(order.seconds)), "--rate", "250", "--gil"]
    spying = await asyncio.create_subprocess_exec(*command, stdout=DEVNULL, stderr=PIPE)
    await asyncio.sleep(0.5)  # let it attach; the step outlasts the recording, which sees only load
    await run_step(contestant, replace(order, seconds=order.seconds + 1), -1)
    _, errors = await spying.communicate()
    if spying.returncode:
        raise RuntimeError(f"py-spy failed: {errors.decode(errors='replace')}")
    return path, round(order.rate * (order.seconds - 0.5))  # recorded: the step's first seconds - 0.5


async def sweep(options: Options) -> dict[str, Any]:
    """Seed, start the bots, warm them up, run the alternating sweeps; return everything measured."""
    workload = WORKLOADS[options.workload]
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    RESULTS.mkdir(parents=True, exist_ok=True)
    async with fresh_database(options.db, options.database_url) as url:
        print(f"… seeding {options.cells} cells of 19 members ({options.db})", file=sys.stderr)
        started = time.perf_counter()
        population = await seed(url, options.cells)
        print(f"  seeded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        senders = tuple(population.everyone if workload.senders == "everyone" else population.secretaries)
        contestants: list[Contestant] = []
        try:
            for name in options.bots:
                started = time.perf_counter()
                log_path = RESULTS / f"updates-{stamp}-{name}.log"
                contestants.append(
                    await start_contestant(name, population, url, options.bare_concurrent, log_path)
                )
                print(
                    f"  {name} started in {time.perf_counter() - started:.1f} s (pid {contestants[-1].pid})",
                    file=sys.stderr,
                )
            warm = StepOrder(
                min(options.rates[0], 20.0), options.warmup, workload.text, senders, options.drain
            )
            for contestant in contestants:  # compiled-statement caches, connection pools, PTB's lazy imports
                await run_step(contestant, warm, -1)
            idle = {c.name: await idle_cpu_percent(c) for c in contestants}
            results: list[StepResult] = []
            for repetition in range(options.repeat):
                for contestant in contestants:
                    contestant.failures_in_a_row = 0
                for index, rate in enumerate(options.rates):
                    order = StepOrder(rate, options.seconds, workload.text, senders, options.drain)
                    turn = contestants if (repetition + index) % 2 == 0 else contestants[::-1]
                    for contestant in turn:
                        if contestant.failures_in_a_row >= 2:
                            continue
                        result = await run_step(contestant, order, repetition)
                        results.append(result)
                        contestant.failures_in_a_row = (
                            0 if result.kept_up else contestant.failures_in_a_row + 1
                        )
                        if result.answered < result.injected:
                            contestant.failures_in_a_row = 2  # replies lost: its later steps would be skewed
                        print(f"  {describe(result)}", file=sys.stderr)
                        await asyncio.sleep(0.5)  # let stragglers (menus, logs) settle between steps
            profile = {}
            if options.profile:  # both bots at the same rate, so their samples compare directly
                order = StepOrder(
                    options.profile_rate, options.seconds, workload.text, senders, options.drain
                )
                for contestant in contestants:
                    path, updates = await profile_step(contestant, order, stamp)
                    profile[contestant.name] = {"path": str(path), "updates": updates}
        finally:
            for contestant in contestants:
                await contestant.bot.stop()
                await contestant.fake.stop()
    return {
        "stamp": stamp,
        "idle_cpu_percent": idle,
        "senders": len(senders),
        "results": results,
        "profile": profile,
    }


def describe(result: StepResult) -> str:
    """One line of progress."""
    return (
        f"{result.bot:>5} {result.rate:>5g}/s: {result.achieved:6.1f}/s, p50 {result.p50_ms:7.1f} ms,"
        f" p99 {result.p99_ms:7.1f} ms, CPU {result.cpu_ms_per_update:5.2f} ms/upd,"
        f" q/upd {result.queries_per_update:5.2f}, {'kept up' if result.kept_up else 'BEHIND'}"
        + (f", {result.errors} errors" if result.errors else "")
        + (f", {result.injected - result.answered} unanswered" if result.answered < result.injected else "")
        + (f", {result.handled} handled" if result.handled != result.answered else "")
    )


# ------------------------------------------------------------------------------------- the report


def statement_kind(sql: str) -> str:
    """'SELECT person' / 'SELECT membership+cell' / 'INSERT processed_update' ...: verb and tables."""
    flat = " ".join(sql.split())
    verb = flat.split(" ", 1)[0].upper()
    if verb == "SELECT":
        tables = re.findall(r"\b(?:FROM|JOIN)\s+\"?(\w+)", flat, re.IGNORECASE)
        return "SELECT " + "+".join(dict.fromkeys(tables))
    match = re.match(r"(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?(\w+)", flat, re.IGNORECASE)
    return f"{verb} {match.group(1)}" if match else verb


def median(values: Sequence[float]) -> float:
    """The median, NaN for none."""
    clean = [v for v in values if v == v]
    return statistics.median(clean) if clean else float("nan")


def fmt(value: float, pattern: str = "{:.1f}") -> str:
    """A number for a table; a dash for NaN."""
    return "—" if value != value else pattern.format(value)


def markdown(headings: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A right-aligned Markdown table."""
    widths = [max(len(cell) for cell in column) for column in zip(headings, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.rjust(width) for cell, width in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (width + 1) + ":" for width in widths) + "|"
    return "\n".join([line(headings), rule, *(line(row) for row in rows)])


def steps_table(results: Sequence[StepResult], bots: Sequence[str]) -> str:
    """Per bot and rate, the median over repetitions."""
    groups: dict[tuple[str, float], list[StepResult]] = defaultdict(list)
    for result in results:
        groups[(result.bot, result.rate)].append(result)
    rows = []
    for (bot, rate), group in sorted(groups.items(), key=lambda item: (bots.index(item[0][0]), item[0][1])):
        rows.append(
            [
                bot,
                f"{rate:g}",
                fmt(median([r.achieved for r in group])),
                fmt(median([r.p50_ms for r in group])),
                fmt(median([r.p99_ms for r in group])),
                fmt(median([r.backlog_growth for r in group])),
                f"{sum(r.kept_up for r in group)}/{len(group)}",
                fmt(median([r.cpu_ms_per_update for r in group]), "{:.2f}"),
                fmt(median([r.bot_cpu_percent for r in group]), "{:.0f}"),
                fmt(median([r.handle_ms for r in group]), "{:.2f}"),
                fmt(median([r.sql_ms for r in group]), "{:.2f}"),
                fmt(median([r.queries_per_update for r in group]), "{:.2f}"),
                fmt(median([r.commits_per_update for r in group]), "{:.2f}"),
            ]
        )
    headings = [
        "bot",
        "offered/s",
        "achieved/s",
        "p50 ms",
        "p99 ms",
        "backlog +/s",
        "kept up",
        "CPU ms/upd",
        "bot CPU%",
        "handle ms",
        "sql ms",
        "q/upd",
        "commits/upd",
    ]
    return markdown(headings, rows)


def saturation(results: Sequence[StepResult], bot: str, repetition: int) -> float:
    """The highest rate this bot kept up with in this repetition (0 if none)."""
    return max(
        (r.rate for r in results if r.bot == bot and r.repetition == repetition and r.kept_up), default=0
    )


def summary(results: Sequence[StepResult], bots: Sequence[str]) -> tuple[str, dict[str, Any]]:
    """Saturation, peak throughput, CPU per update and p99 at 100/s per bot, and chibo/bare side by side."""
    repetitions = sorted({r.repetition for r in results})
    figures: dict[str, dict[str, float]] = {}
    for bot in bots:
        mine = [r for r in results if r.bot == bot]
        figures[bot] = {
            "saturation": median([saturation(results, bot, rep) for rep in repetitions]),
            "peak": median(
                [max((r.achieved for r in mine if r.repetition == rep), default=0) for rep in repetitions]
            ),
            "p99_at_100": median([r.p99_ms for r in mine if r.rate == 100]),
        }
    # CPU per update where both kept up, pair by pair (same repetition, same rate: measured side by side).
    pairs: list[tuple[StepResult, StepResult]] = []
    if {"chibo", "bare"} <= set(bots):
        chibo = {(r.repetition, r.rate): r for r in results if r.bot == "chibo" and r.kept_up}
        bare = {(r.repetition, r.rate): r for r in results if r.bot == "bare" and r.kept_up}
        pairs = [(chibo[key], bare[key]) for key in sorted(chibo.keys() & bare.keys())]
    for bot in bots:
        own = [r for r in results if r.bot == bot and r.kept_up]
        paired = [pair[0] if bot == "chibo" else pair[1] for pair in pairs]
        figures[bot]["cpu_ms"] = median([r.cpu_ms_per_update for r in (paired or own)])
    rows = [
        ["saturation (updates/s kept up)", *(fmt(figures[b]["saturation"], "{:g}") for b in bots)],
        ["peak throughput (replies/s)", *(fmt(figures[b]["peak"]) for b in bots)],
        ["CPU ms per update (steps both kept up)", *(fmt(figures[b]["cpu_ms"], "{:.2f}") for b in bots)],
        ["p99 ms at 100/s", *(fmt(figures[b]["p99_at_100"]) for b in bots)],
    ]
    ratios: dict[str, float] = {}
    if pairs:
        ratios = {
            "saturation": median(
                [
                    saturation(results, "chibo", rep) / (saturation(results, "bare", rep) or float("nan"))
                    for rep in repetitions
                ]
            ),
            "peak": figures["chibo"]["peak"] / (figures["bare"]["peak"] or float("nan")),
            "cpu": median([c.cpu_ms_per_update / b.cpu_ms_per_update for c, b in pairs]),
        }
        for row, key in zip(rows, ("saturation", "peak", "cpu", None), strict=True):
            row.append(fmt(ratios[key], "{:.2f}") if key else "")
    headings = ["", *bots, *(["chibo/bare"] if ratios else [])]
    return markdown(headings, rows), {"figures": figures, "ratios": ratios, "cpu_pairs": len(pairs)}


def queries_table(results: Sequence[StepResult]) -> tuple[str, dict[str, float]]:
    """chibo's statements per handled update by kind, over every step."""
    statements: Counter[str] = Counter()
    handled = 0
    for result in results:
        if result.bot == "chibo":
            statements.update(result.statements)
            handled += result.answered
    kinds: Counter[str] = Counter()
    for sql, count in statements.items():
        kinds[statement_kind(sql)] += count
    per_update = {kind: count / max(handled, 1) for kind, count in kinds.most_common()}
    rows = [[kind, f"{n:.2f}"] for kind, n in per_update.items()]
    rows.append(["**total**", f"{sum(per_update.values()):.2f}"])
    return markdown(["statement (verb tables)", "per update"], rows), per_update


def write_json(options: Options, measured: dict[str, Any], extra: dict[str, Any]) -> Path:
    """Save everything measured, the command and the machine to bench/results/."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"updates-{measured['stamp']}-{options.db}-{options.workload}.json"
    document = {
        "command": " ".join([".venv/bin/python -m bench.updates", *options.argv]),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "options": {k: v for k, v in asdict(options).items() if k != "argv"},
        "idle_cpu_percent": measured["idle_cpu_percent"],
        "senders": measured["senders"],
        "profile": measured["profile"],
        **extra,
        "results": [asdict(r) for r in measured["results"]],
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return path


# ------------------------------------------------------------------------------------- command line


def parse_args(argv: Sequence[str]) -> Options:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.updates", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("CHIBO_TEST_POSTGRES_URL"),
        help="PostgreSQL server for --db postgres; scratch database bench_updates_<pid> made and dropped",
    )
    parser.add_argument(
        "--rates", default="10,25,50,75,100,150,200,300,400,500,600", help="offered updates/s, one step each"
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each step (default 5)")
    parser.add_argument("--repeat", type=int, default=1, help="run the whole sweep this many times")
    parser.add_argument("--workload", choices=sorted(WORKLOADS), default="help")
    parser.add_argument("--bot", choices=("chibo", "bare", "both"), default="both")
    parser.add_argument("--cells", type=int, default=40, help="cells of 19 linked members (default 40)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of unrecorded load first")
    parser.add_argument("--drain", type=float, default=90.0, help="longest wait for a step's last replies")
    parser.add_argument(
        "--bare-concurrent",
        action="store_true",
        help="run the bare bot's handler with block=False (updates side by side, as chibo's are)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="after the sweeps, record one more chibo step (not counted) with py-spy and summarise it",
    )
    parser.add_argument("--profile-rate", type=float, default=50.0, help="rate of the profiled step (50)")
    args = parser.parse_args(argv)
    return Options(
        db=args.db,
        database_url=args.database_url,
        rates=[float(value) for value in args.rates.split(",")],
        seconds=args.seconds,
        repeat=args.repeat,
        workload=args.workload,
        bots=["chibo", "bare"] if args.bot == "both" else [args.bot],
        cells=args.cells,
        warmup=args.warmup,
        drain=args.drain,
        bare_concurrent=args.bare_concurrent,
        profile=args.profile,
        profile_rate=args.profile_rate,
        argv=list(argv),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the sweeps, print the tables, save the JSON."""
    options = parse_args(list(sys.argv[1:] if argv is None else argv))
    no_proxy_for_loopback()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    measured = asyncio.run(sweep(options))
    results: list[StepResult] = measured["results"]
    print(
        f"\n### {options.workload}, {options.db}: {measured['senders']} senders, {options.seconds:g} s steps,"
        f" {options.repeat} repetition(s); idle bot CPU % {measured['idle_cpu_percent']}\n"
    )
    print(steps_table(results, options.bots))
    extra: dict[str, Any] = {}
    text, extra["summary"] = summary(results, options.bots)
    print("\n" + text)
    if "chibo" in options.bots:
        text, extra["queries_per_update"] = queries_table(results)
        print("\n" + text)
    print(f"\nsaved {write_json(options, measured, extra)}")
    for name, profile in measured["profile"].items():
        print(f"\n{name} under py-spy at {options.profile_rate:g}/s ({profile['path']}):\n")
        print(pyspy_summary.summarise(Path(profile["path"]), profile["updates"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

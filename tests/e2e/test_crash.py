"""A crash in the middle of a fan-out: the process is killed, restarted, and everyone is reminded once.

The bot runs as a real `chibo run` process against the fake Bot API in this test's process. The fake
kills it with SIGKILL from inside its request handler after N sends, before answering the last one:
that message reached "Telegram" but the bot never learned so, which is the unavoidable duplicate.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from bot.services import announcements, audit
from fake_telegram import Call, FakeBotAPI
from storage.db import make_engine, make_sessions
from storage.models import Cell, ChatIdentity, Membership, MemberStatus, OutboxMessage, Person, Unit
from tests.conftest import TOKEN
from tests.support import TODAY

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
MEMBERS = 500
KILL_AFTER = 150
SENDERS = 4
TEXT = "Nhắc lịch: sinh hoạt chi bộ 19:30 ngày 04/12."


async def _cell_of_500(url: str, fake: FakeBotAPI) -> None:
    """One cell with 500 linked members and an announcement to all of them in the outbox."""
    now = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    engine = make_engine(url)
    sessions = make_sessions(engine)
    async with sessions.begin() as session:
        unit = Unit(name="Xã Thái Bình", created_at=now)
        session.add(unit)
        await session.flush()
        assert unit.id is not None
        cell = Cell(name="Chi bộ thôn 3", kind="village", unit_id=unit.id, created_at=now)
        session.add(cell)
        await session.flush()
        assert cell.id is not None
        people = [
            Person(full_name=f"Đảng viên {i}", name_key=f"đảng viên {i}", created_at=now)
            for i in range(MEMBERS)
        ]
        session.add_all(people)
        await session.flush()
        for person in people:
            assert person.id is not None
            session.add(Membership(person_id=person.id, cell_id=cell.id, valid_from=TODAY))
            session.add(MemberStatus(person_id=person.id, status="official", valid_from=TODAY))
            session.add(
                ChatIdentity(
                    platform="telegram",
                    external_id=str(10_000 + person.id),
                    person_id=person.id,
                    linked_at=now,
                )
            )
            fake.add_user(10_000 + person.id, person.full_name)
        await announcements.create(
            session=session, text=TEXT, audience="members", actor=audit.CLI, now=now, day=TODAY, cell=cell
        )
    await engine.dispose()


async def _start(config_file: Path, log: Path) -> asyncio.subprocess.Process:
    """Start `chibo run` as its own process, its output appended to the log."""
    with log.open("ab") as out:  # the child keeps its own copy of the descriptor
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "--config",
            str(config_file),
            "run",
            stdout=out,
            stderr=asyncio.subprocess.STDOUT,
            env={k: v for k, v in os.environ.items() if k != "CHIBO_TELEGRAM_TOKEN"},
        )


async def test_a_killed_fan_out_resumes_and_reaches_everyone_once(
    database_url: str, fake: FakeBotAPI, tmp_path: Path
) -> None:
    await _cell_of_500(database_url, fake)
    config_file = tmp_path / "chibo.toml"
    config_file.write_text(
        f'[telegram]\ntoken = "{TOKEN}"\nbase_url = "{fake.base_url}"\n'
        f'base_file_url = "{fake.base_file_url}"\npoll_timeout = 1\noverall_max_rate = 1000\n'
        f'[database]\nurl = "{database_url}"\n[delivery]\nsenders = {SENDERS}\n',
        encoding="utf-8",
    )
    log = tmp_path / "bot.log"
    first = await _start(config_file, log)
    killed = asyncio.Event()

    def kill_after_n_sends(call: Call) -> None:
        if call.method == "sendMessage" and not killed.is_set():
            if len(fake.calls("sendMessage")) >= KILL_AFTER:
                os.kill(first.pid, signal.SIGKILL)  # before this request is answered
                killed.set()

    fake.on_call = kill_after_n_sends
    try:
        await asyncio.wait_for(killed.wait(), 60)
    finally:
        if first.returncode is None and not killed.is_set():
            first.kill()
    assert await asyncio.wait_for(first.wait(), 30) == -signal.SIGKILL
    fake.on_call = None
    sent_before_restart = len(fake.calls("sendMessage"))
    assert sent_before_restart < MEMBERS, "the crash happened mid-way"

    second = await _start(config_file, log)
    try:
        await fake.wait_until(lambda: len(_deliveries(fake)) == MEMBERS, timeout=60, what="everyone reminded")
    finally:
        # A graceful stop records the outcome of the sends still in hand; never leave the process behind.
        second.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(second.wait(), 30)
        except TimeoutError:
            second.kill()
            await second.wait()
            raise
    assert code == 0, log.read_text()
    engine = make_engine(database_url)
    async with make_sessions(engine)() as session:
        rows = (await session.exec(select(OutboxMessage))).all()
    await engine.dispose()

    per_chat = Counter(m["chat"]["id"] for m in fake.sent() if str(m.get("text", "")).endswith(TEXT))
    duplicates = sum(n - 1 for n in per_chat.values())
    in_flight_warnings = log.read_text().count("it may arrive twice")
    assert len(per_chat) == MEMBERS
    assert {r.status for r in rows} == {"sent"}
    assert 1 <= in_flight_warnings <= SENDERS, "rows in flight at the crash are logged"
    assert duplicates <= in_flight_warnings, "only a message in flight at the crash may go twice"
    assert TOKEN not in log.read_text(), "the bot token never reaches the logs"


def _deliveries(fake: FakeBotAPI) -> set[int]:
    return {m["chat"]["id"] for m in fake.sent() if str(m.get("text", "")).endswith(TEXT)}

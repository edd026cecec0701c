"""A crash right after a contribution is confirmed: killed, restarted, and the row is there, once.

No acknowledged contribution is ever missing (issue 11). The bot runs as a real `chibo run` process
against the fake Bot API in this test's process, on a fixed clock (CHIBO_NOW). A member of an open
meeting sends "/say …"; the fake SIGKILLs the bot from inside its request handler the moment the
confirmation reaches it, before answering: the member has been told "noted", the bot never learned
that it was delivered. The contribution must already be in the database (it commits before the
confirmation is sent).

Telegram redelivers an update until a later getUpdates confirms it. Left alone, python-telegram-bot
confirms the update with its very next poll, before the handler is done, so the fake drops every poll
after the one that carried "/say" until the kill: the confirmation never reaches "Telegram" and the
restarted bot is handed the same update again. It must recognise it (by update id) and not take the
contribution a second time.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.config import Config
from bot.services import attendance, audit
from fake_telegram import Call, FakeBotAPI
from storage.db import make_engine, make_sessions
from storage.models import Contribution, Meeting, ProcessedUpdate
from tests.conftest import TOKEN
from tests.support import FakeClock, plan_meeting, seed

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
NOTED = "Your contribution is noted"
TEXT = "Đề nghị lắp thêm đèn đường ở xóm Đồng trước Tết 🙂"
LATER = "Tôi đồng ý với ý kiến của đồng chí Hoa về thu đảng phí"


async def _open_meeting_with_member_checked_in(url: str, config: Config, clock: FakeClock) -> tuple[int, int]:
    """Chi bộ thôn 3 and its people; a meeting opened two hours on, with the member checked in.

    Returns (meeting id, the member's person id). The clock is left at the meeting's start.
    """
    engine = make_engine(url)
    sessions = make_sessions(engine)
    s = await seed(sessions, clock)
    rules, tz = config.meetings.rules(), config.tz
    # Nothing in the outbox: the only message to the member is the confirmation.
    meeting_id = await plan_meeting(
        sessions, s.cell, clock, config, agenda=("Tình hình an ninh", "Thu đảng phí"), send_notice=False
    )
    clock.advance(hours=2)
    async with sessions.begin() as session:
        opened = await session.get(Meeting, meeting_id)
        assert opened is not None
        await attendance.open_meeting(
            session=session, meeting=opened, actor=audit.CLI, now=clock(), rules=rules, tz=tz
        )
        checked = await attendance.check_in(
            session=session,
            meeting=opened,
            person_id=s.people["member"],
            actor=audit.Actor(f"telegram:{s.tg('member')}", s.people["member"]),  # themself
            now=clock(),
            rules=rules,
            tz=tz,
        )
        assert checked is not None
    await engine.dispose()
    return meeting_id, s.people["member"]


async def _contributions(url: str, meeting_id: int) -> list[Contribution]:
    engine = make_engine(url)
    try:
        async with make_sessions(engine)() as session:
            query = (
                select(Contribution)
                .where(Contribution.meeting_id == meeting_id)
                .order_by(col(Contribution.id))
            )
            return list((await session.exec(query)).all())
    finally:
        await engine.dispose()


async def _processed(url: str, update_id: int) -> bool:
    engine = make_engine(url)
    try:
        async with make_sessions(engine)() as session:
            query = select(ProcessedUpdate).where(ProcessedUpdate.update_id == str(update_id))
            return (await session.exec(query)).first() is not None
    finally:
        await engine.dispose()


async def _start(config_file: Path, log: Path, now: str) -> asyncio.subprocess.Process:
    """Start `chibo run` as its own process on the clock CHIBO_NOW sets, its output appended to the log."""
    env = {k: v for k, v in os.environ.items() if k not in ("CHIBO_TELEGRAM_TOKEN", "CHIBO_CONFIG")}
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
            env={**env, "CHIBO_NOW": now},
        )


def _confirmations(fake: FakeBotAPI, user: int) -> list[str]:
    return [t for t in fake.texts(user) if NOTED in t]


async def test_a_contribution_confirmed_just_before_a_crash_is_kept_once(
    database_url: str, config: Config, fake: FakeBotAPI, clock: FakeClock, tmp_path: Path
) -> None:
    meeting_id, person_id = await _open_meeting_with_member_checked_in(database_url, config, clock)
    member = 1000 + person_id
    fake.add_user(member, "Trần Văn Ân", language_code="en")
    config_file = tmp_path / "chibo.toml"
    config_file.write_text(
        f'[telegram]\ntoken = "{TOKEN}"\nbase_url = "{fake.base_url}"\n'
        f'base_file_url = "{fake.base_file_url}"\npoll_timeout = 1\n'
        f'[database]\nurl = "{database_url}"\n',
        encoding="utf-8",
    )
    log = tmp_path / "bot.log"
    first = await _start(config_file, log, (clock() + timedelta(minutes=1)).isoformat())
    killed = asyncio.Event()

    def hold_back_confirmation_then_kill(call: Call) -> None:
        if killed.is_set():
            return
        # The poll that hands the bot "/say" (the update still queued), and each dropped poll after it:
        # drop the next, so the offset that would confirm the update never reaches the fake.
        if call.method == "getUpdates" and (
            call.status == 0 or (call.status == 200 and fake.pending_updates)
        ):
            fake.drop_next("getUpdates")
        if (
            call.method == "sendMessage"
            and str(call.params.get("chat_id")) == str(member)
            and NOTED in str(call.params.get("text", ""))
        ):
            # The confirmation is with "Telegram"; the bot never hears back.
            os.kill(first.pid, signal.SIGKILL)
            killed.set()

    fake.on_call = hold_back_confirmation_then_kill
    try:
        await fake.wait_until(
            lambda: "chibo is running" in log.read_text(errors="replace") or first.returncode is not None,
            timeout=30,
            what="the bot started",
        )
        assert first.returncode is None, log.read_text()
        said = fake.user_sends(member, f"/say {TEXT}")
        await asyncio.wait_for(killed.wait(), 30)
    finally:
        if first.returncode is None and not killed.is_set():
            first.kill()
    assert await asyncio.wait_for(first.wait(), 30) == -signal.SIGKILL
    fake.on_call = None

    # The member was told it is noted; the row is there, though the process died at that very moment.
    assert len(_confirmations(fake, member)) == 1
    [row] = await _contributions(database_url, meeting_id)
    assert (row.person_id, row.body, row.withdrawn_at) == (person_id, TEXT, None)
    assert await _processed(database_url, said["update_id"])
    assert fake.pending_updates == 1, "the update was never confirmed: Telegram hands it over again"

    second = await _start(config_file, log, (clock() + timedelta(minutes=3)).isoformat())
    try:
        # One poll of the new process is still to be dropped (armed before the kill); it retries.
        fake.user_sends(member, f"/say {LATER}")
        await fake.wait_until(
            lambda: len(_confirmations(fake, member)) >= 2 or second.returncode is not None,
            timeout=60,
            what="the later contribution confirmed",
        )
    finally:
        if second.returncode is None:
            second.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(second.wait(), 30)
        except TimeoutError:
            second.kill()
            await second.wait()
            raise
    output = log.read_text(errors="replace")
    assert code == 0, output
    assert len(_confirmations(fake, member)) == 2, output

    rows = await _contributions(database_url, meeting_id)
    assert [(r.person_id, r.body) for r in rows] == [(person_id, TEXT), (person_id, LATER)]
    assert rows[0].id == row.id, "the first contribution is the same row, kept as it was"
    assert f"skipping update {said['update_id']} already handled" in output, "the update came again"
    assert fake.pending_updates == 0
    assert TOKEN not in output, "the bot token never reaches the logs"

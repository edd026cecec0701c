"""`chibo demo`: the whole product, offline, on a temporary SQLite database and a fake Telegram.

A composition root like bot.serve: it joins the core with the Telegram edge and the fake Bot API.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlmodel import select

from bot.clock import Clock
from bot.config import Config
from bot.i18n import N_, translator
from bot.runtime import Runtime
from bot.serve import serve
from bot.services import identity, imports, invites, org
from handlers.telegram.fake_bot_api import FakeBotAPI, TranscriptEntry
from storage import repo
from storage.models import Person

SAMPLES = Path(__file__).parent / "samples"
TOKEN = "100200:DEMO"


class Demo:
    """Plays people talking to the bot and prints the conversation as it happens."""

    def __init__(self, fake: FakeBotAPI, *, quiet: bool) -> None:
        self.fake = fake
        self.quiet = quiet
        self.printed = 0
        self.names: dict[int, str] = {}

    def say(self, text: str) -> None:
        """A narrator's line."""
        if not self.quiet:
            print(f"\n── {text}")

    def flush(self) -> None:
        """Print the transcript entries that arrived since the last flush."""
        entries = self.fake.transcript()
        for entry in entries[self.printed :]:
            if not self.quiet:
                print(render(entry, self.names))
        self.printed = len(entries)

    async def send(self, user: int, text: str, replies: int = 1) -> list[dict[str, object]]:
        """A person writes; wait for the bot's replies and print them."""
        before = len(self.fake.sent(user))
        self.fake.user_sends(user, text)
        sent = await self.fake.wait_for_sent(chat_id=user, count=before + replies, timeout=10)
        self.flush()
        return sent[before:]

    async def press(self, user: int, message: dict[str, object], data: str) -> None:
        """A person presses a button; wait for the bot to answer it."""
        answered = len(self.fake.calls("answerCallbackQuery"))
        edits = len(self.fake.calls("editMessageText"))
        self.fake.user_presses(user, int(str(message["message_id"])), data)
        await self.fake.wait_until(
            lambda: (
                len(self.fake.calls("answerCallbackQuery")) > answered
                and len(self.fake.calls("editMessageText")) > edits
            ),
            timeout=10,
        )
        self.flush()


def render(entry: TranscriptEntry, names: dict[int, str]) -> str:
    """One transcript line: who said what, with the buttons under bot messages."""
    if entry.direction == "user":
        action = "[bấm nút] " if entry.kind == "press" else ""
        return f"👤 {names.get(entry.chat_id, entry.actor)}: {action}{entry.text}"
    arrow = "✏️ " if entry.kind == "edit" else ""
    lines = [f"🤖 → {names.get(entry.chat_id, entry.chat_id)}: {arrow}{entry.text}".replace("\n", "\n      ")]
    if entry.buttons:
        lines.append("      " + "  ".join(f"[{label}]" for label, _ in entry.buttons))
    return "\n".join(lines)


async def run_demo(*, clock: Clock, quiet: bool = False) -> int:
    """Run the demo; return the process exit code."""
    logging.getLogger().setLevel(logging.WARNING)
    started_at = time.monotonic()
    gettext: Callable[[str], str] = translator("vi").gettext
    with tempfile.TemporaryDirectory(prefix="chibo-demo-") as folder:
        async with FakeBotAPI(TOKEN, bot_username="chibo_demo_bot") as fake:
            config = Config.model_validate(
                {
                    "telegram": {
                        "token": TOKEN,
                        "base_url": fake.base_url,
                        "base_file_url": fake.base_file_url,
                        "poll_timeout": 1,
                    },
                    "database": {"url": f"sqlite+aiosqlite:///{folder}/demo.db"},
                    "change_poll_seconds": 0.5,
                }
            )
            runtime = Runtime(config, clock=clock)
            await runtime.migrate()
            demo = Demo(fake, quiet=quiet)
            people = await _set_up(runtime, config, demo, gettext, clock)
            stop, ready = asyncio.Event(), asyncio.Event()
            server = asyncio.create_task(serve(config, stop, runtime=runtime, started=ready))
            await ready.wait()
            try:
                await _play(demo, runtime, people)
            finally:
                stop.set()
                await server
    seconds = f"{time.monotonic() - started_at:.1f}"
    print("\n" + gettext(N_("Demo finished in %(seconds)s s.")) % {"seconds": seconds})
    return 0


async def _set_up(
    runtime: Runtime, config: Config, demo: Demo, gettext: Callable[[str], str], clock: Clock
) -> dict[str, object]:
    """Import the sample cell as an organiser would, and print the invites."""
    now = clock()
    today = now.astimezone(config.tz).date()
    demo.say("Cán bộ tổ chức nhập chi bộ thôn 3 từ tệp mẫu (19 đảng viên, 190 hộ)")
    async with runtime.sessions.begin() as session:
        province = await org.add_unit(
            session=session, name="Tỉnh Tuyên Quang", parent_ref=None, actor=org.CLI, now=now
        )
        commune = await org.add_unit(
            session=session, name="Xã Thái Bình", parent_ref=str(province.id), actor=org.CLI, now=now
        )
        cell = await org.add_cell(
            session=session,
            name="Chi bộ thôn 3",
            unit_ref=str(commune.id),
            kind="village",
            actor=org.CLI,
            now=now,
        )
        members = await imports.import_members(
            session=session,
            path=SAMPLES / "members_thon3.csv",
            cell=cell,
            today=today,
            now=now,
            actor=org.CLI,
        )
        households = await imports.import_households(
            session=session,
            path=SAMPLES / "households_thon3.csv",
            cell=cell,
            today=today,
            now=now,
            actor=org.CLI,
        )
        office = await org.add_cell(
            session=session,
            name="Chi bộ cơ quan Đảng ủy xã",
            unit_ref=str(commune.id),
            kind="office",
            actor=org.CLI,
            now=now,
        )
        organiser = await org.add_person(
            session=session,
            full_name="Đỗ Minh Tuấn",
            cell=office,
            actor=org.CLI,
            now=now,
            today=today,
            card_number="93.000001",
        )
        await org.grant_role(
            session=session,
            person=organiser,
            role="organiser",
            unit=commune,
            actor=org.CLI,
            now=now,
            today=today,
        )
        batch = await invites.for_cells(
            session=session, cells=[cell], now=now, config=config, username="chibo_demo_bot", actor=org.CLI
        )
        organiser_code = await identity.invite(
            session=session, person=organiser, now=now, valid_days=config.invite_valid_days, actor=org.CLI
        )
        secretary = (await repo.role_holders(session=session, role="secretary", day=today, cell_id=cell.id))[
            0
        ]
        deputy = (
            await repo.role_holders(session=session, role="deputy_secretary", day=today, cell_id=cell.id)
        )[0]
        names = {p.id: p.full_name for p in (await session.exec(select(Person))).all()}
    if not demo.quiet:
        print(
            gettext(
                N_("Imported into %(cell)s: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.")
            )
            % {"cell": cell.name, "created": members.created, "updated": 0, "unchanged": 0}
        )
        print(
            gettext(
                N_("Imported into %(cell)s: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.")
            )
            % {"cell": cell.name, "created": households.created, "updated": 0, "unchanged": 0}
        )
        print(
            f"Bí thư: {names[secretary.person_id]}; phó bí thư: {names[deputy.person_id]}; "
            f"cán bộ tổ chức xã: {organiser.full_name}"
        )
        demo.say("Mã mời in ra cho bí thư phát cho đảng viên")
        print(invites.as_text(batch, gettext=gettext, tz=config.tz))
    codes = {row.person.id: row.code for row in batch.rows}
    codes[organiser.id] = organiser_code.code
    return {
        "codes": codes,
        "names": names,
        "secretary": secretary.person_id,
        "deputy": deputy.person_id,
        "organiser": organiser.id,
        "cell": cell.id,
    }


async def _play(demo: Demo, runtime: Runtime, people: dict[str, object]) -> None:
    """Members link their accounts and use the bot; the secretary sends an announcement."""
    codes: dict[int, str] = people["codes"]  # type: ignore[assignment]
    names: dict[int, str] = people["names"]  # type: ignore[assignment]
    secretary, deputy, organiser = (int(str(people[k])) for k in ("secretary", "deputy", "organiser"))
    # Telegram user ids: 7000 + person id. Everyone but two members links; one of them later blocks the bot.
    ordinary = [pid for pid in codes if pid not in (secretary, deputy, organiser)]
    never_linked = ordinary[-2:]
    for pid in codes:
        demo.names[7000 + pid] = names[pid]
        demo.fake.add_user(7000 + pid, names[pid].split()[-1], language_code="vi")
    stranger = 6999
    demo.fake.add_user(stranger, "Khách", language_code="vi")
    demo.names[stranger] = "Người lạ"

    demo.say("Một người lạ nhắn cho bot")
    await demo.send(stranger, "Xin chào")
    demo.say("Bí thư, phó bí thư và cán bộ tổ chức liên kết tài khoản bằng mã mời")
    for pid in (secretary, deputy, organiser):
        await demo.send(7000 + pid, f"/start {codes[pid]}")
    demo.say("Các đảng viên khác liên kết (trừ hai đồng chí chưa nhận mã)")
    quiet_links = [pid for pid in ordinary if pid not in never_linked]
    for pid in quiet_links[:2]:
        await demo.send(7000 + pid, f"/start {codes[pid]}")
    was_quiet, demo.quiet = demo.quiet, True
    for pid in quiet_links[2:]:
        await demo.send(7000 + pid, f"/start {codes[pid]}")
    demo.quiet = was_quiet
    demo.printed = len(demo.fake.transcript())
    if not demo.quiet:
        print(f"   … {len(quiet_links) - 2} đồng chí nữa đã liên kết.")
    member = 7000 + quiet_links[0]
    demo.say("Một đảng viên dùng mã đã dùng rồi, rồi hỏi trợ giúp và đổi ngôn ngữ")
    await demo.send(7000 + never_linked[0], f"/start {codes[quiet_links[0]]}")
    await demo.send(member, "/help")
    [choice] = await demo.send(member, "/lang")
    await demo.press(member, choice, "f:en")
    await demo.send(member, "/help")
    await demo.send(member, "/lang vi")

    blocked = 7000 + quiet_links[-1]
    demo.fake.block(blocked)
    boss = 7000 + secretary
    demo.say("Bí thư xem danh sách đảng viên và gửi thông báo cho chi bộ")
    await demo.send(boss, "/help")
    await demo.send(boss, "/members")
    await demo.send(boss, "/announce")
    [preview] = await demo.send(
        boss,
        "Kính mời các đồng chí dự <b>sinh hoạt chi bộ tháng 12</b> lúc 19:30 "
        "ngày 04/12 tại nhà văn hóa thôn 3.",
    )
    await demo.press(boss, preview, "f:send")
    # The cell's linked members, less the one who blocked the bot, get it; the report then says so.
    reachable = len(quiet_links) + 2 - 1
    was_quiet, demo.quiet = demo.quiet, True
    await demo.fake.wait_until(
        lambda: len([m for m in demo.fake.sent() if "tháng 12" in m.get("text", "")]) >= reachable,
        timeout=15,
        what="the announcement to reach every linked member",
    )
    await runtime.delivery.wait_settled(timeout=15)
    demo.flush()
    demo.quiet = was_quiet
    if not demo.quiet:
        print(f"   … thông báo đã đến {reachable} đồng chí.")
    await runtime.update_reports()
    demo.flush()
    demo.say("Bí thư hỏi ai chưa liên lạc được")
    await demo.send(boss, "/unreachable")
    demo.say("Cán bộ tổ chức xã xem chức vụ trong chi bộ")
    [cells] = await demo.send(7000 + organiser, "/roles")
    await demo.press(7000 + organiser, cells, str(demo.fake.buttons(cells)[0][1]))
    demo.say("Một đảng viên thử dùng lệnh của bí thư")
    await demo.send(member, "/announce")

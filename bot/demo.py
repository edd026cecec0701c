"""`chibo demo`: the whole product, offline, on a temporary SQLite database and a fake Telegram.

A composition root like bot.serve: it joins the core with the Telegram edge and the fake Bot API.
Everything it prints, the narration included, is in the reader's language (`chibo --lang en demo`).
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from collections.abc import Callable
from typing import Any

from sqlmodel import select

from bot import markup, seeding
from bot.clock import Clock
from bot.config import Config
from bot.i18n import N_, translator
from bot.runtime import Runtime
from bot.serve import serve
from bot.services import audit, invites
from fake_telegram import FakeBotAPI, TranscriptEntry
from storage.models import Person

TOKEN = "100200:DEMO"
USER_BASE = 7000  # Telegram user id of a person: 7000 + their id
STRANGER = 6999
GROUP = -1001000000003  # the cell's group chat
IMPORTED = N_("Imported into %(cell)s: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.")
ANNOUNCEMENT = N_(
    "Dear comrades, you are invited to the *cell meeting of December* at 19:30 on 04/12 "
    "at the cultural house of village 3."
)


class Demo:
    """Plays people talking to the bot and prints the conversation, narrated, as it happens."""

    def __init__(self, fake: FakeBotAPI, *, quiet: bool, lang: str) -> None:
        self.fake = fake
        self.quiet = quiet
        self.lang = lang
        self.gettext: Callable[[str], str] = translator(lang).gettext
        self.printed = 0
        self.names: dict[int, str] = {}

    def _(self, message: str, **params: object) -> str:
        text = self.gettext(message)
        return text % {k: str(v) for k, v in params.items()} if params else text

    def say(self, message: str, **params: object) -> None:
        """A narrator's line: what the reader could not guess from the messages alone."""
        if not self.quiet:
            print(f"\n── {self._(message, **params)}")

    def note(self, message: str, **params: object) -> None:
        """An aside between messages."""
        if not self.quiet:
            print(f"   … {self._(message, **params)}")

    def flush(self) -> None:
        """Print the transcript entries that arrived since the last flush."""
        entries = self.fake.transcript()
        for entry in entries[self.printed :]:
            if not self.quiet:
                print(self.render(entry))
        self.printed = len(entries)

    def skip(self) -> None:
        """Leave what happened so far out of the transcript."""
        self.printed = len(self.fake.transcript())

    def render(self, entry: TranscriptEntry) -> str:
        """One transcript line: who said what, with the buttons under bot messages."""
        where = self.names.get(entry.chat_id, str(entry.chat_id))
        if entry.direction == "user":
            who = self.names.get(entry.chat_id, entry.actor) if entry.chat_id > 0 else entry.actor
            action = self._(N_("[presses]")) + " " if entry.kind == "press" else ""
            return f"👤 {who}{'' if entry.chat_id > 0 else ' @ ' + where}: {action}{entry.text}"
        if entry.kind == "answer":
            return "🤖 ⓘ " + self._(N_("(seen only by the one who pressed)")) + f" {entry.text}"
        arrow = "✏️ " if entry.kind == "edit" else ""
        lines = [f"🤖 → {where}: {arrow}{entry.text}".replace("\n", "\n      ")]
        if entry.buttons:
            lines.append("      " + "  ".join(f"[{label}]" for label, _ in entry.buttons))
        return "\n".join(lines)

    async def send(
        self, user: int, text: str, *, replies: int = 1, chat_id: int | None = None
    ) -> list[dict[str, Any]]:
        """A person writes (privately, or in a group); wait for the bot's private replies and print them."""
        before = len(self.fake.sent(user))
        group_before = len(self.fake.sent(chat_id)) if chat_id else 0
        self.fake.user_sends(user, text, chat_id=chat_id)
        sent = await self.fake.wait_for_sent(chat_id=user, count=before + replies, timeout=10)
        if chat_id:
            await self.fake.wait_for_sent(chat_id=chat_id, count=group_before + 1, timeout=10)
        self.flush()
        return sent[before:]

    async def press(self, user: int, message: dict[str, Any], label: str, *, taps: int = 1) -> None:
        """A person presses the button with this label (taps > 1: in quick succession); wait for the bot."""
        data = dict(self.fake.buttons(message))[label]
        assert data is not None
        answered = len(self.fake.calls("answerCallbackQuery"))
        edits = len(self.fake.calls("editMessageText"))
        for _ in range(taps):
            self.fake.user_presses(user, int(message["message_id"]), data)
        await self.fake.wait_until(
            lambda: (
                len(self.fake.calls("answerCallbackQuery")) >= answered + taps
                and len(self.fake.calls("editMessageText")) > edits
            ),
            timeout=10,
        )
        self.flush()


async def run_demo(*, clock: Clock, quiet: bool = False, lang: str = "vi") -> int:
    """Run the demo in `lang`; return the process exit code."""
    logging.getLogger().setLevel(logging.WARNING)
    started_at = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="chibo-demo-") as folder:
        async with FakeBotAPI(TOKEN, bot_username="chibo_demo_bot") as fake:
            config = Config.model_validate(
                {
                    "default_language": lang,
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
            demo = Demo(fake, quiet=quiet, lang=lang)
            cast = await _set_up(runtime, config, demo, clock)
            stop, ready = asyncio.Event(), asyncio.Event()
            server = asyncio.create_task(serve(config, stop, runtime=runtime, started=ready))
            await ready.wait()
            try:
                await _play(demo, runtime, cast)
            finally:
                stop.set()
                await server
    seconds = f"{time.monotonic() - started_at:.1f}"
    print("\n" + demo._(N_("Demo finished in %(seconds)s s."), seconds=seconds))
    return 0


async def _set_up(runtime: Runtime, config: Config, demo: Demo, clock: Clock) -> dict[str, Any]:
    """Import the sample cell as an organiser would, and print the invites."""
    now = clock()
    today = now.astimezone(config.tz).date()
    demo.say(
        N_("The commune's organiser imports Chi bộ thôn 3 from the sample files (19 members, 190 households)")
    )
    async with runtime.sessions.begin() as session:
        world = await seeding.thon3(session, now=now, today=today)
        cell, office, organiser = world.cell, world.office, world.organiser
        secretary, deputy = world.secretary, world.deputy
        assert world.imported is not None
        reports = list(world.imported)
        batch = await invites.for_cells(
            session=session, cells=[cell, office], now=now, config=config, username=None, actor=audit.CLI
        )
        names = {p.id: p.full_name for p in (await session.exec(select(Person))).all()}
    if not demo.quiet:
        for report in reports:
            print(
                demo._(
                    IMPORTED,
                    cell=cell.name,
                    created=report.created,
                    updated=report.updated,
                    unchanged=report.unchanged,
                )
            )
        print(
            demo._(
                N_("Secretary: %(secretary)s; deputy: %(deputy)s; the commune's organiser: %(organiser)s."),
                secretary=names[secretary],
                deputy=names[deputy],
                organiser=organiser.full_name,
            )
        )
    demo.say(
        N_("The invite codes, printed for the secretary to hand out (the organiser's code is among them)")
    )
    if not demo.quiet:
        print(invites.as_text(batch, gettext=demo.gettext, tz=config.tz))
    return {
        "codes": {row.person.id: row.code for row in batch.rows},
        "names": names,
        "secretary": secretary,
        "deputy": deputy,
        "organiser": organiser.id,
    }


async def _play(demo: Demo, runtime: Runtime, cast: dict[str, Any]) -> None:
    """Members link their accounts and use the bot; the secretary sends an announcement."""
    codes: dict[int, str] = cast["codes"]
    names: dict[int, str] = cast["names"]
    secretary, deputy, organiser = cast["secretary"], cast["deputy"], cast["organiser"]
    other = "en" if demo.lang == "vi" else "vi"
    for pid in codes:
        demo.names[USER_BASE + pid] = names[pid]
        demo.fake.add_user(USER_BASE + pid, names[pid].split()[-1], language_code=demo.lang)
    demo.fake.add_user(STRANGER, demo._(N_("Guest")), language_code=demo.lang)
    demo.names[STRANGER] = demo._(N_("A stranger"))
    demo.fake.add_group(GROUP, "Chi bộ thôn 3")
    demo.names[GROUP] = demo._(N_("the cell's group chat"))
    # Everyone links but two members who have not been given their codes; one who links later blocks the bot.
    ordinary = [pid for pid in codes if pid not in (secretary, deputy, organiser)]
    never_linked = ordinary[-2:]
    linking = [pid for pid in ordinary if pid not in never_linked]
    member, blocker = USER_BASE + linking[0], USER_BASE + linking[-1]
    boss = USER_BASE + secretary

    demo.say(N_("A stranger writes to the bot"))
    await demo.send(STRANGER, demo._(N_("Hello")))
    demo.say(N_("The secretary, the deputy and the organiser link their accounts with their codes"))
    for pid in (secretary, deputy, organiser):
        await demo.send(USER_BASE + pid, f"/start {codes[pid]}")
    demo.say(
        N_("The other members link theirs, except %(names)s, who have not been given their codes yet"),
        names=", ".join(names[pid] for pid in never_linked),
    )
    for index, pid in enumerate(linking):
        was_quiet, demo.quiet = demo.quiet, demo.quiet or index >= 2
        await demo.send(USER_BASE + pid, f"/start {codes[pid]}")
        demo.quiet = was_quiet
    demo.skip()
    demo.note(N_("%(count)s more comrades linked their accounts."), count=len(linking) - 2)

    demo.say(
        N_("A member tries a used code, asks for help, and changes the language by button and by typing")
    )
    await demo.send(USER_BASE + never_linked[0], f"/start {codes[linking[0]]}")
    await demo.send(member, "/help")
    [choice] = await demo.send(member, "/lang")
    await demo.press(member, choice, {"vi": "Tiếng Việt", "en": "English"}[other])
    await demo.send(member, "/help")
    await demo.send(member, "/lang")
    await demo.send(member, "1" if demo.lang == "vi" else "2")  # the number of the choice, typed

    demo.say(N_("In the cell's group chat, which everyone can read, the secretary asks for the member list"))
    await demo.send(boss, "/members", chat_id=GROUP)
    demo.note(N_("The list went to the secretary's private chat; the group only sees where."))

    demo.fake.block(blocker)
    demo.say(
        N_("%(name)s blocks the bot in Telegram; the bot learns it only when it next writes to them"),
        name=names[linking[-1]],
    )
    demo.say(N_("The secretary sends an announcement to the cell, and taps Send twice"))
    await demo.send(boss, "/announce")
    text = demo._(ANNOUNCEMENT)
    [preview] = await demo.send(boss, text)
    send = demo._(N_("Send"))
    await demo.press(boss, preview, send, taps=2)
    demo.note(N_("The second tap changed nothing: the announcement is queued once."))
    linked = len(linking) + 2  # the secretary and the deputy too
    demo.note(
        N_(
            "The report counts %(linked)s messages waiting, one for each linked member, and the %(unlinked)s "
            "members who are not linked; the bot edits the same report as the messages go out."
        ),
        linked=linked,
        unlinked=len(never_linked),
    )
    visible = markup.plain(text)
    was_quiet, demo.quiet = demo.quiet, True
    await demo.fake.wait_until(
        lambda: len([m for m in demo.fake.sent() if str(m.get("text", "")).endswith(visible)]) >= linked - 1,
        timeout=15,
        what="the announcement to reach every member who can get it",
    )
    await runtime.delivery.wait_settled(timeout=15)
    demo.skip()
    demo.quiet = was_quiet
    await runtime.update_reports()
    demo.flush()
    demo.note(
        N_("%(sent)s arrived; Telegram refused the one to %(name)s, who blocked the bot."),
        sent=linked - 1,
        name=names[linking[-1]],
    )
    demo.say(N_("The secretary asks who cannot be reached"))
    await demo.send(boss, "/unreachable")
    demo.say(N_("The commune's organiser looks at the officers of a cell"))
    [cells] = await demo.send(USER_BASE + organiser, "/roles")
    await demo.press(USER_BASE + organiser, cells, "Chi bộ thôn 3")
    demo.say(N_("A member tries a secretary's command"))
    await demo.send(member, "/announce")

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
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from bot import markup, seeding
from bot.clock import Clock
from bot.config import Config
from bot.i18n import N_, translator
from bot.meetings.resolution import Status
from bot.meetings.rules import Kind, add_months, month_of
from bot.runtime import Runtime
from bot.serve import serve
from bot.services import (
    attendance,
    audit,
    charter,
    dues,
    invites,
    meetings,
    people,
    resolution,
    schedules,
    summary,
    visits,
)
from fake_telegram import FakeBotAPI, TranscriptEntry
from storage.models import Cell, Meeting, OutboxMessage, Person

TOKEN = "100200:DEMO"
USER_BASE = 7000  # Telegram user id of a person: 7000 + their id
STRANGER = 6999
GROUP = -1001000000003  # the cell's group chat
IMPORTED = N_("Imported into %(cell)s: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.")
ANNOUNCEMENT = N_(
    "Dear comrades, you are invited to the *cell meeting of December* at 19:30 on 04/12 "
    "at the cultural house of village 3."
)
# What the December meeting's people type: the place, the agenda and a reason of their own.
PLACE = N_("The cultural house of village 3")
AGENDA = (
    N_("Review of November's work"),
    N_("Tasks for December"),
    N_("Preparing the year-end review of party members"),
)
TRIP = N_("on a work trip to the province")
# Who does what at the December meeting (members of the sample cell).
ILL, SKIPPER, ELDER, LATE = "Nông Thị Lan", "Lý Văn Phúc", "Nguyễn Văn Sơn", "Đặng Minh Khôi"
# What members say at the December meeting.
SLIP = N_("The village road needs lights at the bridge by Tết.")
CORRECTED = N_("The village road needs lights at the bridge before Tết; the youth union can help.")
PROPOSAL = N_("I propose that each member visits the households at the river bank before the floods.")
WRITTEN = N_("I agree with the year-end review plan and will send my self-review in writing.")
CONCLUSION = N_(
    "Each member visits the river-bank households before the floods; the youth union helps with the lights."
)
TASK_LIGHTS = N_("Ask the commune for two street lights at the bridge")
TASK_VISITS = N_("Visit the five households at the river bank")
HISTORY = (10, 11)  # the months before December whose regular meetings are recorded afterwards


class StoryClock:
    """The clock the demo's bot reads: the reader's clock (the real one, --now or a test's) plus the time
    the story skips, to the meeting and through it. Like bot.clock.ClockFrom, it runs on as that one does."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.skipped = timedelta(0)

    def __call__(self) -> datetime:
        return self.clock() + self.skipped

    def skip_to(self, moment: datetime) -> None:
        """Move forward to `moment` (aware); never back, so nothing the bot did is after its own clock."""
        gap = moment - self()
        if gap < timedelta(0):
            raise ValueError(f"the story clock cannot go back to {moment.isoformat()}")
        self.skipped += gap


class Demo:
    """Plays people talking to the bot and prints the conversation, narrated, as it happens."""

    def __init__(self, fake: FakeBotAPI, *, quiet: bool, lang: str) -> None:
        self.fake = fake
        self.quiet = quiet
        self.lang = lang
        self.gettext: Callable[[str], str] = translator(lang).gettext
        self.printed = 0
        self.names: dict[int, str] = {}
        self.muted: set[int] = set()  # chats whose new messages are left out (the same notice to many)
        # Bot messages starting so are left out (the summary after the close: the demo ends with it).
        self.hidden: list[str] = []

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
            muted = entry.direction == "bot" and (
                (entry.chat_id in self.muted and entry.kind == "message")
                or any(entry.text.startswith(prefix) for prefix in self.hidden)
            )
            if not self.quiet and not muted:
                print(self.render(entry))
        self.printed = len(entries)

    def show(self, chat_id: int) -> None:
        """Print the last message the bot sent to this chat (one of many left out), once flushed."""
        entry = [e for e in self.fake.transcript() if e.chat_id == chat_id and e.direction == "bot"][-1]
        if not self.quiet:
            print(self.render(entry))

    async def told(self, chat_id: int, before: int, *, more: int = 1) -> None:
        """Wait for `more` messages the bot sends this chat on its own (after `before` in all), and print."""
        await self.fake.wait_for_sent(chat_id=chat_id, count=before + more, timeout=10)
        self.flush()

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
        shown = len(self.fake.sent(user))
        for _ in range(taps):
            self.fake.user_presses(user, int(message["message_id"]), data)
        # The bot answers the press, and replaces the pressed message or (a notice it keeps) writes anew.
        await self.fake.wait_until(
            lambda: (
                len(self.fake.calls("answerCallbackQuery")) >= answered + taps
                and (len(self.fake.calls("editMessageText")) > edits or len(self.fake.sent(user)) > shown)
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
            story = StoryClock(clock)
            runtime = Runtime(config, clock=story)
            await runtime.migrate()
            demo = Demo(fake, quiet=quiet, lang=lang)
            cast = await _set_up(runtime, config, demo, story)
            stop, ready = asyncio.Event(), asyncio.Event()
            server = asyncio.create_task(serve(config, stop, runtime=runtime, started=ready))
            await ready.wait()
            try:
                await _play(demo, runtime, cast)
                await _meeting(demo, runtime, config, story, cast)
                await _schedule_cycle(demo, runtime, story, cast)
                await _visits(demo, runtime, story, cast)
                await _summary(demo, runtime, cast)
            finally:
                stop.set()
                await server
    seconds = f"{time.monotonic() - started_at:.1f}"
    print("\n" + demo._(N_("Demo finished in %(seconds)s s."), seconds=seconds))
    return 0


async def _set_up(runtime: Runtime, config: Config, demo: Demo, clock: Clock) -> dict[str, Any]:
    """Import the sample cell as an organiser would, and print the invites. The October and November
    regular meetings before the demo's December one are planned now, so their notices reach nobody
    (nobody has linked yet); they are recorded as held later, as the story reaches December."""
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
        tz = meetings.cell_zone(cell, config.tz)
        # The December meeting is this year's, unless October has begun: then next year's, so the months
        # before it, when the cell met without the bot, fall after the import.
        year = today.year if today < date(today.year, 10, 1) else today.year + 1
        history = [
            await meetings.create(
                session=session,
                cell=cell,
                plan=meetings.Plan(
                    kind=Kind.REGULAR,
                    starts_at=datetime(year, month, 4, 19, 30, tzinfo=tz),
                    place=demo._(PLACE),
                ),
                actor=audit.Actor("demo", secretary),
                now=now,
                rules=config.meetings.rules(),
                default_length=timedelta(minutes=config.meetings.default_length_minutes),
                tz=tz,
                group_language=config.default_language,
            )
            for month in HISTORY
        ]
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
        "cell": cell.id,
        "tz": tz,
        "year": year,
        "imported": today,
        "history": [m.id for m in history],
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
    cast["linked"], cast["blocked"] = [secretary, deputy, *linking], linking[-1]

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


async def _history(runtime: Runtime, config: Config, cast: dict[str, Any], skipper: int) -> None:
    """What the secretary did while time passed, through the services his commands call: every member's
    dues ticked paid each month, up to December's; the October and November meetings, held without the
    bot, recorded afterwards as /record does (all came but the skipper, who gave no reason), with the
    charter's count after each."""
    tz: tzinfo = cast["tz"]
    rules = config.meetings.rules()
    actor = audit.Actor("demo", cast["secretary"])
    december = date(cast["year"], 12, 1)
    async with runtime.sessions.begin() as session:
        cell = await session.get(Cell, cast["cell"])
        assert cell is not None
        views = await people.list_members(session=session, cell=cell, day=december)
        month = month_of(max(cast["imported"], date(december.year, 1, 1)))
        while month <= december:
            paid = max(month, cast["imported"])
            for view in views:
                if view.kind == "primary":
                    at = datetime(paid.year, paid.month, paid.day, 9, tzinfo=tz)
                    await dues.tick(
                        session=session, person=view.person, month=month, actor=actor, now=at, today=paid
                    )
            month = add_months(month, 1)
        for meeting_id in cast["history"]:
            meeting = await session.get(Meeting, meeting_id)
            assert meeting is not None and meeting.id is not None
            recorded = meeting.expected_end + rules.grace + timedelta(hours=12)  # the next morning
            rows = await meetings.roster(session, meeting.id)
            came = {r.person_id for r in rows if not r.exempt and r.person_id != skipper}
            rows = await attendance.record_late(
                session=session,
                meeting=meeting,
                came=came,
                verdicts={},
                actor=actor,
                now=recorded,
                rules=rules,
                tz=tz,
            )
            for row in rows:
                person = await session.get(Person, row.person_id)
                if row.primary_tie and not row.exempt and person is not None:
                    await charter.check(
                        session=session,
                        person=person,
                        cell_id=meeting.cell_id,
                        today=recorded.astimezone(tz).date(),
                        now=recorded,
                        rules=rules,
                    )


async def _meeting(
    demo: Demo, runtime: Runtime, config: Config, story: StoryClock, cast: dict[str, Any]
) -> None:
    """December's regular meeting, in chat: planned and announced, answered, opened, checked in to and
    closed with the roll-call report, after a history that brings one member to the charter's count."""
    names: dict[int, str] = cast["names"]
    tz: tzinfo = cast["tz"]
    year: int = cast["year"]
    ids = {name: pid for pid, name in names.items()}
    boss, deputy = USER_BASE + cast["secretary"], USER_BASE + cast["deputy"]
    ill, skipper, elder, late = (USER_BASE + ids[name] for name in (ILL, SKIPPER, ELDER, LATE))
    async with runtime.sessions() as session:
        cell = await session.get(Cell, cast["cell"])
        assert cell is not None
        views = await people.list_members(session=session, cell=cell, day=cast["imported"])
    exempt = {v.person.id for v in views if v.exempt}
    # Who gets the notice: the linked members not exempt from meetings, but the one who blocked the bot.
    members = [USER_BASE + pid for pid in cast["linked"] if pid not in exempt and pid != cast["blocked"]]
    attending = [u for u in members if u not in (boss, ill, skipper, elder)]
    starts = datetime(year, 12, 4, 19, 30, tzinfo=tz)
    cast["reachable"] = members

    demo.say(
        N_(
            "Time passes. In October and November the cell met without the bot, and the secretary "
            "recorded both meetings afterwards"
        )
    )
    await _history(runtime, config, cast, ids[SKIPPER])
    before = len(demo.fake.sent(boss))
    story.skip_to(datetime(year, 12, 1, 20, 0, tzinfo=tz))
    runtime.delivery.wake()
    demo.note(
        N_("All came both times but %(name)s, who gave no reason; every member has paid their party dues."),
        name=SKIPPER,
    )
    demo.note(N_("After the second meeting was recorded, the bot told the secretary privately:"))
    await demo.told(boss, before)

    demo.say(
        N_(
            "The evening of %(date)s: the secretary plans December's regular meeting with /meeting, "
            "choosing by button and typing the rest"
        ),
        date=f"01/12/{year}",
    )
    [kinds] = await demo.send(boss, "/meeting")
    await demo.press(boss, kinds, demo._(meetings.KIND_NAMES[Kind.REGULAR]))
    [months] = await demo.send(boss, starts.strftime("%H:%M %d/%m/%Y"))
    await demo.press(boss, months, starts.strftime("%m/%Y"))
    await demo.send(boss, demo._(PLACE))
    [chairs] = await demo.send(boss, "\n".join(demo._(item) for item in AGENDA))
    await demo.press(boss, chairs, demo._(N_("Me (%(name)s)"), name=names[cast["secretary"]]))
    await demo.press(boss, demo.fake.last(boss), demo._(N_("Chosen at the meeting")))
    heard = {u: len(demo.fake.sent(u)) for u in members}
    demo.muted = set(members)
    await demo.press(boss, demo.fake.last(boss), demo._(N_("Send")))
    await demo.fake.wait_until(
        lambda: all(len(demo.fake.sent(u)) > heard[u] for u in members),
        timeout=15,
        what="the notice to reach every member who can get it",
    )
    await runtime.delivery.wait_settled(timeout=15)
    demo.flush()
    demo.muted = set()
    demo.note(
        N_(
            "The notice reached %(count)s comrades, the secretary included, but not the member exempt "
            "from meetings nor the %(unreachable)s the bot cannot reach. This is the one %(name)s got:"
        ),
        count=len(members),
        unreachable=len(views) - len(exempt) - len(members),
        name=names[cast["deputy"]],
    )
    demo.show(deputy)

    demo.say(N_("The members answer with the notice's buttons, and the secretary is told of each answer"))
    attend = demo._(N_("Attend"))
    for index, user in enumerate(attending):
        was_quiet, demo.quiet = demo.quiet, demo.quiet or index >= 2
        before = len(demo.fake.sent(boss))
        await demo.press(user, demo.fake.last(user), attend)
        await demo.told(boss, before)
        demo.quiet = was_quiet
    demo.note(N_("%(count)s more comrades pressed %(button)s."), count=len(attending) - 2, button=attend)
    demo.say(N_("%(name)s is ill: she asks to be excused and picks the reason by button"), name=ILL)
    before = len(demo.fake.sent(boss))
    await demo.press(ill, demo.fake.last(ill), demo._(N_("Ask to be excused")))
    await demo.press(ill, demo.fake.last(ill), demo._(attendance.REASONS["illness"]))
    await demo.told(boss, before)
    demo.say(N_("%(name)s writes his reason after the command"), name=SKIPPER)
    before = len(demo.fake.sent(boss))
    await demo.send(skipper, ("/vang " if demo.lang == "vi" else "/absent ") + demo._(TRIP))
    await demo.told(boss, before)

    story.skip_to(starts)
    demo.say(
        N_(
            "%(time)s on %(date)s: the secretary opens the meeting; those who said they would come get "
            "a check-in button"
        ),
        time=starts.strftime("%H:%M"),
        date=starts.strftime("%d/%m/%Y"),
    )
    heard = {u: len(demo.fake.sent(u)) for u in attending}
    demo.muted = set(attending)
    [opened] = await demo.send(boss, "/open")
    await demo.fake.wait_until(
        lambda: all(len(demo.fake.sent(u)) > heard[u] for u in attending),
        timeout=15,
        what="the check-in button to reach those who said they would come",
    )
    demo.flush()
    demo.muted = set()
    demo.show(deputy)
    check_in = demo._(N_("Check in"))
    await demo.press(deputy, demo.fake.last(deputy), check_in)
    was_quiet, demo.quiet = demo.quiet, True
    for user in attending:
        if user not in (deputy, late):
            await demo.press(user, demo.fake.last(user), check_in)
    await demo.send(boss, "/diemdanh" if demo.lang == "vi" else "/checkin")
    demo.quiet = was_quiet
    demo.skip()
    demo.note(
        N_("%(count)s more comrades checked in the same way, and the secretary with /checkin."),
        count=len(attending) - 2,
    )
    demo.say(N_("%(name)s came without a phone: the secretary ticks him in from the list"), name=ELDER)
    await demo.press(boss, opened, ELDER)
    story.skip_to(starts + timedelta(minutes=25))
    demo.say(N_("%(name)s arrives 25 minutes late and checks in: he is recorded as late"), name=LATE)
    await demo.press(late, demo.fake.last(late), check_in)

    await _contributions(demo, story, starts, cast, deputy=deputy, ill=ill, voices=attending[2:4])
    await _resolution(demo, runtime, story, starts, cast, first=deputy, second=attending[3])

    closing = starts + timedelta(minutes=95)
    story.skip_to(closing)
    demo.say(
        N_(
            "%(time)s, %(minutes)s minutes later: the secretary closes the meeting, accepts the illness and "
            "rejects the work trip; the roll-call report follows"
        ),
        time=closing.strftime("%H:%M"),
        minutes=95,
    )
    [question] = await demo.send(boss, "/close")
    await demo.press(boss, question, demo._(N_("Accept")))
    before = len(demo.fake.sent(boss))
    demo.hidden.append(demo._(summary.HEADING))  # the summary that follows is shown at the end
    await demo.press(boss, demo.fake.last(boss), demo._(N_("Reject")))
    await demo.told(boss, before)
    demo.note(
        N_(
            "The rejected reason made a third month this year with an unexcused absence for %(name)s: "
            "hence the private message to the secretary."
        ),
        name=SKIPPER,
    )
    await runtime.delivery.wait_settled(timeout=30)  # the summary and its files (shown at the end)


async def _contributions(
    demo: Demo,
    story: StoryClock,
    starts: datetime,
    cast: dict[str, Any],
    *,
    deputy: int,
    ill: int,
    voices: list[int],
) -> None:
    """Members speak on two agenda items (one by voice note), one corrects what she wrote, the excused
    member sends a written view, and the secretary sees who spoke and whom to invite."""
    boss = USER_BASE + cast["secretary"]
    names: dict[int, str] = cast["names"]
    speaker, voice = voices
    say = "/ykien" if demo.lang == "vi" else "/say"
    story.skip_to(starts + timedelta(minutes=30))
    demo.say(N_("The discussion starts: the secretary moves to the first agenda item with /next"))
    await demo.send(boss, "/tieptheo" if demo.lang == "vi" else "/next")
    demo.say(
        N_("%(name)s writes her contribution after /say, with a slip she corrects straight away"),
        name=names[cast["deputy"]],
    )
    before = len(demo.fake.sent(deputy))
    update = demo.fake.user_sends(deputy, f"{say} {demo._(SLIP)}")
    await demo.fake.wait_for_sent(chat_id=deputy, count=before + 1, timeout=10)
    demo.flush()
    sent_id = int(update["message"]["message_id"])
    demo.fake.user_edits(deputy, sent_id, f"{say} {demo._(CORRECTED)}")
    await demo.fake.wait_for_sent(chat_id=deputy, count=before + 2, timeout=10)
    demo.flush()
    demo.say(N_("%(name)s presses Speak and sends a voice note"), name=names[voice - USER_BASE])
    await demo.press(voice, demo.fake.last(voice), demo._(N_("Speak")))
    before = len(demo.fake.sent(voice))
    demo.fake.user_sends_media(voice, "voice")
    await demo.fake.wait_for_sent(chat_id=voice, count=before + 1, timeout=10)
    demo.flush()
    demo.say(
        N_("On the second item, %(name)s makes a proposal and marks it so"), name=names[speaker - USER_BASE]
    )
    await demo.send(boss, "/tieptheo" if demo.lang == "vi" else "/next")
    [noted] = await demo.send(speaker, f"{say} {demo._(PROPOSAL)}")
    await demo.press(speaker, noted, demo._(N_("A proposal")))
    demo.say(N_("%(name)s, excused for illness, sends her view in writing"), name=ILL)
    await demo.send(ill, f"{say} {demo._(WRITTEN)}")
    demo.say(N_("The secretary looks at who has spoken, and whom to invite to speak"))
    await demo.send(boss, "/ykienhop" if demo.lang == "vi" else "/contributions")


async def _resolution(
    demo: Demo,
    runtime: Runtime,
    story: StoryClock,
    starts: datetime,
    cast: dict[str, Any],
    *,
    first: int,
    second: int,
) -> None:
    """The chair's conclusion on the second item, a show of hands on the resolution, and two tasks for
    named members with a deadline before January's meeting."""
    boss = USER_BASE + cast["secretary"]
    names: dict[int, str] = cast["names"]
    story.skip_to(starts + timedelta(minutes=75))
    demo.say(N_("The secretary writes the chair's conclusion on the second item"))
    await demo.send(boss, ("/ketluan" if demo.lang == "vi" else "/conclude") + f" 2 {demo._(CONCLUSION)}")
    demo.say(N_("The resolution is voted by show of hands; the secretary records the count"))
    async with runtime.sessions() as session:
        meeting = (await session.exec(select(Meeting).where(Meeting.starts_at == starts))).one()
        voters = len(await resolution.voters(session, meeting))
    [subject] = await demo.send(boss, "/bieuquyet" if demo.lang == "vi" else "/vote")
    await demo.press(boss, subject, demo._(resolution.WHOLE))
    await demo.press(boss, demo.fake.last(boss), demo._(N_("Count hands")))
    await demo.send(boss, f"{voters} 0 0")
    due = f"31/12/{starts.year}"
    for title, user in ((TASK_LIGHTS, first), (TASK_VISITS, second)):
        demo.say(
            N_("The secretary gives %(name)s a task, due %(due)s"), name=names[user - USER_BASE], due=due
        )
        was_quiet, demo.quiet = demo.quiet, True
        [who] = await demo.send(boss, "/giaoviec" if demo.lang == "vi" else "/task")
        await demo.press(boss, who, names[user - USER_BASE])
        await demo.press(boss, demo.fake.last(boss), demo._(N_("Done")))
        await demo.send(boss, demo._(title))
        [items] = await demo.send(boss, due)
        demo.quiet = was_quiet
        before = len(demo.fake.sent(user))
        await demo.press(boss, items, f"2. {demo._(AGENDA[1])}")
        await demo.told(user, before)


async def _schedule_cycle(demo: Demo, runtime: Runtime, story: StoryClock, cast: dict[str, Any]) -> None:
    """January's meeting by the cell's schedule: set in chat, its notice sent by the job 14 days ahead,
    a reminder to the two who had not answered, a change in chat that moves the reminders, the brief.

    The story clock jumps, so the demo fires each job itself when its time comes, as the tests do."""
    tz: tzinfo = cast["tz"]
    names: dict[int, str] = cast["names"]
    ids = {name: pid for pid, name in names.items()}
    boss = USER_BASE + cast["secretary"]
    members: list[int] = cast["reachable"]
    silent = [USER_BASE + ids[name] for name in (ILL, SKIPPER)]
    demo.say(
        N_(
            "After the meeting the secretary sets the cell's schedule: the 8th of each month at 19:30. "
            "The bot plans January's meeting at once and keeps its reminders ready"
        )
    )
    [preview] = await demo.send(boss, ("/lich" if demo.lang == "vi" else "/schedule") + " monthly 8 19:30")
    await demo.press(boss, preview, demo._(N_("Save")))
    await demo.fake.wait_until(
        lambda: any(job.endswith(":remind:3d") for job in runtime.jobs.jobs()), timeout=10, what="the jobs"
    )
    async with runtime.sessions() as session:
        meeting = (
            await session.exec(select(Meeting).where(col(Meeting.scheduled)).order_by(col(Meeting.id).desc()))
        ).first()
    assert meeting is not None and meeting.id is not None
    _jobs_note(demo, runtime, meeting.id, tz)

    notice_at = meeting.starts_at - timedelta(days=14)
    story.skip_to(notice_at)
    demo.say(N_("%(when)s, 14 days ahead: the notice goes out by itself"), when=meetings.local(notice_at, tz))
    heard = {u: len(demo.fake.sent(u)) for u in members}
    demo.muted = set(members)
    await runtime.meeting_jobs.run_step(meeting_id=meeting.id, step="notice")
    await demo.fake.wait_until(
        lambda: all(len(demo.fake.sent(u)) > heard[u] for u in members), timeout=15, what="the notice"
    )
    demo.flush()
    demo.muted = set()
    demo.note(N_("Every member who can be reached got it; all answer but %(a)s and %(b)s."), a=ILL, b=SKIPPER)
    was_quiet, demo.quiet = demo.quiet, True
    for user in members:
        if user not in silent:
            await demo.press(user, demo.fake.last(user), demo._(N_("Attend")))
    await runtime.delivery.wait_settled(timeout=15)  # the secretary is told of each answer
    demo.quiet = was_quiet
    demo.skip()

    remind_at = meeting.starts_at - timedelta(days=3)
    story.skip_to(remind_at)
    demo.say(
        N_("%(when)s, 3 days before: the reminder reaches only those two"), when=meetings.local(remind_at, tz)
    )
    before = {u: len(demo.fake.sent(u)) for u in members}
    await runtime.meeting_jobs.run_step(meeting_id=meeting.id, step="remind:3d")
    for user in silent:
        await demo.told(user, before[user])
    await runtime.delivery.wait_settled(timeout=15)
    async with runtime.sessions() as session:
        query = select(OutboxMessage).where(
            OutboxMessage.purpose == schedules.REMINDER_PURPOSE, OutboxMessage.status == "sent"
        )
        reminded = (await session.exec(query)).all()
    demo.note(N_("Reminded: %(count)s comrades."), count=len(reminded))
    demo.say(
        N_("At the same time, the members with an open task are asked how it stands; one reports it done")
    )
    doer = USER_BASE + cast["deputy"]
    asked = len(demo.fake.sent(doer))
    await runtime.meeting_jobs.run_step(meeting_id=meeting.id, step="tasks")
    await demo.told(doer, asked)
    await demo.press(doer, demo.fake.last(doer), demo._(resolution.STATUS_NAMES[Status.DONE]))
    await runtime.delivery.wait_settled(timeout=15)
    demo.skip()  # the other member's question is alike

    demo.say(
        N_(
            "The commune calls a conference on the 8th: the secretary moves the schedule to the 10th in "
            "chat; the pending reminders move with it, and those who answered are told"
        )
    )
    [shown] = await demo.send(boss, "/lich" if demo.lang == "vi" else "/schedule")
    await demo.press(boss, shown, demo._(N_("Change the day and time")))
    [preview] = await demo.send(boss, "monthly 10 19:30")
    demo.muted = set(members) - {boss}
    await demo.press(boss, preview, demo._(N_("Save")))
    await runtime.delivery.wait_settled(timeout=15)
    demo.flush()
    demo.muted = set()
    await demo.fake.wait_until(
        lambda: any(
            at is not None and at.day == 9 for job, at in runtime.jobs.jobs().items() if ":remind:1d" in job
        ),
        timeout=10,
        what="the reminders moved",
    )
    _jobs_note(demo, runtime, meeting.id, tz)

    async with runtime.sessions() as session:
        moved = await session.get(Meeting, meeting.id)
    assert moved is not None
    brief_at = moved.starts_at.astimezone(tz).replace(hour=7, minute=0)
    story.skip_to(brief_at)
    demo.say(N_("%(when)s, the day itself: the secretary's brief"), when=meetings.local(brief_at, tz))
    before_brief = len(demo.fake.sent(boss))
    await runtime.meeting_jobs.run_step(meeting_id=meeting.id, step="brief")
    await demo.told(boss, before_brief)


def _jobs_note(demo: Demo, runtime: Runtime, meeting_id: int, tz: tzinfo) -> None:
    """Say which jobs wait for the meeting, and when (from the scheduler itself)."""
    waiting = sorted(
        (at, job.split(":", 2)[2])
        for job, at in runtime.jobs.jobs().items()
        if job.startswith(f"meeting:{meeting_id}:") and at is not None and not job.endswith(":tally")
    )
    demo.note(
        N_("Jobs waiting for meeting #%(id)s: %(jobs)s"),
        id=meeting_id,
        jobs="; ".join(f"{step} {meetings.local(at, tz)}" for at, step in waiting),
    )


async def _visits(demo: Demo, runtime: Runtime, story: StoryClock, cast: dict[str, Any]) -> None:
    """Household visits ("1+10"): one member logs a visit with a resident's request and a follow-up,
    another stops half-way and finishes later, and the secretary looks at the cell's coverage."""
    tz: tzinfo = cast["tz"]
    names: dict[int, str] = cast["names"]
    boss = USER_BASE + cast["secretary"]
    kind = runtime.config.visits.period_kind
    now = story()
    today = now.astimezone(tz).date()
    async with runtime.sessions() as session:
        rows = await visits.households(session, cast["cell"], day=today, kind=kind)
    holders = [pid for pid in dict.fromkeys(r.person_id for r in rows) if pid is not None]
    first, second = [
        pid for pid in holders if USER_BASE + pid in cast["reachable"] and pid != cast["secretary"]
    ][:2]
    head = next(r.household.head_name for r in rows if r.person_id == first)
    visit = "/thamho"
    story.skip_to(now.astimezone(tz).replace(hour=17, minute=30))
    demo.say(
        N_("After work, %(name)s visits one of the households in their care and logs it with /visit"),
        name=names[first],
    )
    one = USER_BASE + first
    await demo.send(one, visit)
    for typed in ("1", "1"):  # the first household; today
        await demo.send(one, typed)
    await demo.send(one, demo._(N_("Mr and Mrs %(name)s"), name=head.split()[-1]))
    topics = len(runtime.config.visits.topics)
    await demo.send(one, "1 6")  # housing; clean water
    await demo.send(one, str(topics + 1))  # Done
    await demo.send(one, demo._(N_("The roof leaks in the rain; the family has a new baby.")))
    await demo.send(one, demo._(N_("Asks the commune to repair the hamlet road before Tết.")))
    await demo.send(one, "2")  # in a week
    await demo.send(one, "1")  # no photo: done
    await demo.send(one, "1")  # save
    two = USER_BASE + second
    demo.say(N_("%(name)s starts logging yesterday's visit, but is called away half-way"), name=names[second])
    await demo.send(two, visit)
    for typed in ("1", "2"):  # the first household; yesterday
        await demo.send(two, typed)
    await demo.send(two, demo._(N_("The head of household")))
    story.skip_to(story() + timedelta(hours=3))
    demo.say(N_("Three hours later /visit again: the bot offers to continue where the form was left"))
    await demo.send(two, visit)
    await demo.send(two, "1")  # continue
    await demo.send(two, "4")  # children's schooling
    await demo.send(two, str(topics + 1))  # Done
    for typed in ("1", "1", "1", "1", "1"):  # no notes, no request, no follow-up, no photo; save
        await demo.send(two, typed)
    demo.say(N_("The secretary looks at the cell's coverage this month"))
    await demo.send(boss, "/ho coverage")


async def _summary(demo: Demo, runtime: Runtime, cast: dict[str, Any]) -> None:
    """The end: the summary of December's meeting, as the secretary got it when closing, and its files."""
    boss = USER_BASE + cast["secretary"]
    await runtime.delivery.wait_settled(timeout=15)
    demo.flush()
    demo.hidden.clear()
    folder = Path(tempfile.mkdtemp(prefix="chibo-demo-summary-"))
    demo.say(
        N_(
            "The secretary asks for the summary of the last meeting with /summary: the text, the draft "
            "minutes (DOCX), the workbook (XLSX) and the chart (PNG), written to %(folder)s"
        ),
        folder=folder,
    )
    before = len(demo.fake.sent(boss))
    demo.fake.user_sends(boss, "/tonghop" if demo.lang == "vi" else "/summary")
    await demo.fake.wait_until(
        lambda: sum("document" in m for m in demo.fake.sent(boss)[before:]) >= 3, timeout=15, what="the files"
    )
    demo.flush()
    for message in demo.fake.sent(boss)[before:]:
        if "document" in message:
            name, content = demo.fake.document(message)
            (folder / name).write_bytes(content)
            demo.note(N_("Written: %(file)s"), file=folder / name)

"""Test helpers: seeding a cell with people in every role, running the real bot, and a clock tests move."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from telegram import Update

from bot import markup, seeding
from bot.clock import Clock
from bot.config import Config
from bot.domain import ChatRef, CommandInfo, Incoming, Reply, Sender
from bot.meetings.rules import Kind
from bot.names import name_key
from bot.ports import Capabilities
from bot.runtime import Runtime
from bot.serve import serve
from bot.services import audit, meetings, people, roles, units
from fake_telegram import FakeBotAPI
from storage.db import Sessions
from storage.models import Cell, ChatIdentity, Household, HouseholdAssignment

TODAY = date(2026, 11, 26)


# The one factory the demo uses too.
add_commune_with_cell = seeding.commune_with_cell


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move the clock forward, e.g. advance(days=8)."""
        self.now += timedelta(**delta)


@dataclass
class Seed:
    """A small organisation: province > commune (two cells) > another commune (one cell)."""

    province: int = 0
    commune: int = 0
    other_commune: int = 0
    cell: int = 0
    other_cell: int = 0
    # role name -> person id; telegram user id = 1000 + person id
    people: dict[str, int] = field(default_factory=dict)

    def tg(self, who: str) -> int:
        """The Telegram user id of a seeded person."""
        return 1000 + self.people[who]


async def seed(sessions: Sessions, clock: Clock, *, link: bool = True, platform: str = "telegram") -> Seed:
    """Create units, cells and one person per role; link their accounts (1000 + person id) unless told not."""
    now = clock()
    s = Seed()
    async with sessions.begin() as session:
        province = await units.add_unit(
            session=session, name="Tỉnh Tuyên Quang", parent_ref=None, actor=audit.CLI, now=now
        )
        commune, cell = await add_commune_with_cell(
            session, now, "Xã Thái Bình", "Chi bộ thôn 3", parent=province.id
        )
        other, other_cell = await add_commune_with_cell(
            session, now, "Xã Kim Phú", "Chi bộ thôn 7", parent=province.id
        )
        s.province, s.commune, s.other_commune = province.id or 0, commune.id or 0, other.id or 0
        s.cell, s.other_cell = cell.id or 0, other_cell.id or 0
        roster = [
            ("secretary", "Hoàng Văn Thắng", cell, "secretary"),
            ("deputy", "Nguyễn Thị Hoa", cell, "deputy_secretary"),
            ("committee", "Lê Văn Bình", cell, "committee_member"),
            ("member", "Trần Văn Ân", cell, None),
            ("other_member", "Phạm Thị Lan", other_cell, None),
            ("organiser", "Đỗ Minh Tuấn", other_cell, None),
            ("other_organiser", "Vũ Văn Hải", other_cell, None),
        ]
        for key, name, home, role in roster:
            person = await people.add_person(
                session=session,
                full_name=name,
                cell=home,
                actor=audit.CLI,
                now=now,
                today=TODAY,
                card_number=f"93.{len(s.people) + 1:06d}",
            )
            assert person.id is not None
            s.people[key] = person.id
            if role:
                await roles.grant_role(
                    session=session,
                    person=person,
                    role=role,
                    cell=home,
                    actor=audit.CLI,
                    now=now,
                    today=TODAY,
                )
            if link:
                session.add(
                    ChatIdentity(
                        platform=platform,
                        external_id=str(1000 + person.id),
                        person_id=person.id,
                        linked_at=now,
                    )
                )
        for key, unit in (("organiser", commune), ("other_organiser", other)):
            person = await people.require_person(session, str(s.people[key]))
            await roles.grant_role(
                session=session,
                person=person,
                role="organiser",
                unit=unit,
                actor=audit.CLI,
                now=now,
                today=TODAY,
            )
    return s


AGENDA = ("Tình hình an ninh", "Thu đảng phí", "Nhiệm vụ tháng 12")


async def plan_meeting(
    sessions: Sessions,
    cell_id: int,
    clock: Clock,
    config: Config,
    *,
    agenda: tuple[str, ...] = AGENDA,
    send_notice: bool = True,
) -> int:
    """A regular meeting of the cell two hours from now (by the config's rules, zone and length), with
    an agenda; its notice queued unless told not. Returns its id."""
    async with sessions.begin() as session:
        cell = await session.get(Cell, cell_id)
        assert cell is not None
        meeting = await meetings.create(
            session=session,
            cell=cell,
            plan=meetings.Plan(
                kind=Kind.REGULAR,
                starts_at=clock() + timedelta(hours=2),
                place="Nhà văn hóa thôn 3",
                agenda=agenda,
            ),
            actor=audit.CLI,
            now=clock(),
            rules=config.meetings.rules(),
            default_length=timedelta(minutes=config.meetings.default_length_minutes),
            tz=config.tz,
            send_notice=send_notice,
        )
        assert meeting.id is not None
        return meeting.id


def add_users(fake: FakeBotAPI, s: Seed, language_code: str = "vi") -> None:
    """Register every seeded person with the fake Telegram."""
    for key in s.people:
        fake.add_user(s.tg(key), key.replace("_", " ").title(), language_code=language_code)


class RunningBot:
    """The real bot (serve) in a task, started and stopped by its lifecycle, with a test clock."""

    def __init__(self, config: Config, clock: Clock) -> None:
        self.config = config
        self.runtime = Runtime(config, clock=clock)
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> RunningBot:
        started = asyncio.Event()
        self._task = asyncio.create_task(
            serve(self.config, self._stop, runtime=self.runtime, started=started)
        )
        waiter = asyncio.create_task(started.wait())
        done, _ = await asyncio.wait({waiter, self._task}, timeout=20, return_when=asyncio.FIRST_COMPLETED)
        if self._task in done:
            waiter.cancel()
            self._task.result()  # raises what went wrong
        assert waiter in done, "bot did not start within 20 s"
        return self

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await asyncio.wait_for(self._task, 20)


@contextlib.asynccontextmanager
async def running_bot(
    config: Config, clock: Clock, bot: RunningBot | None = None
) -> AsyncIterator[RunningBot]:
    """Run the bot (a fresh one, or one prepared by the test) for the duration of a block."""
    bot = await (bot or RunningBot(config, clock)).start()
    try:
        yield bot
    finally:
        await bot.stop()


@contextlib.asynccontextmanager
async def application(config: Config, clock: Clock) -> AsyncIterator[tuple[Runtime, object]]:
    """The real Application, initialised but not polling, for feeding updates with process_update."""
    from handlers.telegram.app import build_application

    runtime = Runtime(config, clock=clock)
    app = build_application(config, runtime)
    async with app:
        yield runtime, app
    await runtime.stop()


async def feed(app: object, payload: dict[str, object]) -> None:
    """Process one fake update through the real Application's handlers."""
    from telegram.ext import Application

    assert isinstance(app, Application)
    await app.process_update(Update.de_json(payload, app.bot))


def button(fake: FakeBotAPI, message: dict[str, object], label: str) -> str:
    """The callback data of the button with this label (a short token, not what it stands for)."""
    data = dict(fake.buttons(message))[label]
    assert data is not None, f"{label!r} is not an inline button"
    return data


def answers(fake: FakeBotAPI) -> list[str]:
    """The texts the bot answered button presses with, in order (empty answers left out)."""
    return [str(c.params["text"]) for c in fake.calls("answerCallbackQuery") if c.params.get("text")]


async def say(
    fake: FakeBotAPI, user: int, text: str, *, replies: int = 1, chat_id: int | None = None
) -> list[dict[str, object]]:
    """A user writes (privately, or in chat_id); return the bot's next replies in their private chat."""
    before = len(fake.sent(user))
    fake.user_sends(user, text, chat_id=chat_id)
    return (await fake.wait_for_sent(chat_id=user, count=before + replies))[before:]


async def press(
    fake: FakeBotAPI, user: int, message: dict[str, object], label: str, *, chat_id: int | None = None
) -> dict[str, object]:
    """Press the button with this label; return the message as the bot left it (edited, or a new one)."""
    where = chat_id if chat_id is not None else user
    answered = len(fake.calls("answerCallbackQuery"))
    sent_before = len(fake.sent(where))
    fake.user_presses(user, int(str(message["message_id"])), button(fake, message, label), chat_id=chat_id)
    await fake.wait_until(
        lambda: (
            len(fake.calls("answerCallbackQuery")) > answered
            and (fake.last(where) != message or len(fake.sent(where)) > sent_before)
        ),
        what=f"the answer to {label!r}",
    )
    return fake.last(where)


async def press_for_answer(
    fake: FakeBotAPI, user: int, message: dict[str, object], label: str, *, chat_id: int | None = None
) -> str:
    """Press a button that should only be answered (a toast); return the answer once all is done."""
    answered = len(fake.calls("answerCallbackQuery"))
    fake.user_presses(user, int(str(message["message_id"])), button(fake, message, label), chat_id=chat_id)
    await fake.wait_until(lambda: len(fake.calls("answerCallbackQuery")) > answered, what="the answer")
    await settle(fake, user, chat_id=chat_id)
    return str(fake.calls("answerCallbackQuery")[answered].params.get("text", ""))


async def settle(fake: FakeBotAPI, user: int, *, chat_id: int | None = None) -> None:
    """Wait until everything the bot does for this user's earlier updates (in that chat) is done.

    One chat's updates are handled in order, so once a later /help is answered, all before it are.
    """
    await say(fake, user, "/help", chat_id=chat_id)


class TextTransport:
    """A messenger as Zalo is: text only, no buttons, no edits, no command menu, 2,000 characters.

    It records what each chat was sent, as the reader would see it, and refuses what such a
    messenger cannot do, so the core must adapt.
    """

    platform = "text"
    capabilities = Capabilities(buttons=False, edits=False, command_menu=False, files=False, max_text=2000)

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []  # (chat id, text as shown)

    async def send(self, chat: ChatRef, reply: Reply) -> str:
        text = markup.plain(reply.text) if reply.markup else reply.text
        assert not reply.buttons, "a messenger without buttons was sent buttons"
        assert reply.document is None, "a messenger without files was sent a file"
        assert 0 < len(text) <= self.capabilities.max_text, f"{len(text)} characters"
        self.sent.append((chat.chat_id, text))
        return str(len(self.sent))

    async def edit(self, chat: ChatRef, message_id: str, reply: Reply) -> None:
        raise AssertionError("a messenger without edits was asked to edit")

    async def set_commands(self, chat: ChatRef, commands: list[CommandInfo]) -> None:
        raise AssertionError("a messenger without a command menu was sent one")

    def texts(self, user: int) -> list[str]:
        """Everything one person's chat was sent."""
        return [text for chat, text in self.sent if chat == str(user)]


def numbered(text: str) -> list[str]:
    """The choices a message lists by number, in order (as a messenger without buttons shows them)."""
    return [line.split(". ", 1)[1] for line in text.splitlines() if line[:1].isdigit() and ". " in line[:4]]


async def delivered(runtime: Runtime) -> None:
    """Everything queued in the outbox has been sent."""
    runtime.delivery.wake()
    await runtime.delivery.wait_settled()


class TextChat:
    """People typing to the real runtime over the text-only messenger: no buttons to press, ever."""

    def __init__(self, runtime: Runtime, transport: TextTransport, language: str = "en") -> None:
        self.runtime, self.transport, self.language = runtime, transport, language
        self._updates = 0

    async def say(self, user: int, text: str) -> list[str]:
        """A person types; return what the bot sent them in reply."""
        before = len(self.transport.sent)
        self._updates += 1
        chat = ChatRef(TextTransport.platform, str(user))
        sender = Sender(TextTransport.platform, str(user), language_code=self.language)
        await self.runtime.receive(Incoming(chat, sender, text=text, update_id=str(self._updates)))
        return [text for chat_id, text in self.transport.sent[before:] if chat_id == str(user)]


async def add_households(
    sessions: Sessions, cell_id: int, owners: dict[int, int], *, on: date = TODAY, now: datetime | None = None
) -> dict[int, list[int]]:
    """Give each person (id → how many) that many households of the cell from `on`; return their ids.

    Heads are named "Hộ <person>-<n>" and live at "Xóm <n>, thôn 3", so a test can type part of a name.
    """
    created: dict[int, list[int]] = {}
    stamp = now or datetime(on.year, on.month, on.day, 3, 0, tzinfo=UTC)
    async with sessions.begin() as session:
        for person_id, count in owners.items():
            for n in range(1, count + 1):
                head, address = f"Hộ {person_id}-{n}", f"Xóm {n}, thôn 3"
                household = Household(
                    cell_id=cell_id,
                    head_name=head,
                    head_key=name_key(head),
                    address=address,
                    address_key=name_key(address),
                    people=4,
                    created_at=stamp,
                )
                session.add(household)
                await session.flush()
                assert household.id is not None
                session.add(
                    HouseholdAssignment(household_id=household.id, person_id=person_id, valid_from=on)
                )
                created.setdefault(person_id, []).append(household.id)
    return created

"""The composition root of the core: database, scheduler, conversation, delivery and change watching.

Messenger edges attach their Transport here; nothing in this module knows a messenger library.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot import commands
from bot.chat import ChatCore
from bot.clock import Clock, system_clock
from bot.config import Config
from bot.domain import ChatRef, Incoming, Outcome, Reply
from bot.i18n import N_, translator
from bot.menus import MenuSync
from bot.ports import Capabilities, DeliveryError, Rejected, Transport
from bot.present import FULL, present
from bot.services import announcements
from bot.services.delivery import Deliverer
from storage import migrate, repo
from storage.db import make_engine, make_sessions

log = logging.getLogger(__name__)

ChangeListener = Callable[[], Awaitable[object]]
REPORT_SECONDS = 2.0  # how often live delivery reports are refreshed
# Where a report cannot be edited, a new one is sent at most this often (and once at the end).
REPORT_EVERY = timedelta(minutes=5)
SORRY = N_("Sorry, something went wrong on my side. Please try again in a minute.")
UNDELIVERED = N_("Sorry, I could not show you that, so the form is closed. Please try again.")
# Choices shown this long ago are forgotten: their buttons then say the choice is no longer open.
CHOICES_KEPT = timedelta(days=30)


class Runtime:
    """Owns the engine, the scheduler and the services for one bot process."""

    def __init__(self, config: Config, *, clock: Clock = system_clock) -> None:
        self.config = config
        self.clock = clock
        self.engine = make_engine(config.database.url)
        self.sessions = make_sessions(self.engine)
        self.scheduler = AsyncIOScheduler(timezone=config.tz)
        self.transports: dict[str, Transport] = {}
        self.chat = ChatCore(
            sessions=self.sessions,
            config=config,
            clock=clock,
            registry=commands.registry(),
            capabilities=self.capabilities,
        )
        self.menus = MenuSync(sessions=self.sessions, chat=self.chat, transports=self.transports)
        self.change_listeners: list[ChangeListener] = [self.menus.refresh_all]
        self._seen_changes: int | None = None
        self._jobs: set[asyncio.Task[object]] = set()
        self._stopping = False
        self.delivery = Deliverer(
            sessions=self.sessions,
            transports=self.transports,
            config=config.delivery,
            clock=clock,
            default_language=config.default_language,
        )

    def attach(self, transport: Transport) -> None:
        """Register a messenger's transport (Telegram now, Zalo later)."""
        self.transports[transport.platform] = transport

    def capabilities(self, platform: str) -> Capabilities:
        """What the messenger of this platform can show (all of Telegram's, if none is attached)."""
        transport = self.transports.get(platform)
        return transport.capabilities if transport is not None else FULL

    async def receive(
        self, incoming: Incoming, *, answer: Callable[[str | None], Awaitable[None]] | None = None
    ) -> None:
        """Handle one thing a person did and show the outcome; the edge only translates.

        `answer` acknowledges a button press (with the outcome's short answer, if any). It is called
        once the work is committed and before the replies go out, so the person's spinner stops early
        and a failed acknowledgement loses nothing.
        """
        outcome = await self.chat.handle(incoming)
        if answer is not None:
            await answer(outcome.answer)
        await self.apply(incoming, outcome)

    async def apply(self, incoming: Incoming, outcome: Outcome) -> None:
        """Send the replies through their transports, then wake delivery and refresh the menu if asked."""
        for reply in outcome.replies:
            chat = reply.chat or incoming.chat
            transport = self.transports.get(chat.platform)
            if transport is None:
                log.warning("no %s transport for a reply to %s", chat.platform, chat.chat_id)
                continue
            try:
                if reply.edit and incoming.message_id is not None and chat == incoming.chat:
                    try:
                        await transport.edit(chat, incoming.message_id, reply)
                        continue
                    except Rejected as error:  # the message is gone or too old to edit: send a new one
                        log.info("edit of %s failed (%s); sending anew", incoming.message_id, error.detail)
                await transport.send(chat, reply)
            except Rejected as error:
                # What the core wanted shown was refused: never leave a form waiting for an answer to
                # something its reader never saw (a preview, then a typed "send").
                log.warning("reply to %s refused: %s", chat.chat_id, error.detail)
                await self.chat.abandon_form(chat=chat, user_id=incoming.sender.user_id)
                await self.apologise(chat, incoming, UNDELIVERED)
            except DeliveryError as error:
                log.warning("reply to %s not delivered: %r", chat.chat_id, error)
        if outcome.wake_delivery:
            self.delivery.wake()
        if outcome.refresh_menu and self.capabilities(incoming.sender.platform).command_menu:
            await self.menus.refresh(
                platform=incoming.sender.platform,
                external_id=incoming.sender.user_id,
                language_code=incoming.sender.language_code,
            )

    async def apologise(self, chat: ChatRef, incoming: Incoming, msgid: str = SORRY) -> None:
        """Say sorry, plainly and in the person's own language; give up quietly if even that fails."""
        transport = self.transports.get(chat.platform)
        if transport is None:
            return
        try:
            lang = await self.chat.language_for(
                platform=incoming.sender.platform,
                external_id=incoming.sender.user_id,
                language_code=incoming.sender.language_code,
            )
            await transport.send(chat, Reply(translator(lang).gettext(msgid)))
        except Exception:  # noqa: BLE001  (nothing more we can do)
            log.exception("could not apologise to %s", chat.chat_id)

    async def migrate(self) -> None:
        """Bring the database schema up to date."""
        await migrate.upgrade(self.engine)

    async def start(self) -> None:
        """Start background work: outbox senders, the change watcher, live delivery reports."""
        self._seen_changes = await self._read_changes()
        for job_id, function, seconds in (
            ("changes", self.check_changes, self.config.change_poll_seconds),
            ("delivery-reports", self.update_reports, REPORT_SECONDS),
            ("prune-updates", self.prune_processed_updates, 3600.0),
        ):
            self.scheduler.add_job(
                self._tracked,
                "interval",
                args=[function],
                seconds=seconds,
                id=job_id,
                replace_existing=True,
                max_instances=1,
                coalesce=True,
            )
        self.scheduler.start()
        await self.delivery.start()

    async def stop(self) -> None:
        """Stop background work and close the database."""
        self._stopping = True  # jobs that fire from now on return at once
        # Let a running job finish first: APScheduler's shutdown cancels running jobs mid-transaction.
        if self._jobs:
            await asyncio.wait(self._jobs, timeout=10)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await self.delivery.stop()
        await self.engine.dispose()

    async def _tracked(self, function: Callable[[], Awaitable[object]]) -> None:
        if self._stopping:  # a job that fired as we were stopping would reopen the database
            return
        task = asyncio.current_task()
        assert task is not None
        self._jobs.add(task)
        try:
            await function()
        finally:
            self._jobs.discard(task)

    async def prune_processed_updates(self) -> int:
        """Forget update ids handled over two days ago (Telegram keeps an undelivered update 24 hours),
        and choices shown over a month ago."""
        now = self.clock()
        async with self.sessions.begin() as session:
            await repo.prune_choice_sets(session=session, before=now - CHOICES_KEPT)
            return await repo.prune_processed_updates(session=session, before=now - timedelta(days=2))

    async def update_reports(self) -> int:
        """Bring each open announcement report up to date in its author's chat; close finished ones.

        Where the messenger edits, the report is edited in place whenever its text changed. Where it
        does not, a new report is sent only when its gist changed (finished, someone unreachable) and at
        most every REPORT_EVERY, or at once when delivery finished.
        """
        updated = 0
        now = self.clock()
        async with self.sessions.begin() as session:
            for announcement in await announcements.open_reports(session=session):
                assert announcement.id is not None and announcement.report_chat_id is not None
                transport = self.transports.get(announcement.report_platform or "")
                if transport is None:
                    continue  # its messenger is not running here: the report waits for it
                result = await announcements.report(session=session, announcement_id=announcement.id)
                chat = ChatRef(transport.platform, announcement.report_chat_id)
                lang = await self.chat.language_for(platform=chat.platform, external_id=chat.chat_id)
                gettext = translator(lang).gettext
                text = announcements.render_report(result, gettext)
                edits = transport.capabilities.edits and announcement.report_message_id is not None
                digest = announcements.shown(result, text, edits=edits)
                shown_at = announcement.report_shown_at
                due = edits or result.done or shown_at is None or now - shown_at >= REPORT_EVERY
                if digest != announcement.report_digest and due:  # never an update that changes nothing
                    try:
                        if edits:
                            assert announcement.report_message_id is not None
                            await transport.edit(chat, announcement.report_message_id, Reply(text))
                        else:
                            for piece in present(Reply(text), transport.capabilities, gettext):
                                await transport.send(chat, piece)
                        announcement.report_digest, announcement.report_shown_at = digest, now
                        updated += 1
                    except DeliveryError as error:
                        log.info("delivery report %s not updated: %r", announcement.id, error)
                        continue
                if result.done and digest == announcement.report_digest:
                    announcement.report_done = True
        return updated

    async def _read_changes(self) -> int:
        async with self.sessions() as session:
            return await repo.read_changes(session=session)

    async def check_changes(self) -> bool:
        """Reload what depends on roles and members if another process changed them."""
        value = await self._read_changes()
        if value == self._seen_changes:
            return False
        log.info("changes seen (counter %s -> %s); reloading", self._seen_changes, value)
        self._seen_changes = value
        for listener in self.change_listeners:
            try:
                await listener()
            except Exception:
                log.exception("reloading after a change failed")
        return True

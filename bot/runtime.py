"""The composition root of the core: database, scheduler, conversation, delivery and change watching.

Messenger edges attach their Transport here; nothing in this module knows a messenger library.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot import commands
from bot.chat import ChatCore
from bot.clock import Clock, system_clock
from bot.config import Config
from bot.domain import ChatRef, Incoming, Outcome, Reply
from bot.i18n import N_, translator
from bot.jobs import Jobs
from bot.meeting_jobs import EVERY as SCHEDULES_EVERY
from bot.meeting_jobs import MeetingJobs
from bot.menus import MenuSync
from bot.ports import Capabilities, DeliveryError, Rejected, Transport
from bot.present import FULL, present
from bot.services import announcements, attendance, meetings, summary, visits
from bot.services.delivery import Deliverer
from storage import migrate, repo
from storage.db import make_engine, make_sessions
from storage.models import Announcement, Cell, Meeting

log = logging.getLogger(__name__)

Watcher = Callable[[set[str]], Awaitable[None]]
REPORT_EVERY_RUN = timedelta(seconds=2)  # how often a live delivery report's job looks at it
NUDGES_EVERY = timedelta(hours=1)  # the visit reminders look each hour; each member gets one a week at most
MEETINGS_EVERY = timedelta(minutes=1)  # how often meetings past their deadline are looked for
PRUNE_EVERY = timedelta(hours=1)
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
        self.engine = make_engine(config.database.url, pool_size=config.database.pool_size)
        self.sessions = make_sessions(self.engine)
        self.jobs = Jobs(AsyncIOScheduler(timezone=config.tz), clock=clock)
        self.transports: dict[str, Transport] = {}
        # Updates handled at once. A few keep the CPU busy while others wait on the database; past
        # that, a burst only queues inside the pool and the database and throughput collapses
        # (BENCHMARKS.md, "Per-update cost"). Half the pool leaves the rest to senders and jobs.
        self._handling = asyncio.Semaphore(max(1, config.database.pool_size // 2))
        self.chat = ChatCore(
            sessions=self.sessions,
            config=config,
            clock=clock,
            registry=commands.registry(config.meetings.rules()),
            capabilities=self.capabilities,
        )
        self.menus = MenuSync(sessions=self.sessions, chat=self.chat, transports=self.transports)
        # What reloads each kind of thing a change touched (see audit.TOUCHES): only that, nothing else.
        self.watchers: dict[str, Watcher] = {
            "person": self._people_changed,
            "announcement": self._reports_changed,
            "tally": self._tallies_changed,
            "schedule": self._schedules_changed,
            "meeting": self._meetings_changed,
        }
        self._seen_change = 0
        self.delivery = Deliverer(
            sessions=self.sessions,
            transports=self.transports,
            config=config.delivery,
            clock=clock,
            default_language=config.default_language,
        )
        self.meeting_jobs = MeetingJobs(
            sessions=self.sessions, jobs=self.jobs, config=config, clock=clock, wake=self.delivery.wake
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
        async with self._handling:
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
        if outcome.touched:
            await self.reload(outcome.touched)
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
        """Start background work, its jobs rebuilt from the database: the change watcher, live
        reports, pruning, and the outbox senders."""
        async with self.sessions() as session:
            self._seen_change = await repo.last_change_id(session=session)
        self.jobs.schedule(
            "changes", self.check_changes, every=timedelta(seconds=self.config.change_poll_seconds)
        )
        self.jobs.schedule("prune", self.prune_processed_updates, every=PRUNE_EVERY)
        # Meetings past their expected end plus the grace: closed automatically, or not recorded.
        self.jobs.schedule("meetings", self.run_due_meetings, every=MEETINGS_EVERY)
        # Each cell's next meeting by its rule, and the jobs before it (also re-planned on every change).
        self.jobs.schedule("schedules", self.meeting_jobs.plan, every=SCHEDULES_EVERY)
        # Members with overdue households are reminded (bot.services.visits.nudge_all decides who and when).
        self.jobs.schedule("visit_nudges", self.nudge_visits, every=NUDGES_EVERY)
        await self.rebuild_jobs()
        self.jobs.start()
        await self.delivery.start()

    async def rebuild_jobs(self) -> None:
        """Schedule the jobs the database calls for: a live report for each announcement still sending,
        and the notice, reminders and brief of each planned meeting (overdue ones run now or are dropped)."""
        await self.meeting_jobs.plan()
        async with self.sessions() as session:
            open_reports = [
                a.id for a in await announcements.open_reports(session=session) if a.id is not None
            ]
        for announcement_id in open_reports:
            self.jobs.schedule(
                report_job(announcement_id),
                self.update_report,
                every=REPORT_EVERY_RUN,
                announcement_id=announcement_id,
            )

    async def stop(self) -> None:
        """Stop background work (waiting for a job that runs) and close the database."""
        await self.jobs.stop()
        await self.delivery.stop()
        await self.engine.dispose()

    async def prune_processed_updates(self) -> int:
        """Forget update ids handled over two days ago (Telegram keeps an undelivered update 24 hours),
        and choices shown over a month ago."""
        now = self.clock()
        async with self.sessions.begin() as session:
            await repo.prune_choice_sets(session=session, before=now - CHOICES_KEPT)
            return await repo.prune_processed_updates(session=session, before=now - timedelta(days=2))

    async def update_reports(self) -> int:
        """Bring every open live report up to date (each has its own job; this runs them all at once)."""
        async with self.sessions() as session:
            ids = [a.id for a in await announcements.open_reports(session=session) if a.id is not None]
        return sum([await self.update_report(announcement_id=announcement_id) for announcement_id in ids])

    async def update_report(self, *, announcement_id: int) -> int:
        """Bring an announcement's live report up to date in its author's chat; end its job once done.

        Where the messenger edits, the report is edited in place whenever its text changed. Where it
        does not, a new report is sent only when its gist changed (finished, someone unreachable) and at
        most every REPORT_EVERY, or at once when delivery finished.
        """
        now = self.clock()
        async with self.sessions.begin() as session:
            announcement = await session.get(Announcement, announcement_id)
            if announcement is None or announcement.report_done or announcement.report_chat_id is None:
                self.jobs.cancel(report_job(announcement_id))
                return 0
            transport = self.transports.get(announcement.report_platform or "")
            if transport is None:
                return 0  # its messenger is not running here: the report waits for it
            result = await announcements.report(session=session, announcement_id=announcement_id)
            chat = ChatRef(transport.platform, announcement.report_chat_id)
            lang = await self.chat.language_for(platform=chat.platform, external_id=chat.chat_id)
            gettext = translator(lang).gettext
            text = announcements.render_report(result, gettext)
            edits = transport.capabilities.edits and announcement.report_message_id is not None
            digest = announcements.shown(result, text, edits=edits)
            updated = 0
            if digest != announcement.report_digest and report_due(
                edits=edits, done=result.done, shown_at=announcement.report_shown_at, now=now
            ):  # never an update that changes nothing
                try:
                    if edits:
                        assert announcement.report_message_id is not None
                        await transport.edit(chat, announcement.report_message_id, Reply(text))
                    else:
                        for piece in present(Reply(text), transport.capabilities, gettext):
                            await transport.send(chat, piece)
                    announcement.report_digest, announcement.report_shown_at = digest, now
                    updated = 1
                except DeliveryError as error:
                    log.info("delivery report %s not updated: %r", announcement_id, error)
                    return 0
            if result.done and digest == announcement.report_digest:
                announcement.report_done = True
                self.jobs.cancel(report_job(announcement_id))
            return updated

    async def run_due_meetings(self) -> int:
        """Close the open meetings nobody closed and note those never opened, once past their expected
        end plus the grace (by the injected clock, so a late job or a restart changes nothing)."""
        now, rules, done = self.clock(), self.config.meetings.rules(), 0
        async with self.sessions.begin() as session:
            for meeting in await attendance.due_meetings(session=session, now=now, rules=rules):
                cell = await session.get(Cell, meeting.cell_id)
                assert cell is not None
                tz = meetings.cell_zone(cell, self.config.tz)
                action = await attendance.auto_close(
                    session=session, meeting=meeting, now=now, rules=rules, tz=tz
                )
                if action == "meeting.auto_close":  # the summary says which entries await confirmation
                    await summary.send(
                        session=session,
                        meeting=meeting,
                        config=self.config,
                        now=now,
                        tz=tz,
                        today=now.astimezone(tz).date(),
                        occurrence="auto",
                    )
                if action:
                    done += 1
        if done:
            self.delivery.wake()
        return done

    async def nudge_visits(self) -> int:
        """Remind members of their overdue households, through the outbox (at most once a week each)."""
        async with self.sessions.begin() as session:
            queued = await visits.nudge_all(
                session=session, now=self.clock(), default_tz=self.config.tz, config=self.config.visits
            )
        if queued:
            self.delivery.wake()
        return queued

    async def update_tally(self, *, meeting_id: int) -> bool:
        """Edit the group chat's post of a meeting's notice to show the answers now; stop the job once
        the post shows them (a burst of answers is one edit, and nothing changed is never an edit)."""
        async with self.sessions.begin() as session:
            meeting = await session.get(Meeting, meeting_id)
            post = await meetings.group_post(session, meeting_id)
            if meeting is None or post is None or post.status in ("failed", "unreachable"):
                self.jobs.cancel(tally_job(meeting_id))
                return False
            if post.status != "sent" or post.message_id is None:
                return False  # the first post is still on its way: look again at the next run
            cell = await session.get(Cell, meeting.cell_id)
            transport = self.transports.get(post.platform)
            if cell is None or transport is None or not transport.capabilities.edits:
                self.jobs.cancel(tally_job(meeting_id))  # never re-posted where it cannot be edited
                return False
            gettext = translator(self.config.default_language).gettext
            text = await meetings.group_text(
                session, meeting, cell, tz=meetings.cell_zone(cell, self.config.tz), gettext=gettext
            )
            if meetings.digest(text) == meeting.group_tally:
                self.jobs.cancel(tally_job(meeting_id))
                return False
            try:
                await transport.edit(
                    ChatRef(post.platform, post.chat_id), post.message_id, Reply(text, markup=True)
                )
            except DeliveryError as error:
                log.info("tally of meeting %s not updated: %r", meeting_id, error)
                return False
            meeting.group_tally = meetings.digest(text)
            return True

    async def check_changes(self) -> bool:
        """Reload what the changes recorded since the last look touched (by this process or another)."""
        async with self.sessions() as session:
            changes = list(await repo.changes_after(session=session, change_id=self._seen_change))
        if not changes:
            return False
        self._seen_change = max(change.id or 0 for change in changes)
        await self.reload({(change.kind, change.key) for change in changes})
        return True

    async def reload(self, touched: set[tuple[str, str]]) -> None:
        """Hand each kind of thing touched to its watcher, once per kind."""
        by_kind: dict[str, set[str]] = {}
        for kind, key in touched:
            by_kind.setdefault(kind, set()).add(key)
        log.info("reloading after changes to %s", {kind: sorted(keys) for kind, keys in by_kind.items()})
        for kind, keys in by_kind.items():
            watcher = self.watchers.get(kind)
            if watcher is None:
                continue
            try:
                await watcher(keys)
            except Exception:
                log.exception("reloading %s %s failed", kind, sorted(keys))

    async def _people_changed(self, person_ids: set[str]) -> None:
        """Refresh the menus of these people's accounts (their roles or language changed)."""
        async with self.sessions() as session:
            identities = await repo.identities_of(
                session=session, person_ids=[int(pid) for pid in person_ids if pid.isdigit()]
            )
        for chats in identities.values():
            for identity in chats:
                await self.menus.refresh(platform=identity.platform, external_id=identity.external_id)

    async def _tallies_changed(self, meeting_ids: set[str]) -> None:
        """Answers came in: edit the group's tally after the debounce, once for the whole burst."""
        scheduled = self.jobs.jobs()
        for key in meeting_ids:
            if tally_job(int(key)) not in scheduled:  # a job already waiting takes this answer too
                self.jobs.schedule(
                    tally_job(int(key)),
                    self.update_tally,
                    every=timedelta(seconds=max(self.config.meetings.tally_debounce_seconds, 1)),
                    meeting_id=int(key),
                )

    async def _schedules_changed(self, keys: set[str]) -> None:
        """A cell's or unit's rule changed: move the jobs of the cells it reaches (no others)."""
        await self.meeting_jobs.schedules_changed(keys)

    async def _meetings_changed(self, meeting_ids: set[str]) -> None:
        """A meeting was planned, moved or cancelled: rebuild its cell's jobs."""
        await self.meeting_jobs.meetings_changed(meeting_ids)

    async def _reports_changed(self, announcement_ids: set[str]) -> None:
        """Schedule the live report job of each new announcement."""
        for key in announcement_ids:
            announcement_id = int(key)
            self.jobs.schedule(
                report_job(announcement_id),
                self.update_report,
                every=REPORT_EVERY_RUN,
                announcement_id=announcement_id,
            )


def tally_job(meeting_id: int) -> str:
    """The id of the job that edits a meeting's tally in the cell's group chat."""
    return f"meeting:{meeting_id}:tally"


def report_job(announcement_id: int) -> str:
    """The id of an announcement's live report job."""
    return f"announcement:{announcement_id}:report"


def report_due(*, edits: bool, done: bool, shown_at: datetime | None, now: datetime) -> bool:
    """Whether a live report may be shown again now: edits any time; else at most every REPORT_EVERY,
    and at once when delivery has finished."""
    return edits or done or shown_at is None or now - shown_at >= REPORT_EVERY

"""The composition root of the core: database, scheduler, conversation, delivery and change watching.

Messenger edges attach their Transport here; nothing in this module knows a messenger library.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.chat import ChatCore
from bot.clock import Clock, system_clock
from bot.config import Config
from bot.menus import MenuSync
from bot.ports import Transport
from storage import migrate, repo
from storage.db import make_engine, make_sessions

log = logging.getLogger(__name__)

ChangeListener = Callable[[], Awaitable[None]]


class Runtime:
    """Owns the engine, the scheduler and the services for one bot process."""

    def __init__(self, config: Config, *, clock: Clock = system_clock) -> None:
        self.config = config
        self.clock = clock
        self.engine = make_engine(config.database.url)
        self.sessions = make_sessions(self.engine)
        self.scheduler = AsyncIOScheduler(timezone=config.tz)
        self.transports: dict[str, Transport] = {}
        self.chat = ChatCore(sessions=self.sessions, config=config, clock=clock)
        self.menus = MenuSync(sessions=self.sessions, chat=self.chat, transports=self.transports)
        self.change_listeners: list[ChangeListener] = [self.menus.refresh_all]
        self._seen_changes: int | None = None

    def attach(self, transport: Transport) -> None:
        """Register a messenger's transport (Telegram now, Zalo later)."""
        self.transports[transport.platform] = transport

    async def migrate(self) -> None:
        """Bring the database schema up to date."""
        await migrate.upgrade(self.engine)

    async def start(self) -> None:
        """Start background work: the change watcher (and later reminders)."""
        self._seen_changes = await self._read_changes()
        self.scheduler.add_job(
            self.check_changes,
            "interval",
            seconds=self.config.change_poll_seconds,
            id="changes",
            replace_existing=True,
            max_instances=1,
            coalesce=True,
        )
        self.scheduler.start()

    async def stop(self) -> None:
        """Stop background work and close the database."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await self.engine.dispose()

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

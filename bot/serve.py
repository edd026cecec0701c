"""Run the bot: the composition root that joins the core with the Telegram edge."""

from __future__ import annotations

import asyncio
import logging

from bot.config import Config
from bot.runtime import Runtime
from bot.services.identity import USERNAME_KEY
from storage import repo

log = logging.getLogger(__name__)


async def serve(
    config: Config,
    stop: asyncio.Event,
    *,
    runtime: Runtime | None = None,
    started: asyncio.Event | None = None,
) -> None:
    """Start everything by its lifecycle methods, run until `stop` is set, then stop in reverse order."""
    from handlers.telegram.app import build_application

    config.token()  # fail fast, before touching the database
    runtime = runtime or Runtime(config)
    await runtime.migrate()
    application = build_application(config, runtime)
    await application.initialize()
    try:
        username = config.telegram.bot_username or application.bot.username
        async with runtime.sessions.begin() as session:
            await repo.set_setting(session=session, key=USERNAME_KEY, value=username)
        await runtime.start()
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(
            poll_interval=0,
            timeout=int(config.telegram.poll_timeout),
            drop_pending_updates=False,
        )
        log.info("chibo is running as @%s", username)
        await runtime.menus.refresh_all()
        if started is not None:
            started.set()
        await stop.wait()
    finally:
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()
        await runtime.stop()
        await application.shutdown()

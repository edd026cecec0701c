"""Run the bot: the composition root that joins the core with the Telegram edge."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from bot.config import Config, ConfigError
from bot.i18n import N_
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

    redact_in_logs(config.token())  # fail fast without a token, before touching the database
    runtime = runtime or Runtime(config)
    await runtime.migrate()
    application = build_application(config, runtime)
    try:
        await _initialize(application, config)
    except ConfigError:
        await application.bot.shutdown()  # closes its HTTP clients; the Application never started
        await runtime.stop()
        raise
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


class BotApiUnreachable(ConfigError):
    """The Bot API did not answer at start: a connection problem (network, proxy, or telegram.base_url).

    A ConfigError only because telegram.base_url may be the cause; the CLI calls it a connection problem.
    """

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(
            N_("cannot reach the Bot API at %(url)s (%(reason)s)"),
            key="telegram.base_url",
            url=url,
            reason=reason,
        )
        self.url, self.reason = url, reason


async def _initialize(application: Any, config: Config) -> None:
    """Initialize the Application (it calls getMe); a bad token or an unreachable API is one line.

    python-telegram-bot puts the token in InvalidToken's message, so that message is never shown.
    """
    from telegram.error import InvalidToken, NetworkError

    try:
        await application.initialize()
    except InvalidToken:
        raise ConfigError(
            N_("Telegram rejected this token; copy it from @BotFather"), key="telegram.token"
        ) from None
    except NetworkError as error:
        raise BotApiUnreachable(config.telegram.base_url, type(error).__name__) from None


def redact_in_logs(secret: str) -> None:
    """Replace the secret in every log record from now on, whoever logs it (httpx logs request URLs)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "redacts", None) == secret:
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        message = record.getMessage()
        if secret in message:
            record.msg, record.args = message.replace(secret, "<token>"), None
        return record

    factory.redacts = secret  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)

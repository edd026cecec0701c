"""The outbox: messages the bot sends on its own initiative, each sent once, across crashes.

A sender claims one row (pending -> sending), sends it, then marks it sent with the messenger's
message id. A crash between the send and the mark leaves that one row in "sending"; at start-up
such rows are sent again and logged, since Telegram has no idempotency key. So the duplicate window
is at most one message per concurrent sender per crash.

Outbox texts are in the core's markup (bot.markup): whoever queues plain text escapes it first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import choices, markup
from bot.clock import Clock
from bot.config import DeliveryConfig
from bot.domain import Button, ChatRef, Document, Reply
from bot.i18n import DEFAULT_LANGUAGE, pick_language, translator
from bot.ports import Rejected, RetryLater, Transport, Unreachable
from bot.present import present
from storage import repo
from storage.db import Sessions
from storage.models import OutboxMessage

log = logging.getLogger(__name__)

STOP_TIMEOUT = 15.0  # seconds a stopping sender may take to finish its current send
NO_PLATFORM = "none"  # recipient with no linked account; the row is unreachable from the start


@dataclass(frozen=True)
class Recipient:
    """Who a queued message is for: a person's chat, or a person with no chat yet."""

    person_id: int | None
    chat: ChatRef | None

    @property
    def key(self) -> tuple[str, str]:
        """(platform, chat id) for the outbox key."""
        if self.chat is not None:
            return self.chat.platform, self.chat.chat_id
        return NO_PLATFORM, f"person:{self.person_id}"


def backoff(attempts: int, config: DeliveryConfig) -> float:
    """Seconds before retry number `attempts`: doubling from the initial delay, capped."""
    return float(min(config.backoff_max, config.backoff_initial * 2 ** max(attempts - 1, 0)))


async def queue(
    *,
    session: AsyncSession,
    purpose: str,
    subject: str,
    occurrence: str,
    recipients: Sequence[Recipient],
    now: datetime,
    text: str = "",
    message_key: str | None = None,
    params: dict[str, Any] | None = None,
    buttons: list[list[dict[str, str]]] | None = None,
    document: Document | None = None,
) -> int:
    """Queue one message per recipient; a key already queued is skipped. Returns how many were new.

    What each person receives is rendered when it is sent, in their language and their messenger's
    format: `message_key` (a msgid) with `params` (plain text, shown as written, or {"msgid": ...} to
    translate), then `text` (the core's markup). Choice labels are msgids too.
    """
    rows = []
    for recipient in recipients:
        platform, chat_id = recipient.key
        linked = recipient.chat is not None
        rows.append(
            {
                "purpose": purpose,
                "subject": subject,
                "occurrence": occurrence,
                "platform": platform,
                "chat_id": chat_id,
                "person_id": recipient.person_id,
                "message_key": message_key,
                "params": params,
                "text": text,
                "buttons": buttons,
                "document_name": document.filename if document else None,
                "document": document.content if document else None,
                "status": "pending" if linked else "unreachable",
                "reason": None if linked else "not_linked",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
        )
    return await repo.queue_outbox(session=session, rows=rows)


def render_param(value: Any, gettext: Callable[[str], str]) -> str:
    """One outbox parameter in the reader's language: text as written; {"msgid": ...} a word to
    translate (a kind, a reason), with its own {"params": ...} filled in the same way; a list, one line
    per element (a task and its people in a brief)."""
    if isinstance(value, dict):
        text = gettext(value["msgid"])
        inner = value.get("params")
        return text % {k: render_param(v, gettext) for k, v in inner.items()} if inner else text
    if isinstance(value, list):
        return "\n".join(render_param(item, gettext) for item in value)
    return str(value)


async def recipients_of(session: AsyncSession, person_ids: Iterable[int]) -> list[Recipient]:
    """Each person's linked chats (or the person alone, unreachable, when they linked none)."""
    ids = list(dict.fromkeys(person_ids))
    identities = await repo.identities_of(session=session, person_ids=ids)
    result = []
    for person_id in ids:
        chats = identities[person_id]
        if not chats:
            result.append(Recipient(person_id, None))
        result += [Recipient(person_id, ChatRef(i.platform, i.external_id)) for i in chats]
    return result


@dataclass
class _Turn:
    """A sender's visit to the recorder: the outcome of its last send, and whether it wants a new row."""

    done: tuple[OutboxMessage, dict[str, Any]] | None
    wants_row: bool
    answer: asyncio.Future[Claimed | None]


@dataclass(frozen=True)
class Claimed:
    """A row claimed for sending, with the messages that show it to its recipient."""

    row: OutboxMessage
    replies: list[Reply]


class Deliverer:
    """Concurrent senders draining the outbox inside the bot process.

    Senders do not write to the database themselves. Each hands its last outcome to one recorder and
    waits; the recorder writes every outcome that is waiting and claims the next rows in a single
    transaction (a group commit). So a sender never holds more than one sent-but-unrecorded message,
    while the database sees one commit per batch instead of one per message.
    """

    def __init__(
        self,
        *,
        sessions: Sessions,
        transports: dict[str, Transport],
        config: DeliveryConfig,
        clock: Clock,
        idle_check_seconds: float = 1.0,
        default_language: str = DEFAULT_LANGUAGE,
    ) -> None:
        self.sessions = sessions
        self.transports = transports
        self.config = config
        self.clock = clock
        self.default_language = default_language
        self.idle_check_seconds = idle_check_seconds
        self._stopping = False
        self._wake = asyncio.Event()
        self._settled = asyncio.Event()  # set whenever outcomes are recorded; see wait_until
        self._turns: asyncio.Queue[_Turn] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._recorder_task: asyncio.Task[None] | None = None

    async def start(self) -> int:
        """Re-queue what was in flight at a crash, then start the recorder and the senders."""
        recovered = await self.recover()
        self._stopping = False
        self._recorder_task = asyncio.create_task(self._recorder(), name="outbox-recorder")
        self._tasks = [
            asyncio.create_task(self._sender(i), name=f"outbox-sender-{i}")
            for i in range(self.config.senders)
        ]
        self.wake()
        return recovered

    async def stop(self) -> None:
        """Let each sender finish and record the message it is sending, then stop them."""
        self._stopping = True
        self.wake()
        if self._tasks:
            _, late = await asyncio.wait(self._tasks, timeout=STOP_TIMEOUT)
            for task in late:  # a send stuck past the timeout stays 'sending' for the next start
                task.cancel()
            for task in late:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._tasks = []
        if self._recorder_task is not None:
            self._recorder_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._recorder_task
            self._recorder_task = None

    async def wait_until(
        self,
        check: Callable[[AsyncSession], Awaitable[bool]],
        *,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> None:
        """Wait until check(session) holds, re-checking whenever a sender records an outcome (no polling)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            self._settled.clear()  # before the check, so an outcome recorded during it is not missed
            async with self.sessions() as session:
                if await check(session):
                    return
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"outbox condition not met after {timeout}s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._settled.wait(), remaining)

    async def wait_settled(self, *, subject: str | None = None, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until nothing (of this subject) is pending or being sent; for the demo and tests."""

        async def settled(session: AsyncSession) -> bool:
            counts = await repo.outbox_counts(session=session, subject=subject)
            return not any(n for (_, status), n in counts.items() if status in ("pending", "sending"))

        await self.wait_until(settled, timeout=timeout)

    def wake(self) -> None:
        """Tell idle senders that something may be due."""
        self._wake.set()

    async def recover(self) -> int:
        """Rows left 'sending' by a crash may have reached the user or not: send again, and say so."""
        async with self.sessions.begin() as session:
            stuck = (await session.exec(select(OutboxMessage).where(OutboxMessage.status == "sending"))).all()
            for row in stuck:
                log.warning(
                    "outbox %s (%s %s to %s:%s) was in flight at a crash; sending again, it may arrive twice",
                    row.id,
                    row.purpose,
                    row.subject,
                    row.platform,
                    row.chat_id,
                )
            if stuck:
                await session.exec(
                    update(OutboxMessage)
                    .where(col(OutboxMessage.status) == "sending")
                    .values(status="pending", claimed_at=None)
                )
        return len(stuck)

    async def _sender(self, index: int) -> None:
        done: tuple[OutboxMessage, dict[str, Any]] | None = None
        while True:
            answer: asyncio.Future[Claimed | None] = asyncio.get_running_loop().create_future()
            await self._turns.put(_Turn(done, not self._stopping, answer))
            try:
                claimed = await answer
                done = None  # recorded
            except asyncio.CancelledError:
                raise
            except Exception:  # the recorder logged it; keep the outcome and try again shortly
                claimed = None
            if claimed is None:
                if self._stopping and done is None:
                    return
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.idle_check_seconds)
                continue
            done = (claimed.row, await self._attempt(claimed))

    async def _recorder(self) -> None:
        while True:
            turns = [await self._turns.get()]
            while not self._turns.empty():
                turns.append(self._turns.get_nowait())
            try:
                rows = await self._record_and_claim(turns)
            except Exception as error:
                log.exception("outbox: recording %s outcomes failed; senders will retry", len(turns))
                for turn in turns:
                    turn.answer.set_exception(error)
                continue
            for turn in turns:
                turn.answer.set_result(rows.pop(0) if turn.wants_row and rows else None)

    async def _record_and_claim(self, turns: list[_Turn]) -> list[Claimed]:
        """Record every outcome handed in and claim a row for each sender that wants one: one commit.

        Only rows for a messenger with a transport running are claimed; the others wait, pending.
        """
        outcomes = [turn.done for turn in turns if turn.done is not None]
        wanted = sum(turn.wants_row for turn in turns)
        async with self.sessions.begin() as session:
            for row, values in outcomes:
                await repo.record_outbox(session=session, message_id=row.id, values=values)
            # What an account's deliveries say about it, for /unreachable: failed for good, or through.
            await repo.mark_unreachable(
                session=session,
                chats=[
                    (r.platform, r.chat_id, v["reason"]) for r, v in outcomes if v["status"] == "unreachable"
                ],
                since=self.clock(),
            )
            await repo.mark_reachable(
                session=session, chats=[(r.platform, r.chat_id) for r, v in outcomes if v["status"] == "sent"]
            )
            rows = (
                await repo.claim_due_outbox(
                    session=session, now=self.clock(), limit=wanted, platforms=list(self.transports)
                )
                if wanted
                else []
            )
            claimed = await self._prepare(session, rows) if rows else []
        if outcomes:
            self._settled.set()
        return claimed

    async def _prepare(self, session: AsyncSession, rows: list[OutboxMessage]) -> list[Claimed]:
        """Render each row for its recipient: their language, their messenger's format, their choices."""
        chats = [(row.platform, row.chat_id) for row in rows]
        languages = await repo.chat_languages(session=session, chats=chats)
        claimed = []
        for row in rows:
            chosen, messenger = languages.get((row.platform, row.chat_id), (None, None))
            gettext = translator(pick_language(chosen, messenger, self.default_language)).gettext
            text = row.text
            if row.message_key:
                header = gettext(row.message_key) % {
                    k: render_param(v, gettext) for k, v in (row.params or {}).items()
                }
                text = markup.escape(header) + (f"\n\n{text}" if text else "")
            buttons = tuple(
                tuple(Button(gettext(b["label"]), b["data"]) for b in line) for line in row.buttons or []
            )
            document = (
                Document(row.document_name, row.document) if row.document_name and row.document else None
            )
            reply = Reply(text, buttons, markup=True, document=document)
            chat = ChatRef(row.platform, row.chat_id)
            if buttons:  # a press is honoured only from the recipient, who is the chat (a private one)
                reply = await choices.store(
                    session=session, reply=reply, chat=chat, user_id=row.chat_id, now=self.clock(), form=None
                )
            transport = self.transports[row.platform]
            claimed.append(Claimed(row, present(reply, transport.capabilities, gettext)))
        return claimed

    async def _attempt(self, claimed: Claimed) -> dict[str, Any]:
        """Send one row's messages; return the column values that record the outcome."""
        row = claimed.row
        transport = self.transports.get(row.platform)
        if transport is None:  # detached since the claim: it waits for the messenger to come back
            return {"status": "pending", "claimed_at": None}
        try:
            message_id = ""
            for reply in claimed.replies:
                message_id = await transport.send(ChatRef(row.platform, row.chat_id), reply)
            return {"status": "sent", "message_id": message_id, "sent_at": self.clock(), "reason": None}
        except Unreachable as error:
            return {"status": "unreachable", "reason": error.reason}
        except Rejected as error:
            return {"status": "failed", "reason": error.detail[:200]}
        except (RetryLater, Exception) as error:  # noqa: BLE001  (anything unexpected is retried, then failed)
            if not isinstance(error, RetryLater):
                log.exception("outbox %s: unexpected error", row.id)
            attempts = row.attempts + 1
            detail = (error.detail if isinstance(error, RetryLater) else repr(error))[:200]
            if attempts >= self.config.max_attempts:
                return {"status": "failed", "reason": detail, "attempts": attempts}
            after = error.after if isinstance(error, RetryLater) else None
            delay = after if after is not None else backoff(attempts, self.config)
            return {
                "status": "pending",
                "reason": detail,
                "attempts": attempts,
                "claimed_at": None,
                "next_attempt_at": self.clock() + timedelta(seconds=delay),
            }

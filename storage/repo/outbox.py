"""The outbox: queuing once per key, claiming due rows without two senders taking one, recording outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import dialect_insert
from storage.models import (
    OutboxMessage,
)


async def queue_outbox(*, session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Insert outbox rows, skipping any whose (purpose, subject, occurrence, recipient) is queued already.

    Returns how many were new. ON CONFLICT DO NOTHING exists on both SQLite and PostgreSQL.
    """
    if not rows:
        return 0
    dialect = (await session.connection()).dialect.name
    insert = dialect_insert(dialect)(OutboxMessage)
    statement: Any = (
        insert.on_conflict_do_nothing(constraint="uq_outbox_key")
        if dialect == "postgresql"
        else insert.on_conflict_do_nothing(
            index_elements=["purpose", "subject", "occurrence", "platform", "chat_id"]
        )
    )
    new = 0
    # Row by row so the count of new rows is exact on both engines (rowcount of a multi-row insert is not).
    for row in rows:
        result = await session.exec(statement.values(**row))
        new += max(result.rowcount, 0)
    return new


async def claim_due_outbox(
    *, session: AsyncSession, now: datetime, limit: int, platforms: Sequence[str] | None = None
) -> list[OutboxMessage]:
    """Take up to `limit` of the oldest due pending messages (for these messengers); mark them being sent.

    One UPDATE with a sub-select is atomic on both engines, so two senders never take the same row,
    and PostgreSQL's SKIP LOCKED lets concurrent transactions take different rows without waiting.
    """
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    due = (
        select(table.c.id)
        .where(table.c.status == "pending", table.c.next_attempt_at <= now)
        .order_by(table.c.next_attempt_at, table.c.id)
        .limit(limit)
    )
    if platforms is not None:
        due = due.where(table.c.platform.in_(platforms))
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    # A materialized CTE runs the sub-select once. Inlined, PostgreSQL may re-run it for each row it
    # updates, and with SKIP LOCKED each run finds another row: it would take more than `limit` rows.
    chosen = due.cte("due").prefix_with("MATERIALIZED")
    statement = (
        update(table)
        .where(table.c.id.in_(select(chosen.c.id)), table.c.status == "pending")
        .values(status="sending", claimed_at=now)
        .returning(*table.c)
    )
    rows = [OutboxMessage(**row._mapping) for row in (await session.exec(statement)).all()]
    # RETURNING gives no order; hand out the oldest first.
    return sorted(rows, key=lambda r: (r.next_attempt_at, r.id or 0))


async def claim_outbox(*, session: AsyncSession, now: datetime) -> OutboxMessage | None:
    """Take the oldest due pending message, or None when nothing is due."""
    rows = await claim_due_outbox(session=session, now=now, limit=1)
    return rows[0] if rows else None


async def record_outbox(*, session: AsyncSession, message_id: int | None, values: dict[str, Any]) -> None:
    """Write the outcome of a send (Core, not ORM: this runs once per message)."""
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    await session.exec(update(table).where(table.c.id == message_id).values(**values))


async def outbox_counts(
    *, session: AsyncSession, purpose: str | None = None, subject: str | None = None
) -> dict[tuple[str, str], int]:
    """Message counts by (purpose, status)."""
    query = select(OutboxMessage.purpose, OutboxMessage.status, func.count()).group_by(
        col(OutboxMessage.purpose), col(OutboxMessage.status)
    )
    if purpose is not None:
        query = query.where(OutboxMessage.purpose == purpose)
    if subject is not None:
        query = query.where(OutboxMessage.subject == subject)
    return {(p, s): n for p, s, n in (await session.exec(query)).all()}

"""Handled updates, settings, the changes running bots reload, and the audit log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import dialect_insert
from storage.models import (
    AuditLog,
    Change,
    ProcessedUpdate,
    Setting,
)


async def prune_processed_updates(*, session: AsyncSession, before: datetime) -> int:
    """Forget update ids handled before `before` (Telegram does not redeliver updates that old)."""
    result = await session.exec(delete(ProcessedUpdate).where(col(ProcessedUpdate.processed_at) < before))
    return int(result.rowcount)


async def get_setting(*, session: AsyncSession, key: str) -> str | None:
    """A stored setting's value."""
    # Read it afresh: set_setting writes with Core, past any copy this session holds.
    row = await session.get(Setting, key, populate_existing=True)
    return row.value if row else None


async def set_setting(*, session: AsyncSession, key: str, value: str) -> None:
    """Store a setting: one INSERT … ON CONFLICT DO UPDATE, so two writers of the same key (the chat and
    the change watcher both refresh a person's menu) never collide on the primary key."""
    connection = await session.connection()
    statement = dialect_insert(connection.dialect.name)(Setting).values(key=key, value=value)
    await connection.execute(statement.on_conflict_do_update(index_elements=["key"], set_={"value": value}))


async def add_changes(*, session: AsyncSession, at: datetime, touched: Sequence[tuple[str, str]]) -> None:
    """Record what a change touched, for running bots to reload (bot.runtime reads these rows)."""
    for kind, key in touched:
        session.add(Change(at=at, kind=kind, key=key))
    await session.flush()


async def changes_after(*, session: AsyncSession, change_id: int) -> Sequence[Change]:
    """The changes recorded after this id, oldest first."""
    query = select(Change).where(col(Change.id) > change_id).order_by(col(Change.id))
    return (await session.exec(query)).all()


async def last_change_id(*, session: AsyncSession) -> int:
    """The id of the newest change (0 when there is none)."""
    return int((await session.exec(select(func.max(Change.id)))).one() or 0)


async def prune_changes(*, session: AsyncSession, before: datetime) -> int:
    """Forget changes recorded before `before` (every running bot has read them by then)."""
    result = await session.exec(delete(Change).where(col(Change.at) < before))
    return int(result.rowcount)


async def audit(
    *,
    session: AsyncSession,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor_person_id: int | None = None,
) -> None:
    """Write an audit-log entry."""
    session.add(
        AuditLog(
            at=at,
            actor=actor,
            action=action,
            subject=subject,
            before=before,
            after=after,
            actor_person_id=actor_person_id,
        )
    )
    await session.flush()


def _mark_processed(dialect: str) -> Any:
    """INSERT … ON CONFLICT DO NOTHING for processed updates, in the dialect's own words, built once."""
    values: dict[str, Any] = {name: bindparam(name) for name in ("platform", "update_id", "processed_at")}
    return dialect_insert(dialect)(ProcessedUpdate).values(**values).on_conflict_do_nothing()


_MARK_PROCESSED: dict[str, Any] = {}


async def mark_processed(*, session: AsyncSession, platform: str, update_id: str, at: datetime) -> bool:
    """Record that an update is being handled; False when it was handled before (a redelivery).

    One INSERT … ON CONFLICT DO NOTHING (both engines), so checking and recording is a single statement.
    """
    connection = await session.connection()  # Core, not ORM: the row count says whether it was new
    dialect = connection.dialect.name
    if dialect not in _MARK_PROCESSED:
        _MARK_PROCESSED[dialect] = _mark_processed(dialect)
    statement = _MARK_PROCESSED[dialect]
    result = await connection.execute(
        statement, {"platform": platform, "update_id": update_id, "processed_at": at}
    )
    return bool(result.rowcount)

"""The choices shown to people, kept server-side."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    ChoiceSet,
)


async def add_choice_set(
    *,
    session: AsyncSession,
    platform: str,
    chat_id: str,
    owner_user_id: str,
    options: list[dict[str, str]],
    now: datetime,
) -> ChoiceSet:
    """Store the choices one message offers one person."""
    row = ChoiceSet(
        platform=platform, chat_id=chat_id, owner_user_id=owner_user_id, options=options, created_at=now
    )
    session.add(row)
    await session.flush()
    return row


async def latest_choice_set(
    *, session: AsyncSession, platform: str, chat_id: str, owner_user_id: str
) -> ChoiceSet | None:
    """The choices last shown to this person in this chat."""
    query = (
        select(ChoiceSet)
        .where(
            ChoiceSet.platform == platform,
            ChoiceSet.chat_id == chat_id,
            ChoiceSet.owner_user_id == owner_user_id,
        )
        .order_by(col(ChoiceSet.id).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()


async def prune_choice_sets(*, session: AsyncSession, before: datetime) -> int:
    """Forget choices shown before `before`; their buttons then say the choice is no longer open."""
    result = await session.exec(delete(ChoiceSet).where(col(ChoiceSet.created_at) < before))
    return int(result.rowcount)

"""Multi-step forms as small state machines whose state is a database row.

A form is a name, a step and a JSON dict, stored per (platform, chat, user): a restart in the middle
of a form loses nothing, and the same form serves every messenger.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import ChatRef
from storage.models import FlowState

FORM_ID = "_id"
# What commands call the row of an open form (they never import storage themselves).
Form = FlowState


def key(state: FlowState) -> tuple[str, str]:
    """(form id, step): what an answer must name to be taken by this form at this step."""
    return str(state.data.get(FORM_ID, "-")), state.step


_OPEN = "forms"  # Session.info key: the forms looked up, opened or closed in this session
# Built once: every update looks for the sender's open form.
_OPEN_FORM = select(FlowState).where(
    FlowState.platform == bindparam("platform"),
    FlowState.chat_id == bindparam("chat_id"),
    FlowState.user_id == bindparam("user_id"),
)


def _remembered(session: AsyncSession) -> dict[tuple[str, str, str], FlowState | None]:
    forms: dict[tuple[str, str, str], FlowState | None] = session.info.setdefault(_OPEN, {})
    return forms


def remember(*, session: AsyncSession, chat: ChatRef, user_id: str, state: FlowState | None) -> None:
    """Note the form open in this chat, read along with something else, so `current` need not ask."""
    _remembered(session)[(chat.platform, chat.chat_id, user_id)] = state


async def current(*, session: AsyncSession, chat: ChatRef, user_id: str) -> FlowState | None:
    """The form this person has open in this chat, if any (read once per session, then remembered)."""
    slot = (chat.platform, chat.chat_id, user_id)
    forms = _remembered(session)
    if slot not in forms:
        params = {"platform": chat.platform, "chat_id": chat.chat_id, "user_id": user_id}
        forms[slot] = (await session.exec(_OPEN_FORM, params=params)).first()
    return forms[slot]


async def begin(
    *,
    session: AsyncSession,
    chat: ChatRef,
    user_id: str,
    flow: str,
    step: str,
    now: datetime,
    data: dict[str, Any] | None = None,
) -> FlowState:
    """Open a form at its first step, replacing any form left open in this chat.

    Each form gets a fresh id, so answers (buttons, typed choices) meant for a form that was replaced
    never reach the new one.
    """
    data = {**(data or {}), FORM_ID: secrets.token_hex(4)}
    state = await current(session=session, chat=chat, user_id=user_id)
    if state is None:
        state = FlowState(
            platform=chat.platform,
            chat_id=chat.chat_id,
            user_id=user_id,
            flow=flow,
            step=step,
            data=data,
            updated_at=now,
        )
        session.add(state)
    else:
        state.flow, state.step, state.data, state.updated_at = flow, step, data, now
    await session.flush()
    _remembered(session)[(chat.platform, chat.chat_id, user_id)] = state
    return state


async def advance(
    *, session: AsyncSession, state: FlowState, step: str, now: datetime, **data: Any
) -> FlowState:
    """Move the form to another step, adding to its data."""
    state.step = step
    # A new dict, so SQLAlchemy sees the JSON column change.
    state.data = {**state.data, **data}
    state.updated_at = now
    await session.flush()
    return state


async def finish(*, session: AsyncSession, state: FlowState) -> None:
    """Close the form."""
    await session.delete(state)
    await session.flush()
    _remembered(session)[(state.platform, state.chat_id, state.user_id)] = None

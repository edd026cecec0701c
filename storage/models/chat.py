"""Chat accounts linked to people, invite codes, open forms, handled updates and the choices shown."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.base import _utc


class ChatIdentity(SQLModel, table=True):
    """A messenger account linked to a person; external ids are text because Zalo's are."""

    __tablename__ = "chat_identity"
    __table_args__ = (
        UniqueConstraint("platform", "external_id", name="uq_chat_identity_account"),
        UniqueConstraint("person_id", "platform", name="uq_chat_identity_person_platform"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    external_id: str = Field(max_length=64)
    person_id: int = Field(foreign_key="person.id")
    # The messenger's language for this account, kept fresh so background messages and menus can use it.
    language_code: str | None = Field(default=None, max_length=16)
    linked_at: datetime = _utc()
    # Why messages to this account last failed for good (blocked, deleted, chat not found), and since
    # when; cleared by a message that arrives, or by anything it writes to the bot.
    unreachable_reason: str | None = Field(default=None, max_length=16)
    unreachable_since: datetime | None = _utc(nullable=True)


class InviteCode(SQLModel, table=True):
    """A one-time code that links the first chat account using it to a person."""

    __tablename__ = "invite_code"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    created_at: datetime = _utc()
    expires_at: datetime = _utc()
    used_at: datetime | None = _utc(nullable=True)
    used_by: str | None = Field(default=None, max_length=100)


class FlowState(SQLModel, table=True):
    """Where one person's multi-step form stands in one chat; a row, so restarts lose nothing."""

    __tablename__ = "flow_state"
    __table_args__ = (UniqueConstraint("platform", "chat_id", "user_id", name="uq_flow_state_chat_user"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    user_id: str = Field(max_length=64)
    flow: str = Field(max_length=32)
    step: str = Field(max_length=32)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = _utc()


class ProcessedUpdate(SQLModel, table=True):
    """An incoming update already handled, so a redelivery after a crash is not acted on twice."""

    __tablename__ = "processed_update"

    platform: str = Field(max_length=16, primary_key=True)
    update_id: str = Field(max_length=64, primary_key=True)
    processed_at: datetime = _utc()


class ChoiceSet(SQLModel, table=True):
    """The choices one message offered one person, kept server-side.

    A button carries only a short token ("k<id>.<n>"), so Telegram's 64-byte callback data always
    suffices; a press is honoured only from the person the choices were for; and a typed number or the
    start of a label picks from the last choices shown in that chat, on messengers without buttons too.
    """

    __tablename__ = "choice_set"
    # Ids are never reused (AUTOINCREMENT on SQLite; a sequence on PostgreSQL): a token of a forgotten
    # set must never name a newer one.
    __table_args__ = (
        Index("ix_choice_set_chat_owner", "platform", "chat_id", "owner_user_id", "id"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    # The messenger user the choices are for; presses by anyone else change nothing.
    owner_user_id: str = Field(max_length=64)
    # [{"label": ..., "data": ...}, ...] in the order shown, rows flattened.
    options: list[Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = _utc()

"""What the bot sends on its own: the outbox, and announcements with their live reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.base import _in, _utc
from storage.vocabulary import OUTBOX_STATUSES


class OutboxMessage(SQLModel, table=True):
    """A message the bot sends on its own initiative, waiting for, or done with, its turn.

    The unique key (purpose, subject, occurrence, recipient chat) makes queuing idempotent.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("purpose", "subject", "occurrence", "platform", "chat_id", name="uq_outbox_key"),
        CheckConstraint(_in("status", OUTBOX_STATUSES), name="ck_outbox_status"),
        Index("ix_outbox_status_due", "status", "next_attempt_at"),
        Index("ix_outbox_subject", "purpose", "subject"),
    )

    id: int | None = Field(default=None, primary_key=True)
    purpose: str = Field(max_length=32)
    subject: str = Field(max_length=64)
    occurrence: str = Field(max_length=64)
    # "telegram"/"zalo", or "none" with chat_id "person:<id>" for someone with no linked account.
    platform: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    # What to say, rendered for each recipient when it is sent: a message key (a msgid) with its
    # params, in the recipient's language, followed by `text` (the core's markup, e.g. an
    # announcement's body); choices ({"label": msgid, "data": ...}) and a file may ride along.
    # A msgid: a multi-line one (the secretary's brief) runs to several hundred characters.
    message_key: str | None = Field(default=None, max_length=1000)
    params: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    text: str = Field(sa_column=Column(Text, nullable=False))
    buttons: list[Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    document_name: str | None = Field(default=None, max_length=200)
    document: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    status: str = Field(default="pending", max_length=16)
    reason: str | None = Field(default=None, max_length=200)
    attempts: int = 0
    next_attempt_at: datetime = _utc()
    claimed_at: datetime | None = _utc(nullable=True)
    sent_at: datetime | None = _utc(nullable=True)
    message_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = _utc()


class Announcement(SQLModel, table=True):
    """A message from a secretary or organiser to a cell or unit, delivered through the outbox."""

    __tablename__ = "announcement"
    __table_args__ = (
        CheckConstraint("(cell_id IS NULL) <> (unit_id IS NULL)", name="ck_announcement_one_scope"),
        CheckConstraint("audience IN ('members', 'secretaries')", name="ck_announcement_audience"),
    )

    id: int | None = Field(default=None, primary_key=True)
    cell_id: int | None = Field(default=None, foreign_key="cell.id")
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    audience: str = Field(default="members", max_length=16)
    text: str = Field(sa_column=Column(Text, nullable=False))
    author_person_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = _utc()
    # Where the live delivery report is shown (the author's chat), when sent from chat.
    report_platform: str | None = Field(default=None, max_length=16)
    report_chat_id: str | None = Field(default=None, max_length=64)
    report_message_id: str | None = Field(default=None, max_length=64)
    report_done: bool = False
    # Digest of the report text last shown, so an update that changes nothing is never sent, and when
    # it was last shown (a messenger without edits gets a new report at most every few minutes).
    report_digest: str | None = Field(default=None, max_length=32)
    report_shown_at: datetime | None = _utc(nullable=True)

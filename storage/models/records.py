"""The audit log, small settings, and the changes running bots reload."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel

from storage.models.base import _utc


class AuditLog(SQLModel, table=True):
    """Who changed what, with the state before and after."""

    __tablename__ = "audit_log"
    # One subject's history in time order (a summary's schedule changes since the last meeting) is a
    # lookup, not a scan of every such action in the district.
    __table_args__ = (Index("ix_audit_log_subject_at", "subject", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _utc()
    actor: str = Field(max_length=100)
    actor_person_id: int | None = Field(default=None, foreign_key="person.id")
    action: str = Field(max_length=64, index=True)
    subject: str = Field(max_length=100)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class Setting(SQLModel, table=True):
    """Small key-value facts the bot learns at run time (its username, the change counter)."""

    __tablename__ = "setting"

    key: str = Field(max_length=64, primary_key=True)
    value: str = Field(sa_column=Column(Text, nullable=False))


class Change(SQLModel, table=True):
    """Something a change touched, so every running bot reloads just that: ("person", "12") means the
    menus and permissions of person 12, ("announcement", "3") its live report job."""

    __tablename__ = "change"
    # Ids only grow (AUTOINCREMENT on SQLite): a watcher reads the rows after the last id it saw.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _utc()
    kind: str = Field(max_length=32)
    key: str = Field(max_length=64)

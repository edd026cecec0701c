"""SQLModel tables. Timestamps are aware UTC; calendar dates (from/to) are plain dates in the cell's zone.

People and their history are modelled apart: a person has memberships (cell ties over time), status
changes, exemptions and officer roles, so moves and merges never rewrite the past.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, LargeBinary, Text, UniqueConstraint
from sqlalchemy import true as sa_true
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime
from storage.vocabulary import CELL_KINDS, MEMBER_STATUSES, MEMBERSHIP_KINDS, OFFICER_ROLES, OUTBOX_STATUSES


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _utc(nullable: bool = False) -> Any:
    return Field(sa_type=UTCDateTime(), nullable=nullable)


# --- Organisation -----------------------------------------------------------------------------------


class Unit(SQLModel, table=True):
    """A node of the party organisation tree (province, commune, district where one still exists)."""

    __tablename__ = "unit"
    __table_args__ = (UniqueConstraint("parent_id", "name", name="uq_unit_parent_name"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    parent_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    created_at: datetime = _utc()


class Cell(SQLModel, table=True):
    """A party cell (chi bộ); closed cells keep their rows so their history stays readable."""

    __tablename__ = "cell"
    __table_args__ = (
        UniqueConstraint("unit_id", "name", name="uq_cell_unit_name"),
        CheckConstraint(_in("kind", CELL_KINDS), name="ck_cell_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=20)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    timezone: str | None = Field(default=None, max_length=64)
    group_chat_platform: str | None = Field(default=None, max_length=16)
    group_chat_id: str | None = Field(default=None, max_length=64)
    closed_at: datetime | None = _utc(nullable=True)
    merged_into_id: int | None = Field(default=None, foreign_key="cell.id")
    created_at: datetime = _utc()


class Person(SQLModel, table=True):
    """A party member or officer; identity is the card number when there is one."""

    __tablename__ = "person"

    id: int | None = Field(default=None, primary_key=True)
    full_name: str = Field(max_length=200)
    # Lower-cased, NFC, single-spaced name: how imports recognise a person without a card number.
    name_key: str = Field(max_length=200, index=True)
    birth_date: date | None = None
    card_number: str | None = Field(default=None, max_length=32, unique=True)
    phone: str | None = Field(default=None, max_length=20)
    # Chosen with /lang; None means "follow the messenger's language".
    language: str | None = Field(default=None, max_length=8)
    created_at: datetime = _utc()


class Membership(SQLModel, table=True):
    """A person's tie to a cell over a period; primary ties count for attendance and dues."""

    __tablename__ = "membership"
    __table_args__ = (
        CheckConstraint(_in("kind", MEMBERSHIP_KINDS), name="ck_membership_kind"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="ck_membership_period"),
        Index("ix_membership_cell_period", "cell_id", "valid_to"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    cell_id: int = Field(foreign_key="cell.id")
    kind: str = Field(default="primary", max_length=16)
    valid_from: date
    valid_to: date | None = None
    end_reason: str | None = Field(default=None, max_length=500)
    # False when valid_from is only the day the tie was imported: an earlier dated change may supersede it.
    start_known: bool = Field(default=True, sa_column_kwargs={"server_default": sa_true()})


class MemberStatus(SQLModel, table=True):
    """Official or probationary from a date on; the latest one not after a day is in force that day."""

    __tablename__ = "member_status"
    __table_args__ = (
        UniqueConstraint("person_id", "valid_from", name="uq_member_status_person_from"),
        CheckConstraint(_in("status", MEMBER_STATUSES), name="ck_member_status_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    status: str = Field(max_length=16)
    valid_from: date
    # False when valid_from is only the day the status was imported (see Membership.start_known).
    start_known: bool = Field(default=True, sa_column_kwargs={"server_default": sa_true()})


class Exemption(SQLModel, table=True):
    """Exempt from party work and meetings (miễn công tác và sinh hoạt đảng) for a period."""

    __tablename__ = "exemption"
    __table_args__ = (
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="ck_exemption_period"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    valid_from: date
    valid_to: date | None = None
    reason: str = Field(max_length=500)


class RoleAssignment(SQLModel, table=True):
    """An officer role over a cell or a unit for a period; plain membership is not a role."""

    __tablename__ = "role_assignment"
    __table_args__ = (
        CheckConstraint(_in("role", OFFICER_ROLES), name="ck_role_assignment_role"),
        CheckConstraint("(cell_id IS NULL) <> (unit_id IS NULL)", name="ck_role_assignment_one_scope"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="ck_role_assignment_period"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    role: str = Field(max_length=24)
    cell_id: int | None = Field(default=None, foreign_key="cell.id", index=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    valid_from: date
    valid_to: date | None = None


# --- Chat accounts, invites, forms ------------------------------------------------------------------


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
    # The last time this account wrote or pressed anything: it can be reached again after a block.
    last_seen_at: datetime | None = _utc(nullable=True)


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


class AuditLog(SQLModel, table=True):
    """Who changed what, with the state before and after."""

    __tablename__ = "audit_log"

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
    message_key: str | None = Field(default=None, max_length=200)
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


# --- Onboarding: households and delegation ----------------------------------------------------------


class Household(SQLModel, table=True):
    """A household of the cell's area; the same household when cell, head's name and address match."""

    __tablename__ = "household"
    __table_args__ = (UniqueConstraint("cell_id", "head_key", "address_key", name="uq_household_identity"),)

    id: int | None = Field(default=None, primary_key=True)
    cell_id: int = Field(foreign_key="cell.id", index=True)
    head_name: str = Field(max_length=200)
    head_key: str = Field(max_length=200)
    address: str = Field(max_length=300)
    address_key: str = Field(max_length=300)
    village: str | None = Field(default=None, max_length=200)
    people: int | None = None
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    phone: str | None = Field(default=None, max_length=20)
    created_at: datetime = _utc()


class HouseholdAssignment(SQLModel, table=True):
    """Which member was responsible for a household over which days (visits are checked against it)."""

    __tablename__ = "household_assignment"
    __table_args__ = (
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="ck_household_assignment_period"),
        Index("ix_household_assignment_current", "household_id", "valid_to"),
    )

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id")
    person_id: int = Field(foreign_key="person.id", index=True)
    valid_from: date
    valid_to: date | None = None


class Delegation(SQLModel, table=True):
    """A secretary lets a deputy act as secretary of the cell for a period (/delegate)."""

    __tablename__ = "delegation"
    __table_args__ = (CheckConstraint("valid_to >= valid_from", name="ck_delegation_period"),)

    id: int | None = Field(default=None, primary_key=True)
    cell_id: int = Field(foreign_key="cell.id", index=True)
    from_person_id: int = Field(foreign_key="person.id")
    to_person_id: int = Field(foreign_key="person.id")
    valid_from: date
    valid_to: date
    created_at: datetime = _utc()
    revoked_at: datetime | None = _utc(nullable=True)


# --- Delivery ---------------------------------------------------------------------------------------


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


# --- Choices ----------------------------------------------------------------------------------------


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


# --- Changes ----------------------------------------------------------------------------------------


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

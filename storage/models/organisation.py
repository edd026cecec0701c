"""Units, cells, people and their history: memberships, statuses, exemptions, offices, delegations.

People and their history are modelled apart, so moves and merges never rewrite the past."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlalchemy import true as sa_true
from sqlmodel import Field, SQLModel

from storage.models.base import _in, _utc
from storage.vocabulary import CELL_KINDS, MEMBER_STATUSES, MEMBERSHIP_KINDS, OFFICER_ROLES


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
    # Each contribution at a meeting is also posted in the linked group ("Đ/c <name>: …"); off by default.
    relay_contributions: bool = False
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

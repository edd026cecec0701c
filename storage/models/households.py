"""The households of a cell's area, who is responsible for each over time, and the visits to them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.base import _utc


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
    # Moved away (or merged into another): kept with its visits, no longer assigned or counted.
    active: bool = True


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


class Visit(SQLModel, table=True):
    """A member's visit to a household: when, whom they met, what they talked about, what residents asked
    for and whether it needs following up. A visit is only written when the member saves it."""

    __tablename__ = "visit"
    __table_args__ = (Index("ix_visit_household_day", "household_id", "visited_on"),)

    id: int | None = Field(default=None, primary_key=True)
    household_id: int = Field(foreign_key="household.id")
    cell_id: int = Field(foreign_key="cell.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    visited_on: date
    met: str | None = Field(default=None, max_length=200)
    topics: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    notes: str | None = Field(default=None, max_length=2000)
    # What the residents asked for or complained about (kiến nghị): read for the next meeting and reports.
    request: str | None = Field(default=None, max_length=2000)
    follow_up_due: date | None = None
    follow_up_closed_at: datetime | None = _utc(nullable=True)
    follow_up_closed_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    follow_up_note: str | None = Field(default=None, max_length=500)
    photo_file_id: str | None = Field(default=None, max_length=300)
    latitude: float | None = None
    longitude: float | None = None
    created_at: datetime = _utc()


class VisitDraft(SQLModel, table=True):
    """A visit being written, one per member: it outlives the form (a phone that died, a restart, a
    form that timed out), so the next /visit offers to continue it. A draft is never a visit."""

    __tablename__ = "visit_draft"
    __table_args__ = (UniqueConstraint("person_id", name="uq_visit_draft_person"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id")
    household_id: int = Field(foreign_key="household.id")
    step: str = Field(max_length=20)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = _utc()


class VisitNudge(SQLModel, table=True):
    """When a member was last reminded of overdue households (never more than once a week)."""

    __tablename__ = "visit_nudge"

    person_id: int = Field(foreign_key="person.id", primary_key=True)
    sent_at: datetime = _utc()

"""The households of a cell's area and who is responsible for each, over time."""

from __future__ import annotations

from datetime import date, datetime

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

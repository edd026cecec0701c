"""onboarding: households, their assignments, delegations

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 10:08:20.657462
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "delegation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cell_id", sa.Integer(), nullable=False),
        sa.Column("from_person_id", sa.Integer(), nullable=False),
        sa.Column("to_person_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("revoked_at", storage.types.UTCDateTime(), nullable=True),
        sa.CheckConstraint("valid_to >= valid_from", name="ck_delegation_period"),
        sa.ForeignKeyConstraint(
            ["cell_id"],
            ["cell.id"],
        ),
        sa.ForeignKeyConstraint(
            ["from_person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["to_person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_delegation_cell_id"), "delegation", ["cell_id"], unique=False)
    op.create_table(
        "household",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cell_id", sa.Integer(), nullable=False),
        sa.Column("head_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("head_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("address_key", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("village", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("people", sa.Integer(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cell_id"],
            ["cell.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cell_id", "head_key", "address_key", name="uq_household_identity"),
    )
    op.create_index(op.f("ix_household_cell_id"), "household", ["cell_id"], unique=False)
    op.create_table(
        "household_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_to >= valid_from", name="ck_household_assignment_period"
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_household_assignment_current", "household_assignment", ["household_id", "valid_to"], unique=False
    )
    op.create_index(
        op.f("ix_household_assignment_person_id"), "household_assignment", ["person_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_household_assignment_person_id"), table_name="household_assignment")
    op.drop_index("ix_household_assignment_current", table_name="household_assignment")
    op.drop_table("household_assignment")
    op.drop_index(op.f("ix_household_cell_id"), table_name="household")
    op.drop_table("household")
    op.drop_index(op.f("ix_delegation_cell_id"), table_name="delegation")
    op.drop_table("delegation")

"""visits: households can be made inactive; visits to households, each member's draft visit, and when
each member was last reminded of overdue households

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = storage.types.UTCDateTime(timezone=True)


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    with op.batch_alter_table("household") as batch:
        batch.add_column(sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.create_table(
        "visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("cell_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("met", _text(200), nullable=True),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("notes", _text(2000), nullable=True),
        sa.Column("request", _text(2000), nullable=True),
        sa.Column("follow_up_due", sa.Date(), nullable=True),
        sa.Column("follow_up_closed_at", UTC, nullable=True),
        sa.Column("follow_up_closed_by_person_id", sa.Integer(), nullable=True),
        sa.Column("follow_up_note", _text(500), nullable=True),
        sa.Column("photo_file_id", _text(300), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["cell_id"], ["cell.id"]),
        sa.ForeignKeyConstraint(["follow_up_closed_by_person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_visit_cell_id"), "visit", ["cell_id"])
    op.create_index(op.f("ix_visit_person_id"), "visit", ["person_id"])
    op.create_index("ix_visit_household_day", "visit", ["household_id", "visited_on"])
    op.create_table(
        "visit_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("step", _text(20), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["household_id"], ["household.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", name="uq_visit_draft_person"),
    )
    op.create_table(
        "visit_nudge",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("person_id"),
    )


def downgrade() -> None:
    op.drop_table("visit_nudge")
    op.drop_table("visit_draft")
    op.drop_index("ix_visit_household_day", table_name="visit")
    op.drop_index(op.f("ix_visit_person_id"), table_name="visit")
    op.drop_index(op.f("ix_visit_cell_id"), table_name="visit")
    op.drop_table("visit")
    with op.batch_alter_table("household") as batch:
        batch.drop_column("active")

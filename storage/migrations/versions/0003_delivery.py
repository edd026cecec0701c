"""delivery: announcements

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 10:08:20.657462
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "announcement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cell_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("audience", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author_person_id", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("report_platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("report_chat_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("report_message_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("report_done", sa.Boolean(), nullable=False),
        sa.CheckConstraint("audience IN ('members', 'secretaries')", name="ck_announcement_audience"),
        sa.CheckConstraint("(cell_id IS NULL) <> (unit_id IS NULL)", name="ck_announcement_one_scope"),
        sa.ForeignKeyConstraint(
            ["author_person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["cell_id"],
            ["cell.id"],
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["unit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("announcement")

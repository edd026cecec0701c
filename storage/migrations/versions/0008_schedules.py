"""schedules: each cell's (or unit's default) meeting rule; what a scheduled meeting has sent already;
longer outbox message keys

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "meeting_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cell_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("rhythm", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("start_time", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("length_minutes", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=True),
        sa.Column("nth", sa.Integer(), nullable=True),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("weeks", sa.Integer(), nullable=True),
        sa.Column("anchor", sa.Date(), nullable=True),
        sa.Column("notice_minutes", sa.Integer(), nullable=False),
        sa.Column("reminder_minutes", sa.JSON(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_person_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("(cell_id IS NULL) <> (unit_id IS NULL)", name="ck_meeting_rule_owner"),
        sa.CheckConstraint(
            "rhythm IN ('day', 'last_day', 'weekday', 'weeks')", name="ck_meeting_rule_rhythm"
        ),
        sa.ForeignKeyConstraint(["cell_id"], ["cell.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"]),
        sa.ForeignKeyConstraint(["updated_by_person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cell_id"),
        sa.UniqueConstraint("unit_id"),
    )
    with op.batch_alter_table("meeting") as batch:
        batch.add_column(sa.Column("scheduled", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("moved_by_hand", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("steps_done", sa.JSON(), nullable=False, server_default="[]"))
    # Meetings planned before schedules existed had their notice sent when they were created.
    op.execute("UPDATE meeting SET steps_done = '[\"notice\"]'")
    # Multi-line msgids (the secretary's brief) are longer than 200 characters.
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column(
            "message_key",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=200),
            type_=sqlmodel.sql.sqltypes.AutoString(length=1000),
            existing_nullable=True,
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column(
            "message_key",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=1000),
            type_=sqlmodel.sql.sqltypes.AutoString(length=200),
            existing_nullable=True,
        )
    with op.batch_alter_table("meeting") as batch:
        batch.drop_column("steps_done")
        batch.drop_column("moved_by_hand")
        batch.drop_column("scheduled")
    op.drop_table("meeting_rule")

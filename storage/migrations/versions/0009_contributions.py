"""contributions: each member's contributions to a meeting with every version; the agenda item being
discussed; relaying contributions to the cell's group

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contribution",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("agenda_item_id", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("media_kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("file_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("duration_seconds", sa.Integer(), nullable=True),
        sa.Column("file_size", sa.Integer(), nullable=True),
        sa.Column("written", sa.Boolean(), nullable=False),
        sa.Column("recorded_by_person_id", sa.Integer(), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('comment', 'question', 'proposal', 'self_criticism')", name="ck_contribution_kind"
        ),
        sa.CheckConstraint(
            "media_kind IS NULL OR media_kind IN ('voice', 'photo')", name="ck_contribution_media"
        ),
        sa.ForeignKeyConstraint(["agenda_item_id"], ["agenda_item.id"]),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["recorded_by_person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source"),
    )
    op.create_index("ix_contribution_meeting", "contribution", ["meeting_id", "id"])
    op.create_index("ix_contribution_person", "contribution", ["person_id", "meeting_id"])
    op.create_table(
        "contribution_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contribution_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("agenda_item_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("by_person_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["agenda_item_id"], ["agenda_item.id"]),
        sa.ForeignKeyConstraint(["by_person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["contribution_id"], ["contribution.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("contribution_id", "version", name="uq_contribution_version"),
    )
    with op.batch_alter_table("meeting") as batch:
        batch.add_column(sa.Column("current_position", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("contributions_taken", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    # Meetings held before contributions were taken say nothing about who spoke.
    op.execute("UPDATE meeting SET contributions_taken = false")
    with op.batch_alter_table("cell") as batch:
        batch.add_column(
            sa.Column("relay_contributions", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("cell") as batch:
        batch.drop_column("relay_contributions")
    with op.batch_alter_table("meeting") as batch:
        batch.drop_column("contributions_taken")
        batch.drop_column("current_position")
    op.drop_table("contribution_version")
    op.drop_index("ix_contribution_person", table_name="contribution")
    op.drop_index("ix_contribution_meeting", table_name="contribution")
    op.drop_table("contribution")

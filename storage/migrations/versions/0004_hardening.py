"""hardening: server-side choices, reachability of accounts, imported start dates, report digests

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "choice_set",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("chat_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("owner_user_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_choice_set_chat_owner", "choice_set", ["platform", "chat_id", "owner_user_id", "id"], unique=False
    )
    with op.batch_alter_table("chat_identity") as batch:
        batch.add_column(
            sa.Column("unreachable_reason", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True)
        )
        batch.add_column(sa.Column("unreachable_since", storage.types.UTCDateTime(), nullable=True))
    for table in ("membership", "member_status"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("start_known", sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table("announcement") as batch:
        batch.add_column(
            sa.Column("report_digest", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("announcement") as batch:
        batch.drop_column("report_digest")
    for table in ("member_status", "membership"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("start_known")
    with op.batch_alter_table("chat_identity") as batch:
        batch.drop_column("unreachable_since")
        batch.drop_column("unreachable_reason")
    op.drop_index("ix_choice_set_chat_owner", table_name="choice_set")
    op.drop_table("choice_set")

"""messages per recipient: outbox rows rendered in each recipient's language, with files; report times

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 20:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(
            sa.Column("message_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
        batch.add_column(sa.Column("params", sa.JSON(), nullable=True))
        batch.add_column(
            sa.Column("document_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
        batch.add_column(sa.Column("document", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("announcement") as batch:
        batch.add_column(sa.Column("report_shown_at", storage.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("announcement") as batch:
        batch.drop_column("report_shown_at")
    with op.batch_alter_table("outbox") as batch:
        for column in ("document", "document_name", "params", "message_key"):
            batch.drop_column(column)

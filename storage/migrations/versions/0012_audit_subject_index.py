"""audit_log: an index on (subject, at), so one subject's history since a day (a summary's schedule
changes since the last meeting) is a lookup instead of a scan of every such action in the district

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 12:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_audit_log_subject_at", "audit_log", ["subject", "at"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_subject_at", table_name="audit_log")

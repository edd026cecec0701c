"""resolution: the chair's conclusion per agenda item, votes (hands recorded or ballots), tasks for
named members with each one's status

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = storage.types.UTCDateTime(timezone=True)


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    with op.batch_alter_table("agenda_item") as batch:
        batch.add_column(sa.Column("conclusion", _text(2000), nullable=True))
        batch.add_column(sa.Column("concluded_at", UTC, nullable=True))
        batch.add_column(sa.Column("concluded_by_person_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_agenda_item_concluded_by_person_id_person", "person", ["concluded_by_person_id"], ["id"]
        )
    op.create_table(
        "vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("agenda_item_id", sa.Integer(), nullable=True),
        sa.Column("by_hands", sa.Boolean(), nullable=False),
        sa.Column("for_count", sa.Integer(), nullable=True),
        sa.Column("against_count", sa.Integer(), nullable=True),
        sa.Column("abstain_count", sa.Integer(), nullable=True),
        sa.Column("voters", sa.Integer(), nullable=False),
        sa.Column("voter_ids", sa.JSON(), nullable=False),
        sa.Column("opened_at", UTC, nullable=False),
        sa.Column("closed_at", UTC, nullable=True),
        sa.Column("opened_by_person_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["agenda_item_id"], ["agenda_item.id"]),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.ForeignKeyConstraint(["opened_by_person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_vote_meeting_id"), "vote", ["meeting_id"])
    op.create_table(
        "ballot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vote_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("choice", _text(8), nullable=False),
        sa.Column("cast_at", UTC, nullable=False),
        sa.CheckConstraint("choice IN ('for', 'against', 'abstain')", name="ck_ballot_choice"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["vote_id"], ["vote.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("vote_id", "person_id", name="uq_ballot_voter"),
    )
    op.create_table(
        "task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cell_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("agenda_item_id", sa.Integer(), nullable=True),
        sa.Column("title", _text(300), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("created_by_person_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("cancelled_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(["agenda_item_id"], ["agenda_item.id"]),
        sa.ForeignKeyConstraint(["cell_id"], ["cell.id"]),
        sa.ForeignKeyConstraint(["created_by_person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_task_cell_due", "task", ["cell_id", "due"])
    op.create_table(
        "task_assignee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("status", _text(12), nullable=False),
        sa.Column("note", _text(500), nullable=True),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("updated_by_person_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('not_started', 'in_progress', 'done', 'blocked')", name="ck_task_assignee_status"
        ),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"]),
        sa.ForeignKeyConstraint(["updated_by_person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("task_id", "person_id", name="uq_task_assignee"),
    )
    op.create_index(op.f("ix_task_assignee_person_id"), "task_assignee", ["person_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_task_assignee_person_id"), table_name="task_assignee")
    op.drop_table("task_assignee")
    op.drop_index("ix_task_cell_due", table_name="task")
    op.drop_table("task")
    op.drop_table("ballot")
    op.drop_index(op.f("ix_vote_meeting_id"), table_name="vote")
    op.drop_table("vote")
    with op.batch_alter_table("agenda_item") as batch:
        batch.drop_constraint("fk_agenda_item_concluded_by_person_id_person", type_="foreignkey")
        batch.drop_column("concluded_by_person_id")
        batch.drop_column("concluded_at")
        batch.drop_column("conclusion")

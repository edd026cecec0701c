"""Meetings of a cell, their agenda, each member's answer and check-in, and party dues.

What a meeting's state is at a moment is worked out by bot.meetings.rules from the times kept here
(planned, open, closed, cancelled, not recorded), so a job that runs late never leaves it wrong.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.base import _in, _utc
from storage.vocabulary import (
    ATTENDANCE_STATES,
    CONTRIBUTION_KINDS,
    CONTRIBUTION_MEDIA,
    MEETING_ANSWERS,
    MEETING_KINDS,
    REASON_VERDICTS,
    SCHEDULE_RHYTHMS,
    TASK_STATUSES,
    VOTE_CHOICES,
)


class Meeting(SQLModel, table=True):
    """One sitting of a cell (sinh hoạt chi bộ), counted for a reporting month."""

    __tablename__ = "meeting"
    __table_args__ = (
        CheckConstraint(_in("kind", MEETING_KINDS), name="ck_meeting_kind"),
        CheckConstraint("expected_end > starts_at", name="ck_meeting_times"),
        # At most one regular meeting per cell and month: regular_month is set only on a regular kind
        # that was not cancelled (NULLs never clash).
        UniqueConstraint("cell_id", "regular_month", name="uq_meeting_regular_month"),
        Index("ix_meeting_cell_starts", "cell_id", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    cell_id: int = Field(foreign_key="cell.id")
    kind: str = Field(max_length=20)
    # The first day of the reporting month (kỳ sinh hoạt tháng M/YYYY), which a meeting moved for Tết keeps.
    month: date
    regular_month: date | None = None
    starts_at: datetime = _utc()
    expected_end: datetime = _utc()
    place: str = Field(max_length=200)
    chair_person_id: int | None = Field(default=None, foreign_key="person.id")
    minute_taker_person_id: int | None = Field(default=None, foreign_key="person.id")
    created_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = _utc()
    opened_at: datetime | None = _utc(nullable=True)
    closed_at: datetime | None = _utc(nullable=True)
    cancelled_at: datetime | None = _utc(nullable=True)
    # Closed by the job at the expected end plus the grace period; its roll call awaits the secretary.
    closed_automatically: bool = False
    roll_call_confirmed: bool = True
    # Closed before the minimum duration, confirmed by whoever closed it (noted in the record).
    closed_early: bool = False
    # Never opened in the bot, recorded afterwards by ticking who came (audited).
    recorded_late: bool = False
    # The cell's group chat post of the notice: the tally shown in it last, so an edit that would change
    # nothing is never sent.
    group_tally: str | None = Field(default=None, max_length=200)
    # Created by the cell's schedule (not by hand); moved by hand, it no longer follows the rule.
    scheduled: bool = False
    moved_by_hand: bool = False
    # The steps before it already done or dropped (notice, remind:1d, brief …), so a restart repeats none.
    steps_done: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The agenda item being discussed (its position), moved on with /next; None before the first.
    current_position: int | None = None
    # Contributions were taken in the bot (false for meetings held before it could): only these say who
    # spoke, for the participation figures.
    contributions_taken: bool = True


class AgendaItem(SQLModel, table=True):
    """One item of a meeting's agenda (contributions attach to these later)."""

    __tablename__ = "agenda_item"
    __table_args__ = (UniqueConstraint("meeting_id", "position", name="uq_agenda_item_position"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    position: int
    title: str = Field(max_length=300)
    # The chair's conclusion on it (kết luận), written during or right after the meeting.
    conclusion: str | None = Field(default=None, max_length=2000)
    concluded_at: datetime | None = _utc(nullable=True)
    concluded_by_person_id: int | None = Field(default=None, foreign_key="person.id")


class Attendance(SQLModel, table=True):
    """One member at one meeting: their answer to the notice, their check-in, and how it ended."""

    __tablename__ = "attendance"
    __table_args__ = (
        UniqueConstraint("meeting_id", "person_id", name="uq_attendance_member"),
        CheckConstraint(f"answer IS NULL OR {_in('answer', MEETING_ANSWERS)}", name="ck_attendance_answer"),
        CheckConstraint(
            f"verdict IS NULL OR {_in('verdict', REASON_VERDICTS)}", name="ck_attendance_verdict"
        ),
        CheckConstraint(f"final IS NULL OR {_in('final', ATTENDANCE_STATES)}", name="ck_attendance_final"),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id")
    person_id: int = Field(foreign_key="person.id", index=True)
    answer: str | None = Field(default=None, max_length=8)
    reason: str | None = Field(default=None, max_length=500)
    answered_at: datetime | None = _utc(nullable=True)
    # How many times the member answered: each change is a new notice to the secretary.
    answers: int = 0
    verdict: str | None = Field(default=None, max_length=8)
    verdict_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    checked_in_at: datetime | None = _utc(nullable=True)
    # Who ticked them in, when it was not the member themself.
    ticked_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    # Fixed when the meeting closes (or its roll call is confirmed): later changes to exemptions or
    # memberships never rewrite what the minutes said.
    final: str | None = Field(default=None, max_length=12)
    exempt: bool = False
    # False for a residence tie (đảng viên 213): they may come, but never count for the charter.
    primary_tie: bool = True
    status: str | None = Field(default=None, max_length=16)  # official / probationary at the meeting


class DuesPayment(SQLModel, table=True):
    """Party dues (đảng phí) of one member for one month: reported by them, confirmed by an officer."""

    __tablename__ = "dues_payment"
    __table_args__ = (UniqueConstraint("person_id", "month", name="uq_dues_person_month"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id")
    month: date  # first day of the month paid for
    reported_at: datetime | None = _utc(nullable=True)  # the member said they paid (/dues)
    paid_on: date | None = None  # confirmed or ticked by the secretary or deputy
    confirmed_by_person_id: int | None = Field(default=None, foreign_key="person.id")


class MeetingRule(SQLModel, table=True):
    """When a cell meets, or the default its unit gives the cells without their own (bot.meetings.schedule).

    Exactly one of cell_id and unit_id is set. The database is the truth; the jobs are built from it.
    """

    __tablename__ = "meeting_rule"
    __table_args__ = (
        CheckConstraint("(cell_id IS NULL) <> (unit_id IS NULL)", name="ck_meeting_rule_owner"),
        CheckConstraint(_in("rhythm", SCHEDULE_RHYTHMS), name="ck_meeting_rule_rhythm"),
    )

    id: int | None = Field(default=None, primary_key=True)
    cell_id: int | None = Field(default=None, foreign_key="cell.id", unique=True)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", unique=True)
    rhythm: str = Field(max_length=16)
    start_time: str = Field(max_length=5)  # HH:MM, wall-clock time in the cell's zone
    length_minutes: int
    day: int | None = None
    nth: int | None = None
    weekday: int | None = None
    weeks: int | None = None
    anchor: date | None = None
    notice_minutes: int
    reminder_minutes: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = _utc()
    updated_by_person_id: int | None = Field(default=None, foreign_key="person.id")


class Contribution(SQLModel, table=True):
    """One member's contribution (ý kiến) to a meeting, as it reads now; every version is kept in
    ContributionVersion. Media are kept as the messenger's file id, never the file itself."""

    __tablename__ = "contribution"
    __table_args__ = (
        CheckConstraint(_in("kind", CONTRIBUTION_KINDS), name="ck_contribution_kind"),
        CheckConstraint(
            f"media_kind IS NULL OR {_in('media_kind', CONTRIBUTION_MEDIA)}", name="ck_contribution_media"
        ),
        Index("ix_contribution_meeting", "meeting_id", "id"),
        Index("ix_contribution_person", "person_id", "meeting_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id")
    person_id: int = Field(foreign_key="person.id")
    agenda_item_id: int | None = Field(default=None, foreign_key="agenda_item.id")
    kind: str = Field(default="comment", max_length=16)
    body: str = Field(default="", max_length=4000)
    media_kind: str | None = Field(default=None, max_length=8)
    file_id: str | None = Field(default=None, max_length=200)
    duration_seconds: int | None = None
    file_size: int | None = None
    # A written view from a member excused from the meeting: shown as written, not counted as spoken.
    written: bool = False
    # Recorded by the secretary or minute-taker for a present member without a phone.
    recorded_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    # The message it came from ("platform:chat:message"), so an edit of that message corrects it.
    source: str | None = Field(default=None, max_length=200, unique=True)
    version: int = 1
    created_at: datetime = _utc()
    updated_at: datetime = _utc()
    withdrawn_at: datetime | None = _utc(nullable=True)


class ContributionVersion(SQLModel, table=True):
    """One version of a contribution: the first, each correction, a new mark or item, the withdrawal."""

    __tablename__ = "contribution_version"
    __table_args__ = (UniqueConstraint("contribution_id", "version", name="uq_contribution_version"),)

    id: int | None = Field(default=None, primary_key=True)
    contribution_id: int = Field(foreign_key="contribution.id")
    version: int
    kind: str = Field(max_length=16)
    body: str = Field(default="", max_length=4000)
    agenda_item_id: int | None = Field(default=None, foreign_key="agenda_item.id")
    withdrawn: bool = False
    at: datetime = _utc()
    by_person_id: int | None = Field(default=None, foreign_key="person.id")


class Vote(SQLModel, table=True):
    """A vote (biểu quyết) on an item's conclusion, or on the whole resolution (no item): a show of hands
    recorded by the secretary, or ballots cast in the bot (counts fixed when it closes)."""

    __tablename__ = "vote"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True)
    agenda_item_id: int | None = Field(default=None, foreign_key="agenda_item.id")
    by_hands: bool = False
    for_count: int | None = None
    against_count: int | None = None
    abstain_count: int | None = None
    # Official members present when it was taken: the most hands there can be.
    voters: int
    # Who may cast a ballot in the bot: those it was opened for (a later arrival has no ballot).
    voter_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    opened_at: datetime = _utc()
    closed_at: datetime | None = _utc(nullable=True)
    opened_by_person_id: int | None = Field(default=None, foreign_key="person.id")


class Ballot(SQLModel, table=True):
    """One member's vote in the bot: once, never changed."""

    __tablename__ = "ballot"
    __table_args__ = (
        UniqueConstraint("vote_id", "person_id", name="uq_ballot_voter"),
        CheckConstraint(_in("choice", VOTE_CHOICES), name="ck_ballot_choice"),
    )

    id: int | None = Field(default=None, primary_key=True)
    vote_id: int = Field(foreign_key="vote.id")
    person_id: int = Field(foreign_key="person.id")
    choice: str = Field(max_length=8)
    cast_at: datetime = _utc()


class Task(SQLModel, table=True):
    """A task from a meeting for named members of the cell, with a deadline (phân công nhiệm vụ)."""

    __tablename__ = "task"
    __table_args__ = (Index("ix_task_cell_due", "cell_id", "due"),)

    id: int | None = Field(default=None, primary_key=True)
    cell_id: int = Field(foreign_key="cell.id")
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id")
    agenda_item_id: int | None = Field(default=None, foreign_key="agenda_item.id")
    title: str = Field(max_length=300)
    due: date
    created_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = _utc()
    updated_at: datetime = _utc()
    cancelled_at: datetime | None = _utc(nullable=True)


class TaskAssignee(SQLModel, table=True):
    """One member's part in a task, and where they stand on it (their latest report)."""

    __tablename__ = "task_assignee"
    __table_args__ = (
        UniqueConstraint("task_id", "person_id", name="uq_task_assignee"),
        CheckConstraint(_in("status", TASK_STATUSES), name="ck_task_assignee_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="task.id")
    person_id: int = Field(foreign_key="person.id", index=True)
    status: str = Field(default="not_started", max_length=12)
    note: str | None = Field(default=None, max_length=500)
    updated_at: datetime = _utc()
    updated_by_person_id: int | None = Field(default=None, foreign_key="person.id")

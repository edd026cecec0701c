"""A meeting's resolution (nghị quyết): conclusions, votes and tasks. Pure rules, no database.

Only official members present vote (probationary members take part but do not vote, Điều lệ Đảng), and
a conclusion is adopted when more than half of those voters are for it. Tasks go to named members with a
deadline; each assignee reports their own progress.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

MAX_CONCLUSION = 2000
MAX_TASK = 300
# How long before the next meeting members with open tasks are asked how they stand.
FOLLOW_UP_BEFORE = timedelta(days=3)


class Choice(StrEnum):
    """A voter's choice (biểu quyết)."""

    FOR = "for"  # tán thành
    AGAINST = "against"  # không tán thành
    ABSTAIN = "abstain"  # không biểu quyết


class Status(StrEnum):
    """Where an assignee stands on a task."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    BLOCKED = "blocked"


OPEN_STATUSES = (Status.NOT_STARTED, Status.IN_PROGRESS, Status.BLOCKED)


@dataclass(frozen=True)
class Tally:
    """The counts of a vote, and how many could vote (official members present)."""

    for_: int
    against: int
    abstain: int
    voters: int

    @property
    def cast(self) -> int:
        return self.for_ + self.against + self.abstain

    @property
    def adopted(self) -> bool:
        """More than half of those who could vote are for it."""
        return self.for_ * 2 > self.voters


class CountError(ValueError):
    """Counts that cannot be right; the message names why."""


def parse_counts(text: str) -> tuple[int, int, int]:
    """'12 0 1' (for, against, abstain), commas or slashes too; a CountError when it is not three
    whole numbers."""
    parts = [p for p in re.split(r"[\s,;/]+", text.strip()) if p]
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() for p in parts):
        raise CountError("three_numbers")
    return int(parts[0]), int(parts[1]), int(parts[2])


def check_counts(for_: int, against: int, abstain: int, voters: int) -> Tally:
    """A show of hands as recorded: never more hands than official members present."""
    if min(for_, against, abstain) < 0:
        raise CountError("negative")
    if for_ + against + abstain > voters:
        raise CountError("too_many")
    return Tally(for_, against, abstain, voters)


def tally(choices: list[Choice], voters: int) -> Tally:
    """The counts of the ballots cast in the bot."""
    return Tally(
        choices.count(Choice.FOR), choices.count(Choice.AGAINST), choices.count(Choice.ABSTAIN), voters
    )


def parse_due(text: str, *, today: date) -> date:
    """A deadline: 'dd/mm/yyyy', or 'dd/mm' (the next such day from today). A ValueError when it is
    no date, or in the past."""
    match = re.fullmatch(r"\s*(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2}|\d{4}))?\s*", text)
    if match is None:
        raise ValueError("not_a_date")
    day, month, year = int(match[1]), int(match[2]), match[3]
    if year is None:
        # The next such day from today: 29/02 waits for the next leap year (within eight years).
        for candidate in range(today.year, today.year + 9):
            try:
                due = date(candidate, month, day)
            except ValueError:
                continue
            if due >= today:
                return due
        raise ValueError("not_a_date")
    else:
        due = _date(int(year) + (2000 if len(year) == 2 else 0), month, day)
    if due < today:
        raise ValueError("past")
    return due


def _date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError("not_a_date") from None


def follow_up_at(next_meeting: datetime) -> datetime:
    """When members with open tasks are asked for an update before the next meeting."""
    return next_meeting - FOLLOW_UP_BEFORE


def needs_update(status: Status, due: date, next_meeting_day: date) -> bool:
    """An assignee is asked for an update when their part is still open and due by the next meeting."""
    return status in OPEN_STATUSES and due <= next_meeting_day


def overdue(status: Status, due: date, today: date) -> bool:
    """Still open after its deadline."""
    return status in OPEN_STATUSES and due < today

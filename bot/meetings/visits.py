"""Household visits (Dân vận khéo "1+10"): which days a visit may have, when a household counts as
covered or overdue, and when a member may be reminded. Pure rules, no database.

A household is *covered* in a period (a calendar month, or a quarter) when it had at least one visit in
it. It is *overdue* when a whole period went by without a visit: not visited since the start of the
previous period, although its member had it for all of that period (a household assigned in the middle
of a month is not overdue the next day).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

MAX_MET = 200
MAX_NOTE = 2000
# Never remind a member of overdue households more often than this, whatever the configured rhythm.
MIN_NUDGE_GAP = timedelta(days=7)

# The topics a visit can touch, from the new-rural criteria a household visit can observe
# (QĐ 318/QĐ-TTg) and the members' duties in "Dân vận khéo" (../shared/domain.md §4).
DEFAULT_TOPICS = (
    "housing",
    "income",
    "work",
    "schooling",
    "insurance",
    "water",
    "security",
    "policy",
    "mediation",
)


class PeriodKind(StrEnum):
    """How often each household is to be visited."""

    MONTH = "month"
    QUARTER = "quarter"


@dataclass(frozen=True)
class Period:
    """A calendar month or quarter: its first and last day."""

    kind: PeriodKind
    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    @property
    def label(self) -> str:
        """'12/2026' for a month, 'Q4/2026' for a quarter."""
        if self.kind is PeriodKind.MONTH:
            return self.start.strftime("%m/%Y")
        return f"Q{(self.start.month - 1) // 3 + 1}/{self.start.year}"


def period_of(day: date, kind: PeriodKind) -> Period:
    """The month or quarter `day` falls in."""
    months = 1 if kind is PeriodKind.MONTH else 3
    first_month = (day.month - 1) // months * months + 1
    start = date(day.year, first_month, 1)
    return Period(kind, start, _add_months(start, months) - timedelta(days=1))


def previous(period: Period) -> Period:
    """The period just before."""
    return period_of(period.start - timedelta(days=1), period.kind)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def covered(visit_days: list[date] | set[date], period: Period) -> bool:
    """True when the household had at least one visit in the period."""
    return any(day in period for day in visit_days)


def overdue(*, assigned_from: date, last_visit: date | None, today: date, kind: PeriodKind) -> bool:
    """True when the member had the household for the whole previous period and nobody has visited it
    since that period began."""
    before = previous(period_of(today, kind))
    if assigned_from > before.start:
        return False
    return last_visit is None or last_visit < before.start


class DayError(ValueError):
    """Why a visit's day is refused: 'not_a_date', 'future' or 'before_assigned'."""


def parse_day(text: str, *, today: date) -> date:
    """A visit's day as typed: 'dd/mm/yyyy' or 'dd/mm' (this year). A DayError when it is no date."""
    match = re.fullmatch(r"\s*(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2}|\d{4}))?\s*", text)
    if match is None:
        raise DayError("not_a_date")
    day, month, year = int(match[1]), int(match[2]), match[3]
    full_year = today.year if year is None else int(year) + (2000 if len(year) == 2 else 0)
    try:
        return date(full_year, month, day)
    except ValueError:
        raise DayError("not_a_date") from None


def check_day(day: date, *, today: date, assigned_from: date) -> date:
    """A visit happened on a day already past (or today), while the member had the household."""
    if day > today:
        raise DayError("future")
    if day < assigned_from:
        raise DayError("before_assigned")
    return day


def check_text(text: str, limit: int) -> str:
    """A free-text answer, trimmed; a ValueError('too_long') over the limit (nothing is cut silently)."""
    text = text.strip()
    if len(text) > limit:
        raise ValueError("too_long")
    return text


def nudge_due(*, last_sent: datetime | None, now: datetime, every: timedelta) -> bool:
    """True when a member with overdue households may be reminded now: never more than once a week."""
    return last_sent is None or now - last_sent >= max(every, MIN_NUDGE_GAP)

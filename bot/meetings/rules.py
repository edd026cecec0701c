"""The meeting rules of the charter and the guides (../shared/domain.md §1–2), as pure functions.

Everything here is computed from facts handed in (times, answers, ticks, payments), never read from the
database or the clock, so the chat, the command line, the jobs and the summary all apply the same rules,
and tests can state each rule with a handful of values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum


class Kind(StrEnum):
    """What a meeting is (sinh hoạt thường kỳ, chuyên đề, both in one sitting, or bất thường)."""

    REGULAR = "regular"
    THEMATIC = "thematic"
    REGULAR_THEMATIC = "regular_thematic"
    EXTRAORDINARY = "extraordinary"

    @property
    def counts_as_regular(self) -> bool:
        """Whether it is the month's regular meeting (the one the charter count looks at)."""
        return self in (Kind.REGULAR, Kind.REGULAR_THEMATIC)


class State(StrEnum):
    """Where a meeting is in its life."""

    PLANNED = "planned"
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    NOT_RECORDED = "not_recorded"  # never opened in the bot; the cell may have met without it


class Attendance(StrEnum):
    """Each non-exempt member's one final state at a closed meeting (and exempt members, counted apart)."""

    PRESENT = "present"
    LATE = "late"
    EXCUSED = "excused"  # vắng có lý do
    UNEXCUSED = "unexcused"  # vắng không lý do
    EXEMPT = "exempt"  # miễn sinh hoạt
    UNCONFIRMED = "unconfirmed"  # closed automatically, not ticked in: counts for nothing until confirmed


class Answer(StrEnum):
    """A member's answer to the notice."""

    ATTEND = "attend"  # Có mặt
    ABSENT = "absent"  # Xin vắng (with a reason)


class Verdict(StrEnum):
    """The secretary's view of an absence reason; none yet means the reason stands."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Rules:
    """The figures provinces and cells may set differently (config [meetings])."""

    grace: timedelta = timedelta(hours=2)  # after the expected end: not recorded, or closed automatically
    late_after: timedelta = timedelta(minutes=15)  # a check-in later than this after opening is late
    minimum_minutes: int = 90  # HD 42: at least 90 minutes ...
    combined_minimum_minutes: int = 120  # ... and 120 for a regular and a thematic meeting together
    dues_grace_months: int = 1  # month M's dues are unpaid once month M + this has ended
    charter_warn: int = 2  # months in a calendar year: tell the secretary privately
    charter_flag: int = 3  # ... flag the member for the cell's consideration (xóa tên, §2)


@dataclass(frozen=True)
class Timing:
    """What the database knows of a meeting's time."""

    starts_at: datetime
    expected_end: datetime
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    cancelled: bool = False
    recorded_late: bool = False  # a not-recorded meeting the secretary recorded afterwards


def state_at(timing: Timing, now: datetime, rules: Rules) -> State:
    """The meeting's state at `now`.

    A planned meeting nobody opened becomes *not recorded* at its expected end plus the grace period;
    an open meeting nobody closed counts as closed from then on (see `closes_automatically_at`).
    """
    if timing.cancelled:
        return State.CANCELLED
    if timing.closed_at is not None or timing.recorded_late:
        return State.CLOSED
    deadline = timing.expected_end + rules.grace
    if timing.opened_at is not None:
        return State.CLOSED if now >= deadline else State.OPEN
    return State.NOT_RECORDED if now >= deadline else State.PLANNED


def closes_automatically_at(timing: Timing, rules: Rules) -> datetime | None:
    """When an open meeting nobody closes is closed for them (None unless it is open)."""
    if timing.opened_at is None or timing.closed_at is not None or timing.cancelled:
        return None
    return timing.expected_end + rules.grace


def minimum_minutes(kind: Kind, rules: Rules) -> int:
    """The shortest a meeting of this kind should last."""
    return rules.combined_minimum_minutes if kind is Kind.REGULAR_THEMATIC else rules.minimum_minutes


def closes_early(kind: Kind, opened_at: datetime, closed_at: datetime, rules: Rules) -> bool:
    """Whether closing now is shorter than the minimum (the secretary confirms, and it is noted)."""
    return closed_at - opened_at < timedelta(minutes=minimum_minutes(kind, rules))


@dataclass(frozen=True)
class MemberFacts:
    """What is known of one member at one meeting."""

    exempt: bool = False
    answer: Answer | None = None
    reason: str | None = None
    verdict: Verdict | None = None
    checked_in_at: datetime | None = None  # by the member, or ticked in by the secretary


def final_attendance(
    facts: MemberFacts,
    *,
    opened_at: datetime | None,
    rules: Rules,
    closed_automatically: bool = False,
    roll_call_confirmed: bool = True,
) -> Attendance:
    """The one state a member ends in when the meeting closes.

    Ticked in: present, or late when later than `late_after` after opening. Not ticked in: when the
    meeting closed by itself and the secretary has not confirmed the roll call, unconfirmed; otherwise
    absent with reason if they asked to be excused with a reason the secretary did not reject, else
    absent without reason (no answer, "Có mặt" and never came, or a rejected reason).
    """
    if facts.exempt:
        return Attendance.EXEMPT
    if facts.checked_in_at is not None:
        if opened_at is not None and facts.checked_in_at > opened_at + rules.late_after:
            return Attendance.LATE
        return Attendance.PRESENT
    if closed_automatically and not roll_call_confirmed:
        return Attendance.UNCONFIRMED
    if (
        facts.answer is Answer.ABSENT
        and (facts.reason or "").strip()
        and facts.verdict is not Verdict.REJECTED
    ):
        return Attendance.EXCUSED
    return Attendance.UNEXCUSED


# ---------------------------------------------------------------------------- the charter count (§2)


def month_of(day: date) -> date:
    """The first day of the day's month: how a reporting month (kỳ sinh hoạt tháng M/YYYY) is kept."""
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    """The first day of the month `count` months after `month`'s."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class RegularMeetingOutcome:
    """A member's result at one regular meeting, for the charter count."""

    month: date  # the reporting month it counts for (a meeting moved for Tết keeps its month)
    attendance: Attendance
    primary: bool = True  # False for a residence tie ("đảng viên 213"): those never count
    state: State = State.CLOSED


@dataclass(frozen=True)
class DuesMonth:
    """A month in which the member owed dues, and when they were paid (ticked or confirmed)."""

    month: date
    paid_on: date | None = None


@dataclass(frozen=True)
class CharterCount:
    """The months of one calendar year that count towards removal, and why."""

    year: int
    absent_months: frozenset[date]
    unpaid_months: frozenset[date]

    @property
    def months(self) -> tuple[date, ...]:
        """Each month once, even when both absent and unpaid."""
        return tuple(sorted(self.absent_months | self.unpaid_months))

    def level(self, rules: Rules) -> str | None:
        """None, "warn" (tell the secretary privately) or "flag" (for the cell's consideration)."""
        count = len(self.months)
        if count >= rules.charter_flag:
            return "flag"
        if count >= rules.charter_warn:
            return "warn"
        return None


def dues_unpaid(dues: DuesMonth, today: date, rules: Rules) -> bool:
    """Month M's dues count as unpaid once month M + grace has ended without a payment in time."""
    deadline = add_months(month_of(dues.month), rules.dues_grace_months + 1)  # first day after the grace
    if dues.paid_on is not None and dues.paid_on < deadline:
        return False
    return today >= deadline


def charter_count(
    *,
    year: int,
    meetings: Iterable[RegularMeetingOutcome],
    dues: Iterable[DuesMonth],
    exempt_months: Iterable[date],
    today: date,
    rules: Rules,
) -> CharterCount:
    """Count, for one person and calendar year, the months with an unexcused absence from the regular
    meeting of their primary membership or unpaid dues.

    Gathered across all the person's memberships (the count follows them when they move). Months they
    were exempt are left out; a meeting that was not recorded (or was cancelled) says nothing about
    attendance, but does not excuse that month's dues; unconfirmed entries count for nothing.
    """
    exempt = {month_of(m) for m in exempt_months}
    absent = frozenset(
        month_of(m.month)
        for m in meetings
        if m.primary
        and m.state is State.CLOSED
        and m.attendance is Attendance.UNEXCUSED
        and m.month.year == year
        and month_of(m.month) not in exempt
    )
    unpaid = frozenset(
        month_of(d.month)
        for d in dues
        if d.month.year == year and month_of(d.month) not in exempt and dues_unpaid(d, today, rules)
    )
    return CharterCount(year=year, absent_months=absent, unpaid_months=unpaid)

"""What a meeting's summary holds, compiled from the database (services/summary.py) and shown three
ways: as text on a phone, as the draft minutes (DOCX) and as a workbook (XLSX), with a chart
(services/summary_files.py).

Plain data, no database and no language: names as written, kinds and statuses as enums, reasons as
stored (bot.services.attendance.reason_text shows them), days and times already in the cell's zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.meetings.contributions import Kind as SaidKind
from bot.meetings.contributions import Share
from bot.meetings.resolution import Status
from bot.meetings.schedule import Rule
from bot.services.rollcall import RollCall


@dataclass(frozen=True)
class Said:
    """One contribution as the minutes list it."""

    name: str
    kind: SaidKind
    text: str
    media: str | None = None  # "voice" / "photo": a file in the messenger, not in the minutes
    seconds: int | None = None
    written: bool = False  # a written view from an excused member


@dataclass(frozen=True)
class VoteLine:
    """A vote's counts; `item` None is the vote on the whole resolution."""

    item: int | None
    for_count: int
    against: int
    abstain: int
    voters: int
    adopted: bool
    by_hands: bool


@dataclass
class Item:
    """One agenda item: what was said on it, the chair's conclusion, its votes."""

    position: int
    title: str
    said: list[Said] = field(default_factory=list)
    conclusion: str | None = None


@dataclass(frozen=True)
class TaskPart:
    """A task with each assignee's name, status and note."""

    title: str
    due: date
    people: tuple[tuple[str, Status, str | None], ...]


@dataclass(frozen=True)
class VisitLine:
    """A visit since the last meeting (full summary only)."""

    day: date
    member: str
    head: str
    address: str
    topics: tuple[str, ...]


@dataclass(frozen=True)
class RequestLine:
    """A residents' request written on a visit (full summary only)."""

    day: date
    member: str
    head: str
    text: str


@dataclass(frozen=True)
class FollowUpLine:
    """An open follow-up (full summary only)."""

    due: date
    member: str
    head: str
    text: str


@dataclass(frozen=True)
class MemberCoverageLine:
    """One member's households this period."""

    name: str
    households: int
    covered: int
    overdue: int


@dataclass
class VisitsPart:
    """Household visits since the last meeting. Names of households, addresses and requests only when
    `full` (secretary, deputy); a committee member sees the counts."""

    since: date
    until: date
    period: str  # the current period's label, e.g. 12/2026 or Q4/2026
    count: int = 0
    households: int = 0
    covered: int = 0
    overdue: int = 0
    coverage: list[MemberCoverageLine] = field(default_factory=list)
    full: bool = True
    visits: list[VisitLine] = field(default_factory=list)
    requests: list[RequestLine] = field(default_factory=list)
    follow_ups: list[FollowUpLine] = field(default_factory=list)
    open_follow_ups: int = 0

    @property
    def percent(self) -> int:
        """Households visited this period, in percent of those assigned."""
        return round(100 * self.covered / self.households) if self.households else 0


@dataclass(frozen=True)
class ScheduleChange:
    """A change of the cell's meeting schedule, or of this meeting, since the last meeting."""

    day: date
    who: str
    what: str  # "schedule.set", "schedule.inherit", "meeting.edit"
    rule: Rule | None = None  # schedule.set: the new rule
    when: str | None = None  # meeting.edit: the new time, when it changed
    place: str | None = None  # meeting.edit: the new place, when it changed
    agenda: bool = False  # meeting.edit: the agenda changed


@dataclass(frozen=True)
class HistoryPoint:
    """One held meeting for the chart: its month, attendance and participation in percent."""

    label: str  # MM/YYYY
    attendance: int
    participation: int | None  # None: recorded afterwards, so nobody knows who spoke


@dataclass(frozen=True)
class CharterLine:
    """A member at the charter's warning (2 months) or flag (3): name, level, the months."""

    name: str
    level: str  # "warn" / "flag"
    months: str


@dataclass
class Summary:
    """Everything the secretary gets after a meeting."""

    meeting_id: int
    unit: str
    cell: str
    place: str
    chair: str
    minute_taker: str
    day: date  # the meeting's day in the cell's zone
    roll: RollCall
    # The chair's office in the cell that day (an OfficerRole value, "" for none): the minutes' signature.
    chair_office: str = "secretary"
    agenda: list[Item] = field(default_factory=list)
    unplaced: list[Said] = field(default_factory=list)  # contributions on no item
    written: list[Said] = field(default_factory=list)  # written views from absent members
    spoke: int = 0
    present: int = 0
    quiet: list[tuple[str, int]] = field(default_factory=list)  # (name, meetings without a word)
    votes: list[VoteLine] = field(default_factory=list)
    tasks: list[TaskPart] = field(default_factory=list)  # given at this meeting
    last_tasks: list[TaskPart] = field(default_factory=list)  # from the last meeting, as they stand
    visits: VisitsPart | None = None
    schedule_changes: list[ScheduleChange] = field(default_factory=list)
    charter: list[CharterLine] = field(default_factory=list)
    history: list[HistoryPoint] = field(default_factory=list)  # oldest first, at most 12
    full: bool = True  # False: a committee member's copy (no households' names, addresses, requests)

    @property
    def participation(self) -> int:
        """Members present who spoke, in percent."""
        return Share(self.spoke, self.present).percent

    @property
    def contributions(self) -> int:
        """Contributions standing, written views included."""
        return sum(len(item.said) for item in self.agenda) + len(self.unplaced) + len(self.written)

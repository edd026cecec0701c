"""The roll-call report the minutes open with (domain.md §1.3, §2 "Minutes"): members official and
probationary, exempt, present (and late), absent with each name and reason, and unpaid dues."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import N_
from bot.meetings.rules import Attendance as Final
from bot.meetings.rules import Kind, Rules, State, final_attendance
from bot.names import sort_key
from bot.services import attendance, charter, dues, meetings
from bot.services.announcements import UNREACHABLE_REASON_TEXT
from storage.models import Cell, Meeting

# Each member's one final state, in words (a member's /me, the workbook's attendance sheet).
FINAL_NAMES = {
    Final.PRESENT: N_("present"),
    Final.LATE: N_("late"),
    Final.EXCUSED: N_("absent with reason"),
    Final.UNEXCUSED: N_("absent without reason"),
    Final.EXEMPT: N_("exempt"),
    Final.UNCONFIRMED: N_("not yet confirmed"),
}


@dataclass
class RollCall:
    """What the minutes say about who was there: names only where the minutes name people."""

    cell: str
    kind: Kind
    when: str
    month: date
    state: State
    official: int = 0
    probationary: int = 0
    exempt: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    late: list[tuple[str, str]] = field(default_factory=list)  # (name, time checked in)
    excused: list[tuple[str, str]] = field(default_factory=list)  # (name, reason as stored)
    unexcused: list[str] = field(default_factory=list)
    unconfirmed: list[str] = field(default_factory=list)
    coming: list[str] = field(default_factory=list)  # before the close: said they will come, not in yet
    no_answer: list[str] = field(default_factory=list)  # before the close: no answer yet
    residence_present: list[str] = field(default_factory=list)  # đảng viên 213 who came
    unpaid: list[str] = field(default_factory=list)
    unreachable: list[tuple[str, str]] = field(default_factory=list)  # (name, reason): the notice failed
    # Members at the charter's flag this year (removal rule, domain.md §2), with their months.
    flagged: list[tuple[str, str]] = field(default_factory=list)
    # Members at the charter's private warning (2 months), told to the secretary alone.
    warned: list[tuple[str, str]] = field(default_factory=list)
    flag_at: int = 3
    opened: str | None = None
    closed: str | None = None
    minutes: int | None = None
    closed_early: bool = False
    recorded_late: bool = False
    auto_closed: str | None = None  # when the bot closed it, nobody having done so

    @property
    def total(self) -> int:
        """Members of the cell (primary ties), exempt ones included."""
        return self.official + self.probationary

    @property
    def attended(self) -> int:
        """Present, late ones included."""
        return len(self.present) + len(self.late)


async def build(
    *, session: AsyncSession, meeting: Meeting, now: datetime, rules: Rules, tz: tzinfo, today: date
) -> RollCall:
    """The roll call of a meeting: final once closed, else as it stands (answers so far)."""
    assert meeting.id is not None
    cell = await session.get(Cell, meeting.cell_id)
    assert cell is not None
    current = meetings.state(meeting, now, rules)
    rows = await meetings.roster(session, meeting.id)
    names = await meetings.names_of(session, [r.person_id for r in rows])
    report = RollCall(
        cell=cell.name,
        kind=Kind(meeting.kind),
        when=meetings.local(meeting.starts_at, tz),
        month=meeting.month,
        state=current,
    )
    for row in sorted(rows, key=lambda r: sort_key(names.get(r.person_id, ""))):
        name = names.get(row.person_id, "?")
        final = (
            Final(row.final)
            if row.final
            else final_attendance(
                attendance.facts(row),
                opened_at=meeting.opened_at,
                rules=rules,
                closed_automatically=meeting.closed_automatically,
                roll_call_confirmed=meeting.roll_call_confirmed,
            )
        )
        if not row.primary_tie:
            if final in (Final.PRESENT, Final.LATE):
                report.residence_present.append(name)
            continue
        if row.status == "probationary":
            report.probationary += 1
        else:
            report.official += 1
        if final is Final.EXEMPT:
            report.exempt.append(name)
        elif final is Final.PRESENT:
            report.present.append(name)
        elif final is Final.LATE:
            assert row.checked_in_at is not None
            report.late.append((name, row.checked_in_at.astimezone(tz).strftime("%H:%M")))
        elif final is Final.EXCUSED:
            report.excused.append((name, row.reason or ""))
        elif current is not State.CLOSED and row.answer != "absent":
            # Not final (planned, open, never opened, cancelled): nobody is absent, only answered or not.
            (report.coming if row.answer == "attend" else report.no_answer).append(name)
        elif final is Final.UNCONFIRMED:
            report.unconfirmed.append(name)
        else:
            report.unexcused.append(name)
    report.unpaid = [
        p.full_name for p in await dues.unpaid(session=session, cell=cell, month=meeting.month, day=today)
    ]
    concerned = [row.person_id for row in rows if row.primary_tie and not row.exempt]
    counts = await charter.counts(
        session=session, person_ids=concerned, year=today.year, today=today, rules=rules
    )
    for person_id in concerned:
        level = counts[person_id].level(rules)
        if level is not None:
            months = ", ".join(m.strftime("%m/%Y") for m in counts[person_id].months)
            (report.flagged if level == "flag" else report.warned).append((names.get(person_id, "?"), months))
    report.flagged.sort(key=lambda item: sort_key(item[0]))
    report.warned.sort(key=lambda item: sort_key(item[0]))
    report.flag_at = rules.charter_flag
    report.unreachable = sorted(
        (
            (names.get(row.person_id or 0, "?"), row.reason or "?")
            for row in await meetings.notice_failures(session, meeting.id)
        ),
        key=lambda item: sort_key(item[0]),
    )
    if meeting.opened_at is not None:
        report.opened = meeting.opened_at.astimezone(tz).strftime("%H:%M")
    if meeting.closed_automatically and meeting.closed_at is not None:
        # Closed by the job at the deadline: when the meeting really ended nobody knows.
        report.auto_closed = meeting.closed_at.astimezone(tz).strftime("%H:%M")
    elif meeting.closed_at is not None and meeting.opened_at is not None:
        report.closed = meeting.closed_at.astimezone(tz).strftime("%H:%M")
        report.minutes = int((meeting.closed_at - meeting.opened_at).total_seconds() // 60)
    report.closed_early, report.recorded_late = meeting.closed_early, meeting.recorded_late
    return report


def render(
    report: RollCall, gettext: Callable[[str], str], *, final: bool | None = None, unreachable: bool = False
) -> str:
    """The roll call as plain text in the reader's language, names in the order of the list.
    `unreachable`: name whom the notice could not reach even once final (the summary, not the minutes)."""
    final = report.state is State.CLOSED if final is None else final

    def _(msgid: str, **params: object) -> str:
        text = gettext(msgid)
        return text % {k: str(v) for k, v in params.items()} if params else text

    def names(items: list[str]) -> str:
        return " — " + ", ".join(items) if items else ""

    lines = [
        _(
            N_("Roll call: %(kind)s of %(cell)s, %(when)s (month %(month)s)")
            if final
            else N_("Roll call so far: %(kind)s of %(cell)s, %(when)s (month %(month)s)"),
            kind=gettext(meetings.KIND_NAMES[report.kind]),
            cell=report.cell,
            when=report.when,
            month=report.month.strftime("%m/%Y"),
        ),
        _(
            N_("Members: %(total)s (official %(official)s, probationary %(probationary)s)"),
            total=report.total,
            official=report.official,
            probationary=report.probationary,
        ),
        _(N_("Exempt from meetings: %(count)s"), count=len(report.exempt)) + names(report.exempt),
        _(
            N_("Present: %(count)s of %(expected)s"),
            count=report.attended,
            expected=report.total - len(report.exempt),
        )
        + names(sorted(report.present + [name for name, _ in report.late], key=sort_key)),
    ]
    if report.late:
        lines.append(
            _(N_("Late: %(count)s"), count=len(report.late)) + names([f"{n} ({t})" for n, t in report.late])
        )
    if not final:  # before the close: who said they will come (and is not in yet)
        lines.append(
            _(N_("Said they will attend: %(count)s"), count=len(report.coming)) + names(report.coming)
        )
    reasons = [f"{name} ({attendance.reason_text(reason, gettext)})" for name, reason in report.excused]
    lines.append(_(N_("Absent with reason: %(count)s"), count=len(reasons)) + names(reasons))
    if final or report.unexcused:  # before the close, only a rejected reason would put anyone here
        lines.append(
            _(N_("Absent without reason: %(count)s"), count=len(report.unexcused)) + names(report.unexcused)
        )
    if not final:
        lines.append(_(N_("No answer yet: %(count)s"), count=len(report.no_answer)) + names(report.no_answer))
    if report.unconfirmed:
        lines.append(
            _(N_("Unconfirmed (roll call not yet confirmed): %(count)s"), count=len(report.unconfirmed))
            + names(report.unconfirmed)
        )
    if report.residence_present:
        lines.append(
            _(
                N_("Members working elsewhere (QĐ 213) present: %(count)s"),
                count=len(report.residence_present),
            )
            + names(report.residence_present)
        )
    lines.append(
        _(
            N_("Party dues not paid for %(month)s: %(count)s"),
            month=report.month.strftime("%m/%Y"),
            count=len(report.unpaid),
        )
        + names(report.unpaid)
    )
    if report.flagged:
        flagged = [f"{name} ({months})" for name, months in report.flagged]
        lines.append(
            _(
                N_(
                    "For the cell's consideration under the charter (%(months)s months or more this year): "
                    "%(count)s"
                ),
                months=report.flag_at,
                count=len(flagged),
            )
            + names(flagged)
        )
    if report.unreachable and (unreachable or not final):  # for the secretary; not for the minutes
        reached = [
            f"{name} ({gettext(UNREACHABLE_REASON_TEXT.get(reason, reason))})"
            for name, reason in report.unreachable
        ]
        lines.append(_(N_("The notice could not reach: %(count)s"), count=len(reached)) + names(reached))
    if report.minutes is not None:
        lines.append(
            _(
                N_("Opened %(opened)s, closed %(closed)s: %(minutes)s minutes."),
                opened=report.opened,
                closed=report.closed,
                minutes=report.minutes,
            )
        )
    if report.auto_closed:
        lines.append(
            _(
                N_("Nobody closed it: the bot closed it at %(closed)s, when it was due."),
                closed=report.auto_closed,
            )
        )
    if report.closed_early:
        lines.append(_(N_("Closed before the minimum duration (confirmed by the secretary).")))
    if report.recorded_late:
        lines.append(_(N_("Recorded afterwards: the meeting was held without the bot.")))
    return "\n".join(lines)

"""The secretary's summary of a meeting: compiled from the database, shown as short sections on a phone,
and sent with the draft minutes (DOCX), a workbook (XLSX) and a chart (PNG) through the outbox.

What it holds is summary_model; the files are summary_files (both beside this module). The secretary,
deputy and chair get the full summary (the charter's warnings only in the secretary's copy); a
committee member gets it without households' names, addresses or residents' requests: visit counts and
coverage only.
"""

from __future__ import annotations

import asyncio
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, tzinfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import markup
from bot.config import Config
from bot.domain import Document
from bot.errors import UserError
from bot.i18n import N_, pick_language, translator
from bot.meetings import schedule as schedule_rules
from bot.meetings.contributions import SILENT_MEETINGS, Share
from bot.meetings.contributions import Kind as SaidKind
from bot.meetings.resolution import Status
from bot.meetings.rules import Rules
from bot.meetings.visits import PeriodKind, period_of
from bot.names import sort_key
from bot.services import (
    contributions,
    dues,
    meetings,
    resolution,
    rollcall,
    schedules,
    summary_files,  # its libraries are imported only when a file is made
    visits,
)
from bot.services.delivery import Recipient, queue, recipients_of
from bot.services.summary_model import (
    CharterLine,
    FollowUpLine,
    HistoryPoint,
    Item,
    MemberCoverageLine,
    RequestLine,
    Said,
    ScheduleChange,
    Summary,
    TaskPart,
    VisitLine,
    VisitsPart,
    VoteLine,
)
from storage import repo
from storage.models import (
    AgendaItem,
    Attendance,
    AuditLog,
    Cell,
    Contribution,
    Household,
    Meeting,
    Unit,
    Visit,
)
from storage.vocabulary import OfficerRole

PURPOSE = "summary"
HISTORY = 12  # meetings on the chart
CHART_FROM = 3  # a chart of fewer meetings says nothing
SCHEDULE_ACTIONS = ("schedule.set", "schedule.inherit")
HEADING = N_("Summary of the meeting")
NO_FILES = N_(
    "The draft minutes (DOCX) and the workbook (XLSX) cannot be sent on this messenger: send /summary in "
    "Telegram to get them, or ask the organisation office."
)


# ------------------------------------------------------------------------------------------- compile


async def compile_summary(
    *,
    session: AsyncSession,
    meeting: Meeting,
    now: datetime,
    rules: Rules,
    tz: tzinfo,
    today: date,
    visit_period: PeriodKind,
    full: bool = True,
) -> Summary:
    """Everything the secretary gets after a meeting, read from the database as it stands."""
    assert meeting.id is not None
    cell = await session.get(Cell, meeting.cell_id)
    assert cell is not None
    unit = await session.get(Unit, cell.unit_id)
    day = meeting.starts_at.astimezone(tz).date()
    # The charter's count and the dues as they stood when the meeting ended: a summary asked in January
    # of December's meeting still names December's warnings.
    ended = (meeting.closed_at or meeting.expected_end).astimezone(tz).date()
    roll = await rollcall.build(
        session=session, meeting=meeting, now=now, rules=rules, tz=tz, today=min(today, ended)
    )
    people = await meetings.names_of(
        session, [p for p in (meeting.chair_person_id, meeting.minute_taker_person_id) if p]
    )
    summary = Summary(
        meeting_id=meeting.id,
        unit=unit.name if unit else "",
        cell=cell.name,
        place=meeting.place,
        chair=people.get(meeting.chair_person_id or 0, ""),
        minute_taker=people.get(meeting.minute_taker_person_id or 0, ""),
        day=day,
        roll=roll,
        chair_office=await _office(session, meeting.chair_person_id, meeting.cell_id, day),
        full=full,
    )
    # Read once, used by the discussion, the votes, the last tasks and the visits' period.
    items = await meetings.agenda_items(session, meeting.id)
    previous = await resolution.previous_meeting(session, meeting)
    await _contributions(session, meeting, summary, items)
    await _resolution(session, meeting, summary, items, previous)
    since = (
        previous.starts_at.astimezone(tz).date() + timedelta(days=1) if previous else day - timedelta(days=31)
    )
    summary.visits = await _visits(session, cell, since=since, until=max(day, since), kind=visit_period)
    summary.schedule_changes = await _schedule_changes(
        session, meeting, cell, since=previous.starts_at if previous else meeting.created_at, tz=tz
    )
    summary.charter = [CharterLine(n, "flag", m) for n, m in roll.flagged] + [
        CharterLine(n, "warn", m) for n, m in roll.warned
    ]
    summary.history = await history(session, meeting)
    return summary if full else committee_copy(summary)


def committee_copy(summary: Summary) -> Summary:
    """The same summary without households' names, addresses or residents' requests (counts stay)."""
    part = summary.visits
    counts_only = None if part is None else replace(part, full=False, visits=[], requests=[], follow_ups=[])
    return replace(summary, full=False, visits=counts_only)


async def _contributions(
    session: AsyncSession, meeting: Meeting, summary: Summary, items: Sequence[AgendaItem]
) -> None:
    """Contributions by agenda item (names and kinds), written views apart, and who spoke."""
    assert meeting.id is not None
    summary.agenda = [Item(i.position, i.title, conclusion=i.conclusion) for i in items]
    by_id = {i.id: part for i, part in zip(items, summary.agenda, strict=True)}
    roster = await meetings.roster(session, meeting.id)
    taken = await contributions.participation(session, meeting, roster)
    names = await meetings.names_of(session, sorted({c.person_id for c in taken.taken} | set(taken.quiet)))
    for c in taken.taken:
        said = _said(c, names.get(c.person_id, "?"))
        if c.written:
            summary.written.append(said)
        elif c.agenda_item_id in by_id:
            by_id[c.agenda_item_id].said.append(said)
        else:
            summary.unplaced.append(said)
    summary.spoke, summary.present = taken.share.spoke, taken.share.present
    summary.quiet = sorted(
        ((names.get(p, "?"), taken.streaks[p]) for p in taken.quiet), key=lambda q: sort_key(q[0])
    )


def _said(c: Contribution, name: str) -> Said:
    return Said(
        name=name,
        kind=SaidKind(c.kind),
        text=c.body,
        media=c.media_kind,
        seconds=c.duration_seconds,
        written=c.written,
    )


async def _resolution(
    session: AsyncSession,
    meeting: Meeting,
    summary: Summary,
    items: Sequence[AgendaItem],
    previous: Meeting | None,
) -> None:
    """Votes, the tasks given at this meeting, and how the last meeting's tasks stand."""
    assert meeting.id is not None
    positions = {i.id: i.position for i in items}
    for vote in await resolution.votes_of(session, meeting.id):
        counted = await resolution.result(session, vote)
        summary.votes.append(
            VoteLine(
                item=positions.get(vote.agenda_item_id) if vote.agenda_item_id else None,
                for_count=counted.for_,
                against=counted.against,
                abstain=counted.abstain,
                voters=counted.voters,
                adopted=counted.adopted,
                by_hands=vote.by_hands,
            )
        )
    given = await resolution.tasks_of_cell(session, meeting.cell_id, meeting_id=meeting.id)
    summary.tasks = [_task(line) for line in await resolution.lines(session, given)]
    if previous is not None:
        earlier = await resolution.tasks_of_cell(session, meeting.cell_id, meeting_id=previous.id)
        summary.last_tasks = [_task(line) for line in await resolution.lines(session, earlier)]


def _task(line: resolution.TaskLine) -> TaskPart:
    return TaskPart(line.task.title, line.task.due, tuple(line.people))


async def _visits(
    session: AsyncSession, cell: Cell, *, since: date, until: date, kind: PeriodKind
) -> VisitsPart:
    """Visits since the last meeting, the coverage this period, requests and open follow-ups."""
    assert cell.id is not None
    coverage = await visits.coverage_of(session, cell.id, day=until, kind=kind)
    part = VisitsPart(since=since, until=until, period=period_of(until, kind).label)
    part.households, part.covered, part.overdue = coverage.households, coverage.covered, coverage.overdue
    part.coverage = [MemberCoverageLine(c.name, c.households, c.covered, c.overdue) for c in coverage.members]
    done = list(
        (
            await session.exec(
                select(Visit, Household)
                .join(Household, col(Household.id) == col(Visit.household_id))
                .where(Visit.cell_id == cell.id, Visit.visited_on >= since, Visit.visited_on <= until)
                .order_by(col(Visit.visited_on), col(Visit.id))
            )
        ).all()
    )
    part.count = len(done)
    # Follow-ups open now from visits up to this meeting (a later visit's belong to a later summary).
    open_ones = [f for f in await visits.follow_ups(session, cell.id) if f.visit.visited_on <= until]
    part.open_follow_ups = len(open_ones)
    writers = await meetings.names_of(session, sorted({v.person_id for v, _ in done}))
    part.visits = [
        VisitLine(v.visited_on, writers.get(v.person_id, "?"), h.head_name, h.address, tuple(v.topics))
        for v, h in done
    ]
    part.requests = [  # as visits.requests reads them, from the visits already at hand
        RequestLine(v.visited_on, writers.get(v.person_id, "?"), h.head_name, v.request)
        for v, h in done
        if v.request is not None
    ]
    part.follow_ups = [
        FollowUpLine(f.visit.follow_up_due or until, f.visitor, f.household.head_name, f.visit.request or "")
        for f in open_ones
    ]
    return part


async def _schedule_changes(
    session: AsyncSession, meeting: Meeting, cell: Cell, *, since: datetime, tz: tzinfo
) -> list[ScheduleChange]:
    """Changes to the cell's schedule, and to this meeting's time, place or agenda, since the last
    meeting and up to this one's close (a summary asked later does not take in what came after)."""
    until = meeting.closed_at or meeting.expected_end
    query = (
        select(AuditLog)
        .where(
            col(AuditLog.at) >= since,
            col(AuditLog.at) <= until,
            (col(AuditLog.action).in_(SCHEDULE_ACTIONS) & (AuditLog.subject == f"schedule:cell:{cell.id}"))
            | (
                (AuditLog.action == "meeting.edit")
                & (AuditLog.subject == meetings.subject_of(meeting.id or 0))
            ),
        )
        .order_by(col(AuditLog.at), col(AuditLog.id))
    )
    found = list((await session.exec(query)).all())
    names = await meetings.names_of(session, sorted({a.actor_person_id for a in found if a.actor_person_id}))
    changes = []
    for a in found:
        before, after = a.before or {}, a.after or {}
        moved = after.get("starts_at") if after.get("starts_at") != before.get("starts_at") else None
        changes.append(
            ScheduleChange(
                day=a.at.astimezone(tz).date(),
                who=names.get(a.actor_person_id or 0, a.actor),
                what=a.action,
                rule=schedules.from_record(after) if a.action == "schedule.set" else None,
                when=meetings.local(datetime.fromisoformat(moved), tz) if moved else None,
                place=after.get("place") if after.get("place") != before.get("place") else None,
                agenda=after.get("agenda") != before.get("agenda"),
            )
        )
    return changes


async def _office(session: AsyncSession, person_id: int | None, cell_id: int, day: date) -> str:
    """The highest office the person held over the cell on the day ("" for none). No chair recorded:
    the minutes are the secretary's to sign, as on paper."""
    if person_id is None:
        return OfficerRole.SECRETARY
    held = {
        r.role
        for r in await repo.active_roles(session=session, person_id=person_id, day=day)
        if r.cell_id == cell_id
    }
    return next((role for role in (OfficerRole.SECRETARY, OfficerRole.DEPUTY) if role in held), "")


async def history(session: AsyncSession, meeting: Meeting) -> list[HistoryPoint]:
    """Attendance and participation of the cell's last held meetings up to this one, oldest first."""
    held = list(
        (
            await session.exec(
                select(Meeting)
                .where(
                    Meeting.cell_id == meeting.cell_id,
                    col(Meeting.starts_at) <= meeting.starts_at,
                    col(Meeting.opened_at).is_not(None),
                    col(Meeting.cancelled_at).is_(None),
                )
                .order_by(col(Meeting.starts_at).desc())
                .limit(HISTORY)
            )
        ).all()
    )
    ids = [m.id for m in held]
    # Columns, not rows: twelve meetings' rosters are a few hundred rows the chart only counts.
    roster_rows = (
        await session.exec(
            select(
                col(Attendance.meeting_id),
                col(Attendance.person_id),
                col(Attendance.checked_in_at),
                col(Attendance.final),
            ).where(
                col(Attendance.meeting_id).in_(ids),
                col(Attendance.primary_tie).is_(True),
                col(Attendance.exempt).is_(False),
            )
        )
    ).all()
    spoke = set(
        (
            await session.exec(
                select(Contribution.meeting_id, Contribution.person_id).where(
                    col(Contribution.meeting_id).in_(ids),
                    col(Contribution.withdrawn_at).is_(None),
                    col(Contribution.written).is_(False),
                )
            )
        ).all()
    )
    roster: dict[int, int] = defaultdict(int)  # members expected, by meeting
    present: dict[int, list[int]] = defaultdict(list)
    for meeting_id, person_id, checked_in_at, final in roster_rows:
        roster[meeting_id] += 1
        if meetings.came(checked_in_at, final):
            present[meeting_id].append(person_id)
    points = []
    for m in reversed(held):
        assert m.id is not None
        came = present[m.id]
        points.append(
            HistoryPoint(
                label=m.month.strftime("%m/%Y"),
                attendance=Share(len(came), roster[m.id]).percent,
                participation=Share(sum((m.id, p) in spoke for p in came), len(came)).percent
                if m.contributions_taken and not m.recorded_late
                else None,
            )
        )
    return points


# -------------------------------------------------------------------------------------------- render


def render(summary: Summary, gettext: Callable[[str], str], *, private: bool = False) -> str:
    """The summary in the core's markup: short sections, each under a bold heading, names in full.
    `private`: the secretary's own copy, with the charter's warnings (told to the secretary alone)."""

    def _(msgid: str, **params: object) -> str:
        text = gettext(msgid)
        return text % {k: str(v) for k, v in params.items()} if params else text

    sections = [
        _heading(_(HEADING)) + "\n" + markup.escape(rollcall.render(summary.roll, gettext, unreachable=True)),
        _discussion(summary, _),
        _decisions(summary, _),
        _visits_section(summary, _),
        _changes(summary, _),
        _charter(summary, _) if private else "",
    ]
    return "\n\n".join(section for section in sections if section)


def _heading(text: str) -> str:
    return f"*{markup.escape(text)}*"


def _said_line(said: Said, _: Callable[..., str]) -> str:
    kind = f" ({_(contributions.KIND_NAMES[said.kind])})" if said.kind != SaidKind.COMMENT else ""
    return "• " + markup.escape(f"{said.name}{kind}: {summary_files.content(said, _)}")


def _discussion(summary: Summary, _: Callable[..., str]) -> str:
    lines = [
        _heading(_(N_("Discussion"))),
        markup.escape(
            _(
                N_(
                    "Spoke: %(spoke)s of %(present)s members present (%(percent)s%%). "
                    "Written views: %(written)s."
                ),
                spoke=summary.spoke,
                present=summary.present,
                percent=summary.participation,
                written=len(summary.written),
            )
        ),
    ]
    for item in summary.agenda:
        lines.append(markup.escape(f"{item.position}. {item.title}"))
        lines.extend(_said_line(s, _) for s in item.said)
        if not item.said and summary.contributions:  # none at all is said once, below
            lines.append(markup.escape(_(N_("(no contributions)"))))
        if item.conclusion:
            lines.append(markup.escape(_(N_("Conclusion: %(text)s"), text=item.conclusion)))
    if summary.unplaced:
        lines.append(markup.escape(_(N_("Not on an agenda item:"))))
        lines.extend(_said_line(s, _) for s in summary.unplaced)
    if summary.written:
        lines.append(markup.escape(_(N_("Written views from absent members:"))))
        lines.extend(_said_line(s, _) for s in summary.written)
    if not summary.contributions and not any(i.conclusion for i in summary.agenda):
        lines.append(markup.escape(_(N_("No contributions were recorded in the bot for this meeting."))))
    if summary.quiet:
        quiet = ", ".join(f"{n} ({c})" for n, c in summary.quiet)
        lines.append(
            markup.escape(
                _(
                    N_(
                        "Not heard from in the last %(count)s meetings they attended (how many in brackets): "
                        "%(names)s."
                    ),
                    count=SILENT_MEETINGS,
                    names=quiet,
                )
            )
        )
    return "\n".join(lines)


def _task_lines(tasks: Sequence[TaskPart], _: Callable[..., str]) -> list[str]:
    lines = []
    for task in tasks:
        lines.append("• " + markup.escape(f"{task.title} ({task.due:%d/%m/%Y})"))
        for name, status, note in task.people:
            lines.append(
                markup.escape(
                    f"    {name}: {_(resolution.STATUS_NAMES[Status(status)])}"
                    + (f" — {note}" if note else "")
                )
            )
    return lines


def _decisions(summary: Summary, _: Callable[..., str]) -> str:
    lines = [_heading(_(N_("Votes and tasks")))]
    for vote in summary.votes:
        subject = _(N_("item %(number)s"), number=vote.item) if vote.item is not None else _(resolution.WHOLE)
        lines.append(
            "• "
            + markup.escape(
                _(
                    N_(
                        "Vote on %(subject)s: %(for)s for, %(against)s against, %(abstain)s abstaining, "
                        "of %(voters)s: %(outcome)s."
                    ),
                    subject=subject,
                    **{"for": vote.for_count},
                    against=vote.against,
                    abstain=vote.abstain,
                    voters=vote.voters,
                    outcome=_(resolution.ADOPTED if vote.adopted else resolution.NOT_ADOPTED),
                )
            )
        )
    if not summary.votes:
        lines.append(markup.escape(_(N_("No vote was taken in the bot."))))
    lines.append(markup.escape(_(N_("Tasks given: %(count)s"), count=len(summary.tasks))))
    lines.extend(_task_lines(summary.tasks, _))
    if summary.last_tasks:
        lines.append(markup.escape(_(N_("Tasks from the last meeting:"))))
        lines.extend(_task_lines(summary.last_tasks, _))
    return "\n".join(lines)


def _visits_section(summary: Summary, _: Callable[..., str]) -> str:
    part = summary.visits
    if part is None or (not part.households and not part.count):
        return ""
    lines = [
        _heading(_(N_("Household visits"))),
        markup.escape(
            _(
                N_(
                    # Counts after a colon: "1 visits" and "1 of 1 households" read wrong in English.
                    "Visits since %(since)s: %(count)s. This period (%(period)s): households visited "
                    "%(covered)s of %(households)s (%(percent)s%%), overdue: %(overdue)s, follow-ups open: "
                    "%(open)s."
                ),
                since=f"{part.since:%d/%m/%Y}",
                count=part.count,
                period=part.period,
                covered=part.covered,
                households=part.households,
                percent=part.percent,
                overdue=part.overdue,
                open=part.open_follow_ups,
            )
        ),
    ]
    for c in part.coverage:
        lines.append(
            "• "
            + markup.escape(
                _(
                    N_("%(name)s: %(covered)s/%(count)s visited, %(overdue)s overdue"),
                    name=c.name,
                    covered=c.covered,
                    count=c.households,
                    overdue=c.overdue,
                )
            )
        )
    if part.full and part.requests:
        lines.append(markup.escape(_(N_("Residents' requests:"))))
        lines.extend(
            "• " + markup.escape(f"{r.day:%d/%m} {r.head} ({r.member}): {r.text}") for r in part.requests
        )
    if part.full and part.follow_ups:
        listed = {(r.head, r.text) for r in part.requests}  # a request listed above is not written twice
        lines.append(markup.escape(_(N_("Open follow-ups:"))))
        lines.extend(
            "• "
            + markup.escape(
                f"{f.due:%d/%m} {f.head} ({f.member})"
                + (f": {f.text}" if f.text and (f.head, f.text) not in listed else "")
            )
            for f in part.follow_ups
        )
    return "\n".join(lines)


CHANGE_NAMES = {
    "schedule.set": N_("schedule changed"),
    "schedule.inherit": N_("schedule back to the unit's default"),
    "meeting.edit": N_("meeting changed"),
}


def _changes(summary: Summary, _: Callable[..., str]) -> str:
    if not summary.schedule_changes:
        return ""
    lines = [_heading(_(N_("Schedule changes since the last meeting")))]
    for c in summary.schedule_changes:
        parts = [_(CHANGE_NAMES.get(c.what, c.what))]
        if c.rule is not None:
            parts.append(schedule_rules.describe(c.rule, _))
        if c.when:
            parts.append(_(N_("time %(when)s"), when=c.when))
        if c.place:
            parts.append(_(N_("place %(place)s"), place=c.place))
        if c.what == "meeting.edit" and c.agenda:
            parts.append(_(N_("the agenda")))
        lines.append("• " + markup.escape(f"{c.day:%d/%m/%Y} {c.who}: " + "; ".join(parts)))
    return "\n".join(lines)


def _charter(summary: Summary, _: Callable[..., str]) -> str:
    if not summary.charter:
        return ""
    lines = [_heading(_(N_("Charter warnings")))]
    for line in summary.charter:
        level = _(N_("for the cell's consideration")) if line.level == "flag" else _(N_("warned"))
        lines.append("• " + markup.escape(f"{line.name}: {line.months} ({level})"))
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------ send


async def audience(session: AsyncSession, meeting: Meeting, day: date) -> list[int]:
    """The cell's secretary and deputy (and an acting secretary, the chair: meetings.leaders)."""
    ids = await meetings.leaders(session, meeting, day)
    for deputy in await repo.role_holders(
        session=session, role=OfficerRole.DEPUTY, day=day, cell_id=meeting.cell_id
    ):
        ids.append(deputy.person_id)
    return list(dict.fromkeys(ids))


async def send(
    *,
    session: AsyncSession,
    meeting: Meeting,
    config: Config,
    now: datetime,
    tz: tzinfo,
    today: date,
    occurrence: str,
    person_ids: Sequence[int] | None = None,
    file_platforms: frozenset[str] = frozenset({"telegram"}),
) -> int:
    """Queue the summary, with its files, for the secretary and deputy (or `person_ids`), each in their
    language, in the same transaction as what caused it: a crash loses nothing and sends nothing twice
    (the outbox key). Returns how many messages were queued."""
    assert meeting.id is not None
    rules = config.meetings.rules()
    day = meeting.starts_at.astimezone(tz).date()
    ids = list(person_ids) if person_ids is not None else await audience(session, meeting, day)
    recipients = await recipients_of(session, ids)
    languages = await repo.chat_languages(
        session=session, chats=[(r.chat.platform, r.chat.chat_id) for r in recipients if r.chat is not None]
    )
    # The charter's warnings are for the secretary alone (as charter.check tells them): others' copies
    # leave that section out. Households' names, addresses and requests only for the secretary and the
    # deputy (a chair from the committee gets the counts). Files only where the messenger takes them.
    holders = {
        role: {
            r.person_id
            for r in await repo.role_holders(session=session, role=role, day=day, cell_id=meeting.cell_id)
        }
        for role in (OfficerRole.SECRETARY, OfficerRole.DEPUTY)
    }
    secretaries, readers = (
        holders[OfficerRole.SECRETARY],
        holders[OfficerRole.SECRETARY] | holders[OfficerRole.DEPUTY],
    )
    groups: dict[tuple[str, bool, bool, bool], list[Recipient]] = defaultdict(list)
    for r in recipients:
        chosen, messenger = (
            languages.get((r.chat.platform, r.chat.chat_id), (None, None)) if r.chat else (None, None)
        )
        language = pick_language(chosen, messenger, config.default_language)
        takes_files = r.chat is not None and r.chat.platform in file_platforms
        groups[(language, r.person_id in secretaries, r.person_id in readers, takes_files)].append(r)
    whole = await compile_summary(
        session=session,
        meeting=meeting,
        now=now,
        rules=rules,
        tz=tz,
        today=today,
        visit_period=config.visits.period_kind,
    )
    copies = {True: whole, False: committee_copy(whole)}  # compiled once: the copies differ only in visits
    queued, subject = 0, meetings.subject_of(meeting.id)
    made: dict[tuple[str, bool], dict[str, bytes]] = {}  # the files, once per language and copy
    for (language, private, full, takes_files), group in groups.items():
        summary = copies[full]
        gettext = translator(language).gettext
        text = render(summary, gettext, private=private)
        if not takes_files:
            text += "\n\n" + markup.escape(gettext(NO_FILES))
        queued += await queue(
            session=session,
            purpose=PURPOSE,
            subject=subject,
            occurrence=f"{occurrence}:text",
            recipients=group,
            now=now,
            text=text,
        )
        if takes_files:
            if (language, full) not in made:
                # Writing the files is CPU work: in a thread, so the bot's other chats are not held up.
                made[(language, full)] = await asyncio.to_thread(files, summary, gettext)
            for name, content in made[(language, full)].items():
                queued += await queue(
                    session=session,
                    purpose=PURPOSE,
                    subject=subject,
                    occurrence=f"{occurrence}:{name.rsplit('.', 1)[-1]}",
                    recipients=group,
                    now=now,
                    document=Document(name, content),
                )
    return queued


def files(summary: Summary, gettext: Callable[[str], str]) -> dict[str, bytes]:
    """The draft minutes, the workbook and (from 3 meetings on) the chart, by file name."""
    names = summary_files.filenames(summary)
    made = {
        names["docx"]: summary_files.minutes_docx(summary, gettext),
        names["xlsx"]: summary_files.workbook_xlsx(summary, gettext),
    }
    chart = summary_files.chart_png(summary, gettext) if len(summary.history) >= CHART_FROM else None
    if chart is not None:
        made[names["png"]] = chart
    return made


# -------------------------------------------------------------------------------------------- finding

MAX_MEETINGS = 12  # a range of more meetings than this is cut: a year of monthly meetings
_RANGE = re.compile(r"^(\d{1,2}/\d{1,2}(?:/\d{4})?)\s*[-–]\s*(\d{1,2}/\d{1,2}(?:/\d{4})?)$")


@dataclass(frozen=True)
class Period:
    """What /summary and /export were asked for: the last meeting (both None), a month, or days."""

    month: date | None = None
    since: date | None = None
    until: date | None = None


def _day(text: str, today: date) -> date:
    parts = [int(p) for p in text.split("/")]
    return date(parts[2] if len(parts) == 3 else today.year, parts[1], parts[0])


def parse_period(text: str, today: date) -> Period:
    """Nothing (the last meeting), a reporting month (11/2026) or two days (01/10/2026-30/11/2026)."""
    text = text.strip()
    if not text:
        return Period()
    matched = _RANGE.match(text)
    if matched is None:
        return Period(month=dues.parse_month(text, today))
    try:
        since, until = _day(matched.group(1), today), _day(matched.group(2), today)
    except ValueError:
        raise UserError(
            N_("%(text)s is not a date I can read. Please write it like 30/11/2026."), text=text[:30]
        ) from None
    if until < since:
        raise UserError(N_("The first day must come before the second."))
    return Period(since=since, until=until)


async def find(
    session: AsyncSession, cell_id: int, period: Period, *, now: datetime, tz: tzinfo
) -> list[Meeting]:
    """The cell's meetings for the period that have begun and were not cancelled, oldest first; the
    last one held (opened, or recorded afterwards) when no period is given."""
    query = select(Meeting).where(
        Meeting.cell_id == cell_id, col(Meeting.cancelled_at).is_(None), col(Meeting.starts_at) <= now
    )
    if period.month is not None:
        query = query.where(Meeting.month == period.month)
    elif period.since is not None and period.until is not None:
        start = datetime.combine(period.since, time(), tz)
        query = query.where(
            col(Meeting.starts_at) >= start,
            col(Meeting.starts_at) < datetime.combine(period.until + timedelta(days=1), time(), tz),
        )
    else:
        query = query.where(col(Meeting.opened_at).is_not(None))
        found = (await session.exec(query.order_by(col(Meeting.starts_at).desc()).limit(1))).first()
        return [found] if found else []
    return list((await session.exec(query.order_by(col(Meeting.starts_at)).limit(MAX_MEETINGS))).all())


def plain(summary: Summary, gettext: Callable[[str], str], *, private: bool = False) -> str:
    """The summary as plain text (the command line)."""
    return markup.plain(render(summary, gettext, private=private))


def workbook(summaries: Sequence[Summary], gettext: Callable[[str], str]) -> tuple[str, bytes]:
    """One workbook for the meetings asked for (each row says which meeting when there are several)."""
    if len(summaries) == 1:
        return summary_files.filenames(summaries[0])["xlsx"], summary_files.workbook_xlsx(
            summaries[0], gettext
        )
    first, last = summaries[0], summaries[-1]
    stem = summary_files.filenames(first)["xlsx"].rsplit("-", 3)[0]  # so-lieu-<cell>, without month and id
    name = f"{stem}-{first.day:%Y%m%d}-{last.day:%Y%m%d}.xlsx"
    return name, summary_files.workbook_many(summaries, gettext)

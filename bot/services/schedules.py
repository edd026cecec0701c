"""Each cell's meeting schedule: its rule (its own, or its unit's default), the next meeting created
ahead, and what goes out before a meeting (the notice, reminders to those who have not answered, the
secretary's brief on the day).

The database is the truth. The runtime turns `pending_steps` into scheduler jobs and calls `run_step`
when one comes due; a step done is written on the meeting, so a restart repeats none.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import UserError
from bot.i18n import DEFAULT_LANGUAGE, N_
from bot.meetings import schedule as rule_maths
from bot.meetings.rules import Kind, Rules, State, month_of
from bot.meetings.schedule import BRIEF, NOTICE, TASKS, Rhythm, Rule
from bot.names import sort_key
from bot.services import meetings, officers, resolution
from bot.services.audit import Actor, record_change
from bot.services.delivery import queue, recipients_of
from storage import repo
from storage.models import Cell, Meeting, MeetingRule, Unit

log = logging.getLogger(__name__)

SCHEDULER = Actor("scheduler")
# A job may fire a little before its time by the injected clock (the two clocks drift): still on time.
EARLY = timedelta(minutes=1)
REMINDER_PURPOSE = "meeting_reminder"
BRIEF_PURPOSE = "meeting_brief"
REGULAR_KINDS = (Kind.REGULAR.value, Kind.REGULAR_THEMATIC.value)
# Cells without a rule still have their ad-hoc meetings chased with the default offsets.
DEFAULT_CHASE = Rule(rhythm=Rhythm.DAY, day=1, at=time(19, 30))

REMINDER = N_(
    "Reminder: %(kind)s of %(cell)s on %(when)s at %(place)s.\nYou have not answered yet. Will you attend?"
)
BRIEF_TEXT = N_(
    "%(tasks)s\n\n"
    "Today: %(kind)s of %(cell)s at %(time)s, %(place)s.\n"
    "Coming (%(coming_count)s): %(coming)s\n"
    "Excused (%(excused_count)s): %(excused)s\n"
    "No answer yet (%(silent_count)s): %(silent)s\n"
    "Unreachable (%(unreachable_count)s): %(unreachable)s\n"
    "Send /rollcall for the reasons."
)


# --- the rule ----------------------------------------------------------------------------------------


def to_rule(row: MeetingRule) -> Rule:
    """The stored rule as the pure rule the maths takes."""
    hour, minute = (int(part) for part in row.start_time.split(":"))
    return Rule(
        rhythm=Rhythm(row.rhythm),
        at=time(hour, minute),
        length=timedelta(minutes=row.length_minutes),
        day=row.day,
        nth=row.nth,
        weekday=row.weekday,
        weeks=row.weeks,
        anchor=row.anchor,
        notice=timedelta(minutes=row.notice_minutes),
        reminders=tuple(timedelta(minutes=m) for m in row.reminder_minutes),
    )


def _store(row: MeetingRule, rule: Rule) -> None:
    row.rhythm, row.start_time = rule.rhythm.value, rule.at.strftime("%H:%M")
    row.length_minutes = int(rule.length.total_seconds() // 60)
    row.day, row.nth, row.weekday, row.weeks, row.anchor = (
        rule.day,
        rule.nth,
        rule.weekday,
        rule.weeks,
        rule.anchor,
    )
    row.notice_minutes = int(rule.notice.total_seconds() // 60)
    row.reminder_minutes = [int(offset.total_seconds() // 60) for offset in rule.reminders]


def as_record(rule: Rule | None) -> dict[str, object] | None:
    """The rule as the audit log keeps it (before and after each change)."""
    if rule is None:
        return None
    return {
        "rhythm": rule.rhythm.value,
        "at": rule.at.strftime("%H:%M"),
        "length": rule_maths.offset_label(rule.length),
        "day": rule.day,
        "nth": rule.nth,
        "weekday": rule.weekday,
        "weeks": rule.weeks,
        "anchor": rule.anchor.isoformat() if rule.anchor else None,
        "notice": rule_maths.offset_label(rule.notice),
        "reminders": [rule_maths.offset_label(offset) for offset in rule.reminders],
    }


def from_record(record: dict[str, Any] | None) -> Rule | None:
    """A rule as the audit log kept it, back (None for none, or a record it cannot read)."""
    if not record:
        return None
    try:
        hour, minute = (int(part) for part in str(record["at"]).split(":"))
        return Rule(
            rhythm=Rhythm(record["rhythm"]),
            at=time(hour, minute),
            length=rule_maths.parse_offset(record["length"]),
            day=record.get("day"),
            nth=record.get("nth"),
            weekday=record.get("weekday"),
            weeks=record.get("weeks"),
            anchor=date.fromisoformat(record["anchor"]) if record.get("anchor") else None,
            notice=rule_maths.parse_offset(record["notice"]),
            reminders=tuple(rule_maths.parse_offset(r) for r in record.get("reminders", [])),
        )
    except (KeyError, ValueError, UserError):
        return None


async def own_rule(
    session: AsyncSession, *, cell: Cell | None = None, unit: Unit | None = None
) -> MeetingRule | None:
    """The rule row of this cell or unit itself (not inherited)."""
    query = (
        select(MeetingRule).where(MeetingRule.cell_id == cell.id)
        if cell is not None
        else select(MeetingRule).where(MeetingRule.unit_id == (unit.id if unit else None))
    )
    return (await session.exec(query)).first()


@dataclass(frozen=True)
class Effective:
    """The rule a cell follows and where it comes from (the cell's own, or a unit's default)."""

    rule: Rule
    unit: Unit | None  # None: the cell's own rule


async def effective(session: AsyncSession, cell: Cell) -> Effective | None:
    """The cell's own rule, else the nearest unit default above it, else None (no schedule)."""
    own = await own_rule(session, cell=cell)
    if own is not None:
        return Effective(to_rule(own), None)
    return await unit_default(session, cell)


async def unit_default(session: AsyncSession, cell: Cell) -> Effective | None:
    """The default of the nearest unit above the cell that has one (whatever the cell's own rule)."""
    for unit_id in await repo.unit_ancestors(session=session, unit_id=cell.unit_id):
        row = (await session.exec(select(MeetingRule).where(MeetingRule.unit_id == unit_id))).first()
        if row is not None:
            return Effective(to_rule(row), await session.get(Unit, unit_id))
    return None


async def chase_rule(session: AsyncSession, cell: Cell) -> Rule:
    """The notice lead and reminder offsets the cell's meetings are chased with."""
    found = await effective(session, cell)
    return found.rule if found else DEFAULT_CHASE


async def cells_following(session: AsyncSession, unit: Unit) -> tuple[list[Cell], list[Cell]]:
    """The open cells under a unit that follow its default (or would, once it has one), and those that
    override it: with a rule of their own, or following the default of a unit between them and it."""
    assert unit.id is not None
    below = set(await repo.unit_descendants(session=session, unit_id=unit.id)) - {unit.id}
    following: list[Cell] = []
    overriding: list[Cell] = []
    for cell in await officers.cells_of(session=session, unit=unit):
        found = await effective(session, cell)
        nearer = found is not None and (found.unit is None or found.unit.id in below)
        (overriding if nearer else following).append(cell)
    return following, overriding


async def set_rule(
    *,
    session: AsyncSession,
    rule: Rule,
    actor: Actor,
    now: datetime,
    rules: Rules,
    default_tz: tzinfo,
    cell: Cell | None = None,
    unit: Unit | None = None,
) -> list[Cell]:
    """Save the rule of a cell (or a unit's default), audited; move the coming scheduled meetings of the
    cells that follow it and create their next one. Returns those cells."""
    assert (cell is None) != (unit is None)
    rule_maths.check(rule)
    row = await own_rule(session, cell=cell, unit=unit)
    before = as_record(to_rule(row)) if row is not None else None
    if row is None:
        row = MeetingRule(
            cell_id=cell.id if cell else None,
            unit_id=unit.id if unit else None,
            rhythm=rule.rhythm.value,
            start_time="",
            length_minutes=0,
            notice_minutes=0,
        )
        session.add(row)
    _store(row, rule)
    row.updated_at, row.updated_by_person_id = now, actor.person_id
    await session.flush()
    key = f"cell:{cell.id}" if cell is not None else f"unit:{unit.id if unit else 0}"
    await record_change(
        session,
        actor=actor,
        now=now,
        action="schedule.set",
        subject=f"schedule:{key}",
        before=before,
        after=as_record(rule),
        touched=[("schedule", key)],
    )
    if cell is not None:
        affected = [cell]
    else:
        assert unit is not None
        affected, _ = await cells_following(session, unit)
    for each in affected:
        await follow(session=session, cell=each, actor=actor, now=now, rules=rules, default_tz=default_tz)
    return affected


async def drop_rule(
    *, session: AsyncSession, cell: Cell, actor: Actor, now: datetime, rules: Rules, default_tz: tzinfo
) -> Effective:
    """The cell gives up its own rule and follows its unit's default again (audited); its coming
    scheduled meeting moves to the default's date."""
    own = await own_rule(session, cell=cell)
    if own is None:
        raise UserError(N_("%(cell)s already follows its unit's default."), cell=cell.name)
    inherited = await unit_default(session, cell)
    if inherited is None:
        raise UserError(N_("No unit above %(cell)s has a default schedule to follow."), cell=cell.name)
    before = as_record(to_rule(own))
    await session.delete(own)
    await session.flush()
    await record_change(
        session,
        actor=actor,
        now=now,
        action="schedule.inherit",
        subject=f"schedule:cell:{cell.id}",
        before=before,
        after=as_record(inherited.rule),
        touched=[("schedule", f"cell:{cell.id}")],
    )
    await follow(session=session, cell=cell, actor=actor, now=now, rules=rules, default_tz=default_tz)
    return inherited


async def follow(
    *, session: AsyncSession, cell: Cell, actor: Actor, now: datetime, rules: Rules, default_tz: tzinfo
) -> None:
    """Bring the cell's coming scheduled meetings to its rule (a meeting moved by hand stays where it
    is; each member who answered is told of a move), then make sure the next one exists."""
    found = await effective(session, cell)
    if found is None:
        return
    tz = meetings.cell_zone(cell, default_tz)
    for meeting in await upcoming(session, [cell.id or 0], now):
        if not meeting.scheduled or meeting.moved_by_hand:
            continue
        start = rule_maths.start_in_month(found.rule, meeting.month, tz)
        if start is None or start <= now:
            continue  # the new rhythm skips this month or would put it in the past: it stays
        await meetings.edit(
            session=session,
            meeting=meeting,
            actor=actor,
            now=now,
            rules=rules,
            tz=tz,
            starts_at=start,
            by_hand=False,
        )
        if meeting.expected_end - meeting.starts_at != found.rule.length:
            meeting.expected_end = meeting.starts_at + found.rule.length
    await ensure_next(session=session, cell=cell, now=now, rules=rules, default_tz=default_tz)


async def upcoming(session: AsyncSession, cell_ids: Sequence[int], now: datetime) -> list[Meeting]:
    """The cells' meetings still planned (not opened, not cancelled) and not yet started, soonest first."""
    return await _planned(session, cell_ids, starting_after=now)


async def unfinished(session: AsyncSession, cell_ids: Sequence[int], now: datetime) -> list[Meeting]:
    """The cells' meetings not opened nor cancelled that start later or started within a day: those
    whose steps may still be due (or must be dropped, once the meeting has started)."""
    return await _planned(session, cell_ids, starting_after=now - timedelta(days=1))


async def _planned(
    session: AsyncSession, cell_ids: Sequence[int], *, starting_after: datetime
) -> list[Meeting]:
    query = (
        select(Meeting)
        .where(
            col(Meeting.cell_id).in_(list(cell_ids)),
            col(Meeting.opened_at).is_(None),
            col(Meeting.cancelled_at).is_(None),
            col(Meeting.starts_at) > starting_after,
        )
        .order_by(col(Meeting.starts_at))
    )
    return list((await session.exec(query)).all())


async def ensure_next(
    *, session: AsyncSession, cell: Cell, now: datetime, rules: Rules, default_tz: tzinfo
) -> Meeting | None:
    """Create the cell's next regular meeting by its rule, unless its month already has one.

    A month whose regular meeting exists in any state (an ad-hoc one, one cancelled for Tết, one held)
    is skipped, so the rule never doubles a month. Returns the meeting created, if any.
    """
    found = await effective(session, cell)
    if found is None or cell.closed_at is not None or cell.id is None:
        return None
    tz = meetings.cell_zone(cell, default_tz)
    query = select(Meeting).where(Meeting.cell_id == cell.id, col(Meeting.kind).in_(REGULAR_KINDS))
    taken = {meeting.month for meeting in (await session.exec(query)).all()}
    for start in rule_maths.starts_after(found.rule, now, tz, count=14):
        month = month_of(start.astimezone(tz).date())
        if month in taken:
            coming = await upcoming(session, [cell.id], now)
            if any(m.month == month and m.kind in REGULAR_KINDS for m in coming):
                return None  # the next meeting exists already
            continue
        place = await _last_place(session, cell)
        meeting = await meetings.create(
            session=session,
            cell=cell,
            plan=meetings.Plan(
                kind=Kind.REGULAR, starts_at=start, place=place, expected_end=start + found.rule.length
            ),
            actor=SCHEDULER,
            now=now,
            rules=rules,
            default_length=found.rule.length,
            tz=tz,
            send_notice=False,
        )
        meeting.scheduled = True
        return meeting
    return None


async def _last_place(session: AsyncSession, cell: Cell) -> str:
    """Where the cell met last (a scheduled meeting is at its usual place until the secretary says)."""
    query = (
        select(Meeting.place)
        .where(Meeting.cell_id == cell.id)
        .order_by(col(Meeting.starts_at).desc())
        .limit(1)
    )
    return (await session.exec(query)).first() or cell.name


# --- before a meeting --------------------------------------------------------------------------------


def pending_steps(meeting: Meeting, rule: Rule, tz: tzinfo) -> list[tuple[str, datetime]]:
    """The meeting's steps not done yet, with when each is due."""
    return [
        (step, at)
        for step, at in rule_maths.steps(rule, meeting.starts_at, tz)
        if step not in meeting.steps_done
    ]


def mark_done(meeting: Meeting, step: str) -> None:
    """Note the step done (a new list, so the JSON column is seen to change)."""
    if step not in meeting.steps_done:
        meeting.steps_done = [*meeting.steps_done, step]


async def run_step(
    *,
    session: AsyncSession,
    meeting: Meeting,
    step: str,
    now: datetime,
    rules: Rules,
    tz: tzinfo,
    chase: Rule,
    group_language: str = DEFAULT_LANGUAGE,
) -> bool:
    """Do one step before a meeting, once, if the cell's rule (`chase`) has it due. A step for a meeting
    no longer planned, or one whose meeting has started (the bot was down), is dropped with a log line.
    True when something was queued."""
    assert meeting.id is not None
    if step in meeting.steps_done:
        return False
    due = dict(pending_steps(meeting, chase, tz)).get(step)
    if due is None or due > now + EARLY:
        # Not in the schedule any more, or not yet due (a job left from before a change): the next
        # plan schedules what the rule now says.
        log.info("meeting %s: %s not due (%s), left for the schedule", meeting.id, step, due)
        return False
    if meetings.state(meeting, now, rules) is not State.PLANNED or not rule_maths.still_useful(
        meeting.starts_at, now
    ):
        log.info("meeting %s: %s dropped, no longer useful", meeting.id, step)
        mark_done(meeting, step)
        return False
    cell = await session.get(Cell, meeting.cell_id)
    assert cell is not None
    mark_done(meeting, step)
    if step == NOTICE:
        await meetings.queue_notice(session, meeting, cell, now=now, tz=tz, group_language=group_language)
        return True
    if step == BRIEF:
        return await _brief(session, meeting, cell, now=now, tz=tz) > 0
    if step == TASKS:
        return await resolution.follow_up(session=session, meeting=meeting, cell=cell, now=now, tz=tz) > 0
    return await _remind(session, meeting, cell, step, now=now, tz=tz) > 0


async def _remind(
    session: AsyncSession, meeting: Meeting, cell: Cell, step: str, *, now: datetime, tz: tzinfo
) -> int:
    """Remind the members who have not answered (never those who did, nor exempt ones)."""
    assert meeting.id is not None
    silent = [r.person_id for r in await meetings.invited(session, meeting, tz) if r.answer is None]
    recipients = [r for r in await recipients_of(session, silent) if r.chat is not None]
    return await queue(
        session=session,
        purpose=REMINDER_PURPOSE,
        subject=meetings.subject_of(meeting.id),
        occurrence=f"{step}@{meeting.starts_at.isoformat()}",  # a moved meeting is reminded again
        recipients=recipients,
        message_key=REMINDER,
        params=await _params(session, meeting, cell, tz),
        buttons=meetings.answer_buttons(meeting.id),
        now=now,
    )


async def _params(session: AsyncSession, meeting: Meeting, cell: Cell, tz: tzinfo) -> dict[str, Any]:
    return {
        "kind": {"msgid": meetings.KIND_NAMES[Kind(meeting.kind)]},
        "cell": cell.name,
        "when": meetings.local(meeting.starts_at, tz),
        "time": meeting.starts_at.astimezone(tz).strftime("%H:%M"),
        "place": meeting.place,
    }


async def _brief(session: AsyncSession, meeting: Meeting, cell: Cell, *, now: datetime, tz: tzinfo) -> int:
    """The secretary's brief on the day: the last meeting's tasks, then who is coming, excused, silent,
    unreachable."""
    assert meeting.id is not None
    day = meeting.starts_at.astimezone(tz).date()
    rows = await meetings.invited(session, meeting, tz)
    names = await meetings.names_of(session, [r.person_id for r in rows])
    unreachable = {row.person_id for row in await meetings.notice_failures(session, meeting.id)}

    def listed(person_ids: list[int]) -> tuple[int, str]:
        shown = sorted((names.get(pid, "?") for pid in person_ids), key=sort_key)
        return len(shown), ", ".join(shown) or "—"

    groups = {
        "coming": [r.person_id for r in rows if r.answer == "attend"],
        "excused": [r.person_id for r in rows if r.answer == "absent"],
        "silent": [r.person_id for r in rows if r.answer is None and r.person_id not in unreachable],
        "unreachable": [r.person_id for r in rows if r.answer is None and r.person_id in unreachable],
    }
    params = await _params(session, meeting, cell, tz)
    params["tasks"] = await _last_tasks(session, meeting)
    for name, ids in groups.items():
        params[f"{name}_count"], params[name] = listed(ids)
    return await queue(
        session=session,
        purpose=BRIEF_PURPOSE,
        subject=meetings.subject_of(meeting.id),
        occurrence=f"brief@{meeting.starts_at.isoformat()}",
        recipients=await recipients_of(session, await meetings.leaders(session, meeting, day)),
        message_key=BRIEF_TEXT,
        params=params,
        now=now,
    )


async def _last_tasks(session: AsyncSession, meeting: Meeting) -> list[Any]:
    """The brief's first section: the last meeting's tasks, each member's status (rendered per reader)."""
    previous = await resolution.previous_meeting(session, meeting)
    found = (
        await resolution.tasks_of_cell(session, meeting.cell_id, meeting_id=previous.id) if previous else []
    )
    if not found:
        return [{"msgid": N_("No tasks from the last meeting.")}]
    section: list[Any] = [{"msgid": N_("Tasks from the last meeting:")}]
    for line in await resolution.lines(session, found):
        section += resolution.task_params(line)
    return section


async def notice_sent(session: AsyncSession, meeting: Meeting) -> bool:
    """Whether the meeting's notice has gone out (queued; delivery follows)."""
    return NOTICE in meeting.steps_done

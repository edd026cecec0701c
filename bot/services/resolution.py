"""A meeting's resolution (nghị quyết): the chair's conclusion per agenda item, votes (a show of hands
recorded, or ballots cast in the bot), and tasks for named members with deadlines and follow-up.

The rules (who votes, what is adopted, deadlines, who is asked for an update) are
bot.meetings.resolution; this module applies them to the database, audits each change and queues what
people are told through the outbox.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import UserError
from bot.i18n import N_
from bot.meetings.resolution import (
    MAX_CONCLUSION,
    MAX_TASK,
    Choice,
    CountError,
    Status,
    Tally,
    check_counts,
    needs_update,
    tally,
)
from bot.meetings.rules import Rules, State
from bot.names import sort_key
from bot.services import meetings
from bot.services.audit import Actor, record_change
from bot.services.delivery import queue, recipients_of
from storage.models import AgendaItem, Ballot, Cell, Meeting, Task, TaskAssignee, Vote

# What commands are handed.
VoteRow = Vote
AgendaRow = AgendaItem
TaskRow = Task
AssigneeRow = TaskAssignee

TASK_PURPOSE = "task"
VOTE_PURPOSE = "vote"
FOLLOW_UP_PURPOSE = "task_follow_up"

CHOICE_NAMES = {
    Choice.FOR: N_("For"),
    Choice.AGAINST: N_("Against"),
    Choice.ABSTAIN: N_("Abstain"),
}
STATUS_NAMES = {
    Status.NOT_STARTED: N_("not started"),
    Status.IN_PROGRESS: N_("in progress"),
    Status.DONE: N_("done"),
    Status.BLOCKED: N_("blocked"),
}
COUNT_ERRORS = {
    "three_numbers": N_("Write three numbers: for, against, abstain. For example: 12 0 1"),
    "negative": N_("A count cannot be negative."),
    "too_many": N_(
        "That is %(cast)s hands, but only %(voters)s official members are present (probationary members "
        "do not vote). Nothing was saved."
    ),
}

BALLOT = N_("Vote of %(cell)s on: %(subject)s\nPress one button, once. Your vote cannot be changed.")
RESULT = N_(
    "Result of the vote on: %(subject)s\nFor %(for)s, against %(against)s, abstain %(abstain)s, of "
    "%(voters)s voters: %(outcome)s"
)
ADOPTED, NOT_ADOPTED = N_("adopted"), N_("not adopted")
WHOLE = N_("the whole resolution")
ASSIGNED = N_(
    "A task for you from %(cell)s: %(title)s\nDeadline: %(due)s\nAssigned to: %(with)s\n"
    "Send /tasks to report how it is going."
)
CHANGED = N_("Your task from %(cell)s has changed: %(title)s\nDeadline: %(due)s")
CANCELLED = N_("Your task from %(cell)s is cancelled: %(title)s")
FOLLOW_UP = N_(
    "Before the meeting of %(cell)s on %(when)s: how is your task going?\n%(title)s (deadline %(due)s, "
    "now: %(status)s)"
)


# --------------------------------------------------------------------------------------- conclusions


def require_held(meeting: Meeting, now: datetime, rules: Rules) -> State:
    """Conclusions, recorded votes and tasks belong to a meeting open now or closed (right after)."""
    return meetings.require_state(meeting, now, rules, State.OPEN, State.CLOSED)


async def conclude(
    *,
    session: AsyncSession,
    meeting: Meeting,
    item: AgendaItem,
    text: str,
    actor: Actor,
    now: datetime,
    rules: Rules,
) -> bool:
    """Write the chair's conclusion on an agenda item (replacing an earlier one); False if unchanged."""
    require_held(meeting, now, rules)
    text = text.strip()
    if not text:
        raise UserError(N_("Please write the conclusion."))
    if len(text) > MAX_CONCLUSION:
        raise UserError(N_("A conclusion can have at most %(max)s characters."), max=MAX_CONCLUSION)
    if item.conclusion == text:
        return False
    before = item.conclusion
    item.conclusion, item.concluded_at, item.concluded_by_person_id = text, now, actor.person_id
    await session.flush()
    await record_change(
        session,
        actor=actor,
        now=now,
        action="meeting.conclude",
        subject=meetings.subject_of(meeting.id or 0),
        before={"item": item.position, "conclusion": before},
        after={"item": item.position, "conclusion": text},
    )
    return True


# --------------------------------------------------------------------------------------------- votes


async def voters(session: AsyncSession, meeting: Meeting) -> list[int]:
    """Who votes: the members counted present (as the roll call counts them) who are official."""
    assert meeting.id is not None
    rows = await meetings.roster(session, meeting.id)
    return [row.person_id for row in rows if meetings.counted_present(row) and row.status != "probationary"]


async def vote_subject(session: AsyncSession, vote: Vote) -> dict[str, Any] | str:
    """What a vote is on: an item's conclusion, or the whole resolution (translated when sent)."""
    if vote.agenda_item_id is None:
        return {"msgid": WHOLE}
    item = await session.get(AgendaItem, vote.agenda_item_id)
    return f"{item.position}. {item.title}" if item else "?"


async def record_hands(
    *,
    session: AsyncSession,
    meeting: Meeting,
    item_id: int | None,
    counts: tuple[int, int, int],
    actor: Actor,
    now: datetime,
    rules: Rules,
) -> tuple[Vote, Tally]:
    """Record a show of hands, checked against the official members present."""
    assert meeting.id is not None
    require_held(meeting, now, rules)
    eligible = len(await voters(session, meeting))
    try:
        result = check_counts(*counts, voters=eligible)
    except CountError as error:
        raise UserError(COUNT_ERRORS[str(error)], cast=sum(counts), voters=eligible) from None
    vote = Vote(
        meeting_id=meeting.id,
        agenda_item_id=item_id,
        by_hands=True,
        for_count=result.for_,
        against_count=result.against,
        abstain_count=result.abstain,
        voters=eligible,
        opened_at=now,
        closed_at=now,
        opened_by_person_id=actor.person_id,
    )
    session.add(vote)
    await session.flush()
    await record_change(
        session,
        actor=actor,
        now=now,
        action="meeting.vote_recorded",
        subject=meetings.subject_of(meeting.id),
        after={"vote": vote.id, "for": result.for_, "against": result.against, "abstain": result.abstain},
    )
    return vote, result


def ballot_buttons(vote: Vote) -> list[list[dict[str, str]]]:
    """One button per choice; each runs /ballot for this vote (a typed number picks it too)."""
    return [
        [
            {"label": CHOICE_NAMES[choice], "data": f"c:ballot #{vote.meeting_id} {vote.id} {choice.value}"}
            for choice in Choice
        ]
    ]


async def open_ballot(
    *,
    session: AsyncSession,
    meeting: Meeting,
    cell: Cell,
    item_id: int | None,
    actor: Actor,
    now: datetime,
    rules: Rules,
) -> Vote:
    """Open a vote in the bot: each official member present gets a ballot with one button per choice."""
    assert meeting.id is not None
    meetings.require_state(meeting, now, rules, State.OPEN)
    if await open_vote(session, meeting.id) is not None:
        raise UserError(N_("A vote is open already: close it first (send /vote)."))
    eligible = await voters(session, meeting)
    if not eligible:
        raise UserError(N_("No official member has checked in yet: nobody could vote."))
    vote = Vote(
        meeting_id=meeting.id,
        agenda_item_id=item_id,
        by_hands=False,
        voters=len(eligible),
        voter_ids=eligible,
        opened_at=now,
        opened_by_person_id=actor.person_id,
    )
    session.add(vote)
    await session.flush()
    await queue(
        session=session,
        purpose=VOTE_PURPOSE,
        subject=meetings.subject_of(meeting.id),
        occurrence=f"ballot:{vote.id}",
        recipients=await recipients_of(session, eligible),
        message_key=BALLOT,
        params={"cell": cell.name, "subject": await vote_subject(session, vote)},
        buttons=ballot_buttons(vote),
        now=now,
    )
    await record_change(
        session,
        actor=actor,
        now=now,
        action="meeting.vote_opened",
        subject=meetings.subject_of(meeting.id),
        after={"vote": vote.id, "voters": len(eligible)},
    )
    return vote


async def open_vote(session: AsyncSession, meeting_id: int) -> Vote | None:
    """The vote open in the bot at this meeting, if any."""
    query = select(Vote).where(Vote.meeting_id == meeting_id, col(Vote.closed_at).is_(None))
    return (await session.exec(query)).first()


async def cast(
    *, session: AsyncSession, meeting: Meeting, vote: Vote, person_id: int, choice: Choice, now: datetime
) -> None:
    """One ballot: only official members present, only while the vote is open, only once."""
    if vote.meeting_id != meeting.id:
        raise UserError(N_("There is no such vote."))
    if vote.closed_at is not None or meeting.closed_at is not None:
        raise UserError(N_("That vote has closed."))
    # Those it was opened for, still present: a later arrival has no ballot, and the count never
    # exceeds its voters.
    if person_id not in vote.voter_ids or person_id not in await voters(session, meeting):
        raise UserError(
            N_(
                "Only the official members checked in when the vote opened vote (probationary members do "
                "not)."
            )
        )
    query = select(Ballot).where(Ballot.vote_id == vote.id, Ballot.person_id == person_id)
    if (await session.exec(query)).first() is not None:
        raise UserError(N_("You have voted already; a vote cannot be changed."))
    assert vote.id is not None
    session.add(Ballot(vote_id=vote.id, person_id=person_id, choice=choice.value, cast_at=now))
    await session.flush()  # the unique (vote, person) key refuses a second ballot sent at the same moment


async def result(session: AsyncSession, vote: Vote) -> Tally:
    """The counts: as recorded, as closed, or (open) the ballots so far."""
    if vote.by_hands or vote.closed_at is not None:
        return Tally(vote.for_count or 0, vote.against_count or 0, vote.abstain_count or 0, vote.voters)
    ballots = (await session.exec(select(Ballot.choice).where(Ballot.vote_id == vote.id))).all()
    return tally([Choice(c) for c in ballots], vote.voters)


async def close_ballot(
    *, session: AsyncSession, meeting: Meeting, vote: Vote, actor: Actor, now: datetime
) -> Tally:
    """Close a vote: its counts are fixed, and every voter is told the result."""
    assert meeting.id is not None and vote.id is not None
    if vote.closed_at is not None:
        raise UserError(N_("That vote has closed."))
    counted = await result(session, vote)
    vote.for_count, vote.against_count, vote.abstain_count = counted.for_, counted.against, counted.abstain
    vote.closed_at = now
    await session.flush()
    eligible = vote.voter_ids
    await queue(
        session=session,
        purpose=VOTE_PURPOSE,
        subject=meetings.subject_of(meeting.id),
        occurrence=f"result:{vote.id}",
        recipients=[r for r in await recipients_of(session, eligible) if r.chat is not None],
        message_key=RESULT,
        params=result_params(counted) | {"subject": await vote_subject(session, vote)},
        now=now,
    )
    await record_change(
        session,
        actor=actor,
        now=now,
        action="meeting.vote_closed",
        subject=meetings.subject_of(meeting.id),
        after={"vote": vote.id, "for": counted.for_, "against": counted.against, "abstain": counted.abstain},
    )
    return counted


async def close_open_vote(
    *, session: AsyncSession, meeting: Meeting, actor: Actor, now: datetime
) -> Tally | None:
    """A vote still open in the bot when its meeting closes closes with it: counts fixed, voters told."""
    assert meeting.id is not None
    running = await open_vote(session, meeting.id)
    if running is None:
        return None
    return await close_ballot(session=session, meeting=meeting, vote=running, actor=actor, now=now)


def result_params(counted: Tally) -> dict[str, Any]:
    """The counts and the outcome, for RESULT."""
    return {
        "for": counted.for_,
        "against": counted.against,
        "abstain": counted.abstain,
        "voters": counted.voters,
        "outcome": {"msgid": ADOPTED if counted.adopted else NOT_ADOPTED},
    }


async def votes_of(session: AsyncSession, meeting_id: int) -> list[Vote]:
    """The meeting's votes, in the order they were taken."""
    query = select(Vote).where(Vote.meeting_id == meeting_id).order_by(col(Vote.id))
    return list((await session.exec(query)).all())


# --------------------------------------------------------------------------------------------- tasks


def check_title(text: str) -> str:
    """A task's title, trimmed; a UserError when empty or too long."""
    text = " ".join(text.split())
    if not text:
        raise UserError(N_("Please write what is to be done."))
    if len(text) > MAX_TASK:
        raise UserError(N_("A task can have at most %(max)s characters."), max=MAX_TASK)
    return text


async def assign(
    *,
    session: AsyncSession,
    meeting: Meeting,
    cell: Cell,
    item_id: int | None,
    title: str,
    due: date,
    person_ids: Sequence[int],
    actor: Actor,
    now: datetime,
    rules: Rules,
    tz: tzinfo,
) -> Task:
    """Give a task to named members of the cell, each told privately."""
    assert meeting.id is not None and cell.id is not None
    require_held(meeting, now, rules)
    title = check_title(title)
    people = list(dict.fromkeys(person_ids))
    if not people:
        raise UserError(N_("Choose at least one member."))
    members = {row.person_id for row in await meetings.roster(session, meeting.id)}
    if not set(people) <= members:
        raise UserError(N_("A task goes to members of the cell."))
    task = Task(
        cell_id=cell.id,
        meeting_id=meeting.id,
        agenda_item_id=item_id,
        title=title,
        due=due,
        created_by_person_id=actor.person_id,
        created_at=now,
        updated_at=now,
    )
    session.add(task)
    await session.flush()
    assert task.id is not None
    for person_id in people:
        session.add(
            TaskAssignee(
                task_id=task.id, person_id=person_id, status=Status.NOT_STARTED.value, updated_at=now
            )
        )
    await session.flush()
    names = await meetings.names_of(session, people)
    await queue(
        session=session,
        purpose=TASK_PURPOSE,
        subject=f"task:{task.id}",
        occurrence="assigned",
        recipients=await recipients_of(session, people),
        message_key=ASSIGNED,
        params={
            "cell": cell.name,
            "title": title,
            "due": due.strftime("%d/%m/%Y"),
            "with": ", ".join(sorted(names.values(), key=sort_key)),
        },
        now=now,
    )
    await record_change(
        session,
        actor=actor,
        now=now,
        action="task.assign",
        subject=f"task:{task.id}",
        after={"title": title, "due": due.isoformat(), "people": people, "meeting": meeting.id},
    )
    return task


async def assignees(session: AsyncSession, task_id: int) -> list[TaskAssignee]:
    """Who a task is for, with where each stands."""
    query = select(TaskAssignee).where(TaskAssignee.task_id == task_id).order_by(col(TaskAssignee.id))
    return list((await session.exec(query)).all())


async def change(
    *,
    session: AsyncSession,
    task: Task,
    cell: Cell,
    actor: Actor,
    now: datetime,
    due: date | None = None,
    cancel: bool = False,
) -> bool:
    """Move a task's deadline or cancel it; its assignees are told. False when nothing changed."""
    assert task.id is not None
    if task.cancelled_at is not None:
        raise UserError(N_("That task was cancelled."))
    if cancel:
        task.cancelled_at = now
    elif due is None or due == task.due:
        return False
    else:
        task.due = due
    task.updated_at = now
    await session.flush()
    people = [a.person_id for a in await assignees(session, task.id)]
    await queue(
        session=session,
        purpose=TASK_PURPOSE,
        subject=f"task:{task.id}",
        occurrence=f"{'cancelled' if cancel else 'changed'}@{now.isoformat()}",
        recipients=await recipients_of(session, people),
        message_key=CANCELLED if cancel else CHANGED,
        params={"cell": cell.name, "title": task.title, "due": task.due.strftime("%d/%m/%Y")},
        now=now,
    )
    await record_change(
        session,
        actor=actor,
        now=now,
        action="task.cancel" if cancel else "task.change",
        subject=f"task:{task.id}",
        after={"due": task.due.isoformat(), "cancelled": cancel},
    )
    return True


async def set_status(
    *,
    session: AsyncSession,
    task: Task,
    person_id: int,
    status: Status,
    note: str | None,
    actor: Actor,
    now: datetime,
    may_change_others: bool,
) -> bool:
    """An assignee's progress: set by themself, or by the secretary (`may_change_others`)."""
    assert task.id is not None
    if task.cancelled_at is not None:
        raise UserError(N_("That task was cancelled."))
    if actor.person_id != person_id and not may_change_others:
        raise UserError(N_("Only the member the task is for, or the secretary, can change its status."))
    row = next((a for a in await assignees(session, task.id) if a.person_id == person_id), None)
    if row is None:
        raise UserError(N_("That task is not for this member."))
    note = " ".join(note.split())[:500] if note else None
    if row.status == status.value and (note is None or note == row.note):
        return False  # the same report again
    before = {"status": row.status, "note": row.note}
    row.status, row.updated_at, row.updated_by_person_id = status.value, now, actor.person_id
    if note:
        row.note = note
    await session.flush()
    await record_change(
        session,
        actor=actor,
        now=now,
        action="task.status",
        subject=f"task:{task.id}",
        before=before,
        after={"person_id": person_id, "status": status.value, "note": row.note},
    )
    return True


async def tasks_of(
    session: AsyncSession, person_id: int, *, include_done: bool = False
) -> list[tuple[Task, TaskAssignee]]:
    """A person's tasks (not cancelled), soonest deadline first; open ones only unless told."""
    query = (
        select(Task, TaskAssignee)
        .join(TaskAssignee, col(TaskAssignee.task_id) == Task.id)
        .where(TaskAssignee.person_id == person_id, col(Task.cancelled_at).is_(None))
        .order_by(col(Task.due), col(Task.id))
    )
    rows = [(task, row) for task, row in (await session.exec(query)).all()]
    return rows if include_done else [(t, a) for t, a in rows if a.status != Status.DONE.value]


async def tasks_of_cell(session: AsyncSession, cell_id: int, *, meeting_id: int | None = None) -> list[Task]:
    """The cell's tasks not cancelled (of one meeting when given), soonest deadline first."""
    query = select(Task).where(Task.cell_id == cell_id, col(Task.cancelled_at).is_(None))
    if meeting_id is not None:
        query = query.where(Task.meeting_id == meeting_id)
    return list((await session.exec(query.order_by(col(Task.due), col(Task.id)))).all())


@dataclass
class TaskLine:
    """One task with each assignee's name and status, for the brief and the resolution."""

    task: Task
    people: list[tuple[str, Status, str | None]] = field(default_factory=list)  # name, status, note


async def lines(session: AsyncSession, tasks: Sequence[Task]) -> list[TaskLine]:
    """Tasks with their assignees' names and statuses (the assignees of all of them in one query)."""
    ids = [task.id for task in tasks if task.id is not None]
    by_task: dict[int, list[TaskAssignee]] = defaultdict(list)
    if ids:
        query = select(TaskAssignee).where(col(TaskAssignee.task_id).in_(ids)).order_by(col(TaskAssignee.id))
        for row in (await session.exec(query)).all():
            by_task[row.task_id].append(row)
    names = await meetings.names_of(session, [r.person_id for rows in by_task.values() for r in rows])
    result = []
    for task in tasks:
        assert task.id is not None
        people = sorted(
            ((names.get(r.person_id, "?"), Status(r.status), r.note) for r in by_task[task.id]),
            key=lambda p: sort_key(p[0]),
        )
        result.append(TaskLine(task, people))
    return result


async def previous_meeting(session: AsyncSession, meeting: Meeting) -> Meeting | None:
    """The cell's last meeting held before this one (opened in the bot, or recorded afterwards)."""
    query = (
        select(Meeting)
        .where(
            Meeting.cell_id == meeting.cell_id,
            col(Meeting.starts_at) < meeting.starts_at,
            col(Meeting.opened_at).is_not(None),
            col(Meeting.cancelled_at).is_(None),
        )
        .order_by(col(Meeting.starts_at).desc())
    )
    return (await session.exec(query)).first()


def task_params(line: TaskLine) -> list[Any]:
    """A task as lines the outbox renders in each reader's language: title and deadline, then each
    assignee with their status (and note)."""
    parts: list[Any] = [f"- {line.task.title} ({line.task.due.strftime('%d/%m/%Y')})"]
    for name, status, note in line.people:
        parts.append(
            {
                "msgid": N_("    %(name)s: %(status)s%(note)s"),
                "params": {
                    "name": name,
                    "status": {"msgid": STATUS_NAMES[status]},
                    "note": f" — {note}" if note else "",
                },
            }
        )
    return parts


async def follow_up(*, session: AsyncSession, meeting: Meeting, cell: Cell, now: datetime, tz: tzinfo) -> int:
    """Ask each member with a task still open and due by this meeting how it is going (with buttons to
    answer); returns how many were asked."""
    assert meeting.id is not None and cell.id is not None
    day = meeting.starts_at.astimezone(tz).date()
    asked = 0
    for task in await tasks_of_cell(session, cell.id):
        assert task.id is not None
        for row in await assignees(session, task.id):
            if not needs_update(Status(row.status), task.due, day):
                continue
            recipients = [r for r in await recipients_of(session, [row.person_id]) if r.chat is not None]
            asked += await queue(
                session=session,
                purpose=FOLLOW_UP_PURPOSE,
                subject=f"task:{task.id}",
                occurrence=f"follow_up:{row.person_id}@{meeting.starts_at.isoformat()}",
                recipients=recipients,
                message_key=FOLLOW_UP,
                params={
                    "cell": cell.name,
                    "when": meetings.local(meeting.starts_at, tz),
                    "title": task.title,
                    "due": task.due.strftime("%d/%m/%Y"),
                    "status": {"msgid": STATUS_NAMES[Status(row.status)]},
                },
                buttons=status_buttons(task.id),
                now=now,
            )
    return asked


def status_buttons(task_id: int) -> list[list[dict[str, str]]]:
    """The statuses an assignee can report, each running /tasks for this task."""
    return [
        [{"label": STATUS_NAMES[status], "data": f"c:tasks {task_id} {status.value}"} for status in Status]
    ]

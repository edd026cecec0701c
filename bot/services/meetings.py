"""Meetings of a cell: planned, announced, answered, opened, checked in to and closed.

Every notice goes through the outbox (rendered for each recipient, with choices that also work by
typing); the rules (states over time, final attendance, duration) are bot.meetings.rules; this module
applies them to the database and audits each change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import inspect
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import markup
from bot.domain import ChatRef
from bot.errors import UserError
from bot.i18n import DEFAULT_LANGUAGE, N_, translator
from bot.meetings.rules import (
    Kind,
    Rules,
    State,
    Timing,
    month_of,
    state_at,
)
from bot.services import people
from bot.services.audit import Actor, record_change
from bot.services.delivery import Recipient, queue, recipients_of
from bot.services.units import zone
from storage import repo
from storage.models import AgendaItem, Attendance, Cell, Meeting, OutboxMessage, Person
from storage.vocabulary import OfficerRole

# The rows commands are handed (commands never import storage themselves).
MeetingRow = Meeting
AttendanceRow = Attendance
PersonRow = Person

PURPOSE = "meeting"
GROUP_PURPOSE = "meeting_group"  # the notice posted in the cell's group chat, with its tally
MAX_PLACE = 200
MAX_AGENDA_ITEM = 300
MAX_AGENDA_ITEMS = 20

KIND_NAMES = {
    Kind.REGULAR: N_("regular meeting"),
    Kind.THEMATIC: N_("thematic meeting"),
    Kind.REGULAR_THEMATIC: N_("regular and thematic meeting"),
    Kind.EXTRAORDINARY: N_("extraordinary meeting"),
}
STATE_NAMES = {
    State.PLANNED: N_("planned"),
    State.OPEN: N_("open"),
    State.CLOSED: N_("closed"),
    State.CANCELLED: N_("cancelled"),
    State.NOT_RECORDED: N_("not recorded"),
}

NOTICE = N_(
    "Notice: %(kind)s of %(cell)s\n"
    "When: %(when)s, until about %(end)s\n"
    "Place: %(place)s\n"
    "Chair: %(chair)s\n"
    "Counts for the month: %(month)s\n"
    "Agenda:"
)
CHANGED = N_(
    "The %(kind)s of %(cell)s has changed. It is now:\n"
    "When: %(when)s, until about %(end)s\n"
    "Place: %(place)s\n"
    "Agenda:"
)


def parse_when(text: str, *, today: date, tz: tzinfo) -> datetime:
    """A start time typed as "19:30 05/12", "05/12/2026 19:30" or "5/12 7:30", in the cell's zone."""
    parts = text.replace(",", " ").split()
    clock = [p for p in parts if ":" in p or "h" in p.lower()]
    day = [p for p in parts if "/" in p or "-" in p]
    if len(clock) != 1 or len(day) != 1 or len(parts) != 2:
        raise UserError(N_("Please write the date and time like this: 19:30 05/12/2026."))
    try:
        hour_text, _, minute_text = clock[0].lower().replace("h", ":").partition(":")
        hour, minute = int(hour_text), int(minute_text or 0)
        pieces = [int(p) for p in day[0].replace("-", "/").split("/")]
        if len(pieces) == 2:
            pieces.append(today.year)
        elif len(pieces) == 3 and pieces[2] < 100:
            pieces[2] += 2000
        if len(pieces) != 3:
            raise ValueError(day[0])
        when = datetime(pieces[2], pieces[1], pieces[0], hour, minute, tzinfo=tz)
    except ValueError:
        raise UserError(
            N_("%(text)s is not a date and time I can read. Please write it like this: 19:30 05/12/2026."),
            text=text[:40],
        ) from None
    if len(day[0].replace("-", "/").split("/")) == 2 and when.date() < today - timedelta(days=31):
        when = when.replace(year=today.year + 1)  # "05/01" typed in December means next January
    return when


def parse_agenda(text: str) -> list[str]:
    """One agenda item per line, numbering and bullets dropped; "-" alone means no agenda yet."""
    items = []
    for line in text.splitlines():
        item = line.strip().lstrip("•*-–").strip()
        head, dot, rest = item.partition(".")
        if dot and head.isdigit():
            item = rest.strip()
        if item:
            items.append(item)
    if len(items) > MAX_AGENDA_ITEMS:
        raise UserError(N_("At most %(max)s agenda items, please."), max=MAX_AGENDA_ITEMS)
    for item in items:
        if len(item) > MAX_AGENDA_ITEM:
            raise UserError(
                N_("An agenda item is at most %(max)s characters: %(item)s…"),
                max=MAX_AGENDA_ITEM,
                item=item[:40],
            )
    return items


def check_place(text: str) -> str:
    """The place, as written; a UserError when empty or too long."""
    place = " ".join(text.split())
    if not place:
        raise UserError(N_("Please write where the meeting takes place."))
    if len(place) > MAX_PLACE:
        raise UserError(N_("The place is at most %(max)s characters."), max=MAX_PLACE)
    return place


def timing(meeting: Meeting) -> Timing:
    """What the rules need of a meeting's times."""
    return Timing(
        starts_at=meeting.starts_at,
        expected_end=meeting.expected_end,
        opened_at=meeting.opened_at,
        closed_at=meeting.closed_at,
        cancelled=meeting.cancelled_at is not None,
        recorded_late=meeting.recorded_late,
    )


def state(meeting: Meeting, now: datetime, rules: Rules) -> State:
    """The meeting's state now."""
    return state_at(timing(meeting), now, rules)


def local(moment: datetime, tz: tzinfo) -> str:
    """A moment as the cell reads it: 19:30 05/12/2026."""
    return moment.astimezone(tz).strftime("%H:%M %d/%m/%Y")


def cell_zone(cell: Cell, default: tzinfo) -> tzinfo:
    """The cell's own time zone, else the configured one."""
    return zone(cell.timezone) or default


@dataclass(frozen=True)
class Plan:
    """What a secretary fills in to create a meeting."""

    kind: Kind
    starts_at: datetime
    place: str
    month: date | None = None  # the reporting month; the start's month when not given
    expected_end: datetime | None = None
    agenda: tuple[str, ...] = ()
    chair_person_id: int | None = None
    minute_taker_person_id: int | None = None


async def create(
    *,
    session: AsyncSession,
    cell: Cell,
    plan: Plan,
    actor: Actor,
    now: datetime,
    rules: Rules,
    default_length: timedelta,
    tz: tzinfo,
    group_language: str = DEFAULT_LANGUAGE,
    send_notice: bool = True,
) -> Meeting:
    """Record the meeting, its agenda and its roster, and queue the notice to every member (a meeting
    the schedule creates ahead sends it later, by its notice lead)."""
    assert cell.id is not None
    ends = plan.expected_end or plan.starts_at + default_length
    if ends <= plan.starts_at:
        raise UserError(N_("The meeting must end after it starts."))
    if plan.starts_at + rules.grace < now:
        raise UserError(N_("That time has already passed. Please give a time still to come."))
    month = month_of(plan.month or plan.starts_at.astimezone(tz).date())
    if plan.kind.counts_as_regular:
        await _check_one_regular(session, cell, month)
    meeting = Meeting(
        cell_id=cell.id,
        kind=plan.kind.value,
        month=month,
        regular_month=month if plan.kind.counts_as_regular else None,
        starts_at=plan.starts_at,
        expected_end=ends,
        place=check_place(plan.place),
        chair_person_id=plan.chair_person_id or actor.person_id,
        minute_taker_person_id=plan.minute_taker_person_id,
        created_by_person_id=actor.person_id,
        created_at=now,
    )
    session.add(meeting)
    await session.flush()
    assert meeting.id is not None
    for position, title in enumerate(plan.agenda, start=1):
        session.add(AgendaItem(meeting_id=meeting.id, position=position, title=title))
    await sync_roster(session=session, meeting=meeting, day=plan.starts_at.astimezone(tz).date())
    if send_notice:
        await queue_notice(session, meeting, cell, now=now, tz=tz, group_language=group_language)
    await record_change(
        session,
        actor=actor,
        now=now,
        action="meeting.create",
        subject=subject_of(meeting.id),
        after={
            "cell_id": cell.id,
            "kind": meeting.kind,
            "month": month.isoformat(),
            "starts_at": meeting.starts_at.isoformat(),
            "place": meeting.place,
            "agenda": list(plan.agenda),
        },
        touched=[("meeting", str(meeting.id))],
    )
    return meeting


async def _check_one_regular(
    session: AsyncSession, cell: Cell, month: date, *, but: int | None = None
) -> None:
    query = select(Meeting).where(Meeting.cell_id == cell.id, Meeting.regular_month == month)
    other = (await session.exec(query)).first()
    if other is not None and other.id != but:
        raise UserError(
            N_(
                "%(cell)s already has its regular meeting for %(month)s (#%(id)s). Cancel or change "
                "that one, or choose another kind."
            ),
            cell=cell.name,
            month=month.strftime("%m/%Y"),
            id=other.id,
        )


def subject_of(meeting_id: int) -> str:
    """The outbox and audit subject of a meeting."""
    return f"meeting:{meeting_id}"


async def agenda_items(session: AsyncSession, meeting_id: int) -> list[AgendaItem]:
    """The meeting's agenda items, in order."""
    query = select(AgendaItem).where(AgendaItem.meeting_id == meeting_id).order_by(col(AgendaItem.position))
    return list((await session.exec(query)).all())


async def agenda(session: AsyncSession, meeting_id: int) -> list[str]:
    """The titles of the meeting's agenda items, in order."""
    return [item.title for item in await agenda_items(session, meeting_id)]


def came(checked_in_at: datetime | None, final: str | None) -> bool:
    """Whether a member was at the meeting: checked in, or (closed, recorded) present or late."""
    return checked_in_at is not None or final in ("present", "late")


def counted_present(row: Attendance) -> bool:
    """Present as the roll call counts: a member of this cell, not exempt, who came ("213" residence
    members and exempt members who come are welcome, but counted apart)."""
    return row.primary_tie and not row.exempt and came(row.checked_in_at, row.final)


def agenda_markup(items: Sequence[str]) -> str:
    """The agenda as a numbered list in the core's markup."""
    if not items:
        return "—"
    return "\n".join(f"{number}. {markup.escape(item)}" for number, item in enumerate(items, start=1))


async def name_of(session: AsyncSession, person_id: int | None) -> str:
    """A person's full name, or a dash."""
    person = await session.get(Person, person_id) if person_id else None
    return person.full_name if person else "—"


async def _notice_params(session: AsyncSession, meeting: Meeting, cell: Cell, tz: tzinfo) -> dict[str, Any]:
    return {
        "kind": {"msgid": KIND_NAMES[Kind(meeting.kind)]},
        "cell": cell.name,
        "when": local(meeting.starts_at, tz),
        "end": meeting.expected_end.astimezone(tz).strftime("%H:%M"),
        "place": meeting.place,
        "chair": await name_of(session, meeting.chair_person_id),
        "month": meeting.month.strftime("%m/%Y"),
    }


def answer_buttons(meeting_id: int) -> list[list[dict[str, str]]]:
    """The notice's choices: come, or ask to be excused (a typed number picks them too)."""
    return [
        [
            {"label": N_("Attend"), "data": f"c:attend #{meeting_id}"},
            {"label": N_("Ask to be excused"), "data": f"c:absent #{meeting_id}"},
        ]
    ]


async def queue_notice(
    session: AsyncSession, meeting: Meeting, cell: Cell, *, now: datetime, tz: tzinfo, group_language: str
) -> None:
    """Send the notice with its answer buttons to every non-exempt member, and post it in the group."""
    assert meeting.id is not None
    if "notice" not in meeting.steps_done:
        meeting.steps_done = [*meeting.steps_done, "notice"]
    rows = await invited(session, meeting, tz)
    await queue(
        session=session,
        purpose=PURPOSE,
        subject=subject_of(meeting.id),
        occurrence="notice",
        recipients=await recipients_of(session, [row.person_id for row in rows]),
        message_key=NOTICE,
        params=await _notice_params(session, meeting, cell, tz),
        text=agenda_markup(await agenda(session, meeting.id)),
        buttons=answer_buttons(meeting.id),
        now=now,
    )
    if cell.group_chat_id and cell.group_chat_platform:
        # The group sees the notice once, with a tally of answers (counts only) edited in place.
        text = await group_text(session, meeting, cell, tz=tz, gettext=translator(group_language).gettext)
        meeting.group_tally = digest(text)
        await queue(
            session=session,
            purpose=GROUP_PURPOSE,
            subject=subject_of(meeting.id),
            occurrence="notice",
            recipients=[Recipient(None, ChatRef(cell.group_chat_platform, cell.group_chat_id))],
            text=text,
            now=now,
        )


async def roster(session: AsyncSession, meeting_id: int) -> list[Attendance]:
    """The meeting's attendance rows (one per member tied to the cell on the day)."""
    query = select(Attendance).where(Attendance.meeting_id == meeting_id).order_by(col(Attendance.id))
    return list((await session.exec(query)).all())


async def sync_roster(*, session: AsyncSession, meeting: Meeting, day: date) -> list[Attendance]:
    """Add a row for each member tied to the cell on `day` who has none; mark exemption and status.

    Rows are kept for people who left since: what they answered stays part of the record.
    """
    assert meeting.id is not None
    cell = await session.get(Cell, meeting.cell_id)
    assert cell is not None
    rows = {row.person_id: row for row in await roster(session, meeting.id)}
    for view in await people.list_members(session=session, cell=cell, day=day):
        assert view.person.id is not None
        row = rows.get(view.person.id)
        if row is None:
            row = Attendance(meeting_id=meeting.id, person_id=view.person.id)
            session.add(row)
            rows[view.person.id] = row
        if row.final is None:
            row.exempt, row.primary_tie, row.status = view.exempt, view.kind == "primary", view.status
    await session.flush()
    return list(rows.values())


async def invited(session: AsyncSession, meeting: Meeting, tz: tzinfo) -> list[Attendance]:
    """The rows of those the meeting is for now: members of the cell on its day, not exempt.

    A scheduled meeting is planned weeks ahead; whoever left the cell since (their row stays, with any
    answer, as part of the record) gets no notice, reminder or place in the brief."""
    day = meeting.starts_at.astimezone(tz).date()
    rows = await sync_roster(session=session, meeting=meeting, day=day)
    cell = await session.get(Cell, meeting.cell_id)
    assert cell is not None
    members = {view.person.id for view in await people.list_members(session=session, cell=cell, day=day)}
    return [row for row in rows if row.person_id in members and not row.exempt]


async def leaders(session: AsyncSession, meeting: Meeting, day: date) -> list[int]:
    """Who is told of answers and asked to close: the secretary, an acting secretary, the chair."""
    ids = [
        r.person_id
        for r in await repo.role_holders(
            session=session, role=OfficerRole.SECRETARY, day=day, cell_id=meeting.cell_id
        )
    ]
    for deputy in await repo.role_holders(
        session=session, role=OfficerRole.DEPUTY, day=day, cell_id=meeting.cell_id
    ):
        if await repo.active_delegation(
            session=session, cell_id=meeting.cell_id, person_id=deputy.person_id, day=day
        ):
            ids.append(deputy.person_id)
    if meeting.chair_person_id:
        ids.append(meeting.chair_person_id)
    return list(dict.fromkeys(ids))


def require_state(meeting: Meeting, now: datetime, rules: Rules, *wanted: State) -> State:
    """The meeting's state, or a UserError saying why nothing can be done in the state it is in."""
    current = state(meeting, now, rules)
    if current in wanted:
        return current
    messages = {
        State.PLANNED: N_("Meeting #%(id)s has not opened yet."),
        State.OPEN: N_("Meeting #%(id)s is open now."),
        State.CLOSED: N_("Meeting #%(id)s has closed."),
        State.CANCELLED: N_("Meeting #%(id)s was cancelled."),
        State.NOT_RECORDED: N_("Meeting #%(id)s was not recorded."),
    }
    raise UserError(messages[current], id=meeting.id)


async def row_for(session: AsyncSession, meeting: Meeting, person_id: int, day: date) -> Attendance:
    """The person's attendance row at the meeting; a UserError when they are not a member of its cell."""
    assert meeting.id is not None
    query = select(Attendance).where(Attendance.meeting_id == meeting.id, Attendance.person_id == person_id)
    row = (await session.exec(query)).first()
    if row is None:
        rows = await sync_roster(session=session, meeting=meeting, day=day)
        row = next((r for r in rows if r.person_id == person_id), None)
    if row is None:
        raise UserError(N_("You are not a member of the cell holding meeting #%(id)s."), id=meeting.id)
    return row


async def find_meetings(*, session: AsyncSession, cell_ids: Sequence[int], since: datetime) -> list[Meeting]:
    """Meetings of these cells whose expected end plus a week is after `since`, soonest first."""
    query = (
        select(Meeting)
        .where(col(Meeting.cell_id).in_(cell_ids), col(Meeting.expected_end) >= since - timedelta(days=7))
        .order_by(col(Meeting.starts_at), col(Meeting.id))
    )
    return list((await session.exec(query)).all())


# ------------------------------------------------------------------------------ the group chat's tally

TALLY_ANSWERED = N_("%(answered)s/%(total)s comrades have answered.")
TALLY_CHECKED_IN = N_("%(present)s/%(total)s comrades have checked in.")
TALLY_CANCELLED = N_("This meeting is cancelled.")
TALLY_CLOSED = N_("The meeting has closed: %(present)s/%(total)s comrades attended.")


async def group_text(
    session: AsyncSession, meeting: Meeting, cell: Cell, *, tz: tzinfo, gettext: Callable[[str], str]
) -> str:
    """The group chat's post of the notice, in the core's markup: counts only, never names or reasons."""
    assert meeting.id is not None
    params = await _notice_params(session, meeting, cell, tz)
    params["kind"] = gettext(KIND_NAMES[Kind(meeting.kind)])
    header = gettext(NOTICE) % params
    rows = [r for r in await roster(session, meeting.id) if not r.exempt]
    total = len(rows)
    present = sum(1 for r in rows if r.checked_in_at is not None)
    if meeting.cancelled_at is not None:
        tally = gettext(TALLY_CANCELLED)
    elif meeting.closed_at is not None:
        tally = gettext(TALLY_CLOSED) % {"present": present, "total": total}
    elif meeting.opened_at is not None:
        tally = gettext(TALLY_CHECKED_IN) % {"present": present, "total": total}
    else:
        answered = sum(1 for r in rows if r.answer is not None)
        tally = gettext(TALLY_ANSWERED) % {"answered": answered, "total": total}
    items = agenda_markup(await agenda(session, meeting.id))
    return f"{markup.escape(header)}\n{items}\n\n*{markup.escape(tally)}*"


async def link_group(
    *, session: AsyncSession, cell: Cell, chat: ChatRef, actor: Actor, now: datetime
) -> bool:
    """Make this group chat the cell's: notices are posted there with a tally. False if it already was."""
    if (cell.group_chat_platform, cell.group_chat_id) == (chat.platform, chat.chat_id):
        return False
    before = {"platform": cell.group_chat_platform, "chat_id": cell.group_chat_id}
    cell.group_chat_platform, cell.group_chat_id = chat.platform, chat.chat_id
    await session.flush()
    await record_change(
        session,
        actor=actor,
        now=now,
        action="cell.link_group",
        subject=f"cell:{cell.id}",
        before=before,
        after={"platform": chat.platform, "chat_id": chat.chat_id},
    )
    return True


def digest(text: str) -> str:
    """A short fingerprint of a text shown: equal fingerprints mean an edit would change nothing."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]


async def group_post(session: AsyncSession, meeting_id: int) -> OutboxMessage | None:
    """The outbox row of the notice posted in the group chat."""
    query = select(OutboxMessage).where(
        OutboxMessage.purpose == GROUP_PURPOSE,
        OutboxMessage.subject == subject_of(meeting_id),
        OutboxMessage.occurrence == "notice",
    )
    return (await session.exec(query)).first()


async def edit(
    *,
    session: AsyncSession,
    meeting: Meeting,
    actor: Actor,
    now: datetime,
    rules: Rules,
    tz: tzinfo,
    starts_at: datetime | None = None,
    place: str | None = None,
    agenda_items: Sequence[str] | None = None,
    by_hand: bool = True,
) -> bool:
    """Change the time, place or agenda of a meeting not yet open; tell each member who answered.

    The reporting month stays: a meeting moved for Tết still counts for its month. A scheduled meeting
    moved by hand no longer follows its cell's rule. False when the change would change nothing.
    """
    assert meeting.id is not None
    require_state(meeting, now, rules, State.PLANNED)
    before = {
        "starts_at": meeting.starts_at.isoformat(),
        "place": meeting.place,
        "agenda": await agenda(session, meeting.id),
    }
    if starts_at is not None and starts_at != meeting.starts_at:
        if starts_at + rules.grace < now:
            raise UserError(N_("That time has already passed. Please give a time still to come."))
        meeting.expected_end = starts_at + (meeting.expected_end - meeting.starts_at)
        meeting.starts_at = starts_at
        meeting.moved_by_hand = meeting.moved_by_hand or by_hand
        # Reminders and the brief are due again for the new time; the notice went out (if it did).
        meeting.steps_done = [step for step in meeting.steps_done if step == "notice"]
    if place is not None:
        meeting.place = check_place(place)
    if agenda_items is not None and list(agenda_items) != before["agenda"]:
        for item in (await session.exec(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id))).all():
            await session.delete(item)
        await session.flush()
        for position, title in enumerate(agenda_items, start=1):
            session.add(AgendaItem(meeting_id=meeting.id, position=position, title=title))
    await session.flush()
    after = {
        "starts_at": meeting.starts_at.isoformat(),
        "place": meeting.place,
        "agenda": await agenda(session, meeting.id),
    }
    if after == before:
        return False
    cell = await session.get(Cell, meeting.cell_id)
    assert cell is not None
    answered = [r.person_id for r in await roster(session, meeting.id) if r.answer is not None]
    params = await _notice_params(session, meeting, cell, tz)
    await queue(
        session=session,
        purpose=PURPOSE,
        subject=subject_of(meeting.id),
        occurrence=f"change:{now.isoformat()}",
        recipients=await recipients_of(session, answered),
        message_key=CHANGED,
        params={k: params[k] for k in ("kind", "cell", "when", "end", "place")},
        text=agenda_markup(after["agenda"]),
        buttons=answer_buttons(meeting.id),
        now=now,
    )
    await record_change(
        session,
        actor=actor,
        now=now,
        action="meeting.edit",
        subject=subject_of(meeting.id),
        before=before,
        after=after,
        touched=[("meeting", str(meeting.id)), ("tally", str(meeting.id))],
    )
    return True


CANCELLED = N_("The %(kind)s of %(cell)s on %(when)s is cancelled.")


async def cancel(
    *, session: AsyncSession, meeting: Meeting, actor: Actor, now: datetime, rules: Rules, tz: tzinfo
) -> None:
    """Cancel a meeting not yet open, and tell everyone who got its notice."""
    assert meeting.id is not None
    require_state(meeting, now, rules, State.PLANNED)
    meeting.cancelled_at, meeting.regular_month = now, None
    cell = await session.get(Cell, meeting.cell_id)
    assert cell is not None
    invited = [r.person_id for r in await roster(session, meeting.id) if not r.exempt]
    params = await _notice_params(session, meeting, cell, tz)
    await queue(
        session=session,
        purpose=PURPOSE,
        subject=subject_of(meeting.id),
        occurrence="cancelled",
        recipients=await recipients_of(session, invited),
        message_key=CANCELLED,
        params={k: params[k] for k in ("kind", "cell", "when")},
        now=now,
    )
    await record_change(
        session,
        actor=actor,
        now=now,
        action="meeting.cancel",
        subject=subject_of(meeting.id),
        after={"cancelled_at": now.isoformat()},
        touched=[("meeting", str(meeting.id)), ("tally", str(meeting.id))],
    )


async def notice_failures(session: AsyncSession, meeting_id: int) -> list[OutboxMessage]:
    """The notice's messages that could not reach their member (not linked, blocked the bot ...)."""
    query = select(OutboxMessage).where(
        OutboxMessage.purpose == PURPOSE,
        OutboxMessage.subject == subject_of(meeting_id),
        OutboxMessage.occurrence == "notice",
        col(OutboxMessage.status).in_(["unreachable", "failed"]),
    )
    return list((await session.exec(query)).all())


async def names_of(session: AsyncSession, person_ids: Sequence[int]) -> dict[int, str]:
    """Full names by person id: those the session already holds, the rest in one query.

    A summary names the same members in every section. The people are loaded whole and kept for the
    session's life (the identity map alone holds them weakly), so the next call finds them, and a
    rename made through this session shows at once, as it would on any object the session holds.
    """
    kept: dict[int, Person] = session.info.setdefault("names_of", {})
    mapper = inspect(Person)
    names: dict[int, str] = {}
    missing = []
    for pid in set(person_ids):
        held = kept.get(pid) or session.identity_map.get(mapper.identity_key_from_primary_key((pid,)))
        # In the database (not deleted, not rolled back) and loaded, not expired.
        if held is not None and inspect(held).persistent and "full_name" in vars(held):
            names[pid] = held.full_name
        else:
            missing.append(pid)
    if missing:
        for person in (await session.exec(select(Person).where(col(Person.id).in_(missing)))).all():
            if person.id is not None:
                kept[person.id] = person
                names[person.id] = person.full_name
    return names


async def last_held_day(session: AsyncSession, cell_id: int) -> date | None:
    """The day the cell last met (a meeting opened in the bot, or recorded afterwards)."""
    query = (
        select(Meeting.opened_at)
        .where(
            Meeting.cell_id == cell_id,
            col(Meeting.opened_at).is_not(None),
            col(Meeting.cancelled_at).is_(None),
        )
        .order_by(col(Meeting.opened_at).desc())
    )
    opened = (await session.exec(query)).first()
    return opened.date() if opened else None

"""Attendance at a meeting: each member's answer to the notice (with a reason), the opening and the
check-ins (late ones too), the close with the secretary's view of each reason, a meeting recorded
afterwards, and the job that closes a forgotten meeting or notes one never opened.

The rules are bot.meetings.rules; the meeting, its notice and its roster are bot.services.meetings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import UserError
from bot.i18n import N_
from bot.meetings.rules import (
    Answer,
    Kind,
    MemberFacts,
    Rules,
    State,
    Verdict,
    closes_early,
    final_attendance,
)
from bot.services import resolution
from bot.services.audit import Actor, record_change
from bot.services.delivery import queue, recipients_of
from bot.services.meetings import (
    PURPOSE,
    leaders,
    local,
    require_state,
    row_for,
    state,
    subject_of,
    sync_roster,
)
from storage.models import Attendance, Cell, Meeting, OutboxMessage, Person

MAX_REASON = 500
# A meeting may be opened this long before its scheduled start (people arrive early).
OPENS_EARLY = timedelta(hours=2)
# The reasons a member picks from (free text is kept as written); stored as ":<key>".
REASONS = {
    "illness": N_("illness"),
    "work": N_("business trip"),
    "family": N_("sudden family matter"),
}
ANSWERED_ATTEND = N_("%(name)s will attend the meeting of %(when)s.")
ANSWERED_ABSENT = N_("%(name)s asks to be excused from the meeting of %(when)s. Reason: %(reason)s")
OPENED = N_("The meeting of %(cell)s has opened. Check in when you arrive:")
AUTO_CLOSED = N_(
    "The meeting of %(when)s was not closed, so I closed it at %(closed)s. Members not ticked in are "
    "unconfirmed until you confirm the roll call: send /close."
)
NOT_RECORDED = N_(
    "The meeting of %(when)s was never opened here, so it is not recorded and nobody is marked absent. "
    "If the cell met, record who came with /record."
)


def check_reason(text: str) -> str:
    """An absence reason as stored: a preset's key, or the text as written (at most 500 characters)."""
    reason = " ".join(text.split())
    if reason.startswith(":") and reason[1:] in REASONS:
        return reason
    if not reason:
        raise UserError(N_("Please give a reason for your absence."))
    if len(reason) > MAX_REASON:
        raise UserError(N_("A reason is at most %(max)s characters."), max=MAX_REASON)
    return reason


def reason_text(reason: str | None, gettext: Any) -> str:
    """A stored reason in the reader's language (a preset is translated; free text is as written)."""
    if not reason:
        return ""
    if reason.startswith(":") and reason[1:] in REASONS:
        return str(gettext(REASONS[reason[1:]]))
    return reason


def reason_param(reason: str | None) -> Any:
    """A reason as an outbox parameter: a preset is translated for each recipient."""
    if reason and reason.startswith(":") and reason[1:] in REASONS:
        return {"msgid": REASONS[reason[1:]]}
    return reason or ""


@dataclass(frozen=True)
class Answered:
    """What an answer changed."""

    changed: bool
    row: Attendance


async def answer(
    *,
    session: AsyncSession,
    meeting: Meeting,
    person: Person,
    given: Answer,
    reason: str | None,
    actor: Actor,
    now: datetime,
    rules: Rules,
    tz: tzinfo,
) -> Answered:
    """Record a member's answer to the notice and tell the secretary at once (each change anew)."""
    assert person.id is not None and meeting.id is not None
    require_state(meeting, now, rules, State.PLANNED)
    row = await row_for(session, meeting, person.id, now.astimezone(tz).date())
    if row.exempt:
        raise UserError(N_("You are exempt from meetings, so no answer is needed."))
    stored = check_reason(reason or "") if given is Answer.ABSENT else None
    if (row.answer, row.reason) == (given.value, stored):
        return Answered(False, row)
    before = {"answer": row.answer, "reason": row.reason}
    row.answer, row.reason, row.answered_at, row.answers = given.value, stored, now, row.answers + 1
    row.verdict = None  # a new reason waits for the secretary's view afresh
    await session.flush()
    when = local(meeting.starts_at, tz)
    await queue(
        session=session,
        purpose="meeting_answer",
        subject=subject_of(meeting.id),
        occurrence=f"{person.id}:{row.answers}",
        recipients=await recipients_of(
            session, [p for p in await leaders(session, meeting, now.astimezone(tz).date()) if p != person.id]
        ),
        message_key=ANSWERED_ATTEND if given is Answer.ATTEND else ANSWERED_ABSENT,
        params={"name": person.full_name, "when": when, "reason": reason_param(stored)},
        now=now,
    )
    await record_change(
        session,
        actor=actor,
        now=now,
        action="meeting.answer",
        subject=subject_of(meeting.id),
        before=before,
        after={"person_id": person.id, "answer": row.answer, "reason": row.reason},
        touched=[("tally", str(meeting.id))],
    )
    return Answered(True, row)


async def open_meeting(
    *, session: AsyncSession, meeting: Meeting, actor: Actor, now: datetime, rules: Rules, tz: tzinfo
) -> None:
    """Open the meeting: record the time and offer those who said they would come a check-in button."""
    assert meeting.id is not None
    require_state(meeting, now, rules, State.PLANNED)
    if now < meeting.starts_at - OPENS_EARLY:
        raise UserError(
            N_("Meeting #%(id)s starts at %(when)s; it can be opened from two hours before."),
            id=meeting.id,
            when=local(meeting.starts_at, tz),
        )
    meeting.opened_at = now
    rows = await sync_roster(session=session, meeting=meeting, day=now.astimezone(tz).date())
    cell = await session.get(Cell, meeting.cell_id)
    assert cell is not None
    coming = [r.person_id for r in rows if r.answer == Answer.ATTEND and not r.exempt]
    await queue(
        session=session,
        purpose=PURPOSE,
        subject=subject_of(meeting.id),
        occurrence="opened",
        recipients=[r for r in await recipients_of(session, coming) if r.chat is not None],
        message_key=OPENED,
        params={"cell": cell.name},
        buttons=[[{"label": N_("Check in"), "data": f"c:checkin #{meeting.id}"}]],
        now=now,
    )
    await record_change(
        session,
        actor=actor,
        now=now,
        action="meeting.open",
        subject=subject_of(meeting.id),
        after={"opened_at": now.isoformat()},
        touched=[("meeting", str(meeting.id)), ("tally", str(meeting.id))],
    )


async def check_in(
    *,
    session: AsyncSession,
    meeting: Meeting,
    person_id: int,
    actor: Actor,
    now: datetime,
    rules: Rules,
    tz: tzinfo,
) -> Attendance | None:
    """Check a member in (themself, or ticked by the secretary); None when they already were."""
    assert meeting.id is not None
    require_state(meeting, now, rules, State.OPEN)
    row = await row_for(session, meeting, person_id, now.astimezone(tz).date())
    if row.checked_in_at is not None:
        return None
    row.checked_in_at = now
    row.ticked_by_person_id = actor.person_id if actor.person_id != person_id else None
    await session.flush()
    await record_change(
        session,
        actor=actor,
        now=now,
        action="meeting.check_in",
        subject=subject_of(meeting.id),
        after={"person_id": person_id, "at": now.isoformat(), "ticked": row.ticked_by_person_id is not None},
        touched=[("tally", str(meeting.id))],
    )
    return row


def is_late(row: Attendance, meeting: Meeting, rules: Rules) -> bool:
    """Whether the check-in came later than the grace after opening."""
    return (
        row.checked_in_at is not None
        and meeting.opened_at is not None
        and row.checked_in_at > meeting.opened_at + rules.late_after
    )


def facts(row: Attendance) -> MemberFacts:
    """What the rules need of one member's row."""
    return MemberFacts(
        exempt=row.exempt,
        answer=Answer(row.answer) if row.answer else None,
        reason=row.reason,
        verdict=Verdict(row.verdict) if row.verdict else None,
        checked_in_at=row.checked_in_at,
    )


def pending_reasons(rows: Iterable[Attendance]) -> list[Attendance]:
    """Absences with a reason the secretary has not yet accepted or rejected (not ticked in)."""
    return [
        r
        for r in rows
        if not r.exempt
        and r.answer == Answer.ABSENT
        and r.reason
        and r.checked_in_at is None
        and r.verdict is None
    ]


def closing_early(meeting: Meeting, now: datetime, rules: Rules) -> bool:
    """Whether closing now would be shorter than the minimum for the meeting's kind."""
    return meeting.opened_at is not None and closes_early(Kind(meeting.kind), meeting.opened_at, now, rules)


async def close(
    *,
    session: AsyncSession,
    meeting: Meeting,
    verdicts: dict[int, Verdict],
    actor: Actor,
    now: datetime,
    rules: Rules,
    tz: tzinfo,
    early_confirmed: bool = False,
) -> list[Attendance]:
    """Close an open meeting (or confirm the roll call of one closed automatically): fix each member's
    one final state, with the secretary's view of each reason."""
    assert meeting.id is not None
    current = require_state(meeting, now, rules, State.OPEN, State.CLOSED)
    confirming = current is State.CLOSED
    if confirming and meeting.closed_at is None and meeting.opened_at is not None:
        # Past its deadline and the job has not run yet: it closed by itself all the same.
        meeting.closed_at = meeting.expected_end + rules.grace
        meeting.closed_automatically, meeting.roll_call_confirmed = True, False
    if confirming and meeting.roll_call_confirmed:
        raise UserError(N_("Meeting #%(id)s is already closed."), id=meeting.id)
    if not confirming and closing_early(meeting, now, rules) and not early_confirmed:
        raise UserError(N_("Closing now is shorter than the minimum: please confirm."))
    day = meeting.starts_at.astimezone(tz).date()
    rows = await sync_roster(session=session, meeting=meeting, day=day)
    for row in rows:
        if row.person_id in verdicts and row.answer == Answer.ABSENT and row.checked_in_at is None:
            row.verdict, row.verdict_by_person_id = verdicts[row.person_id].value, actor.person_id
    if not confirming:
        meeting.closed_at = now
        meeting.closed_early = closing_early(meeting, now, rules)
        await resolution.close_open_vote(session=session, meeting=meeting, actor=actor, now=now)
    meeting.roll_call_confirmed = True
    fix_finals(rows, meeting, rules)
    await session.flush()
    await record_change(
        session,
        actor=actor,
        now=now,
        action="meeting.confirm_roll_call" if confirming else "meeting.close",
        subject=subject_of(meeting.id),
        after={
            "closed_at": meeting.closed_at.isoformat() if meeting.closed_at else None,
            "closed_early": meeting.closed_early,
            "verdicts": {str(k): v.value for k, v in verdicts.items()},
        },
        touched=[("meeting", str(meeting.id)), ("tally", str(meeting.id))],
    )
    return rows


def fix_finals(rows: Iterable[Attendance], meeting: Meeting, rules: Rules) -> None:
    """Write each row's final state from the rules."""
    for row in rows:
        row.final = final_attendance(
            facts(row),
            opened_at=meeting.opened_at,
            rules=rules,
            closed_automatically=meeting.closed_automatically,
            roll_call_confirmed=meeting.roll_call_confirmed,
        ).value


async def record_late(
    *,
    session: AsyncSession,
    meeting: Meeting,
    came: set[int],
    verdicts: dict[int, Verdict],
    actor: Actor,
    now: datetime,
    rules: Rules,
    tz: tzinfo,
) -> list[Attendance]:
    """Record a meeting that was held without the bot: who came; it then counts like any closed one."""
    assert meeting.id is not None
    require_state(meeting, now, rules, State.NOT_RECORDED)
    rows = await sync_roster(session=session, meeting=meeting, day=meeting.starts_at.astimezone(tz).date())
    meeting.opened_at, meeting.closed_at, meeting.recorded_late = (
        meeting.starts_at,
        meeting.expected_end,
        True,
    )
    for row in rows:
        if row.person_id in came:
            row.checked_in_at, row.ticked_by_person_id = meeting.starts_at, actor.person_id
        if row.person_id in verdicts and row.answer == Answer.ABSENT and row.person_id not in came:
            row.verdict, row.verdict_by_person_id = verdicts[row.person_id].value, actor.person_id
    fix_finals(rows, meeting, rules)
    await session.flush()
    await record_change(
        session,
        actor=actor,
        now=now,
        action="meeting.record_late",
        subject=subject_of(meeting.id),
        after={"came": sorted(came), "verdicts": {str(k): v.value for k, v in verdicts.items()}},
        touched=[("meeting", str(meeting.id)), ("tally", str(meeting.id))],
    )
    return rows


async def auto_close(
    *, session: AsyncSession, meeting: Meeting, now: datetime, rules: Rules, tz: tzinfo
) -> str | None:
    """At the expected end plus the grace: close an open meeting nobody closed (its roll call then waits
    for the secretary), or tell the secretary a meeting never opened is not recorded. Returns what it did."""
    assert meeting.id is not None
    current = state(meeting, now, rules)
    deadline = meeting.expected_end + rules.grace
    when = local(meeting.starts_at, tz)
    day = meeting.starts_at.astimezone(tz).date()
    if current is State.CLOSED and meeting.closed_at is None and meeting.opened_at is not None:
        rows = await sync_roster(session=session, meeting=meeting, day=day)
        meeting.closed_at, meeting.closed_automatically, meeting.roll_call_confirmed = deadline, True, False
        fix_finals(rows, meeting, rules)
        await resolution.close_open_vote(session=session, meeting=meeting, actor=Actor("job"), now=now)
        key, params, action = AUTO_CLOSED, {"when": when, "closed": local(deadline, tz)}, "meeting.auto_close"
    elif current is State.NOT_RECORDED:
        key, params, action = NOT_RECORDED, {"when": when}, "meeting.not_recorded"
    else:
        return None
    queued = await queue(
        session=session,
        purpose=PURPOSE,
        subject=subject_of(meeting.id),
        occurrence=action,
        recipients=await recipients_of(session, await leaders(session, meeting, day)),
        message_key=key,
        params=params,
        now=now,
    )
    if queued or action == "meeting.auto_close":
        await record_change(
            session,
            actor=Actor("job"),
            now=now,
            action=action,
            subject=subject_of(meeting.id),
            after=params,
            touched=[("tally", str(meeting.id))],
        )
    return action


async def due_meetings(*, session: AsyncSession, now: datetime, rules: Rules) -> list[Meeting]:
    """Meetings past their expected end plus the grace that a job must still look at: not cancelled,
    not closed, not recorded afterwards, and (when never opened) not yet noted as not recorded."""
    query = select(Meeting).where(
        col(Meeting.cancelled_at).is_(None),
        col(Meeting.closed_at).is_(None),
        col(Meeting.recorded_late).is_(False),
        col(Meeting.expected_end) <= now - rules.grace,
    )
    found = list((await session.exec(query)).all())
    noted = set()
    if found:
        told = select(OutboxMessage.subject).where(
            OutboxMessage.purpose == PURPOSE,
            OutboxMessage.occurrence == "meeting.not_recorded",
            col(OutboxMessage.subject).in_([subject_of(m.id or 0) for m in found]),
        )
        noted = set((await session.exec(told)).all())
    return [m for m in found if subject_of(m.id or 0) not in noted]

"""Meetings in chat: /meeting (plan and announce), /meeting_edit, /attend and /absent, /open, /checkin,
/tick, /close, /record, /rollcall and /linkgroup. The rules live in bot.meetings.rules and
bot.services.meetings; these only ask, check and answer."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.chat import Ctx, cmd_button, flow_button
from bot.commands import visits as visits_commands
from bot.commands.common import meeting_of as _meeting
from bot.commands.common import rules as _rules
from bot.commands.common import zone as _tz
from bot.domain import Button
from bot.errors import UserError
from bot.flows import Form, advance, finish
from bot.i18n import N_
from bot.meetings.rules import Answer, Kind, State, Verdict, add_months, minimum_minutes, month_of
from bot.names import sort_key
from bot.services import attendance, charter, meetings, people, rollcall, summary
from bot.services.meetings import AttendanceRow, MeetingRow, PersonRow

CHOOSE = N_("Please choose one of the choices, or send /cancel.")
LATER = N_("Chosen at the meeting")
WHEN_EXAMPLE = N_(
    "When does it start? Write the date and time, for example 19:30 05/12/2026. Send /cancel to stop."
)


# ----------------------------------------------------------------------------------- /meeting (/hop)


async def meeting(ctx: Ctx) -> None:
    """Plan a meeting: kind, time, reporting month, place, agenda, chair, then preview and send."""
    assert ctx.cell is not None
    await visits_commands.requests_for_agenda(ctx)
    await ctx.begin_form("meeting", "kind")
    ctx.reply(
        ctx._(
            N_("Planning a meeting of %(cell)s. What kind of meeting? Send /cancel to stop."),
            cell=ctx.cell.name,
        ),
        tuple((flow_button(ctx._(meetings.KIND_NAMES[kind]), kind.value),) for kind in Kind),
    )


async def meeting_step(ctx: Ctx, state: Form, answer: str) -> None:
    """kind → when → month (regular kinds) → place → agenda → chair → minute-taker → confirm → announced."""
    assert ctx.cell is not None and ctx.cell.id is not None
    tz, rules = _tz(ctx), _rules(ctx)
    if state.step == "kind":
        if answer not in {k.value for k in Kind}:
            ctx.reply(ctx._(CHOOSE))
            return
        await advance(session=ctx.session, state=state, step="when", now=ctx.now, kind=answer)
        ctx.reply(ctx._(WHEN_EXAMPLE))
        return
    if state.step == "when":
        starts = meetings.parse_when(answer, today=ctx.today, tz=tz)
        if starts + rules.grace < ctx.now:
            raise UserError(N_("That time has already passed. Please give a time still to come."))
        await advance(
            session=ctx.session, state=state, step="month", now=ctx.now, starts_at=starts.isoformat()
        )
        if Kind(state.data["kind"]).counts_as_regular:
            month = month_of(starts.date())
            # Its own month first; a meeting moved (for Tết) or held early counts for the month around it.
            months = (month, add_months(month, -1), add_months(month, 1))
            ctx.reply(
                ctx._(
                    N_(
                        "Which month's regular meeting is it? (A meeting moved, e.g. for Tết, counts "
                        "for its own month.)"
                    )
                ),
                tuple((flow_button(m.strftime("%m/%Y"), m.isoformat()),) for m in months),
            )
            return
        state.step, answer = "month", month_of(starts.date()).isoformat()
    if state.step == "month":
        try:
            month = date.fromisoformat(answer)
        except ValueError:
            ctx.reply(ctx._(CHOOSE))
            return
        await advance(session=ctx.session, state=state, step="place", now=ctx.now, month=month.isoformat())
        ctx.reply(ctx._(N_("Where does the meeting take place?")))
        return
    if state.step == "place":
        await advance(
            session=ctx.session, state=state, step="agenda", now=ctx.now, place=meetings.check_place(answer)
        )
        ctx.reply(ctx._(N_("Write the agenda, one item per line. Send - if there is none yet.")))
        return
    if state.step == "agenda":
        items = [] if answer.strip() in ("-", "—") else meetings.parse_agenda(answer)
        await advance(session=ctx.session, state=state, step="chair", now=ctx.now, agenda=items)
        officers = [
            v for v in await people.list_members(session=ctx.session, cell=ctx.cell, day=ctx.today) if v.roles
        ]
        me = ctx.require_person()
        choices = [(me.id, ctx._(N_("Me (%(name)s)"), name=me.full_name))]
        choices += [(v.person.id, v.person.full_name) for v in officers if v.person.id != me.id]
        ctx.reply(
            ctx._(N_("Who chairs the meeting?")),
            tuple((flow_button(label, str(pid)),) for pid, label in choices),
        )
        return
    if state.step == "chair":
        chair = await _officer(ctx, answer)
        if chair is None:
            ctx.reply(ctx._(CHOOSE))
            return
        await advance(session=ctx.session, state=state, step="minutes", now=ctx.now, chair=chair.id)
        members = await people.list_members(session=ctx.session, cell=ctx.cell, day=ctx.today)
        ctx.reply(
            ctx._(N_("Who takes the minutes (thư ký)?")),
            ((flow_button(ctx._(LATER), "later"),),)
            + tuple((flow_button(v.person.full_name, str(v.person.id)),) for v in members if not v.exempt),
        )
        return
    if state.step == "minutes":
        taker = await _member(ctx, answer) if answer != "later" else None
        if taker is None and answer != "later":
            ctx.reply(ctx._(CHOOSE))
            return
        await advance(
            session=ctx.session, state=state, step="confirm", now=ctx.now, minutes=taker.id if taker else None
        )
        ctx.reply(
            await _preview(ctx, state),
            ((flow_button(ctx._(N_("Send")), "send"), flow_button(ctx._(N_("Cancel")), "cancel")),),
        )
        return
    if answer not in ("send", "cancel"):
        ctx.reply(ctx._(CHOOSE))
        return
    await finish(session=ctx.session, state=state)
    if answer == "cancel":
        ctx.reply(ctx._(N_("Cancelled. Nothing from that form was saved.")))
        return
    created = await meetings.create(
        session=ctx.session,
        cell=ctx.cell,
        plan=_plan(state),
        actor=ctx.actor,
        now=ctx.now,
        rules=rules,
        default_length=timedelta(minutes=ctx.config.meetings.default_length_minutes),
        tz=tz,
        group_language=ctx.config.default_language,
    )
    invited = sum(1 for r in await meetings.roster(ctx.session, created.id or 0) if not r.exempt)
    ctx.reply(
        ctx._(
            N_(
                "Meeting #%(id)s is planned. The notice is going to %(count)s members; I will tell "
                "you each answer. /rollcall shows who answered and whom the notice could not reach."
            ),
            id=created.id,
            count=invited,
        )
    )
    ctx.outcome.wake_delivery = True


def _plan(state: Form) -> meetings.Plan:
    return meetings.Plan(
        kind=Kind(state.data["kind"]),
        starts_at=datetime.fromisoformat(state.data["starts_at"]),
        place=state.data["place"],
        month=date.fromisoformat(state.data["month"]),
        agenda=tuple(state.data["agenda"]),
        chair_person_id=state.data["chair"],
        minute_taker_person_id=state.data.get("minutes"),
    )


async def _officer(ctx: Ctx, answer: str) -> PersonRow | None:
    """The chair picked: the person themself or an officer of the cell."""
    assert ctx.cell is not None
    if not answer.isdigit():
        return None
    for view in await people.list_members(session=ctx.session, cell=ctx.cell, day=ctx.today):
        if str(view.person.id) == answer and (view.roles or view.person.id == ctx.require_person().id):
            return view.person
    return None


async def _member(ctx: Ctx, answer: str) -> PersonRow | None:
    """The minute-taker picked: a member of the cell not exempt."""
    assert ctx.cell is not None
    for view in await people.list_members(session=ctx.session, cell=ctx.cell, day=ctx.today):
        if str(view.person.id) == answer.strip() and not view.exempt:
            return view.person
    return None


async def _preview(ctx: Ctx, state: Form) -> str:
    assert ctx.cell is not None
    plan = _plan(state)
    tz = _tz(ctx)
    ends = plan.starts_at + timedelta(minutes=ctx.config.meetings.default_length_minutes)
    lines = [
        ctx._(N_("Please check the notice before it goes to every member:")),
        "",
        ctx._(
            meetings.NOTICE,
            kind=ctx._(meetings.KIND_NAMES[plan.kind]),
            cell=ctx.cell.name,
            when=meetings.local(plan.starts_at, tz),
            end=ends.astimezone(tz).strftime("%H:%M"),
            place=plan.place,
            chair=await meetings.name_of(ctx.session, plan.chair_person_id),
            month=(plan.month or plan.starts_at.date()).strftime("%m/%Y"),
        ),
    ]
    lines += [f"{n}. {item}" for n, item in enumerate(plan.agenda, start=1)] or ["—"]
    taker = plan.minute_taker_person_id
    lines += [
        "",
        ctx._(
            N_("Minutes: %(name)s"),
            name=await meetings.name_of(ctx.session, taker) if taker else ctx._(LATER),
        ),
    ]
    return "\n".join(lines)


# ------------------------------------------------------------------------------ /meeting_edit (/suahop)

EDITABLE = {
    "time": N_("Time"),
    "place": N_("Place"),
    "agenda": N_("Agenda"),
    "cancel": N_("Cancel the meeting"),
}


async def meeting_edit(ctx: Ctx) -> None:
    """Change a planned meeting's time, place or agenda, or cancel it."""
    meeting = _meeting(ctx)
    meetings.require_state(meeting, ctx.now, _rules(ctx), State.PLANNED)
    await ctx.begin_form("meeting_edit", "what")
    ctx.reply(
        ctx._(N_("What do you want to change in meeting #%(id)s?"), id=meeting.id),
        tuple((flow_button(ctx._(label), key),) for key, label in EDITABLE.items()),
    )


async def meeting_edit_step(ctx: Ctx, state: Form, answer: str) -> None:
    """what → the new value (or a confirmation to cancel) → saved, and those who answered are told."""
    meeting, tz, rules = _meeting(ctx), _tz(ctx), _rules(ctx)
    if state.step == "what":
        if answer not in EDITABLE:
            ctx.reply(ctx._(CHOOSE))
            return
        await advance(session=ctx.session, state=state, step=answer, now=ctx.now)
        if answer == "cancel":
            ctx.reply(
                ctx._(N_("Cancel meeting #%(id)s and tell every member?"), id=meeting.id),
                ((flow_button(ctx._(N_("Yes, cancel it")), "yes"), flow_button(ctx._(N_("No")), "no")),),
            )
        else:
            questions = {
                "time": WHEN_EXAMPLE,
                "place": N_("Where does the meeting take place?"),
                "agenda": N_("Write the agenda, one item per line. Send - if there is none yet."),
            }
            ctx.reply(ctx._(questions[answer]))
        return
    if state.step == "cancel":
        if answer not in ("yes", "no"):
            ctx.reply(ctx._(CHOOSE))
            return
        await finish(session=ctx.session, state=state)
        if answer == "no":
            ctx.reply(ctx._(N_("Nothing was changed.")))
            return
        await meetings.cancel(
            session=ctx.session, meeting=meeting, actor=ctx.actor, now=ctx.now, rules=rules, tz=tz
        )
        ctx.reply(ctx._(N_("Meeting #%(id)s is cancelled; every member is being told."), id=meeting.id))
        ctx.outcome.wake_delivery = True
        return
    starts = meetings.parse_when(answer, today=ctx.today, tz=tz) if state.step == "time" else None
    items = None
    if state.step == "agenda":
        items = [] if answer.strip() in ("-", "—") else meetings.parse_agenda(answer)
    changed = await meetings.edit(
        session=ctx.session,
        meeting=meeting,
        actor=ctx.actor,
        now=ctx.now,
        rules=rules,
        tz=tz,
        starts_at=starts,
        place=answer if state.step == "place" else None,
        agenda_items=items,
    )
    await finish(session=ctx.session, state=state)
    if not changed:
        ctx.reply(ctx._(N_("That is what it was already; nothing was changed.")))
        return
    ctx.reply(
        ctx._(N_("Meeting #%(id)s is changed. Members who had answered are being told."), id=meeting.id)
    )
    ctx.outcome.wake_delivery = True


# ------------------------------------------------------------------------- /attend (/comat), /absent (/vang)


async def attend(ctx: Ctx) -> None:
    """Say you will come."""
    meeting = _meeting(ctx)
    done = await _answer(ctx, meeting, Answer.ATTEND, None)
    when = meetings.local(meeting.starts_at, _tz(ctx))
    if not done.changed:
        ctx.reply(
            ctx._(N_("You had already said you will attend the meeting of %(when)s."), when=when),
            keep_pressed=True,  # the notice stays, with its buttons to change the answer
        )
        return
    ctx.reply(
        ctx._(
            N_(
                "Thank you: you will attend the meeting of %(when)s. You can change your answer "
                "until it opens."
            ),
            when=when,
        ),
        keep_pressed=True,
    )
    ctx.outcome.wake_delivery = True


async def absent(ctx: Ctx) -> None:
    """Ask to be excused: with the reason typed after the command, or chosen next."""
    meeting = _meeting(ctx)
    if ctx.args:
        await _absent(ctx, meeting, " ".join(ctx.args), keep_pressed=True)
        return
    meetings.require_state(meeting, ctx.now, _rules(ctx), State.PLANNED)
    await ctx.begin_form("absent", "reason")
    ctx.reply(
        ctx._(N_("Why can you not come? Choose a reason or write your own. Send /cancel to stop.")),
        tuple((flow_button(ctx._(label), f":{key}"),) for key, label in attendance.REASONS.items()),
        keep_pressed=True,  # pressed on the notice: the notice stays
    )


async def absent_step(ctx: Ctx, state: Form, answer: str) -> None:
    """The reason: a choice, or free text."""
    attendance.check_reason(answer)  # a refusal keeps the form open for another try
    await finish(session=ctx.session, state=state)
    await _absent(ctx, _meeting(ctx), answer)


async def _answer(ctx: Ctx, meeting: MeetingRow, given: Answer, reason: str | None) -> attendance.Answered:
    """Record this person's answer to the meeting's notice (the secretary is told by the service)."""
    return await attendance.answer(
        session=ctx.session,
        meeting=meeting,
        person=ctx.require_person(),
        given=given,
        reason=reason,
        actor=ctx.actor,
        now=ctx.now,
        rules=_rules(ctx),
        tz=_tz(ctx),
    )


async def _absent(ctx: Ctx, meeting: MeetingRow, reason: str, *, keep_pressed: bool = False) -> None:
    done = await _answer(ctx, meeting, Answer.ABSENT, reason)
    shown = attendance.reason_text(done.row.reason, ctx.gettext)
    if not done.changed:
        ctx.reply(
            ctx._(N_("You had already asked to be excused (reason: %(reason)s)."), reason=shown),
            keep_pressed=keep_pressed,
        )
        return
    ctx.reply(
        ctx._(
            N_("Noted: you asked to be excused (reason: %(reason)s). The secretary has been told."),
            reason=shown,
        ),
        keep_pressed=keep_pressed,
    )
    ctx.outcome.wake_delivery = True


# ------------------------------------------------------------------------------ /open, /checkin, /tick


async def open_(ctx: Ctx) -> None:
    """Open the meeting; those who said they would come get a check-in button; the runner gets the list."""
    meeting = _meeting(ctx)
    await attendance.open_meeting(
        session=ctx.session, meeting=meeting, actor=ctx.actor, now=ctx.now, rules=_rules(ctx), tz=_tz(ctx)
    )
    opened = ctx._(
        N_("Meeting #%(id)s is open from %(time)s. Members check in with /checkin."),
        id=meeting.id,
        time=ctx.now.astimezone(_tz(ctx)).strftime("%H:%M"),
    )
    text, buttons = await _tick_list(ctx, meeting)
    ctx.reply(opened + "\n\n" + text, buttons)
    ctx.outcome.wake_delivery = True


async def checkin(ctx: Ctx) -> None:
    """Check yourself in."""
    meeting = _meeting(ctx)
    person = ctx.require_person()
    assert person.id is not None
    row = await attendance.check_in(
        session=ctx.session,
        meeting=meeting,
        person_id=person.id,
        actor=ctx.actor,
        now=ctx.now,
        rules=_rules(ctx),
        tz=_tz(ctx),
    )
    if row is None:
        ctx.reply(ctx._(N_("You are already checked in.")), keep_pressed=True)
        return
    time = ctx.now.astimezone(_tz(ctx)).strftime("%H:%M")
    # Speak: the member's next message becomes their contribution (/say).
    speak = ((cmd_button(ctx._(N_("Speak")), "say", f"#{meeting.id}"),),)
    if attendance.is_late(row, meeting, _rules(ctx)):
        ctx.reply(ctx._(N_("Checked in at %(time)s, recorded as late."), time=time), speak, keep_pressed=True)
    else:
        ctx.reply(ctx._(N_("Checked in at %(time)s. Welcome, comrade."), time=time), speak, keep_pressed=True)


async def tick(ctx: Ctx) -> None:
    """The list of members not checked in, to tick in by hand; /tick <id> ticks one in."""
    meeting = _meeting(ctx)
    if ctx.args:
        if not ctx.args[0].isdigit():
            raise UserError(N_("Choose a member from the list."))
        row = await attendance.check_in(
            session=ctx.session,
            meeting=meeting,
            person_id=int(ctx.args[0]),
            actor=ctx.actor,
            now=ctx.now,
            rules=_rules(ctx),
            tz=_tz(ctx),
        )
        if row is None:
            ctx.outcome.answer = ctx._(N_("Already checked in."))
    ctx.reply(*await _tick_list(ctx, meeting))


async def _tick_list(ctx: Ctx, meeting: MeetingRow) -> tuple[str, tuple[tuple[Button, ...], ...]]:
    """How many are in, and a choice of those not yet in, to tick."""
    assert meeting.id is not None
    rows = await meetings.sync_roster(session=ctx.session, meeting=meeting, day=ctx.today)
    names = await _names(ctx, rows)
    waiting = sorted(
        (r for r in rows if r.checked_in_at is None and not r.exempt),
        key=lambda r: sort_key(names[r.person_id]),
    )
    present = sum(1 for r in rows if r.checked_in_at is not None)
    total = sum(1 for r in rows if not r.exempt)
    text = ctx._(N_("Checked in: %(present)s of %(total)s."), present=present, total=total)
    buttons: tuple[tuple[Button, ...], ...] = ()
    if waiting:
        text += "\n" + ctx._(N_("Tick in a member who came:"))
        buttons = tuple(
            (cmd_button(names[r.person_id], "tick", f"#{meeting.id}", r.person_id),) for r in waiting
        )
    else:
        text += "\n" + ctx._(N_("Everyone is checked in."))
    return text, buttons


async def _names(ctx: Ctx, rows: list[AttendanceRow]) -> dict[int, str]:
    return await meetings.names_of(ctx.session, [row.person_id for row in rows])


# ------------------------------------------------------------------------------ /close and /record


async def close(ctx: Ctx) -> None:
    """Close the meeting (or confirm the roll call of one that closed by itself): each reason is
    accepted or rejected, an early close confirmed, then the roll-call report."""
    meeting = _meeting(ctx)
    rules = _rules(ctx)
    meetings.require_state(meeting, ctx.now, rules, State.OPEN, State.CLOSED)
    if meeting.closed_at is not None and meeting.roll_call_confirmed:
        raise UserError(N_("Meeting #%(id)s is already closed."), id=meeting.id)
    rows = await meetings.sync_roster(session=ctx.session, meeting=meeting, day=ctx.today)
    pending = [r.person_id for r in attendance.pending_reasons(rows)]
    state = await ctx.begin_form("close", "reasons", pending=pending, verdicts={})
    await _next_close_question(ctx, state)


async def record(ctx: Ctx) -> None:
    """Record a meeting held without the bot: tick who came, judge the reasons, then it counts."""
    meeting = _meeting(ctx)
    meetings.require_state(meeting, ctx.now, _rules(ctx), State.NOT_RECORDED)
    rows = await meetings.sync_roster(
        session=ctx.session, meeting=meeting, day=meeting.starts_at.astimezone(_tz(ctx)).date()
    )
    pending = [r.person_id for r in rows if not r.exempt and r.answer == Answer.ABSENT and r.reason]
    state = await ctx.begin_form("record", "came", came=[], pending=pending, verdicts={})
    await _came_question(ctx, state, rows)


async def _came_question(ctx: Ctx, state: Form, rows: list[AttendanceRow]) -> None:
    names = await _names(ctx, rows)
    came = set(state.data["came"])
    members = sorted((r for r in rows if not r.exempt), key=lambda r: sort_key(names[r.person_id]))
    buttons = tuple(
        (flow_button(("✓ " if r.person_id in came else "") + names[r.person_id], str(r.person_id)),)
        for r in members
    ) + ((flow_button(ctx._(N_("Done")), "done"),),)
    ctx.reply(
        ctx._(
            N_("Who came to the meeting of %(when)s? Tick each one, then choose Done. (%(count)s ticked)"),
            when=meetings.local(_meeting(ctx).starts_at, _tz(ctx)),
            count=len(came),
        ),
        buttons,
    )


async def record_step(ctx: Ctx, state: Form, answer: str) -> None:
    """came (toggle each, then done) → reasons → recorded."""
    meeting = _meeting(ctx)
    if state.step == "came":
        rows = await meetings.roster(ctx.session, meeting.id or 0)
        ids = {r.person_id for r in rows if not r.exempt}
        if answer == "done":
            came = set(state.data["came"])
            pending = [p for p in state.data["pending"] if p not in came]
            await advance(session=ctx.session, state=state, step="reasons", now=ctx.now, pending=pending)
            await _next_close_question(ctx, state)
            return
        if not answer.isdigit() or int(answer) not in ids:
            ctx.reply(ctx._(CHOOSE))
            return
        came = set(state.data["came"]) ^ {int(answer)}
        await advance(session=ctx.session, state=state, step="came", now=ctx.now, came=sorted(came))
        await _came_question(ctx, state, rows)
        return
    await close_step(ctx, state, answer)


async def close_step(ctx: Ctx, state: Form, answer: str) -> None:
    """reasons (accept or reject each) → early (confirm a short meeting) → closed, with the report."""
    if state.step == "reasons":
        if answer not in ("accept", "reject"):
            ctx.reply(ctx._(CHOOSE))
            return
        person_id = state.data["pending"][0]
        verdict = Verdict.ACCEPTED if answer == "accept" else Verdict.REJECTED
        await advance(
            session=ctx.session,
            state=state,
            step="reasons",
            now=ctx.now,
            pending=state.data["pending"][1:],
            verdicts={**state.data["verdicts"], str(person_id): verdict.value},
        )
        await _next_close_question(ctx, state)
        return
    if state.step == "early":
        if answer not in ("yes", "no"):
            ctx.reply(ctx._(CHOOSE))
            return
        if answer == "no":
            await finish(session=ctx.session, state=state)
            ctx.reply(ctx._(N_("The meeting stays open. Close it later with /close.")))
            return
        await _finish_close(ctx, state, early_confirmed=True)
        return
    ctx.reply(ctx._(CHOOSE))


async def _next_close_question(ctx: Ctx, state: Form) -> None:
    meeting, rules = _meeting(ctx), _rules(ctx)
    if state.data["pending"]:
        person_id = state.data["pending"][0]
        row = await meetings.row_for(ctx.session, meeting, person_id, ctx.today)
        ctx.reply(
            ctx._(
                N_("%(name)s asked to be excused. Reason: %(reason)s. Do you accept the reason?"),
                name=await meetings.name_of(ctx.session, person_id),
                reason=attendance.reason_text(row.reason, ctx.gettext),
            ),
            ((flow_button(ctx._(N_("Accept")), "accept"), flow_button(ctx._(N_("Reject")), "reject")),),
        )
        return
    confirming = meetings.state(meeting, ctx.now, rules) is State.CLOSED
    if state.flow == "close" and not confirming and attendance.closing_early(meeting, ctx.now, rules):
        await advance(session=ctx.session, state=state, step="early", now=ctx.now)
        assert meeting.opened_at is not None
        lasted = int((ctx.now - meeting.opened_at).total_seconds() // 60)
        ctx.reply(
            ctx._(
                N_(
                    "The meeting has lasted %(minutes)s minutes; the minimum is %(minimum)s. Close "
                    "it anyway? It will be noted in the record."
                ),
                minutes=lasted,
                minimum=minimum_minutes(Kind(meeting.kind), rules),
            ),
            ((flow_button(ctx._(N_("Close it")), "yes"), flow_button(ctx._(N_("Keep it open")), "no")),),
        )
        return
    await _finish_close(ctx, state, early_confirmed=False)


async def _finish_close(ctx: Ctx, state: Form, *, early_confirmed: bool) -> None:
    meeting, rules, tz = _meeting(ctx), _rules(ctx), _tz(ctx)
    verdicts = {int(k): Verdict(v) for k, v in state.data["verdicts"].items()}
    await finish(session=ctx.session, state=state)
    if state.flow == "record":
        rows = await attendance.record_late(
            session=ctx.session,
            meeting=meeting,
            came=set(state.data["came"]),
            verdicts=verdicts,
            actor=ctx.actor,
            now=ctx.now,
            rules=rules,
            tz=tz,
        )
    else:
        rows = await attendance.close(
            session=ctx.session,
            meeting=meeting,
            verdicts=verdicts,
            actor=ctx.actor,
            now=ctx.now,
            rules=rules,
            tz=tz,
            early_confirmed=early_confirmed,
        )
    report = await rollcall.build(
        session=ctx.session, meeting=meeting, now=ctx.now, rules=rules, tz=tz, today=ctx.today
    )
    ctx.reply(rollcall.render(report, ctx.gettext))
    await charter.check_meeting(
        session=ctx.session, rows=rows, cell_id=meeting.cell_id, today=ctx.today, now=ctx.now, rules=rules
    )
    await summary.send(
        session=ctx.session,
        meeting=meeting,
        config=ctx.config,
        now=ctx.now,
        tz=tz,
        today=ctx.today,
        # After an automatic close the summary went out once already; confirming the roll call is news.
        occurrence="record"
        if state.flow == "record"
        else "confirm"
        if meeting.closed_automatically
        else "close",
    )
    ctx.outcome.wake_delivery = True


# --------------------------------------------------------------------------------- /rollcall, /linkgroup


async def rollcall_(ctx: Ctx) -> None:
    """The roll call as it stands, or the final report once closed (reasons included: officers only)."""
    meeting = _meeting(ctx)
    report = await rollcall.build(
        session=ctx.session, meeting=meeting, now=ctx.now, rules=_rules(ctx), tz=_tz(ctx), today=ctx.today
    )
    ctx.reply(rollcall.render(report, ctx.gettext))


async def linkgroup(ctx: Ctx) -> None:
    """Make the group this is sent in the cell's group chat: notices are posted there with a tally."""
    assert ctx.cell is not None
    if ctx.incoming.private:
        ctx.reply(ctx._(N_("Send /linkgroup in the cell's group chat, after adding me to the group.")))
        return
    linked = await meetings.link_group(
        session=ctx.session, cell=ctx.cell, chat=ctx.incoming.chat, actor=ctx.actor, now=ctx.now
    )
    ctx.reply(
        ctx._(
            N_(
                "That group is now the group chat of %(cell)s: notices are posted there with a count "
                "of answers, never names or reasons."
            ),
            cell=ctx.cell.name,
        )
        if linked
        else ctx._(N_("That group is already the group chat of %(cell)s."), cell=ctx.cell.name)
    )

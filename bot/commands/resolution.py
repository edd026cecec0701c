"""The resolution in chat: /conclude (/ketluan), /vote (/bieuquyet) and the members' /ballot, /task
(/giaoviec), /tasks (/nhiemvu), /cell_tasks (/viecchibo) and /resolution (/nghiquyet). The rules live
in bot.meetings.resolution and bot.services.resolution; these only ask, check and answer."""

from __future__ import annotations

from datetime import date

from bot.chat import Ctx, cmd_button, flow_button
from bot.commands.common import meeting_of as _meeting
from bot.commands.common import rules as _rules
from bot.commands.common import typed_after, typed_numbers
from bot.commands.common import zone as _tz
from bot.domain import Button
from bot.errors import UserError
from bot.flows import Form, advance, finish
from bot.i18n import N_
from bot.meetings.resolution import Choice, CountError, Status, Tally, parse_counts, parse_due
from bot.meetings.rules import State
from bot.names import sort_key
from bot.permissions import SECRETARIES
from bot.services import meetings, resolution
from bot.services.resolution import AgendaRow, TaskRow

CHOOSE = N_("Please choose one of the choices, or send /cancel.")
WHOLE_KEY = "all"
DUE_ERRORS = {
    "not_a_date": N_("Write the deadline as a date, for example 20/12/2026 or 20/12."),
    "past": N_("That deadline has passed already; write a later date."),
}


def _day(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _status(ctx: Ctx, status: str) -> str:
    return ctx._(resolution.STATUS_NAMES[Status(status)])


def _item_buttons(items: list[AgendaRow]) -> tuple[tuple[Button, ...], ...]:
    return tuple((flow_button(f"{item.position}. {item.title}", str(item.position)),) for item in items)


async def _item(ctx: Ctx, answer: str) -> AgendaRow | None:
    meeting = _meeting(ctx)
    assert meeting.id is not None
    wanted = answer.strip().rstrip(".")
    return next(
        (i for i in await meetings.agenda_items(ctx.session, meeting.id) if str(i.position) == wanted), None
    )


# ------------------------------------------------------------------------------- /conclude (/ketluan)


async def conclude(ctx: Ctx) -> None:
    """The chair's conclusion on an agenda item: `/conclude 2 <text>`, or pick the item, then write."""
    meeting = _meeting(ctx)
    assert meeting.id is not None
    resolution.require_held(meeting, ctx.now, _rules(ctx))
    agenda = await meetings.agenda_items(ctx.session, meeting.id)
    if not agenda:
        raise UserError(N_("Meeting #%(id)s has no agenda."), id=meeting.id)
    if ctx.args and (item := await _item(ctx, ctx.args[0])) is not None and len(ctx.args) > 1:
        await _save_conclusion(ctx, item, typed_after(ctx, skip=1))
        return
    await ctx.begin_form("conclude", "item")
    ctx.reply(
        ctx._(N_("Which agenda item is the conclusion on? Send /cancel to stop.")), _item_buttons(agenda)
    )


async def conclude_step(ctx: Ctx, state: Form, answer: str) -> None:
    """item → the conclusion's text → saved."""
    if state.step == "item":
        item = await _item(ctx, answer)
        if item is None:
            ctx.reply(ctx._(CHOOSE))
            return
        await advance(session=ctx.session, state=state, step="text", now=ctx.now, item=item.position)
        shown = ctx._(
            N_("Write the conclusion on item %(number)s. %(title)s"), number=item.position, title=item.title
        )
        if item.conclusion:
            shown += "\n" + ctx._(N_("It replaces: %(text)s"), text=item.conclusion)
        ctx.reply(shown)
        return
    item = await _item(ctx, str(state.data["item"]))
    if item is None:
        await finish(session=ctx.session, state=state)
        ctx.reply(ctx._(N_("That agenda item no longer exists; nothing was saved.")))
        return
    await _save_conclusion(ctx, item, answer)
    await finish(session=ctx.session, state=state)


async def _save_conclusion(ctx: Ctx, item: AgendaRow, text: str) -> None:
    changed = await resolution.conclude(
        session=ctx.session,
        meeting=_meeting(ctx),
        item=item,
        text=text,
        actor=ctx.actor,
        now=ctx.now,
        rules=_rules(ctx),
    )
    ctx.reply(
        ctx._(N_("Conclusion on item %(number)s saved."), number=item.position)
        if changed
        else ctx._(N_("That is the conclusion already; nothing was changed."))
    )


# -------------------------------------------------------------------------- /vote (/bieuquyet), /ballot


async def vote(ctx: Ctx) -> None:
    """Record a show of hands or open a vote in the bot; with a vote open, its count so far (or `close`)."""
    meeting = _meeting(ctx)
    assert meeting.id is not None
    resolution.require_held(meeting, ctx.now, _rules(ctx))
    running = await resolution.open_vote(ctx.session, meeting.id)
    if running is not None:
        if ctx.args and ctx.args[0] == "close":
            counted = await resolution.close_ballot(
                session=ctx.session, meeting=meeting, vote=running, actor=ctx.actor, now=ctx.now
            )
            ctx.reply(await _result_text(ctx, running, counted))
            ctx.outcome.wake_delivery = True
            return
        ctx.reply(*await _live(ctx, running))
        return
    agenda = await meetings.agenda_items(ctx.session, meeting.id)
    await ctx.begin_form("vote", "subject")
    choices = [(f"{i.position}. {i.title}", str(i.position)) for i in agenda if i.conclusion]
    choices.append((ctx._(resolution.WHOLE), WHOLE_KEY))
    ctx.reply(
        ctx._(N_("What is the vote on? Send /cancel to stop.")),
        tuple((flow_button(label, value),) for label, value in choices),
    )


async def _live(ctx: Ctx, running: resolution.VoteRow) -> tuple[str, tuple[tuple[Button, ...], ...]]:
    counted = await resolution.result(ctx.session, running)
    text = ctx._(
        N_(
            "Vote open: %(cast)s of %(voters)s have voted (for %(for)s, against %(against)s, "
            "abstain %(abstain)s)."
        ),
        cast=counted.cast,
        voters=counted.voters,
        **{"for": counted.for_, "against": counted.against, "abstain": counted.abstain},
    )
    return text, ((cmd_button(ctx._(N_("Close the vote")), "vote", f"#{running.meeting_id}", "close"),),)


async def _result_text(ctx: Ctx, row: resolution.VoteRow, counted: Tally) -> str:
    subject = await resolution.vote_subject(ctx.session, row)
    params = resolution.result_params(counted)
    params["outcome"] = ctx._(params["outcome"]["msgid"])
    params["subject"] = ctx._(subject["msgid"]) if isinstance(subject, dict) else subject
    return ctx._(resolution.RESULT, **params)


async def vote_step(ctx: Ctx, state: Form, answer: str) -> None:
    """subject → by hands or in the bot → (hands) the counts."""
    meeting = _meeting(ctx)
    assert meeting.id is not None
    if state.step == "subject":
        item = None if answer == WHOLE_KEY else await _item(ctx, answer)
        if answer != WHOLE_KEY and item is None:
            ctx.reply(ctx._(CHOOSE))
            return
        await advance(
            session=ctx.session, state=state, step="how", now=ctx.now, item=item.id if item else None
        )
        ways = [flow_button(ctx._(N_("Count hands")), "hands")]
        if meetings.state(meeting, ctx.now, _rules(ctx)) is State.OPEN:
            ways.append(flow_button(ctx._(N_("Vote in the bot")), "ballot"))
        ctx.reply(ctx._(N_("How do members vote?")), (tuple(ways),))
        return
    item_id = state.data.get("item")
    if state.step == "how":
        if answer == "hands":
            await advance(session=ctx.session, state=state, step="counts", now=ctx.now)
            voters = len(await resolution.voters(ctx.session, meeting))
            ctx.reply(
                ctx._(
                    N_(
                        "Write the hands: for, against, abstain (for example 12 0 1). %(voters)s official "
                        "members are present."
                    ),
                    voters=voters,
                )
            )
            return
        if answer != "ballot":
            ctx.reply(ctx._(CHOOSE))
            return
        assert ctx.cell is not None
        running = await resolution.open_ballot(
            session=ctx.session,
            meeting=meeting,
            cell=ctx.cell,
            item_id=item_id,
            actor=ctx.actor,
            now=ctx.now,
            rules=_rules(ctx),
        )
        await finish(session=ctx.session, state=state)
        ctx.reply(*await _live(ctx, running))
        ctx.outcome.wake_delivery = True
        return
    try:
        counts = parse_counts(answer)
    except CountError as error:
        raise UserError(resolution.COUNT_ERRORS[str(error)]) from None
    row, counted = await resolution.record_hands(
        session=ctx.session,
        meeting=meeting,
        item_id=item_id,
        counts=counts,
        actor=ctx.actor,
        now=ctx.now,
        rules=_rules(ctx),
    )
    await finish(session=ctx.session, state=state)
    ctx.reply(await _result_text(ctx, row, counted))


async def ballot(ctx: Ctx) -> None:
    """One member's vote, from the ballot's buttons (or typed: /ballot <vote> for|against|abstain)."""
    meeting = _meeting(ctx)
    person = ctx.require_person()
    assert person.id is not None
    if len(ctx.args) != 2 or not ctx.args[0].isdigit() or ctx.args[1] not in {c.value for c in Choice}:
        raise UserError(N_("Choose one of the choices shown."))
    row = await ctx.session.get(resolution.VoteRow, int(ctx.args[0]))
    if row is None:
        raise UserError(N_("There is no such vote."))
    choice = Choice(ctx.args[1])
    await resolution.cast(
        session=ctx.session, meeting=meeting, vote=row, person_id=person.id, choice=choice, now=ctx.now
    )
    ctx.reply(ctx._(N_("Your vote is counted: %(choice)s."), choice=ctx._(resolution.CHOICE_NAMES[choice])))


# ------------------------------------------------------------------------------------ /task (/giaoviec)


async def task(ctx: Ctx) -> None:
    """Give a task to named members: who (several), what, by when, from which agenda item."""
    meeting = _meeting(ctx)
    assert meeting.id is not None
    resolution.require_held(meeting, ctx.now, _rules(ctx))
    await ctx.begin_form("task", "who", chosen=[])
    await _who(ctx, [])


async def _members(ctx: Ctx) -> list[tuple[int, str]]:
    """The meeting's members, by name (the order of the numbered list)."""
    meeting = _meeting(ctx)
    assert meeting.id is not None
    rows = await meetings.roster(ctx.session, meeting.id)
    names = await meetings.names_of(ctx.session, [r.person_id for r in rows if not r.exempt])
    return sorted(names.items(), key=lambda item: sort_key(item[1]))


async def _who(ctx: Ctx, chosen: list[int]) -> None:
    members = await _members(ctx)
    lines = [
        ctx._(
            N_(
                "Who is the task for? Press names to choose several (or type their numbers, e.g. 1 3), "
                "then Done."
            )
        )
    ]
    if chosen:
        names = dict(members)
        lines.append(ctx._(N_("Chosen: %(names)s"), names=", ".join(names[p] for p in chosen if p in names)))
    buttons = tuple(
        (flow_button(("✓ " if pid in chosen else "") + name, f"p{pid}"),) for pid, name in members
    ) + ((flow_button(ctx._(N_("Done")), "done"),),)
    ctx.reply("\n".join(lines), buttons)


async def task_step(ctx: Ctx, state: Form, answer: str) -> None:
    """who (toggle, or numbers typed) → title → deadline → agenda item → saved, each assignee told."""
    meeting = _meeting(ctx)
    assert meeting.id is not None and ctx.cell is not None
    chosen: list[int] = list(state.data.get("chosen", []))
    if state.step == "who":
        members = await _members(ctx)
        if answer == "done":
            if not chosen:
                raise UserError(N_("Choose at least one member."))
            await advance(session=ctx.session, state=state, step="title", now=ctx.now)
            ctx.reply(ctx._(N_("What is to be done? Send /cancel to stop.")))
            return
        if answer.startswith("p") and answer[1:].isdigit():
            pid = int(answer[1:])
            if pid not in dict(members):  # typed, not pressed: only the list's members
                ctx.reply(ctx._(CHOOSE))
                return
            chosen = [p for p in chosen if p != pid] if pid in chosen else [*chosen, pid]
        else:
            picked = typed_numbers(answer, len(members))
            if picked is None:
                ctx.reply(ctx._(CHOOSE))
                return
            chosen = [members[i][0] for i in picked]
        await advance(session=ctx.session, state=state, step="who", now=ctx.now, chosen=chosen)
        await _who(ctx, chosen)
        return
    if state.step == "title":
        title = resolution.check_title(answer)
        await advance(session=ctx.session, state=state, step="due", now=ctx.now, title=title)
        ctx.reply(ctx._(N_("By when? Write the deadline, for example 20/12/2026.")))
        return
    if state.step == "due":
        try:
            due = parse_due(answer, today=ctx.today)
        except ValueError as error:
            raise UserError(DUE_ERRORS.get(str(error), DUE_ERRORS["not_a_date"])) from None
        await advance(session=ctx.session, state=state, step="item", now=ctx.now, due=due.isoformat())
        agenda = await meetings.agenda_items(ctx.session, meeting.id)
        ctx.reply(
            ctx._(N_("Which agenda item does it come from?")),
            _item_buttons(agenda) + ((flow_button(ctx._(N_("None")), "none"),),),
        )
        return
    item = None if answer == "none" else await _item(ctx, answer)
    if answer != "none" and item is None:
        ctx.reply(ctx._(CHOOSE))
        return
    created = await resolution.assign(
        session=ctx.session,
        meeting=meeting,
        cell=ctx.cell,
        item_id=item.id if item else None,
        title=str(state.data["title"]),
        due=date.fromisoformat(str(state.data["due"])),
        person_ids=chosen,
        actor=ctx.actor,
        now=ctx.now,
        rules=_rules(ctx),
        tz=_tz(ctx),
    )
    await finish(session=ctx.session, state=state)
    ctx.reply(ctx._(N_("Task #%(id)s is given; each member is being told."), id=created.id))
    ctx.outcome.wake_delivery = True


# ------------------------------------------------------------------------------------ /tasks (/nhiemvu)


async def tasks(ctx: Ctx) -> None:
    """Your tasks: pick one, then say how it stands (`/tasks <id> <status>` typed works too)."""
    person = ctx.require_person()
    assert person.id is not None
    if not ctx.args:
        mine = await resolution.tasks_of(ctx.session, person.id)
        if not mine:
            ctx.reply(ctx._(N_("You have no open tasks.")))
            return
        buttons = tuple(
            (cmd_button(f"{t.title} ({_day(t.due)}): {_status(ctx, a.status)}", "tasks", t.id),)
            for t, a in mine
        )
        ctx.reply(ctx._(N_("Your open tasks. Which one do you report on?")), buttons)
        return
    if not ctx.args[0].isdigit():
        raise UserError(N_("Choose one of your tasks from the list (send /tasks)."))
    found = await ctx.session.get(TaskRow, int(ctx.args[0]))
    if found is None or found.id is None or found.cancelled_at is not None:
        raise UserError(N_("There is no such task."))
    if not any(a.person_id == person.id for a in await resolution.assignees(ctx.session, found.id)):
        raise UserError(N_("That task is not for this member."))  # nor shown to them
    if len(ctx.args) == 1:
        ctx.reply(
            ctx._(
                N_("%(title)s (deadline %(due)s). How does it stand?"),
                title=found.title,
                due=found.due.strftime("%d/%m/%Y"),
            ),
            tuple(
                (cmd_button(ctx._(resolution.STATUS_NAMES[s]), "tasks", found.id, s.value),) for s in Status
            ),
        )
        return
    if ctx.args[1] not in {s.value for s in Status}:
        raise UserError(N_("Choose one of the choices shown."))
    status = Status(ctx.args[1])
    note = " ".join(ctx.args[2:]) or None
    await resolution.set_status(
        session=ctx.session,
        task=found,
        person_id=person.id,
        status=status,
        note=note,
        actor=ctx.actor,
        now=ctx.now,
        may_change_others=False,
    )
    ctx.reply(
        ctx._(
            N_("Noted: %(title)s is %(status)s."),
            title=found.title,
            status=ctx._(resolution.STATUS_NAMES[status]),
        ),
        ((cmd_button(ctx._(N_("Add a note")), "task_note", found.id),),),
    )


async def task_note(ctx: Ctx) -> None:
    """Ask for a note on one of your tasks (what is done, what is in the way)."""
    if not ctx.args or not ctx.args[0].isdigit():
        raise UserError(N_("Choose one of your tasks from the list (send /tasks)."))
    await ctx.begin_form("task_note", "text", task=int(ctx.args[0]))
    ctx.reply(ctx._(N_("Write your note. Send /cancel to stop.")))


async def task_note_step(ctx: Ctx, state: Form, answer: str) -> None:
    """The note, kept with the status as it is."""
    person = ctx.require_person()
    assert person.id is not None
    found = await ctx.session.get(TaskRow, int(state.data["task"]))
    if found is None:
        await finish(session=ctx.session, state=state)
        ctx.reply(ctx._(N_("There is no such task.")))
        return
    row = next(
        (a for a in await resolution.assignees(ctx.session, found.id or 0) if a.person_id == person.id), None
    )
    if row is None:
        await finish(session=ctx.session, state=state)
        ctx.reply(ctx._(N_("That task is not for this member.")))
        return
    await resolution.set_status(
        session=ctx.session,
        task=found,
        person_id=person.id,
        status=Status(row.status),
        note=answer,
        actor=ctx.actor,
        now=ctx.now,
        may_change_others=False,
    )
    await finish(session=ctx.session, state=state)
    ctx.reply(ctx._(N_("Your note is kept.")))


# ----------------------------------------------------------------------------- /cell_tasks (/viecchibo)


async def cell_tasks(ctx: Ctx) -> None:
    """The cell's open tasks; the secretary changes a deadline, cancels, or sets someone's status."""
    assert ctx.cell is not None and ctx.cell.id is not None
    secretary = bool(ctx.roles & SECRETARIES)
    if not ctx.args:
        found = await resolution.tasks_of_cell(ctx.session, ctx.cell.id)
        if not found:
            ctx.reply(ctx._(N_("%(cell)s has no open tasks."), cell=ctx.cell.name))
            return
        text = [ctx._(N_("Tasks of %(cell)s:"), cell=ctx.cell.name)]
        for line in await resolution.lines(ctx.session, found):
            text.append(f"#{line.task.id} {line.task.title} ({line.task.due.strftime('%d/%m/%Y')})")
            text += [
                f"    {name}: {ctx._(resolution.STATUS_NAMES[status])}" + (f" — {note}" if note else "")
                for name, status, note in line.people
            ]
        buttons = (
            tuple(
                (cmd_button(f"#{t.id} {t.title}", "cell_tasks", f"#{ctx.cell.id}", t.id),) for t in found[:30]
            )
            if secretary
            else ()
        )
        ctx.reply("\n".join(text), buttons)
        return
    if not secretary:
        raise UserError(N_("Only the secretary changes the cell's tasks."))
    found_task = await ctx.session.get(TaskRow, int(ctx.args[0])) if ctx.args[0].isdigit() else None
    if found_task is None or found_task.cell_id != ctx.cell.id or found_task.id is None:
        raise UserError(N_("There is no such task."))
    action = ctx.args[1] if len(ctx.args) > 1 else None
    tag = (f"#{ctx.cell.id}", found_task.id)
    if action is None:
        rows = await resolution.assignees(ctx.session, found_task.id)
        names = await meetings.names_of(ctx.session, [r.person_id for r in rows])
        ctx.reply(
            f"#{found_task.id} {found_task.title} ({found_task.due.strftime('%d/%m/%Y')})",
            tuple(
                (
                    cmd_button(
                        f"{names[r.person_id]}: {ctx._(resolution.STATUS_NAMES[Status(r.status)])}",
                        "cell_tasks",
                        *tag,
                        "who",
                        r.person_id,
                    ),
                )
                for r in rows
            )
            + (
                (
                    cmd_button(ctx._(N_("Change the deadline")), "cell_tasks", *tag, "due"),
                    cmd_button(ctx._(N_("Cancel the task")), "cell_tasks", *tag, "cancel"),
                ),
            ),
        )
        return
    if action == "cancel":
        await resolution.change(
            session=ctx.session, task=found_task, cell=ctx.cell, actor=ctx.actor, now=ctx.now, cancel=True
        )
        ctx.reply(ctx._(N_("Task #%(id)s is cancelled; its members are being told."), id=found_task.id))
        ctx.outcome.wake_delivery = True
        return
    if action == "due":
        if len(ctx.args) > 2:
            try:
                due = parse_due(ctx.args[2], today=ctx.today)
            except ValueError as error:
                raise UserError(DUE_ERRORS.get(str(error), DUE_ERRORS["not_a_date"])) from None
            changed = await resolution.change(
                session=ctx.session, task=found_task, cell=ctx.cell, actor=ctx.actor, now=ctx.now, due=due
            )
            ctx.reply(
                ctx._(
                    N_("The deadline is now %(due)s; its members are being told."),
                    due=due.strftime("%d/%m/%Y"),
                )
                if changed
                else ctx._(N_("That is the deadline already."))
            )
            ctx.outcome.wake_delivery = changed
            return
        ctx.reply(
            ctx._(
                N_("Write /cell_tasks %(id)s due followed by the new date, for example 20/12."),
                id=found_task.id,
            )
        )
        return
    if action == "who" and len(ctx.args) > 2 and ctx.args[2].isdigit():
        person_id = int(ctx.args[2])
        if len(ctx.args) == 3:
            ctx.reply(
                ctx._(N_("How does it stand?")),
                tuple(
                    (
                        cmd_button(
                            ctx._(resolution.STATUS_NAMES[s]), "cell_tasks", *tag, "who", person_id, s.value
                        ),
                    )
                    for s in Status
                ),
            )
            return
        if ctx.args[3] in {s.value for s in Status}:
            await resolution.set_status(
                session=ctx.session,
                task=found_task,
                person_id=person_id,
                status=Status(ctx.args[3]),
                note=None,
                actor=ctx.actor,
                now=ctx.now,
                may_change_others=True,
            )
            ctx.reply(ctx._(N_("Saved.")))
            return
    raise UserError(N_("Choose one of the choices shown."))


# ------------------------------------------------------------------------------ /resolution (/nghiquyet)


async def resolution_(ctx: Ctx) -> None:
    """The meeting's resolution: each item's conclusion, the votes, and the tasks with who stands where."""
    meeting = _meeting(ctx)
    assert meeting.id is not None and ctx.cell is not None
    lines = [
        ctx._(
            N_("Resolution of meeting #%(id)s of %(cell)s, %(when)s"),
            id=meeting.id,
            cell=ctx.cell.name,
            when=meetings.local(meeting.starts_at, _tz(ctx)),
        )
    ]
    agenda = await meetings.agenda_items(ctx.session, meeting.id)
    for item in agenda:
        lines += [
            "",
            f"{item.position}. {item.title}",
            "   " + (item.conclusion or ctx._(N_("(no conclusion yet)"))),
        ]
    taken = await resolution.votes_of(ctx.session, meeting.id)
    if taken:
        lines += ["", ctx._(N_("Votes:"))]
        for row in taken:
            counted = await resolution.result(ctx.session, row)
            shown = await _result_text(ctx, row, counted) if row.closed_at else (await _live(ctx, row))[0]
            lines.append("- " + shown)
    found = await resolution.tasks_of_cell(ctx.session, ctx.cell.id or 0, meeting_id=meeting.id)
    if found:
        lines += ["", ctx._(N_("Tasks:"))]
        for line in await resolution.lines(ctx.session, found):
            lines.append(f"- {line.task.title} ({line.task.due.strftime('%d/%m/%Y')})")
            lines += [
                f"    {name}: {ctx._(resolution.STATUS_NAMES[status])}" + (f" — {note}" if note else "")
                for name, status, note in line.people
            ]
    ctx.reply("\n".join(lines))

"""Household visits in chat: /households (/ho) lists households with their marks and lets the secretary
give, edit or retire them; /visit (/thamho) is the guided visit form, kept as a draft that survives;
/followups (/theodoi) lists what needs following up. The rules live in bot.meetings.visits and
bot.services.visits; these only ask, check and answer."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from bot import markup
from bot.chat import Ctx, cmd_button, flow_button
from bot.commands.common import typed_numbers
from bot.domain import Button
from bot.errors import UserError
from bot.flows import Form, advance, finish
from bot.i18n import N_
from bot.meetings import visits as visit_rules
from bot.meetings.resolution import parse_due
from bot.meetings.visits import DayError, PeriodKind
from bot.names import name_key
from bot.permissions import HOUSEHOLD_KEEPERS, HOUSEHOLD_READERS, Role
from bot.services import meetings, people, visits
from bot.services.visits import HouseholdRow

PAGE = 10
CHOOSE = N_("Please choose one of the choices, or send /cancel.")
FIELD_NAMES = {
    "head_name": N_("head of household"),
    "address": N_("address"),
    "village": N_("village or residential group"),
    "people": N_("number of people"),
    "phone": N_("phone"),
    "tags": N_("status tags (poor, near-poor, policy family …)"),
}
DAY_ERRORS = {
    "not_a_date": N_("Write the day of the visit as a date, for example 05/12 or 05/12/2026."),
    "future": N_("That day has not come yet: a visit can only be logged once it happened."),
    "before_assigned": N_(
        "You were given this household on %(since)s; a visit before that day cannot be logged as yours."
    ),
}
TOO_LONG = N_("That is too long: at most %(limit)s characters. Please shorten it.")
# The visit form's questions, in order; "follow_due" only when a follow-up is wanted.
STEPS = ("household", "day", "met", "topics", "notes", "request", "follow", "follow_due", "extras", "confirm")


def _kind(ctx: Ctx) -> PeriodKind:
    return ctx.config.visits.period_kind


def _day(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "—"


def _cell_id(ctx: Ctx) -> int:
    assert ctx.cell is not None and ctx.cell.id is not None
    return ctx.cell.id


def _topic(ctx: Ctx, key: str) -> str:
    return ctx._(visits.TOPIC_NAMES[key]) if key in visits.TOPIC_NAMES else key


def _marks(ctx: Ctx, row: HouseholdRow) -> str:
    """'last visit 05/11/2026 · ⚠ overdue' as the lists show it."""
    parts = [
        ctx._(N_("last visit %(day)s"), day=_day(row.last_visit))
        if row.last_visit
        else ctx._(N_("never visited"))
    ]
    if row.covered:
        parts.append(
            "✓ " + ctx._(N_("visited this %(period)s"), period=ctx._(visits.PERIOD_NAMES[_kind(ctx)]))
        )
    if row.overdue:
        parts.append("⚠ " + ctx._(N_("overdue")))
    if row.open_follow_ups:
        parts.append("↻ " + ctx._(N_("follow-up open")))
    return " · ".join(parts)


# --------------------------------------------------------------------------- /households (/ho)


async def households(ctx: Ctx) -> None:
    """/households [page N | <id> [assign [member] | edit | retire] | coverage]."""
    person = ctx.require_person()
    assert person.id is not None
    args = ctx.args
    if args and args[0] == "coverage":
        await _coverage(ctx)
        return
    if args and args[0].isdigit():
        await _household(ctx, int(args[0]), args[1:])
        return
    page = int(args[1]) if len(args) > 1 and args[0] == "page" and args[1].isdigit() else 1
    readers = bool(ctx.roles & HOUSEHOLD_READERS)
    rows = await visits.households(
        ctx.session, _cell_id(ctx), day=ctx.today, kind=_kind(ctx), person_id=None if readers else person.id
    )
    if not readers and not rows and ctx.roles - {Role.MEMBER}:
        await _coverage(ctx)  # a committee member with no households: the counts are what they may see
        return
    await _list(ctx, rows, page, readers)


async def _list(ctx: Ctx, rows: list[HouseholdRow], page: int, readers: bool) -> None:
    assert ctx.cell is not None
    if not rows:
        ctx.reply(ctx._(N_("You have no households to visit in %(cell)s."), cell=ctx.cell.name))
        return
    pages = (len(rows) + PAGE - 1) // PAGE
    page = min(max(page, 1), pages)
    shown = rows[(page - 1) * PAGE : page * PAGE]
    names = await meetings.names_of(ctx.session, sorted({r.person_id for r in rows if r.person_id}))
    period = visit_rules.period_of(ctx.today, _kind(ctx))
    heading = (
        N_("%(cell)s: %(count)s households. %(period)s: %(covered)s visited, %(overdue)s overdue.")
        if readers
        else N_(
            "Your households in %(cell)s: %(count)s. %(period)s: %(covered)s visited, %(overdue)s overdue."
        )
    )
    lines = [
        ctx._(
            heading,
            cell=ctx.cell.name,
            count=len(rows),
            period=period.label,
            covered=sum(r.covered for r in rows),
            overdue=sum(r.overdue for r in rows),
        )
    ]
    if pages > 1:
        lines.append(ctx._(N_("Page %(page)s of %(pages)s"), page=page, pages=pages))
    holder: object = object()
    for number, row in enumerate(shown, start=1):
        if readers and row.person_id != holder:
            holder = row.person_id
            who = (
                names.get(row.person_id, "?")
                if row.person_id
                else ctx._(N_("Nobody yet: give them to a member"))
            )
            lines.append(f"\n{who}")
        lines.append(f"{number}. {row.household.head_name} — {row.household.address}\n   {_marks(ctx, row)}")
    cell = f"#{ctx.cell.id}"
    buttons: list[tuple[Button, ...]] = [
        (cmd_button(f"{row.household.head_name}", "households", cell, row.id),) for row in shown
    ]
    nav = []
    if page > 1:
        nav.append(cmd_button(ctx._(N_("« Previous")), "households", cell, "page", page - 1))
    if page < pages:
        nav.append(cmd_button(ctx._(N_("Next »")), "households", cell, "page", page + 1))
    if nav:
        buttons.append(tuple(nav))
    if readers:
        buttons.append((cmd_button(ctx._(N_("Coverage by member")), "households", cell, "coverage"),))
    _list_extras(lines, buttons, len(shown))
    ctx.reply("\n".join(lines), tuple(buttons), listed=True)


def _list_extras(lines: list[str], buttons: list[tuple[Button, ...]], listed: int) -> None:
    """Number the choices after the listed ones (pages, coverage) in the text too, so the text lists
    every choice once, in button order, and a typed number picks any of them."""
    extras = [button.label for row in buttons for button in row][listed:]
    if extras:
        lines.append("")
        lines += [f"{number}. {label}" for number, label in enumerate(extras, start=listed + 1)]


async def _coverage(ctx: Ctx) -> None:
    """Per member: households, visited this period, overdue (counts only: any officer may see these)."""
    assert ctx.cell is not None and ctx.cell.id is not None
    found = await visits.coverage_of(ctx.session, ctx.cell.id, day=ctx.today, kind=_kind(ctx))
    table = found.members
    period = visit_rules.period_of(ctx.today, _kind(ctx))
    assigned, covered = found.households, found.covered
    percent = round(100 * covered / assigned) if assigned else 0
    lines = [
        ctx._(
            N_(
                "Coverage in %(cell)s, %(period)s: households visited %(covered)s of %(count)s "
                "(%(percent)s%%)."
            ),
            cell=ctx.cell.name,
            period=period.label,
            covered=covered,
            count=assigned,
            percent=percent,
        )
    ]
    for c in table:
        line = ctx._(
            N_("%(name)s: %(covered)s/%(count)s visited"), name=c.name, covered=c.covered, count=c.households
        )
        if c.overdue:
            line += ", ⚠ " + ctx._(N_("%(overdue)s overdue"), overdue=c.overdue)
        lines.append("• " + line)
    if found.nobody:
        lines.append(ctx._(N_("Households nobody is responsible for: %(count)s"), count=found.nobody))
    ctx.reply("\n".join(lines))


async def _household(ctx: Ctx, household_id: int, action: list[str]) -> None:
    person = ctx.require_person()
    row = await visits.readable_row(
        ctx.session,
        _cell_id(ctx),
        household_id,
        day=ctx.today,
        kind=_kind(ctx),
        person_id=person.id or 0,
        roles=ctx.roles,
    )
    keeper = bool(ctx.roles & HOUSEHOLD_KEEPERS)
    if action and not keeper:
        raise UserError(N_("Only the secretary can give households to members or change them."))
    if action and action[0] == "assign":
        await _assign(ctx, row, action[1:])
        return
    if action and action[0] == "edit":
        await ctx.begin_form("household_edit", "field", household=row.id)
        ctx.reply(
            ctx._(
                N_("Which detail of %(head)s's household do you want to change?"),
                head=row.household.head_name,
            ),
            tuple((flow_button(ctx._(label), key),) for key, label in FIELD_NAMES.items()),
        )
        return
    if action and action[0] == "retire":
        await ctx.begin_form("household_retire", "confirm", household=row.id)
        ctx.reply(
            ctx._(
                N_(
                    "%(head)s's household will no longer be followed (moved away). Its visits are kept. "
                    "Confirm?"
                ),
                head=row.household.head_name,
            ),
            ((flow_button(ctx._(N_("Confirm")), "yes"), flow_button(ctx._(N_("Cancel")), "no")),),
        )
        return
    await _show(ctx, row, keeper)


async def _show(ctx: Ctx, row: HouseholdRow, keeper: bool) -> None:
    """One household in full, with its latest visits and open follow-ups."""
    household = row.household
    names = await meetings.names_of(ctx.session, [row.person_id] if row.person_id else [])
    lines = [ctx._(N_("Address: %(address)s"), address=household.address)]
    if household.village:
        lines.append(ctx._(N_("Village or group: %(village)s"), village=household.village))
    if household.people:
        lines.append(ctx._(N_("People: %(count)s"), count=household.people))
    if household.tags:
        lines.append(ctx._(N_("Status: %(tags)s"), tags=", ".join(household.tags)))
    if household.phone:
        lines.append(ctx._(N_("Phone: %(phone)s"), phone=household.phone))
    who = names.get(row.person_id or 0)
    lines.append(
        ctx._(N_("Responsible: %(name)s since %(day)s"), name=who, day=_day(row.assigned_from))
        if who
        else ctx._(N_("Responsible: nobody yet"))
    )
    lines.append(_marks(ctx, row))
    for visit in await visits.recent_visits(ctx.session, row.id):
        lines.append(
            ctx._(
                N_("Visit %(day)s: %(topics)s"),
                day=_day(visit.visited_on),
                topics=", ".join(_topic(ctx, t) for t in visit.topics) or "—",
            )
        )
        if visit.request:
            lines.append("   " + ctx._(N_("Request: %(text)s"), text=visit.request))
        if visit.follow_up_due and visit.follow_up_closed_at is None:
            lines.append("   ↻ " + ctx._(N_("Follow up by %(day)s"), day=_day(visit.follow_up_due)))
    cell = f"#{ctx.cell.id}" if ctx.cell else ""
    buttons: list[tuple[Button, ...]] = []
    if row.person_id == ctx.require_person().id:
        buttons.append((cmd_button(ctx._(N_("Log a visit")), "visit", cell, row.id),))
    if keeper:
        buttons.append(
            (
                cmd_button(ctx._(N_("Give to…")), "households", cell, row.id, "assign"),
                cmd_button(ctx._(N_("Change details")), "households", cell, row.id, "edit"),
            )
        )
        buttons.append((cmd_button(ctx._(N_("Moved away")), "households", cell, row.id, "retire"),))
    buttons.append((cmd_button(ctx._(N_("« Back to the list")), "households", cell),))
    # The head's name in bold; everything else shown as written (names and notes may hold * or _).
    text = "\n".join([f"*{markup.escape(household.head_name)}*", *map(markup.escape, lines)])
    ctx.reply(text, tuple(buttons), markup=True)


async def _assign(ctx: Ctx, row: HouseholdRow, rest: list[str]) -> None:
    assert ctx.cell is not None
    cell = f"#{ctx.cell.id}"
    if rest:
        view = await people.member_in(session=ctx.session, cell=ctx.cell, ref=rest[0], day=ctx.today)
        assert view.person.id is not None
        changed = await visits.reassign(
            session=ctx.session,
            cell=ctx.cell,
            household=row.household,
            person_id=view.person.id,
            today=ctx.today,
            actor=ctx.actor,
            now=ctx.now,
        )
        ctx.reply(
            ctx._(
                N_("%(head)s's household is now %(name)s's, from %(day)s.")
                if changed
                else N_("%(head)s's household is %(name)s's already."),
                head=row.household.head_name,
                name=view.person.full_name,
                day=_day(ctx.today),
            ),
            ((cmd_button(ctx._(N_("« Back to the list")), "households", cell),),),
        )
        return
    views = await people.list_members(session=ctx.session, cell=ctx.cell, day=ctx.today)
    ctx.reply(
        ctx._(N_("Who is to be responsible for %(head)s's household?"), head=row.household.head_name),
        tuple(
            (cmd_button(v.person.full_name, "households", cell, row.id, "assign", v.person.id),)
            for v in views
        ),
    )


async def household_edit(ctx: Ctx, state: Form, answer: str) -> None:
    """field → value → changed (audited); checked again at each step."""
    assert ctx.cell is not None
    row = await visits.household_row(
        ctx.session, _cell_id(ctx), int(state.data["household"]), day=ctx.today, kind=_kind(ctx)
    )
    if state.step == "field":
        if answer not in FIELD_NAMES:
            ctx.reply(ctx._(CHOOSE))
            return
        await advance(session=ctx.session, state=state, step="value", now=ctx.now, field=answer)
        ctx.reply(
            ctx._(
                N_("Write the new %(field)s (now: %(value)s). Send /cancel to stop."),
                field=ctx._(FIELD_NAMES[answer]),
                value=_value(getattr(row.household, answer)),
            )
        )
        return
    await visits.edit(
        session=ctx.session,
        household=row.household,
        field=str(state.data["field"]),
        value=answer,
        actor=ctx.actor,
        now=ctx.now,
    )
    await finish(session=ctx.session, state=state)
    ctx.reply(
        ctx._(
            N_("Saved: %(field)s is now %(value)s."),
            field=ctx._(FIELD_NAMES[str(state.data["field"])]),
            value=_value(getattr(row.household, str(state.data["field"]))),
        ),
        ((cmd_button(ctx._(N_("« Back to the household")), "households", f"#{ctx.cell.id}", row.id),),),
    )


def _value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(value) or "—"
    return "—" if value in (None, "") else str(value)


async def household_retire(ctx: Ctx, state: Form, answer: str) -> None:
    """Confirm that a household moved away."""
    if answer not in ("yes", "no"):
        ctx.reply(ctx._(CHOOSE))
        return
    await finish(session=ctx.session, state=state)
    if answer == "no":
        ctx.reply(ctx._(N_("Cancelled. Nothing from that form was saved.")))
        return
    row = await visits.household_row(
        ctx.session, _cell_id(ctx), int(state.data["household"]), day=ctx.today, kind=_kind(ctx)
    )
    await visits.retire(
        session=ctx.session, household=row.household, today=ctx.today, actor=ctx.actor, now=ctx.now
    )
    ctx.reply(
        ctx._(
            N_("%(head)s's household is no longer followed; its visits are kept."),
            head=row.household.head_name,
        )
    )


# ------------------------------------------------------------------------------- /visit (/thamho)


async def visit(ctx: Ctx) -> None:
    """/visit [household id or part of a name]: an unfinished visit is offered first."""
    person = ctx.require_person()
    assert person.id is not None
    draft = await visits.draft_of(ctx.session, person.id)
    if draft is not None and draft.household_id not in {r.id for r in await _mine(ctx)}:
        await visits.drop_draft(ctx.session, person.id)  # the household was given to someone else
        draft = None
    if draft is not None:
        await ctx.begin_form("visit", "resume")
        ctx.reply(
            ctx._(
                N_(
                    "You have an unfinished visit to %(head)s's household (last written %(day)s). "
                    "Continue it?"
                ),
                head=await visits.head_of(ctx.session, draft.household_id),
                day=_day(draft.updated_at.astimezone(ctx.config.tz).date()),
            ),
            (
                (
                    flow_button(ctx._(N_("Continue")), "continue"),
                    flow_button(ctx._(N_("Discard it")), "discard"),
                ),
            ),
        )
        return
    state = await ctx.begin_form("visit", "household")
    wanted = " ".join(ctx.args)
    if wanted:
        await _pick(ctx, state, wanted)
        return
    await _ask(ctx, state, "household")


async def _mine(ctx: Ctx) -> list[HouseholdRow]:
    person = ctx.require_person()
    return await visits.households(
        ctx.session, _cell_id(ctx), day=ctx.today, kind=_kind(ctx), person_id=person.id
    )


async def _pick(ctx: Ctx, state: Form, answer: str) -> None:
    """A household chosen by button (its id), by a typed id, or by part of the head's name or address."""
    own = await _mine(ctx)
    if answer.startswith("h") and answer[1:].isdigit() or answer.lstrip("#").isdigit():
        wanted_id = int(answer.lstrip("h#"))
        found = [r for r in own if r.id == wanted_id]
        if not found:
            raise UserError(visits.NOT_YOURS)
    else:
        key = name_key(answer)
        found = [
            r
            for r in own
            if key and (key in name_key(r.household.head_name) or key in name_key(r.household.address))
        ]
        if not found:
            ctx.reply(ctx._(N_("None of your households matches “%(text)s”. Choose one:"), text=answer[:50]))
            await _ask(ctx, state, "household")
            return
        if len(found) > 1:
            ctx.reply(
                ctx._(N_("Several of your households match. Which one?")),
                tuple(
                    (flow_button(f"{r.household.head_name} — {r.household.address}", f"h{r.id}"),)
                    for r in found
                ),
            )
            return
    await _save(ctx, state, "day", household=found[0].id)


async def _save(ctx: Ctx, state: Form, step: str, **data: Any) -> None:
    """Move the form on and write the draft, then ask the next question."""
    state = await advance(session=ctx.session, state=state, step=step, now=ctx.now, **data)
    person = ctx.require_person()
    assert person.id is not None
    answers = {k: v for k, v in state.data.items() if not k.startswith("_")}
    await visits.keep_draft(
        ctx.session,
        person_id=person.id,
        household_id=int(answers["household"]),
        step=step,
        data=answers,
        now=ctx.now,
    )
    await _ask(ctx, state, step)


def _nav(ctx: Ctx, *, skip: bool = False) -> tuple[Button, ...]:
    row = [flow_button(ctx._(N_("Skip")), "skip")] if skip else []
    return (*row, flow_button(ctx._(N_("« Back")), "back"))


async def _ask(ctx: Ctx, state: Form, step: str, *, lead: str = "") -> None:
    """The question of a step (also when coming back to it), after `lead` if given."""
    data = state.data
    if step == "household":
        own = await _mine(ctx)
        if not own:
            await finish(session=ctx.session, state=state)
            ctx.reply(
                ctx._(N_("You have no households to visit. The secretary gives them with /households."))
            )
            return
        ctx.reply(
            (lead + "\n" if lead else "")
            + ctx._(N_("Which household did you visit? Choose one, or type part of the name.")),
            tuple(
                (flow_button(f"{r.household.head_name}" + (" ⚠" if r.overdue else ""), f"h{r.id}"),)
                for r in own
            ),
        )
    elif step == "day":
        head = await _head(ctx, data)
        ctx.reply(
            ctx._(
                N_("Visit to %(head)s's household. On which day? Type a date (05/12) or choose:"), head=head
            ),
            (
                (
                    flow_button(ctx._(N_("Today")), "today"),
                    flow_button(ctx._(N_("Yesterday")), "yesterday"),
                ),
                _nav(ctx),
            ),
        )
    elif step == "met":
        ctx.reply(ctx._(N_("Whom did you meet? (e.g. Mr Tuấn and his wife)")), (_nav(ctx, skip=True),))
    elif step == "topics":
        chosen = list(data.get("topics", []))
        lines = [
            ctx._(
                N_(
                    "What did you talk about? Press topics to choose several (or type their numbers, "
                    "e.g. 1 3), then Done."
                )
            )
        ]
        if chosen:
            lines.append(ctx._(N_("Chosen: %(topics)s"), topics=", ".join(_topic(ctx, t) for t in chosen)))
        topics = ctx.config.visits.topics
        ctx.reply(
            "\n".join(lines),
            tuple(
                (flow_button(("✓ " if t in chosen else "") + _topic(ctx, t), f"t{i}"),)
                for i, t in enumerate(topics)
            )
            + ((flow_button(ctx._(N_("Done")), "done"),), _nav(ctx)),
        )
    elif step == "notes":
        ctx.reply(
            ctx._(N_("Notes on the visit: how the household is doing (a few lines).")),
            (_nav(ctx, skip=True),),
        )
    elif step == "request":
        ctx.reply(
            ctx._(
                N_("Did the residents raise a request or complaint (kiến nghị)? Write it, or choose None.")
            ),
            ((flow_button(ctx._(N_("None")), "skip"), flow_button(ctx._(N_("« Back")), "back")),),
        )
    elif step == "follow":
        ctx.reply(
            ctx._(N_("Does it need following up? Type the date by which, or choose:")),
            (
                (
                    flow_button(ctx._(N_("No")), "no"),
                    flow_button(ctx._(N_("In a week")), "week"),
                    flow_button(ctx._(N_("In a month")), "month"),
                ),
                _nav(ctx),
            ),
        )
    elif step == "extras":
        kept = []
        if data.get("photo"):
            kept.append(ctx._(N_("photo kept")))
        if data.get("latitude") is not None:
            kept.append(ctx._(N_("location kept")))
        ctx.reply(
            ctx._(N_("You may send a photo or share your location (optional), then choose Done."))
            + (f" ({', '.join(kept)})" if kept else ""),
            ((flow_button(ctx._(N_("Done")), "skip"), flow_button(ctx._(N_("« Back")), "back")),),
        )
    elif step == "confirm":
        ctx.reply(
            await _summary(ctx, data),
            (
                (flow_button(ctx._(N_("Save")), "save"), flow_button(ctx._(N_("« Back")), "back")),
                (flow_button(ctx._(N_("Discard it")), "discard"),),
            ),
        )


async def _head(ctx: Ctx, data: dict[str, Any]) -> str:
    return await visits.head_of(ctx.session, int(data["household"]))


async def _summary(ctx: Ctx, data: dict[str, Any]) -> str:
    form = visits.VisitForm.from_data(data)
    lines = [
        ctx._(
            N_("Visit to %(head)s's household on %(day)s"), head=await _head(ctx, data), day=_day(form.day)
        ),
        ctx._(N_("Met: %(text)s"), text=form.met or "—"),
        ctx._(N_("Topics: %(text)s"), text=", ".join(_topic(ctx, t) for t in form.topics) or "—"),
        ctx._(N_("Notes: %(text)s"), text=form.notes or "—"),
        ctx._(N_("Request: %(text)s"), text=form.request or "—"),
        ctx._(N_("Follow up by: %(day)s"), day=_day(form.follow_up_due)),
    ]
    if form.photo_file_id or form.latitude is not None:
        lines.append(ctx._(N_("With a photo or location.")))
    lines.append(ctx._(N_("Save this visit?")))
    return "\n".join(lines)


def _previous(step: str, data: dict[str, Any]) -> str:
    at = STEPS.index(step)
    back = STEPS[at - 1]
    if back == "follow_due" and not data.get("follow_up_due") and data.get("_follow") != "date":
        back = "follow"
    return back


async def visit_step(ctx: Ctx, state: Form, answer: str) -> None:
    """resume → household → day → met → topics → notes → request → follow (→ date) → extras → confirm.
    Every step checks again that the household is still this member's, and writes the draft."""
    step = state.step
    person = ctx.require_person()
    assert person.id is not None
    if step == "resume":
        draft = await visits.draft_of(ctx.session, person.id)
        if answer not in ("continue", "discard"):
            ctx.reply(ctx._(CHOOSE))
            return
        if answer == "discard" or draft is None:
            await visits.drop_draft(ctx.session, person.id)
            state = await advance(session=ctx.session, state=state, step="household", now=ctx.now)
            # One message: a pressed button's message is replaced, so a separate note would be lost.
            await _ask(ctx, state, "household", lead=ctx._(N_("The unfinished visit is discarded.")))
            return
        state = await advance(session=ctx.session, state=state, step=draft.step, now=ctx.now, **draft.data)
        if await _still_mine(ctx, state) is not None:
            await _ask(ctx, state, draft.step)
        return
    if step == "household":
        if answer == "back":
            ctx.reply(ctx._(CHOOSE))
            return
        await _pick(ctx, state, answer)
        return
    if await _still_mine(ctx, state) is None:
        return
    if answer == "back":
        back = _previous(step, state.data)
        if back == "household":
            await visits.drop_draft(ctx.session, person.id)
            state = await advance(session=ctx.session, state=state, step="household", now=ctx.now)
            await _ask(ctx, state, "household")
            return
        await _save(ctx, state, back)
        return
    if answer == "discard" and step == "confirm":
        await visits.drop_draft(ctx.session, person.id)
        await finish(session=ctx.session, state=state)
        ctx.reply(ctx._(N_("The visit is discarded; nothing was saved.")))
        return
    await _answer(ctx, state, step, answer)


async def _still_mine(ctx: Ctx, state: Form) -> HouseholdRow | None:
    """The household, if it is still this member's (it may have been given to someone else meanwhile);
    else the form and its draft end (kept ended: this is an answer, not an error that rolls back)."""
    person = ctx.require_person()
    assert person.id is not None
    try:
        return await visits.mine(
            ctx.session,
            _cell_id(ctx),
            int(state.data["household"]),
            person_id=person.id,
            day=ctx.today,
            kind=_kind(ctx),
        )
    except UserError:
        await visits.drop_draft(ctx.session, person.id)
        await finish(session=ctx.session, state=state)
        ctx.reply(ctx._(N_("That household is no longer yours, so this visit cannot be saved as yours.")))
        return None


async def _answer(ctx: Ctx, state: Form, step: str, answer: str) -> None:
    skip = answer == "skip"
    if step == "day":
        row = await _still_mine(ctx, state)
        if row is None:
            return
        assert row.assigned_from is not None
        if answer in ("today", "yesterday"):
            day = ctx.today - timedelta(days=1 if answer == "yesterday" else 0)
        else:
            try:
                day = visit_rules.parse_day(answer, today=ctx.today)
            except DayError:
                raise UserError(DAY_ERRORS["not_a_date"]) from None
        try:
            visit_rules.check_day(day, today=ctx.today, assigned_from=row.assigned_from)
        except DayError as error:
            raise UserError(DAY_ERRORS[str(error)], since=_day(row.assigned_from)) from None
        await _save(ctx, state, "met", day=day.isoformat())
    elif step == "met":
        await _save(ctx, state, "topics", met=None if skip else _text(answer, visit_rules.MAX_MET))
    elif step == "topics":
        await _topics(ctx, state, answer)
    elif step == "notes":
        await _save(ctx, state, "request", notes=None if skip else _text(answer, visit_rules.MAX_NOTE))
    elif step == "request":
        await _save(ctx, state, "follow", request=None if skip else _text(answer, visit_rules.MAX_NOTE))
    elif step == "follow":
        if answer == "no":
            await _save(ctx, state, "extras", follow_up_due=None)
            return
        due = {"week": ctx.today + timedelta(days=7), "month": ctx.today + timedelta(days=30)}.get(answer)
        if due is None:
            try:
                due = parse_due(answer, today=ctx.today)
            except ValueError:
                raise UserError(
                    N_("Write the follow-up date as a date from today on, for example 20/12.")
                ) from None
        await _save(ctx, state, "extras", follow_up_due=due.isoformat())
    elif step == "extras":
        await _extras(ctx, state, answer)
    elif step == "confirm":
        if answer != "save":
            ctx.reply(ctx._(CHOOSE))
            return
        await _record(ctx, state)


def _text(answer: str, limit: int) -> str:
    try:
        text = visit_rules.check_text(answer, limit)
    except ValueError:
        raise UserError(TOO_LONG, limit=limit) from None
    if not text:
        raise UserError(N_("Please write an answer, or choose Skip."))
    return text


async def _topics(ctx: Ctx, state: Form, answer: str) -> None:
    topics = ctx.config.visits.topics
    chosen: list[str] = list(state.data.get("topics", []))
    if answer == "done":
        await _save(ctx, state, "notes")
        return
    if answer.startswith("t") and answer[1:].isdigit() and int(answer[1:]) < len(topics):
        topic = topics[int(answer[1:])]
        chosen = [t for t in chosen if t != topic] if topic in chosen else [*chosen, topic]
    else:
        picked = typed_numbers(answer, len(topics))
        if picked is None:
            ctx.reply(ctx._(CHOOSE))
            return
        chosen = [topics[i] for i in picked]
    await _save(ctx, state, "topics", topics=chosen)


async def _extras(ctx: Ctx, state: Form, answer: str) -> None:
    if answer == "skip":
        await _save(ctx, state, "confirm")
        return
    attachment, location = ctx.incoming.attachment, ctx.incoming.location
    if attachment is not None and attachment.kind == "photo":
        await _save(ctx, state, "extras", photo=attachment.file_id)
    elif location is not None:
        await _save(ctx, state, "extras", latitude=location[0], longitude=location[1])
    else:
        ctx.reply(ctx._(N_("Send a photo or your location, or choose Done.")))


async def _record(ctx: Ctx, state: Form) -> None:
    assert ctx.cell is not None
    person = ctx.require_person()
    assert person.id is not None
    form = visits.VisitForm.from_data(state.data)
    try:
        written = await visits.record_visit(
            session=ctx.session,
            cell=ctx.cell,
            person_id=person.id,
            household_id=int(state.data["household"]),
            form=form,
            today=ctx.today,
            kind=_kind(ctx),
            actor=ctx.actor,
            now=ctx.now,
        )
    except DayError as error:
        raise UserError(DAY_ERRORS[str(error)], since="?") from None
    await finish(session=ctx.session, state=state)
    lines = [ctx._(N_("Visit #%(id)s is saved. Thank you."), id=written.id)]
    if form.request:
        lines.append(ctx._(N_("The request goes to the secretary's list for the next meeting.")))
    if form.follow_up_due:
        lines.append(ctx._(N_("It is on your follow-ups until closed: /followups")))
    ctx.reply("\n".join(lines))


# ------------------------------------------------------------------------------- /followups (/theodoi)


async def followups(ctx: Ctx) -> None:
    """Open follow-ups: a member's own, or the whole cell for readers; `/followups <id> done [note]`."""
    person = ctx.require_person()
    assert ctx.cell is not None and ctx.cell.id is not None and person.id is not None
    readers = bool(ctx.roles & HOUSEHOLD_READERS)
    if ctx.args and ctx.args[0].isdigit():
        closed = await visits.close_follow_up(
            session=ctx.session,
            cell=ctx.cell,
            visit_id=int(ctx.args[0]),
            person_id=person.id,
            roles=ctx.roles,
            note=" ".join(ctx.args[2:]),
            actor=ctx.actor,
            now=ctx.now,
        )
        ctx.reply(
            ctx._(N_("The follow-up for %(head)s's household is closed."), head=closed.household.head_name)
        )
        return
    items = await visits.follow_ups(ctx.session, ctx.cell.id, person_id=None if readers else person.id)
    if not items:
        ctx.reply(ctx._(N_("No follow-ups are open.")))
        return
    lines = [ctx._(N_("Open follow-ups: %(count)s"), count=len(items))]
    for number, item in enumerate(items, start=1):
        late = " ⚠" if item.visit.follow_up_due and item.visit.follow_up_due < ctx.today else ""
        lines.append(
            f"{number}. {item.household.head_name} — "
            + ctx._(N_("by %(day)s"), day=_day(item.visit.follow_up_due))
            + late
            + (f" ({item.visitor})" if readers else "")
        )
        if item.visit.request:
            lines.append("   " + ctx._(N_("Request: %(text)s"), text=item.visit.request))
    cell = f"#{ctx.cell.id}"
    lines.append(ctx._(N_("Choose one when it is done.")))
    ctx.reply(
        "\n".join(lines),
        tuple((cmd_button(i.household.head_name, "followups", cell, i.visit.id, "done"),) for i in items),
        listed=True,
    )


async def requests_for_agenda(ctx: Ctx) -> None:
    """Before a meeting is planned: the residents' requests written on visits since the cell last met
    (or in the last 90 days), for the agenda. Only for those who may read them."""
    if not ctx.roles & HOUSEHOLD_READERS or ctx.cell is None or ctx.cell.id is None:
        return
    since = await meetings.last_held_day(ctx.session, ctx.cell.id) or ctx.today - timedelta(days=90)
    found = await visits.requests(ctx.session, ctx.cell.id, since=since, until=ctx.today)
    if not found:
        return
    lines = [
        ctx._(N_("Residents' requests from household visits since %(day)s, for the agenda:"), day=_day(since))
    ]
    for item in found[:15]:
        lines.append(f"• {_day(item.visited_on)} {item.household.head_name} ({item.visitor}): {item.text}")
    if len(found) > 15:
        lines.append(ctx._(N_("… and %(count)s more: chibo report requests"), count=len(found) - 15))
    ctx.reply("\n".join(lines))

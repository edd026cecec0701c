"""/schedule (/lich) and /schedule_unit (/lichdonvi): when cells meet and how members are reminded.

`/schedule` shows a cell's rule, its next three dates and the reminder offsets; `/schedule monthly 5
19:30` (or a button, then the rest typed) previews a change, and Save applies it at once: the coming
meeting moves, its jobs move, members who answered are told. `/schedule_unit` does the same for a
unit's default and shows every cell of the unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from bot.chat import Ctx, cmd_button, flow_button
from bot.domain import Button
from bot.errors import UserError
from bot.flows import Form, advance, finish
from bot.i18n import N_
from bot.meetings import schedule as rule_maths
from bot.meetings.schedule import Rule
from bot.services import meetings, officers, schedules

NEXT_SHOWN = 3
# The buttons under a schedule: what to change, then the rest is typed (or a preset pressed).
CHANGES = (
    ("monthly", N_("Change the day and time")),
    ("remind", N_("Change the reminders")),
    ("notice", N_("Change the notice")),
)
ASK = {
    "monthly": N_(
        "Write the new day and time, for example: monthly 5 19:30, monthly last 19:30, "
        "weekday 1 mon 19:30 or weeks 2 mon 19:30. Send /cancel to stop."
    ),
    "remind": N_(
        "When should members who have not answered be reminded? For example: 3d 1d 2h (days, hours "
        "before the meeting), or none. Send /cancel to stop."
    ),
    "notice": N_(
        "How long before the meeting should the notice go out? For example: 14d. Send /cancel to stop."
    ),
}
PRESETS = {"remind": ("3d 1d 2h", "1d 2h", "none"), "notice": ("7d", "14d", "21d")}
KEYWORDS = {
    "monthly": "monthly",
    "weekday": "monthly",
    "weeks": "monthly",
    "remind": "remind",
    "notice": "notice",
}


def _dates(ctx: Ctx, rule: Rule, tz: tzinfo) -> str:
    lines = []
    for start in rule_maths.starts_after(rule, ctx.now, tz, NEXT_SHOWN):
        line = "• " + meetings.local(start, tz)
        if rule_maths.is_clamped(rule, start.date()):
            line += " " + ctx._(N_("(the month has no day %(day)s: its last day instead)"), day=rule.day)
        lines.append(line)
    return "\n".join(lines)


def _describe(ctx: Ctx, rule: Rule, tz: tzinfo) -> str:
    return ctx._(
        N_(
            "%(rule)s\nNext dates by this rule:\n%(dates)s\nNotice: %(notice)s before. "
            "Reminders: %(reminders)s before, only to members who have not answered. Length: %(length)s."
        ),
        rule=rule_maths.describe(rule, ctx.gettext),
        dates=_dates(ctx, rule, tz),
        notice=rule_maths.offset_label(rule.notice),
        reminders=rule_maths.offsets_label(rule.reminders),
        length=rule_maths.offset_label(rule.length),
    )


async def schedule(ctx: Ctx) -> None:
    """Show the cell's schedule, or preview a typed change (Save applies it)."""
    assert ctx.cell is not None
    if ctx.args:
        found = await schedules.effective(ctx.session, ctx.cell)
        await _start_change(ctx, found.rule if found else None, ctx.args)
        return
    ctx.reply(*await _cell_view(ctx))


async def _cell_view(ctx: Ctx) -> tuple[str, tuple[tuple[Button, ...], ...]]:
    """The cell's rule, its next dates, the chasing, the coming meeting; with the change buttons."""
    assert ctx.cell is not None and ctx.cell.id is not None
    found = await schedules.effective(ctx.session, ctx.cell)
    tz = meetings.cell_zone(ctx.cell, ctx.config.tz)
    buttons = tuple((cmd_button(ctx._(label), "schedule", f"#{ctx.cell.id}", key),) for key, label in CHANGES)
    if found is None:
        text = ctx._(
            N_("%(cell)s has no meeting schedule yet. Set one, for example: /schedule monthly 5 19:30"),
            cell=ctx.cell.name,
        )
        return text, buttons[:1]
    source = (
        ctx._(N_("its own rule"))
        if found.unit is None
        else ctx._(N_("the default of %(unit)s"), unit=found.unit.name)
    )
    text = ctx._(N_("Meeting schedule of %(cell)s (%(source)s):"), cell=ctx.cell.name, source=source)
    text += "\n" + _describe(ctx, found.rule, tz)
    coming = await schedules.upcoming(ctx.session, [ctx.cell.id], ctx.now)
    if coming:
        first = coming[0]
        sent = await schedules.notice_sent(ctx.session, first)
        text += "\n" + ctx._(
            N_("Coming meeting: #%(id)s, %(when)s. Notice: %(notice)s."),
            id=first.id,
            when=meetings.local(first.starts_at, tz),
            notice=ctx._(N_("sent")) if sent else ctx._(N_("not yet")),
        )
    return text, buttons


async def schedule_unit(ctx: Ctx) -> None:
    """The organiser's view of every cell in the unit, or a change of the unit's default."""
    assert ctx.unit is not None
    own = await schedules.own_rule(ctx.session, unit=ctx.unit)
    if ctx.args:
        await _start_change(ctx, schedules.to_rule(own) if own else None, ctx.args)
        return
    lines = [
        ctx._(N_("Schedules in %(unit)s."), unit=ctx.unit.name),
        ctx._(
            N_("Default for its cells: %(rule)s"),
            rule=_rule_line(ctx, schedules.to_rule(own) if own else None),
        ),
    ]
    for cell in await officers.cells_of(session=ctx.session, unit=ctx.unit):
        assert cell.id is not None
        found = await schedules.effective(ctx.session, cell)
        tz = meetings.cell_zone(cell, ctx.config.tz)
        coming = await schedules.upcoming(ctx.session, [cell.id], ctx.now)
        next_meeting = (
            ctx._(
                N_("next %(when)s, notice %(notice)s"),
                when=meetings.local(coming[0].starts_at, tz),
                notice=ctx._(N_("sent"))
                if await schedules.notice_sent(ctx.session, coming[0])
                else ctx._(N_("not yet")),
            )
            if coming
            else ctx._(N_("no meeting planned"))
        )
        source = "" if found is None or found.unit is not None else " " + ctx._(N_("(own rule)"))
        lines.append(
            f"• {cell.name}: {_rule_line(ctx, found.rule if found else None)}{source}; {next_meeting}"
        )
    lines.append(ctx._(N_("Change the default with, for example: /schedule_unit monthly 12 19:30")))
    ctx.reply("\n".join(lines))


def _rule_line(ctx: Ctx, rule: Rule | None) -> str:
    return rule_maths.describe(rule, ctx.gettext) if rule else ctx._(N_("none"))


async def _start_change(ctx: Ctx, current: Rule | None, words: Sequence[str]) -> None:
    """A keyword alone asks for the rest; a whole change is previewed with Save and Cancel."""
    keyword = KEYWORDS.get(rule_maths.keyword(words[0]) or "")
    if len(words) == 1 and keyword is not None:
        await ctx.begin_form("schedule", "value", what=keyword)
        presets = PRESETS.get(keyword, ())
        ctx.reply(ctx._(ASK[keyword]), tuple((flow_button(p, p),) for p in presets))
        return
    state = await ctx.begin_form("schedule", "confirm")
    await _preview(ctx, state, current, list(words))


async def _preview(ctx: Ctx, state: Form, current: Rule | None, words: list[str]) -> None:
    where = ctx.cell.name if ctx.cell else ctx.unit.name if ctx.unit else "?"
    tz = meetings.cell_zone(ctx.cell, ctx.config.tz) if ctx.cell else ctx.config.tz
    if _inherits(words):
        inherited = await _inherited(ctx)
        await advance(session=ctx.session, state=state, step="confirm", now=ctx.now, words=words)
        text = ctx._(
            N_("%(cell)s would follow the default of %(unit)s again, not saved yet:"),
            cell=where,
            unit=inherited.unit.name if inherited.unit else "?",
        )
        text += "\n" + _describe(ctx, inherited.rule, tz)
        ctx.reply(text, _save_or_cancel(ctx))
        return
    changed = _apply(ctx, current, words)
    await advance(session=ctx.session, state=state, step="confirm", now=ctx.now, words=words)
    text = (
        ctx._(N_("New schedule for %(target)s, not saved yet:"), target=where)
        + "\n"
        + _describe(ctx, changed, tz)
    )
    if ctx.cell is not None:
        found = await schedules.effective(ctx.session, ctx.cell)
        if found is not None and found.unit is not None:
            text += "\n" + ctx._(
                N_(
                    "%(cell)s will then have its own rule: later changes to the default of %(unit)s will "
                    "not reach it (/schedule inherit goes back to the default)."
                ),
                cell=where,
                unit=found.unit.name,
            )
    if ctx.unit is not None and ctx.cell is None:
        _, overriding = await schedules.cells_following(ctx.session, ctx.unit)
        if overriding:
            text += "\n" + ctx._(
                N_("These cells keep their own rule: %(cells)s"), cells=", ".join(c.name for c in overriding)
            )
    ctx.reply(text, _save_or_cancel(ctx))


def _save_or_cancel(ctx: Ctx) -> tuple[tuple[Button, ...], ...]:
    return ((flow_button(ctx._(N_("Save")), "save"), flow_button(ctx._(N_("Cancel")), "cancel")),)


def _inherits(words: Sequence[str]) -> bool:
    return len(words) == 1 and rule_maths.keyword(words[0]) == "inherit"


async def _inherited(ctx: Ctx) -> schedules.Effective:
    """The unit default the cell would follow (a UserError for a unit, or when there is none)."""
    if ctx.cell is None:
        raise UserError(N_("Only a cell follows a default; a unit's default is changed directly."))
    if await schedules.own_rule(ctx.session, cell=ctx.cell) is None:
        raise UserError(N_("%(cell)s already follows its unit's default."), cell=ctx.cell.name)
    inherited = await schedules.unit_default(ctx.session, ctx.cell)
    if inherited is None:
        raise UserError(N_("No unit above %(cell)s has a default schedule to follow."), cell=ctx.cell.name)
    return inherited


def _apply(ctx: Ctx, current: Rule | None, words: Sequence[str]) -> Rule:
    """The rule after the change (a rhythm is needed before reminders or a notice can be set)."""
    if rule_maths.keyword(words[0]) is None:
        raise UserError(rule_maths.USAGE)
    if current is None and KEYWORDS.get(rule_maths.keyword(words[0]) or "") != "monthly":
        raise UserError(N_("Set the day and time first, for example: /schedule monthly 5 19:30"))
    return rule_maths.parse_change(words, current or schedules.DEFAULT_CHASE, ctx.today)


async def schedule_step(ctx: Ctx, state: Form, answer: str) -> None:
    """value (the rest of a change, typed or a preset) → preview → Save or Cancel."""
    current = await _current(ctx)
    if state.step == "value":
        words = [state.data["what"], *answer.split()]
        if state.data["what"] == "monthly" and answer.split() and rule_maths.keyword(answer.split()[0]):
            words = answer.split()  # they typed the whole change: "weekday 1 mon 19:30"
        await _preview(ctx, state, current, words)
        return
    if answer not in ("save", "cancel"):
        ctx.reply(ctx._(N_("Please choose one of the buttons, or send /cancel.")))
        return
    await finish(session=ctx.session, state=state)
    if answer == "cancel":
        ctx.reply(ctx._(N_("Cancelled. Nothing from that form was saved.")))
        return
    if _inherits(state.data["words"]):
        assert ctx.cell is not None
        await schedules.drop_rule(
            session=ctx.session,
            cell=ctx.cell,
            actor=ctx.actor,
            now=ctx.now,
            rules=ctx.config.meetings.rules(),
            default_tz=ctx.config.tz,
        )
        ctx.outcome.wake_delivery = True
        text, buttons = await _cell_view(ctx)
        ctx.reply(
            ctx._(N_("Saved. The reminders follow the new schedule from now on.")) + "\n\n" + text, buttons
        )
        return
    rule = _apply(ctx, current, state.data["words"])  # on the rule as it is now, if it changed meanwhile
    await schedules.set_rule(
        session=ctx.session,
        rule=rule,
        actor=ctx.actor,
        now=ctx.now,
        rules=ctx.config.meetings.rules(),
        default_tz=ctx.config.tz,
        cell=ctx.cell,
        unit=None if ctx.cell else ctx.unit,
    )
    ctx.outcome.wake_delivery = True  # members who answered a moved meeting are told
    saved = ctx._(N_("Saved. The reminders follow the new schedule from now on."))
    if ctx.cell is None:
        ctx.reply(saved)
        return
    text, buttons = await _cell_view(ctx)
    ctx.reply(saved + "\n\n" + text, buttons)


async def _current(ctx: Ctx) -> Rule | None:
    if ctx.cell is not None:
        found = await schedules.effective(ctx.session, ctx.cell)
        return found.rule if found else None
    own = await schedules.own_rule(ctx.session, unit=ctx.unit)
    return schedules.to_rule(own) if own else None

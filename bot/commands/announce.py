"""/announce, /announce_unit and /unreachable: reaching members, and knowing who cannot be reached."""

from __future__ import annotations

from bot import markup
from bot.chat import Ctx, flow_button
from bot.flows import Form, advance, finish
from bot.i18n import N_
from bot.services import announcements, audit

AUDIENCE_NAMES = {"members": N_("all members"), "secretaries": N_("secretaries and deputy secretaries")}


async def announce(ctx: Ctx) -> None:
    """Start the announcement form for the cell."""
    assert ctx.cell is not None
    await ctx.begin_form("announce", "text", audience="members")
    # Plain text, so the reader sees the tags they may type.
    ctx.reply(
        ctx._(
            N_(
                "Write the announcement for %(cell)s. You may use *bold* and _italics_. Send /cancel to stop."
            ),
            cell=ctx.cell.name,
        )
    )


async def announce_unit(ctx: Ctx) -> None:
    """Start the announcement form for the unit: first choose who it is for."""
    assert ctx.unit is not None
    await ctx.begin_form("announce", "audience")
    ctx.reply(
        ctx._(N_("Who is the announcement for, in %(unit)s?"), unit=ctx.unit.name),
        tuple((flow_button(ctx._(name), key),) for key, name in AUDIENCE_NAMES.items()),
    )


async def announce_step(ctx: Ctx, state: Form, answer: str) -> None:
    """audience → text → preview and confirm → queued, with a live delivery report."""
    if state.step == "audience":
        if answer not in AUDIENCE_NAMES:
            ctx.reply(ctx._(N_("Please choose one of the buttons, or send /cancel.")))
            return
        await advance(session=ctx.session, state=state, step="text", now=ctx.now, audience=answer)
        ctx.reply(
            ctx._(N_("Write the announcement. You may use *bold* and _italics_. Send /cancel to stop."))
        )
        return
    if state.step == "text":
        answer = ctx.incoming.markup or answer  # the formatting the person used, as the core's markup
        announcements.check_text(answer)  # a UserError here explains the problem and keeps the form here
        await advance(session=ctx.session, state=state, step="confirm", now=ctx.now, text=answer)
        target = ctx.cell.name if ctx.cell else ctx.unit.name if ctx.unit else "?"
        ctx.reply(
            ctx._(
                N_("To: %(target)s, %(audience)s. Preview:"),
                target=markup.escape(target),
                audience=ctx._(AUDIENCE_NAMES[state.data["audience"]]),
            )
            + "\n\n"
            + answer,
            ((flow_button(ctx._(N_("Send")), "send"), flow_button(ctx._(N_("Cancel")), "cancel")),),
            markup=True,
        )
        return
    if answer not in ("send", "cancel"):
        ctx.reply(ctx._(N_("Please choose one of the buttons, or send /cancel.")))
        return
    await finish(session=ctx.session, state=state)
    if answer != "send":
        ctx.reply(ctx._(N_("Cancelled. Nothing from that form was saved.")))
        return
    cell, unit = ctx.cell, ctx.unit
    person = ctx.require_person()
    created = await announcements.create(
        session=ctx.session,
        text=state.data["text"],
        audience=state.data["audience"],
        actor=audit.Actor(f"{ctx.chat.platform}:{ctx.user_id}", person.id),
        now=ctx.now,
        day=ctx.today,
        cell=cell,
        unit=unit,
        report_chat=ctx.chat,
        report_message_id=ctx.incoming.message_id,
    )
    assert created.id is not None
    result = await announcements.report(session=ctx.session, announcement_id=created.id)
    text = announcements.render_report(result, ctx.gettext)
    # The live report is updated only when this changes (bot.runtime.update_reports).
    created.report_digest = announcements.shown(result, text, edits=ctx.capabilities.edits)
    created.report_shown_at = ctx.now
    ctx.reply(text)
    ctx.outcome.wake_delivery = True


async def unreachable(ctx: Ctx) -> None:
    """Members of the cell the bot cannot reach, and why."""
    assert ctx.cell is not None
    people = await announcements.unreachable_members(session=ctx.session, cell=ctx.cell, day=ctx.today)
    if not people:
        ctx.reply(ctx._(N_("I can reach every member of %(cell)s."), cell=ctx.cell.name))
        return
    lines = [ctx._(N_("Members of %(cell)s I cannot reach:"), cell=ctx.cell.name)]
    for person, reason in people:
        lines.append(
            f"• {person.full_name}: {ctx._(announcements.UNREACHABLE_REASON_TEXT.get(reason, reason))}"
        )
    ctx.reply("\n".join(lines))

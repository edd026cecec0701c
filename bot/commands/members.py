"""/members: the cell's member list; secretaries (and organisers) change a member's record with buttons."""

from __future__ import annotations

from bot.chat import Ctx, cmd_button, flow_button
from bot.domain import Button
from bot.errors import UserError
from bot.flows import Form, advance, finish
from bot.i18n import N_
from bot.permissions import MANAGE_MEMBERS
from bot.services import people, records
from bot.texts import STATUS_NAMES, member_line


def _can_manage(ctx: Ctx) -> bool:
    return bool(ctx.roles & MANAGE_MEMBERS)


async def members(ctx: Ctx) -> None:
    """List the cell's members, or act on one: /members [id [official|probationary|exempt|end]]."""
    assert ctx.cell is not None and ctx.cell.id is not None
    gettext = ctx.gettext
    if not ctx.args:
        views = await people.list_members(session=ctx.session, cell=ctx.cell, day=ctx.today)
        lines = [ctx._(N_("%(cell)s: %(count)s members"), cell=ctx.cell.name, count=len(views))]
        # Numbered as the choices are, so a typed number picks the member on any messenger.
        lines += [member_line(v, gettext, number) for number, v in enumerate(views, start=1)]
        buttons: tuple[tuple[Button, ...], ...] = ()
        if _can_manage(ctx):
            lines.append(ctx._(N_("Choose a member to change their record.")))
            buttons = tuple(
                tuple(cmd_button(v.person.full_name, "members", f"#{ctx.cell.id}", v.person.id) for v in pair)
                for pair in (views[i : i + 2] for i in range(0, len(views), 2))
            )
        ctx.reply("\n".join(lines), buttons, listed=True)
        return
    if not _can_manage(ctx):
        raise UserError(N_("Only the secretary can change members' records."))
    view = await people.member_in(session=ctx.session, cell=ctx.cell, ref=ctx.args[0], day=ctx.today)
    person = view.person
    action = ctx.args[1] if len(ctx.args) > 1 else None
    if action in STATUS_NAMES:
        await records.set_status(
            session=ctx.session,
            person=person,
            status=action,
            valid_from=ctx.today,
            actor=ctx.actor,
            now=ctx.now,
        )
        ctx.reply(
            ctx._(
                N_("%(name)s is %(status)s from %(date)s."),
                name=person.full_name,
                status=ctx._(STATUS_NAMES[action]),
                date=ctx.today.strftime("%d/%m/%Y"),
            )
        )
        return
    if action in ("exempt", "end"):
        await ctx.begin_form("member_reason", "reason", person=person.id, action=action)
        question = (
            N_(
                "Why is %(name)s exempt from party work and meetings? (e.g. illness, age). Send /cancel "
                "to stop."
            )
            if action == "exempt"
            else N_("Why does %(name)s leave the cell? (moved away, died, removed). Send /cancel to stop.")
        )
        ctx.reply(ctx._(question, name=person.full_name))
        return
    cell = f"#{ctx.cell.id}"
    ctx.reply(
        member_line(view, gettext),
        (
            (
                cmd_button(ctx._(STATUS_NAMES["official"]), "members", cell, person.id, "official"),
                cmd_button(ctx._(STATUS_NAMES["probationary"]), "members", cell, person.id, "probationary"),
            ),
            (
                cmd_button(ctx._(N_("Exempt from meetings")), "members", cell, person.id, "exempt"),
                cmd_button(ctx._(N_("Leaves the cell")), "members", cell, person.id, "end"),
            ),
            (cmd_button(ctx._(N_("« Back to the list")), "members", cell),),
        ),
    )


async def member_reason(ctx: Ctx, state: Form, answer: str) -> None:
    """The reason for an exemption or for leaving; leaving is confirmed before it happens."""
    if state.step == "confirm":
        if answer not in ("yes", "no"):
            ctx.reply(ctx._(N_("Please choose one of the buttons, or send /cancel.")))
            return
        if answer != "yes":
            await finish(session=ctx.session, state=state)
            ctx.reply(ctx._(N_("Cancelled. Nothing from that form was saved.")))
            return
    elif not answer.strip():
        ctx.reply(ctx._(N_("Please write the reason, or send /cancel.")))
        return
    else:
        answer = records.check_reason(answer)  # too long: explained, and the form waits for a shorter one
    cell = ctx.cell
    assert cell is not None
    # Still a member of the cell today? Checked at every step, as the permission is.
    person = (
        await people.member_in(session=ctx.session, cell=cell, ref=str(state.data["person"]), day=ctx.today)
    ).person
    actor = ctx.actor
    if state.data["action"] == "end" and state.step == "reason":
        await advance(session=ctx.session, state=state, step="confirm", now=ctx.now, reason=answer.strip())
        ctx.reply(
            ctx._(
                N_(
                    "%(name)s will stop being a member of %(cell)s today (%(date)s), reason: %(reason)s. "
                    "Confirm?"
                ),
                name=person.full_name,
                cell=cell.name,
                date=ctx.today.strftime("%d/%m/%Y"),
                reason=answer.strip(),
            ),
            ((flow_button(ctx._(N_("Confirm")), "yes"), flow_button(ctx._(N_("Cancel")), "no")),),
        )
        return
    await finish(session=ctx.session, state=state)
    if state.data["action"] == "exempt":
        await records.exempt(
            session=ctx.session,
            person=person,
            valid_from=ctx.today,
            valid_to=None,
            reason=answer.strip(),
            actor=actor,
            now=ctx.now,
        )
        ctx.reply(
            ctx._(
                N_("%(name)s is exempt from %(date)s."),
                name=person.full_name,
                date=ctx.today.strftime("%d/%m/%Y"),
            )
        )
    else:
        await records.end_membership(
            session=ctx.session,
            person=person,
            on=ctx.today,
            reason=state.data["reason"],
            actor=actor,
            now=ctx.now,
        )
        ctx.reply(
            ctx._(
                N_("%(name)s is no longer a member of %(cell)s from %(date)s."),
                name=person.full_name,
                cell=cell.name,
                date=ctx.today.strftime("%d/%m/%Y"),
            )
        )

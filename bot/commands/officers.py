"""/invite, /invite_unit, /delegate and /roles: what secretaries and organisers do for cells and units."""

from __future__ import annotations

from datetime import date

from bot.chat import Ctx, cmd_button
from bot.domain import Button, Document
from bot.errors import UserError
from bot.i18n import N_
from bot.permissions import GRANTABLE_IN_CELL, Role
from bot.services import delegations, invites, officers
from bot.texts import ROLE_NAMES

DELEGATION_DAYS = (3, 7, 14, 30)  # offered as buttons; any 1 to 90 may be typed


def _day(value: date) -> str:
    return value.strftime("%d/%m/%Y")


async def invite(ctx: Ctx) -> None:
    """Send the secretary, privately, an invite code for every member of the cell not linked yet."""
    assert ctx.cell is not None
    username = await invites.bot_username(session=ctx.session, config=ctx.config)
    batch = await invites.for_cells(
        session=ctx.session,
        cells=[ctx.cell],
        now=ctx.now,
        config=ctx.config,
        username=username,
        actor=ctx.actor,
    )
    _send_invites(ctx, batch, ctx.cell.name, f"invites-cell-{ctx.cell.id}.csv")


async def invite_unit(ctx: Ctx) -> None:
    """Send the organiser, privately, the invite codes of every cell in their unit and the units below."""
    assert ctx.unit is not None
    username = await invites.bot_username(session=ctx.session, config=ctx.config)
    batch = await invites.for_unit(
        session=ctx.session, unit=ctx.unit, now=ctx.now, config=ctx.config, username=username, actor=ctx.actor
    )
    _send_invites(ctx, batch, ctx.unit.name, f"invites-unit-{ctx.unit.id}.csv")


def _send_invites(ctx: Ctx, batch: invites.InviteBatch, scope_name: str, filename: str) -> None:
    if not batch.rows:
        ctx.reply(ctx._(N_("Every member of %(cell)s has linked an account already."), cell=scope_name))
        return
    # ctx.here is the private chat even when the command was written in a group.
    ctx.reply(invites.as_text(batch, gettext=ctx.gettext, tz=ctx.config.tz))
    csv_file = invites.as_csv(batch, gettext=ctx.gettext, tz=ctx.config.tz)
    caption = ctx._(N_("Invite codes for %(cell)s"), cell=scope_name)
    ctx.reply("", document=Document(filename, csv_file, caption))


async def delegate(ctx: Ctx) -> None:
    """The secretary lets the deputy act as secretary for N days (/delegate 7); /delegate stop ends it.

    Organisers of the unit see and stop a delegation, but only the sitting secretary starts one.
    """
    assert ctx.cell is not None
    cell = f"#{ctx.cell.id}"
    stop_button = (cmd_button(ctx._(N_("End the delegation now")), "delegate", cell, "stop"),)
    if ctx.args and ctx.args[0] == "stop":
        names = await delegations.stop(
            session=ctx.session, cell=ctx.cell, day=ctx.today, now=ctx.now, actor=ctx.actor
        )
        ctx.reply(ctx._(N_("The delegation to comrade %(name)s has ended."), name=", ".join(names)))
        return
    running = await delegations.running(session=ctx.session, cell=ctx.cell, day=ctx.today)
    if Role.SECRETARY not in ctx.roles:
        if ctx.args:
            raise UserError(
                N_("Only the secretary of %(cell)s can delegate their duties."), cell=ctx.cell.name
            )
        if not running:
            ctx.reply(ctx._(N_("No delegation runs in %(cell)s."), cell=ctx.cell.name))
            return
        lines = [_acting(ctx, d.deputy, d.valid_from, d.valid_to) for d in running]
        ctx.reply("\n".join(lines), (stop_button,))
        return
    me = ctx.require_person()
    if ctx.args:
        delegation = await delegations.start(
            session=ctx.session,
            cell=ctx.cell,
            secretary=me,
            days=ctx.args[0],
            day=ctx.today,
            now=ctx.now,
            actor=ctx.actor,
        )
        deputy = await delegations.deputy_of(session=ctx.session, cell=ctx.cell, secretary=me, day=ctx.today)
        ctx.reply(_acting(ctx, deputy.full_name, delegation.valid_from, delegation.valid_to))
        return
    deputy = await delegations.deputy_of(session=ctx.session, cell=ctx.cell, secretary=me, day=ctx.today)
    lines = [
        ctx._(
            N_("Delegate your duties as secretary to comrade %(name)s for how long?"), name=deputy.full_name
        )
    ]
    buttons: list[tuple[Button, ...]] = [
        tuple(
            cmd_button(ctx._(N_("%(days)s days"), days=days), "delegate", cell, days)
            for days in DELEGATION_DAYS
        )
    ]
    if running:
        lines.append(ctx._(N_("A delegation runs until %(date)s."), date=_day(running[-1].valid_to)))
        buttons.append(stop_button)
    ctx.reply("\n".join(lines), tuple(buttons))


def _acting(ctx: Ctx, name: str, start: date, end: date) -> str:
    assert ctx.cell is not None
    return ctx._(
        N_("Comrade %(name)s acts as secretary of %(cell)s from %(start)s to %(end)s."),
        name=name,
        cell=ctx.cell.name,
        start=_day(start),
        end=_day(end),
    )


async def roles(ctx: Ctx) -> None:
    """Organisers grant and revoke the offices of the cells in their unit, step by step.

    /roles → cells of the unit; /roles cell C → holders with revoke buttons, and offices to grant;
    /roles grant C R → members to choose; /roles grant C R P → done; /roles revoke A → done.
    """
    assert ctx.unit is not None
    unit, args = f"#{ctx.unit.id}", ctx.args
    if not args:
        cells = await officers.cells_of(session=ctx.session, unit=ctx.unit)
        ctx.reply(
            ctx._(N_("Officer roles in %(unit)s. Choose a cell:"), unit=ctx.unit.name),
            tuple((cmd_button(c.name, "roles", unit, "cell", c.id),) for c in cells[:40]),
        )
        return
    if args[0] == "cell" and len(args) == 2:
        cell = await officers.cell_in(session=ctx.session, unit=ctx.unit, ref=args[1])
        holders = await officers.holders(session=ctx.session, cell=cell, day=ctx.today)
        lines = [ctx._(N_("Officers of %(cell)s:"), cell=cell.name)]
        lines += [f"• {h.name}: {ctx._(ROLE_NAMES[h.role])}" for h in holders] or [ctx._(N_("(none)"))]
        revoke = [
            (
                cmd_button(
                    ctx._(N_("Revoke: %(name)s, %(role)s"), name=h.name, role=ctx._(ROLE_NAMES[h.role])),
                    "roles",
                    unit,
                    "revoke",
                    h.assignment_id,
                ),
            )
            for h in holders
        ]
        grant = [
            (
                cmd_button(
                    ctx._(N_("Grant: %(role)s"), role=ctx._(ROLE_NAMES[r])),
                    "roles",
                    unit,
                    "grant",
                    cell.id,
                    r,
                ),
            )
            for r in GRANTABLE_IN_CELL
        ]
        ctx.reply("\n".join(lines), tuple(revoke + grant))
        return
    back = ((cmd_button(ctx._(N_("« Back")), "roles", unit, "cell", args[1] if len(args) > 1 else ""),),)
    if args[0] == "grant" and len(args) in (3, 4):
        cell = await officers.cell_in(session=ctx.session, unit=ctx.unit, ref=args[1])
        role = officers.cell_office(args[2])
        if len(args) == 3:
            members = await officers.members(session=ctx.session, cell=cell, day=ctx.today)
            ctx.reply(
                ctx._(N_("Who becomes %(role)s of %(cell)s?"), role=ctx._(ROLE_NAMES[role]), cell=cell.name),
                tuple(
                    (cmd_button(p.full_name, "roles", unit, "grant", cell.id, role, p.id),) for p in members
                ),
            )
            return
        person = await officers.grant(
            session=ctx.session,
            cell=cell,
            role=role,
            person_ref=args[3],
            day=ctx.today,
            now=ctx.now,
            actor=ctx.actor,
        )
        done = N_("%(name)s is now %(role)s of %(scope)s.")
        ctx.reply(ctx._(done, name=person.full_name, role=ctx._(ROLE_NAMES[role]), scope=cell.name), back)
        return
    if args[0] == "revoke" and len(args) == 2:
        person, role, cell = await officers.revoke(
            session=ctx.session,
            unit=ctx.unit,
            assignment_ref=args[1],
            day=ctx.today,
            now=ctx.now,
            actor=ctx.actor,
        )
        back = ((cmd_button(ctx._(N_("« Back")), "roles", unit, "cell", cell.id),),)
        done = N_("%(name)s is no longer %(role)s of %(scope)s.")
        ctx.reply(ctx._(done, name=person.full_name, role=ctx._(ROLE_NAMES[role]), scope=cell.name), back)
        return
    raise UserError(N_("I did not understand that. Send /roles and use the buttons."))

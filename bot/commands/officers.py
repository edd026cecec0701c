"""/invite, /delegate and /roles: what secretaries and organisers do for their cells and units."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from bot.chat import Ctx, cmd_button, command
from bot.domain import Button, Document
from bot.errors import UserError
from bot.i18n import N_
from bot.permissions import GRANTABLE_IN_CELL, Role
from bot.services import identity, invites, org
from bot.texts import ROLE_NAMES
from storage import repo
from storage.ids import parse_id
from storage.models import Cell, Delegation, Person, RoleAssignment

# Short codes keep button data under Telegram's 64 bytes.
ROLE_CODES = {"cm": "committee_member", "ds": "deputy_secretary", "se": "secretary", "or": "organiser"}
CODE_OF = {role: code for code, role in ROLE_CODES.items()}
MAX_DELEGATION_DAYS = 90


def _actor(ctx: Ctx) -> org.Actor:
    return org.Actor(f"{ctx.chat.platform}:{ctx.user_id}", ctx.require_person().id)


@command("invite")
async def invite(ctx: Ctx) -> None:
    """Send the secretary, privately, an invite code for every member of the cell not linked yet."""
    assert ctx.cell is not None
    await _send_invites(ctx, [ctx.cell], ctx.cell.name, f"invites-cell-{ctx.cell.id}.csv")


@command("invite_unit")
async def invite_unit(ctx: Ctx) -> None:
    """Send the organiser, privately, the invite codes of every cell in their unit and the units below."""
    assert ctx.unit is not None and ctx.unit.id is not None
    units = await repo.unit_descendants(session=ctx.session, unit_id=ctx.unit.id)
    cells = list(await repo.cells_in_units(session=ctx.session, unit_ids=units))
    await _send_invites(ctx, cells, ctx.unit.name, f"invites-unit-{ctx.unit.id}.csv")


async def _send_invites(ctx: Ctx, cells: list[Cell], scope_name: str, filename: str) -> None:
    username = ctx.config.telegram.bot_username or await repo.get_setting(
        session=ctx.session, key=identity.USERNAME_KEY
    )
    batch = await invites.for_cells(
        session=ctx.session, cells=cells, now=ctx.now, config=ctx.config, username=username, actor=_actor(ctx)
    )
    if not batch.rows:
        ctx.reply(ctx._(N_("Every member of %(cell)s has linked an account already."), cell=scope_name))
        return
    # ctx.here is the private chat even when the command was written in a group.
    ctx.reply(invites.as_text(batch, gettext=ctx.gettext, tz=ctx.config.tz))
    csv_file = invites.as_csv(batch, gettext=ctx.gettext, tz=ctx.config.tz)
    caption = ctx._(N_("Invite codes for %(cell)s"), cell=scope_name)
    ctx.reply("", document=Document(filename, csv_file, caption))


@command("delegate")
async def delegate(ctx: Ctx) -> None:
    """The secretary lets the deputy act as secretary for N days (/delegate 7); /delegate stop ends it.

    Organisers of the unit see and stop a delegation, but only the sitting secretary starts one.
    """
    assert ctx.cell is not None and ctx.cell.id is not None
    secretary = Role.SECRETARY in ctx.roles
    running = list(await repo.running_delegations(session=ctx.session, day=ctx.today, cell_id=ctx.cell.id))
    cell = f"#{ctx.cell.id}"
    if ctx.args and ctx.args[0] == "stop":
        if not running:
            raise UserError(N_("There is no delegation running."))
        await org.end_delegations(
            ctx.session,
            person_id=None,
            cell_id=ctx.cell.id,
            day=ctx.today,
            now=ctx.now,
            actor=_actor(ctx),
            why="stop",
        )
        names = [await _name(ctx, d.to_person_id) for d in running]
        ctx.reply(ctx._(N_("The delegation to comrade %(name)s has ended."), name=", ".join(names)))
        return
    if not secretary:
        if ctx.args:
            raise UserError(
                N_("Only the secretary of %(cell)s can delegate their duties."), cell=ctx.cell.name
            )
        if not running:
            ctx.reply(ctx._(N_("No delegation runs in %(cell)s."), cell=ctx.cell.name))
            return
        lines = [
            ctx._(
                N_("Comrade %(name)s acts as secretary of %(cell)s from %(start)s to %(end)s."),
                name=await _name(ctx, d.to_person_id),
                cell=ctx.cell.name,
                start=d.valid_from.strftime("%d/%m/%Y"),
                end=d.valid_to.strftime("%d/%m/%Y"),
            )
            for d in running
        ]
        ctx.reply(
            "\n".join(lines), ((cmd_button(ctx._(N_("End the delegation now")), "delegate", cell, "stop"),),)
        )
        return
    me = ctx.require_person()
    deputies = await repo.role_holders(
        session=ctx.session, role="deputy_secretary", day=ctx.today, cell_id=ctx.cell.id
    )
    deputy = await ctx.session.get(Person, deputies[0].person_id) if deputies else None
    if deputy is None or deputy.id is None:
        raise UserError(N_("%(cell)s has no deputy secretary to delegate to."), cell=ctx.cell.name)
    if deputy.id == me.id:
        raise UserError(N_("You cannot delegate your duties to yourself."))
    if not ctx.args:
        lines = [
            ctx._(
                N_("Delegate your duties as secretary to comrade %(name)s for how long?"),
                name=deputy.full_name,
            )
        ]
        buttons: list[tuple[Button, ...]] = [
            tuple(
                cmd_button(ctx._(N_("%(days)s days"), days=days), "delegate", cell, days)
                for days in (3, 7, 14, 30)
            )
        ]
        if running:
            lines.append(
                ctx._(N_("A delegation runs until %(date)s."), date=running[-1].valid_to.strftime("%d/%m/%Y"))
            )
            buttons.append((cmd_button(ctx._(N_("End the delegation now")), "delegate", cell, "stop"),))
        ctx.reply("\n".join(lines), tuple(buttons))
        return
    days = parse_id(ctx.args[0])
    if days is None or days > MAX_DELEGATION_DAYS:
        raise UserError(N_("Give the number of days, from 1 to 90: for example /delegate 7."))
    until = ctx.today + timedelta(days=days - 1)
    for previous in running:  # a new delegation replaces the running one
        previous.revoked_at = ctx.now
    assert me.id is not None
    ctx.session.add(
        Delegation(
            cell_id=ctx.cell.id,
            from_person_id=me.id,
            to_person_id=deputy.id,
            valid_from=ctx.today,
            valid_to=until,
            created_at=ctx.now,
        )
    )
    await ctx.session.flush()
    await org.record_change(
        ctx.session,
        actor=_actor(ctx),
        now=ctx.now,
        action="delegation.start",
        subject=f"cell:{ctx.cell.id}",
        after={"to": deputy.id, "from": ctx.today.isoformat(), "to_date": until.isoformat()},
    )
    ctx.reply(
        ctx._(
            N_("Comrade %(name)s acts as secretary of %(cell)s from %(start)s to %(end)s."),
            name=deputy.full_name,
            cell=ctx.cell.name,
            start=ctx.today.strftime("%d/%m/%Y"),
            end=until.strftime("%d/%m/%Y"),
        )
    )


async def _name(ctx: Ctx, person_id: int) -> str:
    person = await ctx.session.get(Person, person_id)
    return person.full_name if person else "?"


async def _cell_in_unit(ctx: Ctx, cell_id: str) -> Cell:
    """A cell under the organiser's unit (never one outside it, whatever the button says)."""
    assert ctx.unit is not None and ctx.unit.id is not None
    cell_key = parse_id(cell_id)
    cell = await ctx.session.get(Cell, cell_key) if cell_key else None
    units = await repo.unit_descendants(session=ctx.session, unit_id=ctx.unit.id)
    if cell is None or cell.unit_id not in units or cell.closed_at is not None:
        raise UserError(N_("That cell is not in your unit."))
    return cell


@command("roles")
async def roles(ctx: Ctx) -> None:
    """Organisers grant and revoke the roles below their own, step by step with buttons.

    /roles → cells of the unit; /roles cell C → holders with revoke buttons, and roles to grant;
    /roles grant C R → members to choose; /roles grant C R P → done; /roles revoke A → done.
    """
    assert ctx.unit is not None and ctx.unit.id is not None
    unit = f"#{ctx.unit.id}"
    args = ctx.args
    actor = _actor(ctx)
    if not args:
        units = await repo.unit_descendants(session=ctx.session, unit_id=ctx.unit.id)
        cells = await repo.cells_in_units(session=ctx.session, unit_ids=units)
        ctx.reply(
            ctx._(N_("Officer roles in %(unit)s. Choose a cell:"), unit=ctx.unit.name),
            tuple((cmd_button(c.name, "roles", unit, "cell", c.id),) for c in cells[:40]),
        )
        return
    if args[0] == "cell" and len(args) == 2:
        cell = await _cell_in_unit(ctx, args[1])
        holders = (
            await ctx.session.exec(
                select(RoleAssignment, Person)
                .join(Person, col(Person.id) == col(RoleAssignment.person_id))
                .where(RoleAssignment.cell_id == cell.id, repo.active_on(RoleAssignment, ctx.today))
            )
        ).all()
        lines = [ctx._(N_("Officers of %(cell)s:"), cell=cell.name)]
        lines += [f"• {p.full_name}: {ctx._(ROLE_NAMES[a.role])}" for a, p in holders] or [
            ctx._(N_("(none)"))
        ]
        buttons = [
            (
                cmd_button(
                    ctx._(N_("Revoke: %(name)s, %(role)s"), name=p.full_name, role=ctx._(ROLE_NAMES[a.role])),
                    "roles",
                    unit,
                    "revoke",
                    a.id,
                ),
            )
            for a, p in holders
        ]
        buttons += [
            (
                cmd_button(
                    ctx._(N_("Grant: %(role)s"), role=ctx._(ROLE_NAMES[r])),
                    "roles",
                    unit,
                    "grant",
                    cell.id,
                    CODE_OF[r],
                ),
            )
            for r in GRANTABLE_IN_CELL
        ]
        ctx.reply("\n".join(lines), tuple(buttons))
        return
    if args[0] == "grant" and len(args) in (3, 4) and args[2] in ROLE_CODES and args[2] != "or":
        cell = await _cell_in_unit(ctx, args[1])
        role = ROLE_CODES[args[2]]
        assert cell.id is not None
        if len(args) == 3:
            members = await repo.cell_members(session=ctx.session, cell_id=cell.id, day=ctx.today)
            ctx.reply(
                ctx._(N_("Who becomes %(role)s of %(cell)s?"), role=ctx._(ROLE_NAMES[role]), cell=cell.name),
                tuple(
                    (cmd_button(p.full_name, "roles", unit, "grant", cell.id, args[2], p.id),)
                    for p, _ in members
                ),
            )
            return
        member_ids = {
            p.id for p, _ in await repo.cell_members(session=ctx.session, cell_id=cell.id, day=ctx.today)
        }
        person_key = parse_id(args[3])
        person = await ctx.session.get(Person, person_key) if person_key else None
        if person is None or person.id not in member_ids:
            raise UserError(N_("Only a member of the cell can hold an officer role in it."))
        await org.grant_role(
            session=ctx.session,
            person=person,
            role=role,
            cell=cell,
            actor=actor,
            now=ctx.now,
            today=ctx.today,
        )
        ctx.reply(
            ctx._(
                N_("%(name)s is now %(role)s of %(scope)s."),
                name=person.full_name,
                role=ctx._(ROLE_NAMES[role]),
                scope=cell.name,
            ),
            ((cmd_button(ctx._(N_("« Back")), "roles", unit, "cell", cell.id),),),
        )
        return
    if args[0] == "revoke" and len(args) == 2:
        assignment_key = parse_id(args[1])
        assignment = await ctx.session.get(RoleAssignment, assignment_key) if assignment_key else None
        if assignment is None or assignment.cell_id is None or assignment.valid_to is not None:
            raise UserError(N_("That role is not held any more."))
        cell = await _cell_in_unit(ctx, str(assignment.cell_id))
        person = await ctx.session.get(Person, assignment.person_id)
        assert person is not None
        await org.revoke_role(
            session=ctx.session,
            person=person,
            role=assignment.role,
            cell=cell,
            actor=actor,
            now=ctx.now,
            today=ctx.today,
        )
        ctx.reply(
            ctx._(
                N_("%(name)s is no longer %(role)s of %(scope)s."),
                name=person.full_name,
                role=ctx._(ROLE_NAMES[assignment.role]),
                scope=cell.name,
            ),
            ((cmd_button(ctx._(N_("« Back")), "roles", unit, "cell", cell.id),),),
        )
        return
    raise UserError(N_("I did not understand that. Send /roles and use the buttons."))

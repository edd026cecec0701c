"""Setting up the organisation: `chibo unit add`, `cell add`, `person add`, `role grant|revoke`."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from bot.i18n import N_

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from bot.cli.common import Commands, Context


from bot.cli.common import _names, _scope


def add(sub: Any, commands: Commands) -> None:
    """Add these commands to the `chibo` parser."""
    # The light vocabulary module, so --help need not load the models.
    from bot.texts import ROLE_NAMES, STATUS_NAMES
    from storage.vocabulary import CELL_KINDS, MEMBER_STATUSES, OFFICER_ROLES

    gettext = commands.gettext
    unit = commands.group(sub, "unit", gettext("units (province, commune ...)"))
    p = commands.command(unit, "add", gettext("add a unit"))
    p.add_argument("name", metavar=gettext("NAME"))
    p.add_argument("--parent", metavar=gettext("UNIT"), help=gettext("the parent unit, by name or id"))
    p.set_defaults(action=_unit_add, creates_database=True)  # the first step of every setup

    cell = commands.group(sub, "cell", gettext("cells (chi bộ)"))
    p = commands.command(cell, "add", gettext("add a cell"))
    p.add_argument("name", metavar=gettext("NAME"))
    p.add_argument("--unit", required=True, metavar=gettext("UNIT"), help=gettext("its unit, by name or id"))
    p.add_argument(
        "--kind", default="village", choices=CELL_KINDS, help=gettext("the kind of cell (default village)")
    )
    p.add_argument(
        "--timezone",
        metavar=gettext("ZONE"),
        help=gettext("its time zone, e.g. Asia/Ho_Chi_Minh (default: the config's timezone)"),
    )
    p.set_defaults(action=_cell_add)

    person = commands.group(sub, "person", gettext("people"))
    p = commands.command(person, "add", gettext("add a person as a member of a cell"))
    p.add_argument("full_name", metavar=gettext("FULL_NAME"))
    p.add_argument("--cell", required=True, metavar=gettext("CELL"), help=gettext("the cell, by name or id"))
    p.add_argument("--card", help=gettext("party card number"))
    commands.date_option(p, "--birth-date", help=gettext("date of birth"))
    p.add_argument(
        "--status",
        default="official",
        choices=MEMBER_STATUSES,
        help=_names(MEMBER_STATUSES, STATUS_NAMES, gettext),
    )
    p.set_defaults(action=_person_add)

    role = commands.group(sub, "role", gettext("officer roles"))
    for name, action, summary in (
        ("grant", _role_grant, gettext("give a person an officer role from today")),
        ("revoke", _role_revoke, gettext("end a person's officer role today")),
    ):
        p = commands.command(role, name, summary)
        p.add_argument("person", metavar=gettext("PERSON"), help=gettext("a person's card number or id"))
        p.add_argument("role", choices=OFFICER_ROLES, help=_names(OFFICER_ROLES, ROLE_NAMES, gettext))
        scope = p.add_mutually_exclusive_group(required=True)
        scope.add_argument("--cell", metavar=gettext("CELL"), help=gettext("the cell, by name or id"))
        scope.add_argument(
            "--unit", metavar=gettext("UNIT"), help=gettext("the unit, by name or id (organisers)")
        )
        p.set_defaults(action=action)


async def _unit_add(session: AsyncSession, args: argparse.Namespace, ctx: Context) -> None:
    from bot.services import audit, units

    unit = await units.add_unit(
        session=session, name=args.name, parent_ref=args.parent, actor=audit.CLI, now=ctx.now
    )
    ctx.say(N_("Added unit %(name)s (id %(id)s)."), name=unit.name, id=unit.id)


async def _cell_add(session: AsyncSession, args: argparse.Namespace, ctx: Context) -> None:
    from bot.services import audit, units

    cell = await units.add_cell(
        session=session,
        name=args.name,
        unit_ref=args.unit,
        kind=args.kind,
        actor=audit.CLI,
        now=ctx.now,
        timezone=args.timezone,
    )
    ctx.say(N_("Added cell %(name)s (id %(id)s)."), name=cell.name, id=cell.id)


async def _person_add(session: AsyncSession, args: argparse.Namespace, ctx: Context) -> None:
    from bot.services import audit, people, units

    cell = await units.require_cell(session, args.cell)
    person = await people.add_person(
        session=session,
        full_name=args.full_name,
        cell=cell,
        actor=audit.CLI,
        now=ctx.now,
        today=ctx.today,
        card_number=args.card,
        birth_date=args.birth_date,
        status=args.status,
    )
    ctx.say(
        N_("Added %(name)s (id %(id)s) to %(cell)s."), name=person.full_name, id=person.id, cell=cell.name
    )


async def _role_grant(session: AsyncSession, args: argparse.Namespace, ctx: Context) -> None:
    from bot.services import roles

    await _role_change(session, args, ctx, roles.grant_role, N_("%(name)s is now %(role)s of %(scope)s."))


async def _role_revoke(session: AsyncSession, args: argparse.Namespace, ctx: Context) -> None:
    from bot.services import roles

    await _role_change(
        session, args, ctx, roles.revoke_role, N_("%(name)s is no longer %(role)s of %(scope)s.")
    )


async def _role_change(
    session: AsyncSession, args: argparse.Namespace, ctx: Context, change: Any, done: str
) -> None:
    from bot.services import audit, people
    from bot.texts import ROLE_NAMES

    person = await people.require_person(session, args.person)
    scope = await _scope(session, args)
    await change(
        session=session, person=person, role=args.role, actor=audit.CLI, now=ctx.now, today=ctx.today, **scope
    )
    ctx.say(
        done,
        name=person.full_name,
        role=ctx.text(ROLE_NAMES[args.role]),
        scope=next(iter(scope.values())).name,
    )

"""Admin subcommands of `chibo`: roles, members' records over time, imports."""

from __future__ import annotations

import argparse
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import system_clock
from bot.config import Config
from bot.errors import UserError
from bot.i18n import N_
from bot.importing import ImportFileError
from bot.services import imports, org
from bot.texts import member_line


def _date(value: str) -> date:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt).date()  # noqa: DTZ007  (a calendar date)
        except ValueError:
            pass
    raise argparse.ArgumentTypeError(f"{value!r}: expected dd/mm/yyyy")


def add_commands(sub: Any) -> None:
    """Add the role, member and import subcommands to the `chibo` parser."""
    role = sub.add_parser("role", help="officer roles").add_subparsers(dest="sub", required=True)
    for name, action in (("grant", _role_grant), ("revoke", _role_revoke)):
        p = role.add_parser(name, help=f"{name} a role")
        p.add_argument("person", help="person id or card number")
        p.add_argument("role", choices=["committee_member", "deputy_secretary", "secretary", "organiser"])
        scope = p.add_mutually_exclusive_group(required=True)
        scope.add_argument("--cell", help="cell id or name")
        scope.add_argument("--unit", help="unit id or name")
        p.set_defaults(action=action)

    member = sub.add_parser("member", help="members and their record").add_subparsers(
        dest="sub", required=True
    )
    p = member.add_parser("list", help="the members of a cell")
    p.add_argument("--cell", required=True)
    p.set_defaults(action=_member_list)
    p = member.add_parser("status", help="official or probationary from a date")
    p.add_argument("person")
    p.add_argument("status", choices=["official", "probationary"])
    p.add_argument("--from", dest="valid_from", type=_date, required=True)
    p.set_defaults(action=_member_status)
    p = member.add_parser("exempt", help="exempt from party work and meetings")
    p.add_argument("person")
    p.add_argument("--from", dest="valid_from", type=_date, required=True)
    p.add_argument("--to", dest="valid_to", type=_date)
    p.add_argument("--reason", required=True)
    p.set_defaults(action=_member_exempt)
    p = member.add_parser("end", help="end a membership (moved away, died, removed)")
    p.add_argument("person")
    p.add_argument("--on", type=_date, required=True)
    p.add_argument("--reason", required=True)
    p.set_defaults(action=_member_end)

    importing = sub.add_parser("import", help="import a spreadsheet").add_subparsers(
        dest="sub", required=True
    )
    for name, action in (("members", _import_members), ("households", _import_households)):
        p = importing.add_parser(name, help=f"import {name} (CSV or XLSX)")
        p.add_argument("file", type=Path)
        p.add_argument("--cell", required=True)
        p.set_defaults(action=action)


def _now_today(config: Config) -> tuple[datetime, date]:
    now = system_clock()
    return now, now.astimezone(config.tz).date()


async def _scope(session: AsyncSession, args: argparse.Namespace) -> dict[str, Any]:
    if args.cell:
        return {"cell": await org.require_cell(session, args.cell)}
    return {"unit": await org.require_unit(session, args.unit)}


async def _role_grant(session: AsyncSession, args: argparse.Namespace, config: Config, out: Any) -> None:
    now, today = _now_today(config)
    person = await org.require_person(session, args.person)
    scope = await _scope(session, args)
    await org.grant_role(
        session=session, person=person, role=args.role, actor=org.CLI, now=now, today=today, **scope
    )
    out(
        N_("%(name)s is now %(role)s of %(scope)s."),
        name=person.full_name,
        role=args.role,
        scope=next(iter(scope.values())).name,
    )


async def _role_revoke(session: AsyncSession, args: argparse.Namespace, config: Config, out: Any) -> None:
    now, today = _now_today(config)
    person = await org.require_person(session, args.person)
    scope = await _scope(session, args)
    await org.revoke_role(
        session=session, person=person, role=args.role, actor=org.CLI, now=now, today=today, **scope
    )
    out(
        N_("%(name)s is no longer %(role)s of %(scope)s."),
        name=person.full_name,
        role=args.role,
        scope=next(iter(scope.values())).name,
    )


async def _member_list(session: AsyncSession, args: argparse.Namespace, config: Config, out: Any) -> None:
    _, today = _now_today(config)
    cell = await org.require_cell(session, args.cell)
    views = await org.list_members(session=session, cell=cell, day=today)
    out(N_("%(cell)s: %(count)s members"), cell=cell.name, count=len(views))
    for view in views:
        print(member_line(view, out.gettext))


async def _member_status(session: AsyncSession, args: argparse.Namespace, config: Config, out: Any) -> None:
    now, _ = _now_today(config)
    person = await org.require_person(session, args.person)
    await org.set_status(
        session=session, person=person, status=args.status, valid_from=args.valid_from, actor=org.CLI, now=now
    )
    out(
        N_("%(name)s is %(status)s from %(date)s."),
        name=person.full_name,
        status=args.status,
        date=args.valid_from.strftime("%d/%m/%Y"),
    )


async def _member_exempt(session: AsyncSession, args: argparse.Namespace, config: Config, out: Any) -> None:
    now, _ = _now_today(config)
    person = await org.require_person(session, args.person)
    await org.exempt(
        session=session,
        person=person,
        valid_from=args.valid_from,
        valid_to=args.valid_to,
        reason=args.reason,
        actor=org.CLI,
        now=now,
    )
    out(
        N_("%(name)s is exempt from %(date)s."),
        name=person.full_name,
        date=args.valid_from.strftime("%d/%m/%Y"),
    )


async def _member_end(session: AsyncSession, args: argparse.Namespace, config: Config, out: Any) -> None:
    now, _ = _now_today(config)
    person = await org.require_person(session, args.person)
    await org.end_membership(
        session=session, person=person, on=args.on, reason=args.reason, actor=org.CLI, now=now
    )
    out(
        N_("%(name)s's membership ends on %(date)s."),
        name=person.full_name,
        date=args.on.strftime("%d/%m/%Y"),
    )


async def _import(
    session: AsyncSession, args: argparse.Namespace, config: Config, out: Any, kind: str
) -> None:
    now, today = _now_today(config)
    cell = await org.require_cell(session, args.cell)
    function = imports.import_members if kind == "members" else imports.import_households
    try:
        report = await function(
            session=session, path=args.file, cell=cell, today=today, now=now, actor=org.CLI
        )
    except ImportFileError as error:
        raise UserError(N_("Nothing was imported: %(reason)s"), reason=error.render(out.gettext)) from None
    except imports.ImportRejected as rejected:
        lines = "\n".join(error.render(out.gettext) for error in rejected.errors)
        raise UserError(
            N_("Nothing was imported; %(count)s errors need fixing:\n%(lines)s"),
            count=len(rejected.errors),
            lines=lines,
        ) from None
    out(
        N_("Imported into %(cell)s: %(created)s new, %(updated)s updated, %(unchanged)s unchanged."),
        cell=cell.name,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
    )


async def _import_members(session: AsyncSession, args: argparse.Namespace, config: Config, out: Any) -> None:
    await _import(session, args, config, out, "members")


async def _import_households(
    session: AsyncSession, args: argparse.Namespace, config: Config, out: Any
) -> None:
    await _import(session, args, config, out, "households")

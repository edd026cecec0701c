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
from bot.services import announcements, imports, org
from bot.texts import ROLE_NAMES, STATUS_NAMES, member_line
from storage import repo


def parse_date(value: str) -> date:
    """A calendar date typed as dd/mm/yyyy (or ISO yyyy-mm-dd), for argparse."""
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
    p.add_argument("--from", dest="valid_from", type=parse_date, required=True)
    p.set_defaults(action=_member_status)
    p = member.add_parser("exempt", help="exempt from party work and meetings")
    p.add_argument("person")
    p.add_argument("--from", dest="valid_from", type=parse_date, required=True)
    p.add_argument("--to", dest="valid_to", type=parse_date)
    p.add_argument("--reason", required=True)
    p.set_defaults(action=_member_exempt)
    p = member.add_parser("end", help="end a membership (moved away, died, removed)")
    p.add_argument("person")
    p.add_argument("--on", type=parse_date, required=True)
    p.add_argument("--reason", required=True)
    p.set_defaults(action=_member_end)

    p = sub.add_parser("announce", help="send an announcement to a cell or a unit through the outbox")
    scope = p.add_mutually_exclusive_group(required=True)
    scope.add_argument("--cell", help="cell id or name")
    scope.add_argument("--unit", help="unit id or name (with its cells and sub-units)")
    p.add_argument("--to", choices=["members", "secretaries"], default="members")
    p.add_argument("text", help="the message (Telegram HTML allowed: <b>, <i>, ...)")
    p.set_defaults(action=_announce)

    outbox = sub.add_parser("outbox", help="messages the bot sends on its own").add_subparsers(
        dest="sub", required=True
    )
    p = outbox.add_parser("status", help="pending, sent, failed and unreachable counts by purpose")
    p.set_defaults(action=_outbox_status)

    importing = sub.add_parser("import", help="import a spreadsheet").add_subparsers(
        dest="sub", required=True
    )
    for name, action in (("members", _import_members), ("households", _import_households)):
        p = importing.add_parser(name, help=f"import {name} (CSV or XLSX)")
        p.add_argument("file", type=Path)
        p.add_argument("--cell", required=True)
        p.set_defaults(action=action)


def now_today(config: Config) -> tuple[datetime, date]:
    """The current time and the calendar day in the configured zone."""
    now = system_clock()
    return now, now.astimezone(config.tz).date()


async def _scope(session: AsyncSession, args: argparse.Namespace) -> dict[str, Any]:
    if args.cell:
        return {"cell": await org.require_cell(session, args.cell)}
    return {"unit": await org.require_unit(session, args.unit)}


async def _role_grant(session: AsyncSession, args: argparse.Namespace, config: Config, out: Any) -> None:
    await _role_change(
        session, args, config, out, org.grant_role, N_("%(name)s is now %(role)s of %(scope)s.")
    )


async def _role_revoke(session: AsyncSession, args: argparse.Namespace, config: Config, out: Any) -> None:
    await _role_change(
        session, args, config, out, org.revoke_role, N_("%(name)s is no longer %(role)s of %(scope)s.")
    )


async def _role_change(
    session: AsyncSession, args: argparse.Namespace, config: Config, out: Any, change: Any, done: str
) -> None:
    now, today = now_today(config)
    person = await org.require_person(session, args.person)
    scope = await _scope(session, args)
    await change(session=session, person=person, role=args.role, actor=org.CLI, now=now, today=today, **scope)
    out(
        done,
        name=person.full_name,
        role=out.gettext(ROLE_NAMES[args.role]),
        scope=next(iter(scope.values())).name,
    )


async def _member_list(session: AsyncSession, args: argparse.Namespace, config: Config, out: Any) -> None:
    _, today = now_today(config)
    cell = await org.require_cell(session, args.cell)
    views = await org.list_members(session=session, cell=cell, day=today)
    out(N_("%(cell)s: %(count)s members"), cell=cell.name, count=len(views))
    for view in views:
        print(member_line(view, out.gettext))


async def _member_status(session: AsyncSession, args: argparse.Namespace, config: Config, out: Any) -> None:
    now, _ = now_today(config)
    person = await org.require_person(session, args.person)
    await org.set_status(
        session=session, person=person, status=args.status, valid_from=args.valid_from, actor=org.CLI, now=now
    )
    out(
        N_("%(name)s is %(status)s from %(date)s."),
        name=person.full_name,
        status=out.gettext(STATUS_NAMES[args.status]),
        date=args.valid_from.strftime("%d/%m/%Y"),
    )


async def _member_exempt(session: AsyncSession, args: argparse.Namespace, config: Config, out: Any) -> None:
    now, _ = now_today(config)
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
    now, _ = now_today(config)
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
    now, today = now_today(config)
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


async def _announce(session: AsyncSession, args: argparse.Namespace, config: Config, out: Any) -> None:
    now, today = now_today(config)
    if args.cell and args.to != "members":
        raise UserError(N_("A cell announcement goes to its members; use --unit for secretaries."))
    scope = await _scope(session, args)
    created = await announcements.create(
        session=session, text=args.text, audience=args.to, actor=org.CLI, now=now, day=today, **scope
    )
    assert created.id is not None
    result = await announcements.report(session=session, announcement_id=created.id)
    out(
        N_("Announcement %(id)s queued for %(count)s recipients; the running bot sends it."),
        id=created.id,
        count=result.pending + len(result.unreachable),
    )
    print(announcements.render_report(result, out.gettext))


async def _outbox_status(session: AsyncSession, args: argparse.Namespace, config: Config, out: Any) -> None:
    counts = await repo.outbox_counts(session=session)
    statuses = ("pending", "sending", "sent", "failed", "unreachable")
    purposes = sorted({purpose for purpose, _ in counts})
    if not purposes:
        out(N_("The outbox is empty."))
        return
    width = max(len(p) for p in purposes + ["purpose"])
    print("purpose".ljust(width) + "".join(s.rjust(12) for s in statuses))
    for purpose in purposes:
        print(purpose.ljust(width) + "".join(str(counts.get((purpose, s), 0)).rjust(12) for s in statuses))

"""Admin subcommands of `chibo`: the organisation, invites, roles, members' records, announcements, imports.

Each command says what actually took effect, read back from the database after the change, and never
reports a change that did not happen.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.errors import UserError
from bot.i18n import N_
from bot.importing import describe_columns

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from bot.cli import Commands, Context


def day(value: date) -> str:
    """A date as the operator writes it."""
    return value.strftime("%d/%m/%Y")


def add_commands(sub: Any, commands: Commands) -> None:
    """Add the admin subcommands to the `chibo` parser."""
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

    p = commands.command(sub, "invite", gettext("one-time invite codes and links for members not linked yet"))
    p.add_argument(
        "person", nargs="?", metavar=gettext("PERSON"), help=gettext("a person's card number or id")
    )
    p.add_argument(
        "--cell", metavar=gettext("CELL"), help=gettext("every member of this cell not linked yet")
    )
    p.add_argument(
        "--unit", metavar=gettext("UNIT"), help=gettext("every member of this unit's cells not linked yet")
    )
    p.add_argument("--format", choices=["text", "csv", "xlsx"], default="text")
    p.add_argument(
        "--output",
        metavar=gettext("FILE"),
        help=gettext("file to write (csv, xlsx; csv goes to standard output without)"),
    )
    p.set_defaults(action=_invite)

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

    member = commands.group(sub, "member", gettext("members and their record"))
    p = commands.command(member, "list", gettext("the members of a cell, as Vietnamese lists are ordered"))
    p.add_argument("--cell", required=True, metavar=gettext("CELL"), help=gettext("the cell, by name or id"))
    p.set_defaults(action=_member_list)
    p = commands.command(member, "status", gettext("official or probationary from a date"))
    p.add_argument("person", metavar=gettext("PERSON"), help=gettext("a person's card number or id"))
    p.add_argument("status", choices=MEMBER_STATUSES, help=_names(MEMBER_STATUSES, STATUS_NAMES, gettext))
    commands.date_option(
        p, "--from", dest="valid_from", required=True, help=gettext("the first day of the status")
    )
    p.set_defaults(action=_member_status)
    p = commands.command(
        member, "exempt", gettext("exempt from party work and meetings (replaces an overlapping one)")
    )
    p.add_argument("person", metavar=gettext("PERSON"), help=gettext("a person's card number or id"))
    commands.date_option(p, "--from", dest="valid_from", required=True, help=gettext("the first day exempt"))
    commands.date_option(p, "--to", dest="valid_to", help=gettext("the last day exempt (default: no end)"))
    p.add_argument(
        "--reason", required=True, metavar=gettext("TEXT"), help=gettext("why, e.g. illness or age")
    )
    p.set_defaults(action=_member_exempt)
    p = commands.command(member, "end", gettext("end a membership (moved away, died, removed)"))
    p.add_argument("person", metavar=gettext("PERSON"), help=gettext("a person's card number or id"))
    commands.date_option(
        p, "--on", required=True, help=gettext("the day they leave; their last day is the day before")
    )
    p.add_argument("--reason", required=True, metavar=gettext("TEXT"), help=gettext("why they leave"))
    p.set_defaults(action=_member_end)

    p = commands.command(
        sub, "announce", gettext("send an announcement to a cell or a unit through the outbox")
    )
    scope = p.add_mutually_exclusive_group(required=True)
    scope.add_argument("--cell", metavar=gettext("CELL"), help=gettext("the cell, by name or id"))
    scope.add_argument(
        "--unit",
        metavar=gettext("UNIT"),
        help=gettext("the unit, by name or id (with its cells and sub-units)"),
    )
    p.add_argument("--to", choices=["members", "secretaries"], default="members", help=gettext("who gets it"))
    p.add_argument(
        "text", metavar=gettext("TEXT"), help=gettext("the message (Telegram HTML allowed: <b>, <i>, ...)")
    )
    p.set_defaults(action=_announce)

    outbox = commands.group(sub, "outbox", gettext("messages the bot sends on its own"))
    p = commands.command(
        outbox, "status", gettext("pending, sent, failed and unreachable messages by purpose")
    )
    p.set_defaults(action=_outbox_status)

    importing = commands.group(sub, "import", gettext("import a spreadsheet (CSV or XLSX)"))
    for name, action, summary in (
        (
            "members",
            _import_members,
            gettext("import a cell's members; a file with any bad row imports nothing"),
        ),
        ("households", _import_households, gettext("import a cell's households; import its members first")),
    ):
        p = commands.command(
            importing,
            name,
            summary,
            epilog=describe_columns(name, gettext),  # type: ignore[arg-type]
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.add_argument(
            "file", type=Path, metavar=gettext("FILE"), help=gettext("a .csv (UTF-8) or .xlsx file")
        )
        p.add_argument(
            "--cell", required=True, metavar=gettext("CELL"), help=gettext("the cell, by name or id")
        )
        p.set_defaults(action=action)


def _names(values: tuple[str, ...], names: dict[str, str], gettext: Any) -> str:
    """What each value means, in the operator's language: "secretary: bí thư, ..."."""
    return ", ".join(f"{value}: {gettext(names[value])}" for value in values)


async def _scope(session: AsyncSession, args: argparse.Namespace) -> dict[str, Any]:
    from bot.services import units

    if args.cell:
        return {"cell": await units.require_cell(session, args.cell)}
    return {"unit": await units.require_unit(session, args.unit)}


# --- the organisation and invites ---------------------------------------------------------------


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


async def _invite(session: AsyncSession, args: argparse.Namespace, ctx: Context) -> None:
    from bot.services import audit, identity, invites, people
    from storage import repo

    config = ctx.config
    username = config.telegram.bot_username or await repo.get_setting(
        session=session, key=identity.USERNAME_KEY
    )
    if args.person:
        if args.cell or args.unit:
            raise UserError(N_("Name a person, or give --cell or --unit, not both."))
        person = await people.require_person(session, args.person)
        code = await identity.invite(
            session=session, person=person, now=ctx.now, valid_days=config.invite_valid_days, actor=audit.CLI
        )
        ctx.say(
            N_("Invite for %(name)s: %(code)s (valid until %(until)s)"),
            name=person.full_name,
            code=code.code,
            until=code.expires_at.astimezone(config.tz).strftime("%d/%m/%Y %H:%M"),
        )
        link = identity.deep_link(username, code.code)
        if link:
            ctx.say(N_("Link: %(link)s"), link=link)
        else:
            ctx.say(N_("Send it to the bot as: /start %(code)s"), code=code.code)
        return
    if not (args.cell or args.unit):
        raise UserError(N_("Name a person, or give --cell or --unit."))
    if args.format == "xlsx" and not args.output:
        raise UserError(N_("Give --output FILE for an xlsx file."))
    batch = await invites.for_scope(
        session=session,
        cell_ref=args.cell,
        unit_ref=args.unit,
        now=ctx.now,
        config=config,
        username=username,
        actor=audit.CLI,
    )
    if args.format == "text":
        print(invites.as_text(batch, gettext=ctx.gettext, tz=config.tz))
        return
    render = invites.as_csv if args.format == "csv" else invites.as_xlsx
    content = render(batch, gettext=ctx.gettext, tz=config.tz)
    if not args.output:
        sys.stdout.write(content.decode("utf-8-sig"))
        return
    try:
        Path(args.output).write_bytes(content)  # noqa: ASYNC240  (a CLI, nothing else runs)
    except OSError as error:
        raise UserError(
            N_("Cannot write %(path)s (%(reason)s); nothing was saved."),
            path=args.output,
            reason=error.strerror,
        ) from None
    ctx.say(N_("Wrote %(count)s invites to %(path)s."), count=len(batch.rows), path=args.output)


# --- roles ----------------------------------------------------------------------------------------


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


# --- members --------------------------------------------------------------------------------------


async def _member_list(session: AsyncSession, args: argparse.Namespace, ctx: Context) -> None:
    from bot.services import people, units
    from bot.texts import member_line

    cell = await units.require_cell(session, args.cell)
    views = await people.list_members(session=session, cell=cell, day=ctx.today)
    ctx.say(N_("%(cell)s: %(count)s members"), cell=cell.name, count=len(views))
    for number, view in enumerate(views, start=1):
        print(member_line(view, ctx.gettext, number=number))


async def _member_status(session: AsyncSession, args: argparse.Namespace, ctx: Context) -> None:
    from bot.services import audit, people, records
    from bot.texts import STATUS_NAMES

    person = await people.require_person(session, args.person)
    assert person.id is not None
    change = await records.set_status(
        session=session,
        person=person,
        status=args.status,
        valid_from=args.valid_from,
        actor=audit.CLI,
        now=ctx.now,
    )
    # Read back what is now in force that day, so the report is what took effect.
    in_force = await records.status_on(session, person.id, args.valid_from)
    if in_force != args.status:
        raise UserError(
            N_("The status of %(name)s did not change; nothing was saved."), name=person.full_name
        )
    status = ctx.text(STATUS_NAMES[args.status])
    if change.until is not None and change.then is not None:
        ctx.say(
            N_(
                "%(name)s is %(status)s from %(date)s until %(until)s; from %(next)s the recorded status "
                "is %(then)s."
            ),
            name=person.full_name,
            status=status,
            date=day(args.valid_from),
            until=day(change.until),
            next=day(change.until + timedelta(days=1)),
            then=ctx.text(STATUS_NAMES[change.then]),
        )
    else:
        ctx.say(
            N_("%(name)s is %(status)s from %(date)s."),
            name=person.full_name,
            status=status,
            date=day(args.valid_from),
        )
    for superseded in change.superseded:
        ctx.say(
            N_("This replaces the status imported on %(date)s, whose start was not known."),
            date=day(superseded),
        )


async def _member_exempt(session: AsyncSession, args: argparse.Namespace, ctx: Context) -> None:
    from bot.services import audit, people, records

    person = await people.require_person(session, args.person)
    change = await records.exempt(
        session=session,
        person=person,
        valid_from=args.valid_from,
        valid_to=args.valid_to,
        reason=args.reason,
        actor=audit.CLI,
        now=ctx.now,
    )
    period = _period(ctx, change.row.valid_from, change.row.valid_to)
    if change.replaced:
        ctx.say(
            N_("The exemption of %(name)s (%(before)s) is changed: now %(period)s."),
            name=person.full_name,
            before="; ".join(_period(ctx, start, end) for start, end in change.replaced),
            period=period,
        )
    else:
        ctx.say(N_("%(name)s is exempt %(period)s."), name=person.full_name, period=period)


def _period(ctx: Context, start: date, end: date | None) -> str:
    if end is None:
        return ctx.text(N_("from %(start)s, with no end date"), start=day(start))
    return ctx.text(N_("from %(start)s to %(end)s"), start=day(start), end=day(end))


async def _member_end(session: AsyncSession, args: argparse.Namespace, ctx: Context) -> None:
    from bot.services import audit, people, records
    from storage.models import Cell

    person = await people.require_person(session, args.person)
    ended = await records.end_membership(
        session=session, person=person, on=args.on, reason=args.reason, actor=audit.CLI, now=ctx.now
    )
    for membership in ended:
        cell = await session.get(Cell, membership.cell_id)
        name = cell.name if cell else "?"
        if membership.valid_from >= args.on:  # never began: end_period removed it
            ctx.say(N_("%(name)s will not join %(cell)s."), name=person.full_name, cell=name)
        else:
            ctx.say(
                N_("%(name)s leaves %(cell)s on %(date)s; their last day there is %(last)s."),
                name=person.full_name,
                cell=name,
                date=day(args.on),
                last=day(membership.valid_to or args.on),
            )


# --- imports --------------------------------------------------------------------------------------


async def _import(session: AsyncSession, args: argparse.Namespace, ctx: Context, kind: str) -> None:
    from bot.importing import ImportFileError
    from bot.services import audit, imports, units

    cell = await units.require_cell(session, args.cell)
    function = imports.import_members if kind == "members" else imports.import_households
    try:
        report = await function(
            session=session, path=args.file, cell=cell, today=ctx.today, now=ctx.now, actor=audit.CLI
        )
    except ImportFileError as error:
        raise UserError(N_("Nothing was imported: %(reason)s"), reason=error.render(ctx.gettext)) from None
    except imports.ImportRejected as rejected:
        lines = "\n".join(error.render(ctx.gettext) for error in rejected.errors)
        raise UserError(
            N_("Nothing was imported; %(count)s errors need fixing:\n%(lines)s"),
            count=len(rejected.errors),
            lines=lines,
        ) from None
    ctx.say(
        N_("Imported into %(cell)s: %(created)s new, %(updated)s updated, %(unchanged)s unchanged."),
        cell=cell.name,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
    )
    if report.notes:
        ctx.say(N_("Please check:"))
        for note in report.notes:
            print("  " + note.render(ctx.gettext))


async def _import_members(session: AsyncSession, args: argparse.Namespace, ctx: Context) -> None:
    await _import(session, args, ctx, "members")


async def _import_households(session: AsyncSession, args: argparse.Namespace, ctx: Context) -> None:
    await _import(session, args, ctx, "households")


# --- announcements and the outbox -----------------------------------------------------------------


async def _announce(session: AsyncSession, args: argparse.Namespace, ctx: Context) -> None:
    from bot.services import announcements, audit

    if args.cell and args.to != "members":
        raise UserError(N_("A cell announcement goes to its members; use --unit for secretaries."))
    scope = await _scope(session, args)
    created = await announcements.create(
        session=session,
        text=args.text,
        audience=args.to,
        actor=audit.CLI,
        now=ctx.now,
        day=ctx.today,
        **scope,
    )
    assert created.id is not None
    result = await announcements.report(session=session, announcement_id=created.id)
    # Raising rolls the transaction back: nothing is queued when nobody can get it.
    if result.pending == 0 and not result.unreachable:
        raise UserError(
            N_("Nobody would receive this announcement: %(scope)s has no recipients. Nothing was queued."),
            scope=next(iter(scope.values())).name,
        )
    if result.pending == 0:
        raise UserError(
            N_(
                "Nobody can receive this announcement: none of its %(count)s recipients has linked a chat "
                "account the bot can reach. Nothing was queued; send them invites first (chibo invite)."
            ),
            count=len(result.unreachable),
        )
    ctx.say(
        N_("Announcement %(id)s queued for %(count)s recipients; the running bot sends it."),
        id=created.id,
        count=result.pending,
    )
    if result.unreachable:
        ctx.say(N_("%(count)s cannot receive it:"), count=len(result.unreachable))
        for name, reason in result.unreachable:
            print(f"  {name}: {ctx.text(announcements.UNREACHABLE_REASON_TEXT.get(reason, reason))}")


# Column headings and purposes of `outbox status`, in the operator's language.
_STATUS_HEADINGS = {
    "pending": N_("waiting"),
    "sending": N_("sending"),
    "sent": N_("sent"),
    "failed": N_("failed"),
    "unreachable": N_("unreachable"),
}
_PURPOSES = {"announcement": N_("announcements")}


async def _outbox_status(session: AsyncSession, args: argparse.Namespace, ctx: Context) -> None:
    from storage import repo

    counts = await repo.outbox_counts(session=session)
    purposes = sorted({purpose for purpose, _ in counts})
    if not purposes:
        ctx.say(N_("The outbox is empty."))
        return
    names = {purpose: ctx.text(_PURPOSES.get(purpose, purpose)) for purpose in purposes}
    headings = [ctx.text(heading) for heading in _STATUS_HEADINGS.values()]
    first = ctx.text(N_("purpose"))
    width = max(len(name) for name in [first, *names.values()])
    columns = max(12, *(len(heading) + 2 for heading in headings))
    print(first.ljust(width) + "".join(heading.rjust(columns) for heading in headings))
    for purpose in purposes:
        cells = (str(counts.get((purpose, status), 0)).rjust(columns) for status in _STATUS_HEADINGS)
        print(names[purpose].ljust(width) + "".join(cells))

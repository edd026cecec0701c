"""Reaching people: `chibo invite`, `chibo announce`, `chibo outbox status`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.errors import UserError
from bot.i18n import N_

if TYPE_CHECKING:
    from sqlmodel.ext.asyncio.session import AsyncSession

    from bot.cli.common import Commands, Context


from bot.cli.common import _scope


def add(sub: Any, commands: Commands) -> None:
    """Add these commands to the `chibo` parser."""
    # The light vocabulary module, so --help need not load the models.

    gettext = commands.gettext
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
        "text", metavar=gettext("TEXT"), help=gettext("the message; *bold* and _italics_ may be used")
    )
    p.set_defaults(action=_announce)

    outbox = commands.group(sub, "outbox", gettext("messages the bot sends on its own"))
    p = commands.command(
        outbox, "status", gettext("pending, sent, failed and unreachable messages by purpose")
    )
    p.set_defaults(action=_outbox_status)


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

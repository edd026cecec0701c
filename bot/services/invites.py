"""Invite codes in bulk: one per member not linked yet, for a cell or a whole unit."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Config
from bot.i18n import N_
from bot.names import sort_key
from bot.services import audit, identity, units
from storage import repo
from storage.models import Cell, Person, Unit

Gettext = Callable[[str], str]


@dataclass(frozen=True)
class InviteRow:
    """One member's invite."""

    person: Person
    cell: Cell
    code: str
    expires_at: datetime
    link: str | None


@dataclass(frozen=True)
class InviteBatch:
    """Invites for everyone not linked yet in some cells."""

    rows: list[InviteRow]
    already_linked: int


async def for_cells(
    *,
    session: AsyncSession,
    cells: list[Cell],
    now: datetime,
    config: Config,
    username: str | None,
    actor: audit.Actor,
) -> InviteBatch:
    """A valid code for every member of these cells who has not linked a chat account."""
    rows: list[InviteRow] = []
    linked = 0
    today = now.astimezone(config.tz).date()
    for cell in cells:
        assert cell.id is not None
        members = await repo.cell_members(session=session, cell_id=cell.id, day=today)
        identities = await repo.identities_of(session=session, person_ids=[p.id for p, _ in members if p.id])
        for person, _ in sorted(members, key=lambda row: sort_key(row[0].full_name)):
            assert person.id is not None
            if identities[person.id]:
                linked += 1
                continue
            code = await identity.invite(
                session=session, person=person, now=now, valid_days=config.invite_valid_days, actor=actor
            )
            rows.append(
                InviteRow(person, cell, code.code, code.expires_at, identity.deep_link(username, code.code))
            )
    return InviteBatch(rows, linked)


async def for_scope(
    *,
    session: AsyncSession,
    cell_ref: str | None,
    unit_ref: str | None,
    now: datetime,
    config: Config,
    username: str | None,
    actor: audit.Actor,
) -> InviteBatch:
    """Invites for a cell (by id or name) or for every cell of a unit and the units below it."""
    if cell_ref:
        cells = [await units.require_cell(session, cell_ref)]
    else:
        assert unit_ref is not None
        unit = await units.require_unit(session, unit_ref)
        assert unit.id is not None
        unit_ids = await repo.unit_descendants(session=session, unit_id=unit.id)
        cells = list(await repo.cells_in_units(session=session, unit_ids=unit_ids))
    return await for_cells(
        session=session, cells=cells, now=now, config=config, username=username, actor=actor
    )


def _header(gettext: Gettext) -> list[str]:
    return [
        gettext(N_("Cell")),
        gettext(N_("Full name")),
        gettext(N_("Card number")),
        gettext(N_("Invite code")),
        gettext(N_("Link")),
        gettext(N_("Valid until")),
    ]


def _cells(row: InviteRow, tz: tzinfo) -> list[str]:
    return [
        row.cell.name,
        row.person.full_name,
        row.person.card_number or "",
        row.code,
        row.link or "",
        row.expires_at.astimezone(tz).strftime("%d/%m/%Y"),
    ]


def as_text(batch: InviteBatch, *, gettext: Gettext, tz: tzinfo) -> str:
    """A readable list for a chat message or a terminal."""
    lines = [
        gettext(N_("Invites for %(count)s members not linked yet (%(linked)s already linked):"))
        % {"count": len(batch.rows), "linked": batch.already_linked}
    ]
    for row in batch.rows:
        until = row.expires_at.astimezone(tz).strftime("%d/%m/%Y")
        target = row.link or f"/start {row.code}"
        lines.append(
            f"• {row.person.full_name} ({row.cell.name}): {target} — "
            + gettext(N_("valid until %(date)s")) % {"date": until}
        )
    return "\n".join(lines)


def as_csv(batch: InviteBatch, *, gettext: Gettext, tz: tzinfo) -> bytes:
    """CSV with a BOM so Excel opens the Vietnamese names correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_header(gettext))
    for row in batch.rows:
        writer.writerow(_cells(row, tz))
    return buffer.getvalue().encode("utf-8-sig")


def as_xlsx(batch: InviteBatch, *, gettext: Gettext, tz: tzinfo) -> bytes:
    """An Excel workbook of the invites."""
    from openpyxl import Workbook  # only here: it takes a while to import

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = gettext(N_("Invites"))
    sheet.append(_header(gettext))
    for row in batch.rows:
        sheet.append(_cells(row, tz))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def for_unit(
    *,
    session: AsyncSession,
    unit: Unit,
    now: datetime,
    config: Config,
    username: str | None,
    actor: audit.Actor,
) -> InviteBatch:
    """A valid code for every member not linked yet, in every cell of the unit and the units below."""
    assert unit.id is not None
    units = await repo.unit_descendants(session=session, unit_id=unit.id)
    cells = list(await repo.cells_in_units(session=session, unit_ids=units))
    return await for_cells(
        session=session, cells=cells, now=now, config=config, username=username, actor=actor
    )


async def bot_username(*, session: AsyncSession, config: Config) -> str | None:
    """The bot's @username for invite links: configured, or learned from Telegram at start-up."""
    return config.telegram.bot_username or await repo.get_setting(session=session, key=identity.USERNAME_KEY)

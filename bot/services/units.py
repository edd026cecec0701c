"""Units and cells: the organisation tree, found however their names are typed, and each cell's day."""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import UserError
from bot.i18n import N_
from bot.names import closest, match_name, normalise_name
from bot.services.audit import Actor, record_change
from storage import repo
from storage.models import (
    Cell,
    Unit,
)
from storage.vocabulary import CELL_KINDS


def zone(name: str | None) -> ZoneInfo | None:
    """The IANA time zone of this name, or None (no name, or not a zone)."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def cell_today(cell: Cell, now: datetime, default: tzinfo) -> date:
    """The calendar day where the cell is: in its own time zone, else the configured one."""
    return now.astimezone(zone(cell.timezone) or default).date()


async def require_unit(session: AsyncSession, ref: str) -> Unit:
    """The unit numbered or named `ref` (as names.match_name matches), or a UserError with suggestions."""
    unit = await repo.find_unit(session=session, ref=ref)
    if unit is None:
        units = await repo.list_units(session=session)
        unit = match_name(ref, units, lambda u: u.name)
        if unit is None:
            raise _no_such(N_("No unit %(ref)s."), ref, [u.name for u in units])
    return unit


async def require_cell(session: AsyncSession, ref: str) -> Cell:
    """The open cell numbered or named `ref` (as names.match_name does), or a UserError with suggestions."""
    cell = await repo.find_cell(session=session, ref=ref)
    if cell is None:
        cells = await repo.list_cells(session=session)
        cell = match_name(ref, cells, lambda c: c.name)
        if cell is None:
            raise _no_such(N_("No cell %(ref)s."), ref, [c.name for c in cells if c.closed_at is None])
    if cell.closed_at is not None:
        raise UserError(N_("Cell %(ref)s is closed."), ref=ref)
    return cell


def _no_such(message: str, ref: str, names: list[str]) -> UserError:
    """ "No such …", naming the closest names when some are near what was typed."""
    suggestions = closest(ref, names)
    if not suggestions:
        return UserError(message, ref=ref)
    return UserError(_SUGGESTING[message], ref=ref, names=", ".join(suggestions))


_SUGGESTING = {
    N_("No unit %(ref)s."): N_("No unit %(ref)s. Did you mean: %(names)s?"),
    N_("No cell %(ref)s."): N_("No cell %(ref)s. Did you mean: %(names)s?"),
}


async def add_unit(
    *, session: AsyncSession, name: str, parent_ref: str | None, actor: Actor, now: datetime
) -> Unit:
    """Create a unit, optionally under a parent."""
    name = normalise_name(name)
    if not name:
        raise UserError(N_("A unit needs a name."))
    parent = await require_unit(session, parent_ref) if parent_ref else None
    existing = await session.exec(
        select(Unit).where(Unit.name == name, Unit.parent_id == (parent.id if parent else None))
    )
    if existing.first():
        raise UserError(N_("Unit %(ref)s already exists there."), ref=name)
    unit = Unit(name=name, parent_id=parent.id if parent else None, created_at=now)
    session.add(unit)
    await session.flush()
    await record_change(
        session,
        actor=actor,
        now=now,
        action="unit.add",
        subject=f"unit:{unit.id}",
        after={"name": name, "parent_id": unit.parent_id},
    )
    return unit


async def add_cell(
    *,
    session: AsyncSession,
    name: str,
    unit_ref: str,
    kind: str,
    actor: Actor,
    now: datetime,
    timezone: str | None = None,
) -> Cell:
    """Create a cell in a unit; its days (for dates of changes made in chat) follow `timezone` if given."""
    name = normalise_name(name)
    if timezone is not None and zone(timezone) is None:
        raise UserError(N_("%(zone)s is not a time zone; write one such as Asia/Ho_Chi_Minh."), zone=timezone)
    if kind not in CELL_KINDS:
        raise UserError(
            N_("Unknown kind of cell %(kind)s; use one of: %(kinds)s."),
            kind=kind,
            kinds=", ".join(CELL_KINDS),
        )
    if not name:
        raise UserError(N_("A cell needs a name."))
    unit = await require_unit(session, unit_ref)
    if (await session.exec(select(Cell).where(Cell.unit_id == unit.id, Cell.name == name))).first():
        raise UserError(N_("Cell %(ref)s already exists in that unit."), ref=name)
    assert unit.id is not None
    cell = Cell(name=name, kind=kind, unit_id=unit.id, timezone=timezone, created_at=now)
    session.add(cell)
    await session.flush()
    await record_change(
        session,
        actor=actor,
        now=now,
        action="cell.add",
        subject=f"cell:{cell.id}",
        after={"name": name, "unit_id": unit.id, "kind": kind},
    )
    return cell

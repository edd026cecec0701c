"""Organisers grant and revoke the offices of the cells in their unit (the chat's /roles)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import UserError
from bot.i18n import N_
from bot.services import audit, roles
from storage import repo
from storage.ids import parse_id
from storage.models import Cell, Person, RoleAssignment, Unit
from storage.vocabulary import CELL_OFFICES, OfficerRole


@dataclass(frozen=True)
class Office:
    """Someone holding an office in a cell."""

    assignment_id: int
    name: str
    role: OfficerRole


async def cells_of(*, session: AsyncSession, unit: Unit) -> list[Cell]:
    """The open cells of the unit and every unit below it."""
    assert unit.id is not None
    units = await repo.unit_descendants(session=session, unit_id=unit.id)
    return list(await repo.cells_in_units(session=session, unit_ids=units))


async def cell_in(*, session: AsyncSession, unit: Unit, ref: str) -> Cell:
    """A cell under the unit by id (never one outside it, whatever a button or a typed id says)."""
    cell_id = parse_id(ref)
    cell = await session.get(Cell, cell_id) if cell_id else None
    if cell is None or cell.closed_at is not None or cell not in await cells_of(session=session, unit=unit):
        raise UserError(N_("That cell is not in your unit."))
    return cell


async def holders(*, session: AsyncSession, cell: Cell, day: date) -> list[Office]:
    """The cell's officers on `day`."""
    rows = (
        await session.exec(
            select(RoleAssignment, Person)
            .join(Person, col(Person.id) == col(RoleAssignment.person_id))
            .where(RoleAssignment.cell_id == cell.id, repo.active_on(RoleAssignment, day))
            .order_by(col(RoleAssignment.id))
        )
    ).all()
    return [Office(a.id or 0, p.full_name, OfficerRole(a.role)) for a, p in rows]


async def members(*, session: AsyncSession, cell: Cell, day: date) -> list[Person]:
    """The people who could be given an office in the cell: its members on `day`."""
    assert cell.id is not None
    return [p for p, _ in await repo.cell_members(session=session, cell_id=cell.id, day=day)]


def cell_office(role: str) -> OfficerRole:
    """The office named, if it is one held in a cell."""
    if role not in CELL_OFFICES:
        raise UserError(N_("I did not understand that. Send /roles and use the buttons."))
    return OfficerRole(role)


async def grant(
    *,
    session: AsyncSession,
    cell: Cell,
    role: OfficerRole,
    person_ref: str,
    day: date,
    now: datetime,
    actor: audit.Actor,
) -> Person:
    """Give a member of the cell an office in it."""
    person_id = parse_id(person_ref)
    person = await session.get(Person, person_id) if person_id else None
    if person is None or person not in await members(session=session, cell=cell, day=day):
        raise UserError(N_("Only a member of the cell can hold an officer role in it."))
    await roles.grant_role(
        session=session, person=person, role=role, cell=cell, actor=actor, now=now, today=day
    )
    return person


async def revoke(
    *, session: AsyncSession, unit: Unit, assignment_ref: str, day: date, now: datetime, actor: audit.Actor
) -> tuple[Person, OfficerRole, Cell]:
    """End an office held in a cell of the unit."""
    assignment_id = parse_id(assignment_ref)
    assignment = await session.get(RoleAssignment, assignment_id) if assignment_id else None
    if assignment is None or assignment.cell_id is None or assignment.valid_to is not None:
        raise UserError(N_("That role is not held any more."))
    cell = await cell_in(session=session, unit=unit, ref=str(assignment.cell_id))
    person = await session.get(Person, assignment.person_id)
    assert person is not None
    role = OfficerRole(assignment.role)
    await roles.revoke_role(
        session=session, person=person, role=role, cell=cell, actor=actor, now=now, today=day
    )
    return person, role, cell

"""Work out a person's roles towards a cell or unit on a day, for the permission table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.permissions import COMMANDS, Command, Role, Scope, allowed
from storage import repo
from storage.models import Cell, Unit


async def roles_in_cell(*, session: AsyncSession, person_id: int, cell: Cell, day: date) -> set[Role]:
    """The roles the person holds towards this cell on `day`."""
    ties = await repo.ties(session=session, person_id=person_id, day=day)
    roles: set[Role] = set()
    if any(cell_id == cell.id for cell_id, _ in ties.memberships):
        roles.add(Role.MEMBER)
    roles |= {Role(role) for role, cell_id, _ in ties.offices if cell_id == cell.id}
    if Role.DEPUTY in roles and cell.id is not None:
        if await repo.active_delegation(session=session, cell_id=cell.id, person_id=person_id, day=day):
            roles.add(Role.ACTING_SECRETARY)
    if await _organises(session, ties, cell.unit_id):
        roles.add(Role.ORGANISER)
    return roles


async def roles_in_unit(*, session: AsyncSession, person_id: int, unit: Unit, day: date) -> set[Role]:
    """ORGANISER when the person organises this unit or one above it."""
    assert unit.id is not None
    ties = await repo.ties(session=session, person_id=person_id, day=day)
    return {Role.ORGANISER} if await _organises(session, ties, unit.id) else set()


async def _organises(session: AsyncSession, ties: repo.Ties, unit_id: int) -> bool:
    """Whether an organiser office of these ties is over this unit or one above it."""
    units = {unit for role, _, unit in ties.offices if role == Role.ORGANISER and unit is not None}
    if not units:
        return False  # most people organise nothing: no need to walk up the tree
    return bool(units & set(await repo.unit_ancestors(session=session, unit_id=unit_id)))


async def roles_anywhere(*, session: AsyncSession, person_id: int, day: date) -> set[Role]:
    """Every role the person holds somewhere: what their menu and /help offer."""
    ties = await repo.ties(session=session, person_id=person_id, day=day)
    roles: set[Role] = {Role.MEMBER} if ties.memberships else set()
    for role, cell_id, _ in ties.offices:
        roles.add(Role(role))
        if role == Role.DEPUTY and cell_id is not None:
            if await repo.active_delegation(session=session, cell_id=cell_id, person_id=person_id, day=day):
                roles.add(Role.ACTING_SECRETARY)
    return roles


def commands_for(roles: set[Role]) -> list[Command]:
    """The commands a person with these roles may use, in table order."""
    return [command for command in COMMANDS if command.menu and allowed(command, roles)]


async def cells_for(*, session: AsyncSession, person_id: int, command: Command, day: date) -> list[Cell]:
    """Cells where the person may use a cell-scoped command."""
    assert command.scope == Scope.CELL
    candidates: dict[int, Cell] = {}
    for membership in await repo.active_memberships(session=session, person_id=person_id, day=day):
        cell = await _cell(session, membership.cell_id)
        if cell:
            candidates[membership.cell_id] = cell
    for assignment in await repo.active_roles(session=session, person_id=person_id, day=day):
        if assignment.cell_id:
            cell = await _cell(session, assignment.cell_id)
            if cell:
                candidates[assignment.cell_id] = cell
        elif assignment.unit_id and assignment.role == Role.ORGANISER:
            units = await repo.unit_descendants(session=session, unit_id=assignment.unit_id)
            for cell in await repo.cells_in_units(session=session, unit_ids=units):
                assert cell.id is not None
                candidates[cell.id] = cell
    result = []
    for cell in candidates.values():
        if allowed(command, await roles_in_cell(session=session, person_id=person_id, cell=cell, day=day)):
            result.append(cell)
    return sorted(result, key=lambda c: c.id or 0)


async def units_for(*, session: AsyncSession, person_id: int, day: date) -> Sequence[Unit]:
    """Units the person organises directly."""
    units = []
    for assignment in await repo.active_roles(session=session, person_id=person_id, day=day):
        if assignment.role == Role.ORGANISER and assignment.unit_id:
            unit = await session.get(Unit, assignment.unit_id)
            if unit:
                units.append(unit)
    return units


async def _cell(session: AsyncSession, cell_id: int) -> Cell | None:
    cell = await session.get(Cell, cell_id)
    return cell if cell and cell.closed_at is None else None

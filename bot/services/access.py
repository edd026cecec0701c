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
    roles: set[Role] = set()
    if any(
        m.cell_id == cell.id
        for m in await repo.active_memberships(session=session, person_id=person_id, day=day)
    ):
        roles.add(Role.MEMBER)
    assignments = await repo.active_roles(session=session, person_id=person_id, day=day)
    for assignment in assignments:
        if assignment.cell_id == cell.id:
            roles.add(Role(assignment.role))
    if Role.DEPUTY in roles and cell.id is not None:
        if await repo.active_delegation(session=session, cell_id=cell.id, person_id=person_id, day=day):
            roles.add(Role.ACTING_SECRETARY)
    organiser_units = {a.unit_id for a in assignments if a.role == Role.ORGANISER and a.unit_id}
    if organiser_units:
        if organiser_units & set(await repo.unit_ancestors(session=session, unit_id=cell.unit_id)):
            roles.add(Role.ORGANISER)
    return roles


async def roles_in_unit(*, session: AsyncSession, person_id: int, unit: Unit, day: date) -> set[Role]:
    """ORGANISER when the person organises this unit or one above it."""
    assert unit.id is not None
    assignments = await repo.active_roles(session=session, person_id=person_id, day=day)
    organiser_units = {a.unit_id for a in assignments if a.role == Role.ORGANISER and a.unit_id}
    if organiser_units & set(await repo.unit_ancestors(session=session, unit_id=unit.id)):
        return {Role.ORGANISER}
    return set()


async def roles_anywhere(*, session: AsyncSession, person_id: int, day: date) -> set[Role]:
    """Every role the person holds somewhere: what their menu and /help offer."""
    roles: set[Role] = set()
    if await repo.active_memberships(session=session, person_id=person_id, day=day):
        roles.add(Role.MEMBER)
    for assignment in await repo.active_roles(session=session, person_id=person_id, day=day):
        roles.add(Role(assignment.role))
        if assignment.role == Role.DEPUTY and assignment.cell_id is not None:
            if await repo.active_delegation(
                session=session, cell_id=assignment.cell_id, person_id=person_id, day=day
            ):
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

"""The organisation on a day: units, cells, memberships, offices and delegations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import bindparam, literal, null, or_, union_all
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Cell,
    Delegation,
    Membership,
    Person,
    RoleAssignment,
    Unit,
)
from storage.repo.periods import active_on, typed_id
from storage.vocabulary import OfficerRole


async def find_unit(*, session: AsyncSession, ref: str) -> Unit | None:
    """A unit by id ("12" or "#12") or by its exact name; bot.services.org matches names more loosely."""
    if (unit_id := typed_id(ref)) is not None:
        return await session.get(Unit, unit_id)
    query = select(Unit).where(Unit.name == ref.strip()).order_by(col(Unit.id))
    return (await session.exec(query)).first()


async def find_cell(*, session: AsyncSession, ref: str) -> Cell | None:
    """A cell by id or by its exact name (the oldest open one if names repeat across units)."""
    if (cell_id := typed_id(ref)) is not None:
        return await session.get(Cell, cell_id)
    query = select(Cell).where(Cell.name == ref.strip()).order_by(_open_first(), col(Cell.id))
    return (await session.exec(query)).first()


async def list_units(*, session: AsyncSession) -> Sequence[Unit]:
    """Every unit, oldest first."""
    return (await session.exec(select(Unit).order_by(col(Unit.id)))).all()


async def list_cells(*, session: AsyncSession) -> Sequence[Cell]:
    """Every cell, open ones first, then oldest first."""
    return (await session.exec(select(Cell).order_by(_open_first(), col(Cell.id)))).all()


def _open_first() -> Any:
    return col(Cell.closed_at).is_not(None)


async def unit_ancestors(*, session: AsyncSession, unit_id: int) -> list[int]:
    """The unit and every unit above it, nearest first."""
    chain: list[int] = []
    current: int | None = unit_id
    while current is not None and current not in chain:
        chain.append(current)
        unit = await session.get(Unit, current)
        current = unit.parent_id if unit else None
    return chain


async def unit_descendants(*, session: AsyncSession, unit_id: int) -> list[int]:
    """The unit and every unit below it."""
    found = [unit_id]
    frontier = [unit_id]
    while frontier:
        rows = await session.exec(select(Unit.id).where(col(Unit.parent_id).in_(frontier)))
        frontier = [uid for uid in rows if uid is not None and uid not in found]
        found.extend(frontier)
    return found


async def cells_in_units(
    *, session: AsyncSession, unit_ids: Sequence[int], open_only: bool = True
) -> Sequence[Cell]:
    """Cells belonging to any of these units."""
    query = select(Cell).where(col(Cell.unit_id).in_(unit_ids)).order_by(col(Cell.id))
    if open_only:
        query = query.where(col(Cell.closed_at).is_(None))
    return (await session.exec(query)).all()


async def active_memberships(*, session: AsyncSession, person_id: int, day: date) -> Sequence[Membership]:
    """The person's cell ties in force on `day`, primary first."""
    query = (
        select(Membership)
        .where(Membership.person_id == person_id, active_on(Membership, day))
        .order_by(col(Membership.kind) != "primary", col(Membership.id))
    )
    return (await session.exec(query)).all()


async def memberships_from(*, session: AsyncSession, person_id: int, day: date) -> Sequence[Membership]:
    """The person's cell ties not ended before `day`: in force that day, or starting later."""
    query = (
        select(Membership)
        .where(
            Membership.person_id == person_id,
            or_(col(Membership.valid_to).is_(None), col(Membership.valid_to) >= day),
        )
        .order_by(col(Membership.kind) != "primary", col(Membership.id))
    )
    return (await session.exec(query)).all()


async def roles_from(*, session: AsyncSession, person_id: int, day: date) -> Sequence[RoleAssignment]:
    """The person's officer roles not ended before `day`: held that day, or starting later."""
    query = select(RoleAssignment).where(
        RoleAssignment.person_id == person_id,
        or_(col(RoleAssignment.valid_to).is_(None), col(RoleAssignment.valid_to) >= day),
    )
    return (await session.exec(query)).all()


async def cell_members(
    *, session: AsyncSession, cell_id: int, day: date, kinds: Sequence[str] = ("primary", "residence")
) -> Sequence[tuple[Person, Membership]]:
    """People tied to the cell on `day`, by name."""
    query = (
        select(Person, Membership)
        .join(Membership, col(Membership.person_id) == col(Person.id))
        .where(Membership.cell_id == cell_id, active_on(Membership, day), col(Membership.kind).in_(kinds))
        .order_by(col(Person.name_key), col(Person.id))
    )
    return (await session.exec(query)).all()


async def active_roles(*, session: AsyncSession, person_id: int, day: date) -> Sequence[RoleAssignment]:
    """Officer roles the person holds on `day`."""
    query = select(RoleAssignment).where(
        RoleAssignment.person_id == person_id, active_on(RoleAssignment, day)
    )
    return (await session.exec(query)).all()


async def role_holders(
    *, session: AsyncSession, role: str, day: date, cell_id: int | None = None, unit_id: int | None = None
) -> Sequence[RoleAssignment]:
    """Who holds a role over a cell or a unit on `day`."""
    query = select(RoleAssignment).where(RoleAssignment.role == role, active_on(RoleAssignment, day))
    if cell_id is not None:
        query = query.where(RoleAssignment.cell_id == cell_id)
    if unit_id is not None:
        query = query.where(RoleAssignment.unit_id == unit_id)
    return (await session.exec(query)).all()


def _active_delegation_statement() -> Any:
    cell: Any = bindparam("cell_id")
    day: Any = bindparam("day")
    # A delegation runs only while its giver is still the cell's secretary that day.
    giver_is_secretary = (
        select(RoleAssignment.id)
        .where(
            RoleAssignment.person_id == Delegation.from_person_id,
            RoleAssignment.cell_id == cell,
            RoleAssignment.role == OfficerRole.SECRETARY,
            active_on(RoleAssignment, day),
        )
        .exists()
    )
    return select(Delegation).where(
        Delegation.cell_id == cell,
        Delegation.to_person_id == bindparam("person_id"),
        col(Delegation.revoked_at).is_(None),
        active_on(Delegation, day),
        giver_is_secretary,
    )


# Built once: a deputy's every update asks it, and building it cost more than running it.
_ACTIVE_DELEGATION = _active_delegation_statement()


async def active_delegation(
    *, session: AsyncSession, cell_id: int, person_id: int, day: date
) -> Delegation | None:
    """A running delegation of the cell's secretary duties to this person.

    It runs only while the person who gave it is still the cell's secretary that day: a delegation
    never outlives the secretary's own office.
    """
    params = {"cell_id": cell_id, "person_id": person_id, "day": day}
    delegation: Delegation | None = (await session.exec(_ACTIVE_DELEGATION, params=params)).first()
    return delegation


async def running_delegations(
    *, session: AsyncSession, day: date, cell_id: int | None = None, from_person_id: int | None = None
) -> Sequence[Delegation]:
    """Delegations not revoked that run on `day` or later, of one cell and/or from one secretary."""
    query = select(Delegation).where(col(Delegation.revoked_at).is_(None), col(Delegation.valid_to) >= day)
    if cell_id is not None:
        query = query.where(Delegation.cell_id == cell_id)
    if from_person_id is not None:
        query = query.where(Delegation.from_person_id == from_person_id)
    return (await session.exec(query.order_by(col(Delegation.id)))).all()


@dataclass(frozen=True)
class Ties:
    """A person's ties on a day: memberships (cell, kind) and offices (role, cell, unit)."""

    memberships: tuple[tuple[int, str], ...]
    offices: tuple[tuple[str, int | None, int | None], ...]


def _ties_statement() -> Any:
    person: Any = bindparam("person_id")
    day: Any = bindparam("day")
    members: Any = select(
        literal("membership").label("what"),
        col(Membership.cell_id).label("cell_id"),
        null().label("unit_id"),
        col(Membership.kind).label("detail"),
    ).where(Membership.person_id == person, active_on(Membership, day))
    offices: Any = select(
        literal("office").label("what"),
        col(RoleAssignment.cell_id).label("cell_id"),
        col(RoleAssignment.unit_id).label("unit_id"),
        col(RoleAssignment.role).label("detail"),
    ).where(RoleAssignment.person_id == person, active_on(RoleAssignment, day))
    return union_all(members, offices)


# Built once: every update asks for the sender's ties.
_TIES = _ties_statement()


async def ties(*, session: AsyncSession, person_id: int, day: date) -> Ties:
    """The person's memberships and offices on `day`, in one query (each update asks for them)."""
    rows = (await session.exec(_TIES, params={"person_id": person_id, "day": day})).all()
    return Ties(
        memberships=tuple((row.cell_id, row.detail) for row in rows if row.what == "membership"),
        offices=tuple((row.detail, row.cell_id, row.unit_id) for row in rows if row.what == "office"),
    )

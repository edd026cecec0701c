"""Officer roles over cells and units, and the delegations that lend a secretary's office."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import UserError
from bot.i18n import N_
from bot.services.audit import Actor, record_change
from storage import repo
from storage.models import (
    Cell,
    Delegation,
    Membership,
    Person,
    RoleAssignment,
    Unit,
)
from storage.vocabulary import OFFICER_ROLES, SINGLE_OFFICES, OfficerRole


async def grant_role(
    *,
    session: AsyncSession,
    person: Person,
    role: str,
    actor: Actor,
    now: datetime,
    today: date,
    cell: Cell | None = None,
    unit: Unit | None = None,
) -> RoleAssignment:
    """Give an officer role over a cell or a unit from today; a cell has one secretary at a time."""
    if role not in OFFICER_ROLES:
        raise UserError(
            N_("Unknown role %(role)s; use one of: %(roles)s."), role=role, roles=", ".join(OFFICER_ROLES)
        )
    if (cell is None) == (unit is None):
        raise UserError(N_("Give either a cell or a unit."))
    if role == OfficerRole.ORGANISER and unit is None:
        raise UserError(N_("Organisers are appointed to a unit, not a cell."))
    if role != OfficerRole.ORGANISER and cell is None:
        raise UserError(N_("This role is held in a cell, not a unit."))
    assert person.id is not None
    holders = await repo.role_holders(
        session=session,
        role=role,
        day=today,
        cell_id=cell.id if cell else None,
        unit_id=unit.id if unit else None,
    )
    if any(h.person_id == person.id for h in holders):
        raise UserError(N_("%(name)s already holds this role."), name=person.full_name)
    if role in SINGLE_OFFICES and holders and cell is not None:
        current = await repo.get_person(session=session, person_id=holders[0].person_id)
        raise UserError(
            N_("%(name)s already holds this role in this cell; revoke it first."),
            name=current.full_name if current else "?",
        )
    assignment = RoleAssignment(
        person_id=person.id,
        role=role,
        cell_id=cell.id if cell else None,
        unit_id=unit.id if unit else None,
        valid_from=today,
    )
    session.add(assignment)
    await session.flush()
    await record_change(
        session,
        actor=actor,
        now=now,
        action="role.grant",
        subject=f"person:{person.id}",
        after={"role": role, "cell_id": assignment.cell_id, "unit_id": assignment.unit_id},
    )
    return assignment


async def revoke_role(
    *,
    session: AsyncSession,
    person: Person,
    role: str,
    actor: Actor,
    now: datetime,
    today: date,
    cell: Cell | None = None,
    unit: Unit | None = None,
) -> RoleAssignment:
    """End an officer role today (the history row stays)."""
    holders = await repo.role_holders(
        session=session,
        role=role,
        day=today,
        cell_id=cell.id if cell else None,
        unit_id=unit.id if unit else None,
    )
    assignment = next((h for h in holders if h.person_id == person.id), None)
    if assignment is None:
        raise UserError(N_("%(name)s does not hold this role there."), name=person.full_name)
    before = {
        "role": role,
        "cell_id": assignment.cell_id,
        "unit_id": assignment.unit_id,
        "valid_from": assignment.valid_from.isoformat(),
    }
    # Revoked roles stop today, so a successor can be appointed at once.
    after = {"ended_on": today.isoformat()}
    await end_period(session, assignment, today)
    await session.flush()
    await record_change(
        session,
        actor=actor,
        now=now,
        action="role.revoke",
        subject=f"person:{person.id}",
        before=before,
        after=after,
    )
    if role == OfficerRole.SECRETARY and cell is not None:
        await end_delegations(
            session, person_id=person.id, cell_id=cell.id, day=today, now=now, actor=actor, why="role.revoke"
        )
    return assignment


async def end_delegations(
    session: AsyncSession,
    *,
    person_id: int | None,
    cell_id: int | None,
    day: date,
    now: datetime,
    actor: Actor,
    why: str,
) -> list[Delegation]:
    """End the delegations a secretary gave (in one cell, or all of them), each audited.

    A delegation lends the secretary's own office, so it ends with it.
    """
    ended = list(
        await repo.running_delegations(session=session, day=day, cell_id=cell_id, from_person_id=person_id)
    )
    for delegation in ended:
        delegation.revoked_at = now
        await session.flush()
        await record_change(
            session,
            actor=actor,
            now=now,
            action="delegation.end",
            subject=f"cell:{delegation.cell_id}",
            before={"to": delegation.to_person_id, "from": delegation.from_person_id},
            after={"because": why},
            touched=[("person", str(delegation.to_person_id))],
        )
    return ended


async def end_period(session: AsyncSession, row: Membership | RoleAssignment, on: date) -> None:
    """Make a period stop on `on` (its last day is the day before).

    A period that would start on or after that day never took effect: the row goes, and the audit log
    keeps both the start and the end.
    """
    if row.valid_from >= on:
        await session.delete(row)
    else:
        row.valid_to = on - timedelta(days=1)

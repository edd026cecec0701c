"""A secretary lends their office to the deputy for some days; organisers may stop it.

A delegation runs only while its giver is the sitting secretary (see repo.active_delegation), and
ends with their office (roles.end_delegations, called when the secretary is revoked or leaves).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import UserError
from bot.i18n import N_
from bot.services import audit, roles
from storage import repo
from storage.ids import parse_id
from storage.models import Cell, Delegation, Person
from storage.vocabulary import OfficerRole

MAX_DAYS = 90


@dataclass(frozen=True)
class Running:
    """A delegation that runs (or will), with the name of the deputy it is to."""

    deputy: str
    valid_from: date
    valid_to: date


async def running(*, session: AsyncSession, cell: Cell, day: date) -> list[Running]:
    """The cell's delegations not revoked that run on `day` or later."""
    assert cell.id is not None
    result = []
    for delegation in await repo.running_delegations(session=session, day=day, cell_id=cell.id):
        deputy = await session.get(Person, delegation.to_person_id)
        result.append(
            Running(deputy.full_name if deputy else "?", delegation.valid_from, delegation.valid_to)
        )
    return result


async def deputy_of(*, session: AsyncSession, cell: Cell, secretary: Person, day: date) -> Person:
    """The deputy a delegation would go to; a UserError when there is none, or it is the secretary."""
    assert cell.id is not None
    holders = await repo.role_holders(session=session, role=OfficerRole.DEPUTY, day=day, cell_id=cell.id)
    deputy = await session.get(Person, holders[0].person_id) if holders else None
    if deputy is None:
        raise UserError(N_("%(cell)s has no deputy secretary to delegate to."), cell=cell.name)
    if deputy.id == secretary.id:
        raise UserError(N_("You cannot delegate your duties to yourself."))
    return deputy


async def start(
    *,
    session: AsyncSession,
    cell: Cell,
    secretary: Person,
    days: str,
    day: date,
    now: datetime,
    actor: audit.Actor,
) -> Delegation:
    """Delegate the office to the deputy from `day` for `days` (as typed) days, replacing one running."""
    assert cell.id is not None and secretary.id is not None
    count = parse_id(days)
    if count is None or count > MAX_DAYS:
        raise UserError(N_("Give the number of days, from 1 to 90: for example /delegate 7."))
    deputy = await deputy_of(session=session, cell=cell, secretary=secretary, day=day)
    assert deputy.id is not None
    for previous in await repo.running_delegations(session=session, day=day, cell_id=cell.id):
        previous.revoked_at = now
    delegation = Delegation(
        cell_id=cell.id,
        from_person_id=secretary.id,
        to_person_id=deputy.id,
        valid_from=day,
        valid_to=day + timedelta(days=count - 1),
        created_at=now,
    )
    session.add(delegation)
    await session.flush()
    await audit.record_change(
        session,
        actor=actor,
        now=now,
        action="delegation.start",
        subject=f"cell:{cell.id}",
        after={"to": deputy.id, "from": day.isoformat(), "to_date": delegation.valid_to.isoformat()},
        touched=[("person", str(deputy.id))],
    )
    return delegation


async def stop(
    *, session: AsyncSession, cell: Cell, day: date, now: datetime, actor: audit.Actor
) -> list[str]:
    """End the cell's running delegations (audited); return the deputies' names."""
    assert cell.id is not None
    ended = await roles.end_delegations(
        session, person_id=None, cell_id=cell.id, day=day, now=now, actor=actor, why="stop"
    )
    if not ended:
        raise UserError(N_("There is no delegation running."))
    return [person.full_name if (person := await session.get(Person, d.to_person_id)) else "?" for d in ended]

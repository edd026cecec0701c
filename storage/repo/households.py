"""Who is responsible for a household over time: the one place assignments are started and ended."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import HouseholdAssignment


async def _end(session: AsyncSession, row: HouseholdAssignment, on: date) -> None:
    """Stop an assignment on `on` (its last day is the day before); one started that day was a
    correction and goes."""
    if row.valid_from >= on:
        await session.delete(row)
    else:
        row.valid_to = on - timedelta(days=1)


async def assign_household(
    *, session: AsyncSession, household_id: int, person_id: int | None, on: date
) -> bool:
    """Make `person_id` (or nobody) responsible for the household from `on`, keeping who had it before.
    True when that changed anything."""
    current = (
        await session.exec(
            select(HouseholdAssignment).where(
                HouseholdAssignment.household_id == household_id,
                col(HouseholdAssignment.valid_to).is_(None),
            )
        )
    ).first()
    if (current.person_id if current else None) == person_id:
        return False
    if current is not None:
        await _end(session, current, on)
    if person_id is not None:
        session.add(HouseholdAssignment(household_id=household_id, person_id=person_id, valid_from=on))
    await session.flush()
    return True


async def release_households(*, session: AsyncSession, person_id: int, on: date) -> list[int]:
    """A member leaves: the households they have are nobody's from `on`. Returns those households."""
    query = select(HouseholdAssignment).where(
        HouseholdAssignment.person_id == person_id, col(HouseholdAssignment.valid_to).is_(None)
    )
    released = []
    for row in (await session.exec(query)).all():
        released.append(row.household_id)
        await _end(session, row, on)
    await session.flush()
    return released

"""Party dues (đảng phí): ticked by the secretary or deputy, or reported by the member and confirmed."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import UserError
from bot.i18n import N_
from bot.meetings.rules import month_of
from bot.names import sort_key
from bot.services.audit import Actor, record_change
from bot.services.delivery import queue, recipients_of
from bot.services.records import exempt_among
from storage import repo
from storage.models import Cell, DuesPayment, Person
from storage.vocabulary import OfficerRole

PURPOSE = "dues"
REPORTED = N_("%(name)s says their party dues for %(month)s are paid. Confirm?")


def parse_month(text: str, today: date) -> date:
    """A month typed as 12/2026, 2026-12 or 12 (this year); a UserError otherwise."""
    cleaned = text.strip().replace("-", "/")
    try:
        parts = [int(p) for p in cleaned.split("/")]
        if len(parts) == 1:
            return date(today.year, parts[0], 1)
        first, second = parts
        return date(first, second, 1) if first > 12 else date(second, first, 1)
    except ValueError:
        raise UserError(
            N_("%(text)s is not a month I can read. Please write it like 12/2026."), text=text[:20]
        ) from None


async def payments(session: AsyncSession, person_ids: list[int], month: date) -> dict[int, DuesPayment]:
    """The dues rows of these people for one month."""
    query = select(DuesPayment).where(
        col(DuesPayment.person_id).in_(person_ids), DuesPayment.month == month_of(month)
    )
    return {row.person_id: row for row in (await session.exec(query)).all()}


async def unpaid(*, session: AsyncSession, cell: Cell, month: date, day: date) -> list[Person]:
    """The cell's members (primary tie, not exempt) whose dues for the month are not confirmed paid."""
    assert cell.id is not None
    members = [
        person
        for person, _ in await repo.cell_members(
            session=session, cell_id=cell.id, day=day, kinds=("primary",)
        )
    ]
    ids = [p.id for p in members if p.id is not None]
    exempt = await exempt_among(session, ids, day)
    paid = await payments(session, ids, month)
    result = [
        p for p in members if p.id not in exempt and not (p.id in paid and paid[p.id].paid_on is not None)
    ]
    return sorted(result, key=lambda p: sort_key(p.full_name))


async def _row(session: AsyncSession, person_id: int, month: date) -> DuesPayment:
    row = (await payments(session, [person_id], month)).get(person_id)
    if row is None:
        row = DuesPayment(person_id=person_id, month=month_of(month))
        session.add(row)
    return row


async def tick(
    *, session: AsyncSession, person: Person, month: date, actor: Actor, now: datetime, today: date
) -> bool:
    """Record a member's dues for the month as paid today; False when they already were."""
    assert person.id is not None
    row = await _row(session, person.id, month)
    if row.paid_on is not None:
        return False
    row.paid_on, row.confirmed_by_person_id = today, actor.person_id
    await session.flush()
    await record_change(
        session,
        actor=actor,
        now=now,
        action="dues.tick",
        subject=f"person:{person.id}",
        after={"month": month_of(month).isoformat(), "paid_on": today.isoformat()},
        touched=[],
    )
    return True


async def report(
    *,
    session: AsyncSession,
    person: Person,
    cell: Cell,
    month: date,
    actor: Actor,
    now: datetime,
    today: date,
) -> bool:
    """A member says they paid: the secretary and deputy are asked to confirm. False if already paid."""
    assert person.id is not None and cell.id is not None
    row = await _row(session, person.id, month)
    if row.paid_on is not None:
        return False
    first_report = row.reported_at is None
    row.reported_at = now
    await session.flush()
    if first_report:
        officers = [
            r.person_id
            for role in (OfficerRole.SECRETARY, OfficerRole.DEPUTY)
            for r in await repo.role_holders(session=session, role=role, day=today, cell_id=cell.id)
            if r.person_id != person.id
        ]
        label = month_of(month).strftime("%m/%Y")
        await queue(
            session=session,
            purpose=PURPOSE,
            subject=f"person:{person.id}",
            occurrence=month_of(month).isoformat(),
            recipients=await recipients_of(session, officers),
            message_key=REPORTED,
            params={"name": person.full_name, "month": label},
            buttons=[[{"label": N_("Confirm"), "data": f"c:dues #{cell.id} {person.id} {label}"}]],
            now=now,
        )
    await record_change(
        session,
        actor=actor,
        now=now,
        action="dues.report",
        subject=f"person:{person.id}",
        after={"month": month_of(month).isoformat()},
        touched=[],
    )
    return True

"""A member's record over time: official or probationary, exemptions, and the end of a membership."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import UserError
from bot.i18n import N_
from bot.services.audit import Actor, record_change
from bot.services.roles import end_delegations, end_period
from storage import repo
from storage.models import (
    Exemption,
    Membership,
    MemberStatus,
    Person,
)
from storage.vocabulary import MEMBER_STATUSES

# Longest free text stored in a varchar(500) reason column (exemptions, end of membership).
MAX_REASON = 500


def check_reason(reason: str) -> str:
    """The reason, trimmed; a UserError when it is empty or longer than the column holds."""
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise UserError(
            N_("The reason is %(length)s characters long; please keep it to at most %(max)s."),
            length=len(reason),
            max=MAX_REASON,
        )
    return reason


@dataclass(frozen=True)
class StatusChange:
    """What a status change did: in force from `row.valid_from` until `until` (then `then`), or open."""

    row: MemberStatus
    until: date | None
    then: str | None
    superseded: tuple[date, ...]  # imported statuses (start unknown) this dated change replaced


async def set_status(
    *,
    session: AsyncSession,
    person: Person,
    status: str,
    valid_from: date,
    actor: Actor,
    now: datetime,
    start_known: bool = True,
) -> StatusChange:
    """Record official or probationary status from a date.

    A dated change replaces any status imported on or after that date: an import only says what the
    status was on the day of the import (start_known=False), and this is newer, dated knowledge.
    """
    if status not in MEMBER_STATUSES:
        raise UserError(N_("Unknown status %(status)s; use official or probationary."), status=status)
    assert person.id is not None
    later = (
        await session.exec(
            select(MemberStatus)
            .where(MemberStatus.person_id == person.id, MemberStatus.valid_from >= valid_from)
            .order_by(col(MemberStatus.valid_from))
        )
    ).all()
    existing = next((r for r in later if r.valid_from == valid_from), None)
    superseded = [r for r in later if start_known and not r.start_known and r.valid_from > valid_from]
    before: dict[str, Any] | None = {"status": existing.status} if existing else None
    if superseded:
        before = {**(before or {}), "superseded": [[r.valid_from.isoformat(), r.status] for r in superseded]}
    for old in superseded:
        await session.delete(old)
    if existing:
        existing.status, existing.start_known = status, start_known
        row = existing
    else:
        row = MemberStatus(person_id=person.id, status=status, valid_from=valid_from, start_known=start_known)
        session.add(row)
    await session.flush()
    await record_change(
        session,
        actor=actor,
        now=now,
        action="member.status",
        subject=f"person:{person.id}",
        before=before,
        after={"status": status, "from": valid_from.isoformat()},
    )
    following = next((r for r in later if r.valid_from > valid_from and r not in superseded), None)
    return StatusChange(
        row=row,
        until=following.valid_from - timedelta(days=1) if following else None,
        then=following.status if following else None,
        superseded=tuple(r.valid_from for r in superseded),
    )


async def status_on(session: AsyncSession, person_id: int, day: date) -> str | None:
    """Official or probationary on `day`."""
    query = (
        select(MemberStatus)
        .where(MemberStatus.person_id == person_id, MemberStatus.valid_from <= day)
        .order_by(col(MemberStatus.valid_from).desc())
    )
    row = (await session.exec(query)).first()
    return row.status if row else None


@dataclass(frozen=True)
class ExemptionChange:
    """The exemption as recorded, and the periods of the overlapping ones it replaced."""

    row: Exemption
    replaced: tuple[tuple[date, date | None], ...]


async def exempt(
    *,
    session: AsyncSession,
    person: Person,
    valid_from: date,
    valid_to: date | None,
    reason: str,
    actor: Actor,
    now: datetime,
) -> ExemptionChange:
    """Exempt a member from party work and meetings for a period.

    A person is exempt or not on any day, so a period that overlaps recorded ones replaces them: the
    earliest is changed to the new period (the audit log keeps what it was), the others are removed.
    """
    reason = check_reason(reason)
    if not reason:
        raise UserError(N_("Give the reason for the exemption."))
    if valid_to is not None and valid_to < valid_from:
        raise UserError(N_("The end date is before the start date."))
    assert person.id is not None
    query = (
        select(Exemption)
        .where(
            Exemption.person_id == person.id,
            Exemption.valid_from <= (valid_to or date.max),
            or_(col(Exemption.valid_to).is_(None), col(Exemption.valid_to) >= valid_from),
        )
        .order_by(col(Exemption.valid_from), col(Exemption.id))
    )
    overlapping = list((await session.exec(query)).all())
    replaced = tuple((r.valid_from, r.valid_to) for r in overlapping)
    if overlapping:
        row, *others = overlapping
        for other in others:
            await session.delete(other)
        row.valid_from, row.valid_to, row.reason = valid_from, valid_to, reason.strip()
    else:
        row = Exemption(person_id=person.id, valid_from=valid_from, valid_to=valid_to, reason=reason.strip())
        session.add(row)
    await session.flush()
    await record_change(
        session,
        actor=actor,
        now=now,
        action="member.exempt",
        subject=f"person:{person.id}",
        before={"replaced": [[a.isoformat(), b.isoformat() if b else None] for a, b in replaced]}
        if replaced
        else None,
        after={
            "from": valid_from.isoformat(),
            "to": valid_to.isoformat() if valid_to else None,
            "reason": reason.strip(),
        },
    )
    return ExemptionChange(row=row, replaced=replaced)


async def statuses_on(session: AsyncSession, person_ids: list[int], day: date) -> dict[int, str]:
    """Official or probationary on `day`, for many people in one query."""
    rows = await session.exec(
        select(MemberStatus)
        .where(col(MemberStatus.person_id).in_(person_ids), MemberStatus.valid_from <= day)
        .order_by(col(MemberStatus.valid_from))
    )
    return {row.person_id: row.status for row in rows}  # the latest one wins, as in status_on


async def exempt_among(session: AsyncSession, person_ids: list[int], day: date) -> set[int]:
    """Which of these people are exempt on `day`, in one query."""
    rows = await session.exec(
        select(Exemption.person_id).where(
            col(Exemption.person_id).in_(person_ids), repo.active_on(Exemption, day)
        )
    )
    return set(rows)


async def exempt_on(session: AsyncSession, person_id: int, day: date) -> Exemption | None:
    """The exemption in force on `day`, if any."""
    query = select(Exemption).where(Exemption.person_id == person_id, repo.active_on(Exemption, day))
    return (await session.exec(query)).first()


async def end_membership(
    *, session: AsyncSession, person: Person, on: date, reason: str, actor: Actor, now: datetime
) -> list[Membership]:
    """End every cell tie and officer role of a person on a date (moved away, died, removed).

    Ties imported without a start date (start_known=False) that begin on or after `on` were only known
    from the day of the import; ending them earlier means they lasted until the day before `on`.
    Returns the ties ended; their valid_to is the last day.
    """
    reason = check_reason(reason)
    if not reason:
        raise UserError(N_("Give the reason the membership ends."))
    assert person.id is not None
    memberships = [
        m
        for m in await repo.memberships_from(session=session, person_id=person.id, day=on)
        if m.valid_from <= on or not m.start_known
    ]
    if not memberships:
        raise UserError(
            N_("%(name)s is not a member of any cell on %(date)s."),
            name=person.full_name,
            date=on.strftime("%d/%m/%Y"),
        )
    before = [[m.cell_id, m.valid_from.isoformat(), m.start_known] for m in memberships]
    for membership in memberships:
        membership.end_reason = reason.strip()
        if not membership.start_known and membership.valid_from >= on:
            membership.valid_from = on - timedelta(days=1)
        await end_period(session, membership, on)
    # Roles end too, including ones that would only start later (an imported role starts on the import day).
    for assignment in await repo.roles_from(session=session, person_id=person.id, day=on):
        await end_period(session, assignment, on)
    # Their households are nobody's until the secretary gives them to someone (/households).
    await repo.release_households(session=session, person_id=person.id, on=on)
    await session.flush()
    await end_delegations(
        session, person_id=person.id, cell_id=None, day=on, now=now, actor=actor, why="member.end"
    )
    await record_change(
        session,
        actor=actor,
        now=now,
        action="member.end",
        subject=f"person:{person.id}",
        before={"cells": [m.cell_id for m in memberships], "ties": before},
        after={"on": on.isoformat(), "reason": reason.strip()},
    )
    return memberships

"""Units, cells, people, memberships and officer roles: the admin operations, each audited.

Every change also bumps the change counter so a running bot reloads menus and permissions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import UserError
from bot.i18n import N_
from bot.names import closest, match_name, name_key, normalise_name, sort_key
from storage import repo
from storage.models import (
    Cell,
    ChatIdentity,
    Delegation,
    Exemption,
    Membership,
    MemberStatus,
    Person,
    RoleAssignment,
    Unit,
)
from storage.vocabulary import CELL_KINDS, MEMBER_STATUSES, OFFICER_ROLES, SINGLE_OFFICES, OfficerRole


@dataclass(frozen=True)
class Actor:
    """Who is making a change: the CLI (an operator) or a person in chat."""

    label: str
    person_id: int | None = None


CLI = Actor("cli")


async def record_change(
    session: AsyncSession,
    *,
    actor: Actor,
    now: datetime,
    action: str,
    subject: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    touched: Iterable[tuple[str, str]] | None = None,
) -> None:
    """Audit a change, and record what it touched so running bots reload just that.

    By default a change touches what TOUCHES says for its action; the session's info["touched"] also
    collects it, so the process that made the change can reload at once.
    """
    await repo.audit(
        session=session,
        at=now,
        actor=actor.label,
        actor_person_id=actor.person_id,
        action=action,
        subject=subject,
        before=before,
        after=after,
    )
    kind = TOUCHES.get(action)
    touched = list(touched) if touched is not None else ([(kind, subject.split(":", 1)[1])] if kind else [])
    if touched:
        await repo.add_changes(session=session, at=now, touched=touched)
        session.info.setdefault(TOUCHED, set()).update(touched)


# What an audited action touches by default: its subject, as this kind. Roles, memberships and
# languages change a person's menu and permissions; an announcement may need its live report job.
TOUCHES = {
    "role.grant": "person",
    "role.revoke": "person",
    "member.end": "person",
    "identity.link": "person",
    "person.language": "person",
}
TOUCHED = "touched"  # key of Session.info: what the changes in this session touched


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


async def require_person(session: AsyncSession, ref: str) -> Person:
    """The person with this card number or id, or a UserError."""
    person = await repo.find_person(session=session, ref=ref)
    if person is None:
        raise UserError(N_("No person with id or card number %(ref)s."), ref=ref)
    return person


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


async def add_person(
    *,
    session: AsyncSession,
    full_name: str,
    cell: Cell,
    actor: Actor,
    now: datetime,
    today: date,
    card_number: str | None = None,
    birth_date: date | None = None,
    status: str = "official",
    phone: str | None = None,
    start_known: bool = True,
) -> Person:
    """Create a person as a primary member of the cell from today.

    start_known=False (imports): today is only the day we learnt of the membership and status, so an
    earlier dated change may supersede them (see set_status and end_membership).
    """
    full_name = normalise_name(full_name)
    if not full_name:
        raise UserError(N_("A person needs a full name."))
    if status not in MEMBER_STATUSES:
        raise UserError(N_("Unknown status %(status)s; use official or probationary."), status=status)
    # Card numbers are identifiers: compared without spaces or case, as repo.find_person looks them up.
    card_number = "".join(card_number.split()).upper() if card_number else None
    if card_number:
        found = (await session.exec(select(Person).where(Person.card_number == card_number))).first()
        if found is not None:
            raise UserError(
                N_("Card number %(card)s already belongs to %(name)s."),
                card=card_number,
                name=found.full_name,
            )
    person = Person(
        full_name=full_name,
        name_key=name_key(full_name),
        card_number=card_number,
        birth_date=birth_date,
        phone=phone,
        created_at=now,
    )
    session.add(person)
    await session.flush()
    assert person.id is not None and cell.id is not None
    session.add(
        Membership(
            person_id=person.id, cell_id=cell.id, kind="primary", valid_from=today, start_known=start_known
        )
    )
    session.add(MemberStatus(person_id=person.id, status=status, valid_from=today, start_known=start_known))
    await session.flush()
    await record_change(
        session,
        actor=actor,
        now=now,
        action="person.add",
        subject=f"person:{person.id}",
        after={"full_name": full_name, "card_number": card_number, "cell_id": cell.id, "status": status},
    )
    return person


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


async def end_period(session: AsyncSession, row: Membership | RoleAssignment, on: date) -> None:
    """Make a period stop on `on` (its last day is the day before).

    A period that would start on or after that day never took effect: the row goes, and the audit log
    keeps both the start and the end.
    """
    if row.valid_from >= on:
        await session.delete(row)
    else:
        row.valid_to = on - timedelta(days=1)


async def primary_membership(session: AsyncSession, person: Person, day: date) -> Membership:
    """The person's primary membership on `day`, or a UserError."""
    assert person.id is not None
    for membership in await repo.active_memberships(session=session, person_id=person.id, day=day):
        if membership.kind == "primary":
            return membership
    raise UserError(N_("%(name)s is not a member of any cell now."), name=person.full_name)


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


@dataclass(frozen=True)
class MemberView:
    """One line of a cell's member list."""

    person: Person
    kind: str
    status: str | None
    exempt: bool
    roles: tuple[str, ...]
    linked: bool


async def member_in(*, session: AsyncSession, cell: Cell, ref: str, day: date) -> MemberView:
    """A member of the cell on `day`, by id (so nobody acts on people outside their cell)."""
    for view in await list_members(session=session, cell=cell, day=day):
        if str(view.person.id) == ref.strip():
            return view
    raise UserError(N_("There is no member %(ref)s in this cell."), ref=ref)


async def list_members(*, session: AsyncSession, cell: Cell, day: date) -> list[MemberView]:
    """The cell's members on `day` with status, exemption, officer roles and whether they linked a chat."""
    assert cell.id is not None
    rows = await repo.cell_members(session=session, cell_id=cell.id, day=day)
    ids = [p.id for p, _ in rows if p.id is not None]
    identities = await repo.identities_of(session=session, person_ids=ids)
    roles: dict[int, list[str]] = {pid: [] for pid in ids}
    assignments = await session.exec(
        select(RoleAssignment).where(RoleAssignment.cell_id == cell.id, repo.active_on(RoleAssignment, day))
    )
    for assignment in assignments:
        roles.setdefault(assignment.person_id, []).append(assignment.role)
    views = []
    for person, membership in sorted(rows, key=lambda row: (sort_key(row[0].full_name), row[0].id or 0)):
        assert person.id is not None
        views.append(
            MemberView(
                person=person,
                kind=membership.kind,
                status=await status_on(session, person.id, day),
                exempt=await exempt_on(session, person.id, day) is not None,
                roles=tuple(roles.get(person.id, ())),
                linked=bool(identities.get(person.id)),
            )
        )
    return views


async def linked_ids(session: AsyncSession, person_id: int) -> list[ChatIdentity]:
    """Chat accounts a person has linked."""
    return (await repo.identities_of(session=session, person_ids=[person_id]))[person_id]

"""People and the members of a cell: adding them, finding them, listing a cell as chat and CLI show it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import UserError
from bot.i18n import N_
from bot.names import name_key, normalise_name, sort_key
from bot.services.audit import Actor, record_change
from bot.services.records import exempt_among, statuses_on
from storage import repo
from storage.models import (
    Cell,
    ChatIdentity,
    Membership,
    MemberStatus,
    Person,
    RoleAssignment,
)
from storage.vocabulary import MEMBER_STATUSES


async def require_person(session: AsyncSession, ref: str) -> Person:
    """The person with this card number or id, or a UserError."""
    person = await repo.find_person(session=session, ref=ref)
    if person is None:
        raise UserError(N_("No person with id or card number %(ref)s."), ref=ref)
    return person


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


async def primary_membership(session: AsyncSession, person: Person, day: date) -> Membership:
    """The person's primary membership on `day`, or a UserError."""
    assert person.id is not None
    for membership in await repo.active_memberships(session=session, person_id=person.id, day=day):
        if membership.kind == "primary":
            return membership
    raise UserError(N_("%(name)s is not a member of any cell now."), name=person.full_name)


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
    statuses = await statuses_on(session, ids, day)  # two queries for the whole cell, not two per member
    exempt = await exempt_among(session, ids, day)
    views = []
    for person, membership in sorted(rows, key=lambda row: (sort_key(row[0].full_name), row[0].id or 0)):
        assert person.id is not None
        views.append(
            MemberView(
                person=person,
                kind=membership.kind,
                status=statuses.get(person.id),
                exempt=person.id in exempt,
                roles=tuple(roles.get(person.id, ())),
                linked=bool(identities.get(person.id)),
            )
        )
    return views


async def linked_ids(session: AsyncSession, person_id: int) -> list[ChatIdentity]:
    """Chat accounts a person has linked."""
    return (await repo.identities_of(session=session, person_ids=[person_id]))[person_id]

"""Async query functions. They take a session, flush when they write, and never commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, or_, tuple_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.ids import parse_id
from storage.models import (
    AuditLog,
    Cell,
    Change,
    ChatIdentity,
    ChoiceSet,
    Delegation,
    Membership,
    OutboxMessage,
    Person,
    ProcessedUpdate,
    RoleAssignment,
    Setting,
    Unit,
)
from storage.vocabulary import OfficerRole


def active_on(model: Any, day: date) -> Any:
    """SQL condition: the row's [valid_from, valid_to] period contains `day`."""
    return (model.valid_from <= day) & or_(model.valid_to.is_(None), model.valid_to >= day)


# --- people -----------------------------------------------------------------------------------------


async def get_person(*, session: AsyncSession, person_id: int) -> Person | None:
    """The person with this id."""
    return await session.get(Person, person_id)


async def find_person(*, session: AsyncSession, ref: str) -> Person | None:
    """A person by card number (spaces and case ignored), or by id when no card matches."""
    card = "".join(ref.split()).upper()
    person = (await session.exec(select(Person).where(Person.card_number == card))).first() if card else None
    if person is None and (person_id := _id(ref)) is not None:
        person = await session.get(Person, person_id)
    return person


async def get_identity(*, session: AsyncSession, platform: str, external_id: str) -> ChatIdentity | None:
    """The linked chat account with this messenger id."""
    query = select(ChatIdentity).where(
        ChatIdentity.platform == platform, ChatIdentity.external_id == external_id
    )
    return (await session.exec(query)).first()


async def identities_of(*, session: AsyncSession, person_ids: Sequence[int]) -> dict[int, list[ChatIdentity]]:
    """Linked chat accounts per person."""
    result: dict[int, list[ChatIdentity]] = {pid: [] for pid in person_ids}
    if not person_ids:
        return result
    rows = await session.exec(select(ChatIdentity).where(col(ChatIdentity.person_id).in_(person_ids)))
    for identity in rows:
        result[identity.person_id].append(identity)
    return result


async def all_identities(*, session: AsyncSession) -> Sequence[ChatIdentity]:
    """Every linked chat account."""
    return (await session.exec(select(ChatIdentity))).all()


# --- organisation -----------------------------------------------------------------------------------


async def find_unit(*, session: AsyncSession, ref: str) -> Unit | None:
    """A unit by id ("12" or "#12") or by its exact name; bot.services.org matches names more loosely."""
    if (unit_id := _id(ref)) is not None:
        return await session.get(Unit, unit_id)
    query = select(Unit).where(Unit.name == ref.strip()).order_by(col(Unit.id))
    return (await session.exec(query)).first()


async def find_cell(*, session: AsyncSession, ref: str) -> Cell | None:
    """A cell by id or by its exact name (the oldest open one if names repeat across units)."""
    if (cell_id := _id(ref)) is not None:
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


def _id(ref: str) -> int | None:
    ref = ref.strip()
    return parse_id(ref, prefix="#" if ref.startswith("#") else "")


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


async def active_delegation(
    *, session: AsyncSession, cell_id: int, person_id: int, day: date
) -> Delegation | None:
    """A running delegation of the cell's secretary duties to this person.

    It runs only while the person who gave it is still the cell's secretary that day: a delegation
    never outlives the secretary's own office.
    """
    giver_is_secretary = (
        select(RoleAssignment.id)
        .where(
            RoleAssignment.person_id == Delegation.from_person_id,
            RoleAssignment.cell_id == cell_id,
            RoleAssignment.role == OfficerRole.SECRETARY,
            active_on(RoleAssignment, day),
        )
        .exists()
    )
    query = select(Delegation).where(
        Delegation.cell_id == cell_id,
        Delegation.to_person_id == person_id,
        col(Delegation.revoked_at).is_(None),
        active_on(Delegation, day),
        giver_is_secretary,
    )
    return (await session.exec(query)).first()


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


# --- settings, change counter, audit ----------------------------------------------------------------


async def prune_processed_updates(*, session: AsyncSession, before: datetime) -> int:
    """Forget update ids handled before `before` (Telegram does not redeliver updates that old)."""
    result = await session.exec(delete(ProcessedUpdate).where(col(ProcessedUpdate.processed_at) < before))
    return int(result.rowcount)


async def get_setting(*, session: AsyncSession, key: str) -> str | None:
    """A stored setting's value."""
    row = await session.get(Setting, key)
    return row.value if row else None


async def set_setting(*, session: AsyncSession, key: str, value: str) -> None:
    """Store a setting."""
    row = await session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
    await session.flush()


async def add_changes(*, session: AsyncSession, at: datetime, touched: Sequence[tuple[str, str]]) -> None:
    """Record what a change touched, for running bots to reload (bot.runtime reads these rows)."""
    for kind, key in touched:
        session.add(Change(at=at, kind=kind, key=key))
    await session.flush()


async def changes_after(*, session: AsyncSession, change_id: int) -> Sequence[Change]:
    """The changes recorded after this id, oldest first."""
    query = select(Change).where(col(Change.id) > change_id).order_by(col(Change.id))
    return (await session.exec(query)).all()


async def last_change_id(*, session: AsyncSession) -> int:
    """The id of the newest change (0 when there is none)."""
    return int((await session.exec(select(func.max(Change.id)))).one() or 0)


async def prune_changes(*, session: AsyncSession, before: datetime) -> int:
    """Forget changes recorded before `before` (every running bot has read them by then)."""
    result = await session.exec(delete(Change).where(col(Change.at) < before))
    return int(result.rowcount)


async def audit(
    *,
    session: AsyncSession,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor_person_id: int | None = None,
) -> None:
    """Write an audit-log entry."""
    session.add(
        AuditLog(
            at=at,
            actor=actor,
            action=action,
            subject=subject,
            before=before,
            after=after,
            actor_person_id=actor_person_id,
        )
    )
    await session.flush()


# --- outbox -----------------------------------------------------------------------------------------


async def queue_outbox(*, session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Insert outbox rows, skipping any whose (purpose, subject, occurrence, recipient) is queued already.

    Returns how many were new. ON CONFLICT DO NOTHING exists on both SQLite and PostgreSQL.
    """
    if not rows:
        return 0
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement: Any = pg_insert(OutboxMessage).on_conflict_do_nothing(constraint="uq_outbox_key")
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(OutboxMessage).on_conflict_do_nothing(
            index_elements=["purpose", "subject", "occurrence", "platform", "chat_id"]
        )
    new = 0
    # Row by row so the count of new rows is exact on both engines (rowcount of a multi-row insert is not).
    for row in rows:
        result = await session.exec(statement.values(**row))
        new += max(result.rowcount, 0)
    return new


async def claim_due_outbox(
    *, session: AsyncSession, now: datetime, limit: int, platforms: Sequence[str] | None = None
) -> list[OutboxMessage]:
    """Take up to `limit` of the oldest due pending messages (for these messengers); mark them being sent.

    One UPDATE with a sub-select is atomic on both engines, so two senders never take the same row,
    and PostgreSQL's SKIP LOCKED lets concurrent transactions take different rows without waiting.
    """
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    due = (
        select(table.c.id)
        .where(table.c.status == "pending", table.c.next_attempt_at <= now)
        .order_by(table.c.next_attempt_at, table.c.id)
        .limit(limit)
    )
    if platforms is not None:
        due = due.where(table.c.platform.in_(platforms))
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    # A materialized CTE runs the sub-select once. Inlined, PostgreSQL may re-run it for each row it
    # updates, and with SKIP LOCKED each run finds another row: it would take more than `limit` rows.
    chosen = due.cte("due").prefix_with("MATERIALIZED")
    statement = (
        update(table)
        .where(table.c.id.in_(select(chosen.c.id)), table.c.status == "pending")
        .values(status="sending", claimed_at=now)
        .returning(*table.c)
    )
    rows = [OutboxMessage(**row._mapping) for row in (await session.exec(statement)).all()]
    # RETURNING gives no order; hand out the oldest first.
    return sorted(rows, key=lambda r: (r.next_attempt_at, r.id or 0))


async def chat_languages(
    *, session: AsyncSession, chats: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], tuple[str | None, str | None]]:
    """For each linked chat: the language its person chose, and the one their messenger last reported."""
    if not chats:
        return {}
    rows = await session.exec(
        select(ChatIdentity, Person)
        .join(Person, col(Person.id) == col(ChatIdentity.person_id))
        .where(tuple_(col(ChatIdentity.platform), col(ChatIdentity.external_id)).in_(list(chats)))
    )
    return {(i.platform, i.external_id): (p.language, i.language_code) for i, p in rows.all()}


async def claim_outbox(*, session: AsyncSession, now: datetime) -> OutboxMessage | None:
    """Take the oldest due pending message, or None when nothing is due."""
    rows = await claim_due_outbox(session=session, now=now, limit=1)
    return rows[0] if rows else None


async def record_outbox(*, session: AsyncSession, message_id: int | None, values: dict[str, Any]) -> None:
    """Write the outcome of a send (Core, not ORM: this runs once per message)."""
    table = OutboxMessage.__table__  # type: ignore[attr-defined]
    await session.exec(update(table).where(table.c.id == message_id).values(**values))


async def outbox_counts(
    *, session: AsyncSession, purpose: str | None = None, subject: str | None = None
) -> dict[tuple[str, str], int]:
    """Message counts by (purpose, status)."""
    query = select(OutboxMessage.purpose, OutboxMessage.status, func.count()).group_by(
        col(OutboxMessage.purpose), col(OutboxMessage.status)
    )
    if purpose is not None:
        query = query.where(OutboxMessage.purpose == purpose)
    if subject is not None:
        query = query.where(OutboxMessage.subject == subject)
    return {(p, s): n for p, s, n in (await session.exec(query)).all()}


# --- choices ----------------------------------------------------------------------------------------


async def add_choice_set(
    *,
    session: AsyncSession,
    platform: str,
    chat_id: str,
    owner_user_id: str,
    options: list[dict[str, str]],
    now: datetime,
) -> ChoiceSet:
    """Store the choices one message offers one person."""
    row = ChoiceSet(
        platform=platform, chat_id=chat_id, owner_user_id=owner_user_id, options=options, created_at=now
    )
    session.add(row)
    await session.flush()
    return row


async def latest_choice_set(
    *, session: AsyncSession, platform: str, chat_id: str, owner_user_id: str
) -> ChoiceSet | None:
    """The choices last shown to this person in this chat."""
    query = (
        select(ChoiceSet)
        .where(
            ChoiceSet.platform == platform,
            ChoiceSet.chat_id == chat_id,
            ChoiceSet.owner_user_id == owner_user_id,
        )
        .order_by(col(ChoiceSet.id).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()


async def prune_choice_sets(*, session: AsyncSession, before: datetime) -> int:
    """Forget choices shown before `before`; their buttons then say the choice is no longer open."""
    result = await session.exec(delete(ChoiceSet).where(col(ChoiceSet.created_at) < before))
    return int(result.rowcount)

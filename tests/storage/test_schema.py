"""The database schema on both engines: migrations match the models, and the database enforces its rules."""

from __future__ import annotations

import ast
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from bot.services import audit, people
from storage import migrate, repo
from storage.db import Sessions, make_engine, make_sessions
from storage.models import Cell, Membership, OutboxMessage, Person, RoleAssignment, Unit
from tests.support import add_commune_with_cell

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
TODAY = date(2026, 11, 26)
VERSIONS = Path(migrate.MIGRATIONS) / "versions"


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Sessions]:
    """Sessions on a migrated, empty database; the engine is disposed afterwards."""
    engine = make_engine(database_url)
    try:
        yield make_sessions(engine)
    finally:
        await engine.dispose()


@dataclass
class Org:
    unit: Unit
    cell: Cell
    person: Person


async def make_org(sessions: Sessions) -> Org:
    """A unit with one cell and one member in it, committed."""
    async with sessions.begin() as session:
        unit, cell = await add_commune_with_cell(session, NOW, "Xã Thái Bình", "Chi bộ thôn 3")
        person = await people.add_person(
            session=session,
            full_name="Hoàng Văn Thắng",
            cell=cell,
            actor=audit.CLI,
            now=NOW,
            today=TODAY,
            card_number="93.097948",
        )
    return Org(unit, cell, person)


def outbox_row(**overrides: Any) -> dict[str, Any]:
    """Values for one outbox row; override what the test is about."""
    row: dict[str, Any] = {
        "purpose": "announcement",
        "subject": "announcement:1",
        "occurrence": "once",
        "platform": "telegram",
        "chat_id": "1001",
        "text": "Họp chi bộ tối nay",
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": NOW,
        "created_at": NOW,
    }
    row.update(overrides)
    return row


async def count(sessions: Sessions, model: Any) -> int:
    async with sessions() as session:
        return (await session.exec(select(func.count()).select_from(model))).one()


def newest_revision() -> str:
    """The `revision` declared in the last migration file."""
    newest = sorted(p for p in VERSIONS.glob("*.py") if not p.name.startswith("_"))[-1]
    for node in ast.parse(newest.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            if any(isinstance(t, ast.Name) and t.id == "revision" for t in targets):
                assert node.value is not None
                return str(ast.literal_eval(node.value))
    raise AssertionError(f"{newest.name} declares no revision")


# --- migrations ---------------------------------------------------------------------------------


async def test_the_migrated_schema_matches_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert await migrate.schema_drift(engine) == []
    finally:
        await engine.dispose()


async def test_the_database_is_at_the_newest_migration(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert await migrate.current_revision(engine) == newest_revision()
    finally:
        await engine.dispose()


async def test_upgrading_an_up_to_date_database_changes_nothing(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        await migrate.upgrade(engine)
        assert await migrate.current_revision(engine) == newest_revision()
        assert await migrate.schema_drift(engine) == []
    finally:
        await engine.dispose()


# --- constraints --------------------------------------------------------------------------------


async def test_a_membership_in_a_cell_that_does_not_exist_is_refused(sessions: Sessions) -> None:
    seeded = await make_org(sessions)
    assert seeded.person.id is not None
    with pytest.raises(IntegrityError):
        async with sessions.begin() as session:
            session.add(Membership(person_id=seeded.person.id, cell_id=987654, valid_from=TODAY))
    assert await count(sessions, Membership) == 1


async def test_two_people_cannot_share_a_card_number(sessions: Sessions) -> None:
    seeded = await make_org(sessions)
    with pytest.raises(IntegrityError):
        async with sessions.begin() as session:
            session.add(
                Person(
                    full_name="Nguyễn Văn Khác",
                    name_key="nguyễn văn khác",
                    card_number=seeded.person.card_number,
                    created_at=NOW,
                )
            )
    assert await count(sessions, Person) == 1


async def test_a_second_raw_insert_of_the_same_outbox_key_is_refused(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        await session.exec(insert(OutboxMessage).values(**outbox_row()))
    with pytest.raises(IntegrityError):
        async with sessions.begin() as session:
            await session.exec(insert(OutboxMessage).values(**outbox_row(text="another text")))
    assert await count(sessions, OutboxMessage) == 1


async def test_queueing_an_outbox_key_again_inserts_nothing_and_counts_zero(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        assert await repo.queue_outbox(session=session, rows=[outbox_row()]) == 1
    async with sessions.begin() as session:
        assert await repo.queue_outbox(session=session, rows=[outbox_row(text="another text")]) == 0
    assert await count(sessions, OutboxMessage) == 1


async def test_queueing_counts_only_the_new_rows_of_a_batch(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        await repo.queue_outbox(session=session, rows=[outbox_row(chat_id="1001")])
    async with sessions.begin() as session:
        rows = [outbox_row(chat_id="1001"), outbox_row(chat_id="1002"), outbox_row(chat_id="1002")]
        assert await repo.queue_outbox(session=session, rows=rows) == 1
    assert await count(sessions, OutboxMessage) == 2


@pytest.mark.parametrize("scope", ["both a cell and a unit", "neither a cell nor a unit"])
async def test_a_role_assignment_needs_exactly_one_scope(sessions: Sessions, scope: str) -> None:
    seeded = await make_org(sessions)
    assert seeded.person.id is not None
    both = scope.startswith("both")
    with pytest.raises(IntegrityError):
        async with sessions.begin() as session:
            session.add(
                RoleAssignment(
                    person_id=seeded.person.id,
                    role="committee_member",
                    cell_id=seeded.cell.id if both else None,
                    unit_id=seeded.unit.id if both else None,
                    valid_from=TODAY,
                )
            )
    assert await count(sessions, RoleAssignment) == 0


# --- claiming outbox rows -----------------------------------------------------------------------


async def test_a_due_pending_message_is_claimed_once(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        await repo.queue_outbox(
            session=session, rows=[outbox_row(next_attempt_at=NOW - timedelta(minutes=1))]
        )
    async with sessions.begin() as session:
        claimed = await repo.claim_outbox(session=session, now=NOW)
    assert claimed is not None
    assert (claimed.status, claimed.claimed_at) == ("sending", NOW)
    async with sessions.begin() as session:
        assert await repo.claim_outbox(session=session, now=NOW + timedelta(seconds=1)) is None
    async with sessions() as session:
        stored = await session.get(OutboxMessage, claimed.id)
        assert stored is not None and stored.status == "sending"


async def test_a_message_due_later_is_not_claimed_until_it_is_due(sessions: Sessions) -> None:
    later = NOW + timedelta(hours=1)
    async with sessions.begin() as session:
        await repo.queue_outbox(session=session, rows=[outbox_row(next_attempt_at=later)])
    async with sessions.begin() as session:
        assert await repo.claim_outbox(session=session, now=NOW) is None
    async with sessions.begin() as session:
        claimed = await repo.claim_outbox(session=session, now=later)
    assert claimed is not None and claimed.next_attempt_at == later


async def test_claiming_skips_a_future_message_and_takes_the_due_one(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        await repo.queue_outbox(
            session=session,
            rows=[
                outbox_row(chat_id="future", next_attempt_at=NOW + timedelta(hours=1)),
                outbox_row(chat_id="due", next_attempt_at=NOW - timedelta(seconds=5)),
            ],
        )
    async with sessions.begin() as session:
        first = await repo.claim_outbox(session=session, now=NOW)
    async with sessions.begin() as session:
        second = await repo.claim_outbox(session=session, now=NOW)
    assert first is not None and first.chat_id == "due"
    assert second is None


async def test_messages_that_are_not_pending_are_never_claimed(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        rows = [
            outbox_row(chat_id=status, status=status, next_attempt_at=NOW - timedelta(minutes=1))
            for status in ("sending", "sent", "failed", "unreachable")
        ]
        assert await repo.queue_outbox(session=session, rows=rows) == 4
    async with sessions.begin() as session:
        assert await repo.claim_outbox(session=session, now=NOW) is None


async def test_the_oldest_due_message_is_claimed_first(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        await repo.queue_outbox(
            session=session,
            rows=[
                outbox_row(chat_id="newer", next_attempt_at=NOW - timedelta(minutes=1)),
                outbox_row(chat_id="older", next_attempt_at=NOW - timedelta(minutes=5)),
            ],
        )
    claimed = []
    for _ in range(2):
        async with sessions.begin() as session:
            row = await repo.claim_outbox(session=session, now=NOW)
            assert row is not None
            claimed.append(row.chat_id)
    assert claimed == ["older", "newer"]

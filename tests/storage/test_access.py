"""The rules behind the permission table: who holds which role towards a cell or unit on a day."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.permissions import BY_NAME, Role
from bot.services import access, audit, people, roles, units
from storage.db import Sessions, make_engine, make_sessions
from storage.models import Cell, Delegation, Membership, Unit
from tests.support import TODAY, FakeClock, Seed, seed


@pytest.fixture
async def world(database_url: str, clock: FakeClock) -> AsyncIterator[tuple[Sessions, Seed]]:
    engine = make_engine(database_url)
    sessions = make_sessions(engine)
    yield sessions, await seed(sessions, clock, link=False)
    await engine.dispose()


async def roles_of(sessions: Sessions, person: int, cell_id: int, day=TODAY) -> set[Role]:  # noqa: ANN001
    async with sessions() as session:
        cell = await session.get(Cell, cell_id)
        assert cell is not None
        return await access.roles_in_cell(session=session, person_id=person, cell=cell, day=day)


async def test_an_organiser_of_the_province_organises_every_cell_below_it(
    world: tuple[Sessions, Seed], clock: FakeClock
) -> None:
    sessions, s = world
    async with sessions.begin() as session:
        person = await people.require_person(session, str(s.people["other_member"]))
        province = await session.get(Unit, s.province)
        await roles.grant_role(
            session=session,
            person=person,
            role="organiser",
            unit=province,
            actor=audit.CLI,
            now=clock(),
            today=TODAY,
        )
    assert Role.ORGANISER in await roles_of(sessions, s.people["other_member"], s.cell)
    assert Role.ORGANISER in await roles_of(sessions, s.people["other_member"], s.other_cell)
    assert Role.ORGANISER not in await roles_of(sessions, s.people["organiser"], s.other_cell), (
        "a sibling unit"
    )


async def test_a_delegation_makes_the_deputy_secretary_only_between_its_dates(
    world: tuple[Sessions, Seed], clock: FakeClock
) -> None:
    sessions, s = world
    async with sessions.begin() as session:
        session.add(
            Delegation(
                cell_id=s.cell,
                from_person_id=s.people["secretary"],
                to_person_id=s.people["deputy"],
                valid_from=TODAY + timedelta(days=1),
                valid_to=TODAY + timedelta(days=3),
                created_at=clock(),
            )
        )
    deputy = s.people["deputy"]
    assert Role.ACTING_SECRETARY not in await roles_of(sessions, deputy, s.cell, TODAY)
    assert Role.ACTING_SECRETARY in await roles_of(sessions, deputy, s.cell, TODAY + timedelta(days=1))
    assert Role.ACTING_SECRETARY in await roles_of(sessions, deputy, s.cell, TODAY + timedelta(days=3))
    assert Role.ACTING_SECRETARY not in await roles_of(sessions, deputy, s.cell, TODAY + timedelta(days=4))
    assert Role.SECRETARY not in await roles_of(sessions, deputy, s.cell, TODAY + timedelta(days=1)), (
        "acting is not holding the office: only the secretary delegates"
    )


async def test_a_revoked_role_stops_the_same_day(world: tuple[Sessions, Seed], clock: FakeClock) -> None:
    sessions, s = world
    later = TODAY + timedelta(days=30)
    async with sessions.begin() as session:
        person = await people.require_person(session, str(s.people["committee"]))
        cell = await units.require_cell(session, str(s.cell))
        await roles.revoke_role(
            session=session,
            person=person,
            role="committee_member",
            cell=cell,
            actor=audit.CLI,
            now=clock(),
            today=later,
        )
    assert Role.COMMITTEE in await roles_of(
        sessions, s.people["committee"], s.cell, later - timedelta(days=1)
    )
    assert await roles_of(sessions, s.people["committee"], s.cell, later) == {Role.MEMBER}


async def test_a_residence_tie_makes_a_213_member_a_member_of_the_village_cell(
    world: tuple[Sessions, Seed],
) -> None:
    sessions, s = world
    async with sessions.begin() as session:
        session.add(
            Membership(person_id=s.people["other_member"], cell_id=s.cell, kind="residence", valid_from=TODAY)
        )
    assert await roles_of(sessions, s.people["other_member"], s.cell) == {Role.MEMBER}
    assert not (BY_NAME["members"].roles & {Role.MEMBER}), "a plain member still cannot list the cell"

"""The charter count from the database (bot.services.charter): it follows the person across cells, ignores
a residence tie, a not-recorded meeting, cancelled and exempt months, and counts a month once when the
member was both absent and unpaid; the secretary is told once per level; on both engines."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from bot.meetings.rules import Kind, Rules
from bot.services import attendance, audit, charter, dues, meetings, people
from storage.db import Sessions, make_engine, make_sessions
from storage.models import Cell, Exemption, Membership, OutboxMessage, Person, RoleAssignment
from tests.support import add_commune_with_cell

HANOI = timedelta(hours=7)
RULES = Rules()
TODAY = date(2026, 11, 26)
NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


@dataclass
class World:
    sessions: Sessions
    village: Cell
    other: Cell
    ana: Person  # the member whose count is followed
    bao: Person  # a colleague, present at every meeting
    secretary: Person


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    engine = make_engine(database_url)
    sessions = make_sessions(engine)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    async with sessions.begin() as session:
        _, village = await add_commune_with_cell(session, start, "Xã Thái Bình", "Chi bộ thôn 3")
        _, other = await add_commune_with_cell(session, start, "Xã Kim Phú", "Chi bộ thôn 7")
        made = []
        for name, cell in (("Nông Thị An", village), ("Lê Văn Bảo", village), ("Hoàng Văn Thắng", other)):
            made.append(
                await people.add_person(
                    session=session,
                    full_name=name,
                    cell=cell,
                    actor=audit.CLI,
                    now=start,
                    today=date(2026, 1, 1),
                )
            )
        ana, bao, secretary = made
        # Ana moves from thôn 3 to thôn 7 on 01/07/2026, and is a "213" member of thôn 3 from then on.
        tie = (await session.exec(select(Membership).where(Membership.person_id == ana.id))).one()
        tie.valid_to = date(2026, 6, 30)
        session.add(Membership(person_id=ana.id or 0, cell_id=other.id or 0, valid_from=date(2026, 7, 1)))
        session.add(
            Membership(
                person_id=ana.id or 0, cell_id=village.id or 0, kind="residence", valid_from=date(2026, 7, 1)
            )
        )
        session.add(
            RoleAssignment(
                person_id=secretary.id or 0, role="secretary", cell_id=other.id, valid_from=date(2026, 1, 1)
            )
        )
    try:
        yield World(sessions, village, other, ana, bao, secretary)
    finally:
        await engine.dispose()


async def held(world: World, cell: Cell, day: date, *, came: set[int], kind: Kind = Kind.REGULAR) -> None:
    """A meeting of the cell at 19:30 on `day`, recorded afterwards with who came (the rest unexcused)."""
    starts = datetime(day.year, day.month, day.day, 19, 30, tzinfo=UTC) - HANOI
    async with world.sessions.begin() as session:
        meeting = await meetings.create(
            session=session,
            cell=cell,
            plan=meetings.Plan(kind=kind, starts_at=starts, place="Nhà văn hóa"),
            actor=audit.CLI,
            now=starts - timedelta(days=3),
            rules=RULES,
            default_length=timedelta(hours=2),
            tz=UTC,
        )
        await attendance.record_late(
            session=session,
            meeting=meeting,
            came=came,
            verdicts={},
            actor=audit.CLI,
            now=starts + timedelta(days=1),
            rules=RULES,
            tz=UTC,
        )


async def count(world: World, today: date = TODAY) -> charter.CharterCount:
    async with world.sessions() as session:
        return await charter.count(
            session=session, person_id=world.ana.id or 0, year=2026, today=today, rules=RULES
        )


async def pay_all(world: World, person: Person, months: range, *, but: tuple[int, ...] = ()) -> None:
    async with world.sessions.begin() as session:
        for month in months:
            if month not in but:
                await dues.tick(
                    session=session,
                    person=person,
                    month=date(2026, month, 1),
                    actor=audit.CLI,
                    now=NOW,
                    today=date(2026, month, 20),
                )


async def test_the_count_follows_the_member_across_cells_and_ignores_the_residence_tie(world: World) -> None:
    await pay_all(world, world.ana, range(1, 12))
    bao = world.bao.id or 0
    await held(world, world.village, date(2026, 2, 10), came={bao})  # absent, thôn 3 (primary then)
    await held(world, world.village, date(2026, 9, 10), came={bao})  # absent, but only a residence tie
    await held(world, world.other, date(2026, 10, 10), came=set())  # absent, thôn 7 (primary now)
    result = await count(world)
    assert result.absent_months == {date(2026, 2, 1), date(2026, 10, 1)}
    assert result.level(RULES) == "warn"


async def test_a_thematic_meeting_and_a_not_recorded_month_never_count_for_attendance(world: World) -> None:
    await pay_all(world, world.ana, range(1, 12))
    await held(world, world.village, date(2026, 3, 10), came=set(), kind=Kind.THEMATIC)
    async with world.sessions.begin() as session:
        starts = datetime(2026, 4, 10, 12, 30, tzinfo=UTC)
        await meetings.create(
            session=session,
            cell=world.village,
            plan=meetings.Plan(kind=Kind.REGULAR, starts_at=starts, place="Nhà văn hóa"),
            actor=audit.CLI,
            now=starts - timedelta(days=3),
            rules=RULES,
            default_length=timedelta(hours=2),
            tz=UTC,
        )  # never opened nor recorded: nobody is absent
    assert (await count(world)).months == ()


async def test_a_cell_that_keeps_its_dues_elsewhere_has_no_unpaid_months(world: World) -> None:
    # Nobody's dues were ever ticked in the bot: the dues book is on paper, so no month is "unpaid".
    assert (await count(world)).unpaid_months == frozenset()


async def test_a_month_absent_and_unpaid_counts_once_and_exempt_months_not_at_all(world: World) -> None:
    await pay_all(world, world.bao, range(1, 12))
    await pay_all(world, world.ana, range(1, 12), but=(2, 5))
    await held(world, world.village, date(2026, 2, 10), came=set())  # absent and unpaid: one month
    await held(world, world.village, date(2026, 5, 10), came=set())  # absent and unpaid, but exempt in May
    async with world.sessions.begin() as session:
        session.add(
            Exemption(
                person_id=world.ana.id or 0,
                valid_from=date(2026, 5, 3),
                valid_to=date(2026, 5, 31),
                reason="Ốm",
            )
        )
    result = await count(world)
    assert result.months == (date(2026, 2, 1),)
    # November's dues are not unpaid before the end of December.
    assert date(2026, 11, 1) not in (await count(world, today=date(2026, 12, 31))).unpaid_months


async def test_dues_alone_reach_the_flag_and_the_secretary_is_told_once_per_level(world: World) -> None:
    await pay_all(world, world.bao, range(1, 12))  # the cell keeps its dues in the bot
    await pay_all(world, world.ana, range(1, 12), but=(1, 2, 3))
    async with world.sessions.begin() as session:
        for _ in range(2):  # checked twice (two meetings closing): one message per level
            result = await charter.check(
                session=session,
                person=world.ana,
                cell_id=world.other.id or 0,
                today=TODAY,
                now=NOW,
                rules=RULES,
            )
    assert result.level(RULES) == "flag" and len(result.months) == 3
    async with world.sessions() as session:
        told = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.purpose == charter.PURPOSE))
        ).all()
    assert [(m.person_id, m.occurrence) for m in told] == [(world.secretary.id, "flag")]


async def test_counting_a_whole_cell_at_once_gives_each_member_their_own_count(world: World) -> None:
    # The roll call counts a cell's members together (charter.counts): each must get exactly what
    # counting them alone gives, whoever else is in the batch.
    await pay_all(world, world.bao, range(1, 12), but=(4,))
    await pay_all(world, world.ana, range(1, 12), but=(2, 5))
    await held(world, world.village, date(2026, 2, 10), came={world.bao.id or 0})
    await held(world, world.village, date(2026, 3, 10), came={world.ana.id or 0})
    ids = [world.ana.id or 0, world.bao.id or 0, world.secretary.id or 0]
    async with world.sessions() as session:
        together = await charter.counts(session=session, person_ids=ids, year=2026, today=TODAY, rules=RULES)
        alone = {
            pid: await charter.count(session=session, person_id=pid, year=2026, today=TODAY, rules=RULES)
            for pid in ids
        }
    assert together == alone
    assert together[world.ana.id or 0].months == (date(2026, 2, 1), date(2026, 5, 1))
    assert together[world.bao.id or 0].months == (date(2026, 3, 1), date(2026, 4, 1))
    # Thôn 7 keeps its dues in the bot from July, when Ana's were ticked there: its secretary owes from then.
    assert min(together[world.secretary.id or 0].unpaid_months) == date(2026, 7, 1)
    async with world.sessions() as session:
        assert await charter.counts(session=session, person_ids=[], year=2026, today=TODAY, rules=RULES) == {}


async def test_names_are_read_once_per_session_and_a_rename_in_it_shows(world: World) -> None:
    ids = [world.ana.id or 0, world.bao.id or 0]
    async with world.sessions.begin() as session:
        assert await meetings.names_of(session, ids) == {ids[0]: "Nông Thị An", ids[1]: "Lê Văn Bảo"}
        ana = await session.get(Person, ids[0])
        assert ana is not None
        ana.full_name = "Nông Thị Ân"
        assert (await meetings.names_of(session, ids))[ids[0]] == "Nông Thị Ân"
    async with world.sessions() as session:  # a new session reads the database again
        assert (await meetings.names_of(session, ids))[ids[0]] == "Nông Thị Ân"
        assert await meetings.names_of(session, [999_999]) == {}
        ana = await session.get(Person, ids[0])
        assert ana is not None
        ana.full_name = "Nông Thị Anh"  # never committed
        assert (await meetings.names_of(session, ids))[ids[0]] == "Nông Thị Anh"
        await session.rollback()
        assert (await meetings.names_of(session, ids))[ids[0]] == "Nông Thị Ân"

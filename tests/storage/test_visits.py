"""Households and visits from the database (bot.services.visits), on both engines: the marks of each
household for a fixed history, coverage per member, writing a visit, reassigning, retiring and editing a
household, a member leaving, a re-import, follow-ups, residents' requests and the overdue reminders.

Chi bộ thôn 3 as seeded on 26/11/2026: Thắng (T, secretary), Hoa (H, deputy), Bình (B, committee),
Ân (A, member), plus a plain member Cường (C) with no households. Thôn 7 has Phạm Thị Lan (P).

    household                          member  assigned    visits (visitor)          follow-up / request
    a1 Vũ Văn Nam, Xóm Việt Tiến       A       01/12/2026  10/12/2026, 03/02/2027    due 25/12 open, req.;
                                                                                     due 20/02 open
    a2 Bùi Văn Tuấn, Xóm Việt Thắng    A       01/12/2026  20/12/2026                due 10/01 closed
    a3 Lý Văn Lâm, Xóm Việt Thắng      A       01/12/2026  01/01/2027                request
    a4 Trần Công Cường, Xóm Việt Thắng A       01/12/2026  -
    b1 Hà Ngọc Long, Xóm Việt Tiến     B       01/01/2027  -
    b2 Nông Văn Hải, Xóm Việt Tiến     B       02/01/2027  10/02/2027                due 28/02 open, req.
    b3 Đỗ Văn Dũng, Xóm Ngành Nghề     B       01/12/2026  31/12/2026
    u1 Lê Văn Sơn, Xóm Ngành Nghề      nobody
    r1 Quan Hữu An, Xóm Ngành Nghề     A       01/12/2026  (moved away: inactive)
    p1 Lương Văn Quân, Xóm Việt Thắng  P (thôn 7) 01/12/2026  15/01/2027                request

Overdue = not visited since the start of the previous period although assigned for the whole of it.

    on 15/02/2027, month (previous: January, from 01/01): overdue a2 (20/12), a4 (never), b1 (assigned
        01/01, never), b3 (31/12); not a3 (01/01 is in January), not b2 (assigned 02/01). Covered in
        February: a1, b2.
    on 05/03/2027, month (previous: February, from 01/02): overdue a2 a3 a4 b1 b3; not a1 (03/02), not
        b2 (10/02). Covered in March: none.
    on 05/03/2027, quarter (previous: Q4/2026, from 01/10/2026): nobody had a household all of Q4 → none
        overdue. Covered in Q1: a1, a3, b2.
    on 10/04/2027, quarter (previous: Q1, from 01/01): overdue a2 a4 b1 b3; not a1 a3 (visited in Q1),
        not b2 (assigned 02/01). Covered in Q2: none.

Members sort by given name (Ân < Bình, the reverse of their ids), households by the head's given name.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import VisitsConfig
from bot.errors import UserError
from bot.meetings.visits import DayError, PeriodKind
from bot.names import name_key
from bot.permissions import Role
from bot.services import audit, imports, people, records, visits
from bot.services.audit import Actor
from storage.db import Sessions, make_engine, make_sessions
from storage.models import (
    AuditLog,
    Cell,
    Household,
    HouseholdAssignment,
    OutboxMessage,
    Person,
    Visit,
)
from tests.support import TODAY, FakeClock, Seed, add_commune_with_cell, seed

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
MONTH, QUARTER = PeriodKind.MONTH, PeriodKind.QUARTER
SAMPLES = Path(__file__).resolve().parents[2] / "bot" / "samples"

THANG, TIEN, NGHE = "Xóm Việt Thắng, thôn 3", "Xóm Việt Tiến, thôn 3", "Xóm Ngành Nghề, thôn 3"


def hanoi(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=HANOI)


@dataclass
class World:
    sessions: Sessions
    s: Seed
    ids: dict[str, int] = field(default_factory=dict)  # T H B A C (thôn 3), P (thôn 7)
    hh: dict[str, int] = field(default_factory=dict)  # a1 .. p1 -> household id
    visit: dict[str, int] = field(default_factory=dict)  # labels below -> visit id

    def key_of(self, person_id: int | None) -> str | None:
        return None if person_id is None else {v: k for k, v in self.ids.items()}[person_id]

    def label_of(self, household_id: int) -> str:
        return {v: k for k, v in self.hh.items()}[household_id]

    def who(self, key: str) -> Actor:
        return Actor("test", self.ids[key])

    async def cell(self, session: AsyncSession, cell_id: int | None = None) -> Cell:
        found = await session.get(Cell, cell_id or self.s.cell)
        assert found is not None
        return found

    async def rows(
        self, day: date, kind: PeriodKind = MONTH, person: str | None = None, cell_id: int | None = None
    ) -> list[visits.HouseholdRow]:
        async with self.sessions() as session:
            return await visits.households(
                session,
                cell_id or self.s.cell,
                day=day,
                kind=kind,
                person_id=self.ids[person] if person else None,
            )

    async def marks(
        self, day: date, kind: PeriodKind = MONTH, person: str | None = None
    ) -> list[tuple[str, str | None, date | None, bool, bool, int]]:
        """(household, member, last visit, covered, overdue, open follow-ups) in the list's order."""
        return [
            (
                self.label_of(r.id),
                self.key_of(r.person_id),
                r.last_visit,
                r.covered,
                r.overdue,
                r.open_follow_ups,
            )
            for r in await self.rows(day, kind, person)
        ]

    async def flags(self, day: date, kind: PeriodKind) -> tuple[set[str], set[str]]:
        """The households covered, and those overdue."""
        rows = await self.rows(day, kind)
        return {self.label_of(r.id) for r in rows if r.covered}, {
            self.label_of(r.id) for r in rows if r.overdue
        }

    async def history(self, label: str) -> list[tuple[str | None, date, date | None]]:
        async with self.sessions() as session:
            rows = (
                await session.exec(
                    select(HouseholdAssignment)
                    .where(HouseholdAssignment.household_id == self.hh[label])
                    .order_by(col(HouseholdAssignment.valid_from), col(HouseholdAssignment.id))
                )
            ).all()
        return [(self.key_of(r.person_id), r.valid_from, r.valid_to) for r in rows]

    async def audits(self, action: str) -> list[AuditLog]:
        async with self.sessions() as session:
            query = select(AuditLog).where(AuditLog.action == action).order_by(col(AuditLog.id))
            return list((await session.exec(query)).all())

    async def record(self, who: str, label: str, day: date, today: date, **answers: object) -> Visit:
        async with self.sessions.begin() as session:
            return await visits.record_visit(
                session=session,
                cell=await self.cell(session),
                person_id=self.ids[who],
                household_id=self.hh[label],
                form=visits.VisitForm(day=day, **answers),  # type: ignore[arg-type]
                today=today,
                kind=MONTH,
                actor=self.who(who),
                now=hanoi(today.year, today.month, today.day, 15),
            )

    async def reassign(self, label: str, to: str, today: date) -> bool:
        async with self.sessions.begin() as session:
            household = await session.get(Household, self.hh[label])
            assert household is not None
            return await visits.reassign(
                session=session,
                cell=await self.cell(session),
                household=household,
                person_id=self.ids[to],
                today=today,
                actor=self.who("T"),
                now=hanoi(today.year, today.month, today.day, 11),
            )

    async def edit(self, label: str, field_name: str, value: str, when: datetime) -> Household:
        async with self.sessions.begin() as session:
            household = await session.get(Household, self.hh[label])
            assert household is not None
            await visits.edit(
                session=session,
                household=household,
                field=field_name,
                value=value,
                actor=self.who("T"),
                now=when,
            )
        async with self.sessions() as session:
            fresh = await session.get(Household, self.hh[label])
            assert fresh is not None
            return fresh

    async def follow_ups(self, person: str | None = None) -> list[str]:
        """The open follow-ups of thôn 3 (or a member's), as visit labels, in the list's order."""
        async with self.sessions() as session:
            found = await visits.follow_ups(
                session, self.s.cell, person_id=self.ids[person] if person else None
            )
        names = {v: k for k, v in self.visit.items()}
        return [names[f.visit.id or 0] for f in found]

    async def close(self, visit: str, who: str, roles: set[Role], when: datetime) -> visits.FollowUp:
        async with self.sessions.begin() as session:
            return await visits.close_follow_up(
                session=session,
                cell=await self.cell(session),
                visit_id=self.visit[visit],
                person_id=self.ids[who],
                roles=roles,
                note="  Đã báo xã  ",
                actor=self.who(who),
                now=when,
            )

    async def nudges(self) -> list[OutboxMessage]:
        async with self.sessions() as session:
            query = (
                select(OutboxMessage)
                .where(OutboxMessage.purpose == visits.NUDGE_PURPOSE)
                .order_by(col(OutboxMessage.id))
            )
            return list((await session.exec(query)).all())

    async def nudge(self, now: datetime, every: timedelta = timedelta(days=7)) -> int:
        async with self.sessions.begin() as session:
            return await visits.nudge_overdue(
                session=session, cell=await self.cell(session), now=now, tz=HANOI, kind=MONTH, every=every
            )

    async def nudge_all(self, now: datetime, config: VisitsConfig | None = None) -> int:
        async with self.sessions.begin() as session:
            return await visits.nudge_all(
                session=session, now=now, default_tz=HANOI, config=config or VisitsConfig()
            )


def _household(cell_id: int, head: str, address: str, *, active: bool = True) -> Household:
    return Household(
        cell_id=cell_id,
        head_name=head,
        head_key=name_key(head),
        address=address,
        address_key=name_key(address),
        people=4,
        created_at=datetime(2026, 11, 30, 3, tzinfo=UTC),
        active=active,
    )


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    """The households and visits of the table above."""
    engine = make_engine(database_url)
    sessions = make_sessions(engine)
    clock = FakeClock(hanoi(2026, 11, 26, 10))
    try:
        s = await seed(sessions, clock)
        w = World(sessions, s)
        w.ids.update(
            T=s.people["secretary"],
            H=s.people["deputy"],
            B=s.people["committee"],
            A=s.people["member"],
            P=s.people["other_member"],
        )
        async with sessions.begin() as session:
            cell = await w.cell(session)
            cuong = await people.add_person(
                session=session,
                full_name="Ma Văn Cường",
                cell=cell,
                actor=audit.CLI,
                now=clock(),
                today=TODAY,
            )
            assert cuong.id is not None
            w.ids["C"] = cuong.id
            # Inserted in an order unlike the list's, so the list's order is the service's doing.
            plan = [
                ("b3", s.cell, "Đỗ Văn Dũng", NGHE, "B", date(2026, 12, 1), True),
                ("b1", s.cell, "Hà Ngọc Long", TIEN, "B", date(2027, 1, 1), True),
                ("b2", s.cell, "Nông Văn Hải", TIEN, "B", date(2027, 1, 2), True),
                ("a2", s.cell, "Bùi Văn Tuấn", THANG, "A", date(2026, 12, 1), True),
                ("a1", s.cell, "Vũ Văn Nam", TIEN, "A", date(2026, 12, 1), True),
                ("r1", s.cell, "Quan Hữu An", NGHE, "A", date(2026, 12, 1), False),
                ("a4", s.cell, "Trần Công Cường", THANG, "A", date(2026, 12, 1), True),
                ("a3", s.cell, "Lý Văn Lâm", THANG, "A", date(2026, 12, 1), True),
                ("u1", s.cell, "Lê Văn Sơn", NGHE, None, None, True),
                ("p1", s.other_cell, "Lương Văn Quân", THANG, "P", date(2026, 12, 1), True),
            ]
            for label, cell_id, head, address, who, since, active in plan:
                household = _household(cell_id, head, address, active=active)
                session.add(household)
                await session.flush()
                assert household.id is not None
                w.hh[label] = household.id
                if who is not None and since is not None:
                    session.add(
                        HouseholdAssignment(household_id=household.id, person_id=w.ids[who], valid_from=since)
                    )
            history = [
                # label, household, visitor, day, request, follow-up due, closed
                (
                    "a1-dec",
                    "a1",
                    "A",
                    date(2026, 12, 10),
                    "Đề nghị sửa đường liên thôn",
                    date(2026, 12, 25),
                    False,
                ),
                ("a2-dec", "a2", "A", date(2026, 12, 20), None, date(2027, 1, 10), True),
                ("b3-dec", "b3", "B", date(2026, 12, 31), None, None, False),
                ("a3-jan", "a3", "A", date(2027, 1, 1), "Kiến nghị về nước sạch", None, False),
                ("p1-jan", "p1", "P", date(2027, 1, 15), "Xin sửa cầu", None, False),
                ("a1-feb", "a1", "A", date(2027, 2, 3), None, date(2027, 2, 20), False),
                (
                    "b2-feb",
                    "b2",
                    "B",
                    date(2027, 2, 10),
                    "Xin hỗ trợ bảo hiểm y tế",
                    date(2027, 2, 28),
                    False,
                ),
            ]
            for label, household_label, who, day, request, due, closed in history:
                visit = Visit(
                    household_id=w.hh[household_label],
                    cell_id=s.other_cell if household_label == "p1" else s.cell,
                    person_id=w.ids[who],
                    visited_on=day,
                    met="Chủ hộ",
                    topics=["housing"],
                    request=request,
                    follow_up_due=due,
                    follow_up_closed_at=hanoi(2027, 1, 9) if closed else None,
                    follow_up_closed_by_person_id=w.ids[who] if closed else None,
                    created_at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
                )
                session.add(visit)
                await session.flush()
                assert visit.id is not None
                w.visit[label] = visit.id
        yield w
    finally:
        await engine.dispose()


# ------------------------------------------------------------------------------------- households()


async def test_the_marks_of_each_household_in_the_middle_of_february_by_month(world: World) -> None:
    # Unassigned first; then Ân before Bình (given names); each member's by the head's given name.
    assert await world.marks(date(2027, 2, 15)) == [
        ("u1", None, None, False, False, 0),
        ("a4", "A", None, False, True, 0),  # Cường: never visited
        ("a3", "A", date(2027, 1, 1), False, False, 0),  # Lâm: visited on January's first day
        ("a1", "A", date(2027, 2, 3), True, False, 2),  # Nam: two open follow-ups
        ("a2", "A", date(2026, 12, 20), False, True, 0),  # Tuấn: its one follow-up is closed
        ("b3", "B", date(2026, 12, 31), False, True, 0),  # Dũng: last visit the day before January
        ("b2", "B", date(2027, 2, 10), True, False, 1),  # Hải: assigned 02/01, not all of January
        ("b1", "B", None, False, True, 0),  # Long: assigned 01/01, all of January
    ]


async def test_the_marks_move_with_the_month_and_differ_by_quarter(world: World) -> None:
    march = date(2027, 3, 5)
    assert await world.flags(march, MONTH) == (set(), {"a2", "a3", "a4", "b1", "b3"})
    assert await world.flags(march, QUARTER) == ({"a1", "a3", "b2"}, set())
    assert await world.flags(date(2027, 2, 15), QUARTER) == ({"a1", "a3", "b2"}, set())
    assert await world.flags(date(2027, 4, 10), QUARTER) == (set(), {"a2", "a4", "b1", "b3"})
    # The first day of a quarter: the previous one (Q1) is what counts, and its visits no longer cover.
    assert await world.flags(date(2027, 4, 1), QUARTER) == (set(), {"a2", "a4", "b1", "b3"})
    # The last day of March: still Q1, and nobody had a household all of Q4/2026.
    assert await world.flags(date(2027, 3, 31), QUARTER) == ({"a1", "a3", "b2"}, set())


async def test_the_assignment_and_last_visit_are_those_of_the_day_asked(world: World) -> None:
    rows = {world.label_of(r.id): r for r in await world.rows(date(2027, 1, 5))}
    assert rows["a1"].last_visit == date(2026, 12, 10)  # the February visit had not happened yet
    assert rows["a1"].assigned_from == date(2026, 12, 1)
    assert rows["b2"].assigned_from == date(2027, 1, 2)
    assert rows["u1"].assigned_from is None
    # Before b1 and b2 were assigned they were nobody's.
    early = {world.label_of(r.id): r.person_id for r in await world.rows(date(2026, 12, 15))}
    assert early["b1"] is None and early["b2"] is None and early["b3"] == world.ids["B"]


async def test_a_member_filter_lists_only_theirs_and_never_a_household_that_moved_away(world: World) -> None:
    day = date(2027, 2, 15)
    assert [m[0] for m in await world.marks(day, person="B")] == ["b3", "b2", "b1"]
    assert [m[0] for m in await world.marks(day, person="A")] == ["a4", "a3", "a1", "a2"]
    assert await world.marks(day, person="C") == []
    everything = [m[0] for m in await world.marks(day)]
    assert "r1" not in everything  # still assigned to Ân, but inactive
    assert "p1" not in everything  # another cell's


# -------------------------------------------------------------------------------------- coverage_of()


async def coverage(world: World, day: date, kind: PeriodKind = MONTH) -> visits.CellCoverage:
    async with world.sessions() as session:
        return await visits.coverage_of(session, world.s.cell, day=day, kind=kind)


async def test_coverage_counts_each_members_households_covered_and_overdue(world: World) -> None:
    day = date(2027, 2, 15)
    table = await coverage(world, day)
    assert [(c.person_id, c.name, c.households, c.covered, c.overdue) for c in table.members] == [
        (world.ids["A"], "Trần Văn Ân", 4, 1, 2),
        (world.ids["B"], "Lê Văn Bình", 3, 1, 2),
    ]  # Cường has none: not in the table; the unassigned u1 is counted apart
    assert (table.households, table.covered, table.overdue, table.nobody) == (7, 2, 4, 1)
    # In March, month: Ân 0 covered, a2 a3 a4 overdue; Bình 0 covered, b1 b3 overdue.
    march = await coverage(world, date(2027, 3, 5))
    assert [(c.households, c.covered, c.overdue) for c in march.members] == [(4, 0, 3), (3, 0, 2)]
    # By quarter in March: Ân a1 a3 covered, Bình b2.
    quarter = await coverage(world, date(2027, 3, 5), QUARTER)
    assert [(c.households, c.covered, c.overdue) for c in quarter.members] == [(4, 2, 0), (3, 1, 0)]


@pytest.mark.parametrize("day", [date(2027, 2, 15), date(2027, 3, 5), date(2027, 6, 30)])
async def test_coverage_counts_what_the_household_list_marks(world: World, day: date) -> None:
    # coverage_of counts from ids alone; the list loads each household: both must mark alike.
    for kind in (MONTH, QUARTER):
        rows = await world.rows(day, kind)
        table = await coverage(world, day, kind)
        by_list = {
            pid: (
                sum(r.person_id == pid for r in rows),
                sum(r.person_id == pid and r.covered for r in rows),
                sum(r.person_id == pid and r.overdue for r in rows),
            )
            for pid in {r.person_id for r in rows if r.person_id is not None}
        }
        assert {c.person_id: (c.households, c.covered, c.overdue) for c in table.members} == by_list
        assert table.nobody == sum(r.person_id is None for r in rows)


# -------------------------------------------------------------------------------------- record_visit()


async def test_a_visit_is_written_its_draft_goes_and_it_is_audited(world: World) -> None:
    async with world.sessions.begin() as session:
        await visits.keep_draft(
            session,
            person_id=world.ids["A"],
            household_id=world.hh["a1"],
            step="met",
            data={"day": "2027-02-14"},
            now=hanoi(2027, 2, 15, 8),
        )
        draft = await visits.keep_draft(
            session,
            person_id=world.ids["A"],
            household_id=world.hh["a4"],
            step="topics",
            data={"day": "2027-02-14", "met": "Bà Cường"},
            now=hanoi(2027, 2, 15, 9),
        )
    async with world.sessions() as session:
        kept = await visits.draft_of(session, world.ids["A"])
        assert kept is not None and kept.id == draft.id  # one draft per member, replaced
        assert (kept.household_id, kept.step, kept.data) == (world.hh["a4"], "topics", draft.data)
    # A draft is never a visit.
    assert (await world.marks(date(2027, 2, 15), person="A"))[0] == ("a4", "A", None, False, True, 0)

    visit = await world.record(
        "A",
        "a4",
        date(2027, 2, 14),
        date(2027, 2, 15),
        met="Bà Cường",
        topics=("housing", "water"),
        request="Xin bóng đèn đường",
        follow_up_due=date(2027, 3, 1),
    )
    async with world.sessions() as session:
        assert await visits.draft_of(session, world.ids["A"]) is None
        stored = await session.get(Visit, visit.id)
        assert stored is not None
        assert (stored.household_id, stored.cell_id, stored.person_id, stored.visited_on) == (
            world.hh["a4"],
            world.s.cell,
            world.ids["A"],
            date(2027, 2, 14),
        )
        assert (stored.met, stored.topics, stored.request, stored.follow_up_due) == (
            "Bà Cường",
            ["housing", "water"],
            "Xin bóng đèn đường",
            date(2027, 3, 1),
        )
    assert (await world.marks(date(2027, 2, 15), person="A"))[0] == (
        "a4",
        "A",
        date(2027, 2, 14),
        True,
        False,
        1,
    )
    [row] = await world.audits("visit.add")
    assert (row.subject, row.actor_person_id, row.after) == (
        f"visit:{visit.id}",
        world.ids["A"],
        {"household": world.hh["a4"], "day": "2027-02-14"},
    )


async def test_a_visit_today_and_on_the_day_of_assignment_is_accepted(world: World) -> None:
    await world.record("A", "a4", date(2027, 2, 15), date(2027, 2, 15))
    await world.record("B", "b2", date(2027, 1, 2), date(2027, 2, 15))
    async with world.sessions() as session:
        assert (await session.exec(select(func.count()).select_from(Visit))).one() == 9


@pytest.mark.parametrize(
    ("who", "label", "day", "reason"),
    [
        ("A", "a4", date(2027, 2, 16), "future"),
        ("B", "b2", date(2027, 1, 1), "before_assigned"),  # b2 is Bình's from 02/01/2027
        ("A", "a4", date(2026, 11, 30), "before_assigned"),
    ],
)
async def test_a_visit_on_a_day_it_cannot_have_is_refused_with_the_reason(
    world: World, who: str, label: str, day: date, reason: str
) -> None:
    async with world.sessions.begin() as session:
        await visits.keep_draft(
            session,
            person_id=world.ids[who],
            household_id=world.hh[label],
            step="confirm",
            data={"day": day.isoformat()},
            now=hanoi(2027, 2, 15, 9),
        )
    with pytest.raises(DayError) as info:
        await world.record(who, label, day, date(2027, 2, 15))
    assert info.value.args == (reason,)
    async with world.sessions() as session:
        assert await visits.draft_of(session, world.ids[who]) is not None  # kept for another try
        assert (await session.exec(select(func.count()).select_from(Visit))).one() == 7
    assert await world.audits("visit.add") == []


@pytest.mark.parametrize("label", ["b1", "u1", "r1", "p1"])
async def test_a_visit_to_a_household_not_the_members_is_refused(world: World, label: str) -> None:
    # b1: Bình's; u1: nobody's; r1: was Ân's, moved away; p1: another cell's.
    with pytest.raises(UserError):
        await world.record("A", label, date(2027, 2, 14), date(2027, 2, 15))
    async with world.sessions() as session:
        assert (await session.exec(select(func.count()).select_from(Visit))).one() == 7


async def test_a_visit_to_a_household_reassigned_away_is_refused_and_the_new_member_from_their_day(
    world: World,
) -> None:
    assert await world.reassign("a1", "B", date(2027, 2, 16))
    with pytest.raises(UserError):
        await world.record("A", "a1", date(2027, 2, 16), date(2027, 2, 16))
    with pytest.raises(UserError):  # not even for a day Ân had it
        await world.record("A", "a1", date(2027, 2, 10), date(2027, 2, 16))
    with pytest.raises(DayError) as info:
        await world.record("B", "a1", date(2027, 2, 15), date(2027, 2, 16))
    assert info.value.args == ("before_assigned",)
    visit = await world.record("B", "a1", date(2027, 2, 16), date(2027, 2, 16))
    assert visit.person_id == world.ids["B"]


# ------------------------------------------------------------------------------------------ reassign()


async def test_reassigning_keeps_the_history_and_is_audited(world: World) -> None:
    assert await world.reassign("a1", "B", date(2027, 2, 16))
    assert await world.history("a1") == [
        ("A", date(2026, 12, 1), date(2027, 2, 15)),
        ("B", date(2027, 2, 16), None),
    ]
    # The day before it is still Ân's; from the day on, Bình's, with its visits and follow-ups.
    before = {world.label_of(r.id): r.person_id for r in await world.rows(date(2027, 2, 15))}
    assert before["a1"] == world.ids["A"]
    marks = await world.marks(date(2027, 2, 16), person="B")
    assert marks == [
        ("b3", "B", date(2026, 12, 31), False, True, 0),
        ("b2", "B", date(2027, 2, 10), True, False, 1),
        ("b1", "B", None, False, True, 0),
        ("a1", "B", date(2027, 2, 3), True, False, 2),  # Nam sorts after Long
    ]
    assert [m[0] for m in await world.marks(date(2027, 2, 16), person="A")] == ["a4", "a3", "a2"]
    async with world.sessions() as session:
        count = select(func.count()).select_from(Visit).where(Visit.household_id == world.hh["a1"])
        assert (await session.exec(count)).one() == 2
    [row] = await world.audits("household.assign")
    assert (row.subject, row.actor_person_id, row.before, row.after) == (
        f"household:{world.hh['a1']}",
        world.ids["T"],
        {"person": world.ids["A"]},
        {"person": world.ids["B"], "from": "2027-02-16"},
    )
    # Giving it to whom already has it changes nothing and is not audited.
    assert not await world.reassign("a1", "B", date(2027, 2, 20))
    assert len(await world.history("a1")) == 2
    assert len(await world.audits("household.assign")) == 1


async def test_reassigning_twice_the_same_day_is_a_correction(world: World) -> None:
    assert await world.reassign("a1", "B", date(2027, 2, 16))
    assert await world.reassign("a1", "C", date(2027, 2, 16))
    assert await world.history("a1") == [
        ("A", date(2026, 12, 1), date(2027, 2, 15)),
        ("C", date(2027, 2, 16), None),
    ]
    rows = await world.audits("household.assign")
    assert [(r.before, r.after) for r in rows] == [
        ({"person": world.ids["A"]}, {"person": world.ids["B"], "from": "2027-02-16"}),
        ({"person": world.ids["B"]}, {"person": world.ids["C"], "from": "2027-02-16"}),
    ]
    # An unassigned household gets its first member.
    assert await world.reassign("u1", "C", date(2027, 2, 16))
    assert await world.history("u1") == [("C", date(2027, 2, 16), None)]
    assert (await world.audits("household.assign"))[-1].before == {"person": None}


async def test_reassigning_to_someone_not_a_member_of_the_cell_is_refused(world: World) -> None:
    with pytest.raises(UserError):
        await world.reassign("a1", "P", date(2027, 2, 16))  # a member of thôn 7
    async with world.sessions.begin() as session:
        person = await session.get(Person, world.ids["C"])
        assert person is not None
        await records.end_membership(
            session=session,
            person=person,
            on=date(2027, 2, 1),
            reason="Chuyển sinh hoạt",
            actor=audit.CLI,
            now=hanoi(2027, 2, 1),
        )
    with pytest.raises(UserError):
        await world.reassign("a1", "C", date(2027, 2, 16))  # no longer a member
    assert await world.history("a1") == [("A", date(2026, 12, 1), None)]
    assert await world.audits("household.assign") == []


# -------------------------------------------------------------------------------------------- retire()


async def test_a_household_that_moved_away_is_inactive_unassigned_and_keeps_its_visits(world: World) -> None:
    async with world.sessions.begin() as session:
        household = await session.get(Household, world.hh["a1"])
        assert household is not None
        await visits.retire(
            session=session,
            household=household,
            today=date(2027, 2, 16),
            actor=world.who("T"),
            now=hanoi(2027, 2, 16),
        )
    async with world.sessions() as session:
        household = await session.get(Household, world.hh["a1"])
        assert household is not None and household.active is False
        count = select(func.count()).select_from(Visit).where(Visit.household_id == world.hh["a1"])
        assert (await session.exec(count)).one() == 2
    assert await world.history("a1") == [("A", date(2026, 12, 1), date(2027, 2, 15))]
    assert "a1" not in [m[0] for m in await world.marks(date(2027, 2, 16))]
    [row] = await world.audits("household.retire")
    assert (row.subject, row.before, row.after) == (
        f"household:{world.hh['a1']}",
        {"person": world.ids["A"], "active": True},
        {"active": False},
    )
    # A visit to it is refused.
    with pytest.raises(UserError):
        await world.record("A", "a1", date(2027, 2, 16), date(2027, 2, 16))


# ---------------------------------------------------------------------------------------------- edit()


@pytest.mark.parametrize("typed", ["0", "-3", "2.5", "bốn", "", "101", "4 người"])
async def test_the_number_of_people_must_be_a_positive_whole_number(world: World, typed: str) -> None:
    with pytest.raises(UserError):
        await world.edit("a1", "people", typed, hanoi(2027, 2, 16))
    async with world.sessions() as session:
        household = await session.get(Household, world.hh["a1"])
        assert household is not None and household.people == 4
    assert await world.audits("household.edit") == []


async def test_a_superscript_digit_is_refused_politely_not_with_a_crash(world: World) -> None:
    # "²".isdigit() is True but int("²") raises ValueError: the member must get a UserError.
    with pytest.raises(UserError):
        await world.edit("a1", "people", "²", hanoi(2027, 2, 16))


async def test_editing_a_detail_stores_it_and_audits_before_and_after(world: World) -> None:
    edited = await world.edit("a1", "people", " 6 ", hanoi(2027, 2, 16))
    assert edited.people == 6
    edited = await world.edit("a1", "tags", "hộ nghèo; gia đình chính sách , ", hanoi(2027, 2, 16, 11))
    assert edited.tags == ["hộ nghèo", "gia đình chính sách"]
    edited = await world.edit("a1", "phone", "  ", hanoi(2027, 2, 16, 12))
    assert edited.phone is None
    rows = await world.audits("household.edit")
    assert [(r.subject, r.actor_person_id, r.before, r.after) for r in rows] == [
        (f"household:{world.hh['a1']}", world.ids["T"], {"people": 4}, {"people": 6}),
        (
            f"household:{world.hh['a1']}",
            world.ids["T"],
            {"tags": []},
            {"tags": ["hộ nghèo", "gia đình chính sách"]},
        ),
    ]  # the phone was empty already: no change, no row


async def test_a_new_head_or_address_recomputes_the_keys(world: World) -> None:
    edited = await world.edit("a1", "head_name", "Vũ Văn Năm", hanoi(2027, 2, 16))
    assert (edited.head_name, edited.head_key, edited.address_key) == (
        "Vũ Văn Năm",
        "vũ văn năm",
        "xóm việt tiến, thôn 3",
    )
    edited = await world.edit("a1", "address", "Xóm Ngành Nghề, thôn 3", hanoi(2027, 2, 16, 11))
    assert (edited.head_key, edited.address, edited.address_key) == (
        "vũ văn năm",
        "Xóm Ngành Nghề, thôn 3",
        "xóm ngành nghề, thôn 3",
    )
    assert (edited.head_key, edited.address_key) == (name_key("Vũ Văn Năm"), name_key(NGHE))
    rows = await world.audits("household.edit")
    assert [(r.before, r.after) for r in rows] == [
        ({"head_name": "Vũ Văn Nam"}, {"head_name": "Vũ Văn Năm"}),
        ({"address": TIEN}, {"address": NGHE}),
    ]


@pytest.mark.parametrize(
    ("label", "field_name", "value"),
    [
        ("a2", "head_name", "lý văn lâm"),  # a3 is Lý Văn Lâm at the same address, whatever the case
        ("a4", "address", TIEN.upper()),  # a Trần Công Cường at Xóm Việt Tiến is added below
        ("b2", "head_name", "Hà Ngọc Long"),  # b1 is Hà Ngọc Long at the same address
        ("b1", "address", NGHE),  # a Hà Ngọc Long at Xóm Ngành Nghề that moved away is added below
    ],
)
async def test_a_head_and_address_another_household_has_are_refused(
    world: World, label: str, field_name: str, value: str
) -> None:
    if label == "a4":  # give Việt Tiến a Trần Công Cường first
        async with world.sessions.begin() as session:
            session.add(_household(world.s.cell, "Trần Công Cường", TIEN))
    if label == "b1":  # and Ngành Nghề a Hà Ngọc Long that moved away (still the same household)
        async with world.sessions.begin() as session:
            session.add(_household(world.s.cell, "Hà Ngọc Long", NGHE, active=False))
    async with world.sessions() as session:
        household = await session.get(Household, world.hh[label])
        assert household is not None
        before = (household.head_name, household.head_key, household.address, household.address_key)
    with pytest.raises(UserError):
        await world.edit(label, field_name, value, hanoi(2027, 2, 16))
    async with world.sessions() as session:
        household = await session.get(Household, world.hh[label])
        assert household is not None
        assert (household.head_name, household.head_key, household.address, household.address_key) == before
    assert await world.audits("household.edit") == []


async def test_the_same_head_and_address_in_another_cell_is_no_clash(world: World) -> None:
    # p1 (thôn 7) is Lương Văn Quân at Xóm Việt Thắng; a2 is at Xóm Việt Thắng in thôn 3.
    edited = await world.edit("a2", "head_name", "Lương Văn Quân", hanoi(2027, 2, 16))
    assert edited.head_key == name_key("Lương Văn Quân")


async def test_an_edit_that_changes_nothing_writes_nothing(world: World) -> None:
    for field_name, value in (
        ("people", "4"),
        ("people", "04"),
        ("head_name", "  Vũ Văn Nam "),
        ("address", TIEN),
        ("tags", " , ; "),
        ("village", ""),
    ):
        edited = await world.edit("a1", field_name, value, hanoi(2027, 2, 16))
        assert (edited.head_name, edited.address, edited.people, edited.tags, edited.village) == (
            "Vũ Văn Nam",
            TIEN,
            4,
            [],
            None,
        )
    assert await world.audits("household.edit") == []


# ----------------------------------------------------------------------------------- end_membership()


async def test_a_member_who_leaves_has_their_households_released(world: World) -> None:
    async with world.sessions.begin() as session:
        person = await session.get(Person, world.ids["A"])
        assert person is not None
        await records.end_membership(
            session=session,
            person=person,
            on=date(2027, 2, 16),
            reason="Chuyển nơi ở",
            actor=audit.CLI,
            now=hanoi(2027, 2, 16),
        )
    # From the day they leave, Ân's four are nobody's and come first, by the head's given name.
    assert [m[:2] for m in await world.marks(date(2027, 2, 16))] == [
        ("a4", None),  # Cường
        ("a3", None),  # Lâm
        ("a1", None),  # Nam
        ("u1", None),  # Sơn
        ("a2", None),  # Tuấn
        ("b3", "B"),
        ("b2", "B"),
        ("b1", "B"),
    ]
    # Nobody's household is never overdue, but keeps its last visit and follow-ups.
    released = {m[0]: m for m in await world.marks(date(2027, 2, 16))}
    assert released["a1"] == ("a1", None, date(2027, 2, 3), True, False, 2)
    assert released["a2"][4] is False
    # The day before, they were still his; the moved-away one is released too.
    assert [m[0] for m in await world.marks(date(2027, 2, 15), person="A")] == ["a4", "a3", "a1", "a2"]
    for label in ("a1", "a2", "a3", "a4", "r1"):
        assert await world.history(label) == [("A", date(2026, 12, 1), date(2027, 2, 15))]


# ------------------------------------------------------------------------------------------ re-import


async def test_a_re_import_giving_a_household_to_another_member_keeps_the_history(
    database_url: str, tmp_path: Path
) -> None:
    """The sample files of thôn 3: Bùi Văn Tuấn's household is Hoàng Văn Thắng's (93.097948); a second
    import on 10/01/2027 gives it to Nguyễn Thị Hương (93.070679)."""
    engine = make_engine(database_url)
    sessions = make_sessions(engine)
    first, second = date(2026, 12, 1), date(2027, 1, 10)
    try:
        async with sessions.begin() as session:
            _, cell = await add_commune_with_cell(
                session, hanoi(2026, 12, 1), "Xã Thái Bình", "Chi bộ thôn 3"
            )
            await imports.import_members(
                session=session,
                path=SAMPLES / "members_thon3.csv",
                cell=cell,
                today=first,
                now=hanoi(2026, 12, 1),
                actor=audit.CLI,
            )
            report = await imports.import_households(
                session=session,
                path=SAMPLES / "households_thon3.csv",
                cell=cell,
                today=first,
                now=hanoi(2026, 12, 1),
                actor=audit.CLI,
            )
            assert report.created == 190
            assert cell.id is not None
            cell_id = cell.id
        async with sessions() as session:
            thang = (await session.exec(select(Person).where(Person.card_number == "93.097948"))).one()
            huong = (await session.exec(select(Person).where(Person.card_number == "93.070679"))).one()
            tuan = (
                await session.exec(select(Household).where(Household.head_key == name_key("Bùi Văn Tuấn")))
            ).one()
        assert thang.id and huong.id and tuan.id
        async with sessions.begin() as session:
            cell = await session.get(Cell, cell_id)
            assert cell is not None
            await visits.record_visit(
                session=session,
                cell=cell,
                person_id=thang.id,
                household_id=tuan.id,
                form=visits.VisitForm(day=date(2026, 12, 15)),
                today=date(2026, 12, 15),
                kind=MONTH,
                actor=Actor("test", thang.id),
                now=hanoi(2026, 12, 15),
            )

        text = (SAMPLES / "households_thon3.csv").read_text(encoding="utf-8-sig")
        lines = text.splitlines()
        assert lines[1].startswith("Bùi Văn Tuấn;") and ";93.097948;" in lines[1]
        lines[1] = lines[1].replace(";93.097948;", ";93.070679;")
        changed = tmp_path / "households.csv"
        changed.write_text("\n".join(lines) + "\n", encoding="utf-8")
        async with sessions.begin() as session:
            cell = await session.get(Cell, cell_id)
            assert cell is not None
            report = await imports.import_households(
                session=session,
                path=changed,
                cell=cell,
                today=second,
                now=hanoi(2027, 1, 10),
                actor=audit.CLI,
            )
        assert (report.created, report.updated, report.unchanged) == (0, 1, 189)

        async with sessions() as session:
            history = (
                await session.exec(
                    select(HouseholdAssignment)
                    .where(HouseholdAssignment.household_id == tuan.id)
                    .order_by(col(HouseholdAssignment.valid_from))
                )
            ).all()
            assert [(a.person_id, a.valid_from, a.valid_to) for a in history] == [
                (thang.id, first, second - timedelta(days=1)),
                (huong.id, second, None),
            ]
            assert (await session.exec(select(func.count()).select_from(HouseholdAssignment))).one() == 191
            mine = await visits.households(session, cell_id, day=second, kind=MONTH, person_id=huong.id)
            his = await visits.households(session, cell_id, day=second, kind=MONTH, person_id=thang.id)
            before = await visits.households(session, cell_id, day=second - timedelta(days=1), kind=MONTH)
        assert len(mine) == 11 and len(his) == 9
        row = next(r for r in mine if r.id == tuan.id)
        assert (row.assigned_from, row.last_visit) == (second, date(2026, 12, 15))
        assert next(r for r in before if r.id == tuan.id).person_id == thang.id

        # The new member may log a visit from the day of the import, not before; the old one not at all.
        async with sessions.begin() as session:
            cell = await session.get(Cell, cell_id)
            assert cell is not None
            with pytest.raises(DayError):
                await visits.record_visit(
                    session=session,
                    cell=cell,
                    person_id=huong.id,
                    household_id=tuan.id,
                    form=visits.VisitForm(day=date(2027, 1, 9)),
                    today=date(2027, 1, 12),
                    kind=MONTH,
                    actor=Actor("test", huong.id),
                    now=hanoi(2027, 1, 12),
                )
        async with sessions.begin() as session:
            cell = await session.get(Cell, cell_id)
            assert cell is not None
            with pytest.raises(UserError):
                await visits.record_visit(
                    session=session,
                    cell=cell,
                    person_id=thang.id,
                    household_id=tuan.id,
                    form=visits.VisitForm(day=date(2027, 1, 12)),
                    today=date(2027, 1, 12),
                    kind=MONTH,
                    actor=Actor("test", thang.id),
                    now=hanoi(2027, 1, 12),
                )

        # The same file again changes nothing.
        async with sessions.begin() as session:
            cell = await session.get(Cell, cell_id)
            assert cell is not None
            report = await imports.import_households(
                session=session,
                path=changed,
                cell=cell,
                today=date(2027, 2, 1),
                now=hanoi(2027, 2, 1),
                actor=audit.CLI,
            )
        assert (report.created, report.updated, report.unchanged) == (0, 0, 190)
        async with sessions() as session:
            assert (await session.exec(select(func.count()).select_from(HouseholdAssignment))).one() == 191
    finally:
        await engine.dispose()


# ---------------------------------------------------------------------------------------- follow-ups


async def test_the_open_follow_ups_of_the_cell_and_of_each_member(world: World) -> None:
    # Soonest due first; the closed one (a2) and other cells' are not listed.
    assert await world.follow_ups() == ["a1-dec", "a1-feb", "b2-feb"]
    assert await world.follow_ups("A") == ["a1-dec", "a1-feb"]
    assert await world.follow_ups("B") == ["b2-feb"]
    assert await world.follow_ups("C") == []
    # a1 goes to Cường: he sees its follow-ups (he has it now), and Ân still sees those he wrote.
    assert await world.reassign("a1", "C", date(2027, 2, 16))
    assert await world.follow_ups("C") == ["a1-dec", "a1-feb"]
    assert await world.follow_ups("A") == ["a1-dec", "a1-feb"]
    async with world.sessions() as session:
        found = await visits.follow_ups(session, world.s.cell, person_id=world.ids["C"])
    assert [(f.household.head_name, f.visitor) for f in found] == [
        ("Vũ Văn Nam", "Trần Văn Ân"),
        ("Vũ Văn Nam", "Trần Văn Ân"),
    ]


async def test_who_may_close_a_follow_up(world: World) -> None:
    member = {Role.MEMBER}
    # Cường: a plain member with nothing to do with a1; a committee member is no reader either.
    with pytest.raises(UserError):
        await world.close("a1-dec", "C", member, hanoi(2027, 2, 16))
    with pytest.raises(UserError):
        await world.close("a1-dec", "C", {Role.MEMBER, Role.COMMITTEE}, hanoi(2027, 2, 16))
    assert await world.follow_ups() == ["a1-dec", "a1-feb", "b2-feb"]

    closed = await world.close("a1-dec", "A", member, hanoi(2027, 2, 16, 11))  # the visitor
    assert closed.visit.id == world.visit["a1-dec"]
    async with world.sessions() as session:
        visit = await session.get(Visit, world.visit["a1-dec"])
        assert visit is not None
        assert visit.follow_up_closed_at == hanoi(2027, 2, 16, 11)
        assert (visit.follow_up_closed_by_person_id, visit.follow_up_note) == (world.ids["A"], "Đã báo xã")
    assert await world.follow_ups() == ["a1-feb", "b2-feb"]
    with pytest.raises(UserError):  # closed already
        await world.close("a1-dec", "A", member, hanoi(2027, 2, 16, 12))

    await world.close("b2-feb", "H", {Role.MEMBER, Role.DEPUTY}, hanoi(2027, 2, 16, 12))  # a reader by role
    assert await world.follow_ups() == ["a1-feb"]
    assert (await world.marks(date(2027, 2, 16), person="B"))[1] == (
        "b2",
        "B",
        date(2027, 2, 10),
        True,
        False,
        0,
    )

    # The member who holds a1 now may close what Ân wrote.
    assert await world.reassign("a1", "C", date(2027, 2, 17))
    await world.close("a1-feb", "C", member, hanoi(2027, 2, 17, 12))
    assert await world.follow_ups() == []
    assert len(await world.audits("visit.follow_up_closed")) == 3


async def test_a_follow_up_of_another_cell_cannot_be_closed_from_this_one(world: World) -> None:
    async with world.sessions.begin() as session:
        visit = Visit(
            household_id=world.hh["p1"],
            cell_id=world.s.other_cell,
            person_id=world.ids["P"],
            visited_on=date(2027, 2, 1),
            follow_up_due=date(2027, 2, 20),
            created_at=datetime(2027, 2, 1, 12, tzinfo=UTC),
        )
        session.add(visit)
        await session.flush()
        world.visit["p1-feb"] = visit.id or 0
    with pytest.raises(UserError):
        await world.close("p1-feb", "T", {Role.SECRETARY}, hanoi(2027, 2, 16))


# ------------------------------------------------------------------------------------------ requests()


async def test_residents_requests_between_two_days_both_included(world: World) -> None:
    async def between(since: date, until: date) -> list[tuple[date, str, str, str, date | None, bool]]:
        async with world.sessions() as session:
            found = await visits.requests(session, world.s.cell, since=since, until=until)
        return [
            (r.visited_on, r.household.head_name, r.visitor, r.text, r.follow_up_due, r.closed) for r in found
        ]

    assert await between(date(2027, 1, 1), date(2027, 2, 10)) == [
        (date(2027, 1, 1), "Lý Văn Lâm", "Trần Văn Ân", "Kiến nghị về nước sạch", None, False),
        (
            date(2027, 2, 10),
            "Nông Văn Hải",
            "Lê Văn Bình",
            "Xin hỗ trợ bảo hiểm y tế",
            date(2027, 2, 28),
            False,
        ),
    ]  # thôn 7's request of 15/01 is not thôn 3's
    assert await between(date(2026, 12, 11), date(2026, 12, 31)) == []
    assert [r[0] for r in await between(date(2026, 12, 10), date(2026, 12, 10))] == [date(2026, 12, 10)]
    assert [r[0] for r in await between(date(2026, 6, 1), date(2027, 6, 30))] == [
        date(2026, 12, 10),
        date(2027, 1, 1),
        date(2027, 2, 10),
    ]
    # Two on the same day: in the order written; a closed follow-up shows as closed.
    await world.record("A", "a4", date(2027, 2, 10), date(2027, 2, 15), request="Xin cấp nước")
    await world.close("b2-feb", "T", {Role.SECRETARY}, hanoi(2027, 2, 16))
    assert await between(date(2027, 2, 10), date(2027, 2, 10)) == [
        (
            date(2027, 2, 10),
            "Nông Văn Hải",
            "Lê Văn Bình",
            "Xin hỗ trợ bảo hiểm y tế",
            date(2027, 2, 28),
            True,
        ),
        (date(2027, 2, 10), "Trần Công Cường", "Trần Văn Ân", "Xin cấp nước", None, False),
    ]


# -------------------------------------------------------------------------------------------- nudges


async def test_each_member_with_overdue_households_gets_one_reminder(world: World) -> None:
    assert await world.nudge(hanoi(2027, 2, 15, 9, 30)) == 2
    sent = await world.nudges()
    assert sorted((m.person_id, m.subject) for m in sent) == sorted(
        [(world.ids["A"], f"person:{world.ids['A']}"), (world.ids["B"], f"person:{world.ids['B']}")]
    )  # T, H and C have none overdue
    by_person = {m.person_id: m for m in sent}
    assert by_person[world.ids["A"]].message_key == visits.NUDGE_TEXT
    assert by_person[world.ids["A"]].params == {
        "count": "2",
        "period": {"msgid": "month"},
        "households": [f"• Trần Công Cường, {THANG}", f"• Bùi Văn Tuấn, {THANG}"],
    }
    assert by_person[world.ids["B"]].params is not None
    assert by_person[world.ids["B"]].params["households"] == [
        f"• Đỗ Văn Dũng, {NGHE}",
        f"• Hà Ngọc Long, {TIEN}",
    ]


async def test_an_exempt_member_is_not_reminded(world: World) -> None:
    async with world.sessions.begin() as session:
        person = await session.get(Person, world.ids["B"])
        assert person is not None
        await records.exempt(
            session=session,
            person=person,
            valid_from=date(2027, 2, 1),
            valid_to=None,
            reason="Ốm dài ngày",
            actor=audit.CLI,
            now=hanoi(2027, 2, 1),
        )
    assert await world.nudge(hanoi(2027, 2, 15, 9, 30)) == 1
    assert [m.person_id for m in await world.nudges()] == [world.ids["A"]]


async def test_a_member_is_reminded_at_most_once_a_week_whatever_the_rhythm(world: World) -> None:
    start = hanoi(2027, 2, 15, 9, 30)
    daily = timedelta(days=1)
    assert await world.nudge(start, daily) == 2
    assert await world.nudge(start, daily) == 0  # the same run twice
    assert await world.nudge(start + timedelta(days=1), daily) == 0
    assert await world.nudge(start + timedelta(days=6, hours=23, minutes=59), daily) == 0
    assert len(await world.nudges()) == 2
    assert await world.nudge(start + timedelta(days=7), daily) == 2
    assert await world.nudge(start + timedelta(days=8), daily) == 0
    sent = await world.nudges()
    assert len(sent) == 4
    assert sorted({m.occurrence for m in sent}) == [
        start.isoformat(),
        (start + timedelta(days=7)).isoformat(),
    ]


async def test_a_rhythm_longer_than_a_week_is_kept(world: World) -> None:
    start = hanoi(2027, 2, 15, 9, 30)
    assert await world.nudge(start, timedelta(days=14)) == 2
    assert await world.nudge(start + timedelta(days=7), timedelta(days=14)) == 0
    assert await world.nudge(start + timedelta(days=13, hours=23), timedelta(days=14)) == 0
    # 01/03: March; February is now the previous month, so a3 (01/01) is overdue too.
    assert await world.nudge(start + timedelta(days=14), timedelta(days=14)) == 2
    latest = [m for m in await world.nudges() if m.occurrence == (start + timedelta(days=14)).isoformat()]
    counts = {m.person_id: (m.params or {})["count"] for m in latest}
    assert counts == {world.ids["A"]: "3", world.ids["B"]: "2"}


def test_the_config_cannot_ask_for_reminders_more_often_than_weekly() -> None:
    with pytest.raises(ValidationError):
        VisitsConfig(nudge_every_days=1)
    with pytest.raises(ValidationError):
        VisitsConfig(nudge_every_days=6)
    assert VisitsConfig().nudge_every_days == 7


async def test_the_reminder_job_waits_for_each_cells_hour(world: World) -> None:
    async with world.sessions.begin() as session:
        other = await world.cell(session, world.s.other_cell)
        other.timezone = "Asia/Tokyo"  # two hours ahead of Hanoi
    config = VisitsConfig(nudge_hour=9)
    # 08:30 in Hanoi: thôn 3 waits (Ân and Bình have overdue households); 10:30 in Tokyo: thôn 7 runs,
    # but Lan's p1 was visited on 15/01, in January, the previous month: not overdue.
    early = datetime(2027, 2, 15, 1, 30, tzinfo=UTC)
    assert await world.nudge_all(early, config) == 0
    assert await world.nudges() == []
    # In March p1 is overdue (not visited since 01/02): 08:30 in Hanoi, 10:30 in Tokyo.
    march = datetime(2027, 3, 1, 1, 30, tzinfo=UTC)
    assert await world.nudge_all(march, config) == 1
    assert [m.person_id for m in await world.nudges()] == [world.ids["P"]]
    # An hour later it is 09:30 in Hanoi: Ân and Bình; Lan not again.
    assert await world.nudge_all(march + timedelta(hours=1), config) == 2
    assert await world.nudge_all(march + timedelta(hours=2), config) == 0
    assert sorted(m.person_id or 0 for m in await world.nudges()) == sorted(
        [world.ids["P"], world.ids["A"], world.ids["B"]]
    )
    # A week on, at 09:30 in Hanoi: everyone again (Lan's week ran out an hour earlier).
    assert await world.nudge_all(march + timedelta(days=7, hours=1), config) == 3
    # 10:30 in Hanoi with the configured hour 11: thôn 3 waits; thôn 7 (12:30) runs, but Lan had hers
    # an hour ago.
    assert await world.nudge_all(march + timedelta(days=7, hours=2), VisitsConfig(nudge_hour=11)) == 0
    assert len(await world.nudges()) == 6

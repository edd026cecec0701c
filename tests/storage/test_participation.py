"""Participation in a cell's meetings (bot.services.contributions.participation) over four months, from
the database: the share of those present who spoke, who has not spoken yet, each member's streak of
meetings without a word, the quiet members and the written views; on both engines.

Chi bộ thôn 3 (seeded on 26/11/2026, plus Nông Thị Lan and Ma Văn Cường) holds its regular meeting at
19:30 on 10/12/2026 (M1), 14/01/2027 (M2), 11/02/2027 (M3) and 11/03/2027 (M4). Every step goes through
the services at its own time on a fake clock. M1, M2 and M4 are closed at 21:10 by the secretary; M3 is
never closed and closes by itself when the clock passes its end plus the grace period.

    P  present (checked in)           S  spoke
    X  absent                         R  the secretary recorded it for them (ticked in, no phone): spoken
    -  present, said nothing          W  written view while excused: kept, but NOT spoken
                                      D  said something, then withdrew it: NOT spoken

                    M1            M2              M3                   M4
    Thắng (T)       P S           P S             P S                  P S
    Hoa (H)         P S           P -             P -                  P -
    Bình (B)        P -           P R             P -                  P -
    Ân (A)          P -           X W (excused)   P - (asked to be     P D
                                                  excused, came)
    Lan (L)         P -           P S             X (no answer)        X W (excused)
    Cường (C)       X (reason     X (no answer)   P -                  P S (late)
                    rejected)

Streaks count only the meetings the member was present at, newest first, up to the meeting asked about:

    at M2: T 0 | H 1 (M2-, M1 S) | B 0 (R) | A 1 (M1-; M2 missed) | L 0 | C never present: no streak
           present T H B L = 4, spoke T B L = 3 -> 75 %; not yet H; written views 1 (A); quiet none
    at M3: T 0 | H 2 | B 1 | A 2 (M3-, M1-) | L 0 (M2 S; M3 missed) | C 1
           present T H B A C = 5, spoke T = 1 -> 20 %; not yet H B A C; written 0; quiet none
    at M4: T 0 | H 3 (M4-, M3-, M2-, M1 S) | B 2 (M4-, M3-, M2 R) | A 3 (M4 D, M3-, M1-: M2 missed and
           its written view is not spoken) | L 0 (M2 S; M3, M4 missed) | C 0
           present T H B A C = 5, spoke T C = 2 -> 40 %; not yet H B A; written 1 (L); quiet H A

Had the recorded contribution not counted, B would be quiet at M4 (4); had the written view counted,
A would not be (2); had the missed M2 counted against him, his streak would be 4; had the withdrawn one
counted, he would have spoken at M4.

Then Ân moves to Chi bộ thôn 7 on 01/04/2027 and sits silent at its meeting of 08/04/2027 (M5), where
Phạm Thị Lan speaks: his streak there is 4 (M5, M4, M3, M1), his history following him across cells.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.errors import UserError
from bot.meetings.contributions import Refusal, Share
from bot.meetings.rules import Answer, Kind, Rules, State, Verdict
from bot.services import attendance, audit, contributions, meetings, people, records
from bot.services.audit import Actor
from storage.db import Sessions, make_engine, make_sessions
from storage.models import Cell, Contribution, Meeting, Membership, Person
from tests.support import TODAY, FakeClock, Seed, seed

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
RULES = Rules()
AGENDA = ("Tình hình an ninh", "Thu đảng phí", "Nhiệm vụ tháng tới")


def hanoi(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=HANOI)


@dataclass
class World:
    sessions: Sessions
    clock: FakeClock
    s: Seed
    ids: dict[str, int] = field(default_factory=dict)  # T H B A L C (thôn 3), P O Q (thôn 7)
    held: dict[str, int] = field(default_factory=dict)  # "M1".."M5" -> meeting id
    said: dict[str, int] = field(default_factory=dict)  # a few contributions by label

    def at(self, when: datetime) -> datetime:
        """Move the fake clock forward to `when` (never back) and return it."""
        assert when >= self.clock(), f"the clock would go back to {when}"
        self.clock.advance(seconds=(when - self.clock()).total_seconds())
        return self.clock()

    def who(self, key: str) -> Actor:
        return Actor("test", self.ids[key])

    # Each step in its own transaction, as the chat would do it.

    async def plan(self, label: str, cell_id: int, starts: datetime, *, planned: datetime) -> None:
        now = self.at(planned)
        async with self.sessions.begin() as session:
            cell = await session.get(Cell, cell_id)
            assert cell is not None
            meeting = await meetings.create(
                session=session,
                cell=cell,
                plan=meetings.Plan(kind=Kind.REGULAR, starts_at=starts, place="Nhà văn hóa", agenda=AGENDA),
                actor=self.who("T") if cell_id == self.s.cell else audit.CLI,
                now=now,
                rules=RULES,
                default_length=timedelta(hours=2),
                tz=HANOI,
            )
            assert meeting.id is not None
            self.held[label] = meeting.id

    async def answer(self, label: str, key: str, given: Answer, reason: str | None, when: datetime) -> None:
        now = self.at(when)
        async with self.sessions.begin() as session:
            meeting = await session.get(Meeting, self.held[label])
            person = await session.get(Person, self.ids[key])
            assert meeting is not None and person is not None
            done = await attendance.answer(
                session=session,
                meeting=meeting,
                person=person,
                given=given,
                reason=reason,
                actor=self.who(key),
                now=now,
                rules=RULES,
                tz=HANOI,
            )
            assert done.changed

    async def open(self, label: str, when: datetime) -> None:
        now = self.at(when)
        async with self.sessions.begin() as session:
            meeting = await session.get(Meeting, self.held[label])
            assert meeting is not None
            await attendance.open_meeting(
                session=session, meeting=meeting, actor=self.who("T"), now=now, rules=RULES, tz=HANOI
            )

    async def check_in(self, label: str, key: str, when: datetime, *, by: str | None = None) -> None:
        now = self.at(when)
        async with self.sessions.begin() as session:
            meeting = await session.get(Meeting, self.held[label])
            assert meeting is not None
            row = await attendance.check_in(
                session=session,
                meeting=meeting,
                person_id=self.ids[key],
                actor=self.who(by or key),
                now=now,
                rules=RULES,
                tz=HANOI,
            )
            assert row is not None, key

    async def say(
        self, label: str, key: str, text: str, when: datetime, *, recorded_by: str | None = None
    ) -> Contribution:
        now = self.at(when)
        async with self.sessions.begin() as session:
            meeting = await session.get(Meeting, self.held[label])
            assert meeting is not None
            cell = await session.get(Cell, meeting.cell_id)
            assert cell is not None
            return await contributions.add(
                session=session,
                meeting=meeting,
                cell=cell,
                person_id=self.ids[key],
                body=text,
                actor=self.who(recorded_by or key),
                now=now,
                rules=RULES,
                tz=HANOI,
                recorded=recorded_by is not None,
            )

    async def withdraw(self, label: str, key: str, contribution_id: int, when: datetime) -> None:
        now = self.at(when)
        async with self.sessions.begin() as session:
            meeting = await session.get(Meeting, self.held[label])
            assert meeting is not None
            contribution = await contributions.get_own(session, contribution_id, meeting, self.ids[key])
            assert await contributions.revise(
                session=session,
                contribution=contribution,
                meeting=meeting,
                actor=self.who(key),
                now=now,
                rules=RULES,
                withdraw=True,
            )

    async def close(self, label: str, when: datetime, verdicts: dict[str, Verdict] | None = None) -> None:
        now = self.at(when)
        async with self.sessions.begin() as session:
            meeting = await session.get(Meeting, self.held[label])
            assert meeting is not None
            await attendance.close(
                session=session,
                meeting=meeting,
                verdicts={self.ids[k]: v for k, v in (verdicts or {}).items()},
                actor=self.who("T"),
                now=now,
                rules=RULES,
                tz=HANOI,
            )

    async def participation(self, label: str) -> tuple[contributions.Participation, list[int]]:
        """The figures of a meeting, and its roster's person ids in roster order."""
        async with self.sessions() as session:
            meeting = await session.get(Meeting, self.held[label])
            assert meeting is not None and meeting.id is not None
            roster = await meetings.roster(session, meeting.id)
            return await contributions.participation(session, meeting, roster), [r.person_id for r in roster]

    def ordered(self, roster: list[int], *keys: str) -> list[int]:
        """These people's ids in roster order."""
        wanted = {self.ids[k] for k in keys}
        return [p for p in roster if p in wanted]

    def streaks(self, **by_key: int) -> dict[int, int]:
        return {self.ids[k]: streak for k, streak in by_key.items()}


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    """Four months of Chi bộ thôn 3, as in the table above; the clock ends at 21:20 on 11/03/2027."""
    engine = make_engine(database_url)
    sessions = make_sessions(engine)
    clock = FakeClock(hanoi(2026, 11, 26, 10))
    try:
        s = await seed(sessions, clock)
        w = World(sessions, clock, s)
        w.ids.update(
            T=s.people["secretary"],
            H=s.people["deputy"],
            B=s.people["committee"],
            A=s.people["member"],
            P=s.people["other_member"],  # Phạm Thị Lan, thôn 7
            O=s.people["organiser"],  # thôn 7
            Q=s.people["other_organiser"],  # thôn 7
        )
        async with sessions.begin() as session:
            cell = await session.get(Cell, s.cell)
            assert cell is not None
            for key, name in (("L", "Nông Thị Lan"), ("C", "Ma Văn Cường")):
                person = await people.add_person(
                    session=session, full_name=name, cell=cell, actor=audit.CLI, now=clock(), today=TODAY
                )
                assert person.id is not None
                w.ids[key] = person.id

        # M1, 10/12/2026: C asks to be excused (rejected at the close); everyone else comes.
        await w.plan("M1", s.cell, hanoi(2026, 12, 10, 19, 30), planned=hanoi(2026, 12, 1, 9))
        await w.answer("M1", "C", Answer.ABSENT, "Bận việc nhà", hanoi(2026, 12, 9, 20))
        await w.open("M1", hanoi(2026, 12, 10, 19, 30))
        for key in "THBAL":
            await w.check_in("M1", key, hanoi(2026, 12, 10, 19, 35))
        await w.say("M1", "T", "Báo cáo tình hình tháng 11", hanoi(2026, 12, 10, 19, 45))
        await w.say("M1", "H", "Đề nghị sửa đèn đường", hanoi(2026, 12, 10, 20, 0))
        await w.close("M1", hanoi(2026, 12, 10, 21, 10), {"C": Verdict.REJECTED})

        # M2, 14/01/2027: A is excused and sends a written view ahead; B, without a phone, is ticked in
        # and the secretary writes down what he says; C never answers and does not come.
        await w.plan("M2", s.cell, hanoi(2027, 1, 14, 19, 30), planned=hanoi(2027, 1, 4, 9))
        await w.answer("M2", "A", Answer.ABSENT, ":work", hanoi(2027, 1, 13, 8))
        view = await w.say("M2", "A", "Tôi đề nghị tăng cường tuần tra ban đêm", hanoi(2027, 1, 13, 8, 5))
        assert view.written
        await w.open("M2", hanoi(2027, 1, 14, 19, 30))
        for key in "THL":
            await w.check_in("M2", key, hanoi(2027, 1, 14, 19, 35))
        await w.check_in("M2", "B", hanoi(2027, 1, 14, 19, 40), by="T")
        await w.say("M2", "T", "Triển khai nghị quyết mới", hanoi(2027, 1, 14, 19, 50))
        recorded = await w.say(
            "M2", "B", "Đề nghị sửa đường liên thôn", hanoi(2027, 1, 14, 20, 10), recorded_by="T"
        )
        assert recorded.recorded_by_person_id == w.ids["T"] and not recorded.written
        await w.say("M2", "L", "Thu đảng phí đủ", hanoi(2027, 1, 14, 20, 20))
        await w.close("M2", hanoi(2027, 1, 14, 21, 10), {"A": Verdict.ACCEPTED})

        # M3, 11/02/2027: A asked to be excused but came after all; L never answers, never comes.
        # Nobody closes it: it closes by itself at 21:30 + 2 h.
        await w.plan("M3", s.cell, hanoi(2027, 2, 11, 19, 30), planned=hanoi(2027, 2, 1, 9))
        await w.answer("M3", "A", Answer.ABSENT, ":illness", hanoi(2027, 2, 10, 8))
        await w.open("M3", hanoi(2027, 2, 11, 19, 30))
        for key in "THBAC":
            await w.check_in("M3", key, hanoi(2027, 2, 11, 19, 35))
        await w.say("M3", "T", "Tổng kết năm", hanoi(2027, 2, 11, 20, 0))

        # M4, 11/03/2027: L is excused and sends a written view during the meeting; C checks in late and
        # speaks; A speaks, then withdraws it.
        await w.plan("M4", s.cell, hanoi(2027, 3, 11, 19, 30), planned=hanoi(2027, 3, 1, 9))
        await w.answer("M4", "L", Answer.ABSENT, ":illness", hanoi(2027, 3, 10, 8))
        await w.open("M4", hanoi(2027, 3, 11, 19, 30))
        for key in "THBA":
            await w.check_in("M4", key, hanoi(2027, 3, 11, 19, 35))
        await w.check_in("M4", "C", hanoi(2027, 3, 11, 19, 50))  # 20 minutes after opening: late
        for key, text, minute in (
            ("T", "Tình hình an ninh ổn định", 55),
            ("L", "Tôi nhất trí với dự thảo", 60),  # a written view: L is excused, not checked in
            ("A", "Tôi xin rút ý kiến này", 65),
        ):
            taken = await w.say("M4", key, text, hanoi(2027, 3, 11, 19) + timedelta(minutes=minute))
            w.said[f"{key}4"] = taken.id or 0
        await w.withdraw("M4", "A", w.said["A4"], hanoi(2027, 3, 11, 20, 6))
        taken = await w.say("M4", "C", "Đề nghị họp sớm hơn", hanoi(2027, 3, 11, 20, 15))
        w.said["C4"] = taken.id or 0
        await w.close("M4", hanoi(2027, 3, 11, 21, 10), {"L": Verdict.ACCEPTED})
        w.at(hanoi(2027, 3, 11, 21, 20))
        yield w
    finally:
        await engine.dispose()


async def test_the_last_meeting_counts_who_spoke_who_has_not_and_who_has_been_quiet(world: World) -> None:
    report, roster = await world.participation("M4")
    assert report.share == Share(spoke=2, present=5)
    assert report.share.percent == 40
    assert report.not_yet == world.ordered(roster, "H", "B", "A")
    assert report.streaks == world.streaks(T=0, H=3, B=2, A=3, L=0, C=0)
    assert report.quiet == world.ordered(roster, "H", "A")
    assert report.written == 1


async def test_a_recorded_contribution_counts_as_spoken_and_a_written_view_does_not(world: World) -> None:
    report, roster = await world.participation("M2")
    assert (report.share, report.share.percent) == (Share(spoke=3, present=4), 75)
    assert report.not_yet == world.ordered(roster, "H")
    # Cường was never present up to M2: no streak at all, rather than 0.
    assert report.streaks == world.streaks(T=0, H=1, B=0, A=1, L=0)
    assert world.ids["C"] not in report.streaks
    assert report.quiet == []
    assert report.written == 1


async def test_a_meeting_that_closed_by_itself_counts_its_check_ins(world: World) -> None:
    async with world.sessions() as session:
        meeting = await session.get(Meeting, world.held["M3"])
        assert meeting is not None
        assert meeting.closed_at is None  # nobody closed it, and no job ran
        assert meetings.state(meeting, world.clock(), RULES) is State.CLOSED
    report, roster = await world.participation("M3")
    assert (report.share, report.share.percent) == (Share(spoke=1, present=5), 20)
    assert report.not_yet == world.ordered(roster, "H", "B", "A", "C")
    assert report.streaks == world.streaks(T=0, H=2, B=1, A=2, L=0, C=1)
    assert report.quiet == []
    assert report.written == 0


async def test_nothing_is_taken_once_a_meeting_has_ended(world: World) -> None:
    for label in ("M1", "M3", "M4"):
        with pytest.raises(UserError) as refused:
            await world.say(label, "T", "Một ý kiến muộn", world.clock())
        assert refused.value.message == contributions.REFUSALS[Refusal.ENDED]
    report, _ = await world.participation("M4")
    assert report.share == Share(spoke=2, present=5)


async def test_the_meeting_lists_standing_contributions_and_keeps_the_withdrawn_ones_history(
    world: World,
) -> None:
    async with world.sessions() as session:
        standing = await contributions.of_meeting(session, world.held["M4"])
        assert [c.id for c in standing] == [world.said["T4"], world.said["L4"], world.said["C4"]]
        assert [c.written for c in standing] == [False, True, False]
        versions = await contributions.history(session, world.said["A4"])
        assert [(v.version, v.withdrawn) for v in versions] == [(1, False), (2, True)]
        assert versions[0].body == "Tôi xin rút ý kiến này"
        # One person's: made by them, or recorded by them for someone else.
        by_secretary = await contributions.of_meeting(session, world.held["M2"], person_id=world.ids["T"])
        assert [c.person_id for c in by_secretary] == [world.ids["T"], world.ids["B"]]


async def test_a_member_who_moved_keeps_the_history_of_his_old_cell(world: World) -> None:
    s = world.s
    # Ân leaves thôn 3 on 01/04/2027 and joins thôn 7 the same day.
    moved = world.at(hanoi(2027, 3, 31, 9))
    async with world.sessions.begin() as session:
        person = await session.get(Person, world.ids["A"])
        assert person is not None
        await records.end_membership(
            session=session,
            person=person,
            on=date(2027, 4, 1),
            reason="Chuyển sinh hoạt",
            actor=audit.CLI,
            now=moved,
        )
        session.add(Membership(person_id=world.ids["A"], cell_id=s.other_cell, valid_from=date(2027, 4, 1)))
    async with world.sessions() as session:
        cell = await session.get(Cell, s.other_cell)
        assert cell is not None
        members = await people.list_members(session=session, cell=cell, day=date(2027, 4, 8))
        assert world.ids["A"] in {m.person.id for m in members}

    # M5, 08/04/2027, thôn 7: Ân and Phạm Thị Lan come; she speaks, he does not.
    await world.plan("M5", s.other_cell, hanoi(2027, 4, 8, 19, 30), planned=hanoi(2027, 4, 1, 9))
    await world.open("M5", hanoi(2027, 4, 8, 19, 30))
    for key in "AP":
        await world.check_in("M5", key, hanoi(2027, 4, 8, 19, 35))
    await world.say("M5", "P", "Báo cáo công tác dân vận", hanoi(2027, 4, 8, 19, 50))

    report, roster = await world.participation("M5")
    assert set(roster) == {world.ids[k] for k in "APOQ"}
    assert (report.share, report.share.percent) == (Share(spoke=1, present=2), 50)
    assert report.not_yet == [world.ids["A"]]
    # M5, M4 (withdrawn), M3 and M1 in thôn 3; M2 missed. The organisers were never present anywhere.
    assert report.streaks == world.streaks(A=4, P=0)
    assert report.quiet == [world.ids["A"]]
    assert report.written == 0

    # The old cell's meeting still counts him: its roster keeps the row of a member who left since.
    before, _ = await world.participation("M4")
    assert before.share == Share(spoke=2, present=5)
    assert before.streaks == world.streaks(T=0, H=3, B=2, A=3, L=0, C=0)


async def test_a_meeting_recorded_afterwards_says_nothing_about_who_spoke(world: World) -> None:
    s = world.s
    # 08/04/2027: the cell meets without the bot; the secretary records afterwards that H and C came.
    await world.plan("R5", s.cell, hanoi(2027, 4, 8, 19, 30), planned=hanoi(2027, 4, 1, 9))
    now = world.at(hanoi(2027, 4, 9, 9))
    with pytest.raises(UserError):  # nobody could have said anything through the bot
        await world.say("R5", "C", "Ý kiến", now)
    async with world.sessions.begin() as session:
        meeting = await session.get(Meeting, world.held["R5"])
        assert meeting is not None
        assert meetings.state(meeting, now, RULES) is State.NOT_RECORDED
        await attendance.record_late(
            session=session,
            meeting=meeting,
            came={world.ids["H"], world.ids["C"]},
            verdicts={},
            actor=world.who("T"),
            now=now,
            rules=RULES,
            tz=HANOI,
        )
    # 13/05/2027, with the bot again: both come and say nothing.
    await world.plan("M6", s.cell, hanoi(2027, 5, 13, 19, 30), planned=hanoi(2027, 5, 1, 9))
    await world.open("M6", hanoi(2027, 5, 13, 19, 30))
    for key in "HC":
        await world.check_in("M6", key, hanoi(2027, 5, 13, 19, 35))
    report, roster = await world.participation("M6")
    assert report.share == Share(spoke=0, present=2)
    assert report.not_yet == world.ordered(roster, "H", "C")
    # R5 counts neither way. C spoke at M4, so only M6 is silent since: 1 (2 if R5 counted).
    # H: M6, M4, M3, M2 silent, M1 spoke: 4 (5 if R5 counted). The others as at M4.
    assert report.streaks == world.streaks(T=0, H=4, B=2, A=3, L=0, C=1)
    assert report.quiet == world.ordered(roster, "H", "A")

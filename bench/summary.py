"""Time the secretary's meeting summary: one cell's with its files, and the summaries of a district's cells.

    .venv/bin/python -m bench.summary [--db sqlite|postgres] [--database-url URL]
                                      [--cells 50,100,250,500] [--repeat 5] [--passes 3] [--profile]

A district is bulk-inserted into a fresh database (a temporary SQLite file, or a scratch PostgreSQL
database created on the server at --database-url / CHIBO_TEST_POSTGRES_URL and dropped afterwards): one
district unit with communes of 25 village cells, each cell with 20 members and a year of monthly meetings
held in the bot (attendance, contributions, votes, tasks), 200 households and their visits, dues, the
outbox's notices and the audit log. The largest --cells is seeded once; then, on that database:

1. one cell: `compile_summary` + `render` of its latest meeting (the first run in the process, with its
   cold imports and statement caches, apart; then the median of --repeat), and `files` (DOCX + XLSX +
   PNG) apart, first run and median;
2. the district: for each k of --cells, the summaries of the first k cells one after another, one
   session per cell as the bot opens one (find the latest meeting, compile, render): seconds, ms per
   cell, SQL statements per cell (counted on the engine, not noisy) and the time inside them;
3. the data-volume control: a second fresh database holding only the first min(--cells) cells, and the
   same cells' summaries timed on it and on the full database in alternation, --passes times: if the
   cost of one cell grows with the size of the district, it shows here (the subsets of step 2 all run on
   the full database, so they show only whether the cost per summary stays flat).

The tables are printed and the results written as JSON to bench/results/. See BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import json
import os
import platform
import pstats
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

from bot.i18n import translator
from bot.meetings.rules import Rules
from bot.meetings.visits import PeriodKind
from bot.names import name_key
from bot.services import summary
from bot.services.summary_model import Summary
from storage import migrate
from storage.db import Sessions, make_engine, make_sessions
from storage.models import (
    AgendaItem,
    Attendance,
    AuditLog,
    Cell,
    ChatIdentity,
    Contribution,
    DuesPayment,
    Exemption,
    Household,
    HouseholdAssignment,
    Meeting,
    Membership,
    MemberStatus,
    OutboxMessage,
    Person,
    RoleAssignment,
    Task,
    TaskAssignee,
    Unit,
    Visit,
    Vote,
)

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
RULES = Rules()
VI = translator("vi").gettext
# The /summary of each cell's latest meeting (held between 20/11 and 27/11) is asked on 28/11 at 22:00.
NOW = datetime(2026, 11, 28, 22, 0, tzinfo=TZ).astimezone(UTC)
TODAY = date(2026, 11, 28)
MONTHS = [date(2025 + (11 + i) // 12, (11 + i) % 12 + 1, 1) for i in range(12)]  # 12/2025 … 11/2026
SEEDED = datetime(2025, 1, 5, 2, 0, tzinfo=UTC)

MEMBERS = 20  # per cell
HOUSEHOLDS_EACH = 10  # per member
CELLS_PER_COMMUNE = 25
CHUNK = CELLS_PER_COMMUNE  # cells generated and inserted per transaction
SECRETARY, DEPUTY, COMMITTEE = 0, 1, 2  # member numbers in each cell
NO_PHONE = 16  # has no chat linked: the notice cannot reach them, the secretary ticks them in
PROBATIONARY = (17, 18)  # admitted on 01/03/2026
JOINED_LATE = date(2026, 3, 1)
EXEMPT = 19  # exempt from meetings (old age) since 2021
CONTRIBUTIONS_LATEST = 15
VISITS_PER_MONTH = 30

SURNAMES = (
    "Nguyễn Trần Lê Phạm Hoàng Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Nông Ma Triệu Quan Hà Lò Đinh La Lục".split()
)
MIDDLE_MEN = "Văn Văn Văn Đức Quang Minh Xuân Hữu Công Đình Thế".split()
MIDDLE_WOMEN = "Thị Thị Thị Ngọc Thu Thanh Hồng".split()
GIVEN_MEN = (
    "Hải Thắng Bình Cường Dũng Hùng Long Nam Phúc Quân Sơn Tuấn Thịnh Trường Việt Hưng Khánh Lâm Toàn "
    "Vinh Kiên Tiến Đạt Hiếu Nghĩa".split()
)
GIVEN_WOMEN = "Hương Lan Mai Yến Thủy Ánh Hoa Hằng Linh Nga Oanh Phương Thảo Trang Vân Hà Nhung".split()
HAMLETS = "Việt Tiến, Việt Thắng, Ngành Nghề, Đồng Tâm, Bản Chang, Nà Pồng, Khuổi Luông, Cốc Phường".split(
    ", "
)
AGENDA = (
    "Đánh giá kết quả thực hiện nhiệm vụ tháng {month}, phương hướng tháng tới",
    "Tình hình an ninh trật tự, vệ sinh môi trường trên địa bàn thôn",
    "Kế hoạch làm đường bê tông xóm {hamlet}",
    "Triển khai nghị quyết của Đảng ủy xã về xây dựng nông thôn mới",
    "Công tác phát triển đảng viên và quản lý đảng viên đi làm ăn xa",
    "Vận động nhân dân đóng góp quỹ khuyến học, quỹ đền ơn đáp nghĩa",
)
CONCLUSIONS = (
    "Chi bộ thống nhất đánh giá; giao các đồng chí đảng viên phụ trách xóm triển khai.",
    "Giữ vững an ninh trật tự; duy trì tổ tuần tra ban đêm và tổng vệ sinh cuối tháng.",
    "Thống nhất vận động mỗi hộ góp 5 ngày công; hoàn thành trước ngày 31/12.",
    "Chi bộ nhất trí kế hoạch, đề nghị chi ủy theo dõi, báo cáo tại kỳ họp sau.",
)
SAYINGS = (
    "Tháng này trên địa bàn thôn không xảy ra vụ việc phức tạp về an ninh trật tự.",
    "Đề nghị mỗi hộ xóm {hamlet} góp 5 ngày công để làm đường bê tông.",
    "Tôi nhất trí với báo cáo, đề nghị bổ sung kết quả thu quỹ khuyến học.",
    "Một số hộ chưa phân loại rác tại nguồn, đề nghị tổ phụ nữ nhắc nhở thường xuyên.",
    "Đề nghị chi bộ quan tâm hộ cận nghèo ở xóm {hamlet}, hỗ trợ giống lúa vụ tới.",
    "Việc đảng viên đi làm ăn xa chưa báo cáo thường xuyên, đề nghị chi ủy liên hệ qua điện thoại.",
    "Tôi xin tự phê bình vì chưa hoàn thành việc thăm hộ được phân công trong tháng.",
    "Xin hỏi kinh phí làm đường lấy từ nguồn nào, ngân sách xã hỗ trợ bao nhiêu phần trăm?",
    "Đề nghị tổ chức ra quân tổng vệ sinh đường làng vào sáng chủ nhật cuối tháng.",
    "Đường nội đồng xóm {hamlet} xuống cấp, mùa mưa đi lại khó khăn.",
    "Đề nghị tuyên truyền phòng chống cháy rừng trong mùa khô cho các hộ giáp rừng.",
    "Tôi nhất trí với kết luận của đồng chí chủ trì.",
)
KINDS = ("comment",) * 6 + ("proposal",) * 3 + ("question", "self_criticism")
REASONS = (
    "Ốm, đang điều trị tại trạm y tế xã",
    "Đi công tác tại huyện",
    "Đám cưới con gái",
    "Đi làm ăn xa ở Bình Dương",
    "Chăm mẹ ốm ở bệnh viện tỉnh",
)
TASKS = (
    "Vận động các hộ góp ngày công làm đường bê tông xóm {hamlet}",
    "Rà soát hộ nghèo, cận nghèo năm {year}",
    "Đôn đốc thu quỹ khuyến học của các hộ",
    "Tuyên truyền phòng chống cháy rừng đến các hộ giáp rừng",
    "Hoàn thiện hồ sơ đề nghị kết nạp đảng viên mới",
)
TOPICS = ("housing", "income", "work", "schooling", "insurance", "water", "security", "policy", "mediation")
NOTES = (
    "Gia đình ổn định, các cháu đi học đầy đủ.",
    "Chủ hộ đi làm xa, đã gặp vợ và con.",
    "Hộ đã có nước sạch, đề nghị theo dõi thêm việc vay vốn.",
    "Đã phổ biến chính sách bảo hiểm y tế hộ gia đình.",
)
REQUESTS = (
    "Xin hỗ trợ sửa mái nhà trước mùa mưa",
    "Đề nghị sửa đèn chiếu sáng đường xóm",
    "Đề nghị xem xét đưa vào danh sách hộ cận nghèo",
    "Xin hướng dẫn thủ tục cấp thẻ bảo hiểm y tế cho trẻ em",
    "Phản ánh nước thải từ trại lợn của hộ bên cạnh",
    "Đề nghị nạo vét mương thoát nước trước mùa mưa",
)

Row = dict[str, Any]
# Every table, parents before children (SQLite checks foreign keys).
TABLES: list[type[SQLModel]] = [
    Unit,
    Person,
    Cell,
    Membership,
    MemberStatus,
    Exemption,
    RoleAssignment,
    ChatIdentity,
    Household,
    HouseholdAssignment,
    Meeting,
    AgendaItem,
    Attendance,
    Contribution,
    Vote,
    Task,
    TaskAssignee,
    Visit,
    DuesPayment,
    OutboxMessage,
    AuditLog,
]


# ------------------------------------------------------------------------------------------ seeding


def _defaults(model: type[SQLModel]) -> Row:
    """Every column of the table, with its scalar default or None, so all rows of a table share keys."""
    table: Any = model.__table__  # type: ignore[attr-defined]
    return {
        c.name: (c.default.arg if c.default is not None and getattr(c.default, "is_scalar", False) else None)
        for c in table.columns
    }


DEFAULTS: dict[str, Row] = {str(m.__tablename__): _defaults(m) for m in TABLES}


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in the district (Hà Nội time), as an aware UTC timestamp."""
    return datetime.combine(day, day_time(hour, minute), TZ).astimezone(UTC)


def month_end(month: date) -> date:
    """The last day of a month."""
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - timedelta(days=1)


class District:
    """Generates the rows of a district's cells in order, with explicit ids, so the first k cells are the
    same rows (same ids) in every database seeded from cell 0."""

    def __init__(self) -> None:
        self.rows: dict[str, list[Row]] = {}
        self._ids: Counter[str] = Counter()
        self.cells: list[int] = []  # cell ids, in seeding order
        self._communes: dict[int, int] = {}
        self._chat = 800_000_000
        self._district = self.add(Unit, name="Đảng bộ huyện Bảo Lâm", parent_id=None, created_at=SEEDED)

    def add(self, model: type[SQLModel], **values: Any) -> int:
        """Queue a row (its id given here unless the table's key is not `id`); return its id."""
        table = str(model.__tablename__)
        self._ids[table] += 1
        row = DEFAULTS[table] | {"id": self._ids[table]} | values
        self.rows.setdefault(table, []).append(row)
        return int(row["id"])

    def take(self) -> dict[str, list[Row]]:
        """The rows queued so far (and forget them)."""
        rows, self.rows = self.rows, {}
        return rows

    def commune(self, number: int) -> int:
        """The unit of the number-th commune, added when first needed."""
        if number not in self._communes:
            self._communes[number] = self.add(
                Unit, name=f"Đảng bộ xã {number + 1:02d}", parent_id=self._district, created_at=SEEDED
            )
        return self._communes[number]

    def cell(self, index: int) -> None:
        """Every row of the index-th cell of the district."""
        rng = random.Random(index)
        village = index % CELLS_PER_COMMUNE + 1
        cell_id = self.add(
            Cell,
            name=f"Chi bộ thôn {village}",
            kind="village",
            unit_id=self.commune(index // CELLS_PER_COMMUNE),
            created_at=SEEDED,
        )
        self.cells.append(cell_id)
        hamlets = rng.sample(HAMLETS, 3)
        self.audit("cell.add", f"cell:{cell_id}", SEEDED, None)
        self.audit(
            "schedule.set",
            f"schedule:cell:{cell_id}",
            SEEDED + timedelta(minutes=5),
            None,
            after=schedule_record(20 + index % 8),
        )
        members = self._members(rng, cell_id)
        households = self._households(rng, cell_id, members, hamlets)
        previous: date | None = None
        for number, month in enumerate(MONTHS):
            day = date(month.year, month.month, 20 + index % 8)
            latest = number == len(MONTHS) - 1
            self._meeting(rng, cell_id, members, month, day, hamlets, latest=latest, edited=index % 3 == 0)
            self._visits(
                rng, cell_id, members, households, since=previous or day - timedelta(days=30), day=day
            )
            previous = day
        if index % 10 == 5:  # a schedule change since the last meeting, in one cell of ten
            self.audit(
                "schedule.set",
                f"schedule:cell:{cell_id}",
                at(day - timedelta(days=3), 9),
                members[SECRETARY],
                before=schedule_record(20 + index % 8),
                after=schedule_record(25),
            )

    def audit(
        self,
        action: str,
        subject: str,
        moment: datetime,
        person_id: int | None,
        *,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        """A row of the audit log, as the services write one for each change."""
        self.add(
            AuditLog,
            at=moment,
            actor=f"person:{person_id}" if person_id else "system",
            actor_person_id=person_id,
            action=action,
            subject=subject,
            before=before,
            after=after,
        )

    def _members(self, rng: random.Random, cell_id: int) -> list[int]:
        members = []
        for number in range(MEMBERS):
            woman = rng.random() < 0.35
            name = " ".join(
                (
                    rng.choice(SURNAMES),
                    rng.choice(MIDDLE_WOMEN if woman else MIDDLE_MEN),
                    rng.choice(GIVEN_WOMEN if woman else GIVEN_MEN),
                )
            )
            joined = (
                JOINED_LATE
                if number in PROBATIONARY
                else date(2000 + rng.randrange(24), 1 + rng.randrange(12), 1)
            )
            person_id = self.add(
                Person,
                full_name=name,
                name_key=name_key(name),
                birth_date=date(1950 + rng.randrange(50), 1 + rng.randrange(12), 1 + rng.randrange(28)),
                phone=None if number == NO_PHONE else f"09{rng.randrange(10**8):08d}",
                created_at=SEEDED,
            )
            members.append(person_id)
            self.add(Membership, person_id=person_id, cell_id=cell_id, kind="primary", valid_from=joined)
            self.add(
                MemberStatus,
                person_id=person_id,
                status="probationary" if number in PROBATIONARY else "official",
                valid_from=joined,
            )
            if number == EXEMPT:
                self.add(
                    Exemption, person_id=person_id, valid_from=date(2021, 3, 15), reason="Tuổi cao, sức yếu"
                )
            if number not in (NO_PHONE, EXEMPT):
                self._chat += 1
                self.add(
                    ChatIdentity,
                    platform="telegram",
                    external_id=str(self._chat),
                    person_id=person_id,
                    language_code="vi",
                    linked_at=SEEDED,
                )
            self.audit("person.add", f"person:{person_id}", SEEDED, None)
        for number, role in (
            (SECRETARY, "secretary"),
            (DEPUTY, "deputy_secretary"),
            (COMMITTEE, "committee_member"),
        ):
            self.add(
                RoleAssignment,
                person_id=members[number],
                role=role,
                cell_id=cell_id,
                valid_from=date(2025, 1, 1),
            )
            self.audit("role.grant", f"person:{members[number]}", SEEDED, None)
        return members

    def _households(
        self, rng: random.Random, cell_id: int, members: list[int], hamlets: list[str]
    ) -> dict[int, list[int]]:
        held: dict[int, list[int]] = {}
        house = 0
        for person_id in members:
            for _ in range(HOUSEHOLDS_EACH):
                house += 1
                woman = rng.random() < 0.25
                head = " ".join(
                    (
                        rng.choice(SURNAMES),
                        rng.choice(MIDDLE_WOMEN if woman else MIDDLE_MEN),
                        rng.choice(GIVEN_WOMEN if woman else GIVEN_MEN),
                    )
                )
                hamlet = hamlets[house % len(hamlets)]
                address = f"Số {house}, xóm {hamlet}"
                household_id = self.add(
                    Household,
                    cell_id=cell_id,
                    head_name=head,
                    head_key=name_key(head),
                    address=address,
                    address_key=name_key(address),
                    village=f"xóm {hamlet}",
                    people=2 + rng.randrange(6),
                    tags=[],
                    created_at=SEEDED,
                )
                held.setdefault(person_id, []).append(household_id)
                self.add(
                    HouseholdAssignment,
                    household_id=household_id,
                    person_id=person_id,
                    valid_from=date(2025, 1, 5),
                )
        self.audit("household.import", f"cell:{cell_id}", SEEDED, members[SECRETARY])
        return held

    def _meeting(
        self,
        rng: random.Random,
        cell_id: int,
        members: list[int],
        month: date,
        day: date,
        hamlets: list[str],
        *,
        latest: bool,
        edited: bool,
    ) -> None:
        starts = at(day, 19, 30)
        opened = starts + timedelta(minutes=rng.randrange(6))
        closed = opened + timedelta(minutes=100 + rng.randrange(25))
        secretary, deputy = members[SECRETARY], members[DEPUTY]
        meeting_id = self.add(
            Meeting,
            cell_id=cell_id,
            kind="regular",
            month=month,
            regular_month=month,
            starts_at=starts,
            expected_end=starts + timedelta(hours=2),
            place=f"Nhà văn hóa thôn, xóm {hamlets[0]}",
            chair_person_id=secretary,
            minute_taker_person_id=deputy,
            created_by_person_id=None,
            created_at=starts - timedelta(days=10),
            opened_at=opened,
            closed_at=closed,
            scheduled=True,
            steps_done=["notice", "remind:1d", "brief"],
            current_position=3,
            contributions_taken=True,
        )
        subject = f"meeting:{meeting_id}"
        self.audit("meeting.create", subject, starts - timedelta(days=10), None)
        if latest and edited:  # moved by half an hour a few days before, and a new place
            self.audit(
                "meeting.edit",
                subject,
                starts - timedelta(days=4),
                secretary,
                before={
                    "starts_at": (starts - timedelta(minutes=30)).isoformat(),
                    "place": "Nhà ông Trưởng thôn",
                    "agenda": [],
                },
                after={
                    "starts_at": starts.isoformat(),
                    "place": f"Nhà văn hóa thôn, xóm {hamlets[0]}",
                    "agenda": [],
                },
            )
        items = []
        titles = rng.sample(AGENDA[1:], 2)
        for position, title in enumerate((AGENDA[0], *titles), start=1):
            items.append(
                self.add(
                    AgendaItem,
                    meeting_id=meeting_id,
                    position=position,
                    title=title.format(month=f"{month:%m/%Y}", hamlet=hamlets[1]),
                    conclusion=rng.choice(CONCLUSIONS),
                    concluded_at=opened + timedelta(minutes=30 * position),
                    concluded_by_person_id=secretary,
                )
            )
            self.audit("meeting.conclude", subject, opened + timedelta(minutes=30 * position), secretary)
        self.audit("meeting.open", subject, opened, secretary)
        # The roll call: those tied to the cell that day; two excused, one late, one absent without reason
        # in half the months.
        roster = [n for n in range(MEMBERS) if n not in PROBATIONARY or month >= JOINED_LATE]
        others = [n for n in roster if n not in (SECRETARY, DEPUTY, EXEMPT)]
        excused = rng.sample(others, 2)
        rest = [n for n in others if n not in excused]
        unexcused, late = rng.sample(rest, 2)
        if rng.random() < 0.5:  # most months nobody stays away without a reason
            unexcused = -1
        came: list[int] = []
        for number in roster:
            person_id = members[number]
            values: Row = {
                "meeting_id": meeting_id,
                "person_id": person_id,
                "status": "probationary" if number in PROBATIONARY else "official",
            }
            answered = starts - timedelta(hours=20 + rng.randrange(48))
            if number == EXEMPT:
                values |= {"final": "exempt", "exempt": True}
            elif number in excused:
                values |= {
                    "answer": "absent",
                    "answered_at": answered,
                    "answers": 1,
                    "reason": rng.choice(REASONS),
                    "verdict": "accepted",
                    "verdict_by_person_id": secretary,
                    "final": "excused",
                }
            elif number == unexcused:
                values |= {"final": "unexcused"}
            else:
                checked_in = opened + timedelta(
                    minutes=20 + rng.randrange(20) if number == late else rng.randrange(10)
                )
                values |= {
                    "answer": "attend",
                    "answered_at": answered,
                    "answers": 1,
                    "checked_in_at": checked_in,
                    "ticked_by_person_id": secretary if number == NO_PHONE else None,
                    "final": "late" if number == late else "present",
                }
                came.append(number)
                self.audit("meeting.check_in", subject, checked_in, person_id)
            if values.get("answer"):
                self.audit("meeting.answer", subject, answered, person_id)
            self.add(Attendance, **values)
        self.audit("meeting.close", subject, closed, secretary)
        # Contributions: a year of them (the participation streaks read it), 15 at the latest meeting.
        count = CONTRIBUTIONS_LATEST if latest else 8 + rng.randrange(5)
        speakers = [members[n] for n in came if n != EXEMPT]
        for number in range(count):
            said = opened + timedelta(minutes=10 + 6 * number)
            voice = rng.random() < 0.12
            self.add(
                Contribution,
                meeting_id=meeting_id,
                person_id=rng.choice(speakers),
                agenda_item_id=items[min(number * len(items) // count, len(items) - 1)],
                kind=rng.choice(KINDS),
                body=rng.choice(SAYINGS).format(hamlet=rng.choice(hamlets)),
                media_kind="voice" if voice else None,
                file_id=f"voice-{meeting_id}-{number}" if voice else None,
                duration_seconds=30 + rng.randrange(120) if voice else None,
                written=False,
                version=1,
                created_at=said,
                updated_at=said,
            )
            self.audit("contribution.add", subject, said, None)
        if latest:  # a written view from an excused member
            self.add(
                Contribution,
                meeting_id=meeting_id,
                person_id=members[excused[0]],
                kind="comment",
                body="Tôi nhất trí với kế hoạch, đề nghị chi bộ vận động các hộ cùng góp ngày công.",
                written=True,
                version=1,
                created_at=starts - timedelta(hours=3),
                updated_at=starts - timedelta(hours=3),
            )
        voters = sum(1 for n in came if n not in PROBATIONARY)
        self.add(
            Vote,
            meeting_id=meeting_id,
            by_hands=True,
            for_count=voters - 1,
            against_count=0,
            abstain_count=1,
            voters=voters,
            voter_ids=[],
            opened_at=closed - timedelta(minutes=15),
            closed_at=closed - timedelta(minutes=14),
            opened_by_person_id=secretary,
        )
        self.audit("meeting.vote_recorded", subject, closed - timedelta(minutes=14), secretary)
        for number in range(2):
            task_id = self.add(
                Task,
                cell_id=cell_id,
                meeting_id=meeting_id,
                agenda_item_id=items[number + 1],
                title=rng.choice(TASKS).format(hamlet=hamlets[2], year=month.year),
                due=month_end(date(month.year + month.month // 12, month.month % 12 + 1, 1)),
                created_by_person_id=secretary,
                created_at=closed - timedelta(minutes=10),
                updated_at=closed - timedelta(minutes=10),
            )
            self.audit("task.assign", f"task:{task_id}", closed - timedelta(minutes=10), secretary)
            for person_number in rng.sample([n for n in roster if n != EXEMPT], 2):
                status = "not_started" if latest else rng.choice(("in_progress", "done", "done"))
                self.add(
                    TaskAssignee,
                    task_id=task_id,
                    person_id=members[person_number],
                    status=status,
                    note="Đã họp với các hộ trong xóm" if status == "in_progress" else None,
                    updated_at=closed,
                )
        # Dues for the month: ticked for everyone but (at the latest meeting) two members.
        unpaid = set(rng.sample(others, 2)) if latest else set()
        for number in roster:
            if number in unpaid:
                continue
            paid = date(month.year, month.month, 5 + rng.randrange(20))
            self.add(
                DuesPayment,
                person_id=members[number],
                month=month,
                reported_at=None,
                paid_on=paid,
                confirmed_by_person_id=rng.choice((secretary, deputy)),
            )
            self.audit("dues.tick", f"person:{members[number]}", at(paid, 20), secretary)
        # The outbox: the notice and the reminder to each member (the exempt one is not invited).
        for number in roster:
            if number == EXEMPT:
                continue
            person_id = members[number]
            linked = number != NO_PHONE
            for purpose, occurrence, sent in (
                ("meeting", "notice", starts - timedelta(days=7)),
                ("meeting_reminder", "remind:1d", starts - timedelta(days=1)),
            ):
                self.add(
                    OutboxMessage,
                    purpose=purpose,
                    subject=subject,
                    occurrence=occurrence,
                    platform="telegram" if linked else "none",
                    chat_id=f"tg-{person_id}" if linked else f"person:{person_id}",
                    person_id=person_id,
                    message_key="The regular meeting of %(cell)s is on %(when)s at %(place)s.",
                    params={"cell": "Chi bộ", "when": f"{starts:%d/%m/%Y %H:%M}", "place": "Nhà văn hóa"},
                    text="1. Đánh giá kết quả thực hiện nhiệm vụ\n2. Tình hình an ninh trật tự",
                    status="sent" if linked else "unreachable",
                    reason=None if linked else "not_linked",
                    attempts=1,
                    next_attempt_at=sent,
                    sent_at=sent if linked else None,
                    message_id=str(rng.randrange(10**6)) if linked else None,
                    created_at=sent,
                )

    def _visits(
        self,
        rng: random.Random,
        cell_id: int,
        members: list[int],
        held: dict[int, list[int]],
        *,
        since: date,
        day: date,
    ) -> None:
        """About 30 visits between the last meeting and this one; a few requests, some to follow up."""
        days = (day - since).days
        visitors = [members[n] for n in range(MEMBERS) if n != EXEMPT]
        for _ in range(VISITS_PER_MONTH):
            person_id = rng.choice(visitors)
            visited = since + timedelta(days=1 + rng.randrange(days))
            request = rng.choice(REQUESTS) if rng.random() < 0.15 else None
            follow_up = visited + timedelta(days=14) if request and rng.random() < 0.6 else None
            closed = at(follow_up, 16) if follow_up and follow_up < TODAY - timedelta(days=20) else None
            visit_id = self.add(
                Visit,
                household_id=rng.choice(held[person_id]),
                cell_id=cell_id,
                person_id=person_id,
                visited_on=visited,
                met=rng.choice(("Chủ hộ", "Vợ chủ hộ", "Con trai chủ hộ")),
                topics=rng.sample(TOPICS, 1 + rng.randrange(2)),
                notes=rng.choice(NOTES),
                request=request,
                follow_up_due=follow_up,
                follow_up_closed_at=closed,
                follow_up_closed_by_person_id=person_id if closed else None,
                follow_up_note="Đã báo cáo xã, đang giải quyết" if closed else None,
                created_at=at(visited, 17),
            )
            self.audit("visit.add", f"visit:{visit_id}", at(visited, 17), person_id)


def schedule_record(day: int) -> dict[str, Any]:
    """A cell's rule as the audit log keeps it (bot.services.schedules.as_record)."""
    return {
        "rhythm": "day",
        "at": "19:30",
        "length": "2h",
        "day": day,
        "nth": None,
        "weekday": None,
        "weeks": None,
        "anchor": None,
        "notice": "7d",
        "reminders": ["1d"],
    }


async def seed(engine: AsyncEngine, district: District, start: int, stop: int) -> Counter[str]:
    """Bulk-insert cells [start, stop) of the district, a commune (25 cells) per transaction."""
    counts: Counter[str] = Counter()
    for first in range(start, stop, CHUNK):
        for index in range(first, min(first + CHUNK, stop)):
            district.cell(index)
        rows = district.take()
        async with engine.begin() as conn:
            for model in TABLES:
                table = str(model.__tablename__)
                if rows.get(table):
                    await conn.execute(insert(model), rows[table])
                    counts[table] += len(rows[table])
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:
            for model in TABLES:  # explicit ids: move the sequences on, as inserts through the bot would
                table = str(model.__tablename__)
                await conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    return counts


async def analyze(engine: AsyncEngine) -> None:
    """PostgreSQL: VACUUM ANALYZE now, as autovacuum would soon after a bulk load (and would otherwise do
    in the middle of the timings). SQLite: nothing; the bot never runs ANALYZE, so a production file has
    no sqlite_stat1 either."""
    if engine.dialect.name == "postgresql":
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))


# ------------------------------------------------------------------------------------------ databases


@contextlib.asynccontextmanager
async def postgres_database(url: str, label: str) -> AsyncIterator[str]:
    """A new, empty database on the server at `url`, dropped afterwards; yields its URL."""
    name = f"chibo_bench_summary_{os.getpid()}_{label}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@contextlib.asynccontextmanager
async def fresh_database(db: str, database_url: str | None, label: str) -> AsyncIterator[AsyncEngine]:
    """A migrated, empty database (temporary SQLite file or scratch PostgreSQL database); yields an engine
    made as the bot makes it (storage.db.make_engine: WAL and synchronous=NORMAL on SQLite)."""
    async with contextlib.AsyncExitStack() as stack:
        if db == "sqlite":
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="chibo-bench-summary-"))
            url = f"sqlite+aiosqlite:///{folder}/{label}.db"
        else:
            url = await stack.enter_async_context(postgres_database(database_url or DEFAULT_POSTGRES, label))
        engine = make_engine(url)
        try:
            await migrate.upgrade(engine)
            yield engine
        finally:
            await engine.dispose()


# ------------------------------------------------------------------------------------------ measuring


class Statements:
    """Counts the SQL statements run on an engine, and the time inside them (the driver's execute)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.count = 0
        self.seconds = 0.0
        self.shapes: Counter[str] | None = None  # by verb and tables, while a caller wants them
        sync = engine.sync_engine
        event.listen(sync, "before_cursor_execute", self._before)
        event.listen(sync, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        conn.info["bench_started"] = time.perf_counter()
        self.count += 1
        if self.shapes is not None:
            self.shapes[shape(statement)] += 1

    def _after(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.seconds += time.perf_counter() - conn.info.pop("bench_started", time.perf_counter())

    @contextlib.contextmanager
    def shapes_of(self) -> Iterator[Counter[str]]:
        """Collect the statements' shapes while inside."""
        self.shapes = Counter()
        try:
            yield self.shapes
        finally:
            self.shapes = None


_VERB = re.compile(r"^\s*(\w+)")
_TABLES = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE)\s+\"?(\w+)", re.IGNORECASE)


def shape(statement: str) -> str:
    """A statement's verb and the tables it names, e.g. 'SELECT attendance+meeting'."""
    verb = _VERB.match(statement)
    tables = list(dict.fromkeys(_TABLES.findall(statement)))
    return f"{verb.group(1).upper() if verb else '?'} {'+'.join(tables)}"


@dataclass(frozen=True)
class CellRun:
    """One cell's summary: find the latest meeting, compile it, render it, in one session."""

    cell_id: int
    total_ms: float  # session opened to closed
    compile_ms: float  # compile_summary alone
    render_ms: float
    sql_ms: float  # inside the statements' execution
    statements: int
    characters: int


async def one_cell(sessions: Sessions, probe: Statements, cell_id: int) -> tuple[CellRun, Summary]:
    """The /summary of a cell's last meeting, as the bot builds it: one session, find, compile, render."""
    count, sql = probe.count, probe.seconds
    started = time.perf_counter()
    async with sessions() as session:
        found = await summary.find(session, cell_id, summary.Period(), now=NOW, tz=TZ)
        assert found, f"cell {cell_id} has no meeting"
        compiling = time.perf_counter()
        compiled = await summary.compile_summary(
            session=session,
            meeting=found[0],
            now=NOW,
            rules=RULES,
            tz=TZ,
            today=TODAY,
            visit_period=PeriodKind.MONTH,
        )
        rendering = time.perf_counter()
        rendered = summary.render(compiled, VI, private=True)
        rendered_at = time.perf_counter()
    ended = time.perf_counter()
    run = CellRun(
        cell_id=cell_id,
        total_ms=(ended - started) * 1000,
        compile_ms=(rendering - compiling) * 1000,
        render_ms=(rendered_at - rendering) * 1000,
        sql_ms=(probe.seconds - sql) * 1000,
        statements=probe.count - count,
        characters=len(rendered),
    )
    return run, compiled


@dataclass
class OneCell:
    """Step 1: one cell, cold and warm, and its files."""

    cell_id: int
    first: CellRun
    median_total_ms: float
    median_compile_ms: float
    median_render_ms: float
    median_sql_ms: float
    statements: int
    characters: int
    files_first_ms: float
    files_median_ms: float
    files_each_ms: dict[str, float]  # docx, xlsx, png: median of each alone
    file_bytes: dict[str, int]
    shapes: dict[str, int]  # the statements of one summary by verb and tables
    phases: dict[str, tuple[float, int, int]] = field(default_factory=dict)  # ms, calls, statements


# Where one summary's time goes: functions compile_summary calls (looked up as module attributes at each
# call, so wrapping the attribute times every call), outermost first; nested ones are inside the outer.
PHASES: list[tuple[str, str, str]] = [  # (module, function, label)
    ("bot.services.summary", "compile_summary", "compile_summary (all)"),
    ("bot.services.rollcall", "build", "rollcall.build"),
    ("bot.services.charter", "counts", "› charter.counts (the cell's members at once)"),
    ("bot.services.charter", "tracked_months", "›› charter.tracked_months"),
    ("bot.services.meetings", "names_of", "› meetings.names_of"),
    ("bot.services.dues", "unpaid", "› dues.unpaid"),
    ("bot.services.summary", "_contributions", "_contributions"),
    ("bot.services.contributions", "participation", "› contributions.participation"),
    ("bot.services.summary", "_resolution", "_resolution"),
    ("bot.services.summary", "_visits", "_visits"),
    ("bot.services.visits", "households", "› visits.households"),
    ("bot.services.summary", "_schedule_changes", "_schedule_changes"),
    ("bot.services.summary", "history", "history (chart)"),
]


@contextlib.contextmanager
def timed_phases(probe: Statements) -> Iterator[dict[str, list[float]]]:
    """Wrap the PHASES' functions while inside: each call adds its time and statements to its label."""
    found: dict[str, list[float]] = {label: [0.0, 0, 0] for _, _, label in PHASES}
    saved = []
    for module_name, name, label in PHASES:
        module = sys.modules[module_name]
        original = getattr(module, name)
        saved.append((module, name, original))

        def wrap(function: Callable[..., Any], into: list[float]) -> Callable[..., Any]:
            async def timed(*args: Any, **kwargs: Any) -> Any:
                started, statements = time.perf_counter(), probe.count
                try:
                    return await function(*args, **kwargs)
                finally:
                    into[0] += time.perf_counter() - started
                    into[1] += 1
                    into[2] += probe.count - statements

            return timed

        setattr(module, name, wrap(original, found[label]))
    try:
        yield found
    finally:
        for module, name, original in saved:
            setattr(module, name, original)


async def measure_one(sessions: Sessions, probe: Statements, cell_id: int, repeat: int) -> OneCell:
    """One cell's summary --repeat times after a first (cold) run; then its files the same way."""
    from bot.services import summary_files

    first, compiled = await one_cell(sessions, probe, cell_id)
    runs = []
    for _ in range(repeat):
        with probe.shapes_of() as shapes:
            run, compiled = await one_cell(sessions, probe, cell_id)
        runs.append(run)
    phases: dict[str, list[tuple[float, int, int]]] = {label: [] for _, _, label in PHASES}
    for _ in range(repeat):
        with timed_phases(probe) as found:
            await one_cell(sessions, probe, cell_id)
        for label, (seconds, calls, statements) in found.items():
            phases[label].append((seconds * 1000, int(calls), int(statements)))
    started = time.perf_counter()
    made = summary.files(compiled, VI)
    files_first = (time.perf_counter() - started) * 1000
    whole, each = [], {"docx": [], "xlsx": [], "png": []}  # type: ignore[var-annotated]
    makers: dict[str, Callable[[], Any]] = {
        "docx": lambda: summary_files.minutes_docx(compiled, VI),
        "xlsx": lambda: summary_files.workbook_xlsx(compiled, VI),
        "png": lambda: summary_files.chart_png(compiled, VI),
    }
    for _ in range(repeat):
        started = time.perf_counter()
        summary.files(compiled, VI)
        whole.append((time.perf_counter() - started) * 1000)
        for kind, make in makers.items():
            started = time.perf_counter()
            make()
            each[kind].append((time.perf_counter() - started) * 1000)
    return OneCell(
        cell_id=cell_id,
        first=first,
        median_total_ms=statistics.median(r.total_ms for r in runs),
        median_compile_ms=statistics.median(r.compile_ms for r in runs),
        median_render_ms=statistics.median(r.render_ms for r in runs),
        median_sql_ms=statistics.median(r.sql_ms for r in runs),
        statements=runs[-1].statements,
        characters=runs[-1].characters,
        files_first_ms=files_first,
        files_median_ms=statistics.median(whole),
        files_each_ms={kind: statistics.median(times) for kind, times in each.items()},
        file_bytes={name.rsplit(".", 1)[-1]: len(content) for name, content in made.items()},
        shapes=dict(shapes.most_common()),
        phases={
            label: (statistics.median(ms for ms, _, _ in runs), runs[0][1], runs[0][2])
            for label, runs in phases.items()
        },
    )


@dataclass(frozen=True)
class Pass:
    """The summaries of the first `cells` cells, one after another."""

    label: str  # which database: "full" (all cells seeded) or "small" (only these cells)
    district: int  # cells in the database
    cells: int
    seconds: float
    ms_per_cell: float  # mean
    median_ms: float
    p90_ms: float
    compile_ms: float  # mean, compile_summary alone
    render_ms: float
    sql_ms: float  # mean time inside statements
    statements_per_cell: float
    max_statements: int


async def measure_pass(
    sessions: Sessions, probe: Statements, cell_ids: Sequence[int], *, label: str, district: int
) -> Pass:
    """Every cell's summary in turn, one session each."""
    runs = []
    started = time.perf_counter()
    for cell_id in cell_ids:
        run, _ = await one_cell(sessions, probe, cell_id)
        runs.append(run)
    seconds = time.perf_counter() - started
    totals = sorted(r.total_ms for r in runs)
    n = len(runs)
    return Pass(
        label=label,
        district=district,
        cells=n,
        seconds=seconds,
        ms_per_cell=seconds * 1000 / n,
        median_ms=statistics.median(totals),
        p90_ms=totals[min(n - 1, int(0.9 * n))],
        compile_ms=statistics.fmean(r.compile_ms for r in runs),
        render_ms=statistics.fmean(r.render_ms for r in runs),
        sql_ms=statistics.fmean(r.sql_ms for r in runs),
        statements_per_cell=sum(r.statements for r in runs) / n,
        max_statements=max(r.statements for r in runs),
    )


@dataclass
class Report:
    """Everything one invocation measured on one engine."""

    db: str
    seeded_cells: int
    seed_seconds: float
    rows: dict[str, int]
    one: OneCell | None = None
    sizes: list[Pass] = field(default_factory=list)
    control: list[Pass] = field(default_factory=list)  # small and full, alternating
    control_seed_seconds: float = 0.0
    profile: str | None = None


async def run(args: argparse.Namespace) -> Report:
    """Seed, then measure steps 1–3 (see the module's docstring)."""
    sizes = sorted({int(value) for value in str(args.cells).split(",")})
    largest, smallest = sizes[-1], sizes[0]
    async with fresh_database(args.db, args.database_url, "full") as engine:
        district = District()
        print(f"… seeding {largest} cells ({args.db})", file=sys.stderr)
        started = time.perf_counter()
        rows = await seed(engine, district, 0, largest)
        await analyze(engine)
        report = Report(
            db=args.db, seeded_cells=largest, seed_seconds=time.perf_counter() - started, rows=dict(rows)
        )
        print(f"  {sum(rows.values())} rows in {report.seed_seconds:.0f} s", file=sys.stderr)
        sessions = make_sessions(engine)
        probe = Statements(engine)
        print("… one cell", file=sys.stderr)
        report.one = await measure_one(sessions, probe, district.cells[0], args.repeat)
        for size in sizes:
            print(f"… the first {size} cells, one after another", file=sys.stderr)
            report.sizes.append(
                await measure_pass(sessions, probe, district.cells[:size], label="full", district=largest)
            )
        if args.profile:
            report.profile = await profile(sessions, probe, district.cells[:smallest], args.db)
        if smallest < largest and args.passes > 0:
            async with fresh_database(args.db, args.database_url, "small") as small:
                print(f"… control: a database of only the first {smallest} cells", file=sys.stderr)
                started = time.perf_counter()
                await seed(small, District(), 0, smallest)
                await analyze(small)
                report.control_seed_seconds = time.perf_counter() - started
                small_sessions, small_probe = make_sessions(small), Statements(small)
                for _ in range(args.passes):
                    report.control.append(
                        await measure_pass(
                            small_sessions,
                            small_probe,
                            district.cells[:smallest],
                            label="small",
                            district=smallest,
                        )
                    )
                    report.control.append(
                        await measure_pass(
                            sessions, probe, district.cells[:smallest], label="full", district=largest
                        )
                    )
    return report


async def profile(sessions: Sessions, probe: Statements, cell_ids: Sequence[int], db: str) -> str:
    """cProfile one pass over the cells; save it to bench/results/ and return the path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"summary-{datetime.now(UTC):%Y%m%d-%H%M%S}-{db}.prof"
    profiler = cProfile.Profile()
    profiler.enable()
    await measure_pass(sessions, probe, cell_ids, label="profile", district=0)
    profiler.disable()
    profiler.dump_stats(path)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(r"(bot|storage)/", 25)
    print(out.getvalue(), file=sys.stderr)
    return str(path)


# ------------------------------------------------------------------------------------------ report


def markdown(headings: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A right-aligned Markdown table."""
    widths = [max(len(cell) for cell in column) for column in zip(headings, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.rjust(width) for cell, width in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (width + 1) + ":" for width in widths) + "|"
    return "\n".join([line(headings), rule, *(line(row) for row in rows)])


def tables(report: Report) -> str:
    """The report as Markdown tables."""
    parts = []
    one = report.one
    if one is not None:
        parts.append(f"**One cell** ({report.db}, cell {one.cell_id}, {report.seeded_cells} cells seeded)\n")
        parts.append(
            markdown(
                ["run", "total ms", "compile ms", "render ms", "sql ms", "statements", "characters"],
                [
                    [
                        "first (cold)",
                        f"{one.first.total_ms:.1f}",
                        f"{one.first.compile_ms:.1f}",
                        f"{one.first.render_ms:.1f}",
                        f"{one.first.sql_ms:.1f}",
                        str(one.first.statements),
                        str(one.first.characters),
                    ],
                    [
                        "median",
                        f"{one.median_total_ms:.1f}",
                        f"{one.median_compile_ms:.1f}",
                        f"{one.median_render_ms:.1f}",
                        f"{one.median_sql_ms:.1f}",
                        str(one.statements),
                        str(one.characters),
                    ],
                ],
            )
        )
        parts.append(
            "\n"
            + markdown(
                ["files", "first ms", "median ms", "docx ms", "xlsx ms", "png ms", "bytes docx/xlsx/png"],
                [
                    [
                        "DOCX+XLSX+PNG",
                        f"{one.files_first_ms:.0f}",
                        f"{one.files_median_ms:.0f}",
                        f"{one.files_each_ms['docx']:.0f}",
                        f"{one.files_each_ms['xlsx']:.0f}",
                        f"{one.files_each_ms['png']:.0f}",
                        "/".join(str(one.file_bytes.get(k, 0)) for k in ("docx", "xlsx", "png")),
                    ]
                ],
            )
        )
        parts.append(
            "\n**Where one summary's time goes** (median of the runs; › rows are inside the row "
            "above)\n\n"
            + markdown(
                ["function", "ms", "calls", "statements"],
                [[label, f"{ms:.1f}", str(calls), str(n)] for label, (ms, calls, n) in one.phases.items()],
            )
        )
        parts.append(
            "\n**Statements of one summary**\n\n"
            + markdown(["statement", "count"], [[s, str(n)] for s, n in one.shapes.items()])
        )
    if report.sizes:
        base = report.sizes[0]
        parts.append(
            f"\n**District** ({report.db}, {report.seeded_cells} cells seeded, one session per cell)\n"
        )
        parts.append(
            markdown(
                [
                    "cells",
                    "total s",
                    "ms/cell",
                    "median ms",
                    "p90 ms",
                    "compile ms",
                    "render ms",
                    "sql ms",
                    "stmts/cell",
                    f"ms/cell ÷ {base.cells}",
                    f"median ÷ {base.cells}",
                ],
                [
                    [
                        str(p.cells),
                        f"{p.seconds:.2f}",
                        f"{p.ms_per_cell:.1f}",
                        f"{p.median_ms:.1f}",
                        f"{p.p90_ms:.1f}",
                        f"{p.compile_ms:.1f}",
                        f"{p.render_ms:.2f}",
                        f"{p.sql_ms:.1f}",
                        f"{p.statements_per_cell:.1f}",
                        f"{p.ms_per_cell / base.ms_per_cell:.2f}",
                        f"{p.median_ms / base.median_ms:.2f}",
                    ]
                    for p in report.sizes
                ],
            )
        )
    if report.control:
        small = [p for p in report.control if p.label == "small"]
        full = [p for p in report.control if p.label == "full"]
        parts.append(
            f"\n**Data-volume control** ({report.db}: the same {small[0].cells} cells, on a database of "
            f"{small[0].district} cells and of {full[0].district}, alternating, "
            f"median of {len(small)} passes)\n"
        )
        rows = []
        for label, passes in ((f"{small[0].district} cells", small), (f"{full[0].district} cells", full)):
            rows.append(
                [
                    label,
                    f"{statistics.median(p.ms_per_cell for p in passes):.1f}",
                    f"{statistics.median(p.median_ms for p in passes):.1f}",
                    f"{statistics.median(p.sql_ms for p in passes):.1f}",
                    f"{passes[0].statements_per_cell:.1f}",
                ]
            )
        ratio = statistics.median(p.ms_per_cell for p in full) / statistics.median(
            p.ms_per_cell for p in small
        )
        rows.append(["ratio", f"{ratio:.2f}", "", "", ""])
        parts.append(markdown(["database", "ms/cell", "median ms", "sql ms", "stmts/cell"], rows))
    return "\n".join(parts)


def code_version() -> str:
    """The commit measured, and whether the code under test (bot/, storage/) differed from it."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--", "bot", "storage"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" (with local changes to bot/ or storage/)" if changed else "")


def write_json(report: Report, argv: Sequence[str]) -> Path:
    """Save the report with the command and the machine to bench/results/."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    path = RESULTS / f"summary-{now:%Y%m%d-%H%M%S}-{report.db}.json"
    document = {
        "command": " ".join([".venv/bin/python -m bench.summary", *argv]),
        "date": now.isoformat(timespec="seconds"),
        "commit": code_version(),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "report": asdict(report),
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return path


# ------------------------------------------------------------------------------------------ command line


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.summary", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("CHIBO_TEST_POSTGRES_URL", DEFAULT_POSTGRES),
        help="PostgreSQL server for --db postgres; scratch databases are created on it and dropped",
    )
    parser.add_argument(
        "--cells",
        default="50,100,250,500",
        help="district sizes to time; the largest is seeded (default 50,100,250,500)",
    )
    parser.add_argument(
        "--repeat", type=int, default=5, help="runs of the one-cell figures after the first (default 5)"
    )
    parser.add_argument(
        "--passes",
        type=int,
        default=3,
        help="alternating passes of the data-volume control (default 3; 0 skips it)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile a pass over the smallest size into bench/results/"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Measure, print the tables, save the JSON."""
    argv = list(sys.argv[1:] if argv is None else argv)
    before = code_version()
    report = asyncio.run(run(parse_args(argv)))
    after = code_version()
    print(tables(report))
    print(f"code: {after}")
    if after != before:
        print(f"warning: the code changed during the run (it began at {before})")
    print(f"saved {write_json(report, argv)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

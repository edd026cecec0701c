"""Importing a cell's members and households into the database (bot.services.imports), on both engines."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func
from sqlmodel import col, select

from bot.services import audit, imports, people
from storage import repo
from storage.db import Sessions, make_engine, make_sessions
from storage.models import (
    AuditLog,
    Cell,
    Exemption,
    Household,
    HouseholdAssignment,
    Person,
    RoleAssignment,
)
from tests.support import add_commune_with_cell

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
TODAY = date(2026, 11, 26)
SAMPLES = Path(__file__).resolve().parents[2] / "bot" / "samples"
MEMBERS_SAMPLE = SAMPLES / "members_thon3.csv"
HOUSEHOLDS_SAMPLE = SAMPLES / "households_thon3.csv"

VI_MEMBERS = ("Họ tên", "Ngày sinh", "Số thẻ đảng", "Loại", "Chức vụ", "Điện thoại", "Miễn sinh hoạt")
EN_MEMBERS = ("full_name", "birth_date", "card_number", "status", "role", "phone", "exempt_since")
VI_HOUSEHOLDS = ("Chủ hộ", "Địa chỉ", "Thôn/Tổ", "Số nhân khẩu", "Diện", "Đảng viên phụ trách", "Điện thoại")
EN_HOUSEHOLDS = ("head", "address", "village", "people", "tags", "member_responsible", "phone")


# --- factories ----------------------------------------------------------------------------------


def member(
    name: str = "Nguyễn Văn An",
    born: str = "12/05/1968",
    card: str = "93.012345",
    status: str = "chính thức",
    role: str = "đảng viên",
    phone: str = "",
    exempt: str = "",
) -> tuple[str, ...]:
    """One member row in the column order of VI_MEMBERS / EN_MEMBERS."""
    return (name, born, card, status, role, phone, exempt)


def household(
    head: str = "Bùi Văn Tuấn",
    address: str = "Xóm Việt Thắng, thôn 3",
    village: str = "Việt Thắng",
    people: str = "4",
    tags: str = "",
    responsible: str = "",
    phone: str = "",
) -> tuple[str, ...]:
    """One household row in the column order of VI_HOUSEHOLDS / EN_HOUSEHOLDS."""
    return (head, address, village, people, tags, responsible, phone)


def write_csv(
    path: Path, header: Sequence[str], rows: Sequence[Sequence[str]], *, sep: str = ",", bom: bool = False
) -> Path:
    lines = [sep.join(header), *(sep.join(row) for row in rows)]
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + ("\n".join(lines) + "\n").encode("utf-8"))
    return path


def write_xlsx(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def sample_rows(path: Path, sep: str) -> tuple[list[str], list[list[str]]]:
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    return lines[0].split(sep), [line.split(sep) for line in lines[1:] if line]


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Sessions]:
    engine = make_engine(database_url)
    try:
        yield make_sessions(engine)
    finally:
        await engine.dispose()


@dataclass
class Cells:
    cell: Cell
    other: Cell


@pytest.fixture
async def cells(sessions: Sessions) -> Cells:
    """The cell being imported into, and another cell of another commune."""
    async with sessions.begin() as session:
        _, cell = await add_commune_with_cell(session, NOW, "Xã Thái Bình", "Chi bộ thôn 3")
        _, other = await add_commune_with_cell(session, NOW, "Xã Kim Phú", "Chi bộ thôn 7")
    return Cells(cell, other)


async def import_members(
    sessions: Sessions, path: Path, cell: Cell, today: date = TODAY
) -> imports.ImportReport:
    async with sessions.begin() as session:
        return await imports.import_members(
            session=session, path=path, cell=cell, today=today, now=NOW, actor=audit.CLI
        )


async def import_households(
    sessions: Sessions, path: Path, cell: Cell, today: date = TODAY
) -> imports.ImportReport:
    async with sessions.begin() as session:
        return await imports.import_households(
            session=session, path=path, cell=cell, today=today, now=NOW, actor=audit.CLI
        )


async def rejected(sessions: Sessions, call: Any, path: Path, cell: Cell) -> imports.ImportRejected:
    """Run an import that must be refused; the caller's transaction rolls back."""
    with pytest.raises(imports.ImportRejected) as info:
        await call(sessions, path, cell)
    return info.value


async def count(sessions: Sessions, model: Any) -> int:
    async with sessions() as session:
        return (await session.exec(select(func.count()).select_from(model))).one()


async def member_names(sessions: Sessions, cell: Cell, day: date = TODAY) -> list[str]:
    assert cell.id is not None
    async with sessions() as session:
        return [p.full_name for p, _ in await repo.cell_members(session=session, cell_id=cell.id, day=day)]


async def person_by_card(sessions: Sessions, card: str) -> Person:
    async with sessions() as session:
        person = (await session.exec(select(Person).where(Person.card_number == card))).one()
        return person


# --- formats and headers ------------------------------------------------------------------------


async def test_the_sample_members_file_with_a_bom_imports_nineteen_members(
    sessions: Sessions, cells: Cells
) -> None:
    assert MEMBERS_SAMPLE.read_bytes().startswith(b"\xef\xbb\xbf")
    report = await import_members(sessions, MEMBERS_SAMPLE, cells.cell)
    assert (report.created, report.updated, report.unchanged) == (19, 0, 0)
    names = await member_names(sessions, cells.cell)
    assert len(names) == 19 and "Hoàng Văn Thắng" in names


async def test_a_bom_does_not_hide_the_first_column(sessions: Sessions, cells: Cells, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "members.csv", VI_MEMBERS, [member()], bom=True)
    await import_members(sessions, path, cells.cell)
    assert await member_names(sessions, cells.cell) == ["Nguyễn Văn An"]


async def test_the_sample_households_file_separated_by_semicolons_imports_190_households(
    sessions: Sessions, cells: Cells
) -> None:
    await import_members(sessions, MEMBERS_SAMPLE, cells.cell)
    report = await import_households(sessions, HOUSEHOLDS_SAMPLE, cells.cell)
    assert report.created == 190
    assert await count(sessions, Household) == 190
    assert await count(sessions, HouseholdAssignment) == 190


async def test_a_members_file_separated_by_semicolons_imports(
    sessions: Sessions, cells: Cells, tmp_path: Path
) -> None:
    rows = [member(), member(name="Lê Thị Bình", card="93.012346", phone="0912345678")]
    path = write_csv(tmp_path / "members.csv", VI_MEMBERS, rows, sep=";")
    report = await import_members(sessions, path, cells.cell)
    assert report.created == 2
    assert (await person_by_card(sessions, "93.012346")).phone == "0912345678"


async def test_an_xlsx_members_file_imports(sessions: Sessions, cells: Cells, tmp_path: Path) -> None:
    header, rows = sample_rows(MEMBERS_SAMPLE, ",")
    path = write_xlsx(tmp_path / "members.xlsx", header, rows)
    report = await import_members(sessions, path, cells.cell)
    assert report.created == 19
    assert (await person_by_card(sessions, "93.097948")).birth_date == date(1968, 5, 12)


async def test_an_xlsx_households_file_imports(sessions: Sessions, cells: Cells, tmp_path: Path) -> None:
    await import_members(sessions, MEMBERS_SAMPLE, cells.cell)
    header, rows = sample_rows(HOUSEHOLDS_SAMPLE, ";")
    path = write_xlsx(tmp_path / "households.xlsx", header, rows)
    assert (await import_households(sessions, path, cells.cell)).created == 190


async def test_a_members_file_with_english_headers_imports(
    sessions: Sessions, cells: Cells, tmp_path: Path
) -> None:
    row = member(status="official", role="secretary", phone="0912345678")
    path = write_csv(tmp_path / "members.csv", EN_MEMBERS, [row])
    await import_members(sessions, path, cells.cell)
    person = await person_by_card(sessions, "93.012345")
    assert (person.full_name, person.birth_date, person.phone) == (
        "Nguyễn Văn An",
        date(1968, 5, 12),
        "0912345678",
    )
    async with sessions() as session:
        held = await repo.active_roles(session=session, person_id=person.id or 0, day=TODAY)
    assert [r.role for r in held] == ["secretary"]


async def test_a_households_file_with_english_headers_imports(
    sessions: Sessions, cells: Cells, tmp_path: Path
) -> None:
    await import_members(sessions, write_csv(tmp_path / "m.csv", VI_MEMBERS, [member()]), cells.cell)
    rows = [household(responsible="93.012345", people="5")]
    path = write_csv(tmp_path / "h.csv", EN_HOUSEHOLDS, rows, sep=";")
    await import_households(sessions, path, cells.cell)
    async with sessions() as session:
        stored = (await session.exec(select(Household))).one()
    assert (stored.head_name, stored.people, stored.village) == ("Bùi Văn Tuấn", 5, "Việt Thắng")
    assert await count(sessions, HouseholdAssignment) == 1


# --- all or nothing -----------------------------------------------------------------------------


async def test_a_members_file_with_one_bad_row_imports_nothing(
    sessions: Sessions, cells: Cells, tmp_path: Path
) -> None:
    rows = [
        member(),
        member(name="Lê Thị Bình", card="93.012346", born="31/02/1970"),
        member(name="Trần Văn Cư", card="93.012347"),
    ]
    path = write_csv(tmp_path / "members.csv", VI_MEMBERS, rows)
    people, audits = await count(sessions, Person), await count(sessions, AuditLog)
    error = await rejected(sessions, import_members, path, cells.cell)
    assert [(e.row, e.column) for e in error.errors] == [(3, "Ngày sinh")]
    assert "does not exist" in error.errors[0].reason
    assert error.errors[0].params == {"value": "31/02/1970"}
    assert (await count(sessions, Person), await count(sessions, AuditLog)) == (people, audits)
    assert await member_names(sessions, cells.cell) == []


async def test_a_rejected_import_renders_row_column_and_reason(
    sessions: Sessions, cells: Cells, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "members.csv", VI_MEMBERS, [member(), member(name="", card="93.012346")])
    error = await rejected(sessions, import_members, path, cells.cell)
    assert [e.render(lambda s: s) for e in error.errors] == [
        "Row 3, column Họ tên: the full name is required"
    ]


async def test_a_households_file_with_one_bad_row_imports_nothing(
    sessions: Sessions, cells: Cells, tmp_path: Path
) -> None:
    rows = [household(), household(head="Lý Văn Lâm", people="many")]
    path = write_csv(tmp_path / "h.csv", VI_HOUSEHOLDS, rows, sep=";")
    error = await rejected(sessions, import_households, path, cells.cell)
    assert [(e.row, e.column, e.params["value"]) for e in error.errors] == [(3, "Số nhân khẩu", "many")]
    assert await count(sessions, Household) == 0


async def test_a_household_assigned_to_someone_outside_the_cell_imports_nothing(
    sessions: Sessions, cells: Cells, tmp_path: Path
) -> None:
    rows = [household(), household(head="Lý Văn Lâm", responsible="93.999999")]
    path = write_csv(tmp_path / "h.csv", VI_HOUSEHOLDS, rows, sep=";")
    error = await rejected(sessions, import_households, path, cells.cell)
    assert [(e.row, e.column) for e in error.errors] == [(3, "Đảng viên phụ trách")]
    assert await count(sessions, Household) == 0


async def test_the_same_person_twice_in_a_file_is_refused(
    sessions: Sessions, cells: Cells, tmp_path: Path
) -> None:
    rows = [member(), member(name="Trần Văn Cư", card="93.012347"), member(card="")]
    path = write_csv(tmp_path / "members.csv", VI_MEMBERS, rows)
    error = await rejected(sessions, import_members, path, cells.cell)
    assert [(e.row, e.column, e.params) for e in error.errors] == [(4, "Họ tên", {"other": "2"})]
    assert await count(sessions, Person) == 0


async def test_the_same_card_number_twice_in_a_file_is_refused(
    sessions: Sessions, cells: Cells, tmp_path: Path
) -> None:
    rows = [member(), member(name="Trần Văn Cư", born="01/01/1970")]
    path = write_csv(tmp_path / "members.csv", VI_MEMBERS, rows)
    error = await rejected(sessions, import_members, path, cells.cell)
    assert [(e.row, e.column, e.params) for e in error.errors] == [(3, "Số thẻ đảng", {"other": "2"})]
    assert await count(sessions, Person) == 0


async def test_a_member_of_another_cell_in_the_file_is_a_row_error(
    sessions: Sessions, cells: Cells, tmp_path: Path
) -> None:
    async with sessions.begin() as session:
        await people.add_person(
            session=session,
            full_name="Trần Văn Cư",
            cell=cells.other,
            actor=audit.CLI,
            now=NOW,
            today=TODAY - timedelta(days=30),
            card_number="93.012347",
        )
    rows = [member(), member(name="Trần Văn Cư", card="93.012347")]
    path = write_csv(tmp_path / "members.csv", VI_MEMBERS, rows)
    error = await rejected(sessions, import_members, path, cells.cell)
    assert [(e.row, e.column) for e in error.errors] == [(3, "Họ tên")]
    assert error.errors[0].params == {"name": "Trần Văn Cư", "cell": "Chi bộ thôn 7"}
    assert await member_names(sessions, cells.cell) == []
    assert await member_names(sessions, cells.other) == ["Trần Văn Cư"]
    assert await count(sessions, Person) == 1


# --- re-importing -------------------------------------------------------------------------------


async def test_reimporting_the_members_file_changes_nothing(sessions: Sessions, cells: Cells) -> None:
    await import_members(sessions, MEMBERS_SAMPLE, cells.cell)
    audits = await count(sessions, AuditLog)
    report = await import_members(sessions, MEMBERS_SAMPLE, cells.cell, today=TODAY + timedelta(days=3))
    assert (report.created, report.updated, report.unchanged) == (0, 0, 19)
    assert await count(sessions, AuditLog) == audits


async def test_reimporting_the_households_file_changes_nothing(sessions: Sessions, cells: Cells) -> None:
    await import_members(sessions, MEMBERS_SAMPLE, cells.cell)
    await import_households(sessions, HOUSEHOLDS_SAMPLE, cells.cell)
    audits, assignments = await count(sessions, AuditLog), await count(sessions, HouseholdAssignment)
    report = await import_households(sessions, HOUSEHOLDS_SAMPLE, cells.cell, today=TODAY + timedelta(days=3))
    assert (report.created, report.updated, report.unchanged) == (0, 0, 190)
    assert await count(sessions, AuditLog) == audits
    assert await count(sessions, HouseholdAssignment) == assignments


async def test_reimporting_an_xlsx_members_file_changes_nothing(
    sessions: Sessions, cells: Cells, tmp_path: Path
) -> None:
    header, rows = sample_rows(MEMBERS_SAMPLE, ",")
    path = write_xlsx(tmp_path / "members.xlsx", header, rows)
    await import_members(sessions, path, cells.cell)
    audits = await count(sessions, AuditLog)
    report = await import_members(sessions, path, cells.cell)
    assert (report.created, report.updated) == (0, 0)
    assert await count(sessions, AuditLog) == audits


async def test_a_changed_phone_number_updates_the_person(
    sessions: Sessions, cells: Cells, tmp_path: Path
) -> None:
    path = tmp_path / "members.csv"
    await import_members(sessions, write_csv(path, VI_MEMBERS, [member(phone="0912345678")]), cells.cell)
    report = await import_members(
        sessions, write_csv(path, VI_MEMBERS, [member(phone="0987654321")]), cells.cell
    )
    assert (report.created, report.updated) == (0, 1)
    assert (await person_by_card(sessions, "93.012345")).phone == "0987654321"


async def test_a_new_responsible_member_takes_over_from_that_day_keeping_the_history(
    sessions: Sessions, cells: Cells, tmp_path: Path
) -> None:
    rows = [member(), member(name="Lê Thị Bình", card="93.012346")]
    await import_members(sessions, write_csv(tmp_path / "m.csv", VI_MEMBERS, rows), cells.cell)
    path = tmp_path / "h.csv"
    await import_households(
        sessions, write_csv(path, VI_HOUSEHOLDS, [household(responsible="93.012345")], sep=";"), cells.cell
    )
    later = TODAY + timedelta(days=10)
    report = await import_households(
        sessions,
        write_csv(path, VI_HOUSEHOLDS, [household(responsible="Lê Thị Bình")], sep=";"),
        cells.cell,
        today=later,
    )
    assert (report.created, report.updated) == (0, 1)
    an, binh = await person_by_card(sessions, "93.012345"), await person_by_card(sessions, "93.012346")
    async with sessions() as session:
        history = (
            await session.exec(select(HouseholdAssignment).order_by(col(HouseholdAssignment.valid_from)))
        ).all()
    assert [(a.person_id, a.valid_from, a.valid_to) for a in history] == [
        (an.id, TODAY, later - timedelta(days=1)),
        (binh.id, later, None),
    ]
    async with sessions() as session:
        assert await imports.households_of(session=session, person_id=an.id or 0, day=later) == []
        assert len(await imports.households_of(session=session, person_id=an.id or 0, day=TODAY)) == 1
        assert len(await imports.households_of(session=session, person_id=binh.id or 0, day=later)) == 1


# --- roles and exemptions -----------------------------------------------------------------------


async def test_the_members_file_sets_the_cell_officers(sessions: Sessions, cells: Cells) -> None:
    await import_members(sessions, MEMBERS_SAMPLE, cells.cell)
    async with sessions() as session:
        rows = (
            await session.exec(
                select(
                    Person.card_number, RoleAssignment.role, RoleAssignment.cell_id, RoleAssignment.valid_from
                )
                .join(RoleAssignment, col(RoleAssignment.person_id) == col(Person.id))
                .order_by(col(Person.card_number))
            )
        ).all()
    assert sorted(rows) == sorted(
        [
            ("93.097948", "secretary", cells.cell.id, TODAY),
            ("93.070679", "deputy_secretary", cells.cell.id, TODAY),
            ("93.019904", "committee_member", cells.cell.id, TODAY),
        ]
    )


async def test_the_members_file_records_the_exempt_members_exemption(
    sessions: Sessions, cells: Cells
) -> None:
    await import_members(sessions, MEMBERS_SAMPLE, cells.cell)
    exempt = await person_by_card(sessions, "93.058372")
    async with sessions() as session:
        rows = (await session.exec(select(Exemption))).all()
    assert [(e.person_id, e.valid_from, e.valid_to) for e in rows] == [(exempt.id, date(2021, 3, 15), None)]


async def test_the_members_file_records_probationary_members(sessions: Sessions, cells: Cells) -> None:
    await import_members(sessions, MEMBERS_SAMPLE, cells.cell)
    async with sessions() as session:
        views = await people.list_members(session=session, cell=cells.cell, day=TODAY)
    assert sorted(v.person.full_name for v in views if v.status == "probationary") == [
        "Hoàng Thị Yến",
        "Ma Đức Thịnh",
    ]


async def test_a_second_secretary_for_the_cell_is_a_row_error(
    sessions: Sessions, cells: Cells, tmp_path: Path
) -> None:
    await import_members(
        sessions, write_csv(tmp_path / "a.csv", VI_MEMBERS, [member(role="bí thư")]), cells.cell
    )
    path = write_csv(
        tmp_path / "b.csv", VI_MEMBERS, [member(name="Lê Thị Bình", card="93.012346", role="bí thư")]
    )
    error = await rejected(sessions, import_members, path, cells.cell)
    assert [(e.row, e.column, e.params) for e in error.errors] == [(2, "Chức vụ", {"name": "Nguyễn Văn An"})]
    assert await count(sessions, Person) == 1


async def test_a_role_dropped_from_the_file_is_revoked(
    sessions: Sessions, cells: Cells, tmp_path: Path
) -> None:
    path = tmp_path / "members.csv"
    await import_members(sessions, write_csv(path, VI_MEMBERS, [member(role="chi ủy viên")]), cells.cell)
    later = TODAY + timedelta(days=5)
    await import_members(
        sessions, write_csv(path, VI_MEMBERS, [member(role="đảng viên")]), cells.cell, today=later
    )
    async with sessions() as session:
        rows = (await session.exec(select(RoleAssignment))).all()
    # Revoked on the day of the re-import, the role's last day is the day before.
    assert [(r.role, r.valid_from, r.valid_to) for r in rows] == [
        ("committee_member", TODAY, later - timedelta(days=1))
    ]


async def test_a_new_secretary_in_a_reimported_file_takes_over_from_the_old_one(
    sessions: Sessions, cells: Cells, tmp_path: Path
) -> None:
    path = tmp_path / "members.csv"
    an = member(role="bí thư")
    binh = member(name="Lê Thị Bình", card="93.012346", born="01/01/1970")
    await import_members(sessions, write_csv(path, VI_MEMBERS, [an, binh]), cells.cell)
    later = TODAY + timedelta(days=30)
    # The outgoing secretary's row comes first, so the file never names two secretaries at once.
    handover = [member(role="đảng viên"), member(*binh[:4], role="bí thư")]
    await import_members(sessions, write_csv(path, VI_MEMBERS, handover), cells.cell, today=later)
    async with sessions() as session:
        holders = await repo.role_holders(session=session, role="secretary", day=later, cell_id=cells.cell.id)
    assert [h.person_id for h in holders] == [(await person_by_card(sessions, "93.012346")).id]


# --- card numbers are identifiers, never numbers ------------------------------------------------


def english_notes(report: imports.ImportReport) -> list[str]:
    return [note.render(lambda text: text) for note in report.notes]


async def test_a_card_stored_as_an_excel_number_is_the_card_typed_as_text(
    sessions: Sessions, cells: Cells, tmp_path: Path
) -> None:
    await import_members(
        sessions, write_csv(tmp_path / "m.csv", VI_MEMBERS, [member(card="93.058370")]), cells.cell
    )
    path = write_xlsx(tmp_path / "m.xlsx", VI_MEMBERS, [[*member(card="")[:2], 93.05837, *member()[3:]]])
    report = await import_members(sessions, path, cells.cell)
    assert (report.created, report.unchanged) == (0, 1)
    assert await count(sessions, Person) == 1
    assert english_notes(report) == [
        "Row 2, column Số thẻ đảng: the spreadsheet stored the card as the number 93.05837; "
        "it was read as 93.058370"
    ]


async def test_a_card_in_a_number_cell_formatted_with_its_zeros_is_read_as_shown(
    sessions: Sessions, cells: Cells, tmp_path: Path
) -> None:
    path = write_xlsx(tmp_path / "m.xlsx", VI_MEMBERS, [[*member()[:2], 93.05837, *member()[3:]]])
    workbook = openpyxl.load_workbook(path)
    workbook.active["C2"].number_format = "0.000000"  # type: ignore[index]
    workbook.save(path)
    report = await import_members(sessions, path, cells.cell)
    assert report.notes == []
    assert (await person_by_card(sessions, "93.058370")).full_name == "Nguyễn Văn An"


async def test_a_new_person_with_the_name_and_birth_date_of_another_is_a_warning(
    sessions: Sessions, cells: Cells, tmp_path: Path
) -> None:
    await import_members(
        sessions, write_csv(tmp_path / "a.csv", VI_MEMBERS, [member(card="93.012345")]), cells.cell
    )
    report = await import_members(
        sessions, write_csv(tmp_path / "b.csv", VI_MEMBERS, [member(card="93.012399")]), cells.cell
    )
    assert report.created == 1
    assert english_notes(report) == [
        "Row 2, column Họ tên: Nguyễn Văn An, born 12/05/1968, was added as a new person with card "
        "93.012399, but card 93.012345 has the same name and birth date; check they are two people"
    ]


# --- sheets and summaries -----------------------------------------------------------------------


async def test_an_xlsx_whose_first_sheet_is_blank_is_read_from_the_first_sheet_with_data(
    sessions: Sessions, cells: Cells, tmp_path: Path
) -> None:
    header, rows = sample_rows(MEMBERS_SAMPLE, ",")
    workbook = openpyxl.Workbook()
    workbook.active.title = "Bìa"  # type: ignore[union-attr]
    data = workbook.create_sheet("Đảng viên")
    for row in [header, *rows]:
        data.append(row)
    workbook.save(path := tmp_path / "members.xlsx")
    report = await import_members(sessions, path, cells.cell)
    assert report.created == 19
    assert english_notes(report) == [
        "The first sheets are empty; the rows were read from the sheet Đảng viên."
    ]


async def test_households_imported_before_their_members_are_one_summary_line(
    sessions: Sessions, cells: Cells
) -> None:
    error = await rejected(sessions, import_households, HOUSEHOLDS_SAMPLE, cells.cell)
    assert [e.render(lambda text: text) for e in error.errors] == [
        "190 rows (2, 3, 4, 5, 6, …) name members who are not in this cell; import the members first"
    ]


async def test_a_few_rows_naming_strangers_are_each_reported(
    sessions: Sessions, cells: Cells, tmp_path: Path
) -> None:
    await import_members(sessions, write_csv(tmp_path / "m.csv", VI_MEMBERS, [member()]), cells.cell)
    rows = [household(head=f"Chủ hộ {i}", responsible="93.999999") for i in "ABC"]
    error = await rejected(
        sessions, import_households, write_csv(tmp_path / "h.csv", VI_HOUSEHOLDS, rows, sep=";"), cells.cell
    )
    assert [e.row for e in error.errors] == [2, 3, 4]

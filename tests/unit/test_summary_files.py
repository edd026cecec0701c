"""The summary's files (bot/services/summary_files.py): the draft minutes (DOCX), the workbook (XLSX) and the
chart (PNG), built from a hand-written Summary and read back with python-docx and openpyxl."""

from __future__ import annotations

import dataclasses
import io
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime

import docx
import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from bot.i18n import translator
from bot.meetings.contributions import Kind as SaidKind
from bot.meetings.resolution import Status
from bot.meetings.rules import Kind, State
from bot.services import summary_files
from bot.services.rollcall import RollCall
from bot.services.summary_model import (
    FollowUpLine,
    HistoryPoint,
    Item,
    MemberCoverageLine,
    RequestLine,
    Said,
    Summary,
    TaskPart,
    VisitLine,
    VisitsPart,
    VoteLine,
)

VI = translator("vi").gettext
EN = translator("en").gettext

HUONG, KHOI, BINH = "Nguyễn Thị Hương", "Đặng Minh Khôi", "Trần Văn Bình"
MAI, TUAN, DUC = "Lê Thị Mai", "Phạm Quốc Tuấn", "Hoàng Văn Đức"
FREE_REASON = "Đưa mẹ đi khám bệnh ở huyện"
HEAD, ADDRESS, REQUEST = "Ông Nguyễn Văn Tâm", "Số 12, xóm Bến Đò", "Xin hỗ trợ sửa mái nhà trước mùa mưa"
TASK = "Thăm năm hộ ven sông"
PROPOSAL = "Đề nghị xã lắp hai đèn đường ở đầu cầu"
SHEETS = ["Attendance", "Contributions", "Tasks", "Visits"]


def make_summary(*, full: bool = True, history: int = 4) -> Summary:
    """A cell of 6: two present, one late, two excused (a preset and a free reason), one unexcused."""
    roll = RollCall(
        cell="Chi bộ Thôn Đông",
        kind=Kind.REGULAR,
        when="19:30 05/12/2026",
        month=date(2026, 12, 1),
        state=State.CLOSED,
        official=5,
        probationary=1,
        present=[KHOI, HUONG],
        late=[(BINH, "19:47")],
        excused=[(MAI, ":illness"), (TUAN, FREE_REASON)],
        unexcused=[DUC],
        unpaid=[DUC, TUAN],
        opened="19:32",
        closed="21:10",
        minutes=98,
    )
    visits = VisitsPart(
        since=date(2026, 11, 5),
        until=date(2026, 12, 5),
        period="12/2026",
        count=1,
        households=20,
        covered=9,
        overdue=3,
        coverage=[MemberCoverageLine(HUONG, 10, 6, 1), MemberCoverageLine(BINH, 10, 3, 2)],
        full=full,
        # A committee copy is compiled without these; they are here so a leak would show.
        visits=[VisitLine(date(2026, 11, 20), HUONG, HEAD, ADDRESS, ("housing", "Sửa cầu ao"))],
        requests=[RequestLine(date(2026, 11, 20), HUONG, HEAD, REQUEST)],
        follow_ups=[FollowUpLine(date(2026, 12, 20), HUONG, HEAD, REQUEST)],
    )
    agenda = [
        Item(
            1,
            "Kiểm điểm công tác tháng 11",
            said=[
                Said(HUONG, SaidKind.COMMENT, "Đã thu đủ quỹ khuyến học."),
                Said(BINH, SaidKind.COMMENT, "", media="voice", seconds=3),
            ],
            conclusion="Chi bộ hoàn thành tốt nhiệm vụ tháng 11.",
        ),
        Item(2, "Nhiệm vụ tháng 12", said=[Said(KHOI, SaidKind.PROPOSAL, PROPOSAL)]),
    ]
    return Summary(
        meeting_id=17,
        unit="Đảng bộ xã Yên Sơn",
        cell="Chi bộ Thôn Đông",
        place="Nhà văn hóa thôn Đông",
        chair=KHOI,
        minute_taker=HUONG,
        day=date(2026, 12, 5),
        roll=roll,
        agenda=agenda,
        written=[Said(MAI, SaidKind.COMMENT, "Tôi đồng ý với dự thảo nghị quyết.", written=True)],
        spoke=3,
        present=3,
        votes=[VoteLine(2, 4, 0, 0, 4, adopted=True, by_hands=True)],
        tasks=[
            TaskPart(
                TASK,
                date(2026, 12, 20),
                ((HUONG, Status.NOT_STARTED, None), (BINH, Status.NOT_STARTED, None)),
            )
        ],
        last_tasks=[
            TaskPart("Dọn vệ sinh đường làng", date(2026, 11, 30), ((DUC, Status.DONE, "xong sớm"),))
        ],
        visits=visits,
        history=[HistoryPoint(f"{m:02d}/2026", 80 + m, 50 + m) for m in range(12 - history + 1, 13)],
        full=full,
    )


# --- the minutes (DOCX) -----------------------------------------------------------------------


def docx_text(content: bytes) -> str:
    """Every paragraph of the document and of its tables, one a line."""
    document = docx.Document(io.BytesIO(content))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                lines += [p.text for p in cell.paragraphs]
    return "\n".join(lines)


@pytest.mark.parametrize("gettext", [VI, EN], ids=["vi", "en"])
def test_the_minutes_name_every_absentee_with_the_reason(gettext: Callable[[str], str]) -> None:
    text = docx_text(summary_files.minutes_docx(make_summary(), gettext))
    assert f"{MAI}: {gettext('illness')}" in text
    assert f"{TUAN}: {FREE_REASON}" in text
    assert f"{gettext('Absent without reason: %(count)s') % {'count': 1}} — {DUC}" in text


def test_the_minutes_in_vietnamese_have_the_official_layout() -> None:
    text = docx_text(summary_files.minutes_docx(make_summary(), VI))
    assert "ĐẢNG BỘ XÃ YÊN SƠN" in text and "CHI BỘ THÔN ĐÔNG" in text  # upper case keeps diacritics
    # Dated from the locality, as official documents are, not from the hall: the hall is the meeting's place.
    assert "Yên Sơn, ngày 05 tháng 12 năm 2026" in text, text
    assert "Nhà văn hóa thôn Đông, ngày" not in text and "Nhà văn hóa thôn Đông" in text
    assert f"{VI('Late: %(count)s') % {'count': 1}} — {BINH} (19:47)" in text
    assert VI("Present: %(count)s of %(expected)s") % {"count": 3, "expected": 6} in text
    assert (
        VI("Opened %(opened)s, closed %(closed)s: %(minutes)s minutes.")
        % {
            "opened": "19:32",
            "closed": "21:10",
            "minutes": 98,
        }
        in text
    )


def test_the_minutes_record_each_speaker_item_vote_and_task() -> None:
    text = docx_text(summary_files.minutes_docx(make_summary(), EN))
    assert "Item 1. Kiểm điểm công tác tháng 11" in text and "Item 2. Nhiệm vụ tháng 12" in text
    assert f"Comrade {HUONG}: Đã thu đủ quỹ khuyến học." in text
    assert f"Comrade {BINH}: [voice note 0:03]" in text
    assert f"Comrade {KHOI} (proposal): {PROPOSAL}" in text
    assert f"Comrade {MAI} (written view): Tôi đồng ý" in text
    assert "Chi bộ hoàn thành tốt nhiệm vụ tháng 11." in text
    assert "for 4, against 0, abstain 0, of 4 voters (show of hands): adopted" in text
    assert f"{TASK} (deadline 20/12/2026): {HUONG}, {BINH}" in text
    assert f"{DUC} (done)" in text  # the last meeting's task, as it stands


def test_the_minutes_end_with_both_signatures_side_by_side() -> None:
    document = docx.Document(io.BytesIO(summary_files.minutes_docx(make_summary(), EN)))
    signatures = document.tables[-1]
    assert signatures.style is not None and signatures.style.name == "Normal Table"  # no borders
    left, right = (cell.text for cell in signatures.rows[0].cells)
    assert left.startswith("MINUTE-TAKER") and left.rstrip().endswith(HUONG)
    assert right.startswith("ON BEHALF OF THE CELL\nSECRETARY") and right.rstrip().endswith(KHOI)
    assert "COMMUNIST PARTY OF VIET NAM" in document.tables[0].rows[0].cells[1].text


def test_the_minutes_are_set_in_times_new_roman_for_every_script() -> None:
    document = docx.Document(io.BytesIO(summary_files.minutes_docx(make_summary(), VI)))
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert normal.font.size is not None and normal.font.size.pt == 13
    fonts = normal.element.rPr.rFonts
    assert fonts.get(docx.oxml.ns.qn("w:eastAsia")) == "Times New Roman"
    assert fonts.get(docx.oxml.ns.qn("w:cs")) == "Times New Roman"


def test_control_characters_in_what_members_wrote_do_not_break_the_files() -> None:
    summary = make_summary()
    summary.agenda[0].said.append(Said(KHOI, SaidKind.COMMENT, "chuông\x07 reo"))
    assert "chuông reo" in docx_text(summary_files.minutes_docx(summary, EN))
    summary_files.workbook_xlsx(summary, EN)  # openpyxl refuses such characters outright


# --- the workbook (XLSX) ----------------------------------------------------------------------


def workbook(summary: Summary, gettext: Callable[[str], str] = EN) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(summary_files.workbook_xlsx(summary, gettext)))


def values(sheet: Worksheet) -> list[str]:
    """Every filled cell of a sheet, as text."""
    return [str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value is not None]


def test_the_workbook_has_four_sheets_each_with_a_bold_frozen_header() -> None:
    book = workbook(make_summary())
    assert book.sheetnames == SHEETS
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet["A1"].font.b


def test_sheet_names_are_translated_and_fit_excel() -> None:
    assert workbook(make_summary(), VI).sheetnames == [VI(name)[:31] for name in SHEETS]
    assert summary_files._sheet_title("Đảng viên: có mặt / vắng [tháng 12] và các chỉ số khác") == (
        "Đảng viên  có mặt   vắng  tháng"
    )


def test_the_attendance_sheet_has_one_row_per_member_in_the_right_state() -> None:
    sheet = workbook(make_summary())["Attendance"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert len(rows) == 6
    states = Counter(str(row[1]) for row in rows)
    assert states == Counter(
        {"present": 2, "late (19:47)": 1, "absent with reason": 2, "absent without reason": 1}
    )
    by_name = {row[0]: row for row in rows}
    assert by_name[MAI][2] == "illness" and by_name[TUAN][2] == FREE_REASON
    assert sorted(name for name, row in by_name.items() if row[3] == "no") == sorted([TUAN, DUC])
    assert sum(row[3] == "yes" for row in rows) == 4


def test_the_contributions_sheet_lists_each_with_its_item() -> None:
    sheet = workbook(make_summary())["Contributions"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert [row[0] for row in rows] == [1, 1, 2, None]
    assert rows[1][2:5] == [BINH, "comment", "[voice note 0:03]"]
    assert rows[2][2:5] == [KHOI, "proposal", PROPOSAL]
    assert [row[5] for row in rows] == ["no", "no", "no", "yes"]


def test_the_task_sheet_has_a_row_per_assignee_with_a_real_date() -> None:
    sheet = workbook(make_summary())["Tasks"]
    rows = list(sheet.iter_rows(min_row=2))
    assert [(row[0].value, row[2].value) for row in rows][:2] == [(TASK, HUONG), (TASK, BINH)]
    deadline = rows[0][1]
    assert isinstance(deadline.value, datetime) and deadline.value.date() == date(2026, 12, 20)
    assert deadline.number_format == "dd/mm/yyyy"
    assert (rows[2][2].value, rows[2][3].value, rows[2][4].value) == (DUC, "done", "xong sớm")


def test_text_that_looks_like_a_formula_stays_text() -> None:
    summary = make_summary()
    summary.agenda[1].said.append(Said(KHOI, SaidKind.COMMENT, "=1+1"))
    sheet = workbook(summary)["Contributions"]
    cell = next(c for row in sheet.iter_rows() for c in row if c.value == "=1+1")
    assert cell.data_type == "s"


def test_the_secretary_sees_each_visit_and_request() -> None:
    found = values(workbook(make_summary())["Visits"])
    assert HEAD in found and ADDRESS in found and REQUEST in found
    assert "housing, Sửa cầu ao" in found


@pytest.mark.parametrize("which", ["visits", "summary"])
def test_the_committee_copy_has_no_household_names_or_addresses(which: str) -> None:
    summary = make_summary()
    if which == "visits":
        assert summary.visits is not None
        summary.visits = dataclasses.replace(summary.visits, full=False)
    else:
        summary.full = False
    book = workbook(summary)
    everything = [value for sheet in book.worksheets for value in values(sheet)]
    assert not [v for v in everything if HEAD in v or ADDRESS in v or REQUEST in v]
    sheet = book["Visits"]
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == [
        [HUONG, 10, 6, 1],
        [BINH, 10, 3, 2],
    ]


def test_a_summary_without_visits_still_has_the_visits_sheet() -> None:
    summary = make_summary()
    summary.visits = None
    sheet = workbook(summary)["Visits"]
    assert sheet.max_row == 1 and sheet.freeze_panes == "A2"


# --- the chart (PNG) and the names ------------------------------------------------------------


@pytest.mark.parametrize(("gettext", "meetings"), [(VI, 4), (EN, 4), (EN, 3), (VI, 12)])
def test_the_chart_is_a_png_from_three_meetings_on(gettext: Callable[[str], str], meetings: int) -> None:
    chart = summary_files.chart_png(make_summary(history=meetings), gettext)
    assert chart is not None and chart.startswith(b"\x89PNG\r\n\x1a\n") and len(chart) > 5000


@pytest.mark.parametrize("meetings", [0, 2])
def test_no_chart_from_fewer_than_three_meetings(meetings: int) -> None:
    assert summary_files.chart_png(make_summary(history=meetings), EN) is None


def test_file_names_are_ascii_and_say_which_meeting() -> None:
    names = summary_files.filenames(make_summary())
    assert names == {
        "docx": "bien-ban-chi-bo-thon-dong-12-2026-17.docx",
        "xlsx": "so-lieu-chi-bo-thon-dong-12-2026-17.xlsx",
        "png": "bieu-do-chi-bo-thon-dong-12-2026-17.png",
    }


def test_a_workbook_of_several_meetings_says_which_meeting_each_row_is_from() -> None:
    november = dataclasses.replace(make_summary(), meeting_id=16, day=date(2026, 11, 5))
    book = openpyxl.load_workbook(io.BytesIO(summary_files.workbook_many([november, make_summary()], EN)))
    assert book.sheetnames == SHEETS
    attendance = [[c.value for c in row] for row in book["Attendance"].iter_rows()]
    assert attendance[0][:2] == ["Meeting", "Full name"]
    assert attendance[0][4] == "Dues paid for the meeting's month"  # not one meeting's month
    assert Counter(row[0] for row in attendance[1:]) == {"05/11/2026 #16": 6, "05/12/2026 #17": 6}
    visits = [[c.value for c in row] for row in book["Visits"].iter_rows()]
    # December's visits come under a header of their own, not under November's requests.
    december = next(i for i, row in enumerate(visits) if row[0] == "05/12/2026 #17")
    assert visits[december - 1][:4] == ["Meeting", "Day", "Member", "Head of household"]
    assert book["Visits"].cell(december, 1).font.b


@pytest.mark.parametrize(
    ("office", "signs"),
    [
        ("secretary", "T/M CHI BỘ\nBÍ THƯ"),
        ("deputy_secretary", "T/M CHI BỘ\nPHÓ BÍ THƯ"),
        ("", "CHỦ TRÌ\n\n"),  # a committee member or another member chaired: not for the cell
    ],
)
def test_the_chair_signs_under_the_office_they_held(office: str, signs: str) -> None:
    summary = make_summary()
    summary.chair_office = office
    document = docx.Document(io.BytesIO(summary_files.minutes_docx(summary, VI)))
    left, right = (cell.text for cell in document.tables[-1].rows[0].cells)
    assert right.startswith(signs) and right.rstrip().endswith(KHOI), right
    assert left.count("\n") == right.count("\n"), "the two names are level"


@pytest.mark.parametrize(
    ("unit", "place"),
    [
        ("Đảng bộ xã Thái Bình", "Thái Bình"),
        ("Xã Kim Phú", "Kim Phú"),
        ("ĐẢNG BỘ HUYỆN BẢO LÂM", "BẢO LÂM"),
        ("Đảng ủy phường Hàng Bạc", "Hàng Bạc"),
        ("Thị trấn Pác Miầu", "Pác Miầu"),
        # Named by a number or for a person: the full name.
        ("Đảng bộ Phường 3", "Phường 3"),
        ("Đảng bộ Quận 1", "Quận 1"),
        ("Đảng bộ Thành phố Hồ Chí Minh", "Thành phố Hồ Chí Minh"),
        # Not named for a place: no locality (the minutes fall back to the meeting's place).
        ("Xuân Trường", ""),
        ("Đảng bộ Khối cơ quan tỉnh", ""),
        ("Đảng ủy xã", ""),
        ("", ""),
    ],
)
def test_the_minutes_are_dated_from_the_units_locality(unit: str, place: str) -> None:
    assert summary_files.locality(unit) == place

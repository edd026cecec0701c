"""Reading and validating member and household spreadsheets (bot.services.imports.reading)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from bot.services.imports.reading import (
    Candidate,
    ImportFileError,
    RowError,
    Table,
    card_from_number,
    describe_columns,
    name_key,
    normalise_name,
    parse_households,
    parse_members,
    read_table,
    resolve_households,
    resolve_responsible,
)

TODAY = date(2025, 12, 1)
SAMPLES = Path(__file__).resolve().parents[2] / "bot" / "samples"
MEMBER_HEADER = "Họ tên,Ngày sinh,Số thẻ đảng,Loại,Chức vụ,Điện thoại,Miễn sinh hoạt"


def write_csv(tmp_path: Path, text: str, *, name: str = "data.csv", bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def members_csv(tmp_path: Path, *rows: str) -> Table:
    return read_table(write_csv(tmp_path, "\n".join([MEMBER_HEADER, *rows]) + "\n"), "members")


def member_errors(tmp_path: Path, *rows: str) -> list[RowError]:
    return parse_members(members_csv(tmp_path, *rows), today=TODAY)[1]


def households_csv(tmp_path: Path, *rows: str) -> Table:
    header = "Chủ hộ;Địa chỉ;Thôn/Tổ;Số nhân khẩu;Diện;Đảng viên phụ trách;Điện thoại"
    return read_table(write_csv(tmp_path, "\n".join([header, *rows]) + "\n"), "households")


GOOD = "Nguyễn Văn An,12/05/1968,93.012345,chính thức,đảng viên,0912345678,"


# --- read_table ---------------------------------------------------------------------------------


def test_csv_with_bom_reads_the_first_header_cleanly(tmp_path: Path) -> None:
    path = write_csv(tmp_path, MEMBER_HEADER + "\n" + GOOD + "\n", bom=True)
    table = read_table(path, "members")
    assert table.headers[0] == "Họ tên"
    assert table.rows == [
        (
            2,
            {
                "ho_ten": "Nguyễn Văn An",
                "ngay_sinh": "12/05/1968",
                "so_the_dang": "93.012345",
                "loai": "chính thức",
                "chuc_vu": "đảng viên",
                "dien_thoai": "0912345678",
                "mien_sinh_hoat": "",
            },
        )
    ]


def test_semicolon_csv_is_detected_from_the_header(tmp_path: Path) -> None:
    table = households_csv(tmp_path, "Lê Văn Bình;Xóm Việt Tiến, thôn 3;Việt Tiến;4;;;")
    assert table.rows[0][1]["dia_chi"] == "Xóm Việt Tiến, thôn 3"
    assert table.rows[0][1]["so_nhan_khau"] == "4"


def test_quoted_field_may_hold_the_delimiter_and_a_line_break(tmp_path: Path) -> None:
    table = households_csv(
        tmp_path,
        'Lê Văn Bình;"Xóm Việt Tiến; thôn 3";Việt Tiến;4;"hộ nghèo;\ngia đình chính sách";;',
        "Hà Thị Lan;Xóm Ngành Nghề, thôn 3;Ngành Nghề;2;;;",
    )
    assert table.rows[0][1]["dia_chi"] == "Xóm Việt Tiến; thôn 3"
    # The quoted line break is inside one row, so the next record is still spreadsheet row 3.
    assert [number for number, _ in table.rows] == [2, 3]
    households, errors = parse_households(table)
    assert errors == []
    assert households[0].tags == ("hộ nghèo", "gia đình chính sách")


def test_headers_without_diacritics_are_recognised(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "ho ten;NGAY_SINH;so-the-dang;Loai\nTrần Thị Hoa;01/02/1980;93.000111;du bi\n")
    table = read_table(path, "members")
    assert table.rows[0][1]["ho_ten"] == "Trần Thị Hoa"
    assert table.rows[0][1]["so_the_dang"] == "93.000111"
    assert table.columns["ngay_sinh"] == "NGAY_SINH"


def test_english_headers_are_recognised_and_extra_columns_ignored(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "Full name,Birth date,Card number,Status,Role,Notes\n"
        "Tran Van Hai,01/02/1980,93000111,official,secretary,anything\n",
    )
    members, errors = parse_members(read_table(path, "members"), today=TODAY)
    assert errors == []
    assert members[0].role == "secretary"
    assert members[0].card_number == "93000111"


def test_household_headers_in_english_are_recognised(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "Head of household,Address,Hamlet,Household size,Tags,Responsible,Phone\n"
        "Lê Văn Bình,Xóm Việt Tiến,Việt Tiến,3,poor,93.012345,0912345678\n",
    )
    households, errors = parse_households(read_table(path, "households"))
    assert errors == []
    assert households[0].village == "Việt Tiến"
    assert households[0].people == 3
    assert households[0].responsible == "93.012345"


def test_xlsx_date_and_int_cells_become_plain_text(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Họ tên", "Ngày sinh", "Số thẻ đảng", "Loại", "Điện thoại"])
    excel_datetime = datetime(1968, 5, 12, 7, 30)  # noqa: DTZ001 - Excel stores naive date-times
    sheet.append(["Nguyễn Văn An", excel_datetime, 93012345, "chính thức", "0912345678"])
    sheet.append([None, None, None, None, None])
    sheet.append(["Hà Thị Lan", date(1990, 1, 3), 93012346.0, "dự bị", 912345679])
    path = tmp_path / "members.xlsx"
    workbook.save(path)

    table = read_table(path, "members")
    assert [number for number, _ in table.rows] == [2, 4]
    assert table.rows[0][1]["ngay_sinh"] == "12/05/1968"
    assert table.rows[0][1]["so_the_dang"] == "93012345"
    assert table.rows[1][1]["so_the_dang"] == "93012346"
    members, errors = parse_members(table, today=TODAY)
    assert errors == []
    assert members[1].birth_date == date(1990, 1, 3)
    # Excel dropped the leading zero of a phone typed as a number; it is put back.
    assert members[1].phone == "0912345679"


def test_a_card_an_xlsx_stored_as_a_number_gets_its_trailing_zeros_back(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Họ tên", "Số thẻ đảng", "Loại"])
    sheet.append(["Nguyễn Văn An", 93.05837, "chính thức"])
    sheet.append(["Hà Thị Lan", "93.05837", "chính thức"])  # typed as text: left as typed
    workbook.save(path := tmp_path / "members.xlsx")
    members, errors = parse_members(read_table(path, "members"), today=TODAY)
    assert errors == []
    assert [(m.card_number, m.card_as_number) for m in members] == [
        ("93.058370", "93.05837"),
        ("93.05837", None),
    ]


def test_a_number_cell_is_read_with_the_decimals_its_format_shows(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Họ tên", "Số thẻ đảng", "Loại"])
    sheet.append(["Nguyễn Văn An", 93.0583, "chính thức"])
    sheet["B2"].number_format = "0.000000"
    workbook.save(path := tmp_path / "members.xlsx")
    assert read_table(path, "members").rows[0][1]["so_the_dang"] == "93.058300"


@pytest.mark.parametrize(
    ("number", "card"), [("93.05837", "93.058370"), ("93.1", "93.100000"), ("93.058370", None)]
)
def test_card_from_number_pads_to_six_decimals_only_when_zeros_were_lost(
    number: str, card: str | None
) -> None:
    assert card_from_number(number) == card


def test_the_column_help_lists_every_column_with_its_names() -> None:
    text = describe_columns("members", lambda text: text)
    for header in ("Họ tên", "Ngày sinh", "Số thẻ đảng", "Loại", "Chức vụ", "Điện thoại", "Miễn sinh hoạt"):
        assert header in text
    assert "Họ tên (required; also: ho_ten, full_name, ho_va_ten, name)" in text
    assert "Đảng viên phụ trách" in describe_columns("households", lambda text: text)


def test_missing_required_column_is_a_file_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "Ngày sinh,Số thẻ đảng\n01/02/1980,93000111\n")
    with pytest.raises(ImportFileError) as caught:
        read_table(path, "members")
    assert caught.value.reason == "the required column %(column)s is missing; accepted names: %(names)s"
    assert caught.value.params["column"] == "Họ tên"
    assert "full_name" in caught.value.params["names"]


def test_missing_status_column_is_one_file_error_not_an_error_per_row(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "Họ tên,Ngày sinh\nNguyễn Văn An,12/05/1968\nHà Thị Lan,03/01/1990\n")
    with pytest.raises(ImportFileError) as caught:
        read_table(path, "members")
    assert caught.value.params["column"] == "Loại"


def test_missing_address_column_in_households_is_a_file_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "Chủ hộ;Thôn\nLê Văn Bình;Việt Tiến\n")
    with pytest.raises(ImportFileError) as caught:
        read_table(path, "households")
    assert caught.value.params["column"] == "Địa chỉ"


def test_two_headers_meaning_the_same_column_are_a_file_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "Họ tên,full_name\nA,B\n")
    with pytest.raises(ImportFileError) as caught:
        read_table(path, "members")
    assert caught.value.params == {"first": "Họ tên", "second": "full_name"}


def test_empty_file_is_a_file_error(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError) as caught:
        read_table(write_csv(tmp_path, "\n\n"), "members")
    assert caught.value.reason == "the file %(name)s is empty"


def test_header_without_data_rows_is_a_file_error(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError) as caught:
        read_table(write_csv(tmp_path, MEMBER_HEADER + "\n,,,\n"), "members")
    assert caught.value.reason == "the file %(name)s has column names but no data rows"


def test_unknown_extension_is_a_file_error(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError) as caught:
        read_table(write_csv(tmp_path, MEMBER_HEADER, name="members.xls"), "members")
    assert caught.value.params == {"ext": ".xls"}


def test_a_csv_renamed_to_xlsx_is_a_file_error(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError) as caught:
        read_table(write_csv(tmp_path, MEMBER_HEADER, name="members.xlsx"), "members")
    assert caught.value.reason == "the file %(name)s could not be read as an Excel workbook"


def test_a_file_that_is_not_utf8_is_a_file_error(tmp_path: Path) -> None:
    path = tmp_path / "legacy.csv"
    path.write_bytes("Họ tên\nNguyễn Văn An\n".encode("utf-16-le"))
    with pytest.raises(ImportFileError) as caught:
        read_table(path, "members")
    assert caught.value.params == {"name": "legacy.csv"}


def test_a_missing_file_is_a_file_error(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError) as caught:
        read_table(tmp_path / "nothing.csv", "members")
    assert caught.value.reason == "the file %(name)s could not be opened"


def test_title_rows_above_the_column_names_are_skipped(tmp_path: Path) -> None:
    title = "DANH SÁCH ĐẢNG VIÊN CHI BỘ THÔN 3,,\n,,\n"
    path = write_csv(tmp_path, title + "STT,Họ và tên,Loại\n1,Nguyễn Văn An,dự bị\n")
    table = read_table(path, "members")
    assert table.columns["ho_ten"] == "Họ và tên"
    assert [number for number, _ in table.rows] == [4]


def test_rows_filled_only_in_ignored_columns_are_skipped(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "STT,Họ tên,Loại\n1,Nguyễn Văn An,dự bị\n2,,\n3,,\n")
    members, errors = parse_members(read_table(path, "members"), today=TODAY)
    assert errors == []
    assert len(members) == 1


# --- members ------------------------------------------------------------------------------------


def test_valid_member_row_is_normalised(tmp_path: Path) -> None:
    table = members_csv(tmp_path, "  Nguyễn   Văn  An ,1/2/1968,93 012 345,CT,Phó Bí Thư,+84 912 345 678,")
    members, errors = parse_members(table, today=TODAY)
    assert errors == []
    member = members[0]
    assert member.full_name == "Nguyễn Văn An"
    assert member.birth_date == date(1968, 2, 1)
    assert member.card_number == "93012345"
    assert member.status == "official"
    assert member.role == "deputy_secretary"
    assert member.phone == "+84912345678"


def test_card_number_keeps_its_leading_zeros(tmp_path: Path) -> None:
    members, _ = parse_members(members_csv(tmp_path, "Nguyễn Văn An,,00123456,dự bị,,,"), today=TODAY)
    assert members[0].card_number == "00123456"
    assert members[0].status == "probationary"
    assert members[0].role == "member"


def test_one_bad_row_among_good_rows_gives_exactly_one_error_with_its_row_number(tmp_path: Path) -> None:
    errors = member_errors(
        tmp_path,
        GOOD,
        "",  # a blank line is skipped but still counts as row 3
        "Hà Thị Lan,03/01/1990,93.012346,chính thức,,,",
        "Lê Văn Cường,12-13-1970,93.012347,chính thức,,,",
        "Trần Văn Dũng,05.06.1971,93.012348,chính thức,,,",
    )
    assert errors == [
        RowError(
            5, "Ngày sinh", "the date %(value)s does not exist; expected dd/mm/yyyy", {"value": "12-13-1970"}
        )
    ]


def test_text_that_is_not_a_date_is_reported(tmp_path: Path) -> None:
    errors = member_errors(tmp_path, "Lê Văn Cường,năm 1970,,chính thức,,,")
    assert [(e.row, e.column, e.reason) for e in errors] == [
        (2, "Ngày sinh", "%(value)s is not a date; expected dd/mm/yyyy")
    ]


def test_impossible_date_does_not_exist(tmp_path: Path) -> None:
    errors = member_errors(tmp_path, "Lê Văn Cường,31/02/1970,,chính thức,,,")
    assert errors == [
        RowError(
            2, "Ngày sinh", "the date %(value)s does not exist; expected dd/mm/yyyy", {"value": "31/02/1970"}
        )
    ]


def test_future_birth_date_is_refused(tmp_path: Path) -> None:
    errors = member_errors(tmp_path, "Lê Văn Cường,02/12/2025,,chính thức,,,")
    assert [(e.column, e.reason) for e in errors] == [
        ("Ngày sinh", "the birth date %(value)s is in the future")
    ]


def test_member_younger_than_eighteen_is_refused(tmp_path: Path) -> None:
    errors = member_errors(tmp_path, "Lê Văn Cường,02/12/2007,,chính thức,,,")
    assert [e.reason for e in errors] == ["the birth date %(value)s makes this member younger than 18"]


def test_future_exemption_date_is_refused(tmp_path: Path) -> None:
    errors = member_errors(tmp_path, "Trần Văn Bình,08/02/1950,,chính thức,,,01/01/2026")
    assert [(e.column, e.reason) for e in errors] == [
        ("Miễn sinh hoạt", "the date %(value)s is in the future")
    ]


def test_exemption_date_is_parsed(tmp_path: Path) -> None:
    members, _ = parse_members(
        members_csv(tmp_path, "Trần Văn Bình,08/02/1950,,chính thức,,,15/03/2021"), today=TODAY
    )
    assert members[0].exempt_since == date(2021, 3, 15)


def test_unknown_status_lists_the_accepted_values(tmp_path: Path) -> None:
    errors = member_errors(tmp_path, "Lê Văn Cường,,,tạm thời,,,")
    assert errors == [
        RowError(
            2,
            "Loại",
            "%(value)s is not a known status; please write %(accepted)s",
            {"value": "tạm thời", "accepted": "chính thức, dự bị"},
        )
    ]


def test_empty_status_is_refused_rather_than_guessed(tmp_path: Path) -> None:
    errors = member_errors(tmp_path, "Lê Văn Cường,,,,,,")
    assert [e.reason for e in errors] == ["the status is required; please write %(accepted)s"]


def test_unknown_role_is_refused(tmp_path: Path) -> None:
    errors = member_errors(tmp_path, "Lê Văn Cường,,,chính thức,trưởng thôn,,")
    assert [(e.column, e.reason, e.params["value"]) for e in errors] == [
        ("Chức vụ", "%(value)s is not a known role; please write %(accepted)s", "trưởng thôn")
    ]


def test_roles_are_recognised_with_or_without_diacritics(tmp_path: Path) -> None:
    members, errors = parse_members(
        members_csv(
            tmp_path,
            "A Văn Một,,,chính thức,Bí thư,,",
            "B Văn Hai,,,chinh thuc,pho bi thu,,",
            "C Văn Ba,,,official,Chi uỷ viên,,",
            "D Văn Bốn,,,official,committee member,,",
            "E Văn Năm,,,official,Đảng viên,,",
        ),
        today=TODAY,
    )
    assert errors == []
    assert [m.role for m in members] == [
        "secretary",
        "deputy_secretary",
        "committee_member",
        "committee_member",
        "member",
    ]


def test_bad_phone_is_refused(tmp_path: Path) -> None:
    errors = member_errors(tmp_path, "Lê Văn Cường,,,chính thức,,09123,")
    assert [(e.column, e.reason) for e in errors] == [
        ("Điện thoại", "%(value)s is not a phone number; expected 10 digits starting with 0, or +84")
    ]


def test_bad_card_number_is_refused(tmp_path: Path) -> None:
    errors = member_errors(tmp_path, "Lê Văn Cường,,số 12#4,chính thức,,,")
    assert [e.column for e in errors] == ["Số thẻ đảng"]


def test_missing_full_name_is_reported(tmp_path: Path) -> None:
    errors = member_errors(tmp_path, ",12/05/1968,,chính thức,,,")
    assert [(e.column, e.reason) for e in errors] == [("Họ tên", "the full name is required")]


def test_every_bad_cell_of_a_row_is_reported(tmp_path: Path) -> None:
    errors = member_errors(tmp_path, "Lê Văn Cường,31/02/1970,,không rõ,lãnh đạo,123,")
    assert [e.column for e in errors] == ["Ngày sinh", "Loại", "Chức vụ", "Điện thoại"]


def test_same_card_number_twice_is_the_same_person(tmp_path: Path) -> None:
    errors = member_errors(tmp_path, GOOD, "Nguyễn Văn Anh,01/01/1970,93.012 345,chính thức,,,")
    assert errors == [RowError(3, "Số thẻ đảng", "the same person as row %(other)s", {"other": "2"})]


def test_same_name_and_birth_date_without_cards_is_the_same_person(tmp_path: Path) -> None:
    errors = member_errors(
        tmp_path,
        "Nguyễn Văn An,12/05/1968,,chính thức,,,",
        "Hà Thị Lan,03/01/1990,,chính thức,,,",
        "nguyễn  văn an,12/05/1968,,chính thức,,,",
    )
    assert errors == [RowError(4, "Họ tên", "the same person as row %(other)s", {"other": "2"})]


def test_same_name_and_birth_date_with_different_cards_are_two_people(tmp_path: Path) -> None:
    errors = member_errors(
        tmp_path,
        "Nguyễn Văn An,12/05/1968,93.000001,chính thức,,,",
        "Nguyễn Văn An,12/05/1968,93.000002,chính thức,,,",
    )
    assert errors == []


def test_second_secretary_is_refused(tmp_path: Path) -> None:
    errors = member_errors(
        tmp_path,
        "Nguyễn Văn An,,,chính thức,bí thư,,",
        "Hà Thị Lan,,,chính thức,đảng viên,,",
        "Lê Văn Cường,,,chính thức,secretary,,",
    )
    reason = "row %(other)s is already the secretary; a cell has only one secretary"
    assert errors == [RowError(4, "Chức vụ", reason, {"other": "2"})]


def test_probationary_member_cannot_hold_a_committee_role(tmp_path: Path) -> None:
    errors = member_errors(tmp_path, "Lê Văn Cường,,,dự bị,chi ủy viên,,")
    assert [e.reason for e in errors] == ["a probationary member cannot be in the cell committee"]


# --- households ---------------------------------------------------------------------------------


def test_household_row_is_normalised(tmp_path: Path) -> None:
    households, errors = parse_households(
        households_csv(tmp_path, "Lê  Văn Bình ;Xóm Việt Tiến, thôn 3;;;;;")
    )
    assert errors == []
    assert households[0].head_name == "Lê Văn Bình"
    assert households[0].village is None
    assert households[0].people is None
    assert households[0].tags == ()
    assert households[0].responsible is None


def test_tags_are_normalised_to_canonical_vietnamese(tmp_path: Path) -> None:
    households, errors = parse_households(
        households_csv(
            tmp_path,
            'Lê Văn Bình;Xóm Việt Tiến;;3;"Cận nghèo, GIA DINH CHINH SACH; Hộ trồng chè, người có công";;',
        )
    )
    assert errors == []
    assert households[0].tags == ("hộ cận nghèo", "gia đình chính sách", "hộ trồng chè", "người có công")


def test_old_style_tone_placement_in_tags_is_recognised(tmp_path: Path) -> None:
    table = households_csv(tmp_path, "Lê Văn Bình;Xóm Việt Tiến;;3;gia đình văn hoá;;")
    households, _ = parse_households(table)
    assert households[0].tags == ("gia đình văn hóa",)


def test_same_household_twice_is_refused_on_the_later_row(tmp_path: Path) -> None:
    errors = parse_households(
        households_csv(
            tmp_path,
            "Lê Văn Bình;Xóm Việt Tiến, thôn 3;;;;;",
            "Hà Thị Lan;Xóm Việt Tiến, thôn 3;;;;;",
            "LÊ VĂN BÌNH;xóm việt tiến,  thôn 3;;;;;",
        )
    )[1]
    assert errors == [RowError(4, "Chủ hộ", "the same household as row %(other)s", {"other": "2"})]


def test_same_head_at_another_address_is_another_household(tmp_path: Path) -> None:
    _, errors = parse_households(
        households_csv(tmp_path, "Lê Văn Bình;Xóm Việt Tiến;;;;;", "Lê Văn Bình;Xóm Ngành Nghề;;;;;")
    )
    assert errors == []


@pytest.mark.parametrize("people", ["0", "51", "ba", "2.5"])
def test_number_of_people_must_be_a_whole_number_from_1_to_50(tmp_path: Path, people: str) -> None:
    errors = parse_households(households_csv(tmp_path, f"Lê Văn Bình;Xóm Việt Tiến;;{people};;;"))[1]
    assert [(e.column, e.params["value"]) for e in errors] == [("Số nhân khẩu", people)]


def test_missing_head_and_address_are_both_reported(tmp_path: Path) -> None:
    errors = parse_households(households_csv(tmp_path, ";;Việt Tiến;3;;;"))[1]
    assert [(e.row, e.column, e.reason) for e in errors] == [
        (2, "Chủ hộ", "the head of household is required"),
        (2, "Địa chỉ", "the address is required"),
    ]


# --- responsible members ------------------------------------------------------------------------

CANDIDATES = [
    Candidate(1, "Nguyễn Văn An", "93.012345"),
    Candidate(2, "Nguyễn Văn Ân", None),
    Candidate(3, "Hà Thị Lan", "93.012346"),
    Candidate(4, "Hà Thị Lan", None),
    Candidate(5, "Trần Thị Thủy", None),
]


def test_responsible_is_found_by_card_number() -> None:
    assert resolve_responsible(" 93.012 346 ", CANDIDATES).person_id == 3


def test_responsible_is_found_by_a_unique_name_with_diacritics_kept() -> None:
    assert resolve_responsible("nguyễn văn  an", CANDIDATES).person_id == 1
    assert resolve_responsible("Nguyễn Văn Ân", CANDIDATES).person_id == 2


def test_responsible_name_matches_across_tone_mark_placement() -> None:
    assert resolve_responsible("Trần Thị Thuỷ", CANDIDATES).person_id == 5


def test_ambiguous_responsible_name_asks_for_the_card_number() -> None:
    result = resolve_responsible("Hà Thị Lan", CANDIDATES)
    assert result.person_id is None
    assert result.reason == "%(value)s matches %(count)s members; use the card number"
    assert result.params == {"value": "Hà Thị Lan", "count": "2"}


def test_unknown_responsible_is_reported() -> None:
    result = resolve_responsible("Nguyen Van An", CANDIDATES)
    assert result.person_id is None
    assert result.reason == "no member of this cell has card number or name %(value)s"


def test_empty_responsible_names_nobody_without_error() -> None:
    result = resolve_responsible("  ", CANDIDATES)
    assert (result.person_id, result.reason) == (None, None)


def test_resolve_households_reports_unresolved_rows_under_the_written_header(tmp_path: Path) -> None:
    table = households_csv(
        tmp_path, "Lê Văn Bình;Xóm Việt Tiến;;;;93.012345;", "Hà Văn Cư;Xóm Việt Tiến;;;;Ai đó;"
    )
    households, _ = parse_households(table)
    assigned, errors = resolve_households(households, CANDIDATES, table)
    assert assigned == {2: 1}
    assert [(e.row, e.column) for e in errors] == [(3, "Đảng viên phụ trách")]


# --- names and rendering ------------------------------------------------------------------------


def test_normalise_name_keeps_case_and_diacritics() -> None:
    assert normalise_name("  Nguye\u0302\u0303n  Văn\tAn ") == "Nguyễn Văn An"
    assert normalise_name("Nguyễn Văn An") == "Nguyễn Văn An"


def test_name_key_ignores_case_spacing_and_tone_placement_but_not_letters() -> None:
    assert name_key("NGUYỄN  Văn An") == name_key("nguyễn văn an")
    assert name_key("Hoà") == name_key("Hòa")
    assert name_key("Nguyễn Văn An") != name_key("Nguyễn Văn Ân")
    assert name_key("Hòa") != name_key("Hóa")


def test_render_with_identity_gettext_fills_both_pieces() -> None:
    error = RowError(
        7, "Ngày sinh", "the date %(value)s does not exist; expected dd/mm/yyyy", {"value": "31/02/1970"}
    )
    assert error.render(lambda s: s) == (
        "Row 7, column Ngày sinh: the date 31/02/1970 does not exist; expected dd/mm/yyyy"
    )


def test_render_passes_the_frame_and_the_reason_through_gettext() -> None:
    error = RowError(3, "Loại", "the status is required; please write %(accepted)s", {"accepted": "dự bị"})
    assert error.render(lambda s: "VI:" + s) == (
        "VI:Row 3, column Loại: VI:the status is required; please write dự bị"
    )


def test_render_falls_back_to_english_when_a_translation_is_malformed() -> None:
    error = RowError(3, "Loại", "the same person as row %(other)s", {"other": "2"})
    assert error.render(lambda s: s.replace("%(other)s", "%(missing)s")) == (
        "Row 3, column Loại: the same person as row 2"
    )


def test_file_error_renders_through_gettext() -> None:
    error = ImportFileError("the file %(name)s is empty", {"name": "a.csv"})
    assert str(error) == "the file a.csv is empty"
    assert error.render(lambda s: "VI:" + s) == "VI:the file a.csv is empty"


# --- the demo samples ---------------------------------------------------------------------------


def test_sample_members_parse_without_errors() -> None:
    members, errors = parse_members(read_table(SAMPLES / "members_thon3.csv", "members"), today=TODAY)
    assert errors == []
    assert len(members) == 19
    assert [m.role for m in members].count("secretary") == 1
    assert [m.status for m in members].count("probationary") == 2
    assert sum(m.exempt_since is not None for m in members) == 1


def test_sample_households_parse_and_resolve_against_the_sample_members() -> None:
    members, _ = parse_members(read_table(SAMPLES / "members_thon3.csv", "members"), today=TODAY)
    table = read_table(SAMPLES / "households_thon3.csv", "households")
    households, errors = parse_households(table)
    assert errors == []
    assert len(households) == 190
    candidates = [Candidate(i, m.full_name, m.card_number) for i, m in enumerate(members, start=1)]
    assigned, unresolved = resolve_households(households, candidates, table)
    assert unresolved == []
    assert len(assigned) == 190
    assert sorted({sum(1 for p in assigned.values() if p == i) for i in range(1, 20)}) == [10]

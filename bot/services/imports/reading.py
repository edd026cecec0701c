"""Read a cell's member and household spreadsheets (CSV or XLSX) and validate every row.

The whole file is checked before anything is imported: callers import only when the error list is
empty, and show every RowError to the organiser. Reasons are English msgids marked with N_() and
rendered later through the reader's gettext, so this module knows no language and no database.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Literal, TypeVar

from bot.i18n import N_
from bot.names import name_key, normalise_name
from storage.vocabulary import CELL_OFFICES, SINGLE_OFFICES, OfficerRole

__all__ = [
    "NOT_IN_CELL",
    "Candidate",
    "HouseholdRow",
    "ImportFileError",
    "MemberRow",
    "Notice",
    "Resolution",
    "RowError",
    "Table",
    "TableKind",
    "card_from_number",
    "describe_columns",
    "header_key",
    "name_key",
    "normalise_name",
    "parse_households",
    "parse_members",
    "read_table",
    "resolve_households",
    "resolve_responsible",
]

_T = TypeVar("_T")

TableKind = Literal["members", "households"]
MemberStatus = Literal["official", "probationary"]
# An office in the cell, or "member" for none.
MemberRole = OfficerRole | Literal["member"]

ROW_MESSAGE = N_("Row %(row)s, column %(column)s: %(reason)s")
NOT_IN_CELL = N_("no member of this cell has card number or name %(value)s")

# Limits follow the database columns (storage/models.py) so a valid row always fits.
MAX_NAME = 200
MAX_ADDRESS = 300
MAX_VILLAGE = 200
MAX_CARD = 32
MAX_PEOPLE = 50
MIN_YEAR = 1900
TITLE_ROWS = 5  # how many title rows may sit above the column names
MIN_MEMBER_AGE = 18  # Party members are admitted at 18 or older (Điều lệ Đảng, Art. 1).


# --- Errors -------------------------------------------------------------------------------------


def _render(gettext: Callable[[str], str], msgid: str, params: dict[str, str]) -> str:
    """Translate msgid and fill params, falling back to English if a translation is malformed."""
    try:
        return gettext(msgid) % params
    except (KeyError, TypeError, ValueError):
        return msgid % params


@dataclass(frozen=True)
class RowError:
    """One bad cell: the row as the organiser sees it, the column header and a reason msgid."""

    row: int
    column: str
    reason: str
    params: dict[str, str] = field(default_factory=dict)

    def render(self, gettext: Callable[[str], str]) -> str:
        """Render the error as one translated sentence."""
        reason = _render(gettext, self.reason, self.params)
        return _render(gettext, ROW_MESSAGE, {"row": str(self.row), "column": self.column, "reason": reason})


@dataclass(frozen=True)
class Notice:
    """Something about the whole file the organiser should know (not tied to one cell)."""

    message: str
    params: dict[str, str] = field(default_factory=dict)
    row: int = 0  # sorts before the row errors

    def render(self, gettext: Callable[[str], str]) -> str:
        """Render the notice as one translated sentence."""
        return _render(gettext, self.message, self.params)


class ImportFileError(Exception):
    """The file as a whole cannot be imported (unreadable, empty, missing a required column)."""

    def __init__(self, reason: str, params: dict[str, str] | None = None) -> None:
        self.reason = reason
        self.params: dict[str, str] = dict(params or {})
        super().__init__(reason % self.params)

    def render(self, gettext: Callable[[str], str]) -> str:
        """Render the problem as one translated sentence."""
        return _render(gettext, self.reason, self.params)


class _Invalid(Exception):
    """Raised by a field parser; becomes a RowError for that row and column."""

    def __init__(self, reason: str, **params: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


# --- Text normalisation -------------------------------------------------------------------------


def header_key(s: str) -> str:
    """Fold text to ASCII snake case without diacritics: "Họ tên" -> "ho_ten"."""
    text = unicodedata.normalize("NFD", unicodedata.normalize("NFC", s).strip())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("đ", "d").replace("Đ", "d").replace("Ð", "d").lower()
    return re.sub(r"[^0-9a-z]+", "_", text).strip("_")


# --- Columns ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    canonical: str
    header: str  # the Vietnamese header the sample files and templates use
    aliases: tuple[str, ...] = ()
    required: bool = False


_MEMBER_COLUMNS = (
    _Column("ho_ten", "Họ tên", ("full_name", "ho_va_ten", "name"), required=True),
    _Column("ngay_sinh", "Ngày sinh", ("birth_date", "date_of_birth")),
    _Column("so_the_dang", "Số thẻ đảng", ("card_number", "so_the", "so_the_dang_vien")),
    # Required: an empty status is refused rather than guessed, so a missing column is one clear error.
    _Column("loai", "Loại", ("status", "loai_dang_vien"), required=True),
    _Column("chuc_vu", "Chức vụ", ("role",)),
    _Column("dien_thoai", "Điện thoại", ("phone", "so_dien_thoai", "sdt")),
    _Column("mien_sinh_hoat", "Miễn sinh hoạt", ("exempt_since", "mien_sinh_hoat_tu")),
)

_HOUSEHOLD_COLUMNS = (
    _Column("chu_ho", "Chủ hộ", ("head", "head_of_household", "ho_ten_chu_ho"), required=True),
    _Column("dia_chi", "Địa chỉ", ("address",), required=True),
    _Column("thon_to", "Thôn/Tổ", ("village", "hamlet", "thon", "to_dan_pho")),
    _Column("so_nhan_khau", "Số nhân khẩu", ("people", "household_size", "nhan_khau")),
    _Column("dien", "Diện", ("tags", "status_tags")),
    _Column("dang_vien_phu_trach", "Đảng viên phụ trách", ("member_responsible", "responsible")),
    _Column("dien_thoai", "Điện thoại", ("phone", "so_dien_thoai", "sdt")),
)

_COLUMNS: dict[str, tuple[_Column, ...]] = {"members": _MEMBER_COLUMNS, "households": _HOUSEHOLD_COLUMNS}


def _column_lookup(kind: TableKind) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for col in _COLUMNS[kind]:
        for name in (col.canonical, col.header, *col.aliases):
            lookup[header_key(name)] = col.canonical
    return lookup


def describe_columns(kind: TableKind, gettext: Callable[[str], str]) -> str:
    """The columns an import reads, one a line, for `chibo import … --help`."""
    lines = [gettext(N_("Columns read, under these names in the first row (any order; others are ignored):"))]
    for col in _COLUMNS[kind]:
        names = ", ".join((col.canonical, *col.aliases))
        required = gettext(N_("required")) + "; " if col.required else ""
        also = gettext(N_("also"))
        lines.append(f"  {col.header} ({required}{also}: {names})")
    return "\n".join(lines)


@dataclass(frozen=True)
class Table:
    """A spreadsheet's rows keyed by canonical column name, with the row numbers a person sees."""

    kind: TableKind
    headers: list[str]
    rows: list[tuple[int, dict[str, str]]]
    columns: dict[str, str] = field(default_factory=dict)  # canonical name -> header as written
    # The workbook sheet the rows come from, when earlier sheets were empty (None: the first, or a CSV).
    sheet: str | None = None
    # (row, canonical column) of cells a spreadsheet stored as numbers, not as the text typed.
    numbers: frozenset[tuple[int, str]] = frozenset()

    def label(self, canonical: str) -> str:
        """Return the header as written in the file, or the canonical name if the column is absent."""
        return self.columns.get(canonical, canonical)


# --- Reading files ------------------------------------------------------------------------------


_FIXED_DECIMALS = re.compile(r"[#,0]*0\.(0+)")


def _cell_text(value: object, number_format: str = "General") -> str:
    """Turn a spreadsheet cell value into the text a person would read in it."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, int | float):
        # A number shows as its format says: "0.000000" keeps the trailing zeros of 93.058370.
        fixed = _FIXED_DECIMALS.fullmatch(number_format)
        if fixed:
            return f"{value:.{len(fixed[1])}f}"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
    return str(value).strip()


def _delimiter(header_line: str) -> str:
    """Pick the delimiter that occurs most often outside quotes in the header line."""
    outside = re.sub(r'"[^"]*"', "", header_line)
    counts = {d: outside.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _decode(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode Text" export
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            N_("the file %(name)s is not UTF-8 text; please save it as CSV UTF-8"), {"name": name}
        ) from None


# One spreadsheet row: its number as a person sees it, its cells as text, and which cells held numbers.
_RawRow = tuple[int, list[str], set[int]]


@dataclass
class _Sheet:
    """The rows of a file, and the name of the workbook sheet they come from if not the first."""

    rows: list[_RawRow]
    name: str | None = None


def _csv_rows(path: Path) -> _Sheet:
    try:
        data = path.read_bytes()
    except OSError:
        raise ImportFileError(N_("the file %(name)s could not be opened"), {"name": path.name}) from None
    text = _decode(data, path.name)
    first = next((line for line in text.splitlines() if line.strip()), "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first))
    rows: list[_RawRow] = []
    number = 0
    try:
        # Count records, not physical lines: a quoted cell with a line break is still one row.
        for number, record in enumerate(reader, start=1):
            rows.append((number, [cell.strip() for cell in record], set()))
    except csv.Error:
        raise ImportFileError(
            N_("the file %(name)s could not be read as CSV near row %(row)s"),
            {"name": path.name, "row": str(number + 1)},
        ) from None
    return _Sheet(rows)


def _xlsx_rows(path: Path) -> _Sheet:
    """The first sheet that has data (a workbook may start with an empty or a cover sheet)."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except OSError:
        raise ImportFileError(N_("the file %(name)s could not be opened"), {"name": path.name}) from None
    except (zipfile.BadZipFile, KeyError, ValueError, InvalidFileException):
        raise ImportFileError(
            N_("the file %(name)s could not be read as an Excel workbook"), {"name": path.name}
        ) from None
    try:
        for index, sheet in enumerate(workbook.worksheets):
            # Files from some generators carry a wrong <dimension>; read what is really there.
            sheet.reset_dimensions()
            rows: list[_RawRow] = []
            for number, cells in enumerate(sheet.iter_rows(), start=1):
                texts = [_cell_text(c.value, getattr(c, "number_format", "General")) for c in cells]
                numeric = {i for i, c in enumerate(cells) if isinstance(c.value, int | float)}
                rows.append((number, texts, numeric))
            if any(any(texts) for _, texts, _ in rows):
                return _Sheet(rows, sheet.title if index else None)
        return _Sheet([])
    finally:
        workbook.close()


def _raw_rows(path: Path) -> _Sheet:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return _csv_rows(path)
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_rows(path)
    raise ImportFileError(
        N_("files of type %(ext)s cannot be imported; please use .csv or .xlsx"), {"ext": suffix or path.name}
    )


def _map_headers(kind: TableKind, headers: list[str]) -> dict[int, str]:
    """Map column positions to canonical names; unknown headers are ignored."""
    lookup = _column_lookup(kind)
    positions: dict[int, str] = {}
    seen: dict[str, str] = {}
    for index, header in enumerate(headers):
        canonical = lookup.get(header_key(header))
        if canonical is None:
            continue
        if canonical in seen:
            raise ImportFileError(
                N_("the columns %(first)s and %(second)s mean the same thing; please keep only one"),
                {"first": seen[canonical], "second": header},
            )
        seen[canonical] = header
        positions[index] = canonical
    for col in _COLUMNS[kind]:
        if col.required and col.canonical not in seen:
            names = ", ".join(dict.fromkeys((col.header, col.canonical, *col.aliases)))
            raise ImportFileError(
                N_("the required column %(column)s is missing; accepted names: %(names)s"),
                {"column": col.header, "names": names},
            )
    return positions


def _has_required_columns(kind: TableKind, cells: list[str]) -> bool:
    found = {_column_lookup(kind).get(header_key(cell)) for cell in cells}
    return all(col.canonical in found for col in _COLUMNS[kind] if col.required)


def read_table(path: Path, kind: TableKind) -> Table:
    """Read a .csv file, or the first sheet with data of an .xlsx file, into a Table of stripped strings."""
    sheet = _raw_rows(path)
    # Blank rows are skipped but the others keep the row numbers a person sees in the sheet.
    raw = [(number, cells, numeric) for number, cells, numeric in sheet.rows if any(cells)]
    if not raw:
        raise ImportFileError(N_("the file %(name)s is empty"), {"name": path.name})
    # Official lists often start with a title ("DANH SÁCH ĐẢNG VIÊN ...") above the column names.
    header_at = next(
        (i for i, (_, cells, _) in enumerate(raw[: TITLE_ROWS + 1]) if _has_required_columns(kind, cells)), 0
    )
    headers = list(raw[header_at][1])
    while headers and not headers[-1]:
        headers.pop()
    positions = _map_headers(kind, headers)
    rows: list[tuple[int, dict[str, str]]] = []
    numbers: set[tuple[int, str]] = set()
    for number, cells, numeric in raw[header_at + 1 :]:
        values = {col.canonical: "" for col in _COLUMNS[kind]}
        for index, canonical in positions.items():
            if index < len(cells):
                values[canonical] = cells[index]
                if index in numeric:
                    numbers.add((number, canonical))
        # A row filled only in ignored columns (a pre-numbered "STT" column) has nothing to import.
        if any(values.values()):
            rows.append((number, values))
    if not rows:
        raise ImportFileError(N_("the file %(name)s has column names but no data rows"), {"name": path.name})
    columns = {canonical: headers[index] for index, canonical in positions.items()}
    return Table(
        kind=kind, headers=headers, rows=rows, columns=columns, sheet=sheet.name, numbers=frozenset(numbers)
    )


# --- Field parsers ------------------------------------------------------------------------------

_DATE = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})")


def _text(value: str, limit: int) -> str:
    text = normalise_name(value)
    if len(text) > limit:
        raise _Invalid(
            N_("the text is too long (%(length)s characters; at most %(max)s)"),
            length=str(len(text)),
            max=str(limit),
        )
    return text


def _name(value: str, missing: str) -> str:
    text = _text(value, MAX_NAME)
    if not text:
        raise _Invalid(missing)
    if not any(c.isalpha() for c in text):
        raise _Invalid(N_("%(value)s does not look like a name"), value=text)
    return text


def _date(value: str, *, today: date, future: str = N_("the date %(value)s is in the future")) -> date | None:
    if not value:
        return None
    match = _DATE.fullmatch(value.replace(" ", ""))
    if match is None:
        raise _Invalid(N_("%(value)s is not a date; expected dd/mm/yyyy"), value=value)
    day, month, year = int(match[1]), int(match[3]), int(match[4])
    try:
        result = date(year, month, day)
    except ValueError:
        raise _Invalid(N_("the date %(value)s does not exist; expected dd/mm/yyyy"), value=value) from None
    if year < MIN_YEAR:
        raise _Invalid(N_("the year in %(value)s looks wrong; expected dd/mm/yyyy"), value=value)
    if result > today:
        raise _Invalid(future, value=value)
    return result


def _birth_date(value: str, *, today: date) -> date | None:
    born = _date(value, today=today, future=N_("the birth date %(value)s is in the future"))
    if born is not None:
        try:
            adult_on = born.replace(year=born.year + MIN_MEMBER_AGE)
        except ValueError:  # born on 29 February
            adult_on = date(born.year + MIN_MEMBER_AGE, 3, 1)
        if adult_on > today:
            raise _Invalid(N_("the birth date %(value)s makes this member younger than 18"), value=value)
    return born


def _card_key(value: str) -> str:
    return "".join(value.split()).upper()


# Party card numbers look like 93.058370: two digits, a dot, six digits.
CARD_DECIMALS = 6
_CARD_AS_NUMBER = re.compile(rf"\d{{2}}\.\d{{1,{CARD_DECIMALS - 1}}}")


def card_from_number(text: str) -> str | None:
    """The card a spreadsheet number cell stood for, its trailing zeros restored (93.05837 -> 93.058370).

    None when the number does not look like a card that lost zeros.
    """
    if not _CARD_AS_NUMBER.fullmatch(text):
        return None
    whole, decimals = text.split(".")
    return f"{whole}.{decimals.ljust(CARD_DECIMALS, '0')}"


def _card(value: str) -> str | None:
    card = _card_key(value)
    if not card:
        return None
    if (
        len(card) > MAX_CARD
        or not any(c.isdigit() for c in card)
        or not re.fullmatch(r"[0-9A-Z]+(?:[./-][0-9A-Z]+)*", card)
    ):
        raise _Invalid(
            N_("%(value)s is not a valid card number; use digits, letters and dots only"), value=value
        )
    return card


def _phone(value: str) -> str | None:
    if not value:
        return None
    compact = re.sub(r"[\s.\-()]", "", value)
    if re.fullmatch(r"[35789]\d{8}|2\d{9}", compact):
        compact = "0" + compact  # a spreadsheet stored the number as a number and dropped the 0
    if re.fullmatch(r"0[35789]\d{8}|02\d{9}|\+84[35789]\d{8}|\+842\d{9}", compact):
        return compact
    raise _Invalid(
        N_("%(value)s is not a phone number; expected 10 digits starting with 0, or +84"), value=value
    )


_STATUSES: dict[str, MemberStatus] = {
    "chinh_thuc": "official",
    "dang_vien_chinh_thuc": "official",
    "official": "official",
    "ct": "official",
    "du_bi": "probationary",
    "dang_vien_du_bi": "probationary",
    "probationary": "probationary",
    "db": "probationary",
}
_STATUS_CHOICES = "chính thức, dự bị"

_ROLES: dict[str, MemberRole] = {
    "bi_thu": OfficerRole.SECRETARY,
    "bi_thu_chi_bo": OfficerRole.SECRETARY,
    "secretary": OfficerRole.SECRETARY,
    "pho_bi_thu": OfficerRole.DEPUTY,
    "pho_bi_thu_chi_bo": OfficerRole.DEPUTY,
    "deputy_secretary": OfficerRole.DEPUTY,
    "deputy": OfficerRole.DEPUTY,
    "chi_uy_vien": OfficerRole.COMMITTEE,
    "uy_vien_chi_uy": OfficerRole.COMMITTEE,
    "committee_member": OfficerRole.COMMITTEE,
    "dang_vien": "member",
    "member": "member",
    "": "member",
}
_ROLE_CHOICES = "bí thư, phó bí thư, chi ủy viên, đảng viên"


def _status(value: str) -> MemberStatus:
    if not value:
        raise _Invalid(N_("the status is required; please write %(accepted)s"), accepted=_STATUS_CHOICES)
    status = _STATUSES.get(header_key(value))
    if status is None:
        raise _Invalid(
            N_("%(value)s is not a known status; please write %(accepted)s"),
            value=value,
            accepted=_STATUS_CHOICES,
        )
    return status


def _role(value: str) -> MemberRole:
    role = _ROLES.get(header_key(value))
    if role is None:
        raise _Invalid(
            N_("%(value)s is not a known role; please write %(accepted)s"),
            value=value,
            accepted=_ROLE_CHOICES,
        )
    return role


_TAGS = {
    "ho_ngheo": "hộ nghèo",
    "ngheo": "hộ nghèo",
    "can_ngheo": "hộ cận nghèo",
    "ho_can_ngheo": "hộ cận nghèo",
    "gia_dinh_chinh_sach": "gia đình chính sách",
    "ho_chinh_sach": "gia đình chính sách",
    "gia_dinh_van_hoa": "gia đình văn hóa",
    "nguoi_co_cong": "người có công",
    "gia_dinh_nguoi_co_cong": "người có công",
}


def _tags(value: str) -> tuple[str, ...]:
    tags: dict[str, None] = {}
    for piece in re.split(r"[,;]", value):
        text = normalise_name(piece).lower()
        if text:
            tags[_TAGS.get(header_key(text), text)] = None
    return tuple(tags)


def _people(value: str) -> int | None:
    if not value:
        return None
    if not re.fullmatch(r"\d+", value) or not 1 <= int(value) <= MAX_PEOPLE:
        raise _Invalid(
            N_("%(value)s is not a number of people from 1 to %(max)s"), value=value, max=str(MAX_PEOPLE)
        )
    return int(value)


class _RowChecker:
    """Collect the errors of one row while its fields are parsed."""

    def __init__(self, table: Table, row: int, values: dict[str, str], errors: list[RowError]) -> None:
        self.table, self.row, self.values, self.errors = table, row, values, errors
        self.ok = True

    def __call__(self, column: str, parse: Callable[[str], _T]) -> _T | None:
        try:
            return parse(self.values.get(column, ""))
        except _Invalid as exc:
            self.fail(column, exc.reason, exc.params)
            return None

    def fail(self, column: str, reason: str, params: dict[str, str] | None = None) -> None:
        self.ok = False
        self.errors.append(RowError(self.row, self.table.label(column), reason, dict(params or {})))


# --- Members ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberRow:
    """One valid member row."""

    row: int
    full_name: str
    birth_date: date | None
    card_number: str | None
    status: MemberStatus
    role: MemberRole
    phone: str | None
    exempt_since: date | None
    # The number a spreadsheet held in the card cell, when card_number had to restore its trailing zeros.
    card_as_number: str | None = None


def parse_members(table: Table, *, today: date) -> tuple[list[MemberRow], list[RowError]]:
    """Validate a members table; return the valid rows and an error for every bad cell."""
    if table.kind != "members":
        raise ValueError(f"expected a members table, got {table.kind}")
    members: list[MemberRow] = []
    errors: list[RowError] = []
    by_card: dict[str, int] = {}
    by_person: dict[tuple[str, date], tuple[int, str | None]] = {}
    by_role: dict[str, int] = {}
    for number, values in table.rows:
        check = _RowChecker(table, number, values, errors)
        full_name = check("ho_ten", lambda v: _name(v, N_("the full name is required")))
        born = check("ngay_sinh", lambda v: _birth_date(v, today=today))
        card = check("so_the_dang", _card)
        card_as_number = None
        if card is not None and (number, "so_the_dang") in table.numbers:
            # Excel kept the card as a number and dropped its trailing zeros; it is an identifier.
            restored = card_from_number(card)
            if restored is not None:
                card, card_as_number = restored, card
        status = check("loai", _status)
        role = check("chuc_vu", _role)
        phone = check("dien_thoai", _phone)
        exempt = check("mien_sinh_hoat", lambda v: _date(v, today=today))

        if card is not None:
            if card in by_card:
                check.fail(
                    "so_the_dang", N_("the same person as row %(other)s"), {"other": str(by_card[card])}
                )
            else:
                by_card[card] = number
        if full_name is not None and born is not None:
            person = (name_key(full_name), born)
            earlier = by_person.get(person)
            if earlier is None:
                by_person[person] = (number, card)
            elif not (card and earlier[1]):
                # With two card numbers the card column decides: the same card was reported there,
                # and different cards are two people who share a name and a birthday.
                check.fail("ho_ten", N_("the same person as row %(other)s"), {"other": str(earlier[0])})
        if role in SINGLE_OFFICES:
            if role in by_role:
                message = (
                    N_("row %(other)s is already the secretary; a cell has only one secretary")
                    if role == OfficerRole.SECRETARY
                    else N_(
                        "row %(other)s is already the deputy secretary; a cell has only one deputy secretary"
                    )
                )
                check.fail("chuc_vu", message, {"other": str(by_role[role])})
            else:
                by_role[role] = number
        if status == "probationary" and role in CELL_OFFICES:
            # Probationary members cannot stand for election to a Party committee (Điều lệ, Art. 5).
            check.fail("chuc_vu", N_("a probationary member cannot be in the cell committee"))

        if check.ok and full_name is not None and status is not None and role is not None:
            members.append(
                MemberRow(number, full_name, born, card, status, role, phone, exempt, card_as_number)
            )
    return members, errors


# --- Households ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class HouseholdRow:
    """One valid household row; `responsible` is the raw card number or name, resolved later."""

    row: int
    head_name: str
    address: str
    village: str | None
    people: int | None
    tags: tuple[str, ...]
    responsible: str | None
    phone: str | None


def _address(value: str) -> str:
    text = _text(value, MAX_ADDRESS)
    if not text:
        raise _Invalid(N_("the address is required"))
    return text


def parse_households(table: Table) -> tuple[list[HouseholdRow], list[RowError]]:
    """Validate a households table; return the valid rows and an error for every bad cell."""
    if table.kind != "households":
        raise ValueError(f"expected a households table, got {table.kind}")
    households: list[HouseholdRow] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, str], int] = {}
    for number, values in table.rows:
        check = _RowChecker(table, number, values, errors)
        head = check("chu_ho", lambda v: _name(v, N_("the head of household is required")))
        address = check("dia_chi", _address)
        village = check("thon_to", lambda v: _text(v, MAX_VILLAGE) or None)
        people = check("so_nhan_khau", _people)
        tags = check("dien", _tags)
        responsible = check("dang_vien_phu_trach", lambda v: _text(v, MAX_NAME) or None)
        phone = check("dien_thoai", _phone)

        if head is not None and address is not None:
            key = (name_key(head), name_key(address))
            if key in seen:
                check.fail("chu_ho", N_("the same household as row %(other)s"), {"other": str(seen[key])})
            else:
                seen[key] = number
        if check.ok and head is not None and address is not None:
            households.append(
                HouseholdRow(number, head, address, village, people, tags or (), responsible, phone)
            )
    return households, errors


# --- Responsible members ------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A member of the cell that a household can be assigned to."""

    person_id: int
    full_name: str
    card_number: str | None


@dataclass(frozen=True)
class Resolution:
    """The member a `dang_vien_phu_trach` value names, or why none could be chosen."""

    person_id: int | None
    reason: str | None = None
    params: dict[str, str] = field(default_factory=dict)


def _one(value: str, matches: Sequence[Candidate]) -> Resolution | None:
    if len(matches) == 1:
        return Resolution(matches[0].person_id)
    if len(matches) > 1:
        return Resolution(
            None,
            N_("%(value)s matches %(count)s members; use the card number"),
            {"value": value, "count": str(len(matches))},
        )
    return None


def resolve_responsible(value: str, candidates: Sequence[Candidate]) -> Resolution:
    """Find the member named by card number (first) or full name; an empty value names nobody."""
    text = normalise_name(value)
    if not text:
        return Resolution(None)
    card = _card_key(text)
    by_card = _one(text, [c for c in candidates if c.card_number and _card_key(c.card_number) == card])
    if by_card is not None:
        return by_card
    key = name_key(text)
    by_name = _one(text, [c for c in candidates if name_key(c.full_name) == key])
    if by_name is not None:
        return by_name
    return Resolution(None, NOT_IN_CELL, {"value": text})


def resolve_households(
    rows: Iterable[HouseholdRow], candidates: Sequence[Candidate], table: Table | None = None
) -> tuple[dict[int, int], list[RowError]]:
    """Resolve every row's responsible member; return {row: person_id} and the rows that failed."""
    column = table.label("dang_vien_phu_trach") if table is not None else "dang_vien_phu_trach"
    assigned: dict[int, int] = {}
    errors: list[RowError] = []
    for household in rows:
        if household.responsible is None:
            continue
        result = resolve_responsible(household.responsible, candidates)
        if result.person_id is not None:
            assigned[household.row] = result.person_id
        elif result.reason is not None:
            errors.append(RowError(household.row, column, result.reason, result.params))
    return assigned, errors

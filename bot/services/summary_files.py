"""A meeting's summary as files for the secretary: the draft minutes (DOCX, in the usual Vietnamese
layout), a workbook (XLSX: attendance, contributions, tasks, visits) and a chart of attendance and
participation over the last meetings (PNG).

Pure functions of a bot.services.summary_model.Summary and the reader's gettext: no database, no I/O but the
bytes they return. python-docx, openpyxl and matplotlib are imported inside the functions because each
takes a while to import and most runs of the bot never build a file.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.i18n import N_
from bot.meetings.contributions import Kind as SaidKind
from bot.meetings.rules import Attendance as Final
from bot.names import sort_key
from bot.services import attendance, contributions, meetings, resolution, visits
from bot.services.rollcall import FINAL_NAMES
from bot.services.summary_model import Item, Said, Summary, TaskPart, VisitsPart
from storage.vocabulary import OfficerRole

if TYPE_CHECKING:
    from docx.document import Document
    from openpyxl.worksheet.worksheet import Worksheet

Gettext = Callable[[str], str]

FONT = "Times New Roman"  # the font of Vietnamese administrative documents (NĐ 30/2020)
FONT_SIZE = 13
MAX_WIDTH = 60  # a spreadsheet column never grows wider than this; longer text wraps
CHART_POINTS = 12
# Characters XML 1.0 cannot hold (a DOCX or XLSX with one will not open); user text may carry them.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# The official layout's fixed phrases, translated like any label.
PARTY = N_("COMMUNIST PARTY OF VIET NAM")
TITLE = N_("MINUTES OF THE CELL MEETING")
MINUTE_TAKER_SIGNS = N_("MINUTE-TAKER")
FOR_THE_CELL = N_("ON BEHALF OF THE CELL")
SECRETARY_SIGNS = N_("SECRETARY")
DEPUTY_SIGNS = N_("DEPUTY SECRETARY")
CHAIR_SIGNS = N_("CHAIR")

COMRADE = N_("Comrade %(name)s")
BLANK = "…………………………"  # a name to be written in by hand
ITEM = N_("Item %(number)s. %(title)s")
WRITTEN_VIEWS = N_("Written views of absent members")

STATE_LATE = N_("late (%(time)s)")
STATE_COMING = N_("said they will attend")
STATE_NO_ANSWER = N_("no answer yet")


def _(gettext: Gettext, msgid: str, **params: object) -> str:
    """A label in the reader's language, its placeholders filled."""
    text = gettext(msgid)
    return text % {k: str(v) for k, v in params.items()} if params else text


def _clean(text: str) -> str:
    """Text without the control characters a DOCX or XLSX cannot store (members' text may have them)."""
    return _ILLEGAL.sub("", text)


def _capital(text: str) -> str:
    """The first letter upper case: a lower-case name ("regular meeting") starts a line."""
    return text[:1].upper() + text[1:]


def _day(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _media(said: Said, gettext: Gettext) -> str:
    """'[voice note 0:03]' for a voice note or photo, '' for plain text."""
    if not said.media:
        return ""
    name = contributions.MEDIA_NAMES.get(said.media)
    label = gettext(name) if name else said.media
    if said.seconds is not None:
        minutes, seconds = divmod(said.seconds, 60)
        label += f" {minutes}:{seconds:02d}"
    return f"[{label}]"


def content(said: Said, gettext: Gettext) -> str:
    """What was said, as the minutes write it: the media mark, then the text."""
    return " ".join(part for part in (_media(said, gettext), said.text) if part)


def _kind(said: Said, gettext: Gettext) -> str:
    return gettext(contributions.KIND_NAMES[said.kind])


def _vote_subject(item: int | None, agenda: Sequence[Item], gettext: Gettext) -> str:
    """What a vote was on: an agenda item by number and title, or the whole resolution."""
    if item is None:
        return gettext(resolution.WHOLE)
    title = next((i.title for i in agenda if i.position == item), "")
    return _(gettext, ITEM, number=item, title=title)


def _topics(keys: Iterable[str], gettext: Gettext) -> str:
    """A visit's topics: the preset ones translated, a cell's own as written."""
    names = visits.TOPIC_NAMES
    return ", ".join(gettext(names[key]) if key in names else key for key in keys)


# What each file is, in the words a secretary files them under: the minutes, the figures, the chart.
FILE_KINDS = {"docx": "bien-ban", "xlsx": "so-lieu", "png": "bieu-do"}


def filenames(summary: Summary) -> dict[str, str]:
    """ASCII file names for the three files, e.g. {"docx": "bien-ban-chi-bo-thon-3-12-2026-17.docx",
    "xlsx": "so-lieu-chi-bo-thon-3-12-2026-17.xlsx", "png": "bieu-do-…"}."""
    stem = f"{_slug(summary.cell)}-{summary.roll.month:%m-%Y}-{summary.meeting_id}"
    return {ext: f"{kind}-{stem}.{ext}" for ext, kind in FILE_KINDS.items()}


def _slug(text: str) -> str:
    """Vietnamese text as lowercase ASCII words joined by hyphens: 'Chi bộ Thôn Đông' → 'chi-bo-thon-dong'."""
    text = text.replace("đ", "d").replace("Đ", "D")  # đ is a letter of its own: NFKD keeps it
    bare = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", bare.lower()).strip("-")
    return slug or "chi-bo"


# ------------------------------------------------------------------------------------------- minutes


def minutes_docx(summary: Summary, gettext: Gettext) -> bytes:
    """The draft minutes (biên bản) as a Word document the secretary corrects, prints and signs."""
    import docx  # only here: it takes a while to import

    document = docx.Document()
    _page_and_font(document)
    _header(document, summary, gettext)
    _title(document, summary, gettext)
    _opening(document, summary, gettext)
    _roll_call(document, summary, gettext)
    _agenda(document, summary, gettext)
    _votes(document, summary, gettext)
    _tasks(document, summary, gettext)
    _closing(document, summary, gettext)
    _signatures(document, summary, gettext)
    document.core_properties.title = gettext(TITLE)
    document.core_properties.author = "chibo"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _page_and_font(document: Document) -> None:
    """A4 with the margins of administrative documents, Times New Roman 13 for every script."""
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    for section in document.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin, section.right_margin = Mm(30), Mm(15)
        section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    normal: Any = document.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(FONT_SIZE)
    # font.name sets only the Latin slots; Word picks the east-asian/complex slots for some
    # characters, which then show in another font.
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), FONT)
    normal.paragraph_format.space_after = Pt(3)


def _write(
    container: Any, text: str, *, bold: bool = False, italic: bool = False, center: bool = False
) -> None:
    """A paragraph in a document or table cell; a cell's first paragraph is reused, not left empty."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.table import _Cell

    paragraphs = container.paragraphs
    # A new table cell comes with one empty paragraph; a document has none.
    reuse = isinstance(container, _Cell) and len(paragraphs) == 1 and not paragraphs[0].text
    paragraph = paragraphs[0] if reuse else container.add_paragraph()
    run = paragraph.add_run(_clean(text))
    run.bold, run.italic = bold or None, italic or None
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _labelled(document: Document, label: str, value: str) -> None:
    """'Label: value' with the label bold, as a form's line."""
    paragraph = document.add_paragraph()
    paragraph.add_run(f"{label}: ").bold = True
    paragraph.add_run(_clean(value))


def _heading(document: Document, text: str) -> None:
    """A section's bold heading, a little apart from what comes before."""
    from docx.shared import Pt

    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(6)
    paragraph.add_run(text).bold = True


def _two_columns(document: Document) -> Any:
    """A borderless two-column table: the default table style of python-docx's template draws none."""
    table = document.add_table(rows=1, cols=2)
    table.autofit = True
    return table.rows[0].cells


# A party unit named for an administrative unit: "Đảng bộ xã Thái Bình" is dated "Thái Bình, ngày …".
_UNIT_PLACE = re.compile(
    r"^(?:(?:đảng bộ|đảng ủy|đảng uỷ)\s+)?"
    r"(?P<kind>xã|phường|thị trấn|thị xã|huyện|quận|thành phố|tỉnh)\s+(?P<name>\S.*)$",
    re.IGNORECASE,
)
# Places named for a person (or by a number, below) keep their full name (Nghị định 30/2020: "Quận 1,
# ngày …", "Thành phố Hồ Chí Minh, ngày …").
_NAMED_FOR_A_PERSON = {"hồ chí minh"}


def locality(unit: str) -> str:
    """The place name a document of the unit is dated from, as official documents write it (the
    locality, not the hall the meeting was in): "Đảng bộ xã Thái Bình" → "Thái Bình"; "" when the
    unit is not named for a place ("Đảng bộ Khối cơ quan tỉnh"): the minutes then use the hall."""
    found = _UNIT_PLACE.match(unicodedata.normalize("NFC", unit).strip())
    if found is None:
        return ""
    name = found["name"].strip()
    if name[0].isdigit() or name.casefold() in _NAMED_FOR_A_PERSON:
        return f"{found['kind']} {name}"
    return name


def _header(document: Document, summary: Summary, gettext: Gettext) -> None:
    """The party unit and the cell on the left; the Party's name and the place and date on the right."""
    left, right = _two_columns(document)
    _write(left, summary.unit.upper(), center=True)
    _write(left, summary.cell.upper(), bold=True, center=True)
    _write(left, "*", center=True)
    _write(right, gettext(PARTY), bold=True, center=True)
    dated = _(
        gettext,
        N_("%(place)s, %(day)s/%(month)s/%(year)s"),
        place=locality(summary.unit) or summary.place,
        day=f"{summary.day:%d}",
        month=f"{summary.day:%m}",
        year=summary.day.year,
    )
    _write(right, dated, italic=True, center=True)


def _title(document: Document, summary: Summary, gettext: Gettext) -> None:
    """The centred title, then the kind of meeting and its month."""
    _write(document, "")
    _write(document, gettext(TITLE), bold=True, center=True)
    kind = gettext(meetings.KIND_NAMES[summary.roll.kind])
    line = _(gettext, N_("%(kind)s, month %(month)s"), kind=kind, month=f"{summary.roll.month:%m/%Y}")
    _write(document, _capital(line), bold=True, center=True)


def _opening(document: Document, summary: Summary, gettext: Gettext) -> None:
    """Time, place, chair and minute-taker."""
    roll = summary.roll
    when = _day(summary.day)
    if roll.opened and roll.closed:
        when = _(
            gettext,
            N_("from %(opened)s to %(closed)s, %(day)s"),
            opened=roll.opened,
            closed=roll.closed,
            day=when,
        )
    elif roll.opened:
        when = _(gettext, N_("from %(opened)s, %(day)s"), opened=roll.opened, day=when)
    _labelled(document, gettext(N_("Time")), when)
    _labelled(document, gettext(N_("Place")), summary.place)
    _labelled(document, gettext(N_("Chair")), _(gettext, COMRADE, name=summary.chair))
    # No minute-taker named in the bot: dots, for the secretary to fill in by hand.
    taker = _(gettext, COMRADE, name=summary.minute_taker) if summary.minute_taker else BLANK
    _labelled(document, gettext(N_("Minute-taker")), taker)


def _names(items: Iterable[str]) -> str:
    joined = ", ".join(items)
    return f" — {joined}" if joined else ""


def _roll_call(document: Document, summary: Summary, gettext: Gettext) -> None:
    """Members, exempt, present, late, every absentee with the reason, dues: the roll call's words."""
    _heading(document, gettext(N_("Attendance of members")))
    for line in _presence(summary, gettext) + _absence(summary, gettext) + _roll_extras(summary, gettext):
        _write(document, line)


def _presence(summary: Summary, gettext: Gettext) -> list[str]:
    roll = summary.roll
    lines = [
        _(
            gettext,
            N_("Members: %(total)s (official %(official)s, probationary %(probationary)s)"),
            total=roll.total,
            official=roll.official,
            probationary=roll.probationary,
        ),
        _(gettext, N_("Exempt from meetings: %(count)s"), count=len(roll.exempt)) + _names(roll.exempt),
        _(
            gettext,
            N_("Present: %(count)s of %(expected)s"),
            count=roll.attended,
            expected=roll.total - len(roll.exempt),
        ),
    ]
    if roll.late:
        late = [f"{name} ({time})" for name, time in roll.late]
        lines.append(_(gettext, N_("Late: %(count)s"), count=len(late)) + _names(late))
    return lines


def _absence(summary: Summary, gettext: Gettext) -> list[str]:
    """The minutes must name each absentee and the reason (domain.md §2): one line each."""
    roll = summary.roll
    lines = [_(gettext, N_("Absent with reason: %(count)s"), count=len(roll.excused))]
    lines += [f"    – {name}: {attendance.reason_text(reason, gettext)}" for name, reason in roll.excused]
    lines.append(
        _(gettext, N_("Absent without reason: %(count)s"), count=len(roll.unexcused)) + _names(roll.unexcused)
    )
    return lines


def _roll_extras(summary: Summary, gettext: Gettext) -> list[str]:
    """The roll call's lines that appear only when they apply, and the dues."""
    roll = summary.roll
    lines = []
    if roll.unconfirmed:
        lines.append(
            _(
                gettext,
                N_("Unconfirmed (roll call not yet confirmed): %(count)s"),
                count=len(roll.unconfirmed),
            )
            + _names(roll.unconfirmed)
        )
    if roll.residence_present:
        lines.append(
            _(
                gettext,
                N_("Members working elsewhere (QĐ 213) present: %(count)s"),
                count=len(roll.residence_present),
            )
            + _names(roll.residence_present)
        )
    lines.append(
        _(
            gettext,
            N_("Party dues not paid for %(month)s: %(count)s"),
            month=f"{roll.month:%m/%Y}",
            count=len(roll.unpaid),
        )
        + _names(roll.unpaid)
    )
    return lines


def _said_line(said: Said, gettext: Gettext) -> str:
    """'Comrade A (proposal): text'; a plain comment needs no word."""
    who = _(gettext, COMRADE, name=said.name)
    marks = [] if said.kind is SaidKind.COMMENT else [_kind(said, gettext)]
    if said.written:
        marks.append(gettext(N_("written view")))
    if marks:
        who += f" ({', '.join(marks)})"
    return f"– {who}: {content(said, gettext)}"


def _agenda(document: Document, summary: Summary, gettext: Gettext) -> None:
    """Each item with what was said on it and the chair's conclusion; then the rest of what was said."""
    _heading(document, gettext(N_("Agenda")))
    for item in summary.agenda:
        _write(document, _(gettext, ITEM, number=item.position, title=item.title), bold=True)
        if not item.said:
            _write(document, gettext(N_("Nobody spoke on this item.")), italic=True)
        for said in item.said:
            _write(document, _said_line(said, gettext))
        conclusion = item.conclusion if item.conclusion else gettext(N_("(no conclusion yet)"))
        _labelled(document, gettext(N_("Conclusion")), conclusion)
    for title, said_list in (
        (N_("Not on an agenda item"), summary.unplaced),
        (WRITTEN_VIEWS, summary.written),
    ):
        if said_list:
            _write(document, gettext(title), bold=True)
            for said in said_list:
                _write(document, _said_line(said, gettext))


def _votes(document: Document, summary: Summary, gettext: Gettext) -> None:
    if not summary.votes:
        return
    _heading(document, gettext(N_("Votes:")))
    for vote in summary.votes:
        outcome = resolution.ADOPTED if vote.adopted else resolution.NOT_ADOPTED
        how = N_("show of hands") if vote.by_hands else N_("vote in the bot")
        line = _(
            gettext,
            N_(
                "%(subject)s: for %(for)s, against %(against)s, abstain %(abstain)s, of %(voters)s voters "
                "(%(how)s): %(outcome)s"
            ),
            subject=_vote_subject(vote.item, summary.agenda, gettext),
            **{"for": vote.for_count},
            against=vote.against,
            abstain=vote.abstain,
            voters=vote.voters,
            how=gettext(how),
            outcome=gettext(outcome),
        )
        _write(document, f"– {_capital(line)}")


def _task_line(task: TaskPart, gettext: Gettext, *, statuses: bool) -> str:
    """'Title (deadline dd/mm/yyyy): A, B'; with each one's status for the last meeting's tasks."""
    people = [
        f"{name} ({gettext(resolution.STATUS_NAMES[status])})" if statuses else name
        for name, status, _note in task.people
    ]
    line = _(
        gettext,
        N_("%(title)s (deadline %(due)s): %(people)s"),
        title=task.title,
        due=_day(task.due),
        people=", ".join(people),
    )
    return f"– {line}"


def _tasks(document: Document, summary: Summary, gettext: Gettext) -> None:
    for title, tasks, statuses in (
        (N_("Tasks from the last meeting:"), summary.last_tasks, True),
        (N_("Tasks:"), summary.tasks, False),
    ):
        if tasks:
            _heading(document, gettext(title))
            for task in tasks:
                _write(document, _task_line(task, gettext, statuses=statuses))


def _closing(document: Document, summary: Summary, gettext: Gettext) -> None:
    """How long the meeting lasted, and how it was closed or recorded."""
    roll = summary.roll
    _write(document, "")
    if roll.minutes is not None:
        _write(
            document,
            _(
                gettext,
                N_("Opened %(opened)s, closed %(closed)s: %(minutes)s minutes."),
                opened=roll.opened,
                closed=roll.closed,
                minutes=roll.minutes,
            ),
        )
    if roll.closed_early:
        _write(document, gettext(N_("Closed before the minimum duration (confirmed by the secretary).")))
    if roll.recorded_late:
        _write(document, gettext(N_("Recorded afterwards: the meeting was held without the bot.")))


def _signatures(document: Document, summary: Summary, gettext: Gettext) -> None:
    """The minute-taker signs on the left; the chair on the right: for the cell ("T/M CHI BỘ") when
    they are its secretary or deputy, else as the meeting's chair."""
    _write(document, "")
    left, right = _two_columns(document)
    _write(left, gettext(MINUTE_TAKER_SIGNS), bold=True, center=True)
    _write(left, "")  # level with the right's second line, so the names line up
    offices: dict[str, str] = {OfficerRole.SECRETARY: SECRETARY_SIGNS, OfficerRole.DEPUTY: DEPUTY_SIGNS}
    office = offices.get(summary.chair_office)
    if office:
        _write(right, gettext(FOR_THE_CELL), bold=True, center=True)
        _write(right, gettext(office), bold=True, center=True)
    else:  # laid out as the minute-taker's: the title, then a line level with "T/M CHI BỘ"'s second
        _write(right, gettext(CHAIR_SIGNS), bold=True, center=True)
        _write(right, "")
    for cell, name in ((left, summary.minute_taker), (right, summary.chair)):
        for _blank in range(3):  # room to sign
            _write(cell, "")
        _write(cell, name, bold=True, center=True)


# ------------------------------------------------------------------------------------------ workbook

Row = list[object]


def workbook_xlsx(summary: Summary, gettext: Gettext) -> bytes:
    """The meeting's figures as a workbook: attendance, contributions, tasks and visits, a sheet each."""
    return workbook_many([summary], gettext)


def workbook_many(summaries: Sequence[Summary], gettext: Gettext) -> bytes:
    """The same four sheets for several meetings (oldest first): each row then starts with its meeting."""
    from openpyxl import Workbook  # only here: it takes a while to import

    workbook = Workbook()
    workbook.remove(workbook.active)
    many = len(summaries) > 1
    sheets: tuple[tuple[str, Callable[[Summary, Gettext], list[Row]]], ...] = (
        (N_("Attendance"), lambda summary, gettext: _attendance_rows(summary, gettext, month=not many)),
        (N_("Contributions"), _contribution_rows),
        (N_("Tasks"), _task_rows),
        (N_("Visits"), _visit_rows),
    )
    for title, build in sheets:
        tables = [build(summary, gettext) for summary in summaries]
        rows = _stacked(summaries, tables, gettext) if many else tables[0]
        _fill(workbook.create_sheet(_sheet_title(gettext(title))), rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _stacked(summaries: Sequence[Summary], tables: list[list[Row]], gettext: Gettext) -> list[Row]:
    """One table from each meeting's: the first header, every other row led by its meeting's day and
    number (a block's own header too; empty rows stay empty, so blocks stay apart)."""
    header: Row = [gettext(N_("Meeting")), *tables[0][0]]
    rows = [header]
    for summary, table in zip(summaries, tables, strict=True):
        if [] in rows[1:]:  # the last meeting ended in a block of its own (requests): head this one anew
            rows += [[], header]
        label = f"{_day(summary.day)} #{summary.meeting_id}"
        rows += [[label, *row] if row else [] for row in table[1:]]
    return rows


def _sheet_title(text: str) -> str:
    """A sheet's name as Excel allows it: at most 31 characters, none of []:*?/\\."""
    return re.sub(r"[\[\]:*?/\\]", " ", text)[:31].strip() or "-"


def _fill(sheet: Worksheet, rows: list[Row]) -> None:
    """Rows into a sheet: a bold header, frozen; dates as real dates; columns fitted."""
    from openpyxl.styles import Alignment, Font

    for row in rows:
        sheet.append([_clean(value) if isinstance(value, str) else value for value in row])
    for cells in sheet.iter_rows():
        for cell in cells:
            if cell.data_type == "f":  # text starting with "=" is someone's words, not a formula
                cell.data_type = "s"
            if isinstance(cell.value, date):
                cell.number_format = "dd/mm/yyyy"
            elif isinstance(cell.value, str) and len(cell.value) > MAX_WIDTH:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    for number in _header_rows(rows):
        for cell in sheet[number]:
            cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    _fit_columns(sheet)


def _header_rows(rows: list[Row]) -> list[int]:
    """The sheet rows (from 1) that are headers: the first, and any after an empty row (a new block)."""
    return [1] + [index for index in range(2, len(rows) + 1) if not rows[index - 2] and rows[index - 1]]


def _fit_columns(sheet: Worksheet) -> None:
    """Each column as wide as its longest value, within reason."""
    from openpyxl.utils import get_column_letter

    for index, column in enumerate(sheet.iter_cols(), start=1):
        longest = max(
            (10 if isinstance(c.value, date) else len(str(c.value or "")) for c in column), default=0
        )
        sheet.column_dimensions[get_column_letter(index)].width = min(max(longest + 2, 8), MAX_WIDTH)


def _attendance_rows(summary: Summary, gettext: Gettext, *, month: bool = True) -> list[Row]:
    """One row per member of the cell: name, how they stood at the meeting, the reason, dues paid (for
    the meeting's month: named in the header unless several meetings share the sheet)."""
    roll = summary.roll
    states: list[tuple[str, str, str]] = [
        (name, gettext(FINAL_NAMES[Final.PRESENT]), "") for name in roll.present
    ]
    states += [(name, _(gettext, STATE_LATE, time=time), "") for name, time in roll.late]
    states += [
        (n, gettext(FINAL_NAMES[Final.EXCUSED]), attendance.reason_text(r, gettext)) for n, r in roll.excused
    ]
    for names, state in (
        (roll.unexcused, FINAL_NAMES[Final.UNEXCUSED]),
        (roll.exempt, FINAL_NAMES[Final.EXEMPT]),
        (roll.unconfirmed, FINAL_NAMES[Final.UNCONFIRMED]),
        (roll.coming, STATE_COMING),
        (roll.no_answer, STATE_NO_ANSWER),
    ):
        states += [(name, gettext(state), "") for name in names]
    yes, no, unpaid = gettext(N_("yes")), gettext(N_("no")), set(roll.unpaid)
    header: Row = [
        gettext(N_("Full name")),
        gettext(N_("Attendance")),
        gettext(N_("Reason")),
        _(gettext, N_("Dues paid for %(month)s"), month=f"{roll.month:%m/%Y}")
        if month
        else gettext(N_("Dues paid for the meeting's month")),
    ]
    ordered = sorted(states, key=lambda state: sort_key(state[0]))
    rows: list[Row] = [header]
    return rows + [[name, state, reason, no if name in unpaid else yes] for name, state, reason in ordered]


def _contribution_rows(summary: Summary, gettext: Gettext) -> list[Row]:
    """One row per contribution: the item it was on, who, what kind, what, and whether written."""
    yes, no = gettext(N_("yes")), gettext(N_("no"))
    header: Row = [
        gettext(N_("No.")),
        gettext(N_("Agenda item")),
        gettext(N_("Full name")),
        gettext(N_("Kind")),
        gettext(N_("Content")),
        gettext(N_("Written")),
    ]
    groups: list[tuple[int | None, str, list[Said]]] = [(i.position, i.title, i.said) for i in summary.agenda]
    groups += [
        (None, gettext(N_("Not on an agenda item")), summary.unplaced),
        (None, gettext(WRITTEN_VIEWS), summary.written),
    ]
    rows = [header]
    for number, title, said_list in groups:
        rows += [
            [number, title, s.name, _kind(s, gettext), content(s, gettext), yes if s.written else no]
            for s in said_list
        ]
    return rows


def _task_rows(summary: Summary, gettext: Gettext) -> list[Row]:
    """One row per task and assignee: this meeting's tasks, then the last meeting's as they stand."""
    header: Row = [
        gettext(N_("Task")),
        gettext(N_("Deadline")),
        gettext(N_("Full name")),
        gettext(N_("Progress")),
        gettext(N_("Note")),
        gettext(N_("Given at")),
    ]
    rows = [header]
    for given, tasks in ((N_("this meeting"), summary.tasks), (N_("the last meeting"), summary.last_tasks)):
        rows += [
            [task.title, task.due, name, gettext(resolution.STATUS_NAMES[status]), note or "", gettext(given)]
            for task in tasks
            for name, status, note in task.people
        ]
    return rows


def _visit_rows(summary: Summary, gettext: Gettext) -> list[Row]:
    """The visits since the last meeting: each visit and request for the secretary, counts per member
    for a committee member (no household's name or address: either copy's flag is enough to hide them)."""
    part = summary.visits
    if part is not None and part.full and summary.full:
        return _visits_full(part, gettext)
    header: Row = [
        gettext(N_("Member")),
        gettext(N_("Households")),
        gettext(N_("Visited")),
        gettext(N_("Overdue")),
    ]
    rows: list[Row] = [header]
    lines = part.coverage if part else []
    return rows + [[line.name, line.households, line.covered, line.overdue] for line in lines]


def _visits_full(part: VisitsPart, gettext: Gettext) -> list[Row]:
    """Visits, then residents' requests, then open follow-ups, each block under its own header."""
    day, member, head = gettext(N_("Day")), gettext(N_("Member")), gettext(N_("Head of household"))
    rows: list[Row] = [[day, member, head, gettext(N_("Address")), gettext(N_("Topics"))]]
    rows += [[v.day, v.member, v.head, v.address, _topics(v.topics, gettext)] for v in part.visits]
    if part.requests:
        rows += [[], [day, member, head, gettext(N_("Request"))]]
        rows += [[r.day, r.member, r.head, r.text] for r in part.requests]
    if part.follow_ups:
        rows += [[], [gettext(N_("Follow up by")), member, head, gettext(N_("Request"))]]
        rows += [[f.due, f.member, f.head, f.text] for f in part.follow_ups]
    return rows


# --------------------------------------------------------------------------------------------- chart


def chart_png(summary: Summary, gettext: Gettext) -> bytes | None:
    """Attendance and participation over the last meetings (at most 12) as a PNG; None for fewer than 3,
    where a line says nothing."""
    points = summary.history[-CHART_POINTS:]
    if len(points) < 3:
        return None
    import matplotlib  # only here: it takes a while to import

    matplotlib.use("Agg")  # no display; Figure (not pyplot) keeps no global state, so threads are safe
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 4.5), dpi=100, layout="constrained")
    axes = figure.subplots()
    # Positions, not the labels themselves: two meetings in one month would share a categorical x.
    x = list(range(len(points)))
    axes.set_xticks(x, [point.label for point in points], rotation=45 if len(points) > 6 else 0)
    for values, marker, label in (
        ([p.attendance for p in points], "o", N_("Members present (%)")),
        # A meeting recorded afterwards says nothing of who spoke: a gap in the line, not a zero.
        (
            [math.nan if p.participation is None else p.participation for p in points],
            "s",
            N_("Present members who spoke (%)"),
        ),
    ):
        axes.plot(x, values, marker=marker, label=gettext(label), clip_on=False)  # 100% stays whole
    axes.set_ylim(0, 100)
    axes.set_title(_(gettext, N_("Attendance and participation: %(cell)s"), cell=summary.cell))
    axes.set_xlabel(gettext(N_("Month")))
    axes.set_ylabel("%")
    axes.grid(True, alpha=0.3)
    axes.legend(loc="best")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()

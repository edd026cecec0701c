"""`chibo demo` tells the same story to a Vietnamese and an English reader, on any date."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from bot.demo import PLACE, TRIP, run_demo
from bot.i18n import translator
from bot.meetings.rules import Kind
from bot.services import attendance, charter, meetings
from tests.support import FakeClock

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("lang", ["vi", "en"])
async def test_the_demo_narrates_in_the_readers_language_and_explains_the_report(
    lang: str, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = FakeClock(datetime(2028, 2, 29, 3, 0, tzinfo=UTC))
    assert await run_demo(clock=clock, lang=lang) == 0
    out = capsys.readouterr().out
    _ = translator(lang).gettext
    assert _("A stranger writes to the bot") in out
    assert "Đỗ Minh Tuấn (Chi bộ cơ quan Đảng ủy xã): /start" in out, "the organiser's code is listed"
    assert "valid until 07/03/2028" in out if lang == "en" else "hiệu lực đến 07/03/2028" in out
    explained = _("%(sent)s arrived; Telegram refused the one to %(name)s, who blocked the bot.")
    before, _name, after = explained.partition("%(name)s")
    assert re.search(re.escape(before % {"sent": 16}) + r"[\w ]+" + re.escape(after), out)
    assert _("I have answered you in a private chat.") in out
    assert _("That choice is no longer open. Send the command again.") in out, "the double tap"
    if lang == "en":
        for vietnamese in ("Một người lạ", "Bí thư", "bấm nút", "Kính mời"):
            assert vietnamese not in out
        assert "Announcement delivery: 16 sent, 0 waiting, 3 unreachable, 0 failed." in out
    decembers_meeting(out, _)


def decembers_meeting(out: str, _: Callable[[str], str]) -> None:
    """December's meeting (of 2028, the demo starting in February) is held in chat from the notice to
    the roll-call report, and closing it sends the secretary the charter's private message."""
    when, pressed = "19:30 04/12/2028", _("[presses]")
    regular = _(meetings.KIND_NAMES[Kind.REGULAR])

    notice = _(meetings.NOTICE) % {
        "kind": regular,
        "cell": "Chi bộ thôn 3",
        "when": when,
        "end": "21:30",
        "place": _(PLACE),
        "chair": "Hoàng Văn Thắng",
        "month": "12/2028",
    }
    assert "🤖 → Nguyễn Thị Hương: " + notice.replace("\n", "\n      ") in out, "the notice reached a member"
    ill = _(attendance.ANSWERED_ABSENT) % {"name": "Nông Thị Lan", "when": when, "reason": _("illness")}
    trip = _(attendance.ANSWERED_ABSENT) % {"name": "Lý Văn Phúc", "when": when, "reason": _(TRIP)}
    assert f"🤖 → Hoàng Văn Thắng: {ill}" in out and f"🤖 → Hoàng Văn Thắng: {trip}" in out
    assert f"👤 Hoàng Văn Thắng: {pressed} Nguyễn Văn Sơn" in out, "the secretary ticks a member in"
    assert (_("Checked in: %(present)s of %(total)s.") % {"present": 12, "total": 18}) in out
    assert f"👤 Đặng Minh Khôi: {pressed} {_('Check in')}" in out
    assert (_("Checked in at %(time)s, recorded as late.") % {"time": "19:55"}) in out

    question = _("%(name)s asked to be excused. Reason: %(reason)s. Do you accept the reason?")
    asked = question % {"name": "Lý Văn Phúc", "reason": _(TRIP)}
    rejected = out.index(asked)
    assert out.index(f"👤 Hoàng Văn Thắng: {pressed} {_('Reject')}") > rejected, "the trip is rejected"
    report = out.index(
        _("Roll call: %(kind)s of %(cell)s, %(when)s (month %(month)s)")
        % {"kind": regular, "cell": "Chi bộ thôn 3", "when": when, "month": "12/2028"}
    )
    lines = out[report:].split("\n🤖")[0].splitlines()  # the report, up to the bot's next message
    late = _("Late: %(count)s") % {"count": 1}
    assert any(line.strip().startswith(late) and "Đặng Minh Khôi (19:55)" in line for line in lines)
    assert any("Nông Thị Lan (" + _("illness") + ")" in line for line in lines), "the illness is accepted"
    unexcused = _("Absent without reason: %(count)s") % {"count": 4}
    assert any(line.strip().startswith(unexcused) and "Lý Văn Phúc" in line for line in lines)
    flag = _(charter.FLAG) % {
        "name": "Lý Văn Phúc",
        "count": "3",
        "year": "2028",
        "months": "10/2028, 11/2028, 12/2028",
    }
    assert out.index("🤖 → Hoàng Văn Thắng: " + flag) > report, "the charter message follows the close"
    contributions_in(out, _)


def contributions_in(out: str, _: Callable[[str], str]) -> None:
    """Members speak on two items (one by voice note), one corrects hers by editing the message, the
    excused member writes, and the secretary's report counts who spoke among those present."""
    from bot.demo import CORRECTED, PROPOSAL, WRITTEN
    from bot.services.contributions import MEDIA_NAMES

    report = out.index(
        _("Contributions to meeting #%(id)s of %(cell)s, %(when)s")
        % {"id": 3, "cell": "Chi bộ thôn 3", "when": "19:30 04/12/2028"}
    )
    lines = out[report:].split("\n🤖")[0].split("\n──")[0]
    spoke = _("Spoke: %(spoke)s of %(present)s members present (%(percent)s%%). Written views: %(written)s.")
    assert spoke % {"spoke": 3, "present": 13, "percent": 23, "written": 1} in lines
    assert _("Your contribution is corrected (version %(version)s).") % {"version": 2} in out
    assert _(CORRECTED) in lines and "Nguyễn Thị Hương" in lines
    assert f"[{_(MEDIA_NAMES['voice'])} 0:03]" in lines
    assert f"Ma Văn Cường ({_('proposal')}): {_(PROPOSAL)}" in lines
    assert f"Nông Thị Lan ({_('written view')}): {_(WRITTEN)}" in lines
    # The meetings recorded afterwards say nothing of who spoke: nobody is listed as quiet for 3 meetings.
    quiet = _(
        "Not heard from in the last %(count)s meetings they attended (how many in brackets): %(names)s."
    )
    assert quiet.split("%(count)s")[0] not in lines
    resolution_in(out, _)


def resolution_in(out: str, _: Callable[[str], str]) -> None:
    """A conclusion, a show of hands on the resolution, two tasks given, one reported done before
    January's meeting, and the brief opening with them."""
    from bot.demo import TASK_LIGHTS, TASK_VISITS
    from bot.services import resolution

    assert _("Conclusion on item %(number)s saved.") % {"number": 2} in out
    result = _(resolution.RESULT) % {
        "subject": _(resolution.WHOLE),
        "for": 12,
        "against": 0,
        "abstain": 0,
        "voters": 12,
        "outcome": _(resolution.ADOPTED),
    }
    assert result.replace("\n", "\n      ") in out
    assert out.count(_("Task #%(id)s is given; each member is being told.").split("#")[0]) == 2
    done = _(resolution.STATUS_NAMES[resolution.Status.DONE])
    assert f"Nguyễn Thị Hương: {done}" in out and f"Đỗ Thị Thu Hà: {_('not started')}" in out
    brief = out.index(_("Tasks from the last meeting:"))
    assert out.index(_(TASK_LIGHTS), brief) < out.index(_(TASK_VISITS), brief)
    visits_in(out, _)


def visits_in(out: str, _: Callable[[str], str]) -> None:
    """Two visits logged in chat (one finished from its draft hours later) and the cell's coverage."""
    unfinished = _(
        "You have an unfinished visit to %(head)s's household (last written %(day)s). Continue it?"
    ).split("%(head)s")[0]
    assert unfinished in out, "the second visit is resumed from its draft"
    saved = _("Visit #%(id)s is saved. Thank you.")
    assert saved % {"id": 1} in out and saved % {"id": 2} in out
    coverage = _(
        "Coverage in %(cell)s, %(period)s: households visited %(covered)s of %(count)s (%(percent)s%%)."
    )
    filled = coverage % {"cell": "Chi bộ thôn 3", "period": "\0", "covered": 2, "count": 190, "percent": 1}
    assert re.search(r"\d\d/\d{4}".join(map(re.escape, filled.split("\0"))), out), "the coverage counts both"
    summary_at_the_end(out, _)


def summary_at_the_end(out: str, _: Callable[[str], str]) -> None:
    """The demo ends with December's summary (its charter warning in the secretary's copy) and its three
    files written to the folder it names, each one that opens as what it says."""
    import io
    from pathlib import Path

    import docx
    import openpyxl

    from bot.services import summary

    end = out.rindex("🤖 → Hoàng Văn Thắng: " + _(summary.HEADING))
    text = out[end:]
    assert _("Charter warnings") in text and "Lý Văn Phúc: 10/2028, 11/2028, 12/2028" in text
    written = [Path(line.split(": ", 1)[1]) for line in text.splitlines() if line.strip().startswith("… ")]
    assert sorted(p.suffix for p in written) == [".docx", ".png", ".xlsx"]
    minutes = docx.Document(io.BytesIO(next(p for p in written if p.suffix == ".docx").read_bytes()))
    body = "\n".join(p.text for p in minutes.paragraphs)
    assert "Nông Thị Lan" in body and "Lý Văn Phúc" in body, "the absentees are in the minutes"
    xlsx = next(p for p in written if p.suffix == ".xlsx")
    assert len(openpyxl.load_workbook(xlsx).sheetnames) == 4
    assert next(p for p in written if p.suffix == ".png").read_bytes().startswith(b"\x89PNG")

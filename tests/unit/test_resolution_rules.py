"""The resolution's pure rules (bot/meetings/resolution.py): counts of a show of hands, what is adopted,
deadlines, who is asked for an update and what is overdue; and how an outbox parameter is rendered
(bot.services.delivery.render_param), nested and in lists, as the brief's task section needs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.i18n import translator
from bot.meetings.resolution import (
    FOLLOW_UP_BEFORE,
    OPEN_STATUSES,
    Choice,
    CountError,
    Status,
    Tally,
    check_counts,
    follow_up_at,
    needs_update,
    overdue,
    parse_counts,
    parse_due,
    tally,
)
from bot.services.delivery import render_param

# ------------------------------------------------------------------------------------ parse_counts


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        ("12 0 1", (12, 0, 1)),
        ("12,0,1", (12, 0, 1)),
        ("12/0/1", (12, 0, 1)),
        ("12;0;1", (12, 0, 1)),
        ("12, 0, 1", (12, 0, 1)),
        ("  12   0\t1  ", (12, 0, 1)),
        ("0 0 0", (0, 0, 0)),
        ("007 0 0", (7, 0, 0)),
    ],
)
def test_three_whole_numbers_are_for_against_abstain(text: str, counts: tuple[int, int, int]) -> None:
    assert parse_counts(text) == counts


@pytest.mark.parametrize(
    "text",
    [
        "12 0",  # two numbers
        "12 0 1 4",  # four
        "",
        "   ",
        "a b c",
        "12 0 x",
        "-1 0 0",  # a minus sign is not a digit: refused as "three numbers", never as a count
        "1.5 0 0",
        "١٢ 0 0",  # Arabic-Indic digits: str.isdigit takes them, the rule does not
        "１２ 0 0",  # full-width digits
        "² 0 0",  # a superscript two: isdigit() is True, int() would fail
        "12-0-1",  # a dash is not a separator
    ],
)
def test_anything_but_three_ascii_numbers_is_refused(text: str) -> None:
    with pytest.raises(CountError) as refused:
        parse_counts(text)
    assert str(refused.value) == "three_numbers"


# ------------------------------------------------------------------------------------ check_counts


@pytest.mark.parametrize(
    ("counts", "voters", "error"),
    [
        ((12, 0, 1), 13, None),  # as many hands as voters: allowed
        ((12, 0, 0), 13, None),  # fewer: some did not raise a hand
        ((0, 0, 0), 0, None),
        ((0, 0, 0), 5, None),
        ((12, 1, 1), 13, "too_many"),  # one hand too many
        ((14, 0, 0), 13, "too_many"),
        ((1, 0, 0), 0, "too_many"),
        ((-1, 0, 0), 13, "negative"),
        ((0, -1, 0), 13, "negative"),
        ((0, 0, -1), 13, "negative"),
        ((20, 0, -1), 13, "negative"),  # negative is named before too many
    ],
)
def test_hands_are_checked_against_the_voters(
    counts: tuple[int, int, int], voters: int, error: str | None
) -> None:
    if error is None:
        result = check_counts(*counts, voters=voters)
        assert result == Tally(*counts, voters)
        assert result.cast == sum(counts)
    else:
        with pytest.raises(CountError) as refused:
            check_counts(*counts, voters=voters)
        assert str(refused.value) == error


# ---------------------------------------------------------------------------------- Tally.adopted


@pytest.mark.parametrize(
    ("for_", "against", "abstain", "voters", "adopted"),
    [
        (2, 2, 0, 4, False),  # exactly half: not more than half
        (3, 1, 0, 4, True),  # half + 1
        (2, 0, 0, 4, False),  # half, the others silent
        (1, 0, 0, 3, False),
        (2, 1, 0, 3, True),  # 2 of 3
        (2, 0, 0, 3, True),  # 2 of 3, one did not raise a hand: still more than half of the voters
        (6, 0, 7, 13, False),  # 6 of 13: under half, however few are against
        (7, 6, 0, 13, True),  # 7 of 13
        (5, 0, 0, 12, False),  # more for than against, yet not more than half of those who could vote
        (6, 0, 0, 12, False),
        (7, 0, 0, 12, True),
        (0, 0, 0, 0, False),  # nobody could vote: nothing is adopted
        (1, 0, 0, 1, True),
    ],
)
def test_adopted_takes_more_than_half_of_those_who_could_vote(
    for_: int, against: int, abstain: int, voters: int, adopted: bool
) -> None:
    assert Tally(for_, against, abstain, voters).adopted is adopted


@pytest.mark.parametrize(
    ("choices", "voters", "expected"),
    [
        ([], 5, Tally(0, 0, 0, 5)),
        ([Choice.FOR], 1, Tally(1, 0, 0, 1)),
        (
            [Choice.FOR, Choice.AGAINST, Choice.FOR, Choice.ABSTAIN, Choice.FOR],
            7,
            Tally(3, 1, 1, 7),
        ),
        ([Choice.AGAINST] * 4, 4, Tally(0, 4, 0, 4)),
        ([Choice.ABSTAIN, Choice.ABSTAIN, Choice.FOR], 3, Tally(1, 0, 2, 3)),
    ],
)
def test_tally_counts_each_choice(choices: list[Choice], voters: int, expected: Tally) -> None:
    counted = tally(choices, voters)
    assert counted == expected
    assert counted.cast == len(choices)


def test_a_tally_of_ballots_is_adopted_by_voters_not_by_ballots_cast() -> None:
    # 3 of 7 voters cast ballots, all for: 3 is not more than half of 7.
    assert not tally([Choice.FOR] * 3, 7).adopted
    assert tally([Choice.FOR] * 4, 7).adopted
    # Choice values are what a ballot row stores.
    assert tally([Choice(v) for v in ("for", "against", "for")], 3) == Tally(2, 1, 0, 3)


# ---------------------------------------------------------------------------------------- parse_due

TODAY = date(2026, 11, 26)  # a Thursday; 2026 and 2027 are not leap years, 2028 is


@pytest.mark.parametrize(
    ("text", "today", "due"),
    [
        ("31/12/2026", TODAY, date(2026, 12, 31)),
        ("26/11/2026", TODAY, TODAY),  # today itself is allowed
        ("26/11", TODAY, TODAY),  # dd/mm of today: today, not next year
        ("27/11", TODAY, date(2026, 11, 27)),
        ("25/11", TODAY, date(2027, 11, 25)),  # yesterday's day: the next such day is next year
        ("01/01", TODAY, date(2027, 1, 1)),
        ("1/1", TODAY, date(2027, 1, 1)),
        ("15/3/27", TODAY, date(2027, 3, 15)),  # two-digit year
        ("15/03/2027", TODAY, date(2027, 3, 15)),
        ("15.03.2027", TODAY, date(2027, 3, 15)),
        ("15-03-2027", TODAY, date(2027, 3, 15)),
        ("15.3", TODAY, date(2027, 3, 15)),
        (" 15/03/2027 ", TODAY, date(2027, 3, 15)),
        ("31/12/99", TODAY, date(2099, 12, 31)),
        ("29/02/2028", TODAY, date(2028, 2, 29)),  # a leap day, with its year
        ("29/02", date(2028, 1, 10), date(2028, 2, 29)),  # in a leap year, before it
        ("31/01", date(2026, 12, 31), date(2027, 1, 31)),  # across the new year
        ("01/01", date(2026, 12, 31), date(2027, 1, 1)),
    ],
)
def test_a_deadline_is_read_as_the_next_such_day(text: str, today: date, due: date) -> None:
    assert parse_due(text, today=today) == due


@pytest.mark.parametrize(
    ("text", "today", "error"),
    [
        ("25/11/2026", TODAY, "past"),  # yesterday, with its year
        ("26/11/2025", TODAY, "past"),
        ("01/01/26", TODAY, "past"),  # two-digit year, earlier this year
        ("31/04/2027", TODAY, "not_a_date"),  # April has 30 days
        ("31/04", TODAY, "not_a_date"),
        ("30/02/2028", TODAY, "not_a_date"),
        ("29/02/2027", TODAY, "not_a_date"),  # 2027 is not a leap year
        ("00/01/2027", TODAY, "not_a_date"),
        ("01/00", TODAY, "not_a_date"),
        ("01/13", TODAY, "not_a_date"),
        ("32/01", TODAY, "not_a_date"),
        ("99/99", TODAY, "not_a_date"),
        ("01/01/0000", TODAY, "not_a_date"),
        ("01/01/202", TODAY, "not_a_date"),  # a three-digit year
        ("01/01/20270", TODAY, "not_a_date"),
        ("tomorrow", TODAY, "not_a_date"),
        ("", TODAY, "not_a_date"),
        ("15", TODAY, "not_a_date"),
        ("15/03/2027 19:30", TODAY, "not_a_date"),
        ("15/03 2027", TODAY, "not_a_date"),
        ("2027-03-15", TODAY, "not_a_date"),  # ISO is not how it is written here
    ],
)
def test_a_deadline_that_is_no_date_or_past_is_refused(text: str, today: date, error: str) -> None:
    with pytest.raises(ValueError, match=f"^{error}$"):
        parse_due(text, today=today)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 11, 26), date(2028, 2, 29)),  # neither 2026 nor 2027 has one
        (date(2027, 1, 10), date(2028, 2, 29)),
        (date(2027, 3, 1), date(2028, 2, 29)),
        (date(2028, 3, 1), date(2032, 2, 29)),  # after this year's leap day: the next one
    ],
)
def test_29_february_without_a_year_is_the_next_leap_day(today: date, expected: date) -> None:
    assert parse_due("29/02", today=today) == expected


def test_29_february_without_a_year_in_a_leap_year_before_it_is_that_day() -> None:
    assert parse_due("29/02", today=date(2028, 2, 29)) == date(2028, 2, 29)
    assert parse_due("29/2", today=date(2028, 2, 1)) == date(2028, 2, 29)


@pytest.mark.parametrize(
    "text", ["١٢/٠١", "٠١/٠١/٢٠٢٧", "１２/０１", "²/01", "12/01/²⁰²⁷", "\x00", "/", "//"]
)
def test_odd_digits_in_a_deadline_never_crash(text: str) -> None:
    # The pattern's \d takes any decimal digit (Arabic-Indic, full-width), and int() reads them; a
    # superscript is no \d. Whatever it is, the answer is a date or a ValueError.
    try:
        due = parse_due(text, today=TODAY)
    except ValueError:
        return
    assert isinstance(due, date) and due >= TODAY


def test_non_ascii_digits_in_a_deadline_are_read_as_digits() -> None:
    # Unlike parse_counts (ASCII digits only), parse_due reads Arabic-Indic digits: 12/01 -> 12/01/2027.
    assert parse_due("١٢/٠١", today=TODAY) == date(2027, 1, 12)


# --------------------------------------------------------------------------- follow-up and overdue

NEXT_MEETING_DAY = date(2027, 2, 11)


@pytest.mark.parametrize(
    ("status", "due", "asked"),
    [
        (Status.NOT_STARTED, date(2027, 2, 1), True),
        (Status.IN_PROGRESS, date(2027, 2, 1), True),
        (Status.BLOCKED, date(2027, 2, 1), True),
        (Status.DONE, date(2027, 2, 1), False),  # done: nothing to ask
        (Status.NOT_STARTED, NEXT_MEETING_DAY, True),  # due on the meeting's day: asked
        (Status.IN_PROGRESS, NEXT_MEETING_DAY, True),
        (Status.BLOCKED, NEXT_MEETING_DAY, True),
        (Status.DONE, NEXT_MEETING_DAY, False),
        (Status.NOT_STARTED, date(2027, 2, 12), False),  # due the day after: not yet
        (Status.IN_PROGRESS, date(2027, 3, 31), False),
        (Status.BLOCKED, date(2027, 2, 12), False),
        (Status.DONE, date(2027, 2, 12), False),
        (Status.IN_PROGRESS, date(2026, 12, 1), True),  # long overdue and still open: asked
    ],
)
def test_who_is_asked_for_an_update(status: Status, due: date, asked: bool) -> None:
    assert needs_update(status, due, NEXT_MEETING_DAY) is asked


@pytest.mark.parametrize(
    ("status", "due", "late"),
    [
        (Status.NOT_STARTED, date(2027, 2, 10), True),
        (Status.IN_PROGRESS, date(2027, 2, 10), True),
        (Status.BLOCKED, date(2027, 2, 10), True),
        (Status.DONE, date(2027, 2, 10), False),  # done late is done
        (Status.NOT_STARTED, date(2027, 2, 11), False),  # due today: not overdue yet
        (Status.IN_PROGRESS, date(2027, 2, 11), False),
        (Status.BLOCKED, date(2027, 2, 11), False),
        (Status.DONE, date(2027, 2, 11), False),
        (Status.NOT_STARTED, date(2027, 2, 12), False),
        (Status.BLOCKED, date(2027, 3, 1), False),
    ],
)
def test_overdue_is_open_after_its_deadline(status: Status, due: date, late: bool) -> None:
    assert overdue(status, due, date(2027, 2, 11)) is late


def test_every_status_but_done_is_open() -> None:
    assert set(OPEN_STATUSES) == set(Status) - {Status.DONE}
    # The values the database stores (ck_task_assignee_status) and the choices ballots store.
    assert [s.value for s in Status] == ["not_started", "in_progress", "done", "blocked"]
    assert [c.value for c in Choice] == ["for", "against", "abstain"]


def test_members_are_asked_three_days_before_the_next_meeting() -> None:
    start = datetime(2027, 2, 11, 12, 30, tzinfo=UTC)  # 19:30 in Hà Nội
    assert FOLLOW_UP_BEFORE == timedelta(days=3)
    assert follow_up_at(start) == datetime(2027, 2, 8, 12, 30, tzinfo=UTC)


# ------------------------------------------------------------------------------------- render_param

CATALOG = {
    "Tasks from the last meeting:": "NHIỆM VỤ:",
    "    %(name)s: %(status)s%(note)s": "  * %(name)s = %(status)s%(note)s",
    "in progress": "đang làm",
    "done": "xong",
    "Outer %(inner)s end": "Ngoài [%(inner)s] hết",
    "Inner %(word)s": "Trong <%(word)s>",
    "word": "từ",
    "100%": "trăm phần trăm",
}


def fake_gettext(calls: list[str]) -> Callable[[str], str]:
    """A catalog that records each msgid looked up; unknown ones pass through, as gettext does."""

    def gettext(msgid: str) -> str:
        calls.append(msgid)
        return CATALOG.get(msgid, msgid)

    return gettext


def test_plain_values_are_shown_as_written() -> None:
    calls: list[str] = []
    gettext = fake_gettext(calls)
    assert render_param("done", gettext) == "done"  # plain text is not translated
    assert render_param(12, gettext) == "12"
    assert render_param("%(name)s 100%", gettext) == "%(name)s 100%"  # never formatted
    assert calls == []


def test_a_msgid_is_translated_with_its_own_params_filled_in() -> None:
    calls: list[str] = []
    gettext = fake_gettext(calls)
    assert render_param({"msgid": "done"}, gettext) == "xong"
    assert render_param({"msgid": "100%"}, gettext) == "trăm phần trăm"  # no params: never formatted
    assert render_param({"msgid": "100%", "params": {}}, gettext) == "trăm phần trăm"
    line = {
        "msgid": "    %(name)s: %(status)s%(note)s",
        "params": {"name": "Lê Văn Bình", "status": {"msgid": "in progress"}, "note": " — Đã mua xi măng"},
    }
    assert render_param(line, gettext) == "  * Lê Văn Bình = đang làm — Đã mua xi măng"
    # Nested twice: each level translated, then filled in.
    deep = {
        "msgid": "Outer %(inner)s end",
        "params": {"inner": {"msgid": "Inner %(word)s", "params": {"word": {"msgid": "word"}}}},
    }
    assert render_param(deep, gettext) == "Ngoài [Trong <từ>] hết"


def test_a_list_is_one_line_per_element_each_rendered() -> None:
    calls: list[str] = []
    gettext = fake_gettext(calls)
    section = [
        {"msgid": "Tasks from the last meeting:"},
        "- Thu đảng phí (31/01/2027)",
        {
            "msgid": "    %(name)s: %(status)s%(note)s",
            "params": {"name": "Nguyễn Thị Hoa", "status": {"msgid": "done"}, "note": ""},
        },
        "- Sửa đường (11/02/2027)",
        {
            "msgid": "    %(name)s: %(status)s%(note)s",
            "params": {"name": "Lê Văn Bình", "status": {"msgid": "in progress"}, "note": " — 50%"},
        },
    ]
    assert render_param(section, gettext) == (
        "NHIỆM VỤ:\n"
        "- Thu đảng phí (31/01/2027)\n"
        "  * Nguyễn Thị Hoa = xong\n"
        "- Sửa đường (11/02/2027)\n"
        "  * Lê Văn Bình = đang làm — 50%"
    )
    assert render_param([], gettext) == ""
    assert render_param([["a", {"msgid": "done"}], "b"], gettext) == "a\nxong\nb"  # lists in lists
    # A list inside a msgid's params, as the brief's "tasks" sits inside its text.
    outer = {"msgid": "Outer %(inner)s end", "params": {"inner": ["x", {"msgid": "word"}]}}
    assert render_param(outer, gettext) == "Ngoài [x\ntừ] hết"
    # "50%" in a value is never taken as a format.
    assert "    %(name)s: %(status)s%(note)s" in calls


def test_an_english_catalog_renders_the_msgid_itself() -> None:
    english = translator("en").gettext
    vietnamese = translator("vi").gettext
    line = {
        "msgid": "    %(name)s: %(status)s%(note)s",
        "params": {"name": "Lê Văn Bình", "status": {"msgid": "in progress"}, "note": ""},
    }
    assert render_param(line, english) == "    Lê Văn Bình: in progress"
    assert render_param(line, vietnamese) == "    Lê Văn Bình: đang thực hiện"

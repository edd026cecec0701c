"""The household-visit rules (bot/meetings/visits.py) and their config (VisitsConfig in bot/config.py):
months and quarters, when a household is covered or overdue, the days and texts a visit accepts, how often
a member may be reminded, and the [visits] section of the TOML config. Every date is given explicitly."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import TOKEN_ENV, Config, ConfigError, VisitsConfig, load_config
from bot.meetings.visits import (
    DEFAULT_TOPICS,
    MIN_NUDGE_GAP,
    DayError,
    Period,
    PeriodKind,
    check_day,
    check_text,
    covered,
    nudge_due,
    overdue,
    parse_day,
    period_of,
    previous,
)

MONTH, QUARTER = PeriodKind.MONTH, PeriodKind.QUARTER


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No token leaks into load_config from the developer's shell."""
    monkeypatch.delenv(TOKEN_ENV, raising=False)


# ----------------------------------------------------------------------------------------- periods


@pytest.mark.parametrize(
    ("day", "start", "end", "label"),
    [
        (date(2026, 5, 17), date(2026, 5, 1), date(2026, 5, 31), "05/2026"),
        (date(2026, 4, 30), date(2026, 4, 1), date(2026, 4, 30), "04/2026"),
        (date(2028, 2, 1), date(2028, 2, 1), date(2028, 2, 29), "02/2028"),  # leap year
        (date(2028, 2, 29), date(2028, 2, 1), date(2028, 2, 29), "02/2028"),
        (date(2027, 2, 14), date(2027, 2, 1), date(2027, 2, 28), "02/2027"),  # common year
        (date(2026, 12, 1), date(2026, 12, 1), date(2026, 12, 31), "12/2026"),
        (date(2026, 12, 31), date(2026, 12, 1), date(2026, 12, 31), "12/2026"),
        (date(2027, 1, 1), date(2027, 1, 1), date(2027, 1, 31), "01/2027"),
    ],
)
def test_a_month_runs_from_its_first_to_its_last_day(day: date, start: date, end: date, label: str) -> None:
    assert period_of(day, MONTH) == Period(MONTH, start, end)
    assert period_of(day, MONTH).label == label


@pytest.mark.parametrize(
    ("day", "start", "end", "label"),
    [
        (date(2026, 1, 1), date(2026, 1, 1), date(2026, 3, 31), "Q1/2026"),
        (date(2026, 3, 31), date(2026, 1, 1), date(2026, 3, 31), "Q1/2026"),
        (date(2026, 4, 1), date(2026, 4, 1), date(2026, 6, 30), "Q2/2026"),
        (date(2026, 6, 30), date(2026, 4, 1), date(2026, 6, 30), "Q2/2026"),
        (date(2026, 7, 1), date(2026, 7, 1), date(2026, 9, 30), "Q3/2026"),
        (date(2026, 9, 30), date(2026, 7, 1), date(2026, 9, 30), "Q3/2026"),
        (date(2026, 10, 1), date(2026, 10, 1), date(2026, 12, 31), "Q4/2026"),
        (date(2026, 12, 31), date(2026, 10, 1), date(2026, 12, 31), "Q4/2026"),
        (date(2028, 2, 29), date(2028, 1, 1), date(2028, 3, 31), "Q1/2028"),
    ],
)
def test_a_quarter_runs_from_its_first_to_its_last_day(day: date, start: date, end: date, label: str) -> None:
    assert period_of(day, QUARTER) == Period(QUARTER, start, end)
    assert period_of(day, QUARTER).label == label


def test_a_period_holds_its_first_and_last_day_and_nothing_outside() -> None:
    february = period_of(date(2028, 2, 10), MONTH)
    assert date(2028, 2, 1) in february
    assert date(2028, 2, 29) in february
    assert date(2028, 1, 31) not in february
    assert date(2028, 3, 1) not in february
    assert "2028-02-10" not in february  # not a date at all
    q4 = period_of(date(2026, 11, 5), QUARTER)
    assert date(2026, 10, 1) in q4 and date(2026, 12, 31) in q4
    assert date(2026, 9, 30) not in q4 and date(2027, 1, 1) not in q4


@pytest.mark.parametrize(
    ("day", "kind", "expected"),
    [
        (date(2027, 1, 15), MONTH, Period(MONTH, date(2026, 12, 1), date(2026, 12, 31))),
        (date(2028, 3, 31), MONTH, Period(MONTH, date(2028, 2, 1), date(2028, 2, 29))),
        (date(2027, 3, 1), MONTH, Period(MONTH, date(2027, 2, 1), date(2027, 2, 28))),
        (date(2026, 6, 30), MONTH, Period(MONTH, date(2026, 5, 1), date(2026, 5, 31))),
        (date(2027, 2, 20), QUARTER, Period(QUARTER, date(2026, 10, 1), date(2026, 12, 31))),
        (date(2026, 8, 1), QUARTER, Period(QUARTER, date(2026, 4, 1), date(2026, 6, 30))),
    ],
    ids=["jan-to-dec", "mar-to-leap-feb", "mar-to-common-feb", "jun-to-may", "q1-to-q4", "q3-to-q2"],
)
def test_the_previous_period_is_the_one_just_before(day: date, kind: PeriodKind, expected: Period) -> None:
    assert previous(period_of(day, kind)) == expected


def test_the_previous_period_across_new_year_has_last_years_label() -> None:
    assert previous(period_of(date(2027, 1, 5), MONTH)).label == "12/2026"
    assert previous(period_of(date(2027, 1, 5), QUARTER)).label == "Q4/2026"


# ----------------------------------------------------------------------------------------- covered

MAY_2026 = period_of(date(2026, 5, 10), MONTH)


@pytest.mark.parametrize(
    ("visits", "expected"),
    [
        ([date(2026, 5, 1)], True),  # first day
        ([date(2026, 5, 31)], True),  # last day
        ([date(2026, 4, 30)], False),  # the day before
        ([date(2026, 6, 1)], False),  # the day after
        ([date(2026, 4, 30), date(2026, 6, 1)], False),  # on both sides, none inside
        ([date(2026, 3, 3), date(2026, 5, 15)], True),
        ([], False),
    ],
    ids=["first-day", "last-day", "day-before", "day-after", "around", "one-of-several", "none"],
)
def test_a_household_is_covered_by_one_visit_inside_the_period(visits: list[date], expected: bool) -> None:
    assert covered(visits, MAY_2026) is expected
    assert covered(set(visits), MAY_2026) is expected


# ----------------------------------------------------------------------------------------- overdue


@pytest.mark.parametrize(
    ("assigned_from", "last_visit", "today", "kind", "expected"),
    [
        # Month; today in June 2026, so the previous period is May 2026.
        (date(2025, 1, 1), None, date(2026, 6, 15), MONTH, True),  # long assigned, never visited
        (date(2025, 1, 1), date(2026, 5, 20), date(2026, 6, 15), MONTH, False),  # visited in May
        (date(2025, 1, 1), date(2026, 5, 1), date(2026, 6, 15), MONTH, False),  # on May's first day
        (date(2025, 1, 1), date(2026, 4, 30), date(2026, 6, 15), MONTH, True),  # only before May
        (date(2025, 1, 1), date(2026, 6, 2), date(2026, 6, 15), MONTH, False),  # visited in June
        (date(2026, 5, 15), None, date(2026, 6, 15), MONTH, False),  # not a whole May
        (date(2026, 5, 2), None, date(2026, 6, 1), MONTH, False),  # one day short of the whole May
        (date(2026, 5, 1), None, date(2026, 6, 15), MONTH, True),  # all of May, no visit
        (date(2026, 5, 1), None, date(2026, 6, 1), MONTH, True),  # the first day after it
        # Quarter; today in Q3 2026, so the previous period is Q2 (April to June).
        (date(2025, 1, 1), None, date(2026, 8, 10), QUARTER, True),
        (date(2025, 1, 1), date(2026, 4, 1), date(2026, 8, 10), QUARTER, False),
        (date(2025, 1, 1), date(2026, 6, 30), date(2026, 8, 10), QUARTER, False),
        (date(2025, 1, 1), date(2026, 3, 31), date(2026, 8, 10), QUARTER, True),
        (date(2025, 1, 1), date(2026, 7, 1), date(2026, 8, 10), QUARTER, False),
        (date(2026, 4, 1), None, date(2026, 8, 10), QUARTER, True),
        (date(2026, 4, 2), None, date(2026, 8, 10), QUARTER, False),
        (date(2026, 5, 20), date(2026, 3, 1), date(2026, 8, 10), QUARTER, False),  # assigned mid-Q2
        # A month already overdue in a quarterly cell is not yet: the whole quarter has to pass.
        (date(2026, 1, 1), date(2026, 3, 31), date(2026, 5, 15), QUARTER, False),
        # Across new year: today 2027-01-05, previous period December 2026 (or Q4 2026).
        (date(2026, 1, 1), date(2026, 12, 31), date(2027, 1, 5), MONTH, False),
        (date(2026, 1, 1), date(2026, 12, 1), date(2027, 1, 5), MONTH, False),
        (date(2026, 1, 1), date(2026, 11, 30), date(2027, 1, 5), MONTH, True),
        (date(2026, 12, 1), None, date(2027, 1, 5), MONTH, True),
        (date(2026, 12, 2), None, date(2027, 1, 5), MONTH, False),
        (date(2026, 1, 1), date(2027, 1, 3), date(2027, 1, 5), MONTH, False),
        (date(2026, 1, 1), date(2026, 10, 1), date(2027, 1, 5), QUARTER, False),
        (date(2026, 1, 1), date(2026, 9, 30), date(2027, 1, 5), QUARTER, True),
        (date(2026, 10, 1), None, date(2027, 1, 5), QUARTER, True),
        (date(2026, 10, 2), None, date(2027, 1, 5), QUARTER, False),
    ],
)
def test_a_household_is_overdue_after_a_whole_period_without_a_visit(
    assigned_from: date, last_visit: date | None, today: date, kind: PeriodKind, expected: bool
) -> None:
    assert overdue(assigned_from=assigned_from, last_visit=last_visit, today=today, kind=kind) is expected


# ----------------------------------------------------------------------------------- the visit's day


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("5/12", date(2026, 12, 20), date(2026, 12, 5)),
        ("5/12", date(2027, 1, 10), date(2027, 12, 5)),  # the year is always today's year
        ("05/12/2026", date(2027, 1, 10), date(2026, 12, 5)),
        ("05.12.26", date(2027, 1, 10), date(2026, 12, 5)),
        ("5-12-2026", date(2027, 1, 10), date(2026, 12, 5)),
        ("  29/2/2028 ", date(2028, 3, 1), date(2028, 2, 29)),
        ("29/2", date(2028, 3, 1), date(2028, 2, 29)),
    ],
)
def test_a_typed_day_is_read_day_first(text: str, today: date, expected: date) -> None:
    assert parse_day(text, today=today) == expected


@pytest.mark.parametrize(
    "text", ["abc", "31/02/2026", "", "12/2026", "29/2/2027", "5/13", "0/12", "5/12/202", "5 12 2026"]
)
def test_what_is_no_date_is_refused(text: str) -> None:
    with pytest.raises(DayError) as info:
        parse_day(text, today=date(2026, 6, 15))
    assert str(info.value) == "not_a_date"


def test_a_day_error_is_a_value_error() -> None:
    assert issubclass(DayError, ValueError)


TODAY = date(2026, 6, 15)
ASSIGNED = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        (date(2026, 6, 16), "future"),
        (date(2027, 1, 1), "future"),
        (date(2026, 3, 9), "before_assigned"),
        (date(2025, 12, 31), "before_assigned"),
    ],
)
def test_a_day_in_the_future_or_before_the_assignment_is_refused(day: date, reason: str) -> None:
    with pytest.raises(DayError) as info:
        check_day(day, today=TODAY, assigned_from=ASSIGNED)
    assert str(info.value) == reason


@pytest.mark.parametrize("day", [TODAY, ASSIGNED, date(2026, 5, 1)], ids=["today", "assigned", "between"])
def test_a_day_from_the_assignment_up_to_today_is_accepted(day: date) -> None:
    assert check_day(day, today=TODAY, assigned_from=ASSIGNED) == day


# ------------------------------------------------------------------------------------------ texts


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("  hello \n", 10, "hello"),
        ("abcde", 5, "abcde"),  # exactly the limit
        ("   abcde   ", 5, "abcde"),  # the spaces around do not count
        ("", 5, ""),
        ("👍", 1, "👍"),  # one code point
        ("🇻🇳", 2, "🇻🇳"),  # a flag is two code points
        ("👨\u200d👩\u200d👧", 5, "👨\u200d👩\u200d👧"),  # a family: three emoji joined by two ZWJ
    ],
)
def test_a_text_is_trimmed_and_accepted_up_to_the_limit(text: str, limit: int, expected: str) -> None:
    assert check_text(text, limit) == expected


@pytest.mark.parametrize(
    ("text", "limit"),
    [("abcdef", 5), ("  abc def  ", 6), ("🇻🇳", 1), ("👨\u200d👩\u200d👧", 4)],
)
def test_a_text_over_the_limit_is_refused_not_cut(text: str, limit: int) -> None:
    with pytest.raises(ValueError) as info:
        check_text(text, limit)
    assert str(info.value) == "too_long"


# ----------------------------------------------------------------------------------------- nudges

NOW = datetime(2026, 6, 15, 9, 0, tzinfo=UTC)


def test_the_floor_between_nudges_is_a_week() -> None:
    assert MIN_NUDGE_GAP == timedelta(days=7)


@pytest.mark.parametrize(
    ("since", "every", "expected"),
    [
        (timedelta(days=6, hours=23), timedelta(days=1), False),  # the weekly floor wins
        (timedelta(days=6, hours=23, minutes=59, seconds=59), timedelta(days=7), False),
        (timedelta(days=7), timedelta(days=1), True),
        (timedelta(days=7), timedelta(days=7), True),
        (timedelta(days=10), timedelta(days=14), False),
        (timedelta(days=13, hours=23), timedelta(days=14), False),
        (timedelta(days=14), timedelta(days=14), True),
        (timedelta(days=30), timedelta(days=14), True),
    ],
)
def test_a_member_is_nudged_at_most_as_often_as_configured_and_never_more_than_weekly(
    since: timedelta, every: timedelta, expected: bool
) -> None:
    assert nudge_due(last_sent=NOW - since, now=NOW, every=every) is expected


@pytest.mark.parametrize("every", [timedelta(days=1), timedelta(days=14)])
def test_a_member_never_nudged_may_be_nudged_now(every: timedelta) -> None:
    assert nudge_due(last_sent=None, now=NOW, every=every) is True


# ----------------------------------------------------------------------------------------- config


def write_config(tmp_path: Path, toml: str) -> Path:
    path = tmp_path / "chibo.toml"
    path.write_text(toml, encoding="utf-8")
    return path


def config_error(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return str(info.value)


def test_the_visits_section_has_its_defaults() -> None:
    visits = load_config(None).visits
    assert visits == VisitsConfig() == Config().visits
    assert (visits.period, visits.period_kind) == ("month", PeriodKind.MONTH)
    assert visits.topics == list(DEFAULT_TOPICS)
    assert visits.nudge_every_days == 7


def test_the_default_topics_are_a_fresh_list_each_time() -> None:
    first = VisitsConfig()
    first.topics.append("roads")
    assert VisitsConfig().topics == list(DEFAULT_TOPICS)


def test_a_quarterly_cell_gets_the_quarter_period(tmp_path: Path) -> None:
    visits = load_config(write_config(tmp_path, '[visits]\nperiod = "quarter"\n')).visits
    assert visits.period == "quarter"
    assert visits.period_kind is PeriodKind.QUARTER


def test_the_configured_visit_settings_are_read(tmp_path: Path) -> None:
    toml = '[visits]\ntopics = ["housing", "roads"]\nnudge_every_days = 14\n'
    visits = load_config(write_config(tmp_path, toml)).visits
    assert (visits.topics, visits.nudge_every_days, visits.period_kind) == (
        ["housing", "roads"],
        14,
        PeriodKind.MONTH,
    )


def test_the_nudge_rhythm_may_be_exactly_a_week(tmp_path: Path) -> None:
    assert (
        load_config(write_config(tmp_path, "[visits]\nnudge_every_days = 7\n")).visits.nudge_every_days == 7
    )


@pytest.mark.parametrize("days", [6, 1, 0])
def test_a_nudge_rhythm_under_a_week_is_refused(tmp_path: Path, days: int) -> None:
    path = write_config(tmp_path, f"[visits]\nnudge_every_days = {days}\n")
    assert config_error(path) == f"{path}: visits.nudge_every_days: expected a number of at least 7"


@pytest.mark.parametrize("period", ["week", "year", "Month", ""])
def test_an_unknown_period_is_refused(tmp_path: Path, period: str) -> None:
    path = write_config(tmp_path, f'[visits]\nperiod = "{period}"\n')
    assert config_error(path) == f"{path}: visits.period: expected one of 'month' or 'quarter'"

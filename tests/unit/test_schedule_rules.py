"""The meeting rhythm maths (bot/meetings/schedule.py): meeting days, starts, the steps before a meeting,
and the typed changes to a rule. Every test states its dates; nothing reads the clock."""

from __future__ import annotations

import calendar
import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.errors import UserError
from bot.meetings.schedule import (
    BRIEF,
    DEFAULT_NOTICE,
    DEFAULT_REMINDERS,
    LAST,
    NOTICE,
    TASKS,
    USAGE,
    Rhythm,
    Rule,
    check,
    day_in_month,
    describe,
    is_clamped,
    offset_label,
    offsets_label,
    parse_change,
    parse_offset,
    parse_time,
    parse_weekday,
    remind_step,
    start_in_month,
    starts_after,
    steps,
    still_useful,
)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")  # UTC+7 all year
BERLIN = ZoneInfo("Europe/Berlin")  # CET/CEST: summer time 2026-03-29 … 2026-10-25
AT = time(19, 30)
TODAY = date(2026, 12, 8)  # a Tuesday
MONTHS = [(year, month) for year in (2026, 2027, 2028) for month in range(1, 13)]

MSG_TIME = "'%(word)s' is not a time of day. Write it as HH:MM, from 00:00 to 23:59, for example 19:30."
MSG_DAY = "'%(word)s' is not a day of the month. Use a day from 1 to 31, or last for the month's last day."
MSG_NTH = "'%(word)s' is not a week of the month. Use 1, 2, 3, 4 or last (the last one in the month)."
MSG_WEEKDAY = "'%(word)s' is not a day of the week. Use mon, tue, wed, thu, fri, sat or sun (or t2 … t7, cn)."
MSG_OFFSET = "'%(word)s' is not a length of time. Write a number and d, h or m, for example 3d, 2h or 30m."
MSG_DATE = "'%(word)s' is not a date. Write it as DD/MM/YYYY, for example 07/12/2026."
MSG_REMINDER_BEFORE_NOTICE = (
    "A reminder %(offset)s before the meeting would come before the notice (%(notice)s "
    "before). Choose a shorter reminder or a longer notice."
)
MSG_NOTICE_TOO_LONG = "The notice can go out at most %(days)s days before the meeting."
MSG_LENGTH = "A meeting lasts from 30 minutes to 8 hours."
MSG_WEEKS = "Meet every 1 to %(most)s weeks."
MSG_ANCHOR_WEEKDAY = "%(date)s is not a %(weekday)s. Give a first date on the meeting's weekday."
MSG_TOO_MANY_REMINDERS = "At most %(most)s reminders, please."


def monthly(day: int, at: time = AT) -> Rule:
    return Rule(rhythm=Rhythm.DAY, at=at, day=day)


def last_day(at: time = AT) -> Rule:
    return Rule(rhythm=Rhythm.LAST_DAY, at=at)


def nth_weekday(nth: int, weekday: int, at: time = AT) -> Rule:
    return Rule(rhythm=Rhythm.WEEKDAY, at=at, nth=nth, weekday=weekday)


def every(weeks: int, anchor: date, at: time = AT) -> Rule:
    return Rule(rhythm=Rhythm.WEEKS, at=at, weeks=weeks, weekday=anchor.weekday(), anchor=anchor)


def local(year: int, month: int, day: int, hour: int = 19, minute: int = 30, tz: ZoneInfo = HCM) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=tz)


def days(starts: list[datetime]) -> list[date]:
    return [start.date() for start in starts]


# ------------------------------------------------------------------------ monthly on a day, on the last day


def test_a_day_that_every_month_has_is_that_day_and_not_clamped() -> None:
    rule = monthly(5)
    for year, month in MONTHS:
        day = day_in_month(rule, year, month)
        assert day == date(year, month, 5)
        assert not is_clamped(rule, day)


@pytest.mark.parametrize(
    ("rule_day", "year", "month", "expected"),
    [
        (31, 2026, 11, date(2026, 11, 30)),
        (31, 2026, 4, date(2026, 4, 30)),
        (31, 2027, 2, date(2027, 2, 28)),  # common year
        (31, 2028, 2, date(2028, 2, 29)),  # leap year
        (30, 2027, 2, date(2027, 2, 28)),
        (30, 2028, 2, date(2028, 2, 29)),
        (29, 2027, 2, date(2027, 2, 28)),
    ],
)
def test_a_day_a_shorter_month_lacks_is_clamped_to_its_last_day(
    rule_day: int, year: int, month: int, expected: date
) -> None:
    rule = monthly(rule_day)
    day = day_in_month(rule, year, month)
    assert day == expected
    assert is_clamped(rule, day)


@pytest.mark.parametrize(
    ("rule_day", "year", "month"),
    [(31, 2026, 12), (31, 2027, 1), (30, 2026, 11), (29, 2028, 2), (28, 2027, 2)],
)
def test_a_day_the_month_has_is_not_clamped(rule_day: int, year: int, month: int) -> None:
    rule = monthly(rule_day)
    day = day_in_month(rule, year, month)
    assert day == date(year, month, rule_day)
    assert not is_clamped(rule, day)


def test_only_a_day_rule_is_ever_clamped() -> None:
    feb = date(2027, 2, 28)
    assert not is_clamped(last_day(), feb)
    assert not is_clamped(nth_weekday(LAST, 6), feb)
    assert not is_clamped(every(1, date(2027, 2, 7)), feb)


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [(2027, 2, 28), (2028, 2, 29), (2026, 11, 30), (2026, 12, 31), (2026, 4, 30)],
)
def test_monthly_last_is_the_months_last_day(year: int, month: int, expected: int) -> None:
    assert day_in_month(last_day(), year, month) == date(year, month, expected)


def test_a_day_31_rule_walks_across_month_ends_and_a_year_end() -> None:
    after = local(2026, 10, 31, 20, 0)  # after October's meeting
    starts = starts_after(monthly(31), after, HCM, count=5)
    assert days(starts) == [
        date(2026, 11, 30),
        date(2026, 12, 31),
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
    ]
    assert all(start.time() == AT and start.tzinfo is HCM for start in starts)


def test_monthly_last_walks_across_a_leap_february() -> None:
    starts = starts_after(last_day(), local(2028, 1, 1, 0, 0), HCM, count=3)
    assert days(starts) == [date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31)]


def test_a_weeks_rule_has_no_day_in_month() -> None:
    with pytest.raises(ValueError):
        day_in_month(every(2, date(2026, 12, 7)), 2026, 12)


# ------------------------------------------------------------------------ the n-th or last weekday


@pytest.mark.parametrize(
    ("nth", "weekday", "year", "month", "expected"),
    [
        (1, 0, 2026, 6, date(2026, 6, 1)),  # June 2026 starts on a Monday
        (1, 0, 2026, 12, date(2026, 12, 7)),  # December 2026 starts on a Tuesday
        (1, 0, 2027, 2, date(2027, 2, 1)),  # February 2027 starts on a Monday
        (1, 6, 2026, 3, date(2026, 3, 1)),  # March 2026 starts on a Sunday
        (4, 3, 2026, 11, date(2026, 11, 26)),
        (4, 3, 2026, 1, date(2026, 1, 22)),  # January 2026 starts on a Thursday
        (4, 3, 2026, 10, date(2026, 10, 22)),
        (2, 1, 2026, 12, date(2026, 12, 8)),
        (LAST, 4, 2026, 7, date(2026, 7, 31)),  # July 2026 ends on a Friday
        (LAST, 4, 2026, 2, date(2026, 2, 27)),
        (LAST, 4, 2026, 10, date(2026, 10, 30)),
        (LAST, 4, 2028, 2, date(2028, 2, 25)),
        (LAST, 6, 2026, 5, date(2026, 5, 31)),
        (LAST, 0, 2027, 2, date(2027, 2, 22)),
    ],
)
def test_the_nth_or_last_weekday_of_a_month(
    nth: int, weekday: int, year: int, month: int, expected: date
) -> None:
    day = day_in_month(nth_weekday(nth, weekday), year, month)
    assert day == expected
    assert day.weekday() == weekday


def test_every_nth_and_last_weekday_is_in_its_month_and_in_its_week() -> None:
    for year, month in MONTHS:
        last = calendar.monthrange(year, month)[1]
        for weekday in range(7):
            for nth in (1, 2, 3, 4):
                day = day_in_month(nth_weekday(nth, weekday), year, month)
                assert (day.year, day.month, day.weekday()) == (year, month, weekday)
                assert (day.day - 1) // 7 == nth - 1
            day = day_in_month(nth_weekday(LAST, weekday), year, month)
            assert (day.year, day.month, day.weekday()) == (year, month, weekday)
            assert day.day + 7 > last


def test_the_first_monday_walks_across_a_year_end() -> None:
    starts = starts_after(nth_weekday(1, 0), local(2026, 11, 15, 0, 0), HCM, count=3)
    assert days(starts) == [date(2026, 12, 7), date(2027, 1, 4), date(2027, 2, 1)]


# ------------------------------------------------------------------------ every N weeks from an anchor


def test_every_two_weeks_from_a_past_anchor_crosses_a_year_end() -> None:
    rule = every(2, date(2026, 12, 7))
    starts = starts_after(rule, local(2026, 12, 15, 0, 0), HCM, count=3)
    assert days(starts) == [date(2026, 12, 21), date(2027, 1, 4), date(2027, 1, 18)]
    assert all(start.time() == AT for start in starts)


def test_every_week_from_a_past_anchor() -> None:
    rule = every(1, date(2026, 12, 7))
    starts = starts_after(rule, local(2026, 12, 30, 12, 0), HCM, count=2)
    assert days(starts) == [date(2027, 1, 4), date(2027, 1, 11)]


def test_a_weeks_rule_meets_on_the_day_of_after_until_its_start_time() -> None:
    rule = every(2, date(2026, 12, 7))
    assert days(starts_after(rule, local(2026, 12, 21, 19, 0), HCM)) == [date(2026, 12, 21)]
    assert days(starts_after(rule, local(2026, 12, 21, 19, 30), HCM)) == [date(2027, 1, 4)]


def test_a_weeks_rule_meets_on_its_anchor_exactly() -> None:
    rule = every(2, date(2026, 12, 7))
    assert starts_after(rule, local(2026, 12, 7, 0, 0), HCM) == [local(2026, 12, 7)]


def test_a_future_anchor_is_the_first_meeting() -> None:
    rule = every(2, date(2027, 1, 4))
    starts = starts_after(rule, local(2026, 12, 1, 0, 0), HCM, count=2)
    assert days(starts) == [date(2027, 1, 4), date(2027, 1, 18)]


def test_a_month_an_eight_week_rhythm_skips_has_no_start() -> None:
    # From Monday 05/01/2026 every 8 weeks: 05/01, 02/03, 27/04, 22/06, … (no meeting in February).
    rule = every(8, date(2026, 1, 5))
    assert start_in_month(rule, date(2026, 2, 1), HCM) is None
    assert start_in_month(rule, date(2026, 5, 1), HCM) is None
    assert start_in_month(rule, date(2026, 3, 1), HCM) == local(2026, 3, 2)
    assert start_in_month(rule, date(2026, 4, 1), HCM) == local(2026, 4, 27)


def test_a_four_week_rhythm_never_skips_a_month() -> None:
    rule = every(4, date(2026, 1, 5))
    for year, month in MONTHS:
        start = start_in_month(rule, date(year, month, 1), HCM)
        assert start is not None
        assert (start.year, start.month) == (year, month)


def test_a_month_before_the_anchor_has_no_start() -> None:
    rule = every(1, date(2027, 1, 4))
    assert start_in_month(rule, date(2026, 12, 1), HCM) is None
    assert start_in_month(rule, date(2027, 1, 1), HCM) == local(2027, 1, 4)


def test_start_in_month_is_the_months_first_start_whatever_day_is_given() -> None:
    assert start_in_month(monthly(5), date(2026, 12, 20), HCM) == local(2026, 12, 5)
    assert start_in_month(monthly(31), date(2027, 2, 14), HCM) == local(2027, 2, 28)


def test_start_in_month_includes_a_start_at_midnight_on_the_first() -> None:
    rule = monthly(1, at=time(0, 0))
    assert start_in_month(rule, date(2026, 12, 1), HCM) == local(2026, 12, 1, 0, 0)


# ------------------------------------------------------------------------ strictly after


def test_a_meeting_starting_exactly_at_after_is_excluded() -> None:
    rule = monthly(4)
    assert starts_after(rule, local(2026, 12, 4, 19, 30), HCM) == [local(2027, 1, 4)]


def test_a_meeting_starting_a_minute_after_after_is_included() -> None:
    rule = monthly(4)
    assert starts_after(rule, local(2026, 12, 4, 19, 29), HCM) == [local(2026, 12, 4)]
    just_before = local(2026, 12, 4) - timedelta(microseconds=1)
    assert starts_after(rule, just_before, HCM) == [local(2026, 12, 4)]


def test_count_gives_that_many_starts_in_order() -> None:
    starts = starts_after(monthly(4), local(2026, 12, 4, 19, 29), HCM, count=3)
    assert starts == [local(2026, 12, 4), local(2027, 1, 4), local(2027, 2, 4)]
    assert starts == sorted(starts) and len(set(starts)) == 3


def test_after_in_utc_is_read_in_the_cells_zone() -> None:
    rule = monthly(4)
    # 12:29 UTC is 19:29 in Hồ Chí Minh City; 13:00 UTC is 20:00 there.
    assert starts_after(rule, datetime(2026, 12, 4, 12, 29, tzinfo=UTC), HCM) == [local(2026, 12, 4)]
    assert starts_after(rule, datetime(2026, 12, 4, 13, 0, tzinfo=UTC), HCM) == [local(2027, 1, 4)]
    # 20:00 UTC on the 3rd is already 03:00 on the 4th there: that day's meeting is next.
    start = starts_after(rule, datetime(2026, 12, 3, 20, 0, tzinfo=UTC), HCM)[0]
    assert start == local(2026, 12, 4)
    assert start.tzinfo is HCM
    assert start.utcoffset() == timedelta(hours=7)


def test_a_monthly_meeting_stays_at_1930_across_the_spring_change() -> None:
    # Day 29: clamped to Saturday 28/02 (CET, UTC+1), then Sunday 29/03, the day summer time starts.
    starts = starts_after(monthly(29), local(2026, 2, 1, 0, 0, BERLIN), BERLIN, count=2)
    assert [start.time() for start in starts] == [AT, AT]
    assert [start.utcoffset() for start in starts] == [timedelta(hours=1), timedelta(hours=2)]
    assert [start.astimezone(UTC) for start in starts] == [
        datetime(2026, 2, 28, 18, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 17, 30, tzinfo=UTC),
    ]


def test_a_weekly_meeting_stays_at_1930_across_the_autumn_change() -> None:
    rule = every(1, date(2026, 10, 18))  # Sundays; summer time ends on Sunday 25/10/2026
    starts = starts_after(rule, local(2026, 10, 18, 0, 0, BERLIN), BERLIN, count=2)
    assert [start.time() for start in starts] == [AT, AT]
    assert [start.astimezone(UTC) for start in starts] == [
        datetime(2026, 10, 18, 17, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 18, 30, tzinfo=UTC),
    ]
    # A week apart on the wall clock is a week and an hour in real time.
    assert starts[1].astimezone(UTC) - starts[0].astimezone(UTC) == timedelta(days=7, hours=1)


def test_the_last_sunday_is_the_day_summer_time_ends_and_keeps_its_wall_clock_time() -> None:
    start = starts_after(nth_weekday(LAST, 6), datetime(2026, 10, 1, tzinfo=UTC), BERLIN)[0]
    assert start == datetime(2026, 10, 25, 18, 30, tzinfo=UTC)
    assert start.astimezone(BERLIN).time() == AT


def test_ho_chi_minh_city_keeps_one_offset_all_year() -> None:
    starts = starts_after(monthly(15), local(2026, 1, 1, 0, 0), HCM, count=12)
    assert {start.utcoffset() for start in starts} == {timedelta(hours=7)}
    assert {start.astimezone(UTC).time() for start in starts} == {time(12, 30)}


def test_a_start_in_the_repeated_autumn_hour_already_past_is_not_returned() -> None:
    rule = monthly(25, at=time(2, 30))
    # 02:15 the second time (CET, 01:15 UTC) is after 02:30 the first time (CEST, 00:30 UTC).
    after = datetime(2026, 10, 25, 2, 15, fold=1, tzinfo=BERLIN)
    start = starts_after(rule, after, BERLIN)[0]
    assert start.astimezone(UTC) > after.astimezone(UTC)


# ------------------------------------------------------------------------ the steps before a meeting


def test_the_default_steps_of_an_evening_meeting() -> None:
    rule = monthly(4)
    start = local(2026, 12, 4)
    assert rule.notice == DEFAULT_NOTICE == timedelta(days=14)
    assert steps(rule, start, HCM) == [
        (NOTICE, local(2026, 11, 20)),
        ("remind:3d", local(2026, 12, 1)),
        (TASKS, local(2026, 12, 1)),  # members with open tasks are asked how they stand
        ("remind:1d", local(2026, 12, 3)),
        (BRIEF, local(2026, 12, 4, 7, 0)),
        ("remind:2h", local(2026, 12, 4, 17, 30)),
    ]


def test_an_early_meeting_has_its_brief_an_hour_before() -> None:
    start = local(2026, 12, 4, 6, 30)
    assert steps(monthly(4, at=time(6, 30)), start, HCM) == [
        (NOTICE, local(2026, 11, 20, 6, 30)),
        ("remind:3d", local(2026, 12, 1, 6, 30)),
        (TASKS, local(2026, 12, 1, 6, 30)),
        ("remind:1d", local(2026, 12, 3, 6, 30)),
        ("remind:2h", local(2026, 12, 4, 4, 30)),
        (BRIEF, local(2026, 12, 4, 5, 30)),
    ]


@pytest.mark.parametrize(
    ("hour", "minute", "brief"),
    [(8, 0, time(7, 0)), (7, 59, time(6, 59)), (7, 30, time(6, 30)), (23, 0, time(7, 0))],
)
def test_the_brief_is_at_seven_or_at_least_an_hour_before(hour: int, minute: int, brief: time) -> None:
    start = local(2026, 12, 4, hour, minute)
    planned = dict(steps(monthly(4, at=time(hour, minute)), start, HCM))
    assert planned[BRIEF] == datetime.combine(date(2026, 12, 4), brief, tzinfo=HCM)


def test_steps_are_in_time_order_with_ties_broken_by_name() -> None:
    # A 12h30m reminder before 19:30 falls at 07:00, with the brief.
    rule = dataclasses.replace(monthly(4), reminders=(timedelta(hours=12, minutes=30), timedelta(days=2)))
    planned = steps(rule, local(2026, 12, 4), HCM)
    assert planned == [
        (NOTICE, local(2026, 11, 20)),
        (TASKS, local(2026, 12, 1)),
        ("remind:2d", local(2026, 12, 2)),
        (BRIEF, local(2026, 12, 4, 7, 0)),
        ("remind:750m", local(2026, 12, 4, 7, 0)),
    ]
    assert [at for _, at in planned] == sorted(at for _, at in planned)


def test_without_reminders_there_are_only_the_notice_the_task_question_and_the_brief() -> None:
    rule = dataclasses.replace(monthly(4), reminders=(), notice=timedelta(days=7))
    assert steps(rule, local(2026, 12, 4), HCM) == [
        (NOTICE, local(2026, 11, 27)),
        (TASKS, local(2026, 12, 1)),
        (BRIEF, local(2026, 12, 4, 7, 0)),
    ]


def test_a_start_in_utc_still_gets_its_brief_at_seven_local_time() -> None:
    start = datetime(2026, 12, 4, 12, 30, tzinfo=UTC)  # 19:30 in Hồ Chí Minh City
    planned = dict(steps(monthly(4), start, HCM))
    assert planned[BRIEF] == local(2026, 12, 4, 7, 0)
    assert planned["remind:2h"] == local(2026, 12, 4, 17, 30)
    # An early local start given in UTC: 06:30 local is 23:30 UTC the day before.
    early = datetime(2026, 12, 3, 23, 30, tzinfo=UTC)
    assert dict(steps(monthly(4), early, HCM))[BRIEF] == local(2026, 12, 4, 5, 30)


def test_steps_of_a_local_start_keep_the_wall_clock_across_a_change() -> None:
    start = local(2026, 3, 30, tz=BERLIN)  # Monday, the day after summer time starts
    planned = dict(steps(monthly(30), start, BERLIN))
    assert planned[NOTICE] == local(2026, 3, 16, tz=BERLIN)
    assert planned["remind:3d"] == local(2026, 3, 27, tz=BERLIN)
    assert planned["remind:1d"] == local(2026, 3, 29, tz=BERLIN)
    assert planned["remind:3d"].utcoffset() == timedelta(hours=1)
    assert planned["remind:1d"].utcoffset() == timedelta(hours=2)
    assert planned[BRIEF] == local(2026, 3, 30, 7, 0, BERLIN)


def test_steps_do_not_depend_on_the_zone_the_start_is_given_in() -> None:
    start = local(2026, 3, 30, tz=BERLIN)  # 17:30 UTC
    from_local = steps(monthly(30), start, BERLIN)
    from_utc = steps(monthly(30), start.astimezone(UTC), BERLIN)
    assert [(name, at.astimezone(UTC)) for name, at in from_utc] == [
        (name, at.astimezone(UTC)) for name, at in from_local
    ]


@pytest.mark.parametrize(
    ("offset", "step"),
    [
        (timedelta(days=3), "remind:3d"),
        (timedelta(hours=2), "remind:2h"),
        (timedelta(minutes=90), "remind:90m"),
        (timedelta(hours=24), "remind:1d"),
    ],
)
def test_a_reminders_step_name(offset: timedelta, step: str) -> None:
    assert remind_step(offset) == step


def test_a_step_is_useful_only_before_the_meeting_starts() -> None:
    start = local(2026, 12, 4)
    assert still_useful(start, start - timedelta(minutes=1))
    assert not still_useful(start, start)
    assert not still_useful(start, start + timedelta(hours=1))


# ------------------------------------------------------------------------ typed changes


BASE = Rule(rhythm=Rhythm.DAY, at=time(18, 0), day=10)


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["monthly", "5", "19:30"], Rule(rhythm=Rhythm.DAY, at=AT, day=5)),
        (["Monthly", "31", "19h30"], Rule(rhythm=Rhythm.DAY, at=AT, day=31)),
        (["tháng", "5", "19h"], Rule(rhythm=Rhythm.DAY, at=time(19, 0), day=5)),
        (["thang", "05", "7:05"], Rule(rhythm=Rhythm.DAY, at=time(7, 5), day=5)),
        (["monthly", "last", "19:30"], Rule(rhythm=Rhythm.LAST_DAY, at=AT)),
        (["tháng", "cuối", "19:30"], Rule(rhythm=Rhythm.LAST_DAY, at=AT)),
        (["weekday", "1", "mon", "19:30"], Rule(rhythm=Rhythm.WEEKDAY, at=AT, nth=1, weekday=0)),
        (["weekday", "4", "thu", "19:30"], Rule(rhythm=Rhythm.WEEKDAY, at=AT, nth=4, weekday=3)),
        (["weekday", "last", "fri", "19:30"], Rule(rhythm=Rhythm.WEEKDAY, at=AT, nth=LAST, weekday=4)),
        (["thứ", "2", "t7", "8h"], Rule(rhythm=Rhythm.WEEKDAY, at=time(8, 0), nth=2, weekday=5)),
        (["thu", "cuoi", "cn", "19:30"], Rule(rhythm=Rhythm.WEEKDAY, at=AT, nth=LAST, weekday=6)),
        (
            ["weeks", "2", "mon", "19:30", "from", "07/12/2026"],
            Rule(rhythm=Rhythm.WEEKS, at=AT, weeks=2, weekday=0, anchor=date(2026, 12, 7)),
        ),
        (
            ["tuần", "3", "t2", "19:30", "từ", "2026-12-07"],
            Rule(rhythm=Rhythm.WEEKS, at=AT, weeks=3, weekday=0, anchor=date(2026, 12, 7)),
        ),
        (
            ["tuan", "1", "fri", "19:30", "tu", "01/01/2027"],
            Rule(rhythm=Rhythm.WEEKS, at=AT, weeks=1, weekday=4, anchor=date(2027, 1, 1)),
        ),
        (
            ["weeks", "8", "sun", "19:30", "from", "06/12/2026"],
            Rule(rhythm=Rhythm.WEEKS, at=AT, weeks=8, weekday=6, anchor=date(2026, 12, 6)),
        ),
    ],
)
def test_a_rhythm_change_gives_the_rule(words: list[str], expected: Rule) -> None:
    assert parse_change(words, BASE, TODAY) == expected


@pytest.mark.parametrize(
    ("weekday", "anchor"),
    [
        ("tue", date(2026, 12, 8)),  # today is a Tuesday: from today
        ("wed", date(2026, 12, 9)),
        ("mon", date(2026, 12, 14)),  # Monday has passed: from next week's
        ("sun", date(2026, 12, 13)),
    ],
)
def test_a_weeks_change_without_a_date_starts_on_the_next_such_weekday(weekday: str, anchor: date) -> None:
    changed = parse_change(["weeks", "2", weekday, "19:30"], BASE, TODAY)
    assert changed.anchor == anchor
    assert changed.weekday == anchor.weekday()
    assert changed.rhythm is Rhythm.WEEKS and changed.weeks == 2 and changed.at == AT


def test_a_rhythm_change_clears_what_only_the_old_rhythm_used() -> None:
    weeks = Rule(rhythm=Rhythm.WEEKS, at=AT, weeks=2, weekday=0, anchor=date(2026, 12, 7))
    assert parse_change(["monthly", "5", "19:30"], weeks, TODAY) == monthly(5)
    assert parse_change(["monthly", "last", "19:30"], weeks, TODAY) == last_day()
    assert parse_change(["weekday", "1", "fri", "19:30"], weeks, TODAY) == nth_weekday(1, 4)
    assert parse_change(["weekday", "1", "fri", "19:30"], monthly(5), TODAY) == nth_weekday(1, 4)
    assert parse_change(["monthly", "last", "19:30"], nth_weekday(1, 4), TODAY) == last_day()
    assert parse_change(["weeks", "2", "mon", "19:30"], nth_weekday(1, 4), TODAY) == Rule(
        rhythm=Rhythm.WEEKS, at=AT, weeks=2, weekday=0, anchor=date(2026, 12, 14)
    )


def test_a_rhythm_change_keeps_the_chasing_and_the_length() -> None:
    rule = dataclasses.replace(
        BASE, notice=timedelta(days=20), reminders=(timedelta(days=5),), length=timedelta(hours=3)
    )
    changed = parse_change(["weekday", "last", "fri", "19:30"], rule, TODAY)
    assert (changed.notice, changed.reminders, changed.length) == (
        timedelta(days=20),
        (timedelta(days=5),),
        timedelta(hours=3),
    )


@pytest.mark.parametrize(
    ("words", "reminders"),
    [
        (["remind", "3d", "1d", "2h"], (timedelta(days=3), timedelta(days=1), timedelta(hours=2))),
        (["remind", "2h", "3d", "1d"], (timedelta(days=3), timedelta(days=1), timedelta(hours=2))),
        (["remind", "2h", "1d", "24h", "2h", "120m"], (timedelta(days=1), timedelta(hours=2))),
        (["nhắc", "3 ngày", "2g", "30p"], (timedelta(days=3), timedelta(hours=2), timedelta(minutes=30))),
        (["nhac", "1d"], (timedelta(days=1),)),
        (["remind", "none"], ()),
        (["remind", "không"], ()),
        (["remind", "off"], ()),
    ],
)
def test_a_reminders_change_is_sorted_latest_first_without_repeats(
    words: list[str], reminders: tuple[timedelta, ...]
) -> None:
    changed = parse_change(words, BASE, TODAY)
    assert changed.reminders == reminders
    assert changed == dataclasses.replace(BASE, reminders=reminders)


def test_five_reminders_are_allowed() -> None:
    changed = parse_change(["remind", "5d", "4d", "3d", "2d", "1d"], BASE, TODAY)
    assert changed.reminders == tuple(timedelta(days=n) for n in (5, 4, 3, 2, 1))


@pytest.mark.parametrize(
    ("words", "changes"),
    [
        (["notice", "14d"], {"notice": timedelta(days=14)}),
        (["notice", "60d"], {"notice": timedelta(days=60)}),
        (["báo", "7 ngày"], {"notice": timedelta(days=7)}),
        (["bao", "4d"], {"notice": timedelta(days=4)}),
        (["length", "2h"], {"length": timedelta(hours=2)}),
        (["length", "30m"], {"length": timedelta(minutes=30)}),
        (["length", "8h"], {"length": timedelta(hours=8)}),
        (["dài", "90p"], {"length": timedelta(minutes=90)}),
        (["dai", "3g"], {"length": timedelta(hours=3)}),
    ],
)
def test_a_notice_or_length_change(words: list[str], changes: dict[str, timedelta]) -> None:
    assert parse_change(words, BASE, TODAY) == dataclasses.replace(BASE, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("words", "message", "params"),
    [
        (["monthly", "5", "25:00"], MSG_TIME, {"word": "25:00"}),
        (["monthly", "5", "19:60"], MSG_TIME, {"word": "19:60"}),
        (["weekday", "1", "mon", "7pm"], MSG_TIME, {"word": "7pm"}),
        (["monthly", "0", "19:30"], MSG_DAY, {"word": "0"}),
        (["monthly", "32", "19:30"], MSG_DAY, {"word": "32"}),
        (["monthly", "first", "19:30"], MSG_DAY, {"word": "first"}),
        (["weekday", "5", "mon", "19:30"], MSG_NTH, {"word": "5"}),
        (["weekday", "0", "mon", "19:30"], MSG_NTH, {"word": "0"}),
        (["weekday", "1", "xyz", "19:30"], MSG_WEEKDAY, {"word": "xyz"}),
        (["weeks", "2", "t8", "19:30"], MSG_WEEKDAY, {"word": "t8"}),
        (["remind", "20d"], MSG_REMINDER_BEFORE_NOTICE, {"offset": "20d", "notice": "14d"}),
        (["remind", "14d"], MSG_REMINDER_BEFORE_NOTICE, {"offset": "14d", "notice": "14d"}),
        (["remind", "3x"], MSG_OFFSET, {"word": "3x"}),
        (["remind", "0d"], MSG_OFFSET, {"word": "0d"}),
        (["remind", "6d", "5d", "4d", "3d", "2d", "1d"], MSG_TOO_MANY_REMINDERS, {"most": "5"}),
        (["notice", "90d"], MSG_NOTICE_TOO_LONG, {"days": "60"}),
        (["notice", "61d"], MSG_NOTICE_TOO_LONG, {"days": "60"}),
        (["notice", "2d"], MSG_REMINDER_BEFORE_NOTICE, {"offset": "3d", "notice": "2d"}),
        (["length", "10m"], MSG_LENGTH, {}),
        (["length", "29m"], MSG_LENGTH, {}),
        (["length", "9h"], MSG_LENGTH, {}),
        (["weeks", "9", "mon", "19:30"], MSG_WEEKS, {"most": "8"}),
        (["weeks", "0", "mon", "19:30"], MSG_WEEKS, {"most": "8"}),
        (["weeks", "two", "mon", "19:30"], MSG_WEEKS, {"most": "8"}),
        (
            ["weeks", "2", "mon", "19:30", "from", "08/12/2026"],
            MSG_ANCHOR_WEEKDAY,
            {"date": "08/12/2026", "weekday": "mon"},
        ),
        (["weeks", "2", "mon", "19:30", "from", "31/02/2026"], MSG_DATE, {"word": "31/02/2026"}),
        (["weeks", "2", "mon", "19:30", "since", "07/12/2026"], USAGE, {}),
        ([], USAGE, {}),
        (["yearly", "5", "19:30"], USAGE, {}),
        (["monthly", "5"], USAGE, {}),
        (["monthly", "5", "19:30", "extra"], USAGE, {}),
        (["weekday", "1", "mon"], USAGE, {}),
        (["weeks", "2", "mon", "19:30", "from"], USAGE, {}),
        (["remind"], USAGE, {}),
        (["notice", "1d", "2d"], USAGE, {}),
        (["length"], USAGE, {}),
    ],
)
def test_a_bad_change_says_what_is_wrong_and_changes_nothing(
    words: list[str], message: str, params: dict[str, str]
) -> None:
    rule = monthly(5)
    before = dataclasses.replace(rule)
    with pytest.raises(UserError) as raised:
        parse_change(words, rule, TODAY)
    assert raised.value.message == message
    assert raised.value.params == params
    assert rule == before


def test_a_good_change_leaves_the_rule_handed_in_as_it_was() -> None:
    rule = monthly(5)
    before = dataclasses.replace(rule)
    changed = parse_change(["weeks", "2", "mon", "20:00", "from", "07/12/2026"], rule, TODAY)
    assert changed is not rule
    assert rule == before == Rule(rhythm=Rhythm.DAY, at=AT, day=5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        rule.day = 6  # type: ignore[misc]


def test_a_long_bad_word_is_cut_in_the_message() -> None:
    with pytest.raises(UserError) as raised:
        parse_change(["monthly", "5", "x" * 50], BASE, TODAY)
    assert raised.value.params == {"word": "x" * 20}


def test_check_passes_a_sound_rule_through() -> None:
    rule = monthly(5)
    assert check(rule) is rule
    assert rule.reminders == DEFAULT_REMINDERS


# ------------------------------------------------------------------------ words


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("19:30", time(19, 30)),
        ("19h30", time(19, 30)),
        ("19h", time(19, 0)),
        ("19g30", time(19, 30)),
        ("7:05", time(7, 5)),
        ("00:00", time(0, 0)),
        ("23:59", time(23, 59)),
        (" 19H30 ", time(19, 30)),
    ],
)
def test_a_time_of_day(word: str, expected: time) -> None:
    assert parse_time(word) == expected


@pytest.mark.parametrize("word", ["25:00", "24:00", "19:60", "1930", "19", "7:5", "abc", ""])
def test_not_a_time_of_day(word: str) -> None:
    with pytest.raises(UserError) as raised:
        parse_time(word)
    assert raised.value.message == MSG_TIME


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("mon", 0),
        ("TUE", 1),
        ("wed", 2),
        ("thu", 3),  # Thursday, though "thu" also reads as "thứ"
        ("fri", 4),
        ("sat", 5),
        ("sun", 6),
        ("t2", 0),
        ("T7", 5),
        ("cn", 6),
        ("thứ 2", 0),
        ("Thứ 6", 4),
        ("thu 5", 3),
    ],
)
def test_a_weekday(word: str, expected: int) -> None:
    assert parse_weekday(word) == expected


@pytest.mark.parametrize("word", ["xyz", "t8", "thứ 8", "t1", "monday", ""])
def test_not_a_weekday(word: str) -> None:
    with pytest.raises(UserError) as raised:
        parse_weekday(word)
    assert raised.value.message == MSG_WEEKDAY


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("3d", timedelta(days=3)),
        ("2h", timedelta(hours=2)),
        ("30m", timedelta(minutes=30)),
        (" 3D ", timedelta(days=3)),
        ("3 d", timedelta(days=3)),
        ("3 ngày", timedelta(days=3)),
        ("3 ngay", timedelta(days=3)),
        ("3n", timedelta(days=3)),
        ("2g", timedelta(hours=2)),
        ("2 giờ", timedelta(hours=2)),
        ("2 gio", timedelta(hours=2)),
        ("30p", timedelta(minutes=30)),
        ("30 phút", timedelta(minutes=30)),
        ("30 phut", timedelta(minutes=30)),
        ("999m", timedelta(minutes=999)),
    ],
)
def test_a_length_of_time(word: str, expected: timedelta) -> None:
    assert parse_offset(word) == expected


@pytest.mark.parametrize("word", ["", "3", "d", "0d", "0m", "3w", "1000d", "-3d", "3.5h", "3 tuần"])
def test_not_a_length_of_time(word: str) -> None:
    with pytest.raises(UserError) as raised:
        parse_offset(word)
    assert raised.value.message == MSG_OFFSET


@pytest.mark.parametrize(
    ("offset", "label"),
    [
        (timedelta(days=3), "3d"),
        (timedelta(days=14), "14d"),
        (timedelta(hours=24), "1d"),
        (timedelta(hours=2), "2h"),
        (timedelta(hours=25), "25h"),
        (timedelta(minutes=90), "90m"),
        (timedelta(minutes=30), "30m"),
        (timedelta(minutes=1500), "25h"),
    ],
)
def test_an_offset_is_labelled_in_its_largest_whole_unit(offset: timedelta, label: str) -> None:
    assert offset_label(offset) == label
    assert parse_offset(label) == offset


@pytest.mark.parametrize("word", ["3d", "1d", "2h", "23h", "90m", "30m", "59m", "60d"])
def test_a_canonical_label_survives_a_round_trip(word: str) -> None:
    assert offset_label(parse_offset(word)) == word


@pytest.mark.parametrize(("word", "label"), [("24h", "1d"), ("120m", "2h"), ("48 giờ", "2d"), ("60p", "1h")])
def test_a_length_is_relabelled_in_a_larger_unit_when_whole(word: str, label: str) -> None:
    assert offset_label(parse_offset(word)) == label


def test_the_reminders_label() -> None:
    assert offsets_label(DEFAULT_REMINDERS) == "3d, 1d, 2h"
    assert offsets_label([timedelta(minutes=90)]) == "90m"
    assert offsets_label(()) == "—"


# ------------------------------------------------------------------------ describe


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        (monthly(5), "monthly on day 5 at 19:30"),
        (monthly(31, at=time(7, 5)), "monthly on day 31 at 07:05"),
        (last_day(), "monthly on the last day at 19:30"),
        (nth_weekday(1, 0), "monthly on Monday no. 1 at 19:30"),
        (nth_weekday(4, 3), "monthly on Thursday no. 4 at 19:30"),
        (nth_weekday(LAST, 4), "monthly on the last Friday at 19:30"),
        (every(2, date(2026, 12, 7)), "every 2 weeks on Monday at 19:30, from 07/12/2026"),
        (every(1, date(2027, 1, 3), at=time(8, 0)), "weekly on Sunday at 08:00, from 03/01/2027"),
    ],
)
def test_describe_each_rhythm(rule: Rule, text: str) -> None:
    assert describe(rule, lambda s: s) == text


def test_describe_translates_the_text_and_the_weekday() -> None:
    catalogue = {
        "Friday": "thứ Sáu",
        "monthly on the last %(weekday)s at %(at)s": "%(weekday)s cuối cùng hằng tháng lúc %(at)s",
    }
    assert (
        describe(nth_weekday(LAST, 4), lambda s: catalogue.get(s, s))
        == "thứ Sáu cuối cùng hằng tháng lúc 19:30"
    )


def test_a_described_change_reads_back_as_typed() -> None:
    changed = parse_change(["weeks", "2", "t2", "19h30", "from", "07/12/2026"], BASE, TODAY)
    assert describe(changed, lambda s: s) == "every 2 weeks on Monday at 19:30, from 07/12/2026"

"""The meeting rules (bot/meetings/rules.py): states over time, final attendance, the charter count."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.meetings.rules import (
    Answer,
    Attendance,
    DuesMonth,
    Kind,
    MemberFacts,
    RegularMeetingOutcome,
    Rules,
    State,
    Timing,
    Verdict,
    add_months,
    charter_count,
    closes_automatically_at,
    closes_early,
    dues_unpaid,
    final_attendance,
    state_at,
)

RULES = Rules()
START = datetime(2026, 12, 4, 12, 30, tzinfo=UTC)  # 19:30 in Hà Nội
END = START + timedelta(hours=2)
OPENED = START + timedelta(minutes=5)


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


# ---------------------------------------------------------------------------- states


def test_a_planned_meeting_nobody_opened_is_not_recorded_from_its_end_plus_the_grace_period() -> None:
    timing = Timing(starts_at=START, expected_end=END)
    assert state_at(timing, at(0), RULES) is State.PLANNED
    assert state_at(timing, END + timedelta(hours=2) - timedelta(seconds=1), RULES) is State.PLANNED
    assert state_at(timing, END + timedelta(hours=2), RULES) is State.NOT_RECORDED


def test_an_open_meeting_nobody_closed_is_closed_automatically_at_its_end_plus_the_grace_period() -> None:
    timing = Timing(starts_at=START, expected_end=END, opened_at=OPENED)
    assert state_at(timing, at(60), RULES) is State.OPEN
    assert closes_automatically_at(timing, RULES) == END + timedelta(hours=2)
    assert state_at(timing, END + timedelta(hours=2), RULES) is State.CLOSED
    assert closes_automatically_at(Timing(starts_at=START, expected_end=END), RULES) is None


def test_a_not_recorded_meeting_recorded_late_counts_as_closed_and_a_cancelled_one_stays_cancelled() -> None:
    late = Timing(starts_at=START, expected_end=END, recorded_late=True)
    assert state_at(late, END + timedelta(days=3), RULES) is State.CLOSED
    cancelled = Timing(starts_at=START, expected_end=END, cancelled=True)
    assert state_at(cancelled, END + timedelta(days=3), RULES) is State.CANCELLED


def test_a_custom_grace_period_moves_both_deadlines() -> None:
    rules = Rules(grace=timedelta(minutes=30))
    assert state_at(Timing(starts_at=START, expected_end=END), END + timedelta(minutes=30), rules) is (
        State.NOT_RECORDED
    )


@pytest.mark.parametrize(
    ("kind", "minutes", "early"),
    [
        (Kind.REGULAR, 89, True),
        (Kind.REGULAR, 90, False),
        (Kind.THEMATIC, 90, False),
        (Kind.REGULAR_THEMATIC, 119, True),
        (Kind.REGULAR_THEMATIC, 120, False),
    ],
)
def test_closing_before_the_minimum_duration_is_early(kind: Kind, minutes: int, early: bool) -> None:
    assert closes_early(kind, OPENED, OPENED + timedelta(minutes=minutes), RULES) is early


# ---------------------------------------------------------------------------- final attendance


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (MemberFacts(exempt=True, checked_in_at=at(5)), Attendance.EXEMPT),
        (MemberFacts(answer=Answer.ATTEND, checked_in_at=OPENED), Attendance.PRESENT),
        (MemberFacts(checked_in_at=OPENED + timedelta(minutes=15)), Attendance.PRESENT),
        (MemberFacts(checked_in_at=OPENED + timedelta(minutes=15, seconds=1)), Attendance.LATE),
        # asked to be excused, then came after all: present
        (MemberFacts(answer=Answer.ABSENT, reason="ốm", checked_in_at=OPENED), Attendance.PRESENT),
        (MemberFacts(answer=Answer.ABSENT, reason="ốm"), Attendance.EXCUSED),
        (MemberFacts(answer=Answer.ABSENT, reason="ốm", verdict=Verdict.ACCEPTED), Attendance.EXCUSED),
        (MemberFacts(answer=Answer.ABSENT, reason="đi chơi", verdict=Verdict.REJECTED), Attendance.UNEXCUSED),
        (MemberFacts(answer=Answer.ABSENT, reason="  "), Attendance.UNEXCUSED),
        (MemberFacts(answer=Answer.ATTEND), Attendance.UNEXCUSED),  # said yes, never came
        (MemberFacts(), Attendance.UNEXCUSED),  # no answer, not ticked in
    ],
)
def test_every_member_ends_in_exactly_one_state(facts: MemberFacts, expected: Attendance) -> None:
    assert final_attendance(facts, opened_at=OPENED, rules=RULES) is expected


def test_after_an_automatic_close_members_not_ticked_in_are_unconfirmed_until_the_roll_call_is() -> None:
    absent = MemberFacts(answer=Answer.ABSENT, reason="công tác")
    silent = MemberFacts()
    came = MemberFacts(checked_in_at=OPENED)

    def auto(facts: MemberFacts, *, confirmed: bool) -> Attendance:
        return final_attendance(
            facts, opened_at=OPENED, rules=RULES, closed_automatically=True, roll_call_confirmed=confirmed
        )

    assert auto(silent, confirmed=False) is Attendance.UNCONFIRMED
    assert auto(absent, confirmed=False) is Attendance.UNCONFIRMED
    assert auto(came, confirmed=False) is Attendance.PRESENT
    assert auto(silent, confirmed=True) is Attendance.UNEXCUSED
    assert auto(absent, confirmed=True) is Attendance.EXCUSED


# ---------------------------------------------------------------------------- dues and the charter count


def test_months_are_added_across_the_year_end() -> None:
    assert add_months(date(2026, 11, 1), 1) == date(2026, 12, 1)
    assert add_months(date(2026, 12, 1), 1) == date(2027, 1, 1)
    assert add_months(date(2026, 12, 1), 14) == date(2028, 2, 1)


def test_a_months_dues_are_unpaid_only_once_the_following_month_has_ended_without_payment() -> None:
    march = DuesMonth(month=date(2026, 3, 1))
    assert not dues_unpaid(march, date(2026, 4, 30), RULES)
    assert dues_unpaid(march, date(2026, 5, 1), RULES)
    assert not dues_unpaid(DuesMonth(date(2026, 3, 1), paid_on=date(2026, 4, 30)), date(2026, 12, 1), RULES)
    # paid, but only after the deadline: that month still counts
    assert dues_unpaid(DuesMonth(date(2026, 3, 1), paid_on=date(2026, 5, 2)), date(2026, 12, 1), RULES)
    assert not dues_unpaid(march, date(2026, 5, 1), Rules(dues_grace_months=2))


def regular(
    month: int, attendance: Attendance, *, primary: bool = True, state: State = State.CLOSED
) -> RegularMeetingOutcome:
    return RegularMeetingOutcome(
        month=date(2026, month, 1), attendance=attendance, primary=primary, state=state
    )


def test_the_charter_count_takes_each_month_once_per_calendar_year_and_excludes_exempt_months() -> None:
    count = charter_count(
        year=2026,
        meetings=[
            regular(2, Attendance.UNEXCUSED),
            regular(3, Attendance.UNEXCUSED),  # and March's dues unpaid too: still one month
            regular(4, Attendance.EXCUSED),
            regular(5, Attendance.UNCONFIRMED),  # counts for nothing until the roll call is confirmed
            regular(
                6, Attendance.UNEXCUSED, state=State.NOT_RECORDED
            ),  # the cell may have met without the bot
            regular(7, Attendance.UNEXCUSED, primary=False),  # a "213" residence tie never counts
            regular(8, Attendance.UNEXCUSED),  # exempt that month
            RegularMeetingOutcome(month=date(2025, 12, 1), attendance=Attendance.UNEXCUSED),  # last year
        ],
        dues=[
            DuesMonth(date(2026, 3, 1)),
            DuesMonth(date(2026, 6, 1)),  # a not-recorded meeting does not excuse dues
            DuesMonth(date(2026, 9, 1), paid_on=date(2026, 9, 20)),
            DuesMonth(date(2026, 10, 1)),  # not late yet on 27/11
        ],
        exempt_months=[date(2026, 8, 1)],
        today=date(2026, 11, 27),
        rules=RULES,
    )
    assert count.months == (date(2026, 2, 1), date(2026, 3, 1), date(2026, 6, 1))
    assert count.absent_months == {date(2026, 2, 1), date(2026, 3, 1)}
    assert count.unpaid_months == {date(2026, 3, 1), date(2026, 6, 1)}
    assert count.level(RULES) == "flag"


def test_the_charter_warning_levels_follow_the_configured_thresholds() -> None:
    def level(months: int, rules: Rules = RULES) -> str | None:
        meetings = [regular(m, Attendance.UNEXCUSED) for m in range(1, months + 1)]
        return charter_count(
            year=2026, meetings=meetings, dues=[], exempt_months=[], today=date(2026, 12, 31), rules=rules
        ).level(rules)

    assert [level(n) for n in range(5)] == [None, None, "warn", "flag", "flag"]
    assert level(3, Rules(charter_warn=3, charter_flag=4)) == "warn"

"""The one clock: parsing --now / CHIBO_NOW and dates, and a clock that starts at an instant."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import ClockFrom, clock_at, parse_day, parse_instant, system_clock, today
from bot.errors import UserError
from bot.i18n import translator

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def english(error: pytest.ExceptionInfo[UserError]) -> str:
    return error.value.render(translator("en").gettext)


# --- parsing an instant ---------------------------------------------------------------------------


def test_a_day_first_time_without_an_offset_is_in_the_configured_zone() -> None:
    assert parse_instant("26/11/2026 10:00", HANOI) == datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


def test_a_day_alone_is_midnight_in_the_configured_zone() -> None:
    assert parse_instant("29/02/2028", HANOI) == datetime(2028, 2, 29, tzinfo=HANOI)


def test_an_iso_time_with_an_offset_is_taken_as_written() -> None:
    moment = parse_instant("2026-11-26T10:00:00+00:00", HANOI)
    assert moment == datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def test_an_iso_time_without_an_offset_is_in_the_configured_zone() -> None:
    assert parse_instant("2026-11-26 10:00", HANOI) == datetime(2026, 11, 26, 10, 0, tzinfo=HANOI)


def test_an_iso_time_in_utc_may_end_in_z() -> None:
    assert parse_instant("2026-11-26T03:00Z", HANOI) == datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", ["31/02/2026 10:00", "2026-02-31T10:00", "26/11/2026 25:00"])
def test_an_impossible_time_is_no_such_date(text: str) -> None:
    with pytest.raises(UserError) as error:
        parse_instant(text, HANOI)
    assert english(error) == f"{text}: no such date or time."


def test_text_that_is_not_a_time_names_the_formats() -> None:
    with pytest.raises(UserError) as error:
        parse_instant("tomorrow", HANOI)
    assert "dd/mm/yyyy HH:MM" in english(error) and "ISO 8601" in english(error)


# --- dates ----------------------------------------------------------------------------------------


def test_a_date_is_typed_day_first_or_as_iso() -> None:
    assert parse_day("01/11/2026") == parse_day("2026-11-01") == date(2026, 11, 1)


def test_an_impossible_date_is_no_such_date() -> None:
    with pytest.raises(UserError) as error:
        parse_day("31/02/2026")
    assert english(error) == "31/02/2026: no such date."


def test_text_that_is_not_a_date_names_the_format() -> None:
    with pytest.raises(UserError) as error:
        parse_day("26/11/2026 10:00")
    assert "dd/mm/yyyy" in english(error)


# --- clocks ---------------------------------------------------------------------------------------


def test_a_clock_from_an_instant_starts_there_and_moves_with_real_time() -> None:
    start = datetime(2028, 2, 29, 3, 0, tzinfo=UTC)
    clock = ClockFrom(start)
    first = clock()
    assert timedelta(0) <= first - start < timedelta(seconds=1)
    time.sleep(0.02)
    assert clock() > first


def test_without_a_time_the_clock_is_the_real_one() -> None:
    assert clock_at(None, HANOI) is system_clock
    assert clock_at("", HANOI) is system_clock


def test_today_is_the_day_in_the_given_zone() -> None:
    # 17:30 UTC on 25/11 is already 00:30 on 26/11 in Hanoi.
    clock = clock_at("2026-11-25T17:30+00:00", HANOI)
    assert today(clock, HANOI) == date(2026, 11, 26)
    assert today(clock, UTC) == date(2026, 11, 25)

"""Time as a dependency: the one module that reads the real clock.

Everything else gets `now` from a Clock it is handed, so tests, the CLI's `--now` and `CHIBO_NOW` can
set the time every entry point (bot, admin commands, demo, jobs) sees.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, tzinfo

from bot.errors import UserError
from bot.i18n import N_

Clock = Callable[[], datetime]

NOW_ENV = "CHIBO_NOW"
NOW_FORMATS = "dd/mm/yyyy HH:MM"  # shown in help and errors, with ISO 8601
_DAY_FIRST = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def system_clock() -> datetime:
    """The current aware UTC time."""
    return datetime.now(UTC)


class ClockFrom:
    """A clock that starts at a given instant and then moves with real time.

    A one-shot command sees exactly that instant; a running bot started with it still advances.
    """

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ClockFrom needs an aware datetime")
        self.start = start.astimezone(UTC)
        self._started = time.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self._started)


def parse_instant(text: str, tz: tzinfo) -> datetime:
    """An instant typed as dd/mm/yyyy [HH:MM[:SS]] or ISO 8601; without an offset it is in `tz`.

    Raises UserError naming the accepted formats, or saying the date does not exist.
    """
    text = text.strip()
    match = _DAY_FIRST.fullmatch(text)
    try:
        if match:
            day, month, year, hour, minute, second = (int(g) if g else 0 for g in match.groups())
            moment = datetime(year, month, day, hour, minute, second)  # noqa: DTZ001  (zone added below)
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        if match or re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", text):
            raise UserError(N_("%(value)s: no such date or time."), value=text) from None
        raise UserError(
            N_("%(value)s is not a time; write %(formats)s, or ISO 8601 such as 2026-11-26T10:00+07:00."),
            value=text,
            formats=NOW_FORMATS,
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)


def parse_day(text: str) -> date:
    """A calendar date typed as dd/mm/yyyy (or yyyy-mm-dd); UserError if it is not one or does not exist."""
    text = text.strip()
    day_first, iso = _DAY_FIRST.fullmatch(text), _ISO_DAY.fullmatch(text)
    if day_first and day_first[4] is None:
        day, month, year = int(day_first[1]), int(day_first[2]), int(day_first[3])
    elif iso:
        year, month, day = int(iso[1]), int(iso[2]), int(iso[3])
    else:
        raise UserError(N_("%(value)s is not a date; write dd/mm/yyyy, e.g. 26/11/2026."), value=text)
    try:
        return date(year, month, day)
    except ValueError:
        raise UserError(N_("%(value)s: no such date."), value=text) from None


def clock_at(text: str | None, tz: tzinfo) -> Clock:
    """The clock for `--now`/CHIBO_NOW: the real one without a value, else one starting at that instant."""
    if not text:
        return system_clock
    return ClockFrom(parse_instant(text, tz))


def today(clock: Clock, tz: tzinfo) -> date:
    """The calendar day it is by `clock` in the zone `tz`."""
    return clock().astimezone(tz).date()

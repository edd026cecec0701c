"""A cell's meeting rhythm and when its notice, reminders and brief go out, as pure functions.

A rule is a rhythm (monthly on a day, on the last day, on the n-th or last weekday, or every N weeks
from an anchor), a start time and a length; the chasing is a notice lead and reminder offsets. Dates are
computed in the cell's time zone and returned as aware datetimes; nothing here reads the clock or the
database, so tests state each rule with a handful of values (../shared/domain.md §1.1, §7).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum

from bot.errors import UserError
from bot.i18n import N_
from bot.meetings.resolution import follow_up_at


class Rhythm(StrEnum):
    """How often a cell meets."""

    DAY = "day"  # monthly on a day 1–31, clamped to a shorter month's last day
    LAST_DAY = "last_day"  # monthly on the month's last day
    WEEKDAY = "weekday"  # monthly on the n-th (1–4) or last (-1) weekday
    WEEKS = "weeks"  # every N weeks on a weekday, counted from an anchor date


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Vietnamese names: thứ hai (t2) … thứ bảy (t7), chủ nhật (cn).
WEEKDAYS_VI = ("t2", "t3", "t4", "t5", "t6", "t7", "cn")
LAST = -1
MAX_WEEKS = 8
MAX_NOTICE = timedelta(days=60)
MAX_REMINDERS = 5
MIN_LENGTH, MAX_LENGTH = timedelta(minutes=30), timedelta(hours=8)
DEFAULT_NOTICE = timedelta(days=14)
DEFAULT_REMINDERS = (timedelta(days=3), timedelta(days=1), timedelta(hours=2))
# The secretary's brief goes on the meeting's day at this hour, or an hour before an earlier start
# (for a meeting just after midnight, that is late the evening before).
BRIEF_AT = time(7, 0)


@dataclass(frozen=True)
class Rule:
    """When a cell meets and how it is chased."""

    rhythm: Rhythm
    at: time
    length: timedelta = timedelta(hours=2)
    day: int | None = None  # DAY: 1–31
    nth: int | None = None  # WEEKDAY: 1–4 or LAST
    weekday: int | None = None  # WEEKDAY, WEEKS: 0 = Monday
    weeks: int | None = None  # WEEKS: 1–8
    anchor: date | None = None  # WEEKS: a date the rhythm falls on
    notice: timedelta = DEFAULT_NOTICE
    reminders: tuple[timedelta, ...] = DEFAULT_REMINDERS


# --- dates -------------------------------------------------------------------------------------------


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def day_in_month(rule: Rule, year: int, month: int) -> date:
    """The meeting day of a month-based rule in that month (DAY is clamped to a shorter month)."""
    last = _last_day(year, month)
    if rule.rhythm is Rhythm.DAY:
        assert rule.day is not None
        return date(year, month, min(rule.day, last))
    if rule.rhythm is Rhythm.LAST_DAY:
        return date(year, month, last)
    if rule.rhythm is Rhythm.WEEKDAY:
        assert rule.nth is not None and rule.weekday is not None
        if rule.nth == LAST:
            end = date(year, month, last)
            return end - timedelta(days=(end.weekday() - rule.weekday) % 7)
        first = date(year, month, 1)
        return first + timedelta(days=(rule.weekday - first.weekday()) % 7 + 7 * (rule.nth - 1))
    raise ValueError(f"{rule.rhythm} is not month-based")


def is_clamped(rule: Rule, day: date) -> bool:
    """Whether the day was moved to the month's last day because the month is shorter than the rule's day."""
    return rule.rhythm is Rhythm.DAY and rule.day is not None and day.day < rule.day


def _days_from(rule: Rule, first: date) -> Iterator[date]:
    """The rule's meeting days on or after `first`, in order, without end."""
    if rule.rhythm is Rhythm.WEEKS:
        assert rule.anchor is not None and rule.weeks is not None
        step = timedelta(weeks=rule.weeks)
        behind = (first - rule.anchor).days
        day = rule.anchor + step * max(0, -(-behind // step.days))  # the first on or after `first`
        while True:
            yield day
            day += step
    year, month = first.year, first.month
    while True:
        day = day_in_month(rule, year, month)
        if day >= first:
            yield day
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def starts_after(rule: Rule, after: datetime, tz: tzinfo, count: int = 1) -> list[datetime]:
    """The next `count` meeting starts strictly after `after`, as aware datetimes in the zone `tz`.

    The start time is the wall-clock time in the zone on each day (so it stays 19:30 across a daylight
    saving change); a time that does not exist on that day is taken as the zone's library gives it.
    """
    found: list[datetime] = []
    for day in _days_from(rule, after.astimezone(tz).date()):
        start = datetime.combine(day, rule.at, tzinfo=tz)
        if start.astimezone(UTC) > after.astimezone(UTC):  # in UTC: a repeated autumn hour compares right
            found.append(start)
            if len(found) == count:
                return found
    raise AssertionError("unreachable: the days never end")


def start_in_month(rule: Rule, month: date, tz: tzinfo) -> datetime | None:
    """The rule's first start in a reporting month (None when an every-N-weeks rhythm skips the month)."""
    first = datetime.combine(month.replace(day=1), time(0), tzinfo=tz)
    start = starts_after(rule, first - timedelta(microseconds=1), tz)[0]
    return start if (start.year, start.month) == (month.year, month.month) else None


# --- what happens before a meeting --------------------------------------------------------------------


NOTICE = "notice"
BRIEF = "brief"
# Members with open tasks due by the meeting are asked how they stand (bot.meetings.resolution).
TASKS = "tasks"


def remind_step(offset: timedelta) -> str:
    """The step name of a reminder, as used in job ids: remind:3d, remind:2h."""
    return f"remind:{offset_label(offset)}"


def steps(rule: Rule, starts_at: datetime, tz: tzinfo) -> list[tuple[str, datetime]]:
    """What goes out before a meeting and when, in time order: the notice, each reminder, the question
    to members with open tasks, the brief.

    Offsets are taken on the cell's wall clock (a reminder "1d" before a 19:30 meeting is at 19:30 the
    day before, across a daylight saving change too), whatever zone `starts_at` is given in.
    """
    start = starts_at.astimezone(tz)
    brief = min(datetime.combine(start.date(), BRIEF_AT, tzinfo=tz), start - timedelta(hours=1))
    planned = [(NOTICE, start - rule.notice), (BRIEF, brief), (TASKS, follow_up_at(start))]
    planned += [(remind_step(offset), start - offset) for offset in rule.reminders]
    return sorted(planned, key=lambda step: (step[1], step[0]))


def still_useful(starts_at: datetime, now: datetime) -> bool:
    """Whether a step whose time has passed (the bot was down) is worth doing now: anything sent before
    the meeting starts still helps; after that a notice, a reminder or a brief is noise."""
    return now < starts_at


def overdue(due: Sequence[tuple[str, datetime]], created_at: datetime) -> tuple[list[str], list[str]]:
    """Of the steps whose time has passed (the bot was down, or the meeting was planned late), which to
    do now and which to drop.

    A reminder or brief due before the meeting was even planned is noise (its notice has just gone), and
    so is a reminder overdue along with the notice; of several overdue reminders only the latest goes.
    The notice always goes (the job then checks the meeting has not started).
    """
    run: list[str] = []
    drop: list[str] = []
    reminders = [(step, at) for step, at in due if step.startswith("remind:")]
    with_notice = any(step == NOTICE for step, _ in due)
    latest = max(reminders, key=lambda item: item[1])[0] if reminders else None
    for step, at in due:
        if step != NOTICE and at <= created_at:
            drop.append(step)  # due before the meeting was planned: its notice has just gone
        elif step.startswith("remind:") and (with_notice or step != latest):
            drop.append(step)
        else:
            run.append(step)
    return run, drop


# --- words -------------------------------------------------------------------------------------------

_OFFSET = re.compile(r"^(\d{1,3})\s*([dhm])$")
_UNITS = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}
_VI_UNITS = {
    "ngay": "d",
    "ngày": "d",
    "n": "d",
    "gio": "h",
    "giờ": "h",
    "g": "h",
    "phut": "m",
    "phút": "m",
    "p": "m",
}


def _number(text: str) -> bool:
    """Plain digits 0-9 (str.isdigit also takes "²", which int() refuses)."""
    return text.isascii() and text.isdigit()


def offset_label(offset: timedelta) -> str:
    """3d, 2h or 90m: the largest whole unit."""
    minutes = int(offset.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


def parse_offset(word: str) -> timedelta:
    """'3d', '2h', '30m' (also '3 ngày', '2g', '30p') as a positive duration."""
    text = unicodedata.normalize("NFC", word).strip().lower()
    for vi, unit in _VI_UNITS.items():
        if text.endswith(vi) and _number(text[: -len(vi)].strip()):
            text = text[: -len(vi)].strip() + unit
            break
    match = _OFFSET.match(text)
    if match is None or int(match.group(1)) == 0:
        raise UserError(
            N_(
                "'%(word)s' is not a length of time. Write a number and d, h or m, for example 3d, 2h or 30m."
            ),
            word=word[:20],
        )
    return int(match.group(1)) * _UNITS[match.group(2)]


def parse_time(word: str) -> time:
    """'19:30' or '19h30' or '19h' as a time of day."""
    match = re.fullmatch(r"(\d{1,2})\s*[:hg.]\s*(\d{2})?", word.strip().lower())
    if match is not None:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise UserError(
        N_("'%(word)s' is not a time of day. Write it as HH:MM, from 00:00 to 23:59, for example 19:30."),
        word=word[:20],
    )


def parse_weekday(word: str) -> int:
    """mon … sun, or t2 … t7 and cn, as 0 (Monday) … 6."""
    text = (
        unicodedata.normalize("NFC", word)
        .strip()
        .lower()
        .replace("thứ", "t")
        .replace("thu", "t")
        .replace(" ", "")
    )
    for names in (WEEKDAYS, WEEKDAYS_VI):
        if text in names:
            return names.index(text)
    if word.strip().lower() in WEEKDAYS:  # "thu" itself is Thursday
        return WEEKDAYS.index(word.strip().lower())
    raise UserError(
        N_("'%(word)s' is not a day of the week. Use mon, tue, wed, thu, fri, sat or sun (or t2 … t7, cn)."),
        word=word[:20],
    )


def _nth(word: str) -> int:
    text = word.strip().lower()
    if text in ("last", "cuoi", "cuối"):
        return LAST
    if _number(text) and 1 <= int(text) <= 4:
        return int(text)
    raise UserError(
        N_("'%(word)s' is not a week of the month. Use 1, 2, 3, 4 or last (the last one in the month)."),
        word=word[:20],
    )


def _day(word: str) -> int:
    text = word.strip().lower()
    if _number(text) and 1 <= int(text) <= 31:
        return int(text)
    raise UserError(
        N_("'%(word)s' is not a day of the month. Use a day from 1 to 31, or last for the month's last day."),
        word=word[:20],
    )


def _date(word: str) -> date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(word.strip(), pattern).date()  # noqa: DTZ007 (a date, no time)
        except ValueError:
            continue
    raise UserError(
        N_("'%(word)s' is not a date. Write it as DD/MM/YYYY, for example 07/12/2026."), word=word[:20]
    )


# Words a change starts with (English, then Vietnamese without and with tones).
_KINDS = {
    "monthly": "monthly",
    "thang": "monthly",
    "tháng": "monthly",
    "weekday": "weekday",
    "thu": "weekday",
    "thứ": "weekday",
    "weeks": "weeks",
    "tuan": "weeks",
    "tuần": "weeks",
    "remind": "remind",
    "nhac": "remind",
    "nhắc": "remind",
    "notice": "notice",
    "bao": "notice",
    "báo": "notice",
    "inherit": "inherit",  # a cell gives up its own rule and follows its unit's default again
    "macdinh": "inherit",
    "length": "length",
    "dai": "length",
    "dài": "length",
}


def keyword(word: str) -> str | None:
    """What a change's first word names (monthly, weekday, weeks, remind, notice, length), if anything."""
    return _KINDS.get(unicodedata.normalize("NFC", word).strip().lower())


USAGE = N_(
    "Write one of:\n"
    "monthly 5 19:30 — on the 5th of each month (monthly last 19:30: the last day)\n"
    "weekday 1 mon 19:30 — on the first Monday (weekday last fri 19:30: the last Friday)\n"
    "weeks 2 mon 19:30 from 07/12/2026 — every 2 weeks on Monday\n"
    "remind 3d 1d 2h — reminders before the meeting\n"
    "notice 14d — when the notice goes out\n"
    "length 2h — how long the meeting lasts"
)


def parse_change(words: Sequence[str], rule: Rule, today: date) -> Rule:
    """The rule after a typed change such as `monthly 5 19:30`, `weekday 1 mon 19:30`,
    `weeks 2 mon 19:30 from 07/12/2026`, `remind 3d 1d 2h`, `notice 14d` or `length 2h`.

    Raises a UserError saying exactly what is wrong; the rule handed in is never changed."""
    if not words:
        raise UserError(USAGE)
    words = [unicodedata.normalize("NFC", word) for word in words]  # accents typed as separate marks
    kind, rest = keyword(words[0]), list(words[1:])
    if kind is None:
        raise UserError(USAGE)
    if kind == "monthly" and len(rest) == 2:
        if rest[0].strip().lower() in ("last", "cuoi", "cuối"):
            changed = replace(rule, rhythm=Rhythm.LAST_DAY, day=None, at=parse_time(rest[1]))
        else:
            changed = replace(rule, rhythm=Rhythm.DAY, day=_day(rest[0]), at=parse_time(rest[1]))
        return _month_based(changed)
    if kind == "weekday" and len(rest) == 3:
        changed = replace(
            rule,
            rhythm=Rhythm.WEEKDAY,
            nth=_nth(rest[0]),
            weekday=parse_weekday(rest[1]),
            at=parse_time(rest[2]),
        )
        return _month_based(changed)
    if kind == "weeks" and len(rest) in (3, 5):
        if not _number(rest[0]) or not 1 <= int(rest[0]) <= MAX_WEEKS:
            raise UserError(N_("Meet every 1 to %(most)s weeks."), most=MAX_WEEKS)
        weekday = parse_weekday(rest[1])
        if len(rest) == 5:
            if rest[3].strip().lower() not in ("from", "tu", "từ"):
                raise UserError(USAGE)
            anchor = _date(rest[4])
            if anchor.weekday() != weekday:
                raise UserError(
                    N_("%(date)s is not a %(weekday)s. Give a first date on the meeting's weekday."),
                    date=anchor.strftime("%d/%m/%Y"),
                    weekday=WEEKDAYS[weekday],
                )
        else:
            anchor = today + timedelta(days=(weekday - today.weekday()) % 7)
        return replace(
            rule,
            rhythm=Rhythm.WEEKS,
            weeks=int(rest[0]),
            weekday=weekday,
            anchor=anchor,
            at=parse_time(rest[2]),
            day=None,
            nth=None,
        )
    if kind == "remind" and rest:
        if len(rest) == 1 and rest[0].strip().lower() in ("none", "off", "khong", "không"):
            return replace(rule, reminders=())
        offsets = sorted({parse_offset(word) for word in rest}, reverse=True)
        if len(offsets) > MAX_REMINDERS:
            raise UserError(N_("At most %(most)s reminders, please."), most=MAX_REMINDERS)
        return check(replace(rule, reminders=tuple(offsets)))
    if kind == "notice" and len(rest) == 1:
        return check(replace(rule, notice=parse_offset(rest[0])))
    if kind == "length" and len(rest) == 1:
        return check(replace(rule, length=parse_offset(rest[0])))
    raise UserError(USAGE)


def _month_based(rule: Rule) -> Rule:
    """A month-based rule, cleared of what only other rhythms use."""
    if rule.rhythm is Rhythm.WEEKDAY:
        return check(replace(rule, day=None, weeks=None, anchor=None))
    return check(replace(rule, nth=None, weekday=None, weeks=None, anchor=None))


def check(rule: Rule) -> Rule:
    """The rule, if its figures fit together; otherwise a UserError saying which do not."""
    if rule.notice > MAX_NOTICE:
        raise UserError(
            N_("The notice can go out at most %(days)s days before the meeting."), days=MAX_NOTICE.days
        )
    for offset in rule.reminders:
        if offset >= rule.notice:
            raise UserError(
                N_(
                    "A reminder %(offset)s before the meeting would come before the notice (%(notice)s "
                    "before). Choose a shorter reminder or a longer notice."
                ),
                offset=offset_label(offset),
                notice=offset_label(rule.notice),
            )
    if not MIN_LENGTH <= rule.length <= MAX_LENGTH:
        raise UserError(N_("A meeting lasts from 30 minutes to 8 hours."))
    return rule


def describe(rule: Rule, gettext: Callable[[str], str]) -> str:
    """The rhythm in the reader's language: "monthly on day 5 at 19:30"."""
    at = rule.at.strftime("%H:%M")
    weekday = gettext(WEEKDAY_NAMES[rule.weekday]) if rule.weekday is not None else ""
    if rule.rhythm is Rhythm.DAY:
        return gettext(N_("monthly on day %(day)s at %(at)s")) % {"day": rule.day, "at": at}
    if rule.rhythm is Rhythm.LAST_DAY:
        return gettext(N_("monthly on the last day at %(at)s")) % {"at": at}
    if rule.rhythm is Rhythm.WEEKDAY:
        if rule.nth == LAST:
            return gettext(N_("monthly on the last %(weekday)s at %(at)s")) % {"weekday": weekday, "at": at}
        text = N_("monthly on %(weekday)s no. %(nth)s at %(at)s")
        return gettext(text) % {"weekday": weekday, "nth": rule.nth, "at": at}
    assert rule.anchor is not None
    if rule.weeks == 1:
        text = N_("weekly on %(weekday)s at %(at)s, from %(anchor)s")
    else:
        text = N_("every %(weeks)s weeks on %(weekday)s at %(at)s, from %(anchor)s")
    return gettext(text) % {
        "weeks": rule.weeks,
        "weekday": weekday,
        "at": at,
        "anchor": rule.anchor.strftime("%d/%m/%Y"),
    }


WEEKDAY_NAMES = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)


def offsets_label(offsets: Sequence[timedelta]) -> str:
    """'3d, 1d, 2h', or a dash when there are none."""
    return ", ".join(offset_label(offset) for offset in offsets) or "—"

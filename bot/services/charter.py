"""The charter's count (domain.md §2): per person and calendar year, the months with an unexcused
absence from the regular meeting of their primary membership or unpaid dues, told to the secretary
privately at the first threshold and flagged for the cell's consideration at the second."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import N_
from bot.meetings.rules import (
    Attendance as Final,
)
from bot.meetings.rules import (
    CharterCount,
    DuesMonth,
    Kind,
    RegularMeetingOutcome,
    Rules,
    State,
    add_months,
    charter_count,
    month_of,
)
from bot.services.delivery import queue, recipients_of
from bot.services.meetings import names_of
from storage import repo
from storage.models import Attendance, DuesPayment, Exemption, Meeting, Membership, Person
from storage.vocabulary import OfficerRole

PURPOSE = "charter"
WARN = N_(
    "Private: %(name)s has %(count)s months in %(year)s with an unexcused absence from the regular "
    "meeting or unpaid party dues (%(months)s)."
)
FLAG = N_(
    "Private: %(name)s has reached %(count)s months in %(year)s with an unexcused absence or unpaid "
    "party dues (%(months)s). Under the charter the cell should consider the case (removal rule)."
)
REGULAR_KINDS = [Kind.REGULAR.value, Kind.REGULAR_THEMATIC.value]


async def tracked_months(session: AsyncSession, cell_id: int, year: int) -> set[date]:
    """The months of the year in which the cell recorded the party dues of one of its members as paid."""
    query = (
        select(col(DuesPayment.month), col(Membership.valid_from), col(Membership.valid_to))
        .join(Membership, col(Membership.person_id) == col(DuesPayment.person_id))
        .where(
            Membership.cell_id == cell_id,
            Membership.kind == "primary",
            col(DuesPayment.paid_on).is_not(None),
            col(DuesPayment.month) >= date(year, 1, 1),
            col(DuesPayment.month) <= date(year, 12, 1),
        )
    )
    return {
        month
        for month, valid_from, valid_to in (await session.exec(query)).all()
        if month_of(valid_from) <= month and (valid_to is None or month <= valid_to)
    }


def _months_between(start: date, end: date) -> list[date]:
    months, current = [], month_of(start)
    while current <= end:
        months.append(current)
        current = add_months(current, 1)
    return months


async def count(
    *, session: AsyncSession, person_id: int, year: int, today: date, rules: Rules
) -> CharterCount:
    """The person's charter count for the year, across every membership they held."""
    return (await counts(session=session, person_ids=[person_id], year=year, today=today, rules=rules))[
        person_id
    ]


async def counts(
    *, session: AsyncSession, person_ids: Sequence[int], year: int, today: date, rules: Rules
) -> dict[int, CharterCount]:
    """The charter count of each person for the year, across every membership they held.

    Each kind of fact is read once for all of them (a roll call asks for a whole cell), not per person.
    """
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    year_start, year_end = date(year, 1, 1), date(year, 12, 31)
    meetings: dict[int, list[RegularMeetingOutcome]] = defaultdict(list)
    query = (
        select(
            col(Attendance.person_id), col(Attendance.final), col(Attendance.primary_tie), col(Meeting.month)
        )
        .join(Meeting, col(Meeting.id) == col(Attendance.meeting_id))
        .where(
            col(Attendance.person_id).in_(ids),
            col(Meeting.kind).in_(REGULAR_KINDS),
            col(Meeting.month) >= year_start,
            col(Meeting.month) <= year_end,
            col(Meeting.cancelled_at).is_(None),
            col(Meeting.roll_call_confirmed).is_(True),
            col(Attendance.final).is_not(None),
        )
    )
    for person_id, final, primary, month in (await session.exec(query)).all():
        meetings[person_id].append(
            RegularMeetingOutcome(month, Final(str(final)), primary=primary, state=State.CLOSED)
        )
    # Dues are owed for each month of the year with a primary membership, up to this month, in which the
    # cell kept its dues in the bot (someone's dues that month were ticked): a cell that keeps its dues
    # book on paper must not see every member flagged.
    ties = (
        await session.exec(
            select(Membership).where(col(Membership.person_id).in_(ids), Membership.kind == "primary")
        )
    ).all()
    this_month = month_of(today)
    tracked: dict[int, set[date]] = {}
    owed: dict[int, set[date]] = defaultdict(set)
    for tie in ties:
        start = max(tie.valid_from, year_start)
        end = min(tie.valid_to or this_month, this_month, date(year, 12, 1))
        if start <= end:
            if tie.cell_id not in tracked:
                tracked[tie.cell_id] = await tracked_months(session, tie.cell_id, year)
            owed[tie.person_id] |= set(_months_between(start, end)) & tracked[tie.cell_id]
    paid: dict[int, dict[date, date | None]] = defaultdict(dict)
    dues_query = select(col(DuesPayment.person_id), col(DuesPayment.month), col(DuesPayment.paid_on)).where(
        col(DuesPayment.person_id).in_(ids),
        col(DuesPayment.month) >= year_start,
        col(DuesPayment.month) <= year_end,
    )
    for person_id, month, paid_on in (await session.exec(dues_query)).all():
        paid[person_id][month] = paid_on
    exempt: dict[int, set[date]] = defaultdict(set)
    for period in (await session.exec(select(Exemption).where(col(Exemption.person_id).in_(ids)))).all():
        exempt[period.person_id] |= set(_months_between(period.valid_from, period.valid_to or year_end))
    return {
        person_id: charter_count(
            year=year,
            meetings=meetings[person_id],
            dues=[DuesMonth(month, paid[person_id].get(month)) for month in sorted(owed[person_id])],
            exempt_months=exempt[person_id],
            today=today,
            rules=rules,
        )
        for person_id in ids
    }


async def check(
    *, session: AsyncSession, person: Person, cell_id: int, today: date, now: datetime, rules: Rules
) -> CharterCount:
    """Count the person's months this year and tell the cell's secretary once per level reached."""
    assert person.id is not None
    result = await count(session=session, person_id=person.id, year=today.year, today=today, rules=rules)
    await _tell(
        session=session,
        person_id=person.id,
        name=person.full_name,
        result=result,
        cell_id=cell_id,
        today=today,
        now=now,
        rules=rules,
    )
    return result


async def _tell(
    *,
    session: AsyncSession,
    person_id: int,
    name: str,
    result: CharterCount,
    cell_id: int,
    today: date,
    now: datetime,
    rules: Rules,
) -> None:
    """Tell the cell's secretary, once per level and year, that the person reached it."""
    level = result.level(rules)
    if level is None:
        return
    secretaries = [
        r.person_id
        for r in await repo.role_holders(
            session=session, role=OfficerRole.SECRETARY, day=today, cell_id=cell_id
        )
    ]
    await queue(
        session=session,
        purpose=PURPOSE,
        subject=f"person:{person_id}:{today.year}",
        occurrence=level,  # once per level and year: the outbox key makes it idempotent
        recipients=await recipients_of(session, secretaries),
        message_key=FLAG if level == "flag" else WARN,
        params={
            "name": name,
            "count": str(len(result.months)),
            "year": str(today.year),
            "months": ", ".join(m.strftime("%m/%Y") for m in result.months),
        },
        now=now,
    )


async def check_meeting(
    *,
    session: AsyncSession,
    rows: Sequence[Attendance],
    cell_id: int,
    today: date,
    now: datetime,
    rules: Rules,
) -> None:
    """After a roll call is final: check the charter count of each member it concerns."""
    concerned = [row.person_id for row in rows if row.primary_tie and not row.exempt]
    results = await counts(session=session, person_ids=concerned, year=today.year, today=today, rules=rules)
    names = await names_of(session, concerned)
    for person_id in concerned:
        if person_id in names:
            await _tell(
                session=session,
                person_id=person_id,
                name=names[person_id],
                result=results[person_id],
                cell_id=cell_id,
                today=today,
                now=now,
                rules=rules,
            )

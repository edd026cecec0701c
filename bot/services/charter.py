"""The charter's count (domain.md §2): per person and calendar year, the months with an unexcused
absence from the regular meeting of their primary membership or unpaid dues, told to the secretary
privately at the first threshold and flagged for the cell's consideration at the second."""

from __future__ import annotations

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
from bot.services.dues import history
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
    query = (
        select(Attendance, Meeting)
        .join(Meeting, col(Meeting.id) == col(Attendance.meeting_id))
        .where(
            Attendance.person_id == person_id,
            col(Meeting.kind).in_(REGULAR_KINDS),
            col(Attendance.final).is_not(None),
        )
    )
    meetings = []
    for row, meeting in (await session.exec(query)).all():
        if meeting.cancelled_at is not None or not meeting.roll_call_confirmed:
            continue
        meetings.append(
            RegularMeetingOutcome(
                meeting.month, Final(str(row.final)), primary=row.primary_tie, state=State.CLOSED
            )
        )
    # Dues are owed for each month of the year with a primary membership, up to this month, in which the
    # cell kept its dues in the bot (someone's dues that month were ticked): a cell that keeps its dues
    # book on paper must not see every member flagged.
    ties = (
        await session.exec(
            select(Membership).where(Membership.person_id == person_id, Membership.kind == "primary")
        )
    ).all()
    year_start, this_month = date(year, 1, 1), month_of(today)
    owed: set[date] = set()
    for tie in ties:
        start = max(tie.valid_from, year_start)
        end = min(tie.valid_to or this_month, this_month, date(year, 12, 1))
        if start <= end:
            owed |= set(_months_between(start, end)) & await tracked_months(session, tie.cell_id, year)
    paid = await history(session, person_id)
    dues = [DuesMonth(month, paid.get(month)) for month in sorted(owed)]
    exemptions = (await session.exec(select(Exemption).where(Exemption.person_id == person_id))).all()
    exempt: set[date] = set()
    for period in exemptions:
        exempt |= set(_months_between(period.valid_from, period.valid_to or date(year, 12, 31)))
    return charter_count(
        year=year, meetings=meetings, dues=dues, exempt_months=exempt, today=today, rules=rules
    )


async def check(
    *, session: AsyncSession, person: Person, cell_id: int, today: date, now: datetime, rules: Rules
) -> CharterCount:
    """Count the person's months this year and tell the cell's secretary once per level reached."""
    assert person.id is not None
    result = await count(session=session, person_id=person.id, year=today.year, today=today, rules=rules)
    level = result.level(rules)
    if level is None:
        return result
    secretaries = [
        r.person_id
        for r in await repo.role_holders(
            session=session, role=OfficerRole.SECRETARY, day=today, cell_id=cell_id
        )
    ]
    await queue(
        session=session,
        purpose=PURPOSE,
        subject=f"person:{person.id}:{today.year}",
        occurrence=level,  # once per level and year: the outbox key makes it idempotent
        recipients=await recipients_of(session, secretaries),
        message_key=FLAG if level == "flag" else WARN,
        params={
            "name": person.full_name,
            "count": str(len(result.months)),
            "year": str(today.year),
            "months": ", ".join(m.strftime("%m/%Y") for m in result.months),
        },
        now=now,
    )
    return result


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
    for row in rows:
        if row.primary_tie and not row.exempt:
            person = await session.get(Person, row.person_id)
            if person is not None:
                await check(
                    session=session, person=person, cell_id=cell_id, today=today, now=now, rules=rules
                )

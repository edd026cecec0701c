"""Households and the visits to them: who is responsible, visits written (and drafts that are not yet),
follow-ups, residents' requests, coverage per member, and the weekly reminder of overdue households.

The rules (what counts as covered or overdue, which days a visit may have) are bot.meetings.visits;
this module reads and writes the rows. A household's details, visits and requests are for its member,
the cell's secretaries and deputy, and the unit's organisers (bot.permissions.HOUSEHOLD_READERS); the
counts are for every officer.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import VisitsConfig
from bot.errors import UserError
from bot.i18n import N_
from bot.meetings import visits as rules
from bot.meetings.visits import Period, PeriodKind
from bot.names import name_key, sort_key
from bot.permissions import HOUSEHOLD_READERS, Role
from bot.services import delivery, records
from bot.services.audit import Actor, record_change
from bot.services.meetings import names_of
from bot.services.units import zone
from storage import repo
from storage.models import Cell, Household, HouseholdAssignment, Membership, Visit, VisitDraft, VisitNudge

NUDGE_PURPOSE = "visit_nudge"
NUDGE_TEXT = N_(
    "Reminder: %(count)s of your households have not been visited for a whole %(period)s:\n"
    "%(households)s\n"
    "Send /visit after you see them."
)
PERIOD_NAMES = {PeriodKind.MONTH: N_("month"), PeriodKind.QUARTER: N_("quarter")}
NOT_YOURS = N_("That household is not one of yours. Send /households to see yours.")
# The topics' names (keys of bot.meetings.visits.DEFAULT_TOPICS); any other topic is shown as written.
TOPIC_NAMES = {
    "housing": N_("housing"),
    "income": N_("income and poverty status"),
    "work": N_("work"),
    "schooling": N_("children's schooling"),
    "insurance": N_("health insurance"),
    "water": N_("clean water and sanitation"),
    "security": N_("security and order"),
    "policy": N_("policy explained"),
    "mediation": N_("mediation"),
}
EDITABLE = ("head_name", "address", "village", "people", "phone", "tags")


@dataclass(frozen=True)
class HouseholdRow:
    """A household as the lists show it: who has it, since when, its last visit and its marks."""

    household: Household
    person_id: int | None  # the member responsible on the day asked
    assigned_from: date | None
    last_visit: date | None
    covered: bool  # visited in the current period
    overdue: bool
    open_follow_ups: int

    @property
    def id(self) -> int:
        assert self.household.id is not None
        return self.household.id


def may_read(roles: set[Role], person_id: int | None, row: HouseholdRow | None = None) -> bool:
    """A household's details (names, address, visits, requests): its own member, or a reader by role."""
    return bool(roles & HOUSEHOLD_READERS) or (row is not None and row.person_id == person_id)


# ------------------------------------------------------------------------------------------- reading


async def households(
    session: AsyncSession,
    cell_id: int,
    *,
    day: date,
    kind: PeriodKind,
    person_id: int | None = None,
    ids: Sequence[int] | None = None,
) -> list[HouseholdRow]:
    """The cell's active households (only `person_id`'s, or only `ids`, when given), with their marks,
    ordered by member and then by the head's name."""
    query = _with_holder(
        select(Household, col(HouseholdAssignment.person_id), col(HouseholdAssignment.valid_from)),
        cell_id,
        day,
    )
    if person_id is not None:
        query = query.where(HouseholdAssignment.person_id == person_id)
    if ids is not None:
        query = query.where(col(Household.id).in_(list(ids)))
    found = list((await session.exec(query)).all())
    household_ids = [h.id for h, _, _ in found if h.id is not None]
    marks = await _marks(session, household_ids, day, kind)
    follow_ups = await _open_follow_up_counts(session, household_ids)
    rows = [
        HouseholdRow(
            household=household,
            person_id=person_id,
            assigned_from=assigned_from,
            last_visit=marks.last.get(household.id or 0),
            covered=marks.covered(household.id or 0),
            overdue=marks.overdue(household.id or 0, assigned_from),
            open_follow_ups=follow_ups.get(household.id or 0, 0),
        )
        for household, person_id, assigned_from in found
    ]
    names = await names_of(session, sorted({r.person_id for r in rows if r.person_id is not None}))
    return sorted(
        rows,
        key=lambda r: (
            r.person_id is not None,  # households nobody has come first: they need a member
            sort_key(names.get(r.person_id or 0, "")),
            sort_key(r.household.head_name),
        ),
    )


def _with_holder(query: Any, cell_id: int, day: date) -> Any:
    """The cell's active households, each with the member who has it on `day` (or none)."""
    return query.outerjoin(
        HouseholdAssignment,
        (col(HouseholdAssignment.household_id) == col(Household.id))
        & repo.active_on(HouseholdAssignment, day),
    ).where(Household.cell_id == cell_id, col(Household.active).is_(True))


@dataclass(frozen=True)
class _Marks:
    """What the visits say of some households on a day: the last visit, and which the period covers."""

    last: dict[int, date]
    visited: set[int]
    day: date
    kind: PeriodKind

    def covered(self, household_id: int) -> bool:
        return household_id in self.visited

    def overdue(self, household_id: int, assigned_from: date | None) -> bool:
        return assigned_from is not None and rules.overdue(
            assigned_from=assigned_from,
            last_visit=self.last.get(household_id),
            today=self.day,
            kind=self.kind,
        )


async def _marks(session: AsyncSession, household_ids: list[int], day: date, kind: PeriodKind) -> _Marks:
    last = await _last_visits(session, household_ids, day)
    return _Marks(last, await _visited_in(session, household_ids, rules.period_of(day, kind)), day, kind)


async def _last_visits(session: AsyncSession, household_ids: list[int], day: date) -> dict[int, date]:
    if not household_ids:
        return {}
    query = (
        select(Visit.household_id, func.max(Visit.visited_on))
        .where(col(Visit.household_id).in_(household_ids), Visit.visited_on <= day)
        .group_by(col(Visit.household_id))
    )
    return {hid: last for hid, last in (await session.exec(query)).all()}


async def _visited_in(session: AsyncSession, household_ids: list[int], period: Period) -> set[int]:
    if not household_ids:
        return set()
    query = select(Visit.household_id).where(
        col(Visit.household_id).in_(household_ids),
        Visit.visited_on >= period.start,
        Visit.visited_on <= period.end,
    )
    return set((await session.exec(query)).all())


async def _open_follow_up_counts(session: AsyncSession, household_ids: list[int]) -> dict[int, int]:
    if not household_ids:
        return {}
    query = (
        select(Visit.household_id, func.count())
        .where(
            col(Visit.household_id).in_(household_ids),
            col(Visit.follow_up_due).is_not(None),
            col(Visit.follow_up_closed_at).is_(None),
        )
        .group_by(col(Visit.household_id))
    )
    return {hid: count for hid, count in (await session.exec(query)).all()}


async def household_row(
    session: AsyncSession, cell_id: int, household_id: int, *, day: date, kind: PeriodKind
) -> HouseholdRow:
    """One active household of the cell, or a polite refusal (another cell's, moved away, a typo)."""
    rows = await households(session, cell_id, day=day, kind=kind, ids=[household_id])
    if not rows:
        raise UserError(N_("There is no such household in this cell. Send /households to see the list."))
    return rows[0]


async def readable_row(
    session: AsyncSession,
    cell_id: int,
    household_id: int,
    *,
    day: date,
    kind: PeriodKind,
    person_id: int,
    roles: set[Role],
) -> HouseholdRow:
    """A household this person may see in full: theirs, or any of the cell for a reader by role."""
    row = await household_row(session, cell_id, household_id, day=day, kind=kind)
    if not may_read(roles, person_id, row):
        raise UserError(NOT_YOURS)
    return row


async def mine(
    session: AsyncSession, cell_id: int, household_id: int, *, person_id: int, day: date, kind: PeriodKind
) -> HouseholdRow:
    """One of this member's households today (a visit is only ever written by its own member)."""
    row = await household_row(session, cell_id, household_id, day=day, kind=kind)
    if row.person_id != person_id:
        raise UserError(NOT_YOURS)
    return row


async def recent_visits(session: AsyncSession, household_id: int, limit: int = 3) -> list[Visit]:
    """The household's latest visits, newest first."""
    query = (
        select(Visit)
        .where(Visit.household_id == household_id)
        .order_by(col(Visit.visited_on).desc(), col(Visit.id).desc())
        .limit(limit)
    )
    return list((await session.exec(query)).all())


async def head_of(session: AsyncSession, household_id: int) -> str:
    """The head's name of a household (a draft's, a form's)."""
    household = await session.get(Household, household_id)
    return household.head_name if household else "?"


@dataclass(frozen=True)
class MemberCoverage:
    """One member's households in the current period: how many, covered, overdue."""

    person_id: int
    name: str
    households: int
    covered: int
    overdue: int


@dataclass(frozen=True)
class CellCoverage:
    """The cell's coverage this period: per member, and how many households nobody has."""

    members: list[MemberCoverage]
    nobody: int

    @property
    def households(self) -> int:
        return sum(c.households for c in self.members)

    @property
    def covered(self) -> int:
        return sum(c.covered for c in self.members)

    @property
    def overdue(self) -> int:
        return sum(c.overdue for c in self.members)


async def coverage_of(session: AsyncSession, cell_id: int, *, day: date, kind: PeriodKind) -> CellCoverage:
    """The cell's coverage on `day` per member (households nobody has are counted apart), from ids and
    days alone: the marks `households` gives, without loading every household (200 in a village)."""
    query = _with_holder(
        select(col(Household.id), col(HouseholdAssignment.person_id), col(HouseholdAssignment.valid_from)),
        cell_id,
        day,
    )
    found = list((await session.exec(query)).all())
    marks = await _marks(session, [hid for hid, _, _ in found if hid is not None], day, kind)
    by_person: dict[int, list[tuple[bool, bool]]] = defaultdict(list)
    for hid, person_id, assigned_from in found:
        if person_id is not None and hid is not None:
            by_person[person_id].append((marks.covered(hid), marks.overdue(hid, assigned_from)))
    names = await names_of(session, sorted(by_person))
    members = [
        MemberCoverage(
            person_id=pid,
            name=names.get(pid, "?"),
            households=len(own),
            covered=sum(c for c, _ in own),
            overdue=sum(o for _, o in own),
        )
        for pid, own in by_person.items()
    ]
    members.sort(key=lambda c: (sort_key(c.name), c.person_id))  # namesakes in a steady order
    return CellCoverage(members, sum(p is None for _, p, _ in found))


# ------------------------------------------------------------------------------------ households


async def reassign(
    *,
    session: AsyncSession,
    cell: Cell,
    household: Household,
    person_id: int,
    today: date,
    actor: Actor,
    now: datetime,
) -> bool:
    """Give a household to another member of the cell (audited); False when they already have it."""
    assert cell.id is not None and household.id is not None
    if not await _member_of(session, person_id, cell.id, today):
        raise UserError(N_("Choose a member of this cell."))
    before = await _holder(session, household.id, today)
    if not await repo.assign_household(
        session=session, household_id=household.id, person_id=person_id, on=today
    ):
        return False
    await record_change(
        session,
        actor=actor,
        now=now,
        action="household.assign",
        subject=f"household:{household.id}",
        before={"person": before},
        after={"person": person_id, "from": today.isoformat()},
    )
    return True


async def _holder(session: AsyncSession, household_id: int, day: date) -> int | None:
    query = select(HouseholdAssignment.person_id).where(
        HouseholdAssignment.household_id == household_id, repo.active_on(HouseholdAssignment, day)
    )
    return (await session.exec(query)).first()


async def _member_of(session: AsyncSession, person_id: int, cell_id: int, day: date) -> bool:
    query = select(Membership.id).where(
        Membership.person_id == person_id, Membership.cell_id == cell_id, repo.active_on(Membership, day)
    )
    return (await session.exec(query)).first() is not None


async def retire(
    *, session: AsyncSession, household: Household, today: date, actor: Actor, now: datetime
) -> None:
    """The household moved away: no longer assigned or counted; its visits stay (audited)."""
    assert household.id is not None
    before = await _holder(session, household.id, today)
    await repo.assign_household(session=session, household_id=household.id, person_id=None, on=today)
    household.active = False
    await session.flush()
    await record_change(
        session,
        actor=actor,
        now=now,
        action="household.retire",
        subject=f"household:{household.id}",
        before={"person": before, "active": True},
        after={"active": False},
    )


async def edit(
    *, session: AsyncSession, household: Household, field: str, value: str, actor: Actor, now: datetime
) -> None:
    """Change one detail of a household as typed (audited); a polite error for a value that cannot be."""
    if field not in EDITABLE:
        raise UserError(N_("Choose one of the details to change."))
    text = value.strip()
    new: Any
    if field == "people":
        if not text.isdecimal() or not 0 < int(text) <= 100:
            raise UserError(N_("Write the number of people as a whole number, for example 4."))
        new = int(text)
    elif field == "tags":
        new = [t.strip() for t in text.replace(";", ",").split(",") if t.strip()][:10]
        if any(len(t) > 50 for t in new):
            raise UserError(N_("Each status tag can have at most 50 characters."))
    else:
        limit = {"head_name": 200, "address": 300, "village": 200, "phone": 20}[field]
        if field in ("head_name", "address") and not text:
            raise UserError(N_("This detail cannot be empty."))
        if len(text) > limit:
            raise UserError(N_("That is too long: at most %(limit)s characters."), limit=limit)
        new = text or None
    before = getattr(household, field)
    if before == new:
        return
    if field in ("head_name", "address"):
        head = new if field == "head_name" else household.head_name
        address = new if field == "address" else household.address
        clash = (
            await session.exec(
                select(Household.id).where(
                    Household.cell_id == household.cell_id,
                    Household.head_key == name_key(head),
                    Household.address_key == name_key(address),
                    col(Household.id) != household.id,
                )
            )
        ).first()
        if clash is not None:
            raise UserError(N_("The cell already has a household with that head and address."))
        household.head_key, household.address_key = name_key(head), name_key(address)
    setattr(household, field, new)
    await session.flush()
    await record_change(
        session,
        actor=actor,
        now=now,
        action="household.edit",
        subject=f"household:{household.id}",
        before={field: before},
        after={field: new},
    )


# ---------------------------------------------------------------------------------------- drafts


async def draft_of(session: AsyncSession, person_id: int) -> VisitDraft | None:
    """The visit this member left unfinished, if any."""
    return (await session.exec(select(VisitDraft).where(VisitDraft.person_id == person_id))).first()


async def keep_draft(
    session: AsyncSession,
    *,
    person_id: int,
    household_id: int,
    step: str,
    data: dict[str, Any],
    now: datetime,
) -> VisitDraft:
    """Write down where the member is in the visit form (one draft per member, replaced)."""
    draft = await draft_of(session, person_id)
    if draft is None:
        draft = VisitDraft(
            person_id=person_id, household_id=household_id, step=step, data=data, updated_at=now
        )
        session.add(draft)
    else:
        draft.household_id, draft.step, draft.data, draft.updated_at = household_id, step, dict(data), now
    await session.flush()
    return draft


async def drop_draft(session: AsyncSession, person_id: int) -> None:
    """Throw the unfinished visit away."""
    draft = await draft_of(session, person_id)
    if draft is not None:
        await session.delete(draft)
        await session.flush()


# ---------------------------------------------------------------------------------------- visits


@dataclass(frozen=True)
class VisitForm:
    """What the member answered, ready to be written."""

    day: date
    met: str | None = None
    topics: tuple[str, ...] = ()
    notes: str | None = None
    request: str | None = None
    follow_up_due: date | None = None
    photo_file_id: str | None = None
    latitude: float | None = None
    longitude: float | None = None

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> VisitForm:
        """From the form's JSON (dates as ISO text)."""
        due = data.get("follow_up_due")
        return cls(
            day=date.fromisoformat(str(data["day"])),
            met=data.get("met") or None,
            topics=tuple(data.get("topics") or ()),
            notes=data.get("notes") or None,
            request=data.get("request") or None,
            follow_up_due=date.fromisoformat(str(due)) if due else None,
            photo_file_id=data.get("photo") or None,
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
        )


async def record_visit(
    *,
    session: AsyncSession,
    cell: Cell,
    person_id: int,
    household_id: int,
    form: VisitForm,
    today: date,
    kind: PeriodKind,
    actor: Actor,
    now: datetime,
) -> Visit:
    """Write a visit: the household must still be this member's, and the day one they had it on. The
    member's draft goes once the visit is written."""
    assert cell.id is not None
    row = await mine(session, cell.id, household_id, person_id=person_id, day=today, kind=kind)
    assert row.assigned_from is not None
    rules.check_day(form.day, today=today, assigned_from=row.assigned_from)
    visit = Visit(
        household_id=household_id,
        cell_id=cell.id,
        person_id=person_id,
        visited_on=form.day,
        met=form.met,
        topics=list(form.topics),
        notes=form.notes,
        request=form.request,
        follow_up_due=form.follow_up_due,
        photo_file_id=form.photo_file_id,
        latitude=form.latitude,
        longitude=form.longitude,
        created_at=now,
    )
    session.add(visit)
    await session.flush()
    await drop_draft(session, person_id)
    await record_change(
        session,
        actor=actor,
        now=now,
        action="visit.add",
        subject=f"visit:{visit.id}",
        after={"household": household_id, "day": form.day.isoformat()},
    )
    return visit


@dataclass(frozen=True)
class FollowUp:
    """An open follow-up from a visit, or a resident's request, with whom it concerns."""

    visit: Visit
    household: Household
    visitor: str


async def follow_ups(
    session: AsyncSession, cell_id: int, *, person_id: int | None = None, ids: Sequence[int] | None = None
) -> list[FollowUp]:
    """Open follow-ups of the cell (or of one member's households), soonest due first."""
    query = (
        select(Visit, Household)
        .join(Household, col(Household.id) == col(Visit.household_id))
        .where(
            Visit.cell_id == cell_id,
            col(Visit.follow_up_due).is_not(None),
            col(Visit.follow_up_closed_at).is_(None),
        )
        .order_by(col(Visit.follow_up_due), col(Visit.id))
    )
    if ids is not None:
        query = query.where(col(Visit.id).in_(list(ids)))
    pairs = list((await session.exec(query)).all())
    if person_id is not None:  # what they wrote, and what came with households they have now
        held = await _held_by(session, person_id)
        pairs = [(v, h) for v, h in pairs if v.person_id == person_id or h.id in held]
    names = await names_of(session, sorted({v.person_id for v, _ in pairs}))
    return [FollowUp(v, h, names.get(v.person_id, "?")) for v, h in pairs]


async def _held_by(session: AsyncSession, person_id: int) -> set[int]:
    query = select(HouseholdAssignment.household_id).where(
        HouseholdAssignment.person_id == person_id, col(HouseholdAssignment.valid_to).is_(None)
    )
    return set((await session.exec(query)).all())


async def close_follow_up(
    *,
    session: AsyncSession,
    cell: Cell,
    visit_id: int,
    person_id: int,
    roles: set[Role],
    note: str,
    actor: Actor,
    now: datetime,
) -> FollowUp:
    """Close an open follow-up: by its visitor, the household's member now, or a reader by role."""
    assert cell.id is not None
    found = await follow_ups(session, cell.id, ids=[visit_id])
    if not found:
        raise UserError(N_("That follow-up is closed already, or is not in this cell."))
    item = found[0]
    if not (roles & HOUSEHOLD_READERS) and item.visit.person_id != person_id:
        if item.household.id not in await _held_by(session, person_id):
            raise UserError(NOT_YOURS)
    item.visit.follow_up_closed_at = now
    item.visit.follow_up_closed_by_person_id = person_id
    item.visit.follow_up_note = note.strip()[:500] or None
    await session.flush()
    await record_change(
        session,
        actor=actor,
        now=now,
        action="visit.follow_up_closed",
        subject=f"visit:{visit_id}",
        after={"note": item.visit.follow_up_note},
    )
    return item


@dataclass(frozen=True)
class Request:
    """A resident's request (kiến nghị) from a visit."""

    visited_on: date
    household: Household
    visitor: str
    text: str
    follow_up_due: date | None
    closed: bool


async def requests(session: AsyncSession, cell_id: int, *, since: date, until: date) -> list[Request]:
    """Residents' requests written on visits between two days (both included), oldest first."""
    query = (
        select(Visit, Household)
        .join(Household, col(Household.id) == col(Visit.household_id))
        .where(
            Visit.cell_id == cell_id,
            col(Visit.request).is_not(None),
            Visit.visited_on >= since,
            Visit.visited_on <= until,
        )
        .order_by(col(Visit.visited_on), col(Visit.id))
    )
    pairs = list((await session.exec(query)).all())
    names = await names_of(session, sorted({v.person_id for v, _ in pairs}))
    return [
        Request(
            v.visited_on,
            h,
            names.get(v.person_id, "?"),
            v.request or "",
            v.follow_up_due,
            v.follow_up_closed_at is not None,
        )
        for v, h in pairs
    ]


# ----------------------------------------------------------------------------------------- nudges


async def nudge_all(*, session: AsyncSession, now: datetime, default_tz: tzinfo, config: VisitsConfig) -> int:
    """The reminder job: in each open cell whose day has reached the configured hour, remind members of
    overdue households (each at most once a week). Safe to run every hour, late, or twice."""
    queued = 0
    for cell in await repo.list_cells(session=session):
        if cell.closed_at is not None:
            continue
        tz = zone(cell.timezone) or default_tz
        if now.astimezone(tz).hour < config.nudge_hour:
            continue
        queued += await nudge_overdue(
            session=session,
            cell=cell,
            now=now,
            tz=tz,
            kind=config.period_kind,
            every=timedelta(days=config.nudge_every_days),
        )
    return queued


async def nudge_overdue(
    *, session: AsyncSession, cell: Cell, now: datetime, tz: tzinfo, kind: PeriodKind, every: timedelta
) -> int:
    """Remind each member of the cell with overdue households, at most once a week each (queued through
    the outbox, in their language). Members exempt from party work are left alone. Returns how many."""
    assert cell.id is not None
    today = now.astimezone(tz).date()
    rows = await households(session, cell.id, day=today, kind=kind)
    overdue: dict[int, list[HouseholdRow]] = defaultdict(list)
    for row in rows:
        if row.overdue and row.person_id is not None:
            overdue[row.person_id].append(row)
    exempt = await records.exempt_among(session, list(overdue), today)
    queued = 0
    for person_id, own in overdue.items():
        if person_id in exempt:
            continue
        nudge = await session.get(VisitNudge, person_id)
        if not rules.nudge_due(last_sent=nudge.sent_at if nudge else None, now=now, every=every):
            continue
        queued += await delivery.queue(
            session=session,
            purpose=NUDGE_PURPOSE,
            subject=f"person:{person_id}",
            occurrence=now.isoformat(),
            recipients=await delivery.recipients_of(session, [person_id]),
            now=now,
            message_key=NUDGE_TEXT,
            params={
                "count": str(len(own)),
                "period": {"msgid": PERIOD_NAMES[kind]},
                "households": [f"• {r.household.head_name}, {r.household.address}" for r in own],
            },
        )
        if nudge is None:
            session.add(VisitNudge(person_id=person_id, sent_at=now))
        else:
            nudge.sent_at = now
    await session.flush()
    return queued


REQUEST_COLUMNS = (
    N_("Day"),
    N_("Head of household"),
    N_("Address"),
    N_("Village or group"),
    N_("Member"),
    N_("Request"),
    N_("Follow up by"),
    N_("Closed"),
)


def requests_xlsx(
    found: Sequence[Request], *, cell: Cell, since: date, until: date, gettext: Callable[[str], str]
) -> bytes:
    """The residents' requests as an Excel sheet: a title row, a frozen header, columns that fit."""
    from openpyxl import Workbook  # only here: it takes a while to import
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = gettext(N_("Requests"))[:31]
    sheet.append(
        [
            gettext(N_("Residents' requests: %(cell)s, %(since)s – %(until)s"))
            % {"cell": cell.name, "since": f"{since:%d/%m/%Y}", "until": f"{until:%d/%m/%Y}"}
        ]
    )
    sheet.append([gettext(title) for title in REQUEST_COLUMNS])
    for cell_ in sheet[2]:
        cell_.font = Font(bold=True)
    yes, no = gettext(N_("yes")), gettext(N_("no"))
    for item in found:
        sheet.append(
            [
                item.visited_on.strftime("%d/%m/%Y"),
                item.household.head_name,
                item.household.address,
                item.household.village or "",
                item.visitor,
                item.text,
                item.follow_up_due.strftime("%d/%m/%Y") if item.follow_up_due else "",
                (yes if item.closed else no) if item.follow_up_due else "",
            ]
        )
    sheet.freeze_panes = "A3"
    widths = [12, 24, 28, 18, 24, 60, 14, 10]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[chr(64 + index)].width = width
    for row in sheet.iter_rows(min_row=3, min_col=6, max_col=6):
        for value in row:
            value.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

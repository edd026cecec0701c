"""Import a cell's members and households from a spreadsheet, all or nothing.

Rows are applied inside the caller's transaction while errors are collected; if any row is wrong
the caller's transaction rolls back (ImportRejected), so a file with one bad row imports nothing.
Re-importing the same file finds every row unchanged and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import UserError
from bot.i18n import N_
from bot.names import name_key
from bot.services import audit, people, records, roles
from bot.services.imports.reading import (
    NOT_IN_CELL,
    Candidate,
    HouseholdRow,
    MemberRow,
    Notice,
    RowError,
    Table,
    parse_households,
    parse_members,
    read_table,
    resolve_households,
)
from storage import repo
from storage.models import Cell, Household, HouseholdAssignment, Membership, Person

Problem = RowError | Notice

# More rows than this naming people who are not in the cell are one summary, not a line each.
SUMMARY_AFTER = 5


class ImportRejected(Exception):
    """The file had bad rows; nothing was imported."""

    def __init__(self, errors: list[Problem]) -> None:
        super().__init__(f"{len(errors)} bad rows")
        self.errors = errors


@dataclass
class ImportReport:
    """What an import did, and what the organiser should check (rendered with gettext)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    notes: list[Problem] = field(default_factory=list)


def _sheet_note(table: Table) -> list[Problem]:
    if table.sheet is None:
        return []
    return [
        Notice(
            N_("The first sheets are empty; the rows were read from the sheet %(sheet)s."),
            {"sheet": table.sheet},
        )
    ]


async def _find_person(session: AsyncSession, row: MemberRow, cell: Cell) -> Person | None:
    if row.card_number:
        found = (await session.exec(select(Person).where(Person.card_number == row.card_number))).first()
        if found is not None:
            return found
    query = select(Person).where(
        Person.name_key == name_key(row.full_name), Person.birth_date == row.birth_date
    )
    for person in (await session.exec(query)).all():
        # Without a card, name and birth date identify a person; a card on both sides that differs does not.
        if not (person.card_number and row.card_number and person.card_number != row.card_number):
            return person
    return None


async def _namesakes(session: AsyncSession, row: MemberRow) -> list[Person]:
    """People already recorded with the row's name and birth date (the row's card differs from theirs)."""
    if row.birth_date is None:
        return []
    query = select(Person).where(
        Person.name_key == name_key(row.full_name), Person.birth_date == row.birth_date
    )
    return list((await session.exec(query)).all())


async def import_members(
    *, session: AsyncSession, path: Path, cell: Cell, today: date, now: datetime, actor: audit.Actor
) -> ImportReport:
    """Create or update the cell's members from a file; raise ImportRejected on any bad row."""
    table = read_table(path, "members")
    rows, errors = parse_members(table, today=today)
    report = ImportReport(notes=_sheet_note(table))
    assert cell.id is not None
    card_column = table.label("so_the_dang")
    for row in rows:
        if row.card_as_number is not None:
            report.notes.append(
                RowError(
                    row.row,
                    card_column,
                    N_("the spreadsheet stored the card as the number %(number)s; it was read as %(card)s"),
                    {"number": row.card_as_number, "card": row.card_number or ""},
                )
            )
        person = await _find_person(session, row, cell)
        changed = created = False
        if person is None:
            created = True
            namesakes = await _namesakes(session, row)
            # What the file says holds on the day of the import; when it started is unknown.
            person = await people.add_person(
                session=session,
                full_name=row.full_name,
                cell=cell,
                actor=actor,
                now=now,
                today=today,
                card_number=row.card_number,
                birth_date=row.birth_date,
                status=row.status,
                phone=row.phone,
                start_known=False,
            )
            report.notes.extend(
                RowError(
                    row.row,
                    table.label("ho_ten"),
                    N_(
                        "%(name)s, born %(born)s, was added as a new person with card %(card)s, but card "
                        "%(other)s has the same name and birth date; check they are two people"
                    ),
                    {
                        "name": row.full_name,
                        "born": row.birth_date.strftime("%d/%m/%Y") if row.birth_date else "",
                        "card": row.card_number or "-",
                        "other": other.card_number or "-",
                    },
                )
                for other in namesakes
            )
        else:
            assert person.id is not None
            memberships = await repo.active_memberships(session=session, person_id=person.id, day=today)
            primary = next((m for m in memberships if m.kind == "primary"), None)
            if primary is not None and primary.cell_id != cell.id:
                other = await session.get(Cell, primary.cell_id)
                errors.append(
                    RowError(
                        row.row,
                        table.label("ho_ten"),
                        N_("%(name)s is a member of %(cell)s; move them before importing here"),
                        {"name": person.full_name, "cell": other.name if other else "?"},
                    )
                )
                continue
            before = {"full_name": person.full_name, "phone": person.phone, "card_number": person.card_number}
            for attr, value in (
                ("full_name", row.full_name),
                ("phone", row.phone),
                ("card_number", row.card_number),
                ("birth_date", row.birth_date),
            ):
                if value is not None and getattr(person, attr) != value:
                    setattr(person, attr, value)
                    changed = True
            person.name_key = name_key(person.full_name)
            if primary is None:
                session.add(
                    Membership(
                        person_id=person.id,
                        cell_id=cell.id,
                        kind="primary",
                        valid_from=today,
                        start_known=False,
                    )
                )
                changed = True
            if await records.status_on(session, person.id, today) != row.status:
                await records.set_status(
                    session=session,
                    person=person,
                    status=row.status,
                    valid_from=today,
                    actor=actor,
                    now=now,
                    start_known=False,
                )
                changed = True
            if changed:
                await session.flush()
                await audit.record_change(
                    session,
                    actor=actor,
                    now=now,
                    action="person.update",
                    subject=f"person:{person.id}",
                    before=before,
                    after={
                        "full_name": person.full_name,
                        "phone": person.phone,
                        "card_number": person.card_number,
                    },
                )
        changed |= await _ensure_role(
            session, person, row, cell, table.label("chuc_vu"), errors, today=today, now=now, actor=actor
        )
        if row.exempt_since is not None:
            assert person.id is not None
            if await records.exempt_on(session, person.id, today) is None:
                await records.exempt(
                    session=session,
                    person=person,
                    valid_from=row.exempt_since,
                    valid_to=None,
                    reason="import",
                    actor=actor,
                    now=now,
                )
                changed = True
        if created:
            report.created += 1
        elif changed:
            report.updated += 1
        else:
            report.unchanged += 1
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e.row))
    return report


async def _ensure_role(
    session: AsyncSession,
    person: Person,
    row: MemberRow,
    cell: Cell,
    column: str,
    errors: list[RowError],
    *,
    today: date,
    now: datetime,
    actor: audit.Actor,
) -> bool:
    """Make the person's officer role in this cell what the file says; True when something changed."""
    assert person.id is not None and cell.id is not None
    current = [
        a
        for a in await repo.active_roles(session=session, person_id=person.id, day=today)
        if a.cell_id == cell.id
    ]
    wanted = None if row.role == "member" else row.role
    if [a.role for a in current] == ([wanted] if wanted else []):
        return False
    for assignment in current:
        if assignment.role != wanted:
            await roles.revoke_role(
                session=session,
                person=person,
                role=assignment.role,
                cell=cell,
                actor=actor,
                now=now,
                today=today,
            )
    if wanted and not any(a.role == wanted for a in current):
        try:  # the office's rules (one secretary at a time ...) are grant_role's, here as in chat
            await roles.grant_role(
                session=session, person=person, role=wanted, cell=cell, actor=actor, now=now, today=today
            )
        except UserError as refused:
            errors.append(RowError(row.row, column, refused.message, refused.params))
            return False
    return True


async def import_households(
    *, session: AsyncSession, path: Path, cell: Cell, today: date, now: datetime, actor: audit.Actor
) -> ImportReport:
    """Create or update the cell's households and who is responsible for each, keeping assignment history."""
    table = read_table(path, "households")
    rows, row_errors = parse_households(table)
    assert cell.id is not None
    members = await repo.cell_members(session=session, cell_id=cell.id, day=today)
    candidates = [Candidate(p.id, p.full_name, p.card_number) for p, _ in members if p.id is not None]
    assigned, resolve_errors = resolve_households(rows, candidates, table)
    errors: list[Problem] = [
        *row_errors,
        *_summarise_strangers(resolve_errors, table, members_known=bool(members)),
    ]
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e.row))
    report = ImportReport(notes=_sheet_note(table))
    for row in rows:
        created, changed = await _upsert_household(
            session, row, cell, assigned.get(row.row), today=today, now=now
        )
        report.created += created
        report.updated += changed and not created
        report.unchanged += not (created or changed)
    if report.created or report.updated:
        await audit.record_change(
            session,
            actor=actor,
            now=now,
            action="household.import",
            subject=f"cell:{cell.id}",
            after={"created": report.created, "updated": report.updated},
        )
    return report


def _summarise_strangers(errors: list[RowError], table: Table, *, members_known: bool) -> list[Problem]:
    """Rows naming people who are not in the cell: one line for many (households imported before members)."""
    strangers = [e for e in errors if e.reason == NOT_IN_CELL]
    if len(strangers) <= SUMMARY_AFTER:
        return list(errors)
    rows = ", ".join(str(e.row) for e in strangers[:SUMMARY_AFTER]) + (
        ", …" if len(strangers) > SUMMARY_AFTER else ""
    )
    summary = Notice(
        N_("%(count)s rows (%(rows)s) name members who are not in this cell; import the members first")
        if not members_known
        else N_(
            "%(count)s rows (%(rows)s) name members who are not in this cell; check the column %(column)s"
        ),
        {"count": str(len(strangers)), "rows": rows, "column": table.label("dang_vien_phu_trach")},
        row=strangers[0].row,
    )
    return [summary, *(e for e in errors if e.reason != NOT_IN_CELL)]


async def _upsert_household(
    session: AsyncSession, row: HouseholdRow, cell: Cell, person_id: int | None, *, today: date, now: datetime
) -> tuple[bool, bool]:
    assert cell.id is not None
    head_key, address_key = name_key(row.head_name), name_key(row.address)
    household = (
        await session.exec(
            select(Household).where(
                Household.cell_id == cell.id,
                Household.head_key == head_key,
                Household.address_key == address_key,
            )
        )
    ).first()
    created = household is None
    changed = False
    if household is None:
        household = Household(
            cell_id=cell.id,
            head_name=row.head_name,
            head_key=head_key,
            address=row.address,
            address_key=address_key,
            created_at=now,
        )
        session.add(household)
    for attr, value in (
        ("head_name", row.head_name),
        ("address", row.address),
        ("village", row.village),
        ("people", row.people),
        ("tags", list(row.tags)),
        ("phone", row.phone),
    ):
        if getattr(household, attr) != value:
            setattr(household, attr, value)
            changed = True
    await session.flush()
    assert household.id is not None
    if await repo.assign_household(session=session, household_id=household.id, person_id=person_id, on=today):
        changed = True
    return created, changed and not created


async def households_of(*, session: AsyncSession, person_id: int, day: date) -> list[Household]:
    """The households a member is responsible for on `day`."""
    query = (
        select(Household)
        .join(HouseholdAssignment, col(HouseholdAssignment.household_id) == col(Household.id))
        .where(HouseholdAssignment.person_id == person_id, repo.active_on(HouseholdAssignment, day))
        .order_by(col(Household.id))
    )
    return list((await session.exec(query)).all())

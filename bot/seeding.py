"""Ready-made organisations for the demo and the tests: one factory, so both show the same world.

`thon3` imports Chi bộ thôn 3 from the shipped samples (19 members, 190 households) in Xã Thái Bình,
with the commune's organiser in its office cell, as an organiser would set it up with the command line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services import audit, imports, people, roles, units
from storage import repo
from storage.models import Cell, ChatIdentity, Person, Unit
from storage.vocabulary import OfficerRole

SAMPLES = Path(__file__).parent / "samples"


async def commune_with_cell(
    session: AsyncSession, now: datetime, commune: str, cell: str, *, parent: int | None = None
) -> tuple[Unit, Cell]:
    """A commune (under `parent`, if given) with one village cell in it."""
    unit = await units.add_unit(
        session=session, name=commune, parent_ref=str(parent) if parent else None, actor=audit.CLI, now=now
    )
    added = await units.add_cell(
        session=session, name=cell, unit_ref=str(unit.id), kind="village", actor=audit.CLI, now=now
    )
    return unit, added


@dataclass
class Thon3:
    """The sample world: ids of the units, cells and the people who hold its offices."""

    province: Unit
    commune: Unit
    cell: Cell
    office: Cell
    organiser: Person
    members: list[Person] = field(default_factory=list)  # the cell's, in the order of its list
    secretary: int = 0
    deputy: int = 0
    imported: tuple[imports.ImportReport, imports.ImportReport] | None = None


async def thon3(session: AsyncSession, *, now: datetime, today: date) -> Thon3:
    """Chi bộ thôn 3 from the shipped samples, its commune's organiser, and the province above them."""
    province = await units.add_unit(
        session=session, name="Tỉnh Tuyên Quang", parent_ref=None, actor=audit.CLI, now=now
    )
    commune, cell = await commune_with_cell(session, now, "Xã Thái Bình", "Chi bộ thôn 3", parent=province.id)
    members = await imports.import_members(
        session=session, path=SAMPLES / "members_thon3.csv", cell=cell, today=today, now=now, actor=audit.CLI
    )
    households = await imports.import_households(
        session=session,
        path=SAMPLES / "households_thon3.csv",
        cell=cell,
        today=today,
        now=now,
        actor=audit.CLI,
    )
    office = await units.add_cell(
        session=session,
        name="Chi bộ cơ quan Đảng ủy xã",
        unit_ref=str(commune.id),
        kind="office",
        actor=audit.CLI,
        now=now,
    )
    organiser = await people.add_person(
        session=session,
        full_name="Đỗ Minh Tuấn",
        cell=office,
        actor=audit.CLI,
        now=now,
        today=today,
        card_number="93.000001",
    )
    await roles.grant_role(
        session=session,
        person=organiser,
        role=OfficerRole.ORGANISER,
        unit=commune,
        actor=audit.CLI,
        now=now,
        today=today,
    )
    assert cell.id is not None
    world = Thon3(province, commune, cell, office, organiser, imported=(members, households))
    world.members = [p for p, _ in await repo.cell_members(session=session, cell_id=cell.id, day=today)]
    world.secretary, world.deputy = [
        (await repo.role_holders(session=session, role=role, day=today, cell_id=cell.id))[0].person_id
        for role in (OfficerRole.SECRETARY, OfficerRole.DEPUTY)
    ]
    return world


def link(session: AsyncSession, person: Person, *, platform: str, external_id: str, now: datetime) -> None:
    """Link a chat account to a person, as redeeming an invite would."""
    assert person.id is not None
    session.add(ChatIdentity(platform=platform, external_id=external_id, person_id=person.id, linked_at=now))

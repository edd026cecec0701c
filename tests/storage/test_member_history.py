"""A member's record over time (bot.services.records): imported facts with an unknown start, dated changes
before the import day, overlapping exemptions, list order and finding cells by name; on both engines."""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.errors import UserError
from bot.i18n import translator
from bot.services import audit, imports, people, records, units
from storage import repo
from storage.db import Sessions, make_engine, make_sessions
from storage.models import Cell, Exemption, Membership, MemberStatus, Person, RoleAssignment
from tests.support import add_commune_with_cell

NOW = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
IMPORT_DAY = date(2026, 11, 26)
SAMPLES = Path(__file__).resolve().parents[2] / "bot" / "samples"
PROBATIONARY = "93.072318"  # Hoàng Thị Yến, probationary in the sample file
SECRETARY = "93.097948"  # Hoàng Văn Thắng, the cell's secretary in the sample file
english = translator("en").gettext


@dataclass
class Imported:
    sessions: Sessions
    cell: Cell


@pytest.fixture
async def imported(database_url: str) -> AsyncIterator[Imported]:
    """The sample cell imported on 26/11/2026; the file gives no start dates."""
    engine = make_engine(database_url)
    sessions = make_sessions(engine)
    async with sessions.begin() as session:
        _, cell = await add_commune_with_cell(session, NOW, "Xã Thái Bình", "Chi bộ thôn 3")
        await imports.import_members(
            session=session,
            path=SAMPLES / "members_thon3.csv",
            cell=cell,
            today=IMPORT_DAY,
            now=NOW,
            actor=audit.CLI,
        )
    try:
        yield Imported(sessions, cell)
    finally:
        await engine.dispose()


async def person(sessions: Sessions, card: str) -> Person:
    async with sessions() as session:
        found = await repo.find_person(session=session, ref=card)
        assert found is not None
        return found


# --- imported facts ---------------------------------------------------------------------------------


async def test_an_imported_membership_and_status_have_an_unknown_start(imported: Imported) -> None:
    member = await person(imported.sessions, PROBATIONARY)
    async with imported.sessions() as session:
        membership = (await session.exec(select(Membership).where(Membership.person_id == member.id))).one()
        status = (await session.exec(select(MemberStatus).where(MemberStatus.person_id == member.id))).one()
    assert (membership.valid_from, membership.start_known) == (IMPORT_DAY, False)
    assert (status.valid_from, status.start_known) == (IMPORT_DAY, False)


async def test_a_person_added_by_hand_has_a_known_start(imported: Imported) -> None:
    async with imported.sessions.begin() as session:
        added = await people.add_person(
            session=session,
            full_name="Lò Văn Mới",
            cell=imported.cell,
            actor=audit.CLI,
            now=NOW,
            today=IMPORT_DAY,
        )
        membership = (await session.exec(select(Membership).where(Membership.person_id == added.id))).one()
    assert membership.start_known is True


# --- status -----------------------------------------------------------------------------------------


async def test_a_status_dated_before_the_import_day_takes_effect(imported: Imported) -> None:
    member = await person(imported.sessions, PROBATIONARY)
    assert member.id is not None
    async with imported.sessions.begin() as session:
        change = await records.set_status(
            session=session,
            person=member,
            status="official",
            valid_from=date(2026, 11, 1),
            actor=audit.CLI,
            now=NOW,
        )
    assert (change.until, change.then, change.superseded) == (None, None, (IMPORT_DAY,))
    async with imported.sessions() as session:
        for day in (date(2026, 11, 1), IMPORT_DAY, date(2027, 1, 1)):
            assert await records.status_on(session, member.id, day) == "official"


async def test_a_status_before_a_later_dated_change_lasts_until_the_day_before_it(imported: Imported) -> None:
    member = await person(imported.sessions, PROBATIONARY)
    async with imported.sessions.begin() as session:
        await records.set_status(
            session=session,
            person=member,
            status="official",
            valid_from=date(2026, 12, 15),
            actor=audit.CLI,
            now=NOW,
        )
    async with imported.sessions.begin() as session:
        change = await records.set_status(
            session=session,
            person=member,
            status="probationary",
            valid_from=date(2026, 11, 1),
            actor=audit.CLI,
            now=NOW,
        )
    assert (change.until, change.then) == (date(2026, 12, 14), "official")


async def test_a_dated_status_after_the_import_day_keeps_the_imported_one_before_it(
    imported: Imported,
) -> None:
    member = await person(imported.sessions, PROBATIONARY)
    assert member.id is not None
    async with imported.sessions.begin() as session:
        change = await records.set_status(
            session=session,
            person=member,
            status="official",
            valid_from=date(2026, 12, 1),
            actor=audit.CLI,
            now=NOW,
        )
        assert change.superseded == ()
        assert await records.status_on(session, member.id, IMPORT_DAY) == "probationary"
        assert await records.status_on(session, member.id, date(2026, 12, 1)) == "official"


# --- end of membership ------------------------------------------------------------------------------


async def test_ending_a_membership_before_the_import_day_ends_it_the_day_before(imported: Imported) -> None:
    secretary = await person(imported.sessions, SECRETARY)
    assert secretary.id is not None
    async with imported.sessions.begin() as session:
        ended = await records.end_membership(
            session=session,
            person=secretary,
            on=date(2026, 11, 20),
            reason="Chuyển đi",
            actor=audit.CLI,
            now=NOW,
        )
    assert [(m.valid_from, m.valid_to) for m in ended] == [(date(2026, 11, 19), date(2026, 11, 19))]
    async with imported.sessions() as session:
        assert await repo.active_memberships(session=session, person_id=secretary.id, day=IMPORT_DAY) == []
        # The role imported on 26/11 goes with the membership; nobody is secretary after leaving.
        roles = await session.exec(select(RoleAssignment).where(RoleAssignment.person_id == secretary.id))
        assert roles.all() == []


async def test_ending_a_membership_before_a_known_start_is_refused(imported: Imported) -> None:
    async with imported.sessions.begin() as session:
        added = await people.add_person(
            session=session,
            full_name="Lò Văn Mới",
            cell=imported.cell,
            actor=audit.CLI,
            now=NOW,
            today=IMPORT_DAY,
        )
    with pytest.raises(UserError) as error:
        async with imported.sessions.begin() as session:
            await records.end_membership(
                session=session,
                person=added,
                on=date(2026, 11, 20),
                reason="Chuyển đi",
                actor=audit.CLI,
                now=NOW,
            )
    assert error.value.render(english) == "Lò Văn Mới is not a member of any cell on 20/11/2026."


async def test_ending_a_membership_after_the_import_day_keeps_the_days_before(imported: Imported) -> None:
    member = await person(imported.sessions, PROBATIONARY)
    async with imported.sessions.begin() as session:
        ended = await records.end_membership(
            session=session, person=member, on=date(2026, 12, 5), reason="Chuyển đi", actor=audit.CLI, now=NOW
        )
    assert [(m.valid_from, m.valid_to) for m in ended] == [(IMPORT_DAY, date(2026, 12, 4))]


# --- exemptions -------------------------------------------------------------------------------------


async def exemptions(sessions: Sessions, who: Person) -> list[tuple[date, date | None, str]]:
    async with sessions() as session:
        rows = await session.exec(
            select(Exemption).where(Exemption.person_id == who.id).order_by(col(Exemption.valid_from))
        )
        return [(r.valid_from, r.valid_to, r.reason) for r in rows]


async def exempt(
    sessions: Sessions, who: Person, start: date, end: date | None, reason: str
) -> records.ExemptionChange:
    async with sessions.begin() as session:
        return await records.exempt(
            session=session,
            person=who,
            valid_from=start,
            valid_to=end,
            reason=reason,
            actor=audit.CLI,
            now=NOW,
        )


async def test_a_second_exemption_for_the_same_days_changes_the_first(imported: Imported) -> None:
    member = await person(imported.sessions, PROBATIONARY)
    await exempt(imported.sessions, member, date(2026, 12, 1), None, "Ốm")
    change = await exempt(imported.sessions, member, date(2026, 12, 1), date(2026, 12, 31), "Ốm dài ngày")
    assert change.replaced == ((date(2026, 12, 1), None),)
    assert await exemptions(imported.sessions, member) == [
        (date(2026, 12, 1), date(2026, 12, 31), "Ốm dài ngày")
    ]


async def test_an_exemption_spanning_two_replaces_both_with_one(imported: Imported) -> None:
    member = await person(imported.sessions, PROBATIONARY)
    await exempt(imported.sessions, member, date(2027, 1, 1), date(2027, 1, 31), "Ốm")
    await exempt(imported.sessions, member, date(2027, 3, 1), date(2027, 3, 31), "Ốm")
    change = await exempt(imported.sessions, member, date(2027, 1, 15), date(2027, 3, 15), "Điều trị")
    assert len(change.replaced) == 2
    assert await exemptions(imported.sessions, member) == [(date(2027, 1, 15), date(2027, 3, 15), "Điều trị")]


async def test_exemptions_that_do_not_overlap_are_both_kept(imported: Imported) -> None:
    member = await person(imported.sessions, PROBATIONARY)
    await exempt(imported.sessions, member, date(2027, 1, 1), date(2027, 1, 31), "Ốm")
    change = await exempt(imported.sessions, member, date(2027, 2, 1), None, "Tuổi cao")
    assert change.replaced == ()
    assert len(await exemptions(imported.sessions, member)) == 2


# --- the member list --------------------------------------------------------------------------------


async def test_the_member_list_is_in_vietnamese_order_by_given_name(imported: Imported) -> None:
    async with imported.sessions() as session:
        views = await people.list_members(session=session, cell=imported.cell, day=IMPORT_DAY)
    given = [v.person.full_name.split()[-1] for v in views]
    assert given[:4] == ["Ánh", "Bình", "Cường", "Hà"]
    assert given[-3:] == ["Trường", "Tuấn", "Yến"]
    # "Hoàng" is not put before "Hà" by code point, nor "Đặng Minh Khôi" last.
    assert given.index("Khôi") < given.index("Lan")


async def test_the_member_list_shows_each_members_status_and_exemption_on_the_day(imported: Imported) -> None:
    later = IMPORT_DAY + timedelta(days=10)
    async with imported.sessions.begin() as session:
        views = await people.list_members(session=session, cell=imported.cell, day=IMPORT_DAY)
        first, second = views[0].person, views[1].person
        await records.set_status(
            session=session, person=first, status="probationary", valid_from=later, actor=audit.CLI, now=NOW
        )
        await records.exempt(
            session=session,
            person=second,
            valid_from=later,
            valid_to=None,
            reason="Ốm",
            actor=audit.CLI,
            now=NOW,
        )
    async with imported.sessions() as session:
        before = {
            v.person.id: (v.status, v.exempt)
            for v in await people.list_members(session=session, cell=imported.cell, day=IMPORT_DAY)
        }
        after = await people.list_members(session=session, cell=imported.cell, day=later)
        one_by_one = {
            v.person.id: (
                await records.status_on(session, v.person.id or 0, later),
                await records.exempt_on(session, v.person.id or 0, later) is not None,
            )
            for v in after
        }
    assert {v.person.id: (v.status, v.exempt) for v in after} == one_by_one, "the batch reads agree with each"
    assert one_by_one[first.id] == ("probationary", False) and before[first.id][0] == "official"
    assert one_by_one[second.id][1] is True and before[second.id][1] is False


# --- cells and units by name ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [unicodedata.normalize("NFD", "Chi bộ thôn 3"), "chi bộ THÔN 3", "Chi bo thon 3", "  Chi  bộ thôn 3 "],
    ids=["decomposed", "case", "no diacritics", "spaces"],
)
async def test_a_cell_is_found_however_its_name_is_typed(imported: Imported, typed: str) -> None:
    async with imported.sessions() as session:
        assert (await units.require_cell(session, typed)).id == imported.cell.id


async def test_a_unit_is_found_without_diacritics(imported: Imported) -> None:
    async with imported.sessions() as session:
        assert (await units.require_unit(session, "xa thai binh")).name == "Xã Thái Bình"


async def test_a_cell_name_that_matches_none_suggests_the_closest(imported: Imported) -> None:
    async with imported.sessions() as session:
        with pytest.raises(UserError) as error:
            await units.require_cell(session, "Chi bộ thôn 33")
    assert error.value.render(english) == "No cell Chi bộ thôn 33. Did you mean: Chi bộ thôn 3?"


async def test_a_cell_id_may_be_written_with_a_hash(imported: Imported) -> None:
    async with imported.sessions() as session:
        assert (await units.require_cell(session, f"#{imported.cell.id}")).id == imported.cell.id

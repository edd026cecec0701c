"""Every flow, on a messenger without buttons, edits, menus or files (as Zalo is), by typing alone."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlmodel import select

from bot.config import Config
from bot.runtime import Runtime
from bot.services import audit, people, units
from storage.models import Announcement, Delegation, Exemption, Person, RoleAssignment
from tests.support import TODAY, FakeClock, Seed, TextChat, TextTransport, seed

pytestmark = pytest.mark.e2e


@pytest.fixture
async def world(config: Config, clock: FakeClock) -> AsyncIterator[tuple[TextChat, Seed, Runtime]]:
    runtime = Runtime(config, clock=clock)
    transport = TextTransport()
    runtime.attach(transport)
    s = await seed(runtime.sessions, clock, platform=TextTransport.platform)
    try:
        yield TextChat(runtime, transport), s, runtime
    finally:
        await runtime.engine.dispose()


def choices_of(text: str) -> list[str]:
    """The numbered choices listed in a message, in order (a member list's lines: their names)."""
    lines = [line.split(". ", 1)[1] for line in text.splitlines() if line[:1].isdigit() and ". " in line]
    return [line.split(" · ", 1)[0] for line in lines]


async def test_choosing_a_language_by_number_and_by_name(world: tuple[TextChat, Seed, Runtime]) -> None:
    chat, s, runtime = world
    member = s.tg("member")
    [question] = await chat.say(member, "/lang")
    assert choices_of(question) == ["Tiếng Việt", "English"]
    assert "Reply with the number of your choice." in question
    [done] = await chat.say(member, "1")
    assert done == "Từ nay tôi sẽ viết cho đồng chí bằng tiếng Việt."
    await chat.say(member, "/lang")
    [done] = await chat.say(member, "engl")
    async with runtime.sessions() as session:
        person = await session.get(Person, s.people["member"])
    assert done == "From now on I will write to you in English."
    assert person is not None and person.language == "en"


async def test_a_secretary_ends_a_membership_by_typing(world: tuple[TextChat, Seed, Runtime]) -> None:
    chat, s, runtime = world
    boss = s.tg("secretary")
    [listing] = await chat.say(boss, "/members")
    number = choices_of(listing).index("Trần Văn Ân") + 1
    [card] = await chat.say(boss, str(number))
    assert "Exempt from meetings" in choices_of(card)
    [question] = await chat.say(boss, "leaves")
    assert "Why does Trần Văn Ân leave" in question
    [confirm] = await chat.say(boss, "Chuyển về xã Kim Phú")
    assert choices_of(confirm) == ["Confirm", "Cancel"]
    [done] = await chat.say(boss, "1")
    assert "is no longer a member" in done
    async with runtime.sessions() as session:
        members = await people.list_members(
            session=session, cell=await units.require_cell(session, str(s.cell)), day=TODAY
        )
    assert s.people["member"] not in {v.person.id for v in members}


async def test_a_secretary_exempts_a_member_by_typing(world: tuple[TextChat, Seed, Runtime]) -> None:
    chat, s, runtime = world
    boss = s.tg("secretary")
    await chat.say(boss, f"/members #{s.cell} {s.people['member']}")
    await chat.say(boss, "Exempt")
    [done] = await chat.say(boss, "Ốm dài ngày")
    async with runtime.sessions() as session:
        [exemption] = (await session.exec(select(Exemption))).all()
    assert "is exempt from" in done and exemption.reason == "Ốm dài ngày"


async def test_an_announcement_is_previewed_and_sent_by_typing(world: tuple[TextChat, Seed, Runtime]) -> None:
    chat, s, runtime = world
    boss = s.tg("secretary")
    await chat.say(boss, "/announce")
    [preview] = await chat.say(boss, "Họp *chi bộ* tối thứ Năm")
    assert "Họp chi bộ tối thứ Năm" in preview, "the markup shows as plain text"
    assert choices_of(preview) == ["Send", "Cancel"]
    [report] = await chat.say(boss, "1")
    async with runtime.sessions() as session:
        rows = (await session.exec(select(Announcement))).all()
    assert "Announcement delivery" in report and len(rows) == 1


async def test_a_long_preview_comes_in_pieces_that_fit_with_the_choices_last(
    world: tuple[TextChat, Seed, Runtime],
) -> None:
    chat, s, _ = world
    boss = s.tg("secretary")
    await chat.say(boss, "/announce")
    body = "\n".join(f"Mục {n}: kính mời các đồng chí chuẩn bị ý kiến về việc {n}." for n in range(60))
    pieces = await chat.say(boss, body)
    assert len(pieces) >= 2 and all(len(p) <= 2000 for p in pieces)
    assert choices_of(pieces[-1]) == ["Send", "Cancel"] and not choices_of(pieces[0])


async def test_which_cell_is_answered_by_typing(
    world: tuple[TextChat, Seed, Runtime], clock: FakeClock
) -> None:
    chat, s, runtime = world
    async with runtime.sessions.begin() as session:
        await units.add_cell(
            session=session,
            name="Chi bộ thôn 5",
            unit_ref=str(s.commune),
            kind="village",
            actor=audit.CLI,
            now=clock(),
        )
    [question] = await chat.say(s.tg("organiser"), "/unreachable")
    assert question.startswith("Which cell?") and choices_of(question) == ["Chi bộ thôn 3", "Chi bộ thôn 5"]
    [answer] = await chat.say(s.tg("organiser"), "2")
    assert "Chi bộ thôn 5" in answer


async def test_an_organiser_grants_a_role_by_typing(world: tuple[TextChat, Seed, Runtime]) -> None:
    chat, s, runtime = world
    organiser = s.tg("organiser")
    [cells] = await chat.say(organiser, "/roles")
    await chat.say(organiser, str(choices_of(cells).index("Chi bộ thôn 3") + 1))
    [who] = await chat.say(organiser, "Grant: committee")
    [done] = await chat.say(organiser, str(choices_of(who).index("Trần Văn Ân") + 1))
    async with runtime.sessions() as session:
        roles = (
            await session.exec(select(RoleAssignment).where(RoleAssignment.person_id == s.people["member"]))
        ).all()
    assert "is now committee member of Chi bộ thôn 3" in done
    assert [r.role for r in roles] == ["committee_member"]


async def test_a_secretary_delegates_by_typing(world: tuple[TextChat, Seed, Runtime]) -> None:
    chat, s, runtime = world
    boss = s.tg("secretary")
    [question] = await chat.say(boss, "/delegate")
    assert choices_of(question) == ["3 days", "7 days", "14 days", "30 days"]
    [done] = await chat.say(boss, "2")
    async with runtime.sessions() as session:
        [delegation] = (await session.exec(select(Delegation))).all()
    assert "acts as secretary" in done and (delegation.valid_to - delegation.valid_from).days == 6


async def test_invites_come_as_text_on_a_messenger_without_files(
    world: tuple[TextChat, Seed, Runtime],
) -> None:
    chat, s, runtime = world
    async with runtime.sessions.begin() as session:
        cell = await units.require_cell(session, str(s.cell))
        await people.add_person(
            session=session,
            full_name="Ma Thị Xuân",
            cell=cell,
            actor=audit.CLI,
            now=runtime.clock(),
            today=TODAY,
        )
    messages = await chat.say(s.tg("secretary"), "/invite")
    assert len(messages) == 1 and "Ma Thị Xuân" in messages[0]

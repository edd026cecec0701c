"""Authority holds at every step: forms re-check the permission they started under, and expire;
delegations follow the secretary's office."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from bot.chat import EXPIRED, REVOKED
from bot.config import Config
from bot.services import audit, people, roles, units
from fake_telegram import FakeBotAPI
from storage import repo
from storage.db import Sessions
from storage.models import Announcement, AuditLog, Delegation, Person
from tests.support import (
    TODAY,
    FakeClock,
    RunningBot,
    Seed,
    press,
    press_for_answer,
    running_bot,
    say,
)

pytestmark = pytest.mark.e2e


async def revoke(sessions: Sessions, s: Seed, who: str, role: str, clock: FakeClock) -> None:
    """An organiser at the district office revokes a role (from the command line, say)."""
    async with sessions.begin() as session:
        person = await people.require_person(session, str(s.people[who]))
        cell = await units.require_cell(session, str(s.cell))
        today = clock().astimezone(org_tz()).date()
        await roles.revoke_role(
            session=session, person=person, role=role, cell=cell, actor=audit.CLI, now=clock(), today=today
        )


def org_tz():  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Ho_Chi_Minh")


async def delegate(sessions: Sessions, s: Seed, clock: FakeClock, days: int = 1) -> None:
    async with sessions.begin() as session:
        session.add(
            Delegation(
                cell_id=s.cell,
                from_person_id=s.people["secretary"],
                to_person_id=s.people["deputy"],
                valid_from=TODAY,
                valid_to=TODAY + timedelta(days=days - 1),
                created_at=clock(),
            )
        )


async def is_member(sessions: Sessions, s: Seed, who: str) -> bool:
    async with sessions() as session:
        members = await repo.cell_members(session=session, cell_id=s.cell, day=TODAY)
    return s.people[who] in {p.id for p, _ in members}


async def test_a_secretary_revoked_before_pressing_confirm_does_not_end_a_membership(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    boss = s.tg("secretary")
    async with running_bot(config, clock, bot):
        [card] = await say(fake, boss, f"/members #{s.cell} {s.people['member']}")
        await press(fake, boss, card, "Leaves the cell")
        [question] = await say(fake, boss, "Moved to Kim Phú")
        await revoke(bot.runtime.sessions, s, "secretary", "secretary", clock)
        answer = await press_for_answer(fake, boss, question, "Confirm")
        assert fake.sent(boss)[-2] == question, "the question is left as it was, its buttons do nothing"
        assert await is_member(bot.runtime.sessions, s, "member")
    assert answer == REVOKED


async def test_a_secretary_revoked_mid_form_cannot_confirm_by_typing_either(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    boss = s.tg("secretary")
    async with running_bot(config, clock, bot):
        [card] = await say(fake, boss, f"/members #{s.cell} {s.people['member']}")
        await press(fake, boss, card, "Leaves the cell")
        await say(fake, boss, "Moved to Kim Phú")
        await revoke(bot.runtime.sessions, s, "secretary", "secretary", clock)
        [refused] = await say(fake, boss, "1")  # the number of "Confirm"
        [again] = await say(fake, boss, "Confirm")
        assert await is_member(bot.runtime.sessions, s, "member")
    assert refused["text"] == REVOKED
    assert again["text"] != REVOKED, "the form is closed: nothing is left to confirm"


async def test_a_deputy_whose_delegation_ended_cannot_send_the_announcement_they_began(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await delegate(bot.runtime.sessions, s, clock, days=1)
    deputy = s.tg("deputy")
    async with running_bot(config, clock, bot):
        await say(fake, deputy, f"/announce #{s.cell}")
        [preview] = await say(fake, deputy, "Họp chi bộ tối thứ Năm.")
        clock.advance(days=1)  # the delegation's last day has passed
        answer = await press_for_answer(fake, deputy, preview, "Send")
        async with bot.runtime.sessions() as session:
            queued = (await session.exec(select(Announcement))).all()
    assert answer == REVOKED
    assert queued == []


async def test_a_form_left_open_longer_than_the_timeout_expires_with_a_plain_message(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    member = s.tg("member")
    assert config.form_timeout_hours == 24, "the default"
    async with running_bot(config, clock, bot):
        [question] = await say(fake, member, "/lang")
        clock.advance(hours=24, minutes=1)
        [expired] = await say(fake, member, "Tiếng Việt")
        answer = await press_for_answer(fake, member, question, "Tiếng Việt")
        async with bot.runtime.sessions() as session:
            person = await session.get(Person, s.people["member"])
    assert expired["text"] == EXPIRED
    assert answer == "That choice is no longer open. Send the command again."
    assert person is not None and person.language is None


async def test_a_form_answered_within_the_timeout_still_works(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    member = s.tg("member")
    async with running_bot(config, clock, bot):
        await say(fake, member, "/lang")
        clock.advance(hours=23, minutes=59)
        [done] = await say(fake, member, "Tiếng Việt")
    assert done["text"] != EXPIRED


@pytest.mark.parametrize("who", ["deputy", "committee", "member", "organiser"])
async def test_only_the_sitting_secretary_starts_a_delegation(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed], who: str
) -> None:
    bot, s = seeded
    await delegate(bot.runtime.sessions, s, clock, days=3)  # the deputy acts as secretary today
    async with running_bot(config, clock, bot):
        await say(fake, s.tg(who), f"/delegate #{s.cell} 90")
        async with bot.runtime.sessions() as session:
            rows = (await session.exec(select(Delegation))).all()
    assert [(d.valid_to - d.valid_from).days for d in rows] == [2], "only the first, 3-day delegation"


async def test_the_secretary_delegates_to_the_deputy(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    async with running_bot(config, clock, bot):
        [done] = await say(fake, s.tg("secretary"), f"/delegate #{s.cell} 7")
        async with bot.runtime.sessions() as session:
            [row] = (await session.exec(select(Delegation))).all()
    assert "acts as secretary" in str(done["text"])
    assert (row.from_person_id, row.to_person_id) == (s.people["secretary"], s.people["deputy"])


async def test_a_secretary_who_is_also_the_deputy_cannot_delegate_to_themself(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await revoke(bot.runtime.sessions, s, "deputy", "deputy_secretary", clock)
    async with bot.runtime.sessions.begin() as session:
        person = await people.require_person(session, str(s.people["secretary"]))
        cell = await units.require_cell(session, str(s.cell))
        await roles.grant_role(
            session=session,
            person=person,
            role="deputy_secretary",
            cell=cell,
            actor=audit.CLI,
            now=clock(),
            today=TODAY,
        )
    async with running_bot(config, clock, bot):
        [refused] = await say(fake, s.tg("secretary"), f"/delegate #{s.cell} 7")
        async with bot.runtime.sessions() as session:
            rows = (await session.exec(select(Delegation))).all()
    assert refused["text"] == "You cannot delegate your duties to yourself."
    assert rows == []


async def test_revoking_the_secretary_ends_their_delegation_and_audits_it(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await delegate(bot.runtime.sessions, s, clock, days=30)
    deputy = s.tg("deputy")
    async with running_bot(config, clock, bot):
        [before] = await say(fake, deputy, f"/invite #{s.cell}")
        await revoke(bot.runtime.sessions, s, "secretary", "secretary", clock)
        [after] = await say(fake, deputy, f"/invite #{s.cell}")
        async with bot.runtime.sessions() as session:
            [row] = (await session.exec(select(Delegation))).all()
            ended = (await session.exec(select(AuditLog).where(AuditLog.action == "delegation.end"))).all()
    assert "not available" not in str(before["text"])
    assert "not available" in str(after["text"])
    assert row.revoked_at is not None
    assert [a.after for a in ended] == [{"because": "role.revoke"}]


async def test_an_organiser_sees_and_stops_a_delegation_in_their_unit(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await delegate(bot.runtime.sessions, s, clock, days=30)
    organiser = s.tg("organiser")
    async with running_bot(config, clock, bot):
        [shown] = await say(fake, organiser, f"/delegate #{s.cell}")
        ended = await press(fake, organiser, shown, "End the delegation now")
        [after] = await say(fake, s.tg("deputy"), f"/invite #{s.cell}")
        async with bot.runtime.sessions() as session:
            [row] = (await session.exec(select(Delegation))).all()
            logged = (
                await session.exec(select(AuditLog).where(col(AuditLog.action) == "delegation.end"))
            ).all()
    assert "acts as secretary of Chi bộ thôn 3" in str(shown["text"])
    assert "has ended" in str(ended["text"])
    assert row.revoked_at is not None and len(logged) == 1
    assert "not available" in str(after["text"])


async def test_an_organiser_of_another_unit_cannot_stop_the_delegation(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    await delegate(bot.runtime.sessions, s, clock, days=30)
    async with running_bot(config, clock, bot):
        [refused] = await say(fake, s.tg("other_organiser"), f"/delegate #{s.cell} stop")
        async with bot.runtime.sessions() as session:
            [row] = (await session.exec(select(Delegation))).all()
    assert "not available" in str(refused["text"])
    assert row.revoked_at is None


async def lose_authority(bot: RunningBot, s: Seed, who: str, clock: FakeClock) -> None:
    """Take away what let this person announce to the cell."""
    if who == "deputy":  # acting for the secretary: the organiser stops the delegation
        async with bot.runtime.sessions.begin() as session:
            await roles.end_delegations(
                session, person_id=None, cell_id=s.cell, day=TODAY, now=clock(), actor=audit.CLI, why="stop"
            )
        return
    async with bot.runtime.sessions.begin() as session:
        person = await people.require_person(session, str(s.people[who]))
        if who == "organiser":
            unit = await units.require_unit(session, str(s.commune))
            await roles.revoke_role(
                session=session,
                person=person,
                role="organiser",
                unit=unit,
                actor=audit.CLI,
                now=clock(),
                today=TODAY,
            )
        else:
            cell = await units.require_cell(session, str(s.cell))
            await roles.revoke_role(
                session=session,
                person=person,
                role="secretary",
                cell=cell,
                actor=audit.CLI,
                now=clock(),
                today=TODAY,
            )


@pytest.mark.parametrize("who", ["secretary", "deputy", "organiser"])
@pytest.mark.parametrize("how", ["press", "type"])
async def test_whoever_loses_authority_mid_announcement_cannot_send_it(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed], who: str, how: str
) -> None:
    bot, s = seeded
    await delegate(bot.runtime.sessions, s, clock, days=30)
    user = s.tg(who)
    async with running_bot(config, clock, bot):
        await say(fake, user, f"/announce #{s.cell}")
        [preview] = await say(fake, user, "Họp chi bộ tối thứ Năm.")
        await lose_authority(bot, s, who, clock)
        if how == "press":
            answer = await press_for_answer(fake, user, preview, "Send")
        else:
            [reply] = await say(fake, user, "Send")
            answer = str(reply["text"])
        async with bot.runtime.sessions() as session:
            queued = (await session.exec(select(Announcement))).all()
    assert answer == REVOKED
    assert queued == []

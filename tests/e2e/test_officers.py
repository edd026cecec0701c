"""What secretaries and organisers do in chat: members' records, invites, delegation, roles, announcements."""

from __future__ import annotations

import csv
import io

import pytest
from sqlmodel import col, select

from bot.config import Config
from bot.services import audit, people, units
from fake_telegram import FakeBotAPI
from storage import repo
from storage.models import AuditLog, Exemption, MemberStatus, OutboxMessage, RoleAssignment
from tests.support import TODAY, FakeClock, RunningBot, Seed, running_bot

pytestmark = pytest.mark.e2e


async def say(fake: FakeBotAPI, user: int, text: str) -> dict[str, object]:
    """A user writes; return the bot's reply."""
    before = len(fake.sent(user))
    fake.user_sends(user, text)
    return (await fake.wait_for_sent(chat_id=user, count=before + 1))[before]


async def press(fake: FakeBotAPI, user: int, message: dict[str, object], label: str) -> dict[str, object]:
    """A user presses the button with this label; return the message as the bot left it."""
    data = dict(fake.buttons(message))[label]
    assert data is not None
    before = len(fake.calls("answerCallbackQuery"))
    sent_before = len(fake.sent(user))
    fake.user_presses(user, int(str(message["message_id"])), data)
    await fake.wait_until(
        lambda: (
            len(fake.calls("answerCallbackQuery")) > before
            and (fake.last(user) != message or len(fake.sent(user)) > sent_before)
        ),
        what=f"the answer to {label!r}",
    )
    return fake.last(user)


async def test_a_secretary_changes_a_members_record_with_buttons(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    boss = s.tg("secretary")
    async with running_bot(config, clock, bot):
        listing = await say(fake, boss, "/members")
        assert "Trần Văn Ân" in str(listing["text"])
        card = await press(fake, boss, listing, "Trần Văn Ân")
        card = await press(fake, boss, card, "probationary")
        assert "probationary" in str(card["text"])
        card = await say(fake, boss, f"/members #{s.cell} {s.people['member']}")
        await press(fake, boss, card, "Exempt from meetings")
        done = await say(fake, boss, "Ốm dài ngày, điều trị ở Hà Nội")
        assert "is exempt from 26/11/2026" in str(done["text"])
        async with bot.runtime.sessions() as session:
            statuses = (
                await session.exec(select(MemberStatus).where(MemberStatus.person_id == s.people["member"]))
            ).all()
            exemption = (await session.exec(select(Exemption))).one()
            actions = (
                await session.exec(select(AuditLog.action).where(col(AuditLog.actor).like("telegram:%")))
            ).all()
    assert [(m.status, m.valid_from) for m in statuses] == [("probationary", TODAY)]
    assert exemption.reason == "Ốm dài ngày, điều trị ở Hà Nội"
    assert {"member.status", "member.exempt"} <= set(actions)


async def test_ending_a_membership_asks_for_a_reason_and_a_confirmation(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    boss = s.tg("secretary")
    async with running_bot(config, clock, bot):
        card = await say(fake, boss, f"/members #{s.cell} {s.people['member']}")
        await press(fake, boss, card, "Leaves the cell")
        question = await say(fake, boss, "Chuyển sinh hoạt về xã Kim Phú")
        assert "Confirm?" in str(question["text"])
        confirmed = await press(fake, boss, question, "Confirm")
        assert "is no longer a member" in str(confirmed["text"])
        async with bot.runtime.sessions() as session:
            members = await repo.cell_members(session=session, cell_id=s.cell, day=TODAY)
    assert s.people["member"] not in {p.id for p, _ in members}, "the membership ends today"


async def test_a_committee_member_sees_the_list_but_cannot_change_it(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    async with running_bot(config, clock, bot):
        listing = await say(fake, s.tg("committee"), "/members")
        refused = await say(fake, s.tg("committee"), f"/members #{s.cell} {s.people['member']} probationary")
    assert "Trần Văn Ân" in str(listing["text"]) and not fake.buttons(listing)
    assert refused["text"] == "Only the secretary can change members' records."


async def test_invite_sends_the_codes_privately_as_text_and_csv(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    async with bot.runtime.sessions.begin() as session:
        cell = await units.require_cell(session, str(s.cell))
        for name in ("Ma Thị Xuân", "Hoàng Văn Dũng"):
            await people.add_person(
                session=session, full_name=name, cell=cell, actor=audit.CLI, now=clock(), today=TODAY
            )
    async with running_bot(config, clock, bot):
        listing = await say(fake, s.tg("secretary"), "/invite")
        await fake.wait_for_calls("sendDocument")
        document = fake.calls("sendDocument")[-1]
    assert "Ma Thị Xuân" in str(listing["text"]) and "https://t.me/chibo_test_bot?start=" in str(
        listing["text"]
    )
    content = document.params["document"].content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert [r[1] for r in rows[1:]] == ["Hoàng Văn Dũng", "Ma Thị Xuân"]
    assert str(document.params["chat_id"]) == str(s.tg("secretary"))


async def test_a_deputy_acts_as_secretary_only_while_delegated(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    deputy = s.tg("deputy")
    async with running_bot(config, clock, bot):
        assert "is not available to you here" in str((await say(fake, deputy, "/invite"))["text"])
        choice = await say(fake, s.tg("secretary"), "/delegate")
        granted = await press(fake, s.tg("secretary"), choice, "7 days")
        assert "from 26/11/2026 to 02/12/2026" in str(granted["text"])
        assert "is not available to you here" not in str((await say(fake, deputy, "/invite"))["text"])
        clock.advance(days=7)
        assert "is not available to you here" in str((await say(fake, deputy, "/invite"))["text"])


async def test_an_organiser_grants_and_revokes_roles_with_buttons(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    organiser = s.tg("organiser")
    async with running_bot(config, clock, bot):
        cells = await say(fake, organiser, "/roles")
        assert [label for label, _ in fake.buttons(cells)] == ["Chi bộ thôn 3"], (
            "only the cells of their unit"
        )
        officers = await press(fake, organiser, cells, "Chi bộ thôn 3")
        who = await press(fake, organiser, officers, "Grant: committee member")
        done = await press(fake, organiser, who, "Trần Văn Ân")
        assert "Trần Văn Ân is now committee member of Chi bộ thôn 3." == done["text"]
        officers = await press(fake, organiser, done, "« Back")
        revoked = await press(fake, organiser, officers, "Revoke: Lê Văn Bình, committee member")
        assert revoked["text"] == "Lê Văn Bình is no longer committee member of Chi bộ thôn 3."
        forged = await say(
            fake, organiser, f"/roles #{s.commune} grant {s.other_cell} cm {s.people['member']}"
        )
        assert forged["text"] == "That cell is not in your unit."
        async with bot.runtime.sessions() as session:
            query = select(RoleAssignment).where(
                RoleAssignment.role == "committee_member", repo.active_on(RoleAssignment, TODAY)
            )
            holders = {r.person_id for r in (await session.exec(query)).all()}
    assert holders == {s.people["member"]}


async def test_an_announcement_too_long_is_explained_and_unclosed_markup_is_shown_as_typed(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    boss = s.tg("secretary")
    async with running_bot(config, clock, bot):
        await say(fake, boss, "/announce")
        too_long = await say(fake, boss, "x" * 4097)
        preview = await say(fake, boss, "Họp *tối nay")
        async with bot.runtime.sessions() as session:
            queued = (await session.exec(select(OutboxMessage))).all()
    assert "4097 characters long; at most 4096 (1 too many)" in str(too_long["text"])
    assert str(preview["text"]).endswith("Họp *tối nay") and "entities" not in preview
    assert [label for label, _ in fake.buttons(preview)] == ["Send", "Cancel"]
    assert queued == []


async def test_an_organiser_announces_to_the_secretaries_of_the_unit(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    organiser = s.tg("organiser")
    async with running_bot(config, clock, bot):
        audience = await say(fake, organiser, "/announce_unit")
        await press(fake, organiser, audience, "secretaries and deputy secretaries")
        preview = await say(fake, organiser, "Nộp báo cáo quý IV trước ngày 15/12.")
        await press(fake, organiser, preview, "Send")
        await bot.runtime.delivery.wait_settled()
    got = {
        m["chat"]["id"]
        for m in fake.sent()
        if str(m.get("text", "")).endswith("Nộp báo cáo quý IV trước ngày 15/12.")
    }
    assert got == {s.tg("secretary"), s.tg("deputy")}


async def test_an_organiser_gets_the_invites_of_the_whole_unit_and_no_other(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    bot, s = seeded
    async with bot.runtime.sessions.begin() as session:
        for cell_id, name in ((s.cell, "Ma Thị Xuân"), (s.other_cell, "Lò Văn Páo")):
            cell = await units.require_cell(session, str(cell_id))
            await people.add_person(
                session=session, full_name=name, cell=cell, actor=audit.CLI, now=clock(), today=TODAY
            )
    async with running_bot(config, clock, bot):
        await say(fake, s.tg("organiser"), "/invite_unit")
        await fake.wait_for_calls("sendDocument")
        document = fake.calls("sendDocument")[-1]
    rows = list(csv.reader(io.StringIO(document.params["document"].content.decode("utf-8-sig"))))
    assert [(r[0], r[1]) for r in rows[1:]] == [("Chi bộ thôn 3", "Ma Thị Xuân")]


async def test_a_cells_own_time_zone_dates_what_its_secretary_does(
    config: Config, fake: FakeBotAPI, clock: FakeClock, seeded: tuple[RunningBot, Seed]
) -> None:
    from storage.models import Cell

    bot, s = seeded
    async with bot.runtime.sessions.begin() as session:
        cell = await session.get(Cell, s.cell)
        assert cell is not None
        cell.timezone = "Pacific/Kiritimati"  # UTC+14: at 19:00 in Hà Nội it is already the next day
    clock.advance(hours=9)  # 19:00 on 26/11 in Hà Nội
    boss = s.tg("secretary")
    async with running_bot(config, clock, bot):
        reply = await say(fake, boss, f"/members #{s.cell} {s.people['member']} probationary")
    assert str(reply["text"]).endswith("from 27/11/2026."), "the cell's day, not the config's"


async def test_a_cell_cannot_be_given_a_time_zone_that_does_not_exist(
    clock: FakeClock, database_url: str
) -> None:
    from bot.errors import UserError
    from storage.db import make_engine, make_sessions
    from tests.support import add_commune_with_cell

    engine = make_engine(database_url)
    try:
        async with make_sessions(engine).begin() as session:
            unit, _ = await add_commune_with_cell(session, clock(), "Xã Thái Bình", "Chi bộ thôn 3")
            with pytest.raises(UserError):
                await units.add_cell(
                    session=session,
                    name="Chi bộ 9",
                    unit_ref=str(unit.id),
                    kind="village",
                    actor=audit.CLI,
                    now=clock(),
                    timezone="Mars/Olympus",
                )
    finally:
        await engine.dispose()

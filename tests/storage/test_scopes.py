"""Scopes are pluggable: a new kind of target (a meeting, with its chair) works through the same core."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from bot import scopes
from bot.chat import ChatCore, Ctx, Registry
from bot.commands import registry
from bot.config import Config
from bot.domain import ChatRef, Incoming, Sender
from bot.permissions import COMMANDS, Command, Role
from storage.db import Sessions, make_engine, make_sessions
from tests.support import FakeClock, Seed, seed

MEETING_SCOPE = "test_meeting"


@dataclass(frozen=True)
class Meeting:
    id: int
    name: str
    chair: int  # person id


MEETINGS = {7: Meeting(7, "Sinh hoạt tháng 12", chair=0)}


class MeetingScope:
    """A stand-in for meetings: the chair of a meeting holds Role.CHAIR towards it."""

    scope = MEETING_SCOPE
    which = "Which meeting?"
    missing = "There is no such meeting."

    async def get(self, session: Any, target_id: int) -> Meeting | None:
        return MEETINGS.get(target_id)

    async def candidates(
        self, session: Any, *, person_id: int, command: Command, day: Any, now: Any
    ) -> list[Any]:
        return list(MEETINGS.values())

    async def roles(self, session: Any, *, person_id: int, target: Any, day: Any) -> set[Role]:
        return {Role.MEMBER, Role.CHAIR} if target.chair == person_id else {Role.MEMBER}


CLOSE = Command("close_test", MEETING_SCOPE, frozenset({Role.CHAIR}), "close the meeting")  # type: ignore[arg-type]


async def close_test(ctx: Ctx) -> None:
    ctx.reply(f"closed {ctx.target.name}")


@pytest.fixture
async def world(database_url: str, clock: FakeClock) -> AsyncIterator[tuple[ChatCore, Seed]]:
    engine = make_engine(database_url)
    sessions: Sessions = make_sessions(engine)
    s = await seed(sessions, clock)
    MEETINGS[7] = Meeting(7, "Sinh hoạt tháng 12", chair=s.people["deputy"])
    scopes.register(MeetingScope())
    base = registry()
    plugged = Registry.build(
        commands={**base.commands, "close_test": close_test}, forms=base.forms, table=(*COMMANDS, CLOSE)
    )
    try:
        yield ChatCore(sessions=sessions, config=Config(), clock=clock, registry=plugged), s
    finally:
        await engine.dispose()


def said(core_outcome: Any) -> list[str]:
    return [reply.text for reply in core_outcome.replies]


async def test_a_command_of_a_new_scope_finds_its_target_and_the_chairs_role(
    world: tuple[ChatCore, Seed],
) -> None:
    core, s = world

    def incoming(who: str, text: str, update: int) -> Incoming:
        user = str(s.tg(who))
        return Incoming(
            ChatRef("telegram", user),
            Sender("telegram", user, language_code="en"),
            text,
            update_id=str(update),
        )

    assert said(await core.handle(incoming("deputy", "/close_test #7", 1))) == ["closed Sinh hoạt tháng 12"]
    refused = said(await core.handle(incoming("member", "/close_test #7", 2)))
    assert refused == ["Sorry, /close_test is not available to you here. Send /help to see what you can do."]
    assert said(await core.handle(incoming("deputy", "/close_test #8", 3))) == ["There is no such meeting."]

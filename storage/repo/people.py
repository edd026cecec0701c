"""People and the chat accounts linked to them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, bindparam, tuple_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    ChatIdentity,
    FlowState,
    Person,
)
from storage.repo.periods import typed_id


async def get_person(*, session: AsyncSession, person_id: int) -> Person | None:
    """The person with this id."""
    return await session.get(Person, person_id)


async def find_person(*, session: AsyncSession, ref: str) -> Person | None:
    """A person by card number (spaces and case ignored), or by id when no card matches."""
    card = "".join(ref.split()).upper()
    person = (await session.exec(select(Person).where(Person.card_number == card))).first() if card else None
    if person is None and (person_id := typed_id(ref)) is not None:
        person = await session.get(Person, person_id)
    return person


async def get_identity(*, session: AsyncSession, platform: str, external_id: str) -> ChatIdentity | None:
    """The linked chat account with this messenger id."""
    query = select(ChatIdentity).where(
        ChatIdentity.platform == platform, ChatIdentity.external_id == external_id
    )
    return (await session.exec(query)).first()


async def identities_of(*, session: AsyncSession, person_ids: Sequence[int]) -> dict[int, list[ChatIdentity]]:
    """Linked chat accounts per person."""
    result: dict[int, list[ChatIdentity]] = {pid: [] for pid in person_ids}
    if not person_ids:
        return result
    rows = await session.exec(select(ChatIdentity).where(col(ChatIdentity.person_id).in_(person_ids)))
    for identity in rows:
        result[identity.person_id].append(identity)
    return result


async def all_identities(*, session: AsyncSession) -> Sequence[ChatIdentity]:
    """Every linked chat account."""
    return (await session.exec(select(ChatIdentity))).all()


async def chat_languages(
    *, session: AsyncSession, chats: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], tuple[str | None, str | None]]:
    """For each linked chat: the language its person chose, and the one their messenger last reported."""
    if not chats:
        return {}
    rows = await session.exec(
        select(ChatIdentity, Person)
        .join(Person, col(Person.id) == col(ChatIdentity.person_id))
        .where(tuple_(col(ChatIdentity.platform), col(ChatIdentity.external_id)).in_(list(chats)))
    )
    return {(i.platform, i.external_id): (p.language, i.language_code) for i, p in rows.all()}


# Built once: every update asks it, and building a statement costs more than running this one.
# The account, its person and the form open in the person's private chat with the bot, in one round
# trip: every update needs the first two, and most private messages the third.
_IDENTITY_WITH_PERSON = (
    select(ChatIdentity, Person, FlowState)
    .join(Person, col(Person.id) == col(ChatIdentity.person_id))
    .outerjoin(
        FlowState,
        and_(
            col(FlowState.platform) == col(ChatIdentity.platform),
            col(FlowState.chat_id) == col(ChatIdentity.external_id),
            col(FlowState.user_id) == col(ChatIdentity.external_id),
        ),
    )
    .where(
        ChatIdentity.platform == bindparam("platform"), ChatIdentity.external_id == bindparam("external_id")
    )
)


async def identity_with_person(
    *, session: AsyncSession, platform: str, external_id: str
) -> tuple[ChatIdentity, Person, FlowState | None] | None:
    """The linked account with this messenger id, its person, and the form open in their private chat
    with the bot (None when there is none), in one query."""
    params = {"platform": platform, "external_id": external_id}
    row = (await session.exec(_IDENTITY_WITH_PERSON, params=params)).first()
    return (row[0], row[1], row[2]) if row else None


async def mark_unreachable(
    *, session: AsyncSession, chats: Sequence[tuple[str, str, str]], since: datetime
) -> None:
    """Note that messages to these accounts ((platform, external id, reason)) fail for good."""
    for platform, external_id, reason in chats:
        await session.exec(
            update(ChatIdentity)
            .where(col(ChatIdentity.platform) == platform, col(ChatIdentity.external_id) == external_id)
            .values(unreachable_reason=reason, unreachable_since=since)
        )


async def mark_reachable(*, session: AsyncSession, chats: Sequence[tuple[str, str]]) -> None:
    """Forget that these accounts were unreachable (a message got through to them)."""
    if chats:
        await session.exec(
            update(ChatIdentity)
            .where(
                tuple_(col(ChatIdentity.platform), col(ChatIdentity.external_id)).in_(list(chats)),
                col(ChatIdentity.unreachable_reason).is_not(None),
            )
            .values(unreachable_reason=None, unreachable_since=None)
        )

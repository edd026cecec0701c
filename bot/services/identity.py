"""Invite codes and linking a messenger account to a person."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.services.audit import Actor, record_change
from storage import repo
from storage.models import ChatIdentity, InviteCode, Person

# No 0/O or 1/I/L: codes get read aloud and typed by hand.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
USERNAME_KEY = "telegram.bot_username"


def new_code() -> str:
    """A random invite code (about 50 bits), safe in a Telegram deep link."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def deep_link(username: str | None, code: str) -> str | None:
    """The t.me link that opens the bot with /start <code>, when the bot's username is known."""
    return f"https://t.me/{username}?start={code}" if username else None


async def invite(
    *, session: AsyncSession, person: Person, now: datetime, valid_days: int, actor: Actor
) -> InviteCode:
    """A valid unused code for the person: the newest existing one, or a new one."""
    assert person.id is not None
    query = (
        select(InviteCode)
        .where(
            InviteCode.person_id == person.id, col(InviteCode.used_at).is_(None), InviteCode.expires_at > now
        )
        .order_by(col(InviteCode.expires_at).desc())
    )
    existing = (await session.exec(query)).first()
    if existing:
        return existing
    code = InviteCode(
        code=new_code(), person_id=person.id, created_at=now, expires_at=now + timedelta(days=valid_days)
    )
    session.add(code)
    await session.flush()
    await record_change(
        session,
        actor=actor,
        now=now,
        action="invite.create",
        subject=f"person:{person.id}",
        after={"expires_at": code.expires_at.isoformat()},
    )
    return code


class LinkResult(StrEnum):
    """What happened to a /start <code>."""

    LINKED = "linked"
    ALREADY_YOU = "already_you"  # this account is already linked to the code's person
    OTHER_PERSON = "other_person"  # this account is linked to someone else
    USED = "used"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Linking:
    """The result of redeeming a code, with the person when it worked."""

    result: LinkResult
    person: Person | None = None


async def redeem(
    *,
    session: AsyncSession,
    code: str,
    platform: str,
    external_id: str,
    now: datetime,
    language_code: str | None = None,
) -> Linking:
    """Link the account to the code's person, once; refuse used, expired or unknown codes."""
    row = (await session.exec(select(InviteCode).where(InviteCode.code == code.strip().upper()))).first()
    current = await repo.get_identity(session=session, platform=platform, external_id=external_id)
    if row is None:
        return Linking(LinkResult.UNKNOWN)
    person = await repo.get_person(session=session, person_id=row.person_id)
    if current is not None:
        same = current.person_id == row.person_id
        return Linking(LinkResult.ALREADY_YOU if same else LinkResult.OTHER_PERSON, person if same else None)
    if row.used_at is not None:
        return Linking(LinkResult.USED)
    if row.expires_at <= now:
        return Linking(LinkResult.EXPIRED)
    assert person is not None and person.id is not None
    previous = (
        await session.exec(
            select(ChatIdentity).where(ChatIdentity.person_id == person.id, ChatIdentity.platform == platform)
        )
    ).first()
    before = None
    if previous is not None:
        # A new phone or account: the new link replaces the old one for this messenger.
        before = {"external_id": previous.external_id}
        await session.delete(previous)
        await session.flush()
    session.add(
        ChatIdentity(
            platform=platform,
            external_id=external_id,
            person_id=person.id,
            linked_at=now,
            language_code=language_code,
        )
    )
    row.used_at = now
    row.used_by = f"{platform}:{external_id}"
    await session.flush()
    await record_change(
        session,
        actor=Actor(f"{platform}:{external_id}", person.id),
        now=now,
        action="identity.link",
        subject=f"person:{person.id}",
        before=before,
        after={"platform": platform, "external_id": external_id},
    )
    return Linking(LinkResult.LINKED, person)

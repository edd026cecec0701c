"""What a person sets about themself: the language the bot writes to them in."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import LANGUAGES
from bot.services import audit
from storage.models import Person

LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}


def language_named(answer: str) -> str | None:
    """The language an answer names: its code, its name, or its number in the list."""
    by_answer = {
        **{str(number): code for number, code in enumerate(LANGUAGE_NAMES, start=1)},
        **{name.casefold(): code for code, name in LANGUAGE_NAMES.items()},
    }
    choice = by_answer.get(answer.strip().casefold(), answer.strip().lower())
    return choice if choice in LANGUAGES else None


async def set_language(
    *, session: AsyncSession, person: Person, language: str, now: datetime, actor: audit.Actor
) -> None:
    """Write to this person in `language` from now on (audited)."""
    before = person.language
    person.language = language
    await session.flush()
    await audit.record_change(
        session,
        actor=actor,
        now=now,
        action="person.language",
        subject=f"person:{person.id}",
        before={"language": before},
        after={"language": language},
    )

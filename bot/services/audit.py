"""Who made a change, the audit log, and what each change touched (for running bots to reload)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from storage import repo


@dataclass(frozen=True)
class Actor:
    """Who is making a change: the CLI (an operator) or a person in chat."""

    label: str
    person_id: int | None = None


CLI = Actor("cli")


async def record_change(
    session: AsyncSession,
    *,
    actor: Actor,
    now: datetime,
    action: str,
    subject: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    touched: Iterable[tuple[str, str]] | None = None,
) -> None:
    """Audit a change, and record what it touched so running bots reload just that.

    By default a change touches what TOUCHES says for its action; the session's info["touched"] also
    collects it, so the process that made the change can reload at once.
    """
    await repo.audit(
        session=session,
        at=now,
        actor=actor.label,
        actor_person_id=actor.person_id,
        action=action,
        subject=subject,
        before=before,
        after=after,
    )
    kind = TOUCHES.get(action)
    touched = list(touched) if touched is not None else ([(kind, subject.split(":", 1)[1])] if kind else [])
    if touched:
        await repo.add_changes(session=session, at=now, touched=touched)
        session.info.setdefault(TOUCHED, set()).update(touched)


# What an audited action touches by default: its subject, as this kind. Roles, memberships and
# languages change a person's menu and permissions; an announcement may need its live report job.
TOUCHES = {
    "role.grant": "person",
    "role.revoke": "person",
    "member.end": "person",
    "identity.link": "person",
    "person.language": "person",
}


TOUCHED = "touched"  # key of Session.info: what the changes in this session touched

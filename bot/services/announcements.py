"""Announcements from a secretary (to their cell) or an organiser (to their unit), via the outbox."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import markup
from bot.domain import ChatRef
from bot.errors import UserError
from bot.i18n import N_
from bot.names import sort_key
from bot.services.audit import Actor, record_change
from bot.services.delivery import Recipient, queue, recipients_of
from storage import repo
from storage.models import Announcement, Cell, OutboxMessage, Person, RoleAssignment, Unit
from storage.vocabulary import OfficerRole

PURPOSE = "announcement"
FROM = N_("Announcement from %(target)s:")
# One announcement fits one message on the roomiest messenger; a smaller one receives it in pieces.
MAX_LENGTH = 4096


def check_text(text: str) -> str:
    """The announcement's visible text; a UserError when it is empty or longer than one message."""
    visible = markup.plain(text)
    if not visible.strip():
        raise UserError(N_("The message is empty. Please write the text of the announcement."))
    if len(visible) > MAX_LENGTH:
        raise UserError(
            N_("The message is %(length)s characters long; at most %(max)s (%(over)s too many)."),
            length=len(visible),
            max=MAX_LENGTH,
            over=len(visible) - MAX_LENGTH,
        )
    return visible


AUDIENCES = ("members", "secretaries")


def subject_of(announcement_id: int) -> str:
    """The outbox subject of an announcement's messages."""
    return f"announcement:{announcement_id}"


async def recipients(
    *,
    session: AsyncSession,
    day: date,
    cell: Cell | None = None,
    unit: Unit | None = None,
    audience: str = "members",
) -> list[Recipient]:
    """Everyone the announcement goes to, with their linked chats (or none)."""
    if cell is not None:
        cells = [cell]
    else:
        assert unit is not None and unit.id is not None
        cells = list(
            await repo.cells_in_units(
                session=session, unit_ids=await repo.unit_descendants(session=session, unit_id=unit.id)
            )
        )
    cell_ids = [c.id for c in cells if c.id is not None]
    person_ids: list[int] = []
    if audience == "members":
        for cell_id in cell_ids:
            person_ids += [
                p.id
                for p, _ in await repo.cell_members(session=session, cell_id=cell_id, day=day)
                if p.id is not None
            ]
    else:
        query = select(RoleAssignment.person_id).where(
            col(RoleAssignment.cell_id).in_(cell_ids),
            col(RoleAssignment.role).in_([OfficerRole.SECRETARY, OfficerRole.DEPUTY]),
            repo.active_on(RoleAssignment, day),
        )
        person_ids = list((await session.exec(query)).all())
    return await recipients_of(session, person_ids)


async def create(
    *,
    session: AsyncSession,
    text: str,
    audience: str,
    actor: Actor,
    now: datetime,
    day: date,
    cell: Cell | None = None,
    unit: Unit | None = None,
    report_chat: ChatRef | None = None,
    report_message_id: str | None = None,
) -> Announcement:
    """Check the text, record the announcement and queue one message per recipient."""
    check_text(text)
    if audience not in AUDIENCES or (cell is not None and audience != "members"):
        raise ValueError(f"audience {audience!r} does not fit this scope")
    announcement = Announcement(
        cell_id=cell.id if cell else None,
        unit_id=unit.id if unit else None,
        audience=audience,
        text=text,
        author_person_id=actor.person_id,
        created_at=now,
        report_platform=report_chat.platform if report_chat else None,
        report_chat_id=report_chat.chat_id if report_chat else None,
        report_message_id=report_message_id,
    )
    session.add(announcement)
    await session.flush()
    assert announcement.id is not None
    people = await recipients(session=session, day=day, cell=cell, unit=unit, audience=audience)
    await queue(
        session=session,
        purpose=PURPOSE,
        subject=subject_of(announcement.id),
        occurrence="1",
        recipients=people,
        # Each recipient reads who it is from in their own language; the body is as written.
        message_key=FROM,
        params={"target": cell.name if cell else unit.name if unit else "?"},
        text=text,
        now=now,
    )
    await record_change(
        session,
        actor=actor,
        now=now,
        action="announcement.create",
        subject=subject_of(announcement.id),
        after={
            "cell_id": announcement.cell_id,
            "unit_id": announcement.unit_id,
            "audience": audience,
            "recipients": len(people),
        },
        # A live report in chat needs its job: the runtime schedules it.
        touched=[("announcement", str(announcement.id))] if report_chat else [],
    )
    return announcement


@dataclass
class DeliveryReport:
    """How far an announcement's delivery has got."""

    sent: int = 0
    pending: int = 0
    failed: int = 0
    unreachable: list[tuple[str, str]] = field(default_factory=list)  # (full name, reason)

    @property
    def done(self) -> bool:
        """True once nothing is waiting to be sent."""
        return self.pending == 0


async def report(*, session: AsyncSession, announcement_id: int) -> DeliveryReport:
    """Count the announcement's messages by outcome, naming the people who could not be reached."""
    rows = (
        await session.exec(
            select(OutboxMessage, Person)
            .join(Person, col(Person.id) == col(OutboxMessage.person_id), isouter=True)
            .where(OutboxMessage.purpose == PURPOSE, OutboxMessage.subject == subject_of(announcement_id))
            .order_by(col(Person.name_key))
        )
    ).all()
    result = DeliveryReport()
    rows = sorted(rows, key=lambda row: sort_key(row[1].full_name) if row[1] else ((), ()))
    for message, person in rows:
        if message.status == "sent":
            result.sent += 1
        elif message.status in ("pending", "sending"):
            result.pending += 1
        elif message.status == "failed":
            result.failed += 1
        else:
            result.unreachable.append(
                (person.full_name if person else message.chat_id, message.reason or "?")
            )
    return result


UNREACHABLE_REASON_TEXT = {
    "not_linked": N_("has not linked a chat account yet"),
    "blocked": N_("blocked the bot"),
    "deleted": N_("deleted their account"),
    "chat_not_found": N_("chat not found"),
}


def digest(text: str) -> str:
    """A short fingerprint of a report's text: equal fingerprints mean an edit would change nothing."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def gist(result: DeliveryReport) -> str:
    """What a report says that is worth a new message where it cannot be edited in place.

    Whether delivery finished, and who could not be reached or failed: not the counts that move as
    each message goes out.
    """
    return repr((result.done, result.failed, sorted(result.unreachable)))


def shown(result: DeliveryReport, text: str, *, edits: bool) -> str:
    """The digest to remember for a report just shown: of its text where it is edited, else of its gist."""
    return digest(text if edits else gist(result))


def render_report(result: DeliveryReport, gettext: Callable[[str], str]) -> str:
    """The delivery report as text for the author."""
    lines = [
        gettext(
            N_(
                "Announcement delivery: %(sent)s sent, %(pending)s waiting, %(unreachable)s unreachable, "
                "%(failed)s failed."
            )
        )
        % {
            "sent": result.sent,
            "pending": result.pending,
            "unreachable": len(result.unreachable),
            "failed": result.failed,
        },
    ]
    if result.unreachable:
        lines.append(gettext(N_("Could not reach:")))
        for name, reason in result.unreachable:
            lines.append(f"• {name}: {gettext(UNREACHABLE_REASON_TEXT.get(reason, reason))}")
    lines.append(gettext(N_("Delivery finished.")) if result.done else gettext(N_("Still sending…")))
    return "\n".join(lines)


async def open_reports(*, session: AsyncSession) -> list[Announcement]:
    """Announcements whose live report in chat still needs updating."""
    query = select(Announcement).where(
        col(Announcement.report_done).is_(False), col(Announcement.report_chat_id).is_not(None)
    )
    return list((await session.exec(query)).all())


async def unreachable_members(*, session: AsyncSession, cell: Cell, day: date) -> list[tuple[Person, str]]:
    """Members of the cell the bot cannot reach now, with the reason.

    Not linked, or the last message to their account failed for good (blocked, deleted, not found) and
    nothing has reached them or come from them since (see ChatIdentity.unreachable_reason).
    """
    assert cell.id is not None
    members = sorted(
        (p for p, _ in await repo.cell_members(session=session, cell_id=cell.id, day=day)),
        key=lambda p: sort_key(p.full_name),
    )
    identities = await repo.identities_of(session=session, person_ids=[p.id for p in members if p.id])
    result = []
    for person in members:
        assert person.id is not None
        chats = identities[person.id]
        if not chats:
            result.append((person, "not_linked"))
        result += [(person, chat.unreachable_reason) for chat in chats if chat.unreachable_reason]
    return result

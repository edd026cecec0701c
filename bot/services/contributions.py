"""Contributions (ý kiến) to a meeting: taken, tagged, corrected, withdrawn, relayed and counted.

Who may contribute when, and the participation figures, are bot.meetings.contributions; this module
applies them to the database. Every change adds a version, so the history keeps what was said first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain import Attachment, ChatRef
from bot.errors import UserError
from bot.i18n import N_
from bot.meetings.contributions import (
    MAX_TEXT,
    SILENT_MEETINGS,
    Kind,
    Member,
    Refusal,
    Share,
    Standing,
    editable,
    next_position,
    share,
    silent_streak,
    standing,
)
from bot.meetings.rules import Answer, Rules, State, Verdict
from bot.services.audit import Actor, record_change
from bot.services.delivery import Recipient, queue
from bot.services.meetings import (
    agenda_items,
    came,
    counted_present,
    name_of,
    require_state,
    row_for,
    state,
    subject_of,
)
from storage.models import AgendaItem, Attendance, Cell, Contribution, ContributionVersion, Meeting

# What commands are handed.
ContributionRow = Contribution
AgendaRow = AgendaItem

RELAY_PURPOSE = "contribution_relay"
RELAY = N_("Comrade %(name)s: %(text)s")
RELAY_WRITTEN = N_("Comrade %(name)s (written view): %(text)s")
RELAY_MEDIA = N_("Comrade %(name)s: [%(media)s] %(text)s")

KIND_NAMES = {
    Kind.COMMENT: N_("comment"),
    Kind.QUESTION: N_("question"),
    Kind.PROPOSAL: N_("proposal"),
    Kind.SELF_CRITICISM: N_("self-criticism"),
}
MEDIA_NAMES = {"voice": N_("voice note"), "photo": N_("photo")}

REFUSALS = {
    Refusal.NOT_OPEN: N_(
        "Meeting #%(id)s has not opened yet. Contributions are taken once it opens, from members who "
        "checked in; members excused from it may send a written view. Nothing was saved."
    ),
    Refusal.ENDED: N_("Meeting #%(id)s is over: contributions are no longer taken. Nothing was saved."),
    Refusal.NOT_CHECKED_IN: N_(
        "Please check in first with /checkin, then send your contribution again. Nothing was saved."
    ),
}
NOT_YOURS = N_("That is not one of your contributions.")
WITHDRAWN = N_("That contribution was withdrawn already.")
EMPTY = N_("Please write something, send a voice note, or a photo with a caption.")
TOO_LONG = N_("That is %(length)s characters; a contribution can have at most %(max)s. Nothing was saved.")


def check_text(text: str) -> str:
    """A contribution's text, trimmed; a UserError when it is too long."""
    text = text.strip()
    if len(text) > MAX_TEXT:
        raise UserError(TOO_LONG, length=len(text), max=MAX_TEXT)
    return text


def member_facts(row: Attendance | None) -> Member | None:
    """What the rules need of an attendance row."""
    if row is None:
        return None
    return Member(
        answer=Answer(row.answer) if row.answer else None,
        verdict=Verdict(row.verdict) if row.verdict else None,
        checked_in=row.checked_in_at is not None,
    )


async def standing_of(
    session: AsyncSession, meeting: Meeting, person_id: int, *, now: datetime, rules: Rules, tz: tzinfo
) -> Standing:
    """How this member may contribute now; a UserError saying why not."""
    assert meeting.id is not None
    current = state(meeting, now, rules)
    row = None
    if current in (State.PLANNED, State.OPEN):
        row = await row_for(session, meeting, person_id, now.astimezone(tz).date())
    result = standing(current, member_facts(row))
    if isinstance(result, Refusal):
        raise UserError(REFUSALS[result], id=meeting.id)
    return result


async def current_item(session: AsyncSession, meeting: Meeting) -> AgendaItem | None:
    """The agenda item under discussion, if /next has moved to one."""
    if meeting.current_position is None or meeting.id is None:
        return None
    query = select(AgendaItem).where(
        AgendaItem.meeting_id == meeting.id, AgendaItem.position == meeting.current_position
    )
    return (await session.exec(query)).first()


async def add(
    *,
    session: AsyncSession,
    meeting: Meeting,
    cell: Cell,
    person_id: int,
    body: str,
    actor: Actor,
    now: datetime,
    rules: Rules,
    tz: tzinfo,
    attachment: Attachment | None = None,
    source: str | None = None,
    recorded: bool = False,
) -> Contribution:
    """Take a contribution, tagged with the item under discussion; `recorded` when the actor writes it
    down for a present member without a phone. Flushed, so it commits with the confirmation's event."""
    assert meeting.id is not None
    body = check_text(body)
    if not body and attachment is None:
        raise UserError(EMPTY)
    how = await standing_of(session, meeting, person_id, now=now, rules=rules, tz=tz)
    if recorded and how is not Standing.PRESENT:
        raise UserError(
            N_("Only members checked in at the meeting can have a contribution recorded for them.")
        )
    item = await current_item(session, meeting)
    contribution = Contribution(
        meeting_id=meeting.id,
        person_id=person_id,
        agenda_item_id=item.id if item else None,
        body=body,
        media_kind=attachment.kind if attachment else None,
        file_id=attachment.file_id if attachment else None,
        duration_seconds=attachment.duration if attachment else None,
        file_size=attachment.size if attachment else None,
        written=how is Standing.WRITTEN,
        recorded_by_person_id=actor.person_id if recorded else None,
        source=source,
        created_at=now,
        updated_at=now,
    )
    session.add(contribution)
    await session.flush()
    _version(session, contribution, actor, now)
    await record_change(
        session,
        actor=actor,
        now=now,
        action="contribution.add",
        subject=subject_of(meeting.id),
        after={"id": contribution.id, "person_id": person_id, "written": contribution.written},
    )
    await _relay(session, contribution, cell, now=now)
    return contribution


def _version(session: AsyncSession, contribution: Contribution, actor: Actor, now: datetime) -> None:
    assert contribution.id is not None
    session.add(
        ContributionVersion(
            contribution_id=contribution.id,
            version=contribution.version,
            kind=contribution.kind,
            body=contribution.body,
            agenda_item_id=contribution.agenda_item_id,
            withdrawn=contribution.withdrawn_at is not None,
            at=now,
            by_person_id=actor.person_id,
        )
    )


async def _relay(session: AsyncSession, contribution: Contribution, cell: Cell, *, now: datetime) -> None:
    """Post it in the cell's group as "Đ/c <name>: …" when the secretary turned relaying on (rendered
    when sent, in the group's language)."""
    if not (cell.relay_contributions and cell.group_chat_platform and cell.group_chat_id):
        return
    params: dict[str, Any] = {
        "name": await name_of(session, contribution.person_id),
        "text": contribution.body,
    }
    key = RELAY_WRITTEN if contribution.written else RELAY
    if contribution.media_kind:  # the media's name is translated when sent, like the rest
        key, params["media"] = RELAY_MEDIA, {"msgid": MEDIA_NAMES[contribution.media_kind]}
    await queue(
        session=session,
        purpose=RELAY_PURPOSE,
        subject=subject_of(contribution.meeting_id),
        occurrence=f"contribution:{contribution.id}",
        recipients=[Recipient(None, ChatRef(cell.group_chat_platform, cell.group_chat_id))],
        message_key=key,
        params=params,
        now=now,
    )


async def get_own(
    session: AsyncSession, contribution_id: int, meeting: Meeting, person_id: int
) -> Contribution:
    """A contribution of this meeting that this person made, or recorded for someone; else a UserError."""
    contribution = await session.get(Contribution, contribution_id)
    if (
        contribution is None
        or contribution.meeting_id != meeting.id
        or person_id not in (contribution.person_id, contribution.recorded_by_person_id)
    ):
        raise UserError(NOT_YOURS)
    return contribution


async def by_source(session: AsyncSession, source: str) -> Contribution | None:
    """The contribution taken from this message, if any."""
    return (await session.exec(select(Contribution).where(Contribution.source == source))).first()


def require_editable(meeting: Meeting, now: datetime, rules: Rules, contribution: Contribution) -> None:
    """A UserError unless the contribution can still be changed: standing, and the meeting not closed."""
    if not editable(state(meeting, now, rules)):
        require_state(meeting, now, rules, State.PLANNED, State.OPEN)
    if contribution.withdrawn_at is not None:
        raise UserError(WITHDRAWN)


async def revise(
    *,
    session: AsyncSession,
    contribution: Contribution,
    meeting: Meeting,
    actor: Actor,
    now: datetime,
    rules: Rules,
    body: str | None = None,
    kind: Kind | None = None,
    agenda_item_id: int | None = None,
    withdraw: bool = False,
) -> bool:
    """Correct, mark, move or withdraw a contribution until the meeting closes; each change is a new
    version. False when it would change nothing."""
    assert meeting.id is not None and contribution.id is not None
    require_editable(meeting, now, rules, contribution)
    if body is not None:
        body = check_text(body)
        if not body and contribution.media_kind is None:
            raise UserError(EMPTY)
    before = (contribution.body, contribution.kind, contribution.agenda_item_id)
    if body is not None:
        contribution.body = body
    if kind is not None:
        contribution.kind = kind.value
    if agenda_item_id is not None:
        contribution.agenda_item_id = agenda_item_id
    if not withdraw and (contribution.body, contribution.kind, contribution.agenda_item_id) == before:
        return False
    if withdraw:
        contribution.withdrawn_at = now
    contribution.version += 1
    contribution.updated_at = now
    await session.flush()
    _version(session, contribution, actor, now)
    await record_change(
        session,
        actor=actor,
        now=now,
        action="contribution.withdraw" if withdraw else "contribution.revise",
        subject=subject_of(meeting.id),
        after={"id": contribution.id, "version": contribution.version},
    )
    return True


async def history(session: AsyncSession, contribution_id: int) -> list[ContributionVersion]:
    """Every version of a contribution, first to last."""
    query = (
        select(ContributionVersion)
        .where(ContributionVersion.contribution_id == contribution_id)
        .order_by(col(ContributionVersion.version))
    )
    return list((await session.exec(query)).all())


async def of_meeting(
    session: AsyncSession, meeting_id: int, *, person_id: int | None = None
) -> list[Contribution]:
    """The meeting's contributions standing (not withdrawn), in the order they came; one person's
    (made or recorded by them) when `person_id`."""
    query = select(Contribution).where(
        Contribution.meeting_id == meeting_id, col(Contribution.withdrawn_at).is_(None)
    )
    if person_id is not None:
        query = query.where(
            (Contribution.person_id == person_id) | (Contribution.recorded_by_person_id == person_id)
        )
    return list((await session.exec(query.order_by(col(Contribution.id)))).all())


async def move_to(
    *,
    session: AsyncSession,
    meeting: Meeting,
    wanted: int | None,
    actor: Actor,
    now: datetime,
    rules: Rules,
) -> AgendaItem | None:
    """Move the open meeting to the next agenda item, or to item `wanted`; None when it already is
    there. A UserError when there is no such item."""
    assert meeting.id is not None
    require_state(meeting, now, rules, State.OPEN)
    agenda = await agenda_items(session, meeting.id)
    if not agenda:
        raise UserError(
            N_("Meeting #%(id)s has no agenda. Add it with /meeting_edit before it opens."), id=meeting.id
        )
    if wanted is not None and wanted == meeting.current_position:
        return None
    position = next_position([item.position for item in agenda], meeting.current_position, wanted)
    if position is None:
        if wanted is not None:
            raise UserError(N_("The agenda has items 1 to %(count)s."), count=len(agenda))
        raise UserError(N_("That was the last item of the agenda."))
    before = meeting.current_position
    meeting.current_position = position
    await session.flush()
    await record_change(
        session,
        actor=actor,
        now=now,
        action="meeting.next_item",
        subject=subject_of(meeting.id),
        before={"position": before},
        after={"position": position},
    )
    return next(item for item in agenda if item.position == position)


@dataclass
class Participation:
    """Who spoke at a meeting, and who has been quiet: figures for the score sheet and the secretary."""

    share: Share
    # Present members who have not contributed yet (ids, in roster order).
    not_yet: list[int] = field(default_factory=list)
    # Per member of the roster who was ever present: meetings since they last spoke (this one included).
    streaks: dict[int, int] = field(default_factory=dict)
    # The meeting's contributions standing (not withdrawn), in the order they came.
    taken: list[Contribution] = field(default_factory=list)

    @property
    def written(self) -> int:
        """Written views from excused members."""
        return sum(1 for c in self.taken if c.written)

    @property
    def quiet(self) -> list[int]:
        """Members who have not spoken in the last SILENT_MEETINGS meetings they attended."""
        return [person for person, streak in self.streaks.items() if streak >= SILENT_MEETINGS]


async def participation(
    session: AsyncSession, meeting: Meeting, roster: Sequence[Attendance]
) -> Participation:
    """The meeting's share of present members who spoke, who has not yet, and each member's streak of
    meetings without a word (across every cell they sat in: history survives moves and merges; only
    meetings held in the bot count, as only they recorded who spoke)."""
    assert meeting.id is not None
    standing_now = await of_meeting(session, meeting.id)
    spoke = {c.person_id for c in standing_now if not c.written}
    present = [row.person_id for row in roster if counted_present(row)]
    people = [row.person_id for row in roster]
    attended = (
        await session.exec(
            select(Attendance.person_id, Attendance.meeting_id, Attendance.checked_in_at, Attendance.final)
            .join(Meeting, col(Meeting.id) == Attendance.meeting_id)
            .where(
                col(Attendance.person_id).in_(people),
                col(Meeting.cancelled_at).is_(None),
                col(Meeting.starts_at) <= meeting.starts_at,
                # Only meetings held in the bot say who spoke: one recorded afterwards counts neither way.
                col(Meeting.opened_at).is_not(None),
                col(Meeting.recorded_late).is_(False),
                col(Meeting.contributions_taken).is_(True),
            )
            .order_by(col(Meeting.starts_at).desc(), col(Meeting.id).desc())
        )
    ).all()
    spoken = set(
        (
            await session.exec(
                select(Contribution.person_id, Contribution.meeting_id).where(
                    col(Contribution.person_id).in_(people),
                    col(Contribution.withdrawn_at).is_(None),
                    col(Contribution.written).is_(False),
                )
            )
        ).all()
    )
    history: dict[int, list[bool]] = {}
    for person_id, meeting_id, checked_in_at, final in attended:
        if came(checked_in_at, final):
            history.setdefault(person_id, []).append((person_id, meeting_id) in spoken)
    return Participation(
        share=share(present, spoke),
        not_yet=[person for person in present if person not in spoke],
        streaks={person: silent_streak(history[person]) for person in people if person in history},
        taken=standing_now,
    )


async def set_relay(*, session: AsyncSession, cell: Cell, on: bool, actor: Actor, now: datetime) -> bool:
    """Turn relaying of contributions to the cell's group on or off; False when it already was."""
    if on and not (cell.group_chat_platform and cell.group_chat_id):
        raise UserError(N_("The cell has no group chat linked yet: send /linkgroup in the group first."))
    if cell.relay_contributions == on:
        return False
    cell.relay_contributions = on
    await session.flush()
    await record_change(
        session,
        actor=actor,
        now=now,
        action="cell.relay_contributions",
        subject=f"cell:{cell.id}",
        before={"on": not on},
        after={"on": on},
    )
    return True

"""Contributions in chat: /say (/ykien) or Speak then the next message, /said (/suaykien) to mark,
move, correct or withdraw, /say_for (/ghiykien) for a member without a phone, /next (/tieptheo),
/contributions (/ykienhop) and /relay (/chuyennhom). The rules live in bot.meetings.contributions and
bot.services.contributions; these only ask, check and answer."""

from __future__ import annotations

import dataclasses

from bot import scopes
from bot.chat import REFUSED, Ctx, cmd_button, flow_button
from bot.chat.authority import set_target
from bot.commands.common import meeting_of as _meeting
from bot.commands.common import rules as _rules
from bot.commands.common import typed_after
from bot.commands.common import zone as _tz
from bot.domain import Attachment, Button
from bot.errors import UserError
from bot.flows import Form, finish
from bot.i18n import N_
from bot.meetings.contributions import SILENT_MEETINGS, Kind
from bot.meetings.rules import State
from bot.permissions import BY_NAME, Scope, allowed
from bot.services import contributions, meetings
from bot.services.contributions import ContributionRow
from bot.services.meetings import MeetingRow

PRIVATE_ONLY = N_(
    "Contributions are sent in your private chat with me, not in the group. Nothing was saved here."
)
ASK = N_(
    "Send your contribution now: write it, send a voice note, or a photo with a caption. "
    "Send /cancel to stop."
)
NOW_ON = N_("Under discussion: item %(number)s. %(title)s")
SHORT = 60  # characters of a contribution shown on a button
QUOTED = 300  # characters of it quoted back in the confirmation


def _source(ctx: Ctx) -> str | None:
    """The user's message a contribution is taken from, so an edit of it corrects the contribution."""
    incoming = ctx.incoming
    if incoming.sent_id is None or incoming.button is not None:
        return None
    return f"{incoming.chat.platform}:{incoming.chat.chat_id}:{incoming.sent_id}"


async def _where(ctx: Ctx, meeting: MeetingRow) -> str:
    """'Under discussion: item 2. …', or nothing before the first item."""
    item = await contributions.current_item(ctx.session, meeting)
    return ctx._(NOW_ON, number=item.position, title=item.title) if item else ""


def _actions(ctx: Ctx, contribution: ContributionRow) -> tuple[tuple[Button, ...], ...]:
    """What can be done with a contribution just taken: mark it, move it, correct or withdraw it."""
    meeting_id, number = f"#{contribution.meeting_id}", contribution.id

    def action(label: str, what: str) -> Button:
        return cmd_button(label, "said", meeting_id, number, what)

    # The marks it does not have yet ("plain comment" only once it has another, to undo it).
    marks = [kind for kind in Kind if kind.value != contribution.kind]
    return (
        tuple(action(ctx._(MARK_LABELS[kind]), kind.value) for kind in marks),
        (action(ctx._(N_("Another agenda item")), "item"),),
        (action(ctx._(N_("Correct")), "fix"), action(ctx._(N_("Withdraw")), "drop")),
    )


MARK_LABELS = {
    Kind.COMMENT: N_("Plain comment"),
    Kind.QUESTION: N_("A question"),
    Kind.PROPOSAL: N_("A proposal"),
    Kind.SELF_CRITICISM: N_("Self-criticism"),
}


async def _described(ctx: Ctx, contribution: ContributionRow) -> str:
    """One line saying what a contribution is: its item, its mark, written or recorded."""
    parts = []
    if contribution.agenda_item_id is not None:
        items = {i.id: i for i in await meetings.agenda_items(ctx.session, contribution.meeting_id)}
        item = items.get(contribution.agenda_item_id)
        if item is not None:
            parts.append(ctx._(N_("item %(number)s. %(title)s"), number=item.position, title=item.title))
    else:
        parts.append(ctx._(N_("no agenda item")))
    if contribution.kind != Kind.COMMENT:  # a plain comment needs no word
        parts.append(ctx._(contributions.KIND_NAMES[Kind(contribution.kind)]))
    if contribution.written:
        parts.append(ctx._(N_("written view")))
    return " · ".join(parts)


def _content(ctx: Ctx, contribution: ContributionRow) -> str:
    """The contribution as the minutes show it: its text, and what a voice note or photo was."""
    media = ""
    if contribution.media_kind:
        media = "[" + ctx._(contributions.MEDIA_NAMES[contribution.media_kind])
        if contribution.duration_seconds is not None:
            minutes, seconds = divmod(contribution.duration_seconds, 60)
            media += f" {minutes}:{seconds:02d}"
        media += "]"
    return " ".join(part for part in (media, contribution.body) if part)


async def _taken(ctx: Ctx, contribution: ContributionRow) -> None:
    """Confirm a contribution (already flushed: it commits before this reply is sent)."""
    confirm = (
        N_("Your written view is noted: %(what)s.")
        if contribution.written
        else N_("Your contribution is noted: %(what)s.")
    )
    # What was kept, quoted, so the member sees it is what they meant.
    quoted = f"«{_short(_content(ctx, contribution), QUOTED)}»"
    text = ctx._(confirm, what=await _described(ctx, contribution)) + "\n" + quoted
    ctx.reply(text, _actions(ctx, contribution))
    ctx.outcome.wake_delivery = True  # relayed to the group, when relaying is on


async def _take(
    ctx: Ctx,
    body: str,
    *,
    person_id: int | None = None,
    held: tuple[Attachment | None, str | None] | None = None,
) -> ContributionRow:
    """Store a contribution: from this very message, or from one `held` (attachment, source) while
    the member confirmed it."""
    assert ctx.cell is not None
    person = ctx.require_person()
    assert person.id is not None
    if held is not None:
        attachment, source = held
    else:
        attachment, source = ctx.incoming.attachment, _source(ctx)
        if ctx.incoming.media is not None and attachment is None:
            raise UserError(contributions.EMPTY)  # a sticker, a location …: nothing the minutes can hold
    return await contributions.add(
        session=ctx.session,
        meeting=_meeting(ctx),
        cell=ctx.cell,
        person_id=person_id if person_id is not None else person.id,
        body=body,
        actor=ctx.actor,
        now=ctx.now,
        rules=_rules(ctx),
        tz=_tz(ctx),
        attachment=attachment,
        source=source,
        recorded=person_id is not None,
    )


# --------------------------------------------------------------------------------------- /say (/ykien)


async def say(ctx: Ctx) -> None:
    """Post a contribution: typed after the command, or (Speak) the next message."""
    if not ctx.incoming.private:
        ctx.refuse(ctx._(PRIVATE_ONLY))
        return
    meeting, person = _meeting(ctx), ctx.require_person()
    assert person.id is not None
    body = typed_after(ctx)
    if body:
        await _taken(ctx, await _take(ctx, body))
        return
    # Refuse now (not after they have written it) when they may not contribute.
    await contributions.standing_of(
        ctx.session, meeting, person.id, now=ctx.now, rules=_rules(ctx), tz=_tz(ctx)
    )
    await ctx.begin_form("say", "text")
    where = await _where(ctx, meeting)
    ctx.reply("\n".join(part for part in (where, ctx._(ASK)) if part), keep_pressed=True)


async def say_step(ctx: Ctx, state: Form, answer: str) -> None:
    """The message after Speak (text, a voice note or a photo with its caption); or yes/no to record a
    message sent without Speak."""
    person = ctx.require_person()
    assert person.id is not None
    try:
        await contributions.standing_of(
            ctx.session, _meeting(ctx), person.id, now=ctx.now, rules=_rules(ctx), tz=_tz(ctx)
        )
    except UserError as error:
        # The meeting closed (or they left it) since Speak: the form ends, so their next message is
        # not refused again; the refusal says nothing was saved.
        await finish(session=ctx.session, state=state)
        ctx.reply(error.render(ctx.gettext))
        return
    if state.step == "confirm":
        if answer not in ("yes", "no"):
            ctx.reply(ctx._(N_("Please choose one of the choices, or send /cancel.")))
            return
        if answer == "no":
            await finish(session=ctx.session, state=state)
            ctx.reply(ctx._(N_("Not recorded.")))
            return
        kept = state.data.get("attachment")
        contribution = await _take(
            ctx,
            str(state.data["text"]),
            held=(Attachment(**kept) if kept else None, state.data.get("source")),
        )
    else:
        contribution = await _take(ctx, answer)  # a refusal keeps the form open for another try
    await finish(session=ctx.session, state=state)
    await _taken(ctx, contribution)


async def offered(ctx: Ctx, text: str) -> bool:
    """A message sent without Speak by a member checked in at an open meeting: offer to record it as
    their contribution (nothing is stored until they say yes). False for anyone else."""
    if not ctx.incoming.private or (ctx.incoming.media is not None and ctx.incoming.attachment is None):
        return False
    person = ctx.require_person()
    assert person.id is not None
    spec = BY_NAME["say"]
    found = await scopes.resolver(Scope.MEETING).candidates(
        ctx.session, person_id=person.id, command=spec, day=ctx.today, now=ctx.now
    )
    rules = ctx.config.meetings.rules()
    running = [t for t in found if meetings.state(t.meeting, ctx.now, rules) is State.OPEN]
    if len(running) != 1:
        return False
    ctx.spec = spec
    await set_target(ctx, spec, person.id, running[0])
    row = await meetings.row_for(ctx.session, _meeting(ctx), person.id, ctx.today)
    if not allowed(spec, ctx.roles) or row.checked_in_at is None:
        return False
    contributions.check_text(text)
    attachment = ctx.incoming.attachment
    await ctx.begin_form(
        "say",
        "confirm",
        text=text,
        source=_source(ctx),
        attachment=dataclasses.asdict(attachment) if attachment else None,
    )
    where = await _where(ctx, _meeting(ctx))
    ask = ctx._(N_("Record this as your contribution to the meeting?"))
    ctx.reply(
        "\n".join(part for part in (where, ask) if part),
        ((flow_button(ctx._(N_("Yes, record it")), "yes"), flow_button(ctx._(N_("No")), "no")),),
    )
    return True


# ---------------------------------------------------------------------------------- /said (/suaykien)


async def said(ctx: Ctx) -> None:
    """Your contributions to the meeting; one of them; or an action on one (mark, item, fix, drop)."""
    if not ctx.incoming.private:
        ctx.refuse(ctx._(PRIVATE_ONLY))
        return
    meeting, person = _meeting(ctx), ctx.require_person()
    assert meeting.id is not None and person.id is not None
    if not ctx.args:
        mine = await contributions.of_meeting(ctx.session, meeting.id, person_id=person.id)
        if not mine:
            ctx.reply(ctx._(N_("You have no contributions to meeting #%(id)s."), id=meeting.id))
            return
        buttons = tuple(
            (cmd_button(_short(f"{n}. {_content(ctx, c)}"), "said", f"#{meeting.id}", c.id),)
            for n, c in enumerate(mine, start=1)
        )
        ctx.reply(ctx._(N_("Your contributions to meeting #%(id)s. Which one?"), id=meeting.id), buttons)
        return
    if not ctx.args[0].isdigit():
        raise UserError(N_("Choose one of your contributions from the list (send /said)."))
    contribution = await contributions.get_own(ctx.session, int(ctx.args[0]), meeting, person.id)
    what = ctx.args[1] if len(ctx.args) > 1 else None
    if what is None:
        text = f"{_content(ctx, contribution)}\n({await _described(ctx, contribution)})"
        ctx.reply(text, _actions(ctx, contribution))
        return
    if what in {kind.value for kind in Kind}:
        changed = await _revise(ctx, contribution, kind=Kind(what))
        described = await _described(ctx, contribution)
        ctx.reply(
            ctx._(N_("Marked: %(what)s."), what=described)
            if changed
            else ctx._(N_("It already was: %(what)s."), what=described),
            _actions(ctx, contribution),
        )
        return
    if what == "drop":
        await _revise(ctx, contribution, withdraw=True)
        ctx.reply(ctx._(N_("Withdrawn. It no longer counts, but the history keeps it.")))
        return
    contributions.require_editable(meeting, ctx.now, _rules(ctx), contribution)
    if what == "fix":
        await ctx.begin_form("said_fix", "text", contribution=contribution.id)
        ctx.reply(ctx._(N_("Send the corrected text. Send /cancel to keep it as it is.")))
        return
    if what == "item":
        agenda = await meetings.agenda_items(ctx.session, meeting.id)
        if not agenda:
            raise UserError(N_("Meeting #%(id)s has no agenda."), id=meeting.id)
        await ctx.begin_form("said_item", "item", contribution=contribution.id)
        ctx.reply(
            ctx._(N_("Which agenda item is it about?")),
            tuple((flow_button(f"{item.position}. {item.title}", str(item.position)),) for item in agenda),
        )
        return
    raise UserError(N_("Choose one of the choices shown."))


def _short(text: str, length: int = SHORT) -> str:
    """The text on one line, cut to `length` characters."""
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


async def _revise(ctx: Ctx, contribution: ContributionRow, **change: object) -> bool:
    return await contributions.revise(
        session=ctx.session,
        contribution=contribution,
        meeting=_meeting(ctx),
        actor=ctx.actor,
        now=ctx.now,
        rules=_rules(ctx),
        **change,  # type: ignore[arg-type]
    )


async def _form_contribution(ctx: Ctx, state: Form) -> ContributionRow | None:
    """The contribution a form changes; None (the form closed, the reason said) once it cannot be."""
    person = ctx.require_person()
    assert person.id is not None
    try:
        contribution = await contributions.get_own(
            ctx.session, int(state.data["contribution"]), _meeting(ctx), person.id
        )
        contributions.require_editable(_meeting(ctx), ctx.now, _rules(ctx), contribution)
    except UserError as error:
        await finish(session=ctx.session, state=state)
        ctx.reply(error.render(ctx.gettext))
        return None
    return contribution


async def said_fix_step(ctx: Ctx, state: Form, answer: str) -> None:
    """The corrected text: a new version, the old ones kept."""
    contribution = await _form_contribution(ctx, state)
    if contribution is None:
        return
    changed = await _revise(ctx, contribution, body=answer)
    await finish(session=ctx.session, state=state)
    if not changed:
        ctx.reply(ctx._(N_("That is what it said already; nothing was changed.")))
        return
    ctx.reply(
        ctx._(
            N_("Corrected (version %(version)s); the earlier text stays in the history."),
            version=contribution.version,
        ),
        _actions(ctx, contribution),
    )


async def said_item_step(ctx: Ctx, state: Form, answer: str) -> None:
    """The agenda item a contribution is about."""
    contribution = await _form_contribution(ctx, state)
    if contribution is None:
        return
    agenda = {
        str(item.position): item for item in await meetings.agenda_items(ctx.session, contribution.meeting_id)
    }
    item = agenda.get(answer.strip().rstrip("."))
    if item is None:
        ctx.reply(ctx._(N_("Please choose one of the choices, or send /cancel.")))
        return
    await _revise(ctx, contribution, agenda_item_id=item.id)
    await finish(session=ctx.session, state=state)
    ctx.reply(
        ctx._(N_("Moved: %(what)s."), what=await _described(ctx, contribution)), _actions(ctx, contribution)
    )


async def edited(ctx: Ctx) -> None:
    """A member edited the message a contribution was taken from: the contribution is corrected."""
    source = _source(ctx)
    person = ctx.require_person()
    assert person.id is not None
    contribution = await contributions.by_source(ctx.session, source) if source else None
    if contribution is None:
        return  # an edit of anything else runs nothing
    spec = BY_NAME["said"]
    target = await scopes.resolver(Scope.MEETING).get(ctx.session, contribution.meeting_id)
    await set_target(ctx, spec, person.id, target)
    if not allowed(spec, ctx.roles) or person.id not in (
        contribution.person_id,
        contribution.recorded_by_person_id,
    ):
        ctx.refuse(ctx._(REFUSED, command=spec.name))
        return
    text = ctx.incoming.text
    if text is None and ctx.incoming.attachment is not None:
        text = ctx.incoming.attachment.caption or ""
    body = typed_after(ctx) if text is not None and text.strip().startswith("/") else (text or "")
    if await _revise(ctx, contribution, body=body):
        ctx.reply(
            ctx._(N_("Your contribution is corrected (version %(version)s)."), version=contribution.version)
        )


# ---------------------------------------------------------------------------------- /say_for (/ghiykien)


async def say_for(ctx: Ctx) -> None:
    """Write down what a present member without a phone said: pick them, then type it."""
    if not ctx.incoming.private:
        ctx.refuse(ctx._(PRIVATE_ONLY))
        return
    meeting = _meeting(ctx)
    assert meeting.id is not None
    rows = [row for row in await meetings.roster(ctx.session, meeting.id) if row.checked_in_at]
    names = await meetings.names_of(ctx.session, [row.person_id for row in rows])
    if ctx.args and ctx.args[0].isdigit() and int(ctx.args[0]) in names:
        person_id = int(ctx.args[0])
        await ctx.begin_form("say_for", "text", person=person_id)
        ctx.reply(ctx._(N_("Write what comrade %(name)s said. Send /cancel to stop."), name=names[person_id]))
        return
    if not rows:
        ctx.reply(ctx._(N_("Nobody has checked in yet.")))
        return
    ordered = sorted(rows, key=lambda row: names[row.person_id])
    ctx.reply(
        ctx._(N_("Whose contribution are you writing down?")),
        tuple(
            (cmd_button(names[row.person_id], "say_for", f"#{meeting.id}", row.person_id),) for row in ordered
        ),
    )


async def say_for_step(ctx: Ctx, state: Form, answer: str) -> None:
    """What they said: stored as theirs, marked as recorded by whoever wrote it down."""
    try:
        meetings.require_state(_meeting(ctx), ctx.now, _rules(ctx), State.OPEN)
    except UserError as error:  # closed meanwhile: the form ends rather than refuse every message
        await finish(session=ctx.session, state=state)
        ctx.reply(error.render(ctx.gettext))
        return
    contribution = await _take(ctx, answer, person_id=int(state.data["person"]))
    await finish(session=ctx.session, state=state)
    name = (await meetings.names_of(ctx.session, [contribution.person_id]))[contribution.person_id]
    ctx.reply(
        ctx._(
            N_("Noted for comrade %(name)s, recorded by you: %(what)s."),
            name=name,
            what=await _described(ctx, contribution),
        ),
        _actions(ctx, contribution),
    )


# ------------------------------------------------------------------------------------ /next (/tieptheo)


async def next_(ctx: Ctx) -> None:
    """Move to the next agenda item (or to item N); the members not heard yet are listed, to invite."""
    meeting = _meeting(ctx)
    assert meeting.id is not None
    wanted = None
    if ctx.args:
        if not ctx.args[0].isdigit():
            raise UserError(N_("Write the item's number, for example /next 2."))
        wanted = int(ctx.args[0])
    item = await contributions.move_to(
        session=ctx.session, meeting=meeting, wanted=wanted, actor=ctx.actor, now=ctx.now, rules=_rules(ctx)
    )
    if item is None:
        ctx.refuse(ctx._(N_("The meeting is on item %(number)s already."), number=meeting.current_position))
        return
    agenda = await meetings.agenda_items(ctx.session, meeting.id)
    lines = [
        ctx._(
            N_("Now on item %(number)s of %(count)s: %(title)s"),
            number=item.position,
            count=len(agenda),
            title=item.title,
        )
    ]
    report = await _participation(ctx, meeting)
    if report.not_yet:
        lines.append(await _invite(ctx, report.not_yet))
    following = [i for i in agenda if i.position > item.position]
    buttons = (
        ((cmd_button(ctx._(N_("Next item")), "next", f"#{meeting.id}", following[0].position),),)
        if following
        else ()
    )
    ctx.reply("\n\n".join(lines), buttons)


async def _participation(ctx: Ctx, meeting: MeetingRow) -> contributions.Participation:
    # The roster as it was on the meeting's day (never members who joined the cell since).
    assert meeting.id is not None
    return await contributions.participation(
        ctx.session, meeting, await meetings.roster(ctx.session, meeting.id)
    )


async def _invite(ctx: Ctx, person_ids: list[int]) -> str:
    names = await meetings.names_of(ctx.session, person_ids)
    listed = ", ".join(sorted((names[p] for p in person_ids), key=str.casefold))
    return ctx._(N_("Not heard from yet; you could invite them to speak: %(names)s."), names=listed)


# ------------------------------------------------------------------------------ /contributions (/ykienhop)


async def contributions_(ctx: Ctx) -> None:
    """Who spoke on which item, the share of those present who spoke, and who has been quiet."""
    meeting = _meeting(ctx)
    assert meeting.id is not None and ctx.cell is not None
    report = await _participation(ctx, meeting)
    taken = report.taken
    agenda = await meetings.agenda_items(ctx.session, meeting.id)
    names = await meetings.names_of(
        ctx.session, list({c.person_id for c in taken} | set(report.not_yet) | set(report.streaks))
    )
    lines = [
        ctx._(
            N_("Contributions to meeting #%(id)s of %(cell)s, %(when)s"),
            id=meeting.id,
            cell=ctx.cell.name,
            when=meetings.local(meeting.starts_at, _tz(ctx)),
        ),
        ctx._(
            N_(
                "Spoke: %(spoke)s of %(present)s members present (%(percent)s%%). Written views: %(written)s."
            ),
            spoke=report.share.spoke,
            present=report.share.present,
            percent=report.share.percent,
            written=report.written,
        ),
    ]
    sections: list[tuple[str, list[ContributionRow]]] = [
        (
            ctx._(N_("Item %(number)s. %(title)s"), number=i.position, title=i.title),
            [c for c in taken if c.agenda_item_id == i.id],
        )
        for i in agenda
    ]
    loose = [c for c in taken if c.agenda_item_id not in {i.id for i in agenda}]
    if loose:
        sections.append((ctx._(N_("Not on an agenda item")), loose))
    for title, listed in sections:
        lines.append("")
        lines.append(title)
        if not listed:
            lines.append("  —")
        for c in listed:
            marks = [ctx._(contributions.KIND_NAMES[Kind(c.kind)])] if c.kind != Kind.COMMENT else []
            if c.written:
                marks.append(ctx._(N_("written view")))
            if c.recorded_by_person_id is not None:
                marks.append(ctx._(N_("recorded for them")))
            how = f" ({', '.join(marks)})" if marks else ""
            speaker = ctx._(N_("Comrade %(name)s"), name=names[c.person_id])
            lines.append(f"- {speaker}{how}: {_content(ctx, c)}")
    if report.not_yet:
        lines += ["", await _invite(ctx, report.not_yet)]
    if report.quiet:
        quiet = sorted(report.quiet, key=lambda p: names[p].casefold())
        quiet_names = ", ".join(f"{names[p]} ({report.streaks[p]})" for p in quiet)
        lines += [
            "",
            ctx._(
                N_(
                    "Not heard from in the last %(count)s meetings they attended (how many in brackets): "
                    "%(names)s."
                ),
                count=SILENT_MEETINGS,
                names=quiet_names,
            ),
        ]
    if report.streaks:
        # Per member: how many meetings they attended since they last spoke (0: they spoke at this one).
        ordered = sorted(report.streaks.items(), key=lambda item: (-item[1], names[item[0]].casefold()))
        lines += [
            "",
            ctx._(
                N_("Meetings attended since each last spoke, this one included: %(streaks)s."),
                streaks=", ".join(f"{names[person]} {streak}" for person, streak in ordered),
            ),
        ]
    ctx.reply("\n".join(lines))


# ---------------------------------------------------------------------------------- /relay (/chuyennhom)

RELAY_ON = ("on", "bat", "bật")
RELAY_OFF = ("off", "tat", "tắt")


async def relay(ctx: Ctx) -> None:
    """Turn on or off posting each contribution in the cell's group chat ("Đ/c <name>: …")."""
    cell = ctx.cell
    assert cell is not None and cell.id is not None
    wanted = ctx.args[0].lower() if ctx.args else None
    if wanted in RELAY_ON or wanted in RELAY_OFF:
        on = wanted in RELAY_ON
        changed = await contributions.set_relay(
            session=ctx.session, cell=cell, on=on, actor=ctx.actor, now=ctx.now
        )
        said = (
            N_("From now on, each contribution is posted in the group chat of %(cell)s.")
            if on
            else N_("Contributions are no longer posted in the group chat of %(cell)s.")
        )
        ctx.reply(
            ctx._(said, cell=cell.name) if changed else ctx._(N_("It already was so: nothing was changed."))
        )
        return
    if wanted is not None:
        raise UserError(N_("Write /relay on or /relay off."))
    state = N_("on") if cell.relay_contributions else N_("off")
    ctx.reply(
        ctx._(
            N_("Posting contributions in the group chat of %(cell)s: %(state)s."),
            cell=cell.name,
            state=ctx._(state),
        ),
        (
            (
                cmd_button(ctx._(N_("Turn on")), "relay", f"#{cell.id}", "on"),
                cmd_button(ctx._(N_("Turn off")), "relay", f"#{cell.id}", "off"),
            ),
        ),
    )

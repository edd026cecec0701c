"""The conversation core: turns one Incoming into replies, whatever the messenger.

It dedupes updates, finds the person, picks their language, routes commands, choices and form input,
and has bot.chat.authority check the permission table before any command runs and again at every step
of a form. Messenger edges only translate.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import choices, flows, markup
from bot.chat.authority import authorise, reauthorise
from bot.chat.context import EXPIRED, FOREIGN, GREETING, NOT_TEXT, NOT_UNDERSTOOD, POINTER, STALE, Ctx
from bot.chat.registry import Registry
from bot.choices import COMMAND_PREFIX
from bot.clock import Clock
from bot.config import Config
from bot.domain import ChatRef, Incoming, Outcome, Reply
from bot.errors import UserError
from bot.i18n import N_, pick_language, translator
from bot.ports import Capabilities
from bot.present import FULL, present
from bot.services.audit import TOUCHED
from storage import repo
from storage.db import Sessions
from storage.models import FlowState

log = logging.getLogger(__name__)

GROUP_GREETED = "greeted:%s:%s"  # setting key: the day a group last got the greeting
# Command names are at most 32 characters; a longer "name" is echoed shortened.
MAX_COMMAND_ECHO = 32
# Messenger language codes beyond this are cut to their base language (the column holds 16).
MAX_LANGUAGE_CODE = 16


def parse_command(text: str) -> tuple[str, list[str]] | None:
    """Split '/cmd@bot a b' into ('cmd', ['a', 'b']); None when the text is not a command."""
    if not text.startswith("/"):
        return None
    head, _, rest = text[1:].partition(" ")
    name = head.split("@", 1)[0].lower()
    return (name, rest.split()) if name else None


def clean_language_code(code: str | None) -> str | None:
    """The messenger's language code as stored: cut to its base language when it is overlong."""
    if not code or not code.strip():
        return None
    code = code.strip()
    if len(code) > MAX_LANGUAGE_CODE:
        code = code.split("-", 1)[0][:MAX_LANGUAGE_CODE]
    return code or None


class ChatCore:
    """Routes incoming events to commands and forms inside one database transaction each."""

    def __init__(
        self,
        *,
        sessions: Sessions,
        config: Config,
        clock: Clock,
        registry: Registry,
        capabilities: Callable[[str], Capabilities] = lambda platform: FULL,
    ) -> None:
        self.sessions = sessions
        self.config = config
        self.clock = clock
        self.registry = registry
        # What the messenger of a platform can show: replies are fitted to it (bot.present).
        self.capabilities = capabilities

    def today(self, now: datetime) -> date:
        """The calendar day in the configured zone."""
        return now.astimezone(self.config.tz).date()

    async def handle(self, incoming: Incoming) -> Outcome:
        """Handle one event and return the replies; effects commit before anything is shown."""
        now = self.clock()
        async with self.sessions.begin() as session:
            if incoming.update_id is not None and not await repo.mark_processed(
                session=session, platform=incoming.chat.platform, update_id=incoming.update_id, at=now
            ):
                log.info("skipping update %s already handled", incoming.update_id)
                return Outcome()
            linked = await repo.identity_with_person(
                session=session, platform=incoming.sender.platform, external_id=incoming.sender.user_id
            )
            identity, person, private_form = linked if linked else (None, None, None)
            private = ChatRef(incoming.chat.platform, incoming.sender.user_id)
            language_code = clean_language_code(incoming.sender.language_code)
            language_changed = False
            if identity is not None:
                flows.remember(session=session, chat=private, user_id=private.chat_id, state=private_form)
                if identity.unreachable_reason is not None:  # whoever writes can be reached again
                    identity.unreachable_reason = identity.unreachable_since = None
                if language_code != identity.language_code:
                    identity.language_code = language_code
                    language_changed = True
            ctx = Ctx(
                session=session,
                incoming=incoming,
                person=person,
                lang=pick_language(
                    person.language if person else None, language_code, self.config.default_language
                ),
                now=now,
                today=self.today(now),
                config=self.config,
                here=incoming.chat if incoming.private else private,
                capabilities=self.capabilities(incoming.chat.platform),
            )
            ctx.outcome.refresh_menu = language_changed  # the menu follows the messenger's language
            try:
                await self._route(ctx)
                await self._finish(ctx)
                ctx.outcome.touched = set(session.info.get(TOUCHED, ()))
            except UserError as error:
                # Nothing the user sent changes anything when it is refused: roll back, then explain.
                await session.rollback()
                refusal = replace(ctx, outcome=Outcome())
                refusal.refuse(error.render(translator(ctx.lang).gettext))
                self._point_to_private(refusal)
                return refusal.outcome
        return ctx.outcome

    async def _route(self, ctx: Ctx) -> None:
        incoming = ctx.incoming
        if incoming.edited:
            # An edit never runs anything again (editing an old message into a command); it may only
            # correct what was taken from that message (a contribution).
            if incoming.private and ctx.person is not None and self.registry.on_edit is not None:
                await self.registry.on_edit(ctx)
            return
        parsed: tuple[str, list[str]] | None = None
        answer: str | None = None
        pressed: str | None = None
        if incoming.button is not None:
            press = await choices.resolve_press(
                session=ctx.session, data=incoming.button, chat=incoming.chat, user_id=ctx.user_id
            )
            if press.foreign:
                ctx.refuse(ctx._(FOREIGN))
                return
            if press.data is None:
                ctx.refuse(ctx._(STALE))
                return
            pressed, ctx.pressed_set = press.data, press.set_id
            if pressed.startswith(COMMAND_PREFIX):
                parsed = parse_command("/" + pressed.removeprefix(COMMAND_PREFIX))
        elif incoming.text is not None:
            parsed = parse_command(incoming.text.strip())
            if parsed is None:
                answer = incoming.text.strip()
        if not incoming.private and parsed is None and pressed is None:
            return  # in a group only commands are for the bot; chatter, photos and the like are not
        if ctx.person is None and not incoming.private:
            if parsed is not None:
                await self._greet_group_once(ctx)
            return
        if parsed and parsed[0] == "start":
            ctx.args = parsed[1]
            await self.registry.commands["start"](ctx)
            return
        if ctx.person is None:
            ctx.refuse(ctx._(GREETING))
            return
        state = await flows.current(session=ctx.session, chat=ctx.here, user_id=ctx.user_id)
        if state is not None and (
            ctx.now - state.updated_at > timedelta(hours=self.config.form_timeout_hours)
            or "_command" not in state.data  # a form from before forms remembered their command
        ):
            await flows.finish(session=ctx.session, state=state)
            state = None
            if parsed is None:
                ctx.refuse(ctx._(EXPIRED))
                return
        if incoming.media is not None:
            entry = self.registry.forms.get(state.flow) if state is not None else None
            caption = (incoming.attachment.caption or "") if incoming.attachment else ""
            if state is not None and entry is not None and entry.media:
                await self._form_step(ctx, state, caption)
            elif state is not None or not await self._unprompted(ctx, caption):
                ctx.reply(ctx._(NOT_TEXT))
            return
        if parsed is None:
            if pressed is not None:
                bound = choices.form_answer(pressed)
                if state is None or bound is None or bound[:2] != flows.key(state):
                    ctx.refuse(ctx._(STALE))  # a second tap, or a button of a form that moved on
                    return
                await self._form_step(ctx, state, bound[2])
                return
            assert answer is not None
            typed = choices.pick_typed(
                await choices.latest_options(session=ctx.session, chat=ctx.here, user_id=ctx.user_id), answer
            )
            bound = choices.form_answer(typed) if typed else None
            if state is not None:
                taken = bound[2] if bound is not None and bound[:2] == flows.key(state) else answer
                await self._form_step(ctx, state, taken)
                return
            if typed is None or not typed.startswith(COMMAND_PREFIX):
                if not await self._unprompted(ctx, answer):
                    ctx.reply(ctx._(NOT_UNDERSTOOD))
                return
            parsed = parse_command("/" + typed.removeprefix(COMMAND_PREFIX))
            assert parsed is not None
        name, args = parsed
        if state is not None:
            # A new command abandons the form left open; /cancel says so.
            await flows.finish(session=ctx.session, state=state)
            if name == "cancel":
                ctx.reply(ctx._(N_("Cancelled. Nothing from that form was saved.")))
                return
        spec = self.registry.specs.get(self.registry.aliases.get(name, name))
        if spec is None:
            shown = name if len(name) <= MAX_COMMAND_ECHO else name[:MAX_COMMAND_ECHO] + "…"
            ctx.reply(
                ctx._(N_("There is no command /%(name)s. Send /help to see what I can do."), name=shown)
            )
            return
        ctx.spec, ctx.args = spec, args
        if await authorise(ctx, spec):
            await self.registry.commands[spec.name](ctx)

    async def _unprompted(self, ctx: Ctx, text: str) -> bool:
        """Offer free text (or a caption) to the registry's handler; True when it dealt with it."""
        return self.registry.on_text is not None and await self.registry.on_text(ctx, text)

    async def _form_step(self, ctx: Ctx, state: FlowState, answer: str) -> None:
        """Run one step of the open form, after checking its permission again for today."""
        if await reauthorise(ctx, state, self.registry):
            await self.registry.forms[state.flow].step(ctx, state, answer)

    async def _greet_group_once(self, ctx: Ctx) -> None:
        """Greet a stranger's command in a group, at most once a day per group."""
        key = GROUP_GREETED % (ctx.incoming.chat.platform, ctx.incoming.chat.chat_id)
        if await repo.get_setting(session=ctx.session, key=key) == ctx.today.isoformat():
            return
        await repo.set_setting(session=ctx.session, key=key, value=ctx.today.isoformat())
        ctx.reply(ctx._(GREETING), chat=ctx.incoming.chat)

    async def _finish(self, ctx: Ctx) -> None:
        """Drop edits that would change nothing, store the choices shown, fit each reply to its messenger,
        and point group writers home."""
        state = await flows.current(session=ctx.session, chat=ctx.here, user_id=ctx.user_id)
        form = flows.key(state) if state is not None else None
        replies = []
        for reply in ctx.outcome.replies:
            if reply.edit and _shows_the_same(reply, ctx.incoming):
                continue
            if reply.edit and ctx.pressed_set is not None:
                # The pressed message is replaced: a second tap on its old buttons changes nothing.
                await choices.use_up(session=ctx.session, set_id=ctx.pressed_set)
                ctx.pressed_set = None
            if reply.buttons:
                reply = await choices.store(
                    session=ctx.session,
                    reply=reply,
                    chat=reply.chat or ctx.here,
                    user_id=ctx.user_id,
                    now=ctx.now,
                    form=form if reply.chat == ctx.here else None,
                )
            chat = reply.chat or ctx.here
            replies += present(reply, self.capabilities(chat.platform), ctx.gettext)
        ctx.outcome.replies = replies
        self._point_to_private(ctx)

    @staticmethod
    def _point_to_private(ctx: Ctx) -> None:
        """A command written in a group is answered privately; say so in the group, in one line."""
        incoming = ctx.incoming
        if incoming.private or incoming.button is not None:
            return
        if any(reply.chat == ctx.here for reply in ctx.outcome.replies):
            ctx.outcome.replies.append(Reply(ctx._(POINTER), chat=incoming.chat))

    async def abandon_form(self, *, chat: ChatRef, user_id: str) -> None:
        """Close this person's open form (what it showed could not be delivered), so nothing acts on it."""
        async with self.sessions.begin() as session:
            state = await flows.current(session=session, chat=chat, user_id=user_id)
            if state is not None:
                await flows.finish(session=session, state=state)

    async def language_for(self, *, platform: str, external_id: str, language_code: str | None = None) -> str:
        """The language to write to this account in: their choice, their messenger's, or the default."""
        async with self.sessions() as session:
            return await self.language_in(session, platform, external_id, language_code)

    async def language_in(
        self, session: AsyncSession, platform: str, external_id: str, language_code: str | None
    ) -> str:
        """language_for, in a session the caller has open."""
        identity = await repo.get_identity(session=session, platform=platform, external_id=external_id)
        person = await repo.get_person(session=session, person_id=identity.person_id) if identity else None
        # Background work has no incoming message: use the language last seen on this account.
        messenger_language = language_code or (identity.language_code if identity else None)
        return pick_language(
            person.language if person else None, messenger_language, self.config.default_language
        )


def _shows_the_same(reply: Reply, incoming: Incoming) -> bool:
    """True when editing the pressed message into this reply would change nothing the reader sees."""
    if incoming.message_text is None:
        return False
    text = markup.plain(reply.text) if reply.markup else reply.text
    labels = tuple(tuple(button.label for button in line) for line in reply.buttons)
    return text.strip() == incoming.message_text.strip() and labels == incoming.message_labels

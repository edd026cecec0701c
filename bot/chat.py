"""The conversation core: turns one Incoming into replies, whatever the messenger.

It dedupes updates, finds the person, picks their language, routes commands, choices and form input,
and asks the permission table before any command runs and again at every step of a form. Messenger
edges only translate.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import choices, flows, markup, scopes
from bot.choices import COMMAND_PREFIX, FORM_PREFIX
from bot.clock import Clock
from bot.config import Config
from bot.domain import Button, ChatRef, CommandInfo, Document, Incoming, Outcome, Reply
from bot.errors import UserError
from bot.i18n import N_, pick_language, translator
from bot.permissions import COMMANDS, Command, Role, Scope, allowed
from bot.ports import Capabilities
from bot.present import FULL, present
from bot.services import access
from bot.services.audit import TOUCHED, Actor
from bot.services.units import cell_today
from storage import repo
from storage.db import Sessions
from storage.ids import parse_id
from storage.models import Cell, FlowState, Person, ProcessedUpdate, Unit

log = logging.getLogger(__name__)

GREETING = N_(
    "Hello! I am chibo, an automated assistant that helps party cells run their monthly "
    "meetings: attendance, contributions and household visits.\n"
    "I only work for members whose cell has set them up. Ask your cell secretary for an "
    "invite code, then send /start followed by the code."
)
STALE = N_("That choice is no longer open. Send the command again.")
FOREIGN = N_("These buttons are for someone else.")
EXPIRED = N_(
    "That form was left open too long and has closed; nothing from it was saved. Send the command again."
)
REVOKED = N_("You can no longer finish this form: your role has changed. Nothing from it was saved.")
NOT_TEXT = N_("I can only read text messages and commands. Send /help to see what I can do.")
NOT_UNDERSTOOD = N_("I did not understand that. Send /help to see what I can do.")
POINTER = N_("I have answered you in a private chat.")
REFUSED = N_("Sorry, /%(command)s is not available to you here. Send /help to see what you can do.")

# Telegram shows at most 200 characters in the answer to a button press; longer ones become a message.
MAX_ANSWER = 200
# Command names are at most 32 characters; a longer "name" is echoed shortened.
MAX_COMMAND_ECHO = 32
# Messenger language codes beyond this are cut to their base language (the column holds 16).
MAX_LANGUAGE_CODE = 16
GROUP_GREETED = "greeted:%s:%s"  # setting key: the day a group last got the greeting


@dataclass
class Ctx:
    """Everything a command or form step needs for one incoming event."""

    session: AsyncSession
    incoming: Incoming
    person: Person | None
    lang: str
    now: datetime
    today: date
    config: Config
    # Where the conversation goes on: the chat written in, or the person's private chat when they
    # wrote in a group (groups are public; cell data never goes there).
    here: ChatRef
    # What the messenger of `here` can show (bot.present fits every reply to it).
    capabilities: Capabilities = FULL
    args: list[str] = field(default_factory=list)
    spec: Command | None = None
    # What the command acts on (a Cell, a Unit ...: see bot.scopes), and the person's roles towards it.
    target: Any = None
    roles: set[Role] = field(default_factory=set)
    outcome: Outcome = field(default_factory=Outcome)
    pressed_set: int | None = None  # the choices whose button was pressed

    def gettext(self, message: str) -> str:
        """Translate a msgid into the person's language."""
        return translator(self.lang).gettext(message)

    def _(self, message: str, **params: object) -> str:
        """Translate a msgid into the person's language and fill its placeholders."""
        text = translator(self.lang).gettext(message)
        return text % {k: str(v) for k, v in params.items()} if params else text

    @property
    def cell(self) -> Cell | None:
        """The target, when the command acts on a cell."""
        return self.target if isinstance(self.target, Cell) else None

    @property
    def unit(self) -> Unit | None:
        """The target, when the command acts on a unit."""
        return self.target if isinstance(self.target, Unit) else None

    @property
    def actor(self) -> Actor:
        """Who the audit log says made a change: this person, through this messenger."""
        return Actor(f"{self.chat.platform}:{self.user_id}", self.require_person().id)

    @property
    def chat(self) -> ChatRef:
        """The chat the conversation goes on in (see `here`)."""
        return self.here

    @property
    def user_id(self) -> str:
        """The sender's messenger id."""
        return self.incoming.sender.user_id

    def reply(
        self,
        text: str,
        buttons: tuple[tuple[Button, ...], ...] = (),
        *,
        chat: ChatRef | None = None,
        document: Document | None = None,
        markup: bool = False,
        listed: bool = False,
    ) -> None:
        """Queue a reply (plain text, or markup); a reply to a button press replaces that message."""
        target = chat or self.here
        edit = self.incoming.button is not None and target == self.incoming.chat and document is None
        self.outcome.replies.append(
            Reply(text, buttons, chat=target, edit=edit, document=document, markup=markup, listed=listed)
        )

    def refuse(self, text: str) -> None:
        """Say no. To a button press, answer the press only: the pressed message stays as it was."""
        if self.incoming.button is not None and len(text) <= MAX_ANSWER:
            self.outcome.answer = text
        else:
            self.outcome.replies.append(Reply(text, chat=self.here))

    async def begin_form(self, flow: str, step: str, **data: Any) -> FlowState:
        """Open a form for this person here, remembering the command and target it was started for.

        Every later step re-checks that command's permission on that target, on the day it arrives.
        """
        return await flows.begin(
            session=self.session,
            chat=self.here,
            user_id=self.user_id,
            flow=flow,
            step=step,
            now=self.now,
            data={
                "_command": self.spec.name if self.spec else None,
                "_target": self.target.id if self.target is not None else None,
                **data,
            },
        )

    def require_person(self) -> Person:
        """The linked person (commands only run for linked people)."""
        assert self.person is not None and self.person.id is not None
        return self.person


CommandFn = Callable[[Ctx], Awaitable[None]]
FormFn = Callable[[Ctx, FlowState, str], Awaitable[None]]


@dataclass(frozen=True)
class FormEntry:
    """A multi-step form: its step function, and the roles each step needs (else its command's)."""

    step: FormFn
    requires: frozenset[Role] | None = None


@dataclass(frozen=True)
class Registry:
    """The permission table's commands with their implementations, and every form, named explicitly.

    Built from the table (bot.permissions.COMMANDS), not from what happens to be imported; see
    bot.commands.registry.
    """

    specs: Mapping[str, Command]
    commands: Mapping[str, CommandFn]
    forms: Mapping[str, FormEntry]

    @classmethod
    def build(
        cls,
        *,
        commands: Mapping[str, CommandFn],
        forms: Mapping[str, FormEntry],
        table: tuple[Command, ...] = COMMANDS,
    ) -> Registry:
        """Check the implementations against the table: one for each command in it, no more."""
        names = {spec.name for spec in table} | {"start"}  # /start links an account; it needs no permission
        if missing := names - set(commands):
            raise ValueError(f"commands in the permission table with no implementation: {sorted(missing)}")
        if unknown := set(commands) - names:
            raise ValueError(
                f"implementations of commands missing from the permission table: {sorted(unknown)}"
            )
        return cls({spec.name: spec for spec in table}, dict(commands), dict(forms))


def cmd_button(label: str, command_name: str, *args: object) -> Button:
    """A button that runs a command with arguments (checked again when pressed)."""
    return Button(label, " ".join([f"{COMMAND_PREFIX}{command_name}", *map(str, args)]))


def flow_button(label: str, value: str) -> Button:
    """A button that answers the form open when it is shown (and no later step or form)."""
    return Button(label, f"{FORM_PREFIX}{value}")


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
            if incoming.update_id is not None:
                key = (incoming.chat.platform, incoming.update_id)
                if await session.get(ProcessedUpdate, key) is not None:
                    log.info("skipping update %s already handled", incoming.update_id)
                    return Outcome()
                session.add(ProcessedUpdate(platform=key[0], update_id=key[1], processed_at=now))
            identity = await repo.get_identity(
                session=session, platform=incoming.sender.platform, external_id=incoming.sender.user_id
            )
            person = (
                await repo.get_person(session=session, person_id=identity.person_id) if identity else None
            )
            language_code = clean_language_code(incoming.sender.language_code)
            language_changed = False
            if identity is not None:
                identity.last_seen_at = now  # whoever writes can be reached again, blocked or not before
                if language_code != identity.language_code:
                    identity.language_code = language_code
                    language_changed = True
            private = ChatRef(incoming.chat.platform, incoming.sender.user_id)
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
            return  # an edit never runs anything again (editing an old message into a command)
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
        if incoming.media is not None:
            ctx.reply(ctx._(NOT_TEXT))
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
        spec = self.registry.specs.get(name)
        if spec is None:
            shown = name if len(name) <= MAX_COMMAND_ECHO else name[:MAX_COMMAND_ECHO] + "…"
            ctx.reply(
                ctx._(N_("There is no command /%(name)s. Send /help to see what I can do."), name=shown)
            )
            return
        ctx.spec, ctx.args = spec, args
        if await self._authorise(ctx, spec):
            await self.registry.commands[name](ctx)

    async def _form_step(self, ctx: Ctx, state: FlowState, answer: str) -> None:
        """Run one step of the open form, after checking its permission again for today."""
        if await self._reauthorise(ctx, state):
            await self.registry.forms[state.flow].step(ctx, state, answer)

    async def _reauthorise(self, ctx: Ctx, state: FlowState) -> bool:
        """Set the form's command, target and roles as of now; close the form if they no longer allow it."""
        person = ctx.require_person()
        assert person.id is not None
        spec = self.registry.specs.get(str(state.data.get("_command")))
        form = self.registry.forms.get(state.flow)
        if form is not None and spec is not None:
            ctx.spec = spec
            target_id = state.data.get("_target")
            target = None
            if spec.scope != Scope.NONE and target_id is not None:
                target = await scopes.resolver(spec.scope).get(ctx.session, int(target_id))
            if spec.scope == Scope.NONE or target is not None:  # a closed cell takes its forms with it
                await self._set_target(ctx, spec, person.id, target)
                if ctx.roles & (form.requires or spec.roles):
                    return True
        log.info("form %s of person %s closed: roles now %s", state.flow, person.id, sorted(ctx.roles))
        await flows.finish(session=ctx.session, state=state)
        ctx.refuse(ctx._(REVOKED))
        return False

    async def _authorise(self, ctx: Ctx, spec: Command) -> bool:
        """Resolve the command's target and check the permission table; explain a refusal."""
        person = ctx.require_person()
        assert person.id is not None
        if not await self._choose_target(ctx, spec, person.id):
            return False
        if allowed(spec, ctx.roles):
            return True
        log.info("refused /%s for person %s (roles %s)", spec.name, person.id, sorted(ctx.roles))
        ctx.refuse(ctx._(REFUSED, command=spec.name))
        return False

    async def _choose_target(self, ctx: Ctx, spec: Command, person_id: int) -> bool:
        """Set the command's target from '#id', or from the person's only candidate.

        Returns False when a question (which one?) or an explanation was sent instead.
        """
        if spec.scope == Scope.NONE:
            await self._set_target(ctx, spec, person_id, None)
            return True
        resolver = scopes.resolver(spec.scope)
        target: Any
        if ctx.args and ctx.args[0].startswith("#"):
            target_id = parse_id(ctx.args.pop(0), prefix="#")
            target = await resolver.get(ctx.session, target_id) if target_id else None
            if target is None:
                ctx.refuse(ctx._(resolver.missing))
                return False
        else:
            candidates = await resolver.candidates(
                ctx.session, person_id=person_id, command=spec, day=ctx.today
            )
            if len(candidates) > 1:
                buttons = tuple(
                    (cmd_button(c.name, spec.name, f"#{c.id}", *ctx.args),) for c in candidates[:30]
                )
                ctx.reply(ctx._(resolver.which), buttons)
                return False
            target = candidates[0] if candidates else None
        await self._set_target(ctx, spec, person_id, target)
        return True

    async def _set_target(self, ctx: Ctx, spec: Command, person_id: int, target: Any) -> None:
        """Record the target and the person's roles towards it today (the cell's day, in its own zone)."""
        ctx.target = target
        if isinstance(target, Cell):
            ctx.today = cell_today(target, ctx.now, self.config.tz)
        if spec.scope == Scope.NONE:
            ctx.roles = await access.roles_anywhere(session=ctx.session, person_id=person_id, day=ctx.today)
            ctx.roles.add(Role.MEMBER)  # linked people may use the general commands
        elif target is None:
            ctx.roles = set()
        else:
            ctx.roles = await scopes.resolver(spec.scope).roles(
                ctx.session, person_id=person_id, target=target, day=ctx.today
            )

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
            return await self._language_for(session, platform, external_id, language_code)

    async def _language_for(
        self, session: AsyncSession, platform: str, external_id: str, language_code: str | None
    ) -> str:
        identity = await repo.get_identity(session=session, platform=platform, external_id=external_id)
        person = await repo.get_person(session=session, person_id=identity.person_id) if identity else None
        # Background work has no incoming message: use the language last seen on this account.
        messenger_language = language_code or (identity.language_code if identity else None)
        return pick_language(
            person.language if person else None, messenger_language, self.config.default_language
        )

    async def menu_for(
        self, *, platform: str, external_id: str, language_code: str | None
    ) -> tuple[str, list[CommandInfo]]:
        """The language and the commands to show this account in the messenger's menu."""
        async with self.sessions() as session:
            identity = await repo.get_identity(session=session, platform=platform, external_id=external_id)
            lang = await self._language_for(session, platform, external_id, language_code)
            if identity is None:
                return lang, []
            roles = await access.roles_anywhere(
                session=session, person_id=identity.person_id, day=self.today(self.clock())
            )
            roles.add(Role.MEMBER)
            gettext = translator(lang).gettext
            return lang, [CommandInfo(c.name, gettext(c.description)) for c in access.commands_for(roles)]


def _shows_the_same(reply: Reply, incoming: Incoming) -> bool:
    """True when editing the pressed message into this reply would change nothing the reader sees."""
    if incoming.message_text is None:
        return False
    text = markup.plain(reply.text) if reply.markup else reply.text
    labels = tuple(tuple(button.label for button in line) for line in reply.buttons)
    return text.strip() == incoming.message_text.strip() and labels == incoming.message_labels

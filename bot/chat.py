"""The conversation core: turns one Incoming into replies, whatever the messenger.

It dedupes updates, finds the person, picks their language, routes commands and form input,
and asks the permission table before any command runs. Messenger edges only translate.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.config import Config
from bot.domain import Button, ChatRef, CommandInfo, Document, Incoming, Outcome, Reply
from bot.errors import UserError
from bot.flows import current as current_flow
from bot.flows import finish as finish_flow
from bot.i18n import N_, pick_language, translator
from bot.permissions import BY_NAME, Command, Role, Scope, allowed
from bot.services import access
from storage import repo
from storage.db import Sessions
from storage.models import Cell, FlowState, Person, ProcessedUpdate, Unit

log = logging.getLogger(__name__)

# Button data: "c:<command> <args>" runs a command, "f:<value>" answers the open form.
COMMAND_PREFIX = "c:"
FLOW_PREFIX = "f:"

GREETING = N_(
    "Hello! I am chibo, an automated assistant that helps party cells run their monthly "
    "meetings: attendance, contributions and household visits.\n"
    "I only work for members whose cell has set them up. Ask your cell secretary for an "
    "invite code, then send /start followed by the code."
)


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
    args: list[str] = field(default_factory=list)
    cell: Cell | None = None
    unit: Unit | None = None
    roles: set[Role] = field(default_factory=set)
    outcome: Outcome = field(default_factory=Outcome)

    def gettext(self, message: str) -> str:
        """Translate a msgid into the person's language."""
        return translator(self.lang).gettext(message)

    def _(self, message: str, **params: object) -> str:
        """Translate a msgid into the person's language and fill its placeholders."""
        text = translator(self.lang).gettext(message)
        return text % {k: str(v) for k, v in params.items()} if params else text

    @property
    def chat(self) -> ChatRef:
        """The chat the event came from."""
        return self.incoming.chat

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
        html: bool = False,
    ) -> None:
        """Queue a reply; a reply to a button press replaces that message."""
        edit = self.incoming.button is not None and chat is None and document is None
        self.outcome.replies.append(Reply(text, buttons, chat=chat, edit=edit, document=document, html=html))

    def require_person(self) -> Person:
        """The linked person (commands only run for linked people)."""
        assert self.person is not None and self.person.id is not None
        return self.person


CommandFn = Callable[[Ctx], Awaitable[None]]
FlowFn = Callable[[Ctx, FlowState, str], Awaitable[None]]
_COMMANDS: dict[str, CommandFn] = {}
_FLOWS: dict[str, FlowFn] = {}


def command(name: str) -> Callable[[CommandFn], CommandFn]:
    """Register a command implementation; its permissions come from bot.permissions."""

    def register(fn: CommandFn) -> CommandFn:
        _COMMANDS[name] = fn
        return fn

    return register


def flow(name: str) -> Callable[[FlowFn], FlowFn]:
    """Register the step function of a form."""

    def register(fn: FlowFn) -> FlowFn:
        _FLOWS[name] = fn
        return fn

    return register


def cmd_button(label: str, command_name: str, *args: object) -> Button:
    """A button that runs a command with arguments."""
    return Button(label, " ".join([f"{COMMAND_PREFIX}{command_name}", *map(str, args)]))


def flow_button(label: str, value: str) -> Button:
    """A button that answers the open form."""
    return Button(label, f"{FLOW_PREFIX}{value}")


def parse_command(text: str) -> tuple[str, list[str]] | None:
    """Split '/cmd@bot a b' into ('cmd', ['a', 'b']); None when the text is not a command."""
    if not text.startswith("/"):
        return None
    head, _, rest = text[1:].partition(" ")
    name = head.split("@", 1)[0].lower()
    return (name, rest.split()) if name else None


class ChatCore:
    """Routes incoming events to commands and forms inside one database transaction each."""

    def __init__(self, *, sessions: Sessions, config: Config, clock: Clock) -> None:
        self.sessions = sessions
        self.config = config
        self.clock = clock
        # Import the command modules so they register themselves.
        import bot.commands  # noqa: F401

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
            language_changed = False
            if identity is not None and incoming.sender.language_code != identity.language_code:
                identity.language_code = incoming.sender.language_code
                language_changed = True
            lang = pick_language(
                person.language if person else None,
                incoming.sender.language_code,
                self.config.default_language,
            )
            ctx = Ctx(
                session=session,
                incoming=incoming,
                person=person,
                lang=lang,
                now=now,
                today=self.today(now),
                config=self.config,
            )
            ctx.outcome.refresh_menu = language_changed  # the menu follows the messenger's language
            try:
                await self._route(ctx)
            except UserError as error:
                # Nothing the user sent changes anything when it is refused: roll back, then explain.
                await session.rollback()
                return Outcome(
                    [Reply(error.render(translator(ctx.lang).gettext), edit=incoming.button is not None)]
                )
        return ctx.outcome

    async def _route(self, ctx: Ctx) -> None:
        incoming = ctx.incoming
        parsed: tuple[str, list[str]] | None = None
        answer: str | None = None
        if incoming.button is not None:
            if incoming.button.startswith(COMMAND_PREFIX):
                parsed = parse_command("/" + incoming.button.removeprefix(COMMAND_PREFIX))
            else:
                answer = incoming.button.removeprefix(FLOW_PREFIX)
        elif incoming.text is not None:
            parsed = parse_command(incoming.text.strip())
            if parsed is None:
                answer = incoming.text.strip()
        if parsed and parsed[0] == "start":
            ctx.args = parsed[1]
            await _COMMANDS["start"](ctx)
            return
        if ctx.person is None:
            ctx.reply(ctx._(GREETING))
            return
        state = await current_flow(session=ctx.session, chat=ctx.chat, user_id=ctx.user_id)
        if parsed is None:
            if state is not None and answer is not None and state.flow in _FLOWS:
                await _FLOWS[state.flow](ctx, state, answer)
            elif incoming.button is not None:
                # A button of a form that was finished, cancelled or replaced by another command.
                ctx.reply(ctx._(N_("That choice is no longer open. Send the command again.")))
            else:
                ctx.reply(ctx._(N_("I did not understand that. Send /help to see what I can do.")))
            return
        name, args = parsed
        if state is not None:
            # A new command abandons the form left open; /cancel says so.
            await finish_flow(session=ctx.session, state=state)
            if name == "cancel":
                ctx.reply(ctx._(N_("Cancelled. Nothing from that form was saved.")))
                return
        spec = BY_NAME.get(name)
        if spec is None or name not in _COMMANDS:
            ctx.reply(ctx._(N_("There is no command /%(name)s. Send /help to see what I can do."), name=name))
            return
        ctx.args = args
        if await self._authorise(ctx, spec):
            await _COMMANDS[name](ctx)

    async def _authorise(self, ctx: Ctx, spec: Command) -> bool:
        """Resolve the command's target and check the permission table; explain a refusal."""
        person = ctx.require_person()
        assert person.id is not None
        if spec.scope == Scope.NONE:
            ctx.roles = await access.roles_anywhere(session=ctx.session, person_id=person.id, day=ctx.today)
            ctx.roles.add(Role.MEMBER)  # linked people may use the general commands
        elif not await self._choose_target(ctx, spec, person.id):
            return False
        if allowed(spec, ctx.roles):
            return True
        log.info("refused /%s for person %s (roles %s)", spec.name, person.id, sorted(ctx.roles))
        ctx.reply(
            ctx._(
                N_("Sorry, /%(command)s is not available to you here. Send /help to see what you can do."),
                command=spec.name,
            )
        )
        return False

    async def _choose_target(self, ctx: Ctx, spec: Command, person_id: int) -> bool:
        """Set the command's cell or unit from '#id', or from the person's only candidate.

        Returns False when a question (which one?) or an explanation was sent instead.
        """
        cell_scope = spec.scope == Scope.CELL
        target: Cell | Unit | None
        if ctx.args and ctx.args[0].startswith("#") and ctx.args[0][1:].isdigit():
            target = await ctx.session.get(Cell if cell_scope else Unit, int(ctx.args.pop(0)[1:]))
            if target is None or (isinstance(target, Cell) and target.closed_at is not None):
                ctx.reply(ctx._(N_("There is no such cell.") if cell_scope else N_("There is no such unit.")))
                return False
        else:
            day = ctx.today
            candidates: list[Cell] | list[Unit] = (
                await access.cells_for(session=ctx.session, person_id=person_id, command=spec, day=day)
                if cell_scope
                else list(await access.units_for(session=ctx.session, person_id=person_id, day=day))
            )
            if len(candidates) > 1:
                buttons = tuple(
                    (cmd_button(c.name, spec.name, f"#{c.id}", *ctx.args),) for c in candidates[:30]
                )
                ctx.reply(ctx._(N_("Which cell?") if cell_scope else N_("Which unit?")), buttons)
                return False
            target = candidates[0] if candidates else None
        if isinstance(target, Cell):
            ctx.cell = target
            ctx.roles = await access.roles_in_cell(
                session=ctx.session, person_id=person_id, cell=target, day=ctx.today
            )
        elif isinstance(target, Unit):
            ctx.unit = target
            ctx.roles = await access.roles_in_unit(
                session=ctx.session, person_id=person_id, unit=target, day=ctx.today
            )
        return True

    async def menu_for(
        self, *, platform: str, external_id: str, language_code: str | None
    ) -> tuple[str, list[CommandInfo]]:
        """The language and the commands to show this account in the messenger's menu."""
        async with self.sessions() as session:
            identity = await repo.get_identity(session=session, platform=platform, external_id=external_id)
            person = (
                await repo.get_person(session=session, person_id=identity.person_id) if identity else None
            )
            # Background work has no incoming message: use the language last seen on this account.
            messenger_language = language_code or (identity.language_code if identity else None)
            lang = pick_language(
                person.language if person else None, messenger_language, self.config.default_language
            )
            if person is None or person.id is None:
                return lang, []
            roles = await access.roles_anywhere(
                session=session, person_id=person.id, day=self.today(self.clock())
            )
            roles.add(Role.MEMBER)
            gettext = translator(lang).gettext
            return lang, [CommandInfo(c.name, gettext(c.description)) for c in access.commands_for(roles)]

"""What a command or form step is given: the event, the person, their language and roles, and the
way to answer (replies, refusals, buttons, forms)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import flows
from bot.choices import COMMAND_PREFIX, FORM_PREFIX
from bot.config import Config
from bot.domain import Button, ChatRef, Document, Incoming, Outcome, Reply
from bot.i18n import N_, translator
from bot.permissions import Command, Role
from bot.ports import Capabilities
from bot.present import FULL
from bot.services.audit import Actor
from storage.models import Cell, FlowState, Person, Unit

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
        """The target, when the command acts on a cell, or the cell of the meeting it acts on."""
        if isinstance(self.target, Cell):
            return self.target
        cell = getattr(self.target, "cell", None)
        return cell if isinstance(cell, Cell) else None

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
        keep_pressed: bool = False,
    ) -> None:
        """Queue a reply (plain text, or markup); a reply to a button press replaces that message,
        unless `keep_pressed` (a notice the reader still needs, whose buttons stay usable)."""
        target = chat or self.here
        edit = (
            self.incoming.button is not None
            and target == self.incoming.chat
            and document is None
            and not keep_pressed
        )
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


def cmd_button(label: str, command_name: str, *args: object) -> Button:
    """A button that runs a command with arguments (checked again when pressed)."""
    return Button(label, " ".join([f"{COMMAND_PREFIX}{command_name}", *map(str, args)]))


def flow_button(label: str, value: str) -> Button:
    """A button that answers the form open when it is shown (and no later step or form)."""
    return Button(label, f"{FORM_PREFIX}{value}")

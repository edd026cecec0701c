"""Transport-neutral values passed between the messenger edges and the core."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ChatRef:
    """A chat on a messenger; ids are text because Zalo's are."""

    platform: str
    chat_id: str


@dataclass(frozen=True)
class Sender:
    """Who sent an incoming message, as the messenger describes them."""

    platform: str
    user_id: str
    display_name: str = ""
    language_code: str | None = None


@dataclass(frozen=True)
class Attachment:
    """A voice note or photo a user sent, as the messenger keeps it: its file id, never the file."""

    kind: str  # "voice", "photo" (bot.domain keeps the messenger's names for other kinds in Incoming.media)
    file_id: str
    duration: int | None = None  # seconds, for a voice note
    size: int | None = None  # bytes
    caption: str | None = None


@dataclass(frozen=True)
class Incoming:
    """One thing a user did: a text (maybe a /command) or a button press."""

    chat: ChatRef
    sender: Sender
    text: str | None = None
    button: str | None = None
    update_id: str | None = None
    private: bool = True
    # The bot's message whose button was pressed, so the core can keep editing it (live reports).
    message_id: str | None = None
    # What that message shows now (visible text and button labels), so an edit that would change
    # nothing is never sent.
    message_text: str | None = None
    message_labels: tuple[tuple[str, ...], ...] = ()
    # The text in the core's markup, when the messenger told how it was formatted (Telegram's bold,
    # italic and links); None means the text as typed is the markup.
    markup: str | None = None
    # The user edited an earlier message of theirs (text holds the new version).
    edited: bool = False
    # Something other than text was sent (photo, sticker, voice, location, document ...).
    media: str | None = None
    # A voice note or photo the core can keep (a contribution), with its caption.
    attachment: Attachment | None = None
    # The messenger's id of the user's own message, so a later edit of it can be matched.
    sent_id: str | None = None
    # A location the user shared (latitude, longitude): where a household visit took place.
    location: tuple[float, float] | None = None


@dataclass(frozen=True)
class Button:
    """A choice; rendered as an inline button on Telegram and as a numbered line on Zalo."""

    label: str
    data: str


@dataclass(frozen=True)
class Document:
    """A file to send, e.g. the invite list as CSV."""

    filename: str
    content: bytes
    caption: str = ""


@dataclass(frozen=True)
class Reply:
    """What the core wants shown. `chat` None means the chat the user wrote in.

    `edit` asks to replace the message whose button was pressed, so stale buttons disappear.
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    chat: ChatRef | None = None
    edit: bool = False
    document: Document | None = None
    # `text` is in the core's markup (bot.markup: *bold*, _italic_, links); otherwise it is plain text.
    markup: bool = False
    # The text already lists the choices, numbered in button order (a member list): where they cannot
    # be buttons, they need not be listed again.
    listed: bool = False


@dataclass(frozen=True)
class CommandInfo:
    """A command as shown in /help and the messenger's command menu."""

    name: str
    description: str


@dataclass
class Outcome:
    """The replies to one incoming event, plus whether the person's command menu should be refreshed."""

    replies: list[Reply] = field(default_factory=list)
    # A short answer to a button press, shown only to the person who pressed (Telegram's
    # answerCallbackQuery text); the pressed message stays as it is.
    answer: str | None = None
    refresh_menu: bool = False
    # What the changes made touched (kind, key), for the runtime to reload at once (see audit.TOUCHES).
    touched: set[tuple[str, str]] = field(default_factory=set)
    # Something was queued in the outbox: senders should look now rather than at their next check.
    wake_delivery: bool = False

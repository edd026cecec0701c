"""Checks on text the bot will send: Telegram's 4,096-character limit and its small HTML subset."""

from __future__ import annotations

from html.parser import HTMLParser

from bot.errors import UserError
from bot.i18n import N_

MAX_TEXT = 4096
ALLOWED_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "a",
        "code",
        "pre",
        "span",
        "tg-spoiler",
        "blockquote",
    }
)


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.open: list[str] = []
        self.text: list[str] = []
        self.problem: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problem = self.problem or f"<{tag}>"
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.problem = self.problem or f"</{tag}>"
        else:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data:  # Telegram wants &lt; for a literal "<"
            self.problem = self.problem or "<"
        self.text.append(data)

    def handle_entityref(self, name: str) -> None:
        entities = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
        if name not in entities:
            self.problem = self.problem or f"&{name};"
        self.text.append(entities.get(name, ""))

    def handle_charref(self, name: str) -> None:
        try:
            self.text.append(chr(int(name[1:], 16) if name[:1] in "xX" else int(name)))
        except (ValueError, OverflowError):
            self.problem = self.problem or f"&#{name};"


def check_html(text: str) -> str:
    """The visible text of a Telegram-HTML message; UserError if it is empty, too long or malformed."""
    if not text.strip():
        raise UserError(N_("The message is empty. Please write the text of the announcement."))
    checker = _Checker()
    checker.feed(text)
    checker.close()
    if checker.problem is None and checker.open:
        checker.problem = f"<{checker.open[-1]}>"
    if checker.problem is None and checker.rawdata.strip():
        checker.problem = checker.rawdata.strip()[:20]  # an unfinished tag such as "<b"
    if checker.problem is not None:
        raise UserError(
            N_(
                "The formatting is broken near %(where)s. Close every tag you open, use only "
                "<b>, <i>, <u>, <s>, <a>, <code>, <pre>, and write < as &lt;."
            ),
            where=checker.problem,
        )
    visible = "".join(checker.text)
    if not visible.strip():
        raise UserError(N_("The message is empty. Please write the text of the announcement."))
    if len(visible) > MAX_TEXT:
        raise UserError(
            N_("The message is %(length)s characters long; Telegram allows at most %(max)s."),
            length=len(visible),
            max=MAX_TEXT,
        )
    return visible

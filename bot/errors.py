"""Errors the user (or admin) caused; their messages are msgids rendered in the reader's language."""

from __future__ import annotations

from collections.abc import Callable


class UserError(Exception):
    """Bad input or a refused action: shown politely, nothing is changed."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = {key: str(value) for key, value in params.items()}

    def render(self, gettext: Callable[[str], str]) -> str:
        """The message in the reader's language."""
        text = gettext(self.message)
        return text % self.params if self.params else text

"""Chat command implementations; importing this package registers them with bot.chat."""

from bot.commands import basic  # noqa: F401

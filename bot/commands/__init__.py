"""Chat command implementations; importing this package registers them with bot.chat."""

from bot.commands import announce, basic, members, officers  # noqa: F401

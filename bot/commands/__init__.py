"""Chat commands and forms, named explicitly: the registry the core routes by.

Each command of the permission table (bot.permissions) has exactly one implementation here, and
`Registry.build` refuses a registry where that is not so.
"""

from __future__ import annotations

from bot.chat import FormEntry, Registry
from bot.commands import announce, basic, members, officers
from bot.permissions import MANAGE_MEMBERS


def registry() -> Registry:
    """The commands and forms of chibo."""
    return Registry.build(
        commands={
            "start": basic.start,
            "help": basic.help_,
            "lang": basic.lang,
            "cancel": basic.cancel,
            "members": members.members,
            "invite": officers.invite,
            "invite_unit": officers.invite_unit,
            "announce": announce.announce,
            "announce_unit": announce.announce_unit,
            "unreachable": announce.unreachable,
            "delegate": officers.delegate,
            "roles": officers.roles,
        },
        forms={
            "lang": FormEntry(basic.lang_choose),
            "announce": FormEntry(announce.announce_step),
            # Exempting or ending a membership changes a record: only those who manage members may.
            "member_reason": FormEntry(members.member_reason, requires=MANAGE_MEMBERS),
        },
    )

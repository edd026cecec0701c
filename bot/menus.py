"""Keep every linked person's command menu in step with their roles and language."""

from __future__ import annotations

import hashlib
import json
import logging

from bot.chat import ChatCore
from bot.domain import ChatRef, CommandInfo
from bot.i18n import translator
from bot.permissions import Role
from bot.ports import DeliveryError, Transport
from bot.services import access
from storage import repo
from storage.db import Sessions

log = logging.getLogger(__name__)


class MenuSync:
    """Publishes per-chat command menus, skipping chats whose menu has not changed."""

    def __init__(self, *, sessions: Sessions, chat: ChatCore, transports: dict[str, Transport]) -> None:
        self.sessions = sessions
        self.chat = chat
        self.transports = transports

    async def menu(self, *, platform: str, external_id: str, language_code: str | None) -> list[CommandInfo]:
        """The commands to show this account, in its language, from the permission table."""
        async with self.sessions() as session:
            identity = await repo.get_identity(session=session, platform=platform, external_id=external_id)
            if identity is None:
                return []
            lang = await self.chat.language_in(session, platform, external_id, language_code)
            roles = await access.roles_anywhere(
                session=session, person_id=identity.person_id, day=self.chat.today(self.chat.clock())
            )
            roles.add(Role.MEMBER)
            gettext = translator(lang).gettext
            return [CommandInfo(c.name, gettext(c.description)) for c in access.commands_for(roles)]

    async def refresh(self, *, platform: str, external_id: str, language_code: str | None = None) -> bool:
        """Publish this account's menu if it changed; True when something was sent."""
        transport = self.transports.get(platform)
        if transport is None or not transport.capabilities.command_menu:
            return False
        commands = await self.menu(platform=platform, external_id=external_id, language_code=language_code)
        digest = hashlib.sha256(json.dumps([(c.name, c.description) for c in commands]).encode()).hexdigest()[
            :16
        ]
        key = f"menu:{platform}:{external_id}"
        async with self.sessions.begin() as session:
            if await repo.get_setting(session=session, key=key) == digest:
                return False
        try:
            await transport.set_commands(ChatRef(platform, external_id), commands)
        except DeliveryError as error:
            log.info("menu for %s:%s not updated: %s", platform, external_id, error)
            return False
        async with self.sessions.begin() as session:
            await repo.set_setting(session=session, key=key, value=digest)
        return True

    async def refresh_all(self) -> int:
        """Re-check every linked account (after roles, members or delegations changed)."""
        async with self.sessions() as session:
            identities = [(i.platform, i.external_id) for i in await repo.all_identities(session=session)]
        sent = 0
        for platform, external_id in identities:
            sent += await self.refresh(platform=platform, external_id=external_id)
        return sent

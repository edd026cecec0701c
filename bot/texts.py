"""Shared wording: role and status names, and one member as a line of text (chat and CLI alike)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.i18n import N_
from storage.vocabulary import OfficerRole

if TYPE_CHECKING:
    from bot.services.people import MemberView

Gettext = Callable[[str], str]

ROLE_NAMES: dict[str, str] = {
    OfficerRole.COMMITTEE: N_("committee member"),
    OfficerRole.DEPUTY: N_("deputy secretary"),
    OfficerRole.SECRETARY: N_("secretary"),
    OfficerRole.ORGANISER: N_("organiser"),
}
STATUS_NAMES = {"official": N_("official"), "probationary": N_("probationary")}


def member_line(view: MemberView, gettext: Gettext, number: int | None = None) -> str:
    """One member as a line: the number given (else a bullet), name, card, status, roles, exemption,
    linked or not."""
    parts = [view.person.full_name]
    if view.person.card_number:
        parts.append(view.person.card_number)
    if view.status:
        parts.append(gettext(STATUS_NAMES[view.status]))
    parts.extend(gettext(ROLE_NAMES[r]) for r in view.roles)
    if view.kind == "residence":
        parts.append(gettext(N_("residence tie")))
    if view.exempt:
        parts.append(gettext(N_("exempt")))
    parts.append(gettext(N_("linked")) if view.linked else gettext(N_("not linked")))
    return ("• " if number is None else f"{number}. ") + " · ".join(parts)

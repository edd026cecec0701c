"""What a command acts on (a cell, a unit; next a meeting), and how a person's roles towards it are found.

Each scope is a resolver the core asks, whatever the command: find a target by id, list the targets a
person could mean, and work out their roles towards one on a day. A new scope (meetings, with the
chair and the minute-taker) plugs in with `register`, without touching the core.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import N_
from bot.permissions import Command, Role, Scope
from bot.services import access
from storage.models import Cell, Unit


class Resolver(Protocol):
    """How the core finds the target of a command of one scope, and the person's roles towards it."""

    scope: str  # a Scope
    which: str  # msgid of the question when a person could mean several ("Which cell?")
    missing: str  # msgid when the target named does not exist ("There is no such cell.")

    async def get(self, session: AsyncSession, target_id: int) -> Any | None:
        """The target with this id, if it exists and can be acted on."""
        ...

    async def candidates(
        self, session: AsyncSession, *, person_id: int, command: Command, day: Any, now: Any
    ) -> list[Any]:
        """The targets a person could mean when they name none, each with an `id` and a `name`."""
        ...

    async def roles(self, session: AsyncSession, *, person_id: int, target: Any, day: Any) -> set[Role]:
        """The person's roles towards the target on `day`."""
        ...

    # A resolver may also have `async nothing(session, *, person_id, command, day) -> str | None`: when a
    # person who may use the command somewhere has no candidate now, the msgid saying why.


class CellScope:
    """A cell: members, officers, acting secretaries and organisers of the units above it."""

    scope: str = Scope.CELL
    which = N_("Which cell?")
    missing = N_("There is no such cell.")

    async def get(self, session: AsyncSession, target_id: int) -> Cell | None:
        """An open cell."""
        cell = await session.get(Cell, target_id)
        return cell if cell is not None and cell.closed_at is None else None

    async def candidates(
        self, session: AsyncSession, *, person_id: int, command: Command, day: Any, now: Any
    ) -> list[Any]:
        """The cells where the person may use the command."""
        return list(await access.cells_for(session=session, person_id=person_id, command=command, day=day))

    async def roles(self, session: AsyncSession, *, person_id: int, target: Any, day: Any) -> set[Role]:
        """Roles towards the cell."""
        return await access.roles_in_cell(session=session, person_id=person_id, cell=target, day=day)


class UnitScope:
    """A unit (a commune, a province): its organisers, and the organisers of the units above it."""

    scope: str = Scope.UNIT
    which = N_("Which unit?")
    missing = N_("There is no such unit.")

    async def get(self, session: AsyncSession, target_id: int) -> Unit | None:
        """The unit."""
        return await session.get(Unit, target_id)

    async def candidates(
        self, session: AsyncSession, *, person_id: int, command: Command, day: Any, now: Any
    ) -> list[Any]:
        """The units the person organises."""
        return list(await access.units_for(session=session, person_id=person_id, day=day))

    async def roles(self, session: AsyncSession, *, person_id: int, target: Any, day: Any) -> set[Role]:
        """Roles towards the unit."""
        return await access.roles_in_unit(session=session, person_id=person_id, unit=target, day=day)


_RESOLVERS: dict[str, Resolver] = {}


def register(resolver: Resolver) -> None:
    """Let commands of the resolver's scope find their targets through it."""
    _RESOLVERS[resolver.scope] = resolver


def resolver(scope: str) -> Resolver:
    """The resolver of a scope (every scope but NONE has one)."""
    return _RESOLVERS[scope]


register(CellScope())
register(UnitScope())

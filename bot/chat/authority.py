"""Who may do what, checked when a command starts and again at every step of a form: the target a
command acts on, and the person's roles towards it on the day."""

from __future__ import annotations

import logging
from typing import Any

from bot import flows, scopes
from bot.chat.context import REFUSED, REVOKED, Ctx, cmd_button
from bot.chat.registry import Registry
from bot.permissions import Command, Role, Scope, allowed
from bot.services import access
from bot.services.units import cell_today
from storage.ids import parse_id
from storage.models import Cell, FlowState

log = logging.getLogger(__name__)


async def reauthorise(ctx: Ctx, state: FlowState, registry: Registry) -> bool:
    """Set the form's command, target and roles as of now; close the form if they no longer allow it."""
    person = ctx.require_person()
    assert person.id is not None
    spec = registry.specs.get(str(state.data.get("_command")))
    form = registry.forms.get(state.flow)
    if form is not None and spec is not None:
        ctx.spec = spec
        target_id = state.data.get("_target")
        target = None
        if spec.scope != Scope.NONE and target_id is not None:
            target = await scopes.resolver(spec.scope).get(ctx.session, int(target_id))
        if spec.scope == Scope.NONE or target is not None:  # a closed cell takes its forms with it
            await set_target(ctx, spec, person.id, target)
            if ctx.roles & (form.requires or spec.roles):
                return True
    log.info("form %s of person %s closed: roles now %s", state.flow, person.id, sorted(ctx.roles))
    await flows.finish(session=ctx.session, state=state)
    ctx.refuse(ctx._(REVOKED))
    return False


async def authorise(ctx: Ctx, spec: Command) -> bool:
    """Resolve the command's target and check the permission table; explain a refusal."""
    person = ctx.require_person()
    assert person.id is not None
    if not await choose_target(ctx, spec, person.id):
        return False
    if allowed(spec, ctx.roles):
        return True
    log.info("refused /%s for person %s (roles %s)", spec.name, person.id, sorted(ctx.roles))
    ctx.refuse(ctx._(REFUSED, command=spec.name))
    return False


async def choose_target(ctx: Ctx, spec: Command, person_id: int) -> bool:
    """Set the command's target from '#id', or from the person's only candidate.

    Returns False when a question (which one?) or an explanation was sent instead.
    """
    if spec.scope == Scope.NONE:
        await set_target(ctx, spec, person_id, None)
        return True
    resolver = scopes.resolver(spec.scope)
    target: Any
    if ctx.args and ctx.args[0].startswith("#"):
        target_id = parse_id(ctx.args.pop(0), prefix="#")
        target = await resolver.get(ctx.session, target_id) if target_id else None
        if target is None:
            ctx.refuse(ctx._(resolver.missing))
            return False
    else:
        candidates = await resolver.candidates(
            ctx.session, person_id=person_id, command=spec, day=ctx.today, now=ctx.now
        )
        if len(candidates) > 1:
            buttons = tuple((cmd_button(c.name, spec.name, f"#{c.id}", *ctx.args),) for c in candidates[:30])
            ctx.reply(ctx._(resolver.which), buttons)
            return False
        target = candidates[0] if candidates else None
        explain = getattr(resolver, "nothing", None)
        if target is None and explain is not None:
            # Allowed, but nothing fits now (no meeting open to check in to): say that, not "not allowed".
            reason = await explain(ctx.session, person_id=person_id, command=spec, day=ctx.today)
            if reason is not None:
                ctx.refuse(ctx._(reason))
                return False
    await set_target(ctx, spec, person_id, target)
    return True


async def set_target(ctx: Ctx, spec: Command, person_id: int, target: Any) -> None:
    """Record the target and the person's roles towards it today (the cell's day, in its own zone)."""
    ctx.target = target
    cell = target if isinstance(target, Cell) else getattr(target, "cell", None)
    if isinstance(cell, Cell):
        ctx.today = cell_today(cell, ctx.now, ctx.config.tz)
    if spec.scope == Scope.NONE:
        ctx.roles = await access.roles_anywhere(session=ctx.session, person_id=person_id, day=ctx.today)
        ctx.roles.add(Role.MEMBER)  # linked people may use the general commands
    elif target is None:
        ctx.roles = set()
    else:
        ctx.roles = await scopes.resolver(spec.scope).roles(
            ctx.session, person_id=person_id, target=target, day=ctx.today
        )

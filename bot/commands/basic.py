"""/start (linking), /help, /lang and /cancel."""

from __future__ import annotations

from bot.chat import GREETING, Ctx, flow_button
from bot.flows import Form, finish
from bot.i18n import N_
from bot.services import access, profiles
from bot.services.identity import LinkResult, redeem
from bot.services.profiles import LANGUAGE_NAMES


async def start(ctx: Ctx) -> None:
    """Link this account with an invite code, or greet a linked person."""
    if not ctx.args:
        if ctx.person is None:
            ctx.reply(ctx._(GREETING))
        else:
            ctx.reply(
                ctx._(
                    N_("Welcome back, comrade %(name)s. Send /help to see what I can do."),
                    name=ctx.person.full_name,
                )
            )
        return
    if not ctx.incoming.private:
        ctx.reply(ctx._(N_("Please send your invite code to me in a private chat, not in a group.")))
        return
    linking = await redeem(
        session=ctx.session,
        code=ctx.args[0],
        platform=ctx.chat.platform,
        external_id=ctx.user_id,
        now=ctx.now,
        language_code=ctx.incoming.sender.language_code,
    )
    messages = {
        LinkResult.USED: N_("This invite code has already been used. Ask your cell secretary for a new one."),
        LinkResult.EXPIRED: N_("This invite code has expired. Ask your cell secretary for a new one."),
        LinkResult.UNKNOWN: N_(
            "I do not know this invite code. Check it, or ask your cell secretary for a new one."
        ),
        LinkResult.OTHER_PERSON: N_(
            "This account is already linked to another member, so I cannot use this code with it."
        ),
    }
    if linking.result in messages:
        ctx.reply(ctx._(messages[linking.result]))
        return
    assert linking.person is not None
    ctx.person = linking.person
    ctx.reply(
        ctx._(
            N_("Welcome, comrade %(name)s! Your account is now linked. Send /help to see what I can do."),
            name=linking.person.full_name,
        )
        if linking.result == LinkResult.LINKED
        else ctx._(N_("Your account is already linked, comrade %(name)s."), name=linking.person.full_name)
    )
    ctx.outcome.refresh_menu = True


async def help_(ctx: Ctx) -> None:
    """List the commands this person's roles allow."""
    lines = [ctx._(N_("Commands you can use:"))]
    for spec in access.commands_for(ctx.roles):
        also = "".join(f" (/{alias})" for alias in spec.aliases)
        lines.append(f"/{spec.name}{also} — {ctx._(spec.description)}")
    ctx.reply("\n".join(lines))


async def cancel(ctx: Ctx) -> None:
    """Nothing was open (an open form is closed before commands run)."""
    ctx.reply(ctx._(N_("There is nothing to cancel.")))


async def lang(ctx: Ctx) -> None:
    """Choose the language directly (/lang en) or from a choice."""
    if ctx.args:
        await _set_language(ctx, ctx.args[0])
        return
    await ctx.begin_form("lang", "choose")
    ctx.reply(
        ctx._(N_("Which language would you like?")),
        ((flow_button(LANGUAGE_NAMES["vi"], "vi"), flow_button(LANGUAGE_NAMES["en"], "en")),),
    )


async def lang_choose(ctx: Ctx, state: Form, answer: str) -> None:
    """The answer to 'which language': a button, 'vi'/'en', 1/2 or the language's name."""
    await finish(session=ctx.session, state=state)
    await _set_language(ctx, answer)


async def _set_language(ctx: Ctx, answer: str) -> None:
    choice = profiles.language_named(answer)
    if choice is None:
        ctx.reply(ctx._(N_("I can speak Tiếng Việt (vi) or English (en). Send /lang vi or /lang en.")))
        return
    await profiles.set_language(
        session=ctx.session, person=ctx.require_person(), language=choice, now=ctx.now, actor=ctx.actor
    )
    ctx.lang = choice
    ctx.reply(ctx._(N_("From now on I will write to you in English.")))
    ctx.outcome.refresh_menu = True

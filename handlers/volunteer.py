"""Volunteers: joining with an invitation code (or asking and being approved), sharing guides
with links that carry their referral code, and /myimpact.

/volunteer CODE (or a `join_<code>` deep link) makes a person a volunteer; /volunteer alone
shows their tools, or how to join. A person who arrives through a volunteer's link is
recorded once (the first referral wins; a volunteer's own link does not count).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot.context import Context
from bot.messages import Button, Link
from bot.state import Awaiting
from bot.volunteers.card import card_text, shareable
from bot.volunteers.codes import typed_code
from bot.volunteers.links import ShareLinks
from handlers.replies import menu_button
from handlers.volunteer_actions import (
    ShareItem,
    ShareMenu,
    ShowImpact,
    VolunteerAsk,
    VolunteerAskSkip,
    VolunteerMenu,
)

ORGANISATION = Awaiting.ORGANISATION

if TYPE_CHECKING:  # storage (SQLAlchemy) is loaded by what stores: `helpdesk ask` never does
    from bot.volunteers.store import VolunteerInfo


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _record(ctx: Context) -> VolunteerInfo | None:
    """The person's volunteer record; None also where nothing is stored (`helpdesk ask`)."""
    from bot.volunteers import store

    if ctx.storage is None:
        return None
    return await ctx.storage.call(store.volunteer_of, ctx.person.id)


async def _active(ctx: Context) -> VolunteerInfo | None:
    """The person as an active volunteer; otherwise says how to become one and gives None."""
    found = await _record(ctx)
    if found is not None and found.status == "active" and found.referral_code:
        return found
    ctx.reply(ctx._("This is for volunteers. Send /volunteer to become one."), [menu_button(ctx)])
    return None


def _tools(ctx: Context) -> list[Button]:
    return [
        Button(ctx._("🔗 Share a guide"), ShareMenu().pack()),
        Button(ctx._("📊 My impact"), ShowImpact().pack()),
        menu_button(ctx),
    ]


def _show_menu(ctx: Context, volunteer: VolunteerInfo, welcome: bool = False) -> None:
    who = (
        ctx._("🙌 You are a volunteer of {org}.").format(org=volunteer.org)
        if volunteer.org
        else ctx._("🙌 You are a volunteer.")
    )
    code = ctx._(
        "Your code is {code}: every link you share carries it, so the people who start "
        "through your links count for you (/myimpact)."
    ).format(code=volunteer.referral_code)
    greeting = [ctx._("Welcome!")] if welcome else []
    ctx.reply(" ".join([*greeting, who, code]), _tools(ctx))


async def command_volunteer(ctx: Context, argument: str) -> None:
    """/volunteer [CODE]: join with an invitation code, or see one's tools or how to join."""
    if argument.strip():
        code = typed_code(argument)
        if code is None:
            ctx.reply(ctx._("That is not an invitation code. It looks like K7M2QX9A."))
            return
        await redeem(ctx, code)
        return
    found = await _record(ctx)
    if found is not None and found.status == "active":
        _show_menu(ctx, found)
    elif found is not None:
        ctx.reply(ctx._("Your request is waiting for an administrator."), [menu_button(ctx)])
    else:
        ctx.reply(
            ctx._(
                "Volunteers share the guides with a link, a card or a poster, and see how "
                "many people they helped. Got an invitation code? Send /volunteer and the "
                "code. Or ask to join:"
            ),
            [
                Button(ctx._("🙋 Ask to become a volunteer"), VolunteerAsk().pack()),
                menu_button(ctx),
            ],
        )


async def redeem(ctx: Context, code: str) -> None:
    """Use an invitation code (typed, or from a `join_<code>` deep link)."""
    from bot.volunteers import store

    if ctx.storage is None:
        return
    outcome, volunteer = await ctx.storage.call(store.redeem, ctx.person.id, code, _now())
    if volunteer is not None:
        if outcome == "joined":
            if ctx.person.role == "citizen":
                ctx.person.role = "volunteer"
            ctx.record("volunteer_joined")
        _show_menu(ctx, volunteer, welcome=outcome == "joined")
        return
    problems = {
        "expired": ctx._("That invitation code has expired."),
        "used_up": ctx._("That invitation code has been used up."),
    }
    ctx.reply(
        problems.get(outcome, ctx._("I don't know that invitation code."))
        + " "
        + ctx._("Ask your organisation for a new one."),
        [menu_button(ctx)],
    )


async def action_menu(ctx: Context, _action: VolunteerMenu) -> None:
    """A volunteer's tools."""
    volunteer = await _active(ctx)
    if volunteer is not None:
        _show_menu(ctx, volunteer)


async def action_ask(ctx: Context, _action: VolunteerAsk) -> None:
    """Ask to become a volunteer: first, which organisation."""
    ctx.state.awaiting = ORGANISATION
    ctx.reply(
        ctx._("Which organisation do you volunteer with (for example: Tỉnh đoàn Quảng Ngãi)?"),
        [Button(ctx._("Skip"), VolunteerAskSkip().pack())],
    )


async def action_ask_skip(ctx: Context, _action: VolunteerAskSkip) -> None:
    """Ask to become a volunteer without naming an organisation."""
    await _ask(ctx, None)


async def typed_organisation(ctx: Context) -> bool:
    """Text stage: the organisation of a person asking to become a volunteer."""
    if ctx.state.awaiting != ORGANISATION:
        return False
    await _ask(ctx, ctx.text.strip()[:120] or None)
    return True


async def _ask(ctx: Context, org: str | None) -> None:
    from bot.volunteers import store

    ctx.state.awaiting = None
    if ctx.storage is None:
        return
    outcome = await ctx.storage.call(store.ask, ctx.person.id, org, _now())
    if outcome == "requested":
        ctx.record("volunteer_requested")
    texts = {
        "requested": ctx._("Thank you! An administrator will look at your request."),
        "pending": ctx._("Your request is waiting for an administrator."),
        "active": ctx._("You are already a volunteer. Send /volunteer to see your tools."),
    }
    ctx.reply(texts[outcome], [menu_button(ctx)])


async def action_share_menu(ctx: Context, action: ShareMenu) -> None:
    """What a volunteer can share: every guide, then the topics of each menu section."""
    if await _active(ctx) is None:
        return
    section = ctx.content.section(action.section) if action.section else None
    if section is not None:
        buttons = [
            Button(topic.title.get(ctx.locale), ShareItem("topic", topic.id).pack())
            for topic_id in section.topics
            if (topic := ctx.content.topic(topic_id)) is not None and topic.flow == "answer"
        ]
    else:
        buttons = [
            Button(guide.title.get(ctx.locale), ShareItem("guide", guide.id).pack())
            for guide in ctx.content.guides.values()
        ]
        buttons += [
            Button(s.label.get(ctx.locale), ShareMenu(s.id).pack()) for s in ctx.content.menu
        ]
    ctx.reply(ctx._("What do you want to share?"), [*buttons, menu_button(ctx)])


def share_item(links: ShareLinks) -> Callable[[Context, ShareItem], Awaitable[None]]:
    """The handler of ShareItem, making links to `links`' addresses."""

    async def action_share_item(ctx: Context, action: ShareItem) -> None:
        """The card to forward (one message), then the links themselves."""
        volunteer = await _active(ctx)
        if volunteer is None or volunteer.referral_code is None:
            return
        item = shareable(ctx.content, action.kind, action.item, ctx.locale)
        if item is None:
            ctx.reply(ctx._("That menu is out of date. Here is the current one."))
            await action_share_menu(ctx, ShareMenu())
            return
        made = links.item(item.kind, item.item_id, volunteer.referral_code)
        ctx.record("volunteer_shared", detail=f"{item.kind}:{item.item_id}"[:64])
        ctx.reply(card_text(item, made, ctx._))
        found = [Link(ctx._("🌐 Web chat"), made.web)]
        if made.telegram is not None:
            found.append(Link(ctx._("✈ Telegram"), made.telegram))
        ctx.reply(
            ctx._(
                "Forward the message above to your family or a group, or share one of these "
                "links. They carry your code {code}."
            ).format(code=volunteer.referral_code),
            [Button(ctx._("🔗 Share something else"), ShareMenu().pack()), *_tools(ctx)[1:]],
            links=found,
        )

    return action_share_item


def command_myimpact(links: ShareLinks) -> Callable[[Context, str], Awaitable[None]]:
    """/myimpact: people who started through the volunteer's links, and completed, by week."""
    show = action_impact(links)

    async def handle(ctx: Context, _argument: str) -> None:
        await show(ctx, ShowImpact())

    return handle


def action_impact(links: ShareLinks) -> Callable[[Context, ShowImpact], Awaitable[None]]:
    """The handler of ShowImpact, with a link to the volunteer's own page at `links`."""

    async def handle(ctx: Context, _action: ShowImpact) -> None:
        await _impact(ctx, links)

    return handle


async def _impact(ctx: Context, links: ShareLinks) -> None:
    """The volunteer's impact, by week, and their personal page (posters, the same figures)."""
    from bot.volunteers.impact import impact

    volunteer = await _active(ctx)
    if volunteer is None or ctx.storage is None:
        return
    found = await ctx.storage.call(impact, volunteer.user_id)
    page = (
        [Link(ctx._("📄 My page: posters and figures"), f"{links.web}/v/{volunteer.token}")]
        if volunteer.token
        else []
    )
    if not found.weeks:
        ctx.reply(
            ctx._("Nobody has started through your links yet. Share a guide to begin!"),
            _tools(ctx),
            links=page,
        )
        return
    lines = [ctx._("📊 Your impact (code {code}):").format(code=volunteer.referral_code)]
    lines += [
        ctx._("Week of {date}: {started} started, {completed} completed a guide").format(
            date=week.week.strftime("%d/%m/%Y"), started=week.started, completed=week.completed
        )
        for week in found.weeks
    ]
    lines.append(
        ctx._("In all: {started} started, {completed} completed a guide.").format(
            started=found.started, completed=found.completed
        )
    )
    ctx.reply("\n".join(lines), _tools(ctx), links=page)


async def attribute(ctx: Context, code: str, item: str | None) -> None:
    """Record that the person came through a volunteer's link (first referral wins)."""
    from bot.volunteers import store

    if ctx.storage is None:
        return
    if await ctx.storage.call(store.attribute, ctx.person.id, code, item, _now()) == "recorded":
        ctx.record("referral_recorded", detail=code)

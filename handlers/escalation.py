"""Handing over to people: the hotlines of the person's own province, as tappable contacts."""

from __future__ import annotations

from typing import assert_never

from bot.contacts import hotline_contact
from bot.content import Hotline
from bot.context import Context
from bot.messages import Button, Contact, Link
from handlers.actions import (
    ChatWithStaff,
    ChooseProvince,
    Escalate,
    EscalationReason,
    TalkToSupport,
)
from handlers.replies import ask_province, menu_button, resume_button


def contact(ctx: Context, hotline: Hotline) -> Contact:
    """A hotline as a contact card in the person's language."""
    return hotline_contact(hotline, ctx.locale, ctx.content)


def health_contact(ctx: Context) -> Contact:
    """The Ministry of Health line, for symptoms and exposure warnings."""
    return contact(ctx, ctx.content.health_hotline)


def urgent_line(ctx: Context) -> str:
    """What to do at once when breathing is hard: said before anything else."""
    return ctx._(
        "⚠ Trouble breathing or chest pain is an emergency: go to the nearest health facility "
        "or call an ambulance now."
    )


def health_line(ctx: Context) -> str:
    """A pointer to the health line for a message that reports symptoms beside an app question."""
    return ctx._(
        "You mention symptoms: please call the Ministry of Health line below or your local "
        "health station."
    )


def named_province(ctx: Context) -> str | None:
    """The province the person named in this message, if any: it wins for this reply."""
    entities = ctx.understanding.entities if ctx.understanding else None
    if entities is None or entities.province is None:
        return None
    return entities.province if ctx.content.province(entities.province) else None


def _intro(ctx: Context, reason: EscalationReason) -> str:
    match reason:
        case "not_understood":
            return ctx._("Sorry, I still don't understand. A person can help you.")
        case "guide_failed":
            return ctx._("This step seems to be hard. A person can help you.")
        case "feedback":
            return ctx._("Sorry that did not help. A person can help you.")
        case "still_failing":
            return ctx._("Sorry it still doesn't work. A person can help you.")
        case "asked":
            return ctx._("Here is who can help you.")
        case _:
            assert_never(reason)


def _is_health_conversation(ctx: Context) -> bool:
    topic = ctx.content.topic(ctx.state.last_topic) if ctx.state.last_topic else None
    return bool(topic and topic.health)


async def give_hotlines(ctx: Context, reason: EscalationReason, lead: str | None = None) -> None:
    """Escalate: the province's hotlines (asking the province first if it is not known).

    `lead` (the hotline topic's answer for that province) introduces the numbers; with no
    numbers to introduce it is left out, so nothing on screen points at numbers that are not
    there.
    """
    named = named_province(ctx)
    province = ctx.content.province(named or ctx.person.province)
    if province is None:
        if reason != "asked":  # say why a person is offered; a plain request needs no preface
            ctx.reply(_intro(ctx, reason))
        ask_province(ctx, pending=Escalate(reason))
        return
    ctx.record("escalation", detail=reason)
    contacts = [contact(ctx, hotline) for hotline in province.hotlines]
    links: list[Link] = []
    lines: list[str] = []
    if contacts:
        place = province.name.get(ctx.locale)
        # The letters set these lines up for agencies; say so rather than promise too much.
        honest = ctx._(
            "Each card says what its line was set up for and when. They may be able to "
            "help you, or tell you who can."
        )
        lines = (
            [lead, honest]
            if lead
            else [
                _intro(ctx, reason),
                honest,
                ctx._("Support in {province}:").format(province=place),
            ]
        )
    else:
        if reason != "asked":
            lines.append(_intro(ctx, reason))
        if province.id == "other":
            lines.append(ctx._("I don't have a support number for your province yet."))
        else:
            lines.append(
                ctx._("I don't have a support number for {province} yet.").format(
                    province=province.name.get(ctx.locale)
                )
            )
        lines.append(
            ctx._(
                "For help with the apps, the official guides are on these sites. Your "
                "province's Department of Information and Communications can also help."
            )
        )
        links = [Link(site.label.get(ctx.locale), site.url) for site in ctx.content.sites.values()]
    if _is_health_conversation(ctx) or not contacts:
        contacts.append(health_contact(ctx))
        lines.append(
            ctx._(
                "The Ministry of Health line is for health questions only (symptoms, an "
                "exposure warning), not for help with the apps."
            )
        )
    buttons: list[Button] = []
    chat = chat_button(ctx, reason)
    if chat is not None:
        buttons.append(chat)
    resume = resume_button(ctx)
    if resume is not None:
        buttons.append(resume)
    if named is not None and named != ctx.person.province:
        label = ctx._("📍 Remember: {province}").format(province=province.name.get(ctx.locale))
        buttons.append(Button(label, ChooseProvince(named).pack()))
    buttons += [Button(ctx._("📍 Change province"), ChooseProvince().pack()), menu_button(ctx)]
    ctx.reply("\n".join(lines), buttons, contacts, links)


def chat_button(ctx: Context, reason: EscalationReason) -> Button | None:
    """ "Chat with support staff" (live support, handlers/support.py), where it is offered
    and the person is not chatting with them already."""
    support = ctx.support
    if support is None or ctx.state.ticket is not None:
        return None
    if not support.offered(ctx.inbound.channel):
        return None
    return Button(ctx._("💬 Chat with support staff"), ChatWithStaff(reason).pack())


async def command_hotline(ctx: Context, _argument: str) -> None:
    """/hotline: the support numbers."""
    await give_hotlines(ctx, "asked")


async def action_help(ctx: Context, _action: TalkToSupport) -> None:
    """The "Talk to support" button."""
    await give_hotlines(ctx, "asked")

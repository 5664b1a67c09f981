"""Live support, the citizen's side: chat with the support staff (bot/tickets).

Offered beside the hotlines when the bot hands over (escalation.py). Once a ticket is open the
bot does not answer in the staff's place: what the person types goes to the ticket (said
once: "sent to the staff"), until the staff close it or the person ends it ("kết thúc", the
End chat button). Commands still work (/menu, /stop, /hotline), and so do buttons. Outside
office hours the person is told when staff will answer and gets their own province's
hotline; the ticket waits. A closed chat asks whether the problem was solved.
"""

from __future__ import annotations

from bot.content import Province
from bot.context import Context
from bot.messages import Button, Contact
from bot.tickets.actions import RateTicket
from bot.tickets.model import TicketDraft
from handlers import escalation, start
from handlers.actions import ChatWithStaff, EndChat
from handlers.fallback import stale_button
from handlers.replies import main_menu_buttons, menu_button
from handlers.words import said


def end_button(ctx: Context) -> Button:
    """End the chat with the staff."""
    return Button(ctx._("✖ End chat"), EndChat().pack())


def rate_buttons(ctx: Context, ticket_id: int) -> list[Button]:
    """Was the problem solved? 👍 / 👎."""
    return [
        Button(ctx._("👍 Yes, solved"), RateTicket(str(ticket_id), "yes").pack()),
        Button(ctx._("👎 No"), RateTicket(str(ticket_id), "no").pack()),
    ]


def draft(ctx: Context, reason: str) -> TicketDraft:
    """The ticket of this turn's person: where they are, and why."""
    progress = ctx.state.guide
    guide = ctx.content.guide(progress.guide) if progress is not None else None
    branch = guide.branch(progress.branch) if guide is not None and progress else None
    step = None
    if branch is not None and progress is not None and 0 <= progress.step < len(branch.steps):
        step = branch.steps[progress.step].id
    return TicketDraft(
        user_id=ctx.person.id,
        channel=ctx.person.channel,
        locale=ctx.locale,
        reason=reason,
        province=ctx.person.province,
        topic=ctx.state.last_topic,
        guide=guide.id if guide is not None else None,
        branch=branch.id if branch is not None else None,
        step=step,
    )


def health_worry(ctx: Context) -> bool:
    """The conversation was about health (symptoms, an exposure warning)."""
    topic = ctx.content.topic(ctx.state.last_topic) if ctx.state.last_topic else None
    return bool(topic and topic.health)


def _while_away(ctx: Context, province: Province | None) -> tuple[list[str], list[Contact]]:
    """What staff being away means: when they answer, and the province's own hotlines."""
    support = ctx.support
    assert support is not None
    hours = support.settings.hours
    lines = [
        ctx._(
            "The support staff are not at work now (office hours: {hours}). Your request is "
            "saved: they will answer you here from {when}."
        ).format(hours=hours.describe(ctx.locale), when=hours.when(support.now(), ctx.locale))
    ]
    contacts = [escalation.contact(ctx, h) for h in province.hotlines] if province else []
    if contacts:
        lines.append(ctx._("If it cannot wait, you can call:"))
    elif province is not None and province.id != "other":
        lines.append(
            ctx._("I don't have a support number for {province} yet.").format(
                province=province.name.get(ctx.locale)
            )
        )
    return lines, contacts


async def action_open(ctx: Context, action: ChatWithStaff) -> None:
    """ "Chat with support staff": open a ticket (or find the one already open)."""
    support, storage = ctx.support, ctx.storage
    if support is None or storage is None or not support.offered(ctx.inbound.channel):
        await escalation.give_hotlines(ctx, action.reason)
        return
    ticket_id, new = await support.open(storage, draft(ctx, action.reason))
    ctx.state.ticket = ticket_id
    ctx.after_commit.append(support.wake)
    if not new:
        ctx.reply(
            ctx._("You are already chatting with the support staff: just write your message."),
            [end_button(ctx)],
        )
        return
    ctx.record("ticket_opened", detail=action.reason)
    contacts: list[Contact] = []
    if support.staffed():
        lines = [
            ctx._(
                "I have asked the support staff to join. A person will answer you here, in "
                "this chat. Write your question now: your messages go to them."
            )
        ]
    else:
        lines, contacts = _while_away(ctx, ctx.content.province(ctx.person.province))
    lines.append(
        ctx._('To stop, tap "End chat" or type "kết thúc". Phone numbers you type are hidden.')
    )
    if health_worry(ctx):
        contacts.append(escalation.health_contact(ctx))
        lines.append(
            ctx._("For health questions (symptoms, an exposure warning), call the health line.")
        )
    ctx.reply("\n".join(lines), [end_button(ctx), menu_button(ctx)], contacts)


async def open_ticket(ctx: Context) -> int | None:
    """The person's open ticket; a closed or vanished one is forgotten."""
    ticket_id, support, storage = ctx.state.ticket, ctx.support, ctx.storage
    if ticket_id is None or support is None or storage is None:
        return None
    state = await support.state(storage, ticket_id)
    if state is None or state == "closed":
        ctx.state.ticket = None
        return None
    return ticket_id


async def end(ctx: Context, ticket_id: int) -> None:
    """The person ends the chat: the staff are told, the person is asked if it was solved."""
    support, storage = ctx.support, ctx.storage
    assert support is not None and storage is not None
    await support.end(storage, ticket_id)
    ctx.state.ticket = None
    ctx.after_commit.append(support.wake)
    ctx.record("ticket_ended")
    ctx.reply(
        ctx._("Your chat with the support staff has ended. Was your problem solved?"),
        rate_buttons(ctx, ticket_id),
    )


def still_open(ctx: Context) -> None:
    """Say the chat with the staff is still open (after the menu)."""
    ctx.reply(
        ctx._("Your chat with the support staff is still open: what you type goes to them."),
        [end_button(ctx)],
    )


async def typed_in_ticket(ctx: Context) -> bool:
    """Text stage (first): while a ticket is open, typed text goes to the staff."""
    if ctx.state.ticket is None:
        return False
    ticket_id = await open_ticket(ctx)
    support, storage = ctx.support, ctx.storage
    if ticket_id is None or support is None or storage is None:
        return False
    if said(ctx, "leave_support"):
        await end(ctx, ticket_id)
        return True
    if said(ctx, "menu"):
        await start.command_menu(ctx, "")
        still_open(ctx)
        return True
    before = await support.write(storage, ticket_id, ctx.text)
    ctx.after_commit.append(support.wake)
    if before == 0:
        if support.staffed():
            text = ctx._("📨 Sent to the support staff. They will answer you here.")
        else:
            when = support.settings.hours.when(support.now(), ctx.locale)
            text = ctx._("📨 Saved for the support staff. They will answer you here from {when}.")
            text = text.format(when=when)
        ctx.reply(text, [end_button(ctx)])
    return True


async def command_menu(ctx: Context, argument: str) -> None:
    """/menu: the main menu, and a word that the chat with the staff is still open."""
    await start.command_menu(ctx, argument)
    if await open_ticket(ctx) is not None:
        still_open(ctx)


async def action_end(ctx: Context, _action: EndChat) -> None:
    """The End chat button."""
    ticket_id = await open_ticket(ctx)
    if ticket_id is None:
        ctx.reply(ctx._("The chat with the support staff is already over."), main_menu_buttons(ctx))
        return
    await end(ctx, ticket_id)


async def action_rate(ctx: Context, action: RateTicket) -> None:
    """👍 / 👎 after a chat: was the problem solved? Recorded; a 👎 gets the hotlines."""
    support, storage = ctx.support, ctx.storage
    solved = action.answer == "yes"
    if support is None or storage is None or not action.ticket.isdigit():
        await stale_button(ctx)
        return
    if not await support.rate(storage, int(action.ticket), ctx.person.id, solved):
        await stale_button(ctx)
        return
    ctx.record("ticket_solved", detail=action.answer)
    if solved:
        ctx.reply(ctx._("Thank you! Glad it is solved."), main_menu_buttons(ctx))
        return
    await escalation.give_hotlines(ctx, "feedback")

"""Reminders: a person can stop them (/stop, "hủy đăng ký") and get them back (/start)."""

from __future__ import annotations

from bot.context import Context
from bot.messages import Button
from handlers.actions import Reminders
from handlers.words import said


def opt_in(ctx: Context) -> None:
    """Subscribe the person again (called by /start); says nothing."""
    if not ctx.person.subscribed:
        ctx.person.subscribed = True
        ctx.record("subscribed")


async def command_stop(ctx: Context, _argument: str) -> None:
    """/stop: no more reminders."""
    if ctx.person.subscribed:
        ctx.person.subscribed = False
        ctx.record("unsubscribed")
    ctx.reply(
        ctx._("You will get no more reminders. Send /start to get them again."),
        [Button(ctx._("🔔 Get reminders again"), Reminders("on").pack())],
    )


async def action_subscription(ctx: Context, action: Reminders) -> None:
    """`sub:on` / `sub:off` buttons."""
    if action.switch == "off":
        await command_stop(ctx, "")
        return
    opt_in(ctx)
    ctx.reply(ctx._("Reminders are on. Send /stop to stop them."))


async def typed_unsubscribe(ctx: Context) -> bool:
    """Text stage: "hủy đăng ký" typed instead of /stop."""
    if said(ctx, "unsubscribe"):
        await command_stop(ctx, "")
        return True
    return False

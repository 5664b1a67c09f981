"""👍 / 👎 under an answer: recorded for the admins; a 👎 is offered a person straight away."""

from __future__ import annotations

from bot.context import Context
from handlers import escalation
from handlers.actions import RateAnswer
from handlers.fallback import stale_button
from handlers.replies import main_menu_buttons


async def action_feedback(ctx: Context, action: RateAnswer) -> None:
    """`f:<topic>:<up|down>`: the person rated an answer."""
    if ctx.content.topic(action.topic) is None:
        await stale_button(ctx)
        return
    topic_id, rating = action.topic, action.rating
    ctx.record("feedback", topic=topic_id, detail=rating)
    if rating == "up":
        ctx.reply(ctx._("Thank you! Glad it helped."), main_menu_buttons(ctx))
        return
    await escalation.give_hotlines(ctx, "feedback")

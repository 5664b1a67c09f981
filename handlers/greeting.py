"""The greeting: what a person sees first, and after "start over"."""

from __future__ import annotations

from bot.context import Context
from handlers.actions import MainMenu
from handlers.replies import ask_province, campaign_note, show_main_menu


async def welcome(ctx: Context) -> None:
    """Greet, then ask the province once, or show the main menu."""
    greeting = ctx.content.topic("smalltalk.greeting")
    text = greeting.answer.get(ctx.locale) if greeting else ctx._("Hello!")
    note = campaign_note(ctx)
    if note is not None:
        text = f"{text}\n{note}"
    if ctx.person.province is None and not ctx.state.province_asked:
        ctx.reply(text)
        ask_province(ctx, pending=MainMenu())
        return
    show_main_menu(ctx, text)

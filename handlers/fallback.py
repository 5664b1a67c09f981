"""Polite answers to what the bot cannot use: empty or symbol-only messages, stale buttons."""

from __future__ import annotations

from bot.context import Context
from handlers.replies import main_menu_buttons, show_main_menu


async def bad_input(ctx: Context) -> None:
    """A message with nothing to read: ask for words, show the menu."""
    ctx.record("bad_input", detail=ctx.problem)
    if ctx.problem == "attachment":
        text = ctx._("I can only read text. Please type your question, or choose below.")
    elif ctx.problem == "no_words":
        text = ctx._("I can only read words. Please type your question, or choose below.")
    else:
        text = ctx._("I didn't get any text. Please type your question, or choose below.")
    ctx.reply(text, main_menu_buttons(ctx))


async def stale_button(ctx: Context) -> None:
    """A button from an old message or from content that has changed since."""
    ctx.record("stale_button")
    show_main_menu(ctx, ctx._("That menu is out of date. Here is the current one."))


async def unknown_command(ctx: Context) -> None:
    """A /command the bot does not have."""
    show_main_menu(ctx, ctx._("I don't know that command. Here is what I can do."))

"""A person deletes everything the bot stores about them (/xoadulieu)."""

from __future__ import annotations

from bot.context import Context
from bot.messages import Button
from handlers.actions import DeleteData
from handlers.replies import show_main_menu


async def command_delete(ctx: Context, _argument: str) -> None:
    """/xoadulieu: ask for confirmation first."""
    ctx.reply(
        ctx._(
            "Delete everything I store about you (your province, language and the questions "
            "you asked)? This cannot be undone."
        ),
        [
            Button(ctx._("🗑 Yes, delete"), DeleteData("yes").pack()),
            Button(ctx._("Cancel"), DeleteData("no").pack()),
        ],
    )


async def action_delete(ctx: Context, action: DeleteData) -> None:
    """`del:yes` deletes the person; anything else cancels."""
    if action.answer == "yes":
        ctx.delete_person = True
        ctx.record("data_deleted")
        ctx.reply(ctx._("Done: your data is deleted. If you write again, we start afresh."))
        return
    show_main_menu(ctx)

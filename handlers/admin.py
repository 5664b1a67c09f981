"""Administrators on a chat channel: compose and send a broadcast, and follow or stop it.

/broadcast asks for the text (a template: {{ province }} works), then who gets it, then shows
a preview with the number of people it will reach; nothing is sent before "Send". The
sending itself is the sender's job (`helpdesk serve`). /broadcasts lists the newest with
their progress and buttons to pause, resume or cancel. Anyone else gets a plain refusal.
"""

from __future__ import annotations

import datetime as dt
import logging

from bot.context import Context
from bot.messages import Button
from handlers.replies import menu_button

log = logging.getLogger(__name__)

LISTED = 5


def _is_admin(ctx: Context) -> bool:
    if ctx.person.role == "admin":
        return True
    ctx.record("admin_refused")
    log.warning("a non-admin on %s tried an admin command", ctx.person.channel)
    ctx.reply(ctx._("Sorry, this command is for administrators only."), [menu_button(ctx)])
    return False


def _cancel_button(ctx: Context) -> Button:
    return Button(ctx._("Cancel"), "bc:cancel")


async def command_broadcast(ctx: Context, _argument: str) -> None:
    """/broadcast: start composing a reminder."""
    if not _is_admin(ctx):
        return
    ctx.state.awaiting = "broadcast_text"
    ctx.state.draft = {}
    ctx.reply(
        ctx._("Type the reminder text. You can write {{ province }} for the person's province."),
        [_cancel_button(ctx)],
    )


async def typed_broadcast_text(ctx: Context) -> bool:
    """Text stage: the text of a broadcast being composed."""
    if ctx.state.awaiting != "broadcast_text" or ctx.state.draft is None:
        return False
    if not _is_admin(ctx):
        ctx.state.awaiting, ctx.state.draft = None, None
        return True
    from bot.broadcasts.templates import problems  # only admins pay for the sandbox

    limit = min(limits.text for limits in ctx.content.channels.values())
    found = problems({"vi": ctx.text}, limit)
    if found:
        ctx.reply(
            ctx._("That text cannot be sent: {problem}. Type it again.").format(problem=found[0]),
            [_cancel_button(ctx)],
        )
        return True
    ctx.state.awaiting = None
    ctx.state.draft = {"text": ctx.text}
    buttons = [Button(ctx._("Everyone"), "bc:to:all")]
    buttons += [
        Button(p.name.get(ctx.locale), f"bc:to:{p.id}")
        for p in ctx.content.provinces.values()
        if p.id != "other"
    ]
    ctx.reply(ctx._("Who should get it?"), [*buttons, _cancel_button(ctx)])
    return True


async def action_broadcast(ctx: Context, args: list[str]) -> None:
    """`bc:to:<province|all>`, `bc:send`, `bc:cancel`, `bc:pause|resume|cancel:<id>`."""
    if not _is_admin(ctx):
        return
    from bot.broadcasts import store
    from bot.broadcasts.segments import Segment
    from bot.broadcasts.templates import Recipient, render

    assert ctx.storage is not None
    draft = ctx.state.draft
    now = dt.datetime.now(dt.UTC)
    command = args[0] if args else ""
    if command == "cancel" and len(args) == 1:
        ctx.state.awaiting, ctx.state.draft = None, None
        ctx.reply(ctx._("Nothing was sent."), [menu_button(ctx)])
    elif command == "to" and draft and "text" in draft and len(args) == 2:
        province = None if args[1] == "all" else args[1]
        if province is not None and ctx.content.province(province) is None:
            return await _out_of_date(ctx)
        draft["province"] = province
        segment = Segment(province=province)
        count = await ctx.storage.call(store.audience_size, segment, now)
        place = ctx.content.province(province)
        preview = render(draft["text"], Recipient(place.name.get("vi") if place else "", "vi"))
        ctx.reply(
            ctx._("Preview:")
            + f"\n\n{preview}\n\n"
            + ctx._("It will go to {count} people.").format(count=count),
            [Button(ctx._("📤 Send"), "bc:send"), _cancel_button(ctx)],
        )
    elif command == "send" and draft and "text" in draft and "province" in draft:
        segment = Segment(province=draft["province"])
        count = await ctx.storage.call(store.audience_size, segment, now)
        identifier = await ctx.storage.call(
            store.create,
            {"vi": draft["text"]},
            segment,
            now,
            None,
            None,
            None,
            f"{ctx.person.channel}:{ctx.person.external_id}",
            # The sender keeps a progress message in this chat up to date.
            {
                "channel": ctx.person.channel,
                "external_id": ctx.person.external_id,
                "locale": ctx.locale,
            },
        )
        ctx.state.draft = None
        ctx.record("broadcast_created", detail=str(identifier))
        ctx.reply(
            ctx._(
                "Broadcast #{id} is on its way to {count} people. /broadcasts shows how far."
            ).format(id=identifier, count=count),
            [Button(ctx._("📊 Progress"), "bc:list"), menu_button(ctx)],
        )
    elif command == "list":
        await _list(ctx)
    elif command in ("pause", "resume", "cancel") and len(args) == 2 and args[1].isdigit():
        state = await ctx.storage.call(store.change_state, int(args[1]), command)
        if state is None:
            ctx.reply(ctx._("That broadcast cannot do that now."))
        await _list(ctx)
    else:
        await _out_of_date(ctx)


async def command_broadcasts(ctx: Context, _argument: str) -> None:
    """/broadcasts: the newest broadcasts with their progress."""
    if _is_admin(ctx):
        await _list(ctx)


async def _list(ctx: Context) -> None:
    from bot.broadcasts import store
    from bot.broadcasts.progress import status_line

    assert ctx.storage is not None
    rows = await ctx.storage.call(store.latest, LISTED)
    if not rows:
        ctx.reply(ctx._("There are no broadcasts yet. Send /broadcast to make one."))
        return
    lines: list[str] = []
    buttons: list[Button] = []
    for row in rows:
        status = await ctx.storage.call(store.report, row.id)
        assert status is not None
        lines.append(status_line(status, ctx._))
        if row.state in ("scheduled", "sending"):
            buttons.append(Button(ctx._("⏸ Pause #{id}").format(id=row.id), f"bc:pause:{row.id}"))
        if row.state == "paused":
            buttons.append(Button(ctx._("▶ Resume #{id}").format(id=row.id), f"bc:resume:{row.id}"))
        if row.state in ("scheduled", "sending", "paused"):
            buttons.append(Button(ctx._("✖ Cancel #{id}").format(id=row.id), f"bc:cancel:{row.id}"))
    buttons.append(Button(ctx._("🔄 Refresh"), "bc:list"))
    ctx.reply("\n".join(lines), buttons)


async def _out_of_date(ctx: Context) -> None:
    ctx.state.awaiting, ctx.state.draft = None, None
    ctx.reply(ctx._("That menu is out of date. Here is the current one."), [menu_button(ctx)])

"""Administrators on a chat channel: compose and send a broadcast, and follow or stop it.

/broadcast asks for the text (a template: {{ province }} works), then who gets it, then shows
a preview with the number of people it will reach; nothing is sent before "Send". The
sending itself is the sender's job (`helpdesk serve`). /broadcasts lists the newest with
their progress and buttons to pause, resume or cancel. Anyone else gets a plain refusal.

Each button is a typed sub-action of `bc` (handlers/actions.py) with its own small
handler, which is why the module is over 300 lines; the draft is a `BroadcastDraft` in the
conversation state.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Literal

from bot.channel_profile import broadcast_text_limit
from bot.context import Context
from bot.i18n import N_
from bot.messages import Button
from bot.state import Awaiting, BroadcastDraft
from handlers.actions import (
    BroadcastAddButton,
    BroadcastButton,
    BroadcastCancel,
    BroadcastList,
    BroadcastNarrow,
    BroadcastPause,
    BroadcastResume,
    BroadcastSegment,
    BroadcastSend,
    BroadcastTo,
)
from handlers.replies import menu_button
from handlers.volunteer_actions import VolunteerApprove

if TYPE_CHECKING:  # loaded only when an admin uses it
    from bot.broadcasts.segments import Segment

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
    return Button(ctx._("Cancel"), BroadcastCancel().pack())


async def command_broadcast(ctx: Context, _argument: str) -> None:
    """/broadcast: start composing a reminder."""
    if not _is_admin(ctx):
        return
    ctx.state.awaiting = Awaiting.BROADCAST_TEXT
    ctx.state.draft = BroadcastDraft()
    ctx.reply(
        ctx._("Type the reminder text. You can write {{ province }} for the person's province."),
        [_cancel_button(ctx)],
    )


async def typed_broadcast_text(ctx: Context) -> bool:
    """Text stage: the text of a broadcast being composed."""
    if ctx.state.awaiting is not Awaiting.BROADCAST_TEXT or ctx.state.draft is None:
        return False
    if not _is_admin(ctx):
        ctx.state.awaiting, ctx.state.draft = None, None
        return True
    from bot.broadcasts.templates import problems_off_loop  # only admins pay for the sandbox

    limit = broadcast_text_limit(ctx.channels)
    found = await problems_off_loop({"vi": ctx.text}, limit)  # bounded, off the event loop
    if found:
        ctx.reply(
            ctx._("That text cannot be sent: {problem}. Type it again.").format(problem=found[0]),
            [_cancel_button(ctx)],
        )
        return True
    ctx.state.awaiting = None
    ctx.state.draft = BroadcastDraft(text=ctx.text)
    buttons = [Button(ctx._("Everyone"), BroadcastTo("all").pack())]
    buttons += [
        Button(p.name.get(ctx.locale), BroadcastTo(p.id).pack())
        for p in ctx.content.provinces.values()
        if p.id != "other"
    ]
    ctx.reply(ctx._("Who should get it?"), [*buttons, _cancel_button(ctx)])
    return True


NARROWING = (
    # (segment field, value, label) offered under "Narrow down", after one "<channel> only"
    # per channel that can message people first (the channels declare it); guides come last.
    ("locale", "vi", N_("Vietnamese speakers only")),
    ("locale", "en", N_("English speakers only")),
    ("role", "volunteer", N_("Volunteers only")),
    ("unseen", "7", N_("Not seen for 7 days")),
    ("unseen", "30", N_("Not seen for 30 days")),
)


def narrowing(ctx: Context) -> list[tuple[str, str, str]]:
    """The narrowing choices, translated: one per broadcasting channel, then NARROWING."""
    channels = [
        ("channel", profile.name, ctx._("{channel} only").format(channel=profile.label))
        for profile in ctx.channels
        if profile.can_broadcast
    ]
    return channels + [(field, value, ctx._(label)) for field, value, label in NARROWING]


def _segment(draft: BroadcastDraft) -> Segment:
    from bot.broadcasts.segments import Segment

    return Segment.from_json(draft.segment or {})


async def _preview(ctx: Context, draft: BroadcastDraft) -> None:
    """The text as a Sóc Trăng (or chosen province) person will see it, who gets it, and
    how many people that is; then Send, Narrow down, Add a button or Cancel."""
    from bot.broadcasts import reach, store
    from bot.broadcasts.templates import Recipient, TemplateError, render_off_loop

    assert ctx.storage is not None
    segment = _segment(draft)
    now = dt.datetime.now(dt.UTC)
    count = await ctx.storage.call(store.audience_size, segment, now)
    windows = await ctx.storage.call(reach.describe, segment, now, reach.windows(), ctx._)
    place = ctx.content.province(segment.province)
    recipient = Recipient(place.name.get("vi") if place else "", "vi")
    try:
        preview = await render_off_loop(draft.text or "", recipient)
    except TemplateError as error:  # a limit reached only for this province's people
        preview = str(error)
    extras = [
        f"🔘 {item['label'].get(ctx.locale) or item['label'].get('vi')}" for item in draft.buttons
    ]
    ctx.reply(
        ctx._("Preview:")
        + f"\n\n{preview}\n"
        + "".join(f"\n{line}" for line in extras)
        + "\n\n"
        + ctx._("To: {who}").format(who=_who(ctx, segment))
        + "\n"
        + ctx._("It will go to {count} people.").format(count=count)
        + "".join(f"\n{line}" for line in windows),
        [
            Button(ctx._("📤 Send"), BroadcastSend().pack()),
            Button(ctx._("🎯 Narrow down"), BroadcastNarrow().pack()),
            Button(ctx._("➕ Add a guide button"), BroadcastAddButton().pack()),
            _cancel_button(ctx),
        ],
    )


def _who(ctx: Context, segment: Segment) -> str:
    parts: list[str] = []
    place = ctx.content.province(segment.province)
    if place is not None:
        parts.append(place.name.get(ctx.locale))
    labels = {(field, value): label for field, value, label in narrowing(ctx)}
    for field, value in (
        ("channel", segment.channel),
        ("locale", segment.locale),
        ("role", segment.role),
        ("unseen", str(segment.unseen_days) if segment.unseen_days else None),
    ):
        if value is not None and (field, value) in labels:
            parts.append(labels[field, value])
    guide = ctx.content.guides.get(segment.not_completed_guide or "")
    if guide is not None:
        parts.append(ctx._("did not finish: {guide}").format(guide=guide.title.get(ctx.locale)))
    return "; ".join(parts) or ctx._("Everyone")


def _narrow(ctx: Context, draft: BroadcastDraft, field: str, value: str) -> bool:
    """Add one filter to the draft's segment; False when the choice is not one we offer."""
    segment = dict(draft.segment or {})
    if field == "guide":
        segment["not_completed_guide"] = value
    elif field == "unseen" and value.isdigit():
        segment["unseen_days"] = int(value)
    elif field in ("channel", "locale", "role") and (field, value) in {
        (f, v) for f, v, _ in narrowing(ctx)
    }:
        segment[field] = value
    else:
        return False
    draft.segment = segment
    return True


def _draft(ctx: Context) -> BroadcastDraft | None:
    """The broadcast being composed by an admin, or None (not an admin, or nothing composed)."""
    draft = ctx.state.draft
    if not _is_admin(ctx) or draft is None or draft.text is None:
        return None
    return draft


async def action_audience(ctx: Context, action: BroadcastTo) -> None:
    """Who gets it: a province, or everyone; then the preview."""
    draft = _draft(ctx)
    province = None if action.audience == "all" else action.audience
    if draft is None or (province is not None and ctx.content.province(province) is None):
        return await _out_of_date(ctx)
    draft.segment = {"province": province} if province else {}
    await _preview(ctx, draft)


async def action_narrow_choices(ctx: Context, _action: BroadcastNarrow) -> None:
    """The ways to narrow the audience down."""
    if _draft(ctx) is None:
        return await _out_of_date(ctx)
    buttons = [Button(label, BroadcastSegment(f, v).pack()) for f, v, label in narrowing(ctx)]
    buttons += [
        Button(
            ctx._("did not finish: {guide}").format(guide=g.title.get(ctx.locale)),
            BroadcastSegment("guide", g.id).pack(),
        )
        for g in ctx.content.guides.values()
    ]
    ctx.reply(ctx._("Who among them?"), [*buttons, _cancel_button(ctx)])


async def action_segment(ctx: Context, action: BroadcastSegment) -> None:
    """Narrow the audience by one choice; then the preview."""
    draft = _draft(ctx)
    if draft is None or (action.field == "guide" and action.value not in ctx.content.guides):
        return await _out_of_date(ctx)
    if not _narrow(ctx, draft, action.field, action.value):
        return await _out_of_date(ctx)
    await _preview(ctx, draft)


async def action_button_choices(ctx: Context, _action: BroadcastAddButton) -> None:
    """The guides a broadcast button can open."""
    if _draft(ctx) is None:
        return await _out_of_date(ctx)
    buttons = [
        Button(g.title.get(ctx.locale), BroadcastButton(g.id).pack())
        for g in ctx.content.guides.values()
    ]
    ctx.reply(ctx._("Which guide should the button open?"), [*buttons, _cancel_button(ctx)])


async def action_add_button(ctx: Context, action: BroadcastButton) -> None:
    """Add a guide button to the broadcast; then the preview."""
    from bot.broadcasts.buttons import MAX_BUTTONS, button_for

    draft = _draft(ctx)
    if draft is None:
        return await _out_of_date(ctx)
    try:
        button = button_for(ctx.content, f"guide:{action.guide}")
    except ValueError:
        return await _out_of_date(ctx)
    draft.buttons = [*draft.buttons, button][:MAX_BUTTONS]
    await _preview(ctx, draft)


async def action_send(ctx: Context, _action: BroadcastSend) -> None:
    """Create the broadcast; the sender delivers it and keeps a progress message here."""
    from bot.broadcasts import store

    draft = _draft(ctx)
    if draft is None or draft.segment is None:
        return await _out_of_date(ctx)
    assert ctx.storage is not None
    segment = _segment(draft)
    now = dt.datetime.now(dt.UTC)
    count = await ctx.storage.call(store.audience_size, segment, now)
    identifier = await ctx.storage.call(
        store.create,
        {"vi": draft.text or ""},
        segment,
        now,
        buttons=draft.buttons,
        created_by=f"{ctx.person.channel}:{ctx.person.external_id}",
        # The sender keeps a progress message in this chat up to date.
        progress={
            "channel": ctx.person.channel,
            "external_id": ctx.person.external_id,
            "locale": ctx.locale,
        },
    )
    ctx.state.draft = None
    ctx.record("broadcast_created", detail=str(identifier))
    ctx.reply(
        ctx._("Broadcast #{id} is on its way to {count} people. /broadcasts shows how far.").format(
            id=identifier, count=count
        ),
        [Button(ctx._("📊 Progress"), BroadcastList().pack()), menu_button(ctx)],
    )


async def action_cancel(ctx: Context, action: BroadcastCancel) -> None:
    """Drop the draft, or cancel a broadcast under way."""
    if not _is_admin(ctx):
        return
    if action.broadcast is None:
        ctx.state.awaiting, ctx.state.draft = None, None
        ctx.reply(ctx._("Nothing was sent."), [menu_button(ctx)])
        return
    await _change(ctx, action.broadcast, "cancel")


async def action_list(ctx: Context, _action: BroadcastList) -> None:
    """The newest broadcasts with their progress."""
    if _is_admin(ctx):
        await _list(ctx)


async def action_pause(ctx: Context, action: BroadcastPause) -> None:
    """Pause a broadcast."""
    if _is_admin(ctx):
        await _change(ctx, action.broadcast, "pause")


async def action_resume(ctx: Context, action: BroadcastResume) -> None:
    """Resume a paused broadcast."""
    if _is_admin(ctx):
        await _change(ctx, action.broadcast, "resume")


async def _change(
    ctx: Context, broadcast: str, change: Literal["pause", "resume", "cancel"]
) -> None:
    from bot.broadcasts import store

    assert ctx.storage is not None
    if not broadcast.isdigit():
        return await _out_of_date(ctx)
    if await ctx.storage.call(store.change_state, int(broadcast), change) is None:
        ctx.reply(ctx._("That broadcast cannot do that now."))
    await _list(ctx)


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
            buttons.append(
                Button(ctx._("⏸ Pause #{id}").format(id=row.id), BroadcastPause(str(row.id)).pack())
            )
        if row.state == "paused":
            buttons.append(
                Button(
                    ctx._("▶ Resume #{id}").format(id=row.id), BroadcastResume(str(row.id)).pack()
                )
            )
        if row.state in ("scheduled", "sending", "paused"):
            buttons.append(
                Button(
                    ctx._("✖ Cancel #{id}").format(id=row.id), BroadcastCancel(str(row.id)).pack()
                )
            )
    buttons.append(Button(ctx._("🔄 Refresh"), BroadcastList().pack()))
    ctx.reply("\n".join(lines), buttons)


async def _out_of_date(ctx: Context) -> None:
    ctx.state.awaiting, ctx.state.draft = None, None
    ctx.reply(ctx._("That menu is out of date. Here is the current one."), [menu_button(ctx)])


async def command_invite(ctx: Context, argument: str) -> None:
    """/invite <organisation> [uses]: an invitation code for volunteers."""
    if _is_admin(ctx):
        from handlers.volunteer_admin import invite

        await invite(ctx, argument)


async def command_volunteers(ctx: Context, _argument: str) -> None:
    """/volunteers: the people who asked to become volunteers, with Approve buttons."""
    if _is_admin(ctx):
        from handlers.volunteer_admin import pending

        await pending(ctx)


async def action_approve_volunteer(ctx: Context, action: VolunteerApprove) -> None:
    """Approve a request to become a volunteer."""
    if _is_admin(ctx):
        from handlers.volunteer_admin import approve

        await approve(ctx, action)

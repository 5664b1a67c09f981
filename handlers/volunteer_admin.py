"""Administrators on a chat channel: invitation codes for volunteers, and approving the
people who asked to become one. handlers/admin.py checks the person is an admin first."""

from __future__ import annotations

import datetime as dt

from bot.context import Context
from bot.messages import Button
from bot.volunteers import store
from handlers.replies import menu_button
from handlers.volunteer_actions import VolunteerApprove

INVITATION_DAYS = 30
LISTED = 8


def _by(ctx: Context) -> str:
    return f"{ctx.person.channel}:{ctx.person.external_id}"


async def invite(ctx: Context, argument: str) -> None:
    """/invite <organisation> [uses]: an invitation code valid for 30 days."""
    words = argument.split()
    uses = int(words.pop()) if len(words) > 1 and words[-1].isdigit() else 1
    org = " ".join(words)
    if not org or not 1 <= uses <= 10_000 or ctx.storage is None:
        ctx.reply(
            ctx._(
                "Send /invite and the organisation, then how many people may use the code, "
                "e.g. /invite Tỉnh đoàn Quảng Ngãi 20"
            )
        )
        return
    now = dt.datetime.now(dt.UTC)
    until = now + dt.timedelta(days=INVITATION_DAYS)
    made = await ctx.storage.call(store.create_invitation, org, uses, until, _by(ctx), now)
    ctx.record("invitation_created", detail=made.code)
    ctx.reply(
        ctx._(
            "Invitation code for {org}: {code} ({uses} uses, until {date}). Each volunteer "
            "sends /volunteer {code} to this bot."
        ).format(org=made.org, code=made.code, uses=uses, date=until.strftime("%d/%m/%Y")),
        [menu_button(ctx)],
    )


async def pending(ctx: Context) -> None:
    """The people waiting for approval, each with an Approve button."""
    if ctx.storage is None:
        return
    waiting = (await ctx.storage.call(store.volunteers, "pending"))[:LISTED]
    if not waiting:
        ctx.reply(ctx._("Nobody is waiting for approval."), [menu_button(ctx)])
        return
    lines = [ctx._("Waiting for approval:")]
    lines += [
        f"#{v.user_id} · {v.channel} · {v.org or '-'} · {v.requested_at:%d/%m/%Y}" for v in waiting
    ]
    buttons = [
        Button(
            ctx._("✅ Approve #{id}").format(id=v.user_id), VolunteerApprove(str(v.user_id)).pack()
        )
        for v in waiting
    ]
    ctx.reply("\n".join(lines), [*buttons, menu_button(ctx)])


async def approve(ctx: Context, action: VolunteerApprove) -> None:
    """Approve one request; the person sees it the next time they send /volunteer."""
    if ctx.storage is None or not action.user.isdigit():
        return
    now = dt.datetime.now(dt.UTC)
    made = await ctx.storage.call(store.approve, int(action.user), _by(ctx), now)
    if made is None:
        ctx.reply(ctx._("That request is no longer waiting."))
    else:
        ctx.record("volunteer_approved", detail=str(made.user_id))
        ctx.reply(
            ctx._("Approved: #{id} is a volunteer now, with the code {code}.").format(
                id=made.user_id, code=made.referral_code
            )
        )
    await pending(ctx)

"""Zalo Official Account: signed webhooks in, OA consultation messages out."""

from __future__ import annotations

import argparse

from bot.channel_profile import ChannelLimits, ChannelProfile
from bot.i18n import N_
from bot.plugins import ChannelPlugin, Host, lifecycle
from channels.zalo.wire import FREE_REPLY_WINDOW, OUTSIDE_WINDOW_REASON, TEXT_LIMIT

CHANNEL = "zalo"


async def _install(host: Host) -> bool:
    from channels.zalo.adapter import ZaloChannel
    from channels.zalo.config import WEBHOOK_PATH, ZaloSettings

    settings = ZaloSettings.from_env(host.env)
    if settings is None:
        return False
    channel = ZaloChannel(
        host.core, host.storage(CHANNEL), settings, serving=host.serving, health=host.health
    )
    host.deliverers[CHANNEL] = channel
    if host.serving:
        host.app.router.add_post(WEBHOOK_PATH, channel.webhook)
    host.app.cleanup_ctx.append(lifecycle(channel.start, channel.stop))
    return True


def _check(args: argparse.Namespace) -> int:
    import asyncio
    import sys

    from channels.zalo.check import run_check

    return asyncio.run(run_check(None, args.to, sys.stdout))


def _add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """`helpdesk zalo check --to <user id>` (channels/zalo/check.py)."""
    zalo = commands.add_parser("zalo", help="the Zalo Official Account channel")
    sub = zalo.add_subparsers(dest="zalo_command", required=True)
    check = sub.add_parser(
        "check", help="check the token, the message shape and the webhook against the real Zalo"
    )
    check.add_argument(
        "--to", required=True, help="the Zalo user id of someone who wrote to the OA in 48 hours"
    )
    check.set_defaults(run=_check)


plugin = ChannelPlugin(
    profile=ChannelProfile(
        name=CHANNEL,
        label="Zalo",
        # A consultation message's text limit: channels/zalo/wire.py, with its source.
        limits=ChannelLimits(text=TEXT_LIMIT, buttons=4, label=60),
        admin_setting="ADMIN_ZALO_IDS",
        # Broadcasts reach only people who wrote within this window (channels/zalo/wire.py).
        reply_window=FREE_REPLY_WINDOW,
        skip_reasons={
            OUTSIDE_WINDOW_REASON: N_("outside Zalo's interaction window"),
            "zalo_quota": N_("Zalo's reply quota used up"),
        },
    ),
    install=_install,
    add_commands=_add_commands,
)

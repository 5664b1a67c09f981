"""Zalo Official Account: signed webhooks in, OA consultation messages out."""

from __future__ import annotations

import argparse

from bot.plugins import ChannelPlugin, Host, lifecycle
from channels.zalo.wire import FREE_REPLY_WINDOW


async def _install(host: Host) -> bool:
    from channels.zalo.adapter import ZaloChannel
    from channels.zalo.config import WEBHOOK_PATH, ZaloSettings

    settings = ZaloSettings.from_env(host.env)
    if settings is None:
        return False
    channel = ZaloChannel(host.engine, settings, serving=host.serving, health=host.health)
    host.deliverers["zalo"] = channel
    if host.serving:
        host.app.router.add_post(WEBHOOK_PATH, channel.webhook)
    host.app.cleanup_ctx.append(lifecycle(channel.start, channel.stop))
    host.extras["zalo"] = channel
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
    name="zalo",
    install=_install,
    add_commands=_add_commands,
    # Broadcasts reach only people who wrote within this window (channels/zalo/wire.py).
    extra={"reply_window": FREE_REPLY_WINDOW},
    admin_setting="ADMIN_ZALO_IDS",
    label="Zalo",
)

"""Telegram: python-telegram-bot behind the core, by long polling or on our webhook route."""

from __future__ import annotations

import argparse

from bot.plugins import ChannelPlugin, Host, lifecycle


async def _install(host: Host) -> bool:
    # Imported here: the CLI discovers plugins for every command, and only `serve` needs PTB.
    from channels.telegram.adapter import TelegramChannel
    from channels.telegram.config import WEBHOOK_PATH, TelegramSettings

    settings = TelegramSettings.from_env(host.env)
    if settings is None:
        return False
    channel = TelegramChannel(
        host.engine, settings, host.settings, serving=host.serving, health=host.health
    )
    host.deliverers["telegram"] = channel
    if settings.webhook_url and host.serving:
        host.app.router.add_post(WEBHOOK_PATH, channel.receiver.handle)
    # Starting only launches the connection in the background (channels/telegram/connection.py):
    # an unreachable Bot API never stops the server.
    host.app.cleanup_ctx.append(lifecycle(channel.start, channel.stop))
    host.extras["telegram"] = channel
    return True


def _add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    telegram = commands.add_parser("telegram", help="the Telegram channel")
    telegram_commands = telegram.add_subparsers(dest="telegram_command", required=True)
    check = telegram_commands.add_parser(
        "check", help="ask the Bot API whether the bot and its webhook work (exit code 0 or 1)"
    )
    check.set_defaults(run=_run_check)


def _run_check(_args: argparse.Namespace) -> int:
    import asyncio

    from channels.telegram.check import main

    return asyncio.run(main())


plugin = ChannelPlugin(
    name="telegram",
    install=_install,
    add_commands=_add_commands,
    admin_setting="ADMIN_TELEGRAM_IDS",
    label="Telegram",
)

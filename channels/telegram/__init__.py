"""Telegram: python-telegram-bot behind the core, by long polling or on our webhook route."""

from __future__ import annotations

import argparse
import os
import warnings

from bot.channel_profile import ChannelLimits, ChannelProfile
from bot.plugins import ChannelPlugin, Host, lifecycle

CHANNEL = "telegram"


def configure_ptb() -> None:
    """Process-wide settings python-telegram-bot reads, made once, when the channel installs.

    - PTB_TIMEDELTA: opt in to what PTB makes the default in its next major version,
      durations such as RetryAfter.retry_after as timedelta (read at each access; see
      telegram/_utils/datetime.py, get_timedelta_value).
    - Sending calls do_api_request("sendMessage"/"answerCallbackQuery") on purpose, to skip
      parsing Telegram's answer (outbound.py); PTB warns that Bot's own methods exist.
    """
    from telegram.warnings import PTBUserWarning

    os.environ.setdefault("PTB_TIMEDELTA", "true")
    warnings.filterwarnings(
        "ignore", message=r"Please use 'Bot\.\w+' instead of", category=PTBUserWarning
    )


async def _install(host: Host) -> bool:
    # Imported here: the CLI discovers plugins for every command, and only `serve` needs PTB.
    from channels.telegram.adapter import TelegramChannel
    from channels.telegram.config import WEBHOOK_PATH, TelegramSettings

    settings = TelegramSettings.from_env(host.env)
    if settings is None:
        return False
    configure_ptb()
    channel = TelegramChannel(
        host.core,
        host.storage(CHANNEL),
        settings,
        host.settings,
        serving=host.serving,
        health=host.health,
        support=host.support,
    )
    host.deliverers[CHANNEL] = channel
    if settings.webhook_url and host.serving:
        host.app.router.add_post(WEBHOOK_PATH, channel.receiver.handle)
    # Starting only launches the connection in the background (channels/telegram/connection.py):
    # an unreachable Bot API never stops the server.
    host.app.cleanup_ctx.append(lifecycle(channel.start, channel.stop))
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
    profile=ChannelProfile(
        name=CHANNEL,
        label="Telegram",
        # Bot API limits (docs/facts.md §7): 4096 characters of text, 1-64 bytes of
        # callback data. Buttons: ours, to keep a keyboard readable on a small phone.
        limits=ChannelLimits(text=4096, buttons=8, label=60, action_bytes=64),
        admin_setting="ADMIN_TELEGRAM_IDS",
    ),
    install=_install,
    add_commands=_add_commands,
)

"""Telegram: python-telegram-bot behind the core, by long polling or on our webhook route."""

from __future__ import annotations

from bot.plugins import ChannelPlugin, Host, lifecycle


async def _install(host: Host) -> bool:
    # Imported here: the CLI discovers plugins for every command, and only `serve` needs PTB.
    from channels.telegram.adapter import TelegramChannel
    from channels.telegram.config import WEBHOOK_PATH, TelegramSettings

    settings = TelegramSettings.from_env(host.env)
    if settings is None:
        return False
    channel = TelegramChannel(host.engine, settings, host.settings, serving=host.serving)
    host.deliverers["telegram"] = channel
    if settings.webhook_url and host.serving:
        host.app.router.add_post(WEBHOOK_PATH, channel.webhook)
    host.app.cleanup_ctx.append(lifecycle(channel.start, channel.stop))
    host.extras["telegram"] = channel
    return True


plugin = ChannelPlugin(name="telegram", install=_install)

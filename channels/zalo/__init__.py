"""Zalo Official Account: signed webhooks in, OA consultation messages out."""

from __future__ import annotations

from bot.plugins import ChannelPlugin, Host, lifecycle


async def _install(host: Host) -> bool:
    from channels.zalo.adapter import ZaloChannel
    from channels.zalo.config import WEBHOOK_PATH, ZaloSettings

    settings = ZaloSettings.from_env(host.env)
    if settings is None:
        return False
    channel = ZaloChannel(host.engine, settings, serving=host.serving)
    host.deliverers["zalo"] = channel
    if host.serving:
        host.app.router.add_post(WEBHOOK_PATH, channel.webhook)
    host.app.cleanup_ctx.append(lifecycle(channel.start, channel.stop))
    host.extras["zalo"] = channel
    return True


plugin = ChannelPlugin(name="zalo", install=_install)

"""The web chat: a page at `/` that needs no account, and the JSON API it talks to."""

from __future__ import annotations

from bot.plugins import ChannelPlugin, Host
from channels.web.routes import install_routes


async def _install(host: Host) -> bool:
    install_routes(host.app, host.engine, host.settings)
    return True


plugin = ChannelPlugin(name="web", install=_install)

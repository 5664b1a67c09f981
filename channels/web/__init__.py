"""The web chat: a page at `/` that needs no account, and the JSON API it talks to."""

from __future__ import annotations

from bot.plugins import ChannelPlugin, Host


async def _install(host: Host) -> bool:
    # Imported here: the CLI discovers plugins for every command, and only `serve` needs aiohttp.
    from channels.web.routes import install_routes

    install_routes(host.app, host.engine, host.settings)
    return True


plugin = ChannelPlugin(name="web", install=_install)

"""The web chat: a page at `/` that needs no account, and the JSON API it talks to."""

from __future__ import annotations

from bot.channel_profile import ChannelLimits, ChannelProfile
from bot.plugins import ChannelPlugin, Host


async def _install(host: Host) -> bool:
    # Imported here: the CLI discovers plugins for every command, and only `serve` needs aiohttp.
    from channels.web.routes import install_routes

    install_routes(host.app, host.core, host.settings)
    from channels.web.volunteer import install_volunteer_pages  # a volunteer's page, /v/{token}

    database = host.storage("web").database
    install_volunteer_pages(host.app, database, host.core.content, host.settings)
    if host.support is not None:  # operators' answers as they come (live support)
        from channels.web.live import install_live

        install_live(host.app, host.support)
    return True


# The page lays out any length; these keep answers readable on a small phone.
plugin = ChannelPlugin(
    profile=ChannelProfile(name="web", limits=ChannelLimits(text=4096, buttons=12, label=60)),
    install=_install,
)

"""Channel plugins: adapters register themselves under the `helpdesk.channels` entry point.

The core never imports a channel. `helpdesk serve` asks every installed plugin to install
itself into the web application; a plugin that is not configured (no token) stays out.
"""

from __future__ import annotations

import argparse
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

from bot.channel_profile import ChannelProfile
from bot.health import ChannelHealth
from bot.settings import Settings, SettingsError

if TYPE_CHECKING:  # the CLI loads plugins for their commands; `ask` should not pay for aiohttp
    from aiohttp import web

    from bot.delivery import Deliverer
    from bot.port import Core
    from bot.storage.channel_store import ChannelStore
    from bot.tickets.service import LiveSupport

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "helpdesk.channels"


@dataclass
class Host:
    """What a channel gets to plug into: the web app, the core (a narrow port, not the
    engine), storage of its own, and the settings."""

    app: web.Application
    core: Core
    settings: Settings
    # A channel's own storage (inbox, threads, credentials), by channel name.
    storage: Callable[[str], ChannelStore]
    # Channels that can message people first register here, for broadcasts.
    deliverers: dict[str, Deliverer] = field(default_factory=dict)
    # False for `helpdesk broadcast run`: channels only send (no polling, no webhook).
    serving: bool = True
    # Each channel's state (up, retrying, stopped), shown by /healthz; see bot/health.py.
    health: ChannelHealth = field(default_factory=ChannelHealth)
    # Live support (bot/tickets): a channel may be the operators' desk, or bring operators'
    # answers to its people (`reach_citizens`; broadcast deliverers are added by the server).
    support: LiveSupport | None = None

    @property
    def env(self) -> Mapping[str, str]:
        """Environment variables, for a channel's own settings."""
        return self.settings.env or {}


# What a plugin's CLI command gets as `args.open_core`: the composition root builds the core
# (content, matcher, flows, database) and closes it, so no channel has to reach up for it.
OpenCore = Callable[[], AbstractAsyncContextManager["Core"]]


@dataclass(frozen=True)
class ChannelPlugin:
    """A channel adapter: its declaration (`profile`), and what it adds. `install` adds
    routes and background tasks to the server; `add_commands` adds CLI subcommands."""

    profile: ChannelProfile
    install: Callable[[Host], Awaitable[bool]] | None = None
    add_commands: Callable[[argparse._SubParsersAction], None] | None = None  # type: ignore[type-arg]

    @property
    def name(self) -> str:
        """The channel's name, as stored with each person ("telegram")."""
        return self.profile.name


def lifecycle(
    start: Callable[[], Awaitable[None]], stop: Callable[[], Awaitable[None]]
) -> Callable[[web.Application], AsyncIterator[None]]:
    """An aiohttp cleanup context: `start` with the server, `stop` when it stops."""

    async def context(_app: web.Application) -> AsyncIterator[None]:
        await start()
        yield
        await stop()

    return context


def admin_ids(env: Mapping[str, str], profiles: tuple[ChannelProfile, ...]) -> frozenset[str]:
    """Every channel's admins as "channel:id", read from the setting each channel declares."""
    found: set[str] = set()
    for profile in profiles:
        if profile.admin_setting is None:
            continue
        for item in env.get(profile.admin_setting, "").replace(";", ",").split(","):
            item = item.strip()
            if not item:
                continue
            if not item.lstrip("-").isdigit():
                raise SettingsError(
                    f"{profile.admin_setting} must list numeric ids separated by commas"
                )
            found.add(f"{profile.name}:{item}")
    return frozenset(found)


def profiles() -> tuple[ChannelProfile, ...]:
    """The declarations of every installed channel, in name order."""
    return tuple(plugin.profile for plugin in discover())


@functools.cache
def discover() -> tuple[ChannelPlugin, ...]:
    """Every installed channel plugin, in name order (looked up once per process)."""
    plugins = []
    for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            plugin = entry.load()
        except Exception:  # a broken optional channel must not stop the others
            log.exception("channel plugin %s could not be loaded", entry.name)
            continue
        if isinstance(plugin, ChannelPlugin):
            plugins.append(plugin)
    return tuple(plugins)

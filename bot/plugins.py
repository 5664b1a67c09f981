"""Channel plugins: adapters register themselves under the `helpdesk.channels` entry point.

The core never imports a channel. `helpdesk serve` asks every installed plugin to install
itself into the web application; a plugin that is not configured (no token) stays out.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

from bot.health import ChannelHealth
from bot.settings import Settings, SettingsError

if TYPE_CHECKING:  # the CLI loads plugins for their commands; `ask` should not pay for aiohttp
    from aiohttp import web

    from bot.broadcasts.sender import Deliverer
    from bot.engine import Engine

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "helpdesk.channels"


@dataclass
class Host:
    """What a channel gets to plug into: the web app, the engine and the settings."""

    app: web.Application
    engine: Engine
    settings: Settings
    # What channels leave for others to find (tests, later the admin pages): name -> object.
    extras: dict[str, object] = field(default_factory=dict)
    # Channels that can message people first register here, for broadcasts.
    deliverers: dict[str, Deliverer] = field(default_factory=dict)
    # False for `helpdesk broadcast run`: channels only send (no polling, no webhook).
    serving: bool = True
    # Each channel's state (up, retrying, stopped), shown by /healthz; see bot/health.py.
    health: ChannelHealth = field(default_factory=ChannelHealth)

    @property
    def env(self) -> Mapping[str, str]:
        """Environment variables, for a channel's own settings."""
        return self.settings.env or {}


# What a plugin's CLI command gets as `args.engine_factory`: the composition root builds the
# engine (content, matcher, flows, database), so no channel has to reach up for it.
EngineFactory = Callable[[], Awaitable["Engine"]]


@dataclass(frozen=True)
class ChannelPlugin:
    """A channel adapter. `install` adds routes and background tasks to the server;
    `add_commands` adds subcommands to the CLI (e.g. `helpdesk chat`)."""

    name: str
    install: Callable[[Host], Awaitable[bool]] | None = None
    add_commands: Callable[[argparse._SubParsersAction], None] | None = None  # type: ignore[type-arg]
    extra: dict[str, object] = field(default_factory=dict)
    # The environment variable listing this channel's admin ids (numbers, comma-separated).
    admin_setting: str | None = None
    # The channel's name as people know it ("Telegram"), for "Telegram only" in the admin
    # flows; set for channels that can message people first (broadcasts).
    label: str = ""


def lifecycle(
    start: Callable[[], Awaitable[None]], stop: Callable[[], Awaitable[None]]
) -> Callable[[web.Application], AsyncIterator[None]]:
    """An aiohttp cleanup context: `start` with the server, `stop` when it stops."""

    async def context(_app: web.Application) -> AsyncIterator[None]:
        await start()
        yield
        await stop()

    return context


def admin_ids(env: Mapping[str, str], plugins: list[ChannelPlugin]) -> frozenset[str]:
    """Every channel's admins as "channel:id", read from the setting each channel declares."""
    found: set[str] = set()
    for plugin in plugins:
        if plugin.admin_setting is None:
            continue
        for item in env.get(plugin.admin_setting, "").replace(";", ",").split(","):
            item = item.strip()
            if not item:
                continue
            if not item.lstrip("-").isdigit():
                raise SettingsError(
                    f"{plugin.admin_setting} must list numeric ids separated by commas"
                )
            found.add(f"{plugin.name}:{item}")
    return frozenset(found)


def broadcast_channels(plugins: list[ChannelPlugin]) -> tuple[tuple[str, str], ...]:
    """(name, label) of the channels that can message people first, for the admin flows."""
    return tuple((plugin.name, plugin.label) for plugin in plugins if plugin.label)


def discover() -> list[ChannelPlugin]:
    """Every installed channel plugin, in name order."""
    plugins = []
    for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            plugin = entry.load()
        except Exception:  # a broken optional channel must not stop the others
            log.exception("channel plugin %s could not be loaded", entry.name)
            continue
        if isinstance(plugin, ChannelPlugin):
            plugins.append(plugin)
    return plugins

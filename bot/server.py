"""The aiohttp server: health check, retention clean-up, and whatever the channels add."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.broadcasts.sender import Sender, SenderOptions
from bot.engine import Engine
from bot.health import ChannelHealth
from bot.i18n import translations
from bot.plugins import Host, discover
from bot.settings import Settings
from bot.storage.retention import purge_messages

log = logging.getLogger(__name__)

ENGINE_KEY = web.AppKey("engine", Engine)
SETTINGS_KEY = web.AppKey("settings", Settings)
CHANNELS_KEY = web.AppKey("channels", list)
EXTRAS_KEY = web.AppKey("extras", dict)
SENDER_KEY = web.AppKey("sender", Sender)
HEALTH_KEY = web.AppKey("health", ChannelHealth)
PURGE_EVERY_SECONDS = 3600
MAX_REQUEST_BYTES = 64 * 1024


def _ping(connection: Connection) -> None:
    connection.execute(text("SELECT 1"))


async def healthz(request: web.Request) -> web.Response:
    """`GET /healthz`: 200 when the database answers."""
    engine = request.app[ENGINE_KEY]
    try:
        await engine.database.run(_ping)
    except Exception:
        log.exception("health check: database unreachable")
        return web.json_response({"status": "error", "database": "unreachable"}, status=503)
    health = request.app[HEALTH_KEY]
    # Still 200 when a channel is down: the others, and the web chat, work.
    return web.json_response(
        {
            "status": "degraded" if health.degraded else "ok",
            "channels": request.app[CHANNELS_KEY],
            "channel_health": health.to_json(),
            "topics": len(engine.content.topics),
        }
    )


async def _retention(app: web.Application) -> AsyncIterator[None]:
    """Purge old message text hourly; a purge under way finishes before the server stops."""
    settings, engine = app[SETTINGS_KEY], app[ENGINE_KEY]
    stopping = asyncio.Event()

    async def purge_once() -> None:
        try:
            removed = await purge_messages(engine.database, settings.message_retention_days)
            if removed:
                log.info("retention: removed %d old messages", removed)
        except Exception:
            log.exception("retention clean-up failed; will try again")

    async def loop() -> None:
        while not stopping.is_set():
            await purge_once()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), PURGE_EVERY_SECONDS)

    task = asyncio.create_task(loop())
    yield
    stopping.set()
    await task


async def create_app(engine: Engine, settings: Settings, serving: bool = True) -> web.Application:
    """The web application with every configured channel installed.

    With `serving` False (`helpdesk broadcast run`) channels only prepare to send.
    """
    app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    app[ENGINE_KEY] = engine
    app[SETTINGS_KEY] = settings
    app.router.add_get("/healthz", healthz)
    app.cleanup_ctx.append(_retention)
    host = Host(app=app, engine=engine, settings=settings, serving=serving)
    installed: list[str] = []
    for plugin in discover():
        if plugin.install is not None and await plugin.install(host):
            installed.append(plugin.name)
    app[CHANNELS_KEY] = installed
    app[HEALTH_KEY] = host.health
    app[EXTRAS_KEY] = host.extras
    options = SenderOptions(
        concurrency=settings.broadcast_concurrency,
        lease=dt.timedelta(seconds=settings.broadcast_lease_seconds),
    )
    app[SENDER_KEY] = Sender(
        engine.database,
        engine.content,
        host.deliverers,
        options,
        translate=lambda locale: translations(settings.locales_dir, locale).gettext,
    )
    if serving and host.deliverers:
        app.cleanup_ctx.append(_broadcasting)  # after the channels: starts last, stops first
    return app


async def _broadcasting(app: web.Application) -> AsyncIterator[None]:
    """`helpdesk serve` sends due broadcasts by itself."""
    sender = app[SENDER_KEY]
    interval = app[SETTINGS_KEY].broadcast_interval_seconds
    stopping = asyncio.Event()

    async def loop() -> None:
        while not stopping.is_set():
            try:
                await sender.run_until_idle(stopping=stopping)
            except Exception:
                log.exception("broadcasts: sending failed; will try again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), interval)

    task = asyncio.create_task(loop())
    yield
    stopping.set()
    await task

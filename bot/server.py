"""The aiohttp server: health check, retention clean-up, and whatever the channels add."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from functools import partial

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.admin.web import install as install_admin_console
from bot.broadcasts.schedule import NEVER_QUIET, QuietHours
from bot.broadcasts.segments import messaging_channels
from bot.broadcasts.sender import Sender, SenderOptions
from bot.engine import Engine
from bot.guard.http_errors import quiet_parse_errors
from bot.guard.requests import TRUSTED_PROXIES_KEY
from bot.health import ChannelHealth
from bot.i18n import translations
from bot.periodic import Work, repeating
from bot.plugins import Host, discover
from bot.settings import Settings
from bot.storage.channel_store import ChannelStore
from bot.storage.retention import purge_idle_sessions, purge_messages
from bot.tickets.keys import SUPPORT_KEY
from bot.tickets.relay import Relay
from bot.tickets.service import LiveSupport

log = logging.getLogger(__name__)

ENGINE_KEY = web.AppKey("engine", Engine)
SETTINGS_KEY = web.AppKey("settings", Settings)
CHANNELS_KEY = web.AppKey("channels", list)
DELIVERERS_KEY = web.AppKey("deliverers", dict)
SENDER_KEY = web.AppKey("sender", Sender)
HEALTH_KEY = web.AppKey("health", ChannelHealth)
PURGE_EVERY_SECONDS = 3600
RELAY_RESTART_SECONDS = 5  # the ticket relay runs on; this is only the pause after a crash
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


def _purging(app: web.Application) -> Work:
    """Purge old message text and idle web chat people (hourly, see create_app)."""
    settings, engine = app[SETTINGS_KEY], app[ENGINE_KEY]

    async def purge_once(_stopping: asyncio.Event) -> None:
        removed = await purge_messages(engine.database, settings.message_retention_days)
        if removed:
            log.info("retention: removed %d old messages", removed)
        idle = await purge_idle_sessions(
            engine.database, messaging_channels(), settings.session_retention_days
        )
        if idle:
            log.info("retention: removed %d web chat people idle for a long time", idle)

    return purge_once


async def create_app(engine: Engine, settings: Settings, serving: bool = True) -> web.Application:
    """The web application with every configured channel installed.

    With `serving` False (`helpdesk broadcast run`) channels only prepare to send.
    """
    app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    app[ENGINE_KEY] = engine
    app[SETTINGS_KEY] = settings
    app[TRUSTED_PROXIES_KEY] = settings.trusted_proxies  # every route's client_address
    quiet_parse_errors()  # malformed HTTP: a warning a minute per address, not a traceback
    app.router.add_get("/healthz", healthz)
    install_admin_console(app, engine.database, engine.content, settings)
    app.cleanup_ctx.append(repeating("retention clean-up", PURGE_EVERY_SECONDS, _purging))
    support = LiveSupport.from_settings(
        engine.database, engine.content, engine.catalogs, settings, engine.options.channels
    )
    engine.responder.support = support  # the flows open tickets through it
    app[SUPPORT_KEY] = support
    host = Host(
        app=app,
        core=engine,
        settings=settings,
        storage=partial(ChannelStore, engine.database),
        serving=serving,
        support=support,
    )
    installed: list[str] = []
    for plugin in discover():
        if plugin.install is not None and await plugin.install(host):
            installed.append(plugin.name)
    app[CHANNELS_KEY] = installed
    app[HEALTH_KEY] = host.health
    app[DELIVERERS_KEY] = host.deliverers
    for name, deliverer in host.deliverers.items():  # operators' answers reach people too
        support.citizens.setdefault(name, deliverer)
    if serving:  # after the channels: the relay starts once they are up, stops before them
        relay = Relay(support)
        app.cleanup_ctx.append(
            repeating("ticket relay", RELAY_RESTART_SECONDS, lambda _: relay.serve)
        )
    options = SenderOptions(
        concurrency=settings.broadcast_concurrency,
        lease=dt.timedelta(seconds=settings.broadcast_lease_seconds),
        quiet=QuietHours(*(settings.quiet_hours or NEVER_QUIET)),
    )
    app[SENDER_KEY] = Sender(
        engine.database,
        engine.content,
        host.deliverers,
        options,
        translate=lambda locale: translations(settings.locales_dir, locale).gettext,
    )
    if serving and host.deliverers:  # after the channels: starts last, stops first
        interval = settings.broadcast_interval_seconds
        app.cleanup_ctx.append(repeating("broadcast sending", interval, _sending))
    return app


def _sending(app: web.Application) -> Work:
    """`helpdesk serve` sends due broadcasts by itself."""
    sender = app[SENDER_KEY]

    async def send_due(stopping: asyncio.Event) -> None:
        await sender.run_until_idle(stopping=stopping)

    return send_due

"""Where the server keeps the live support service, for the pages that need it."""

from __future__ import annotations

from aiohttp import web

from bot.tickets.service import LiveSupport

SUPPORT_KEY = web.AppKey("live_support", LiveSupport)

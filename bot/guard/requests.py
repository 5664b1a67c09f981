"""The aiohttp side of the guards: the server's trusted proxies, and a request's client."""

from __future__ import annotations

from aiohttp import web

from bot.guard.address import LOOPBACK, TrustedProxies

# Set by the server (bot/server.py) from TRUSTED_PROXIES; every route reads it from here.
TRUSTED_PROXIES_KEY = web.AppKey("trusted_proxies", TrustedProxies)
FORWARDED_HEADER = "X-Forwarded-For"


def client_address(request: web.Request) -> str:
    """Who sent `request`: the peer, or behind a trusted proxy, the client it reports."""
    proxies = request.config_dict.get(TRUSTED_PROXIES_KEY, LOOPBACK)
    return proxies.client(request.remote, request.headers.get(FORWARDED_HEADER, ""))

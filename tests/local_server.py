"""Serving a fake API on a free port of 127.0.0.1, for the test suite's fakes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web


async def serve(
    handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
) -> tuple[web.AppRunner, str]:
    """Route every request to `handler`; the runner (to clean up) and "http://host:port"."""
    app = web.Application()
    app.router.add_route("*", "/{path:.*}", handler)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}"

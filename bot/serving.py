"""How `helpdesk serve` listens: time limits on slow clients and a cap on open connections.

One process serves every channel, so a few clients that open connections and then say
nothing, or say it one byte at a time ("slowloris"), must not use up its file descriptors.

- **Idle and header timeout** (`HTTP_IDLE_TIMEOUT_SECONDS`, 15): aiohttp's
  `keepalive_timeout`. From aiohttp 3.14.5 it runs from the moment a connection opens and is
  not extended by incoming bytes, so a connection is closed when it has not delivered a
  complete request line and headers within that time, or sat idle that long between requests.
- **Body timeout** (`HTTP_BODY_TIMEOUT_SECONDS`, 10): a middleware reads the whole body
  before the route runs; one that does not arrive in time gets 408 and the connection closes.
- **Sizes**: a request line or header line over 8 KiB, or more than 64 header lines, gets
  400 from aiohttp's parser; bodies are capped by the application (`client_max_size`).
- **Connection cap** (`MAX_CONNECTIONS`, 1000, lowered to fit the open-file limit): at the
  cap, the connection idle the longest (no request being handled) is closed to make room;
  when every connection is busy, the new one is closed at once. The log says so, at most
  once a minute.

In production, run it behind nginx (`docs/nginx.conf`), which absorbs slow clients itself.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from bot.settings import Settings

log = logging.getLogger(__name__)

MAX_LINE_BYTES = 8190
MAX_HEADERS = 64
# After a response to a request whose body was not read, read (and drop) the rest this long.
LINGERING_SECONDS = 2.0
# Files the process needs besides connections: the database, logs, outgoing HTTPS.
RESERVED_FILES = 64
WARN_EVERY_SECONDS = 60.0

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class ConnectionCap:
    """Counts open connections against a limit and makes room by closing idle ones."""

    limit: int
    busy: set[RequestHandler] = field(default_factory=set)
    closed_idle: int = 0
    refused: int = 0
    server: web.Server | None = None  # set when the site starts
    _warned_at: float = float("-inf")

    @property
    def open(self) -> int:
        """How many connections are open now."""
        return len(self.server.connections) if self.server is not None else 0

    def make_room(self, server: web.Server) -> bool:
        """Called for each new connection: False when it must be refused."""
        connections = server.connections
        if len(connections) < self.limit:
            return True
        idle = [handler for handler in connections if handler not in self.busy]
        if idle:
            idle[0].force_close()  # the oldest: connections are kept in opening order
            self.closed_idle += 1
        else:
            self.refused += 1
        self._warn(len(connections), bool(idle))
        return bool(idle)

    def _warn(self, open_now: int, made_room: bool) -> None:
        now = time.monotonic()
        if now - self._warned_at < WARN_EVERY_SECONDS:
            return
        self._warned_at = now
        log.warning(
            "connections: %d open, the limit of %d (MAX_CONNECTIONS, or the open-file limit) "
            "is reached: %s (so far %d idle closed, %d refused). Slow or idle clients are "
            "holding connections: put nginx in front (docs/nginx.conf).",
            open_now,
            self.limit,
            "closed the longest-idle connection"
            if made_room
            else "every one is busy, refused the new connection",
            self.closed_idle,
            self.refused,
        )


CAP_KEY = web.AppKey("connection_cap", ConnectionCap)


class _Refused(asyncio.Protocol):
    """A connection over the cap: closed as soon as it is accepted."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.abort()  # type: ignore[attr-defined]


class CappedSite(web.TCPSite):
    """`TCPSite` whose connections go through a `ConnectionCap` (same arguments, plus cap)."""

    def __init__(self, runner: web.BaseRunner, *args: Any, cap: ConnectionCap, **kw: Any) -> None:
        super().__init__(runner, *args, **kw)
        self.cap = cap

    async def start(self) -> None:
        """Listen as `TCPSite.start` does, with the cap in front of aiohttp's protocol."""
        await web.BaseSite.start(self)  # registers the site with the runner
        server = self._runner.server
        assert server is not None
        self.cap.server = server

        def protocol() -> asyncio.Protocol:
            return server() if self.cap.make_room(server) else _Refused()

        self._server = await asyncio.get_running_loop().create_server(
            protocol,
            self._host,
            self._port,
            ssl=self._ssl_context,
            backlog=self._backlog,
            reuse_address=self._reuse_address,
            reuse_port=self._reuse_port,
        )
        sockets = self._server.sockets
        self._bound_port = sockets[0].getsockname()[1] if sockets else self._port


def body_deadline(seconds: float, cap: ConnectionCap) -> Callable[..., Awaitable[Any]]:
    """A middleware: marks the connection busy, and reads the body within `seconds`."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        protocol = request.protocol
        cap.busy.add(protocol)
        try:
            if request.body_exists and request.content_type != "multipart/form-data":
                try:
                    async with asyncio.timeout(seconds):
                        await request.read()  # kept by aiohttp: the route reads it again
                except TimeoutError:
                    log.warning("refused a request whose body came too slowly (%s s)", seconds)
                    response = web.json_response(
                        {"error": "the request body came too slowly"}, status=408
                    )
                    response.force_close()
                    return response
                except web.HTTPRequestEntityTooLarge:
                    return web.json_response({"error": "the request is too large"}, status=413)
            return await handler(request)
        finally:
            cap.busy.discard(protocol)

    return middleware


def connection_room(wanted: int) -> int:
    """How many connections fit in the open-file limit, raised toward its hard limit first."""
    try:
        import resource
    except ImportError:  # Windows
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = wanted + RESERVED_FILES
    if soft != resource.RLIM_INFINITY and soft < need:
        raised = need if hard == resource.RLIM_INFINITY else min(need, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(16, min(wanted, soft - RESERVED_FILES))


async def start(app: web.Application, settings: Settings, host: str, port: int) -> web.AppRunner:
    """Serve `app` on host:port with the limits above; the runner, to clean up."""
    cap = ConnectionCap(connection_room(settings.max_connections))
    if cap.limit < settings.max_connections:
        log.warning(
            "connections: MAX_CONNECTIONS is %d but the open-file limit allows %d; "
            "raise it (ulimit -n, or LimitNOFILE= in a systemd unit)",
            settings.max_connections,
            cap.limit,
        )
    app.middlewares.append(body_deadline(settings.http_body_timeout_seconds, cap))
    app[CAP_KEY] = cap
    runner = web.AppRunner(
        app,
        access_log=None,
        keepalive_timeout=settings.http_idle_timeout_seconds,
        max_line_size=MAX_LINE_BYTES,
        max_field_size=MAX_LINE_BYTES,
        max_headers=MAX_HEADERS,
        lingering_time=LINGERING_SECONDS,
    )
    await runner.setup()
    site = CappedSite(runner, host, port, cap=cap)
    await site.start()
    return runner

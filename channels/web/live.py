"""The web chat's live answers: an operator's reply reaches the page as it comes.

`GET /api/events?session=<id>` with `Accept: text/event-stream` (the browser's EventSource)
is a stream of server-sent events, one `reply` event per message the support staff wrote
for this session: `{"id", "from": "operator" | "system", "name", "reply": <as /api/chat>}`,
its `id:` being the message's id, so a reconnecting EventSource resumes after the last one
it saw (`Last-Event-ID`, or `?after=` from the page's own memory). The stream ends with an
`end` event once no chat is open, and answers 204 (which tells EventSource not to come
back) when there is nothing to wait for. Without EventSource, or when streams are
refused, the page polls the same address for JSON: `{"events": [...], "live": bool,
"after": <the ?after= of the next poll>}`. From the start (no id yet) only chats still open
are shown, not old ones.

What is shown is read from the database (bot/tickets), so a stream on one server sees what
another wrote: this process's relay wakes the stream at once (`LiveHub.deliver`, the web
chat's `Deliverer` for live support), and the stream looks again every KEEPALIVE seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import Iterator
from typing import Any

from aiohttp import web

from bot.delivery import Outcome
from bot.messages import Outbound
from bot.tickets.model import FeedItem
from bot.tickets.service import LiveSupport
from channels.wire import reply_to_json

CHANNEL = "web"
SESSION = re.compile(r"[A-Za-z0-9_-]{8,64}")
KEEPALIVE_SECONDS = 15.0
STREAM_SECONDS = 300.0  # then the browser reconnects (and resumes): no stream lives forever
MAX_STREAMS = 500
RETRY_MS = 3000
HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


class LiveHub:
    """Open streams by session; the web chat's `Deliverer` for operators' answers."""

    channel = CHANNEL
    rate = 1000.0

    def __init__(self) -> None:
        self._streams: dict[str, set[asyncio.Event]] = {}
        self.closing = False

    @property
    def streams(self) -> int:
        """How many streams are open."""
        return sum(len(events) for events in self._streams.values())

    async def deliver(self, external_id: str, message: Outbound) -> Outcome:
        """The answer is in the database: wake the person's streams, if any, to read it."""
        for event in self._streams.get(external_id, ()):
            event.set()
        return Outcome("sent")

    @contextlib.contextmanager
    def listen(self, session: str) -> Iterator[asyncio.Event]:
        """An event set when something arrives for `session` (or the server stops)."""
        event = asyncio.Event()
        self._streams.setdefault(session, set()).add(event)
        try:
            yield event
        finally:
            events = self._streams.get(session, set())
            events.discard(event)
            if not events:
                self._streams.pop(session, None)

    async def close(self, _app: web.Application) -> None:
        """The server stops: every stream ends."""
        self.closing = True
        for events in self._streams.values():
            for event in events:
                event.set()


def _event(item: FeedItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "from": item.sender,
        "name": item.name,
        "reply": reply_to_json(item.reply),
    }


def _cursor(request: web.Request) -> int:
    values = [request.headers.get("Last-Event-ID", ""), request.query.get("after", "")]
    return max((int(v) for v in values if v.isdigit() and len(v) < 19), default=0)


class LiveRoutes:
    """`GET /api/events`."""

    def __init__(self, support: LiveSupport, hub: LiveHub) -> None:
        self.support = support
        self.hub = hub

    async def events(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events, or JSON for a poll."""
        session = request.query.get("session", "")
        if not SESSION.fullmatch(session):
            return web.json_response(
                {"error": "'session' must be 8-64 characters of A-Z a-z 0-9 _ -"}, status=400
            )
        if "text/event-stream" not in request.headers.get("Accept", ""):
            items, cursor, live = await self.support.feed(CHANNEL, session, _cursor(request))
            events = [_event(item) for item in items]
            answer = {"events": events, "live": live, "after": cursor}
            return web.json_response(answer, headers=HEADERS)
        # Listening before reading: an answer relayed in between still wakes the stream.
        with self.hub.listen(session) as woken:
            items, cursor, live = await self.support.feed(CHANNEL, session, _cursor(request))
            if not items and not live:
                return web.Response(status=204, headers=HEADERS)
            if self.hub.streams > MAX_STREAMS or self.hub.closing:
                return web.json_response(
                    {"error": "too many streams: poll"}, status=503, headers={"Retry-After": "5"}
                )
            return await self._stream(request, session, woken, items, live, cursor)

    async def _stream(
        self,
        request: web.Request,
        session: str,
        woken: asyncio.Event,
        items: list[FeedItem],
        live: bool,
        cursor: int,
    ) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={**HEADERS, "Content-Type": "text/event-stream", "X-Accel-Buffering": "no"}
        )
        await response.prepare(request)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STREAM_SECONDS
        with contextlib.suppress(ConnectionError):
            await response.write(f"retry: {RETRY_MS}\n\n".encode())
            while True:
                for item in items:
                    data = json.dumps(_event(item), ensure_ascii=False)
                    await response.write(f"id: {item.id}\nevent: reply\ndata: {data}\n\n".encode())
                if not live:
                    await response.write(b"event: end\ndata: {}\n\n")
                    break
                if loop.time() >= deadline or self.hub.closing:
                    break
                try:
                    await asyncio.wait_for(woken.wait(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    await response.write(b": keep-alive\n\n")
                woken.clear()
                if self.hub.closing:
                    break
                items, cursor, live = await self.support.feed(CHANNEL, session, cursor)
        return response


def install_live(app: web.Application, support: LiveSupport) -> None:
    """Add `GET /api/events`, and bring operators' answers to web chat people."""
    hub = LiveHub()
    support.reach_citizens(CHANNEL, hub)
    app.router.add_get("/api/events", LiveRoutes(support, hub).events)
    app.on_shutdown.append(hub.close)

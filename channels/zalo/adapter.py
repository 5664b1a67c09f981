"""Zalo Official Account: signed webhook in, consultation messages out.

`POST /zalo/webhook` checks the signature (401 otherwise), writes the event into the inbox
and answers 200 at once, so a slow reply never makes Zalo redeliver; one worker then handles
events in the order they came. Events still pending at start are handled then, so a crash
between the answer and the handling loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from aiohttp import web

from bot.broadcasts.sender import Outcome
from bot.engine import Engine
from bot.messages import Inbound, Outbound
from bot.storage import inbox
from channels.zalo import wire
from channels.zalo.client import CHANNEL, SendResult, ZaloClient
from channels.zalo.config import ZaloSettings
from channels.zalo.render import render

log = logging.getLogger(__name__)


class ZaloChannel:
    """The Zalo adapter bound to an engine."""

    channel = CHANNEL

    def __init__(self, engine: Engine, settings: ZaloSettings, serving: bool = True) -> None:
        self.engine = engine
        self.settings = settings
        self.serving = serving
        self.rate = settings.broadcast_rate
        self.client = ZaloClient(settings, engine.database)
        self._queue: asyncio.Queue[int] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Open the client, start the worker and queue what a previous run left pending."""
        await self.client.start()
        if not self.serving:
            return  # send only (`helpdesk broadcast run`): `serve` handles the webhook
        self._worker = asyncio.create_task(self._work())
        for inbox_id in await self.engine.database.run(inbox.pending, CHANNEL):
            self._queue.put_nowait(inbox_id)

    async def stop(self) -> None:
        """Finish the events already taken, then stop."""
        if self._worker is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._queue.join(), timeout=10)
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        await self.client.close()

    async def idle(self) -> None:
        """Wait until every queued event is handled (for tests and a clean stop)."""
        await self._queue.join()

    async def webhook(self, request: web.Request) -> web.Response:
        """`POST /zalo/webhook`."""
        body = await request.read()
        try:
            data: Any = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            data = None
        header = request.headers.get(wire.SIGNATURE_HEADER, "")
        timestamp = str(data.get("timestamp", "")) if isinstance(data, dict) else ""
        if (
            not header
            or not timestamp
            or not wire.signature_ok(
                header, self.settings.app_id, body, timestamp, self.settings.oa_secret_key
            )
        ):
            log.warning("zalo webhook: request without a valid signature refused")
            return web.json_response({"error": "invalid signature"}, status=401)
        if not isinstance(data, dict):
            return web.json_response({"error": "not an event"}, status=400)
        event = wire.read_event(data)
        inbox_id = await self.engine.database.run(inbox.store, CHANNEL, event.event_id, data)
        if inbox_id is None:
            log.info("zalo: redelivered event %s ignored", event.name)
        else:
            self._queue.put_nowait(inbox_id)
        return web.json_response({"ok": True})

    async def _work(self) -> None:
        while True:
            inbox_id = await self._queue.get()
            try:
                await self._process(inbox_id)
            except Exception:
                log.exception("zalo: event %s failed; it stays in the inbox", inbox_id)
            finally:
                self._queue.task_done()

    async def _process(self, inbox_id: int) -> None:
        payload = await self.engine.database.run(inbox.take, inbox_id)
        if payload is None:
            return
        await self._handle(wire.read_event(payload))
        await self.engine.database.run(inbox.finish, inbox_id)

    async def _handle(self, event: wire.Event) -> None:
        if event.user_id is None:
            log.info("zalo: event %s without a person acknowledged", event.name or "?")
            return
        if event.name == "unfollow":
            await self.engine.set_subscribed(CHANNEL, event.user_id, False)
            await self.engine.mark_unreachable(CHANNEL, event.user_id)
            return
        common = {"channel": CHANNEL, "user_id": event.user_id, "message_id": event.event_id}
        if event.name == "follow":
            inbound = Inbound(text="/start", **common)
        elif event.action is not None:
            inbound = Inbound(action=event.action, **common)
        elif event.text is not None:
            inbound = Inbound(text=event.text, **common)
        elif event.attachment is not None:
            inbound = Inbound(attachment=event.attachment, **common)
        else:
            log.info("zalo: event %s acknowledged, nothing to do", event.name or "?")
            return
        await self.send(event.user_id, await self.engine.handle(inbound))

    async def deliver(self, external_id: str, message: Outbound) -> Outcome:
        """One broadcast message; Zalo's answer as an Outcome (the queue does retries)."""
        result = await self.send(external_id, [message])
        if result is SendResult.SENT:
            return Outcome("sent")
        if result is SendResult.UNREACHABLE:
            return Outcome("skipped", "unreachable")
        return Outcome("retry", "zalo_error")

    async def send(self, user_id: str, replies: list[Any]) -> SendResult:
        """Send replies in order; stop at the first person Zalo will not let us reach."""
        result = SendResult.SENT
        for reply in replies:
            for body in render(user_id, reply):
                result = await self.client.send(body)
                if result is SendResult.UNREACHABLE:
                    await self.engine.mark_unreachable(CHANNEL, user_id)
                    return result
        return result

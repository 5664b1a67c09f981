"""Zalo Official Account: signed webhook in, consultation messages out.

`POST /zalo/webhook` answers Zalo's unsigned `{}` registration probe with 200 (and does
nothing else with it); any other request must be signed and fresh (signature.py: 401 or 403
otherwise, logged with the client's address at most once a minute per address). A good
event is written into the inbox and answered 200 at once, so a slow reply never makes Zalo
redeliver; one worker then handles events in the order they came. Events still pending at
start are handled then, so a crash between the answer and the handling loses nothing. What
is sent, and how: outbox.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.delivery import Outcome
from bot.guard.body import BadBody, read_json
from bot.guard.refusals import RefusalLog
from bot.guard.requests import client_address
from bot.health import ChannelHealth
from bot.messages import Outbound
from bot.port import Core
from bot.storage.channel_store import ChannelStore
from bot.storage.models import utcnow
from channels.zalo import signature, wire
from channels.zalo.client import CHANNEL, ZaloClient
from channels.zalo.config import ZaloSettings
from channels.zalo.delivery import Buttons
from channels.zalo.outbox import Outbox

log = logging.getLogger(__name__)


class ZaloChannel:
    """The Zalo adapter: the core behind it, its own storage, one client."""

    channel = CHANNEL

    def __init__(
        self,
        core: Core,
        store: ChannelStore,
        settings: ZaloSettings,
        serving: bool = True,
        health: ChannelHealth | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.core = core
        self.store = store
        self.settings = settings
        self.serving = serving
        self.rate = settings.broadcast_rate
        self.clock = clock
        self.client = ZaloClient(settings, store, health)
        self.buttons = Buttons(settings.buttons)
        self.outbox = Outbox(core, store, self.client, self.buttons, lambda: self.clock())
        self._queue: asyncio.Queue[int] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None
        self.refusals = RefusalLog(log, "zalo webhook")

    async def start(self) -> None:
        """Open the client, start the worker and queue what a previous run left pending."""
        await self.client.start()
        if not self.serving:
            return  # send only (`helpdesk broadcast run`): `serve` handles the webhook
        self._worker = asyncio.create_task(self._work())
        for inbox_id in await self.store.pending_ids():
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
            data: Any = read_json(body)
        except BadBody:
            data = None
        if data == wire.PROBE_BODY and wire.SIGNATURE_HEADER not in request.headers:
            log.info("zalo webhook: registration probe answered")
            return web.json_response({"ok": True})
        check = signature.verify(
            request.headers,
            body,
            data,
            self.settings.app_id,
            self.settings.oa_secret_key,
            dt.timedelta(seconds=self.settings.event_max_age),
            self.clock(),
        )
        if not check.ok:
            self.refusals.refused(client_address(request), check.status, check.reason)
            return web.json_response({"error": check.reason}, status=check.status)
        if not isinstance(data, dict):
            self.refusals.refused(client_address(request), 400, "signed, but not a JSON object")
            return web.json_response({"error": "not an event"}, status=400)
        event = wire.read_event(data)
        inbox_id = await self.store.store_event(event.event_id, data)
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
        payload = await self.store.take_event(inbox_id)
        if payload is None:
            return
        await self._handle(wire.read_event(payload))
        await self.store.finish_event(inbox_id)

    async def _handle(self, event: wire.Event) -> None:
        user_id = event.user_id
        if user_id is None:
            log.info("zalo: event %s without a person acknowledged", event.name or "?")
            return
        if event.name == "unfollow":
            await self.core.set_subscribed(CHANNEL, user_id, False)
            await self.core.mark_unreachable(CHANNEL, user_id)
            return
        said = (event.action, event.text, event.attachment)
        if event.name != "follow" and all(part is None for part in said):
            log.info("zalo: event %s acknowledged, nothing to do", event.name or "?")
            return
        turn = await self.core.handle_turn(await self.outbox.inbound(event, user_id))
        if not turn.duplicate:
            await self.outbox.answer(event, user_id, turn.replies)

    async def deliver(self, external_id: str, message: Outbound) -> Outcome:
        """One broadcast message; Zalo's answer as an Outcome (the queue does retries)."""
        return await self.outbox.deliver(external_id, message)
